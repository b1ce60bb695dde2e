"""Data fills live in their own `NNNN_fill_*` migrations with a reverse, and the split of disputes
0005-0007 (issue 10) keeps a database migrated with the old files consistent: every old name is replaced
by the migrations made from it, so such a database sees them as applied and runs no fill twice."""

from __future__ import annotations

from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connection, migrations
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

# What each migration that mixed a fill into schema changes became.
SPLIT = {
    "0005_confirmation_history_volunteer_per_centre_plan_revision": {
        "0005_agreement_sequence_volunteer_per_centre_plan_revision",
        "0005_fill_agreement_sequences",
    },
    "0006_confirmation_agreement_revision": {
        "0006_agreement_revision_of_confirmation",
        "0006_fill_confirmation_agreement_revisions",
    },
    "0007_lead_facility": {
        "0007_add_lead_facility",
        "0007_fill_lead_facility",
        "0007_require_lead_facility",
    },
}


def project_migrations(loader: MigrationLoader):
    base = Path(settings.BASE_DIR).resolve()
    own = {
        config.label
        for config in apps.get_app_configs()
        if base in Path(config.path).resolve().parents and ".venv" not in Path(config.path).parts
    }
    return {key: migration for key, migration in loader.disk_migrations.items() if key[0] in own}


def test_every_data_fill_is_a_fill_migration_of_its_own_with_a_reverse():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    fills = 0
    for (app_label, name), migration in project_migrations(loader).items():
        data_operations = [
            op for op in migration.operations if isinstance(op, migrations.RunPython | migrations.RunSQL)
        ]
        if not data_operations:
            continue
        fills += 1
        assert "_fill_" in name, f"{app_label}.{name} fills data: it belongs in a NNNN_fill_* migration"
        assert data_operations == migration.operations, f"{app_label}.{name} mixes a fill with schema changes"
        assert all(op.reversible for op in data_operations), f"{app_label}.{name} has no reverse"
    assert fills >= 6


def test_the_parts_of_each_split_migration_replace_it():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    replaced_by: dict[str, set[str]] = {}
    for (app_label, name), migration in loader.replacements.items():
        if app_label == "disputes":
            for _app, old in migration.replaces:
                replaced_by.setdefault(old, set()).add(name)
    assert replaced_by == SPLIT


def test_a_database_migrated_with_the_old_files_is_consistent_and_has_nothing_to_run(monkeypatch):
    """The history of a database migrated at the commit before the split: every migration on disk today
    except the parts, and the old names instead. Django's own loader and planner read it."""
    every = MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    parts = {("disputes", new) for news in SPLIT.values() for new in news}
    old_history = {key: None for key in every if key not in parts} | {("disputes", old): None for old in SPLIT}
    monkeypatch.setattr(MigrationRecorder, "applied_migrations", lambda self: old_history)

    executor = MigrationExecutor(connection)
    executor.loader.check_consistent_history(connection)  # no InconsistentMigrationHistory
    assert parts <= set(executor.loader.applied_migrations)
    assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == []  # no fill runs again
