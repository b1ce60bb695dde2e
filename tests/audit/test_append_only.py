"""Audit rows cannot be changed or removed by the application, by any path (QUALITY.md R5)."""

from __future__ import annotations

import pytest
from django.db import InternalError, connection, transaction

from accounts.models import Membership, Organization, User
from audit.models import AccessLog
from audit.selectors import tracked_event_models
from audit.services import record_access
from disputes.models import Room

EVENT_MODELS = tracked_event_models()
APPEND_ONLY_MODELS = [*EVENT_MODELS, AccessLog]
# The tables the tests below fill and then try to change. Tables of models registered later have the
# same trigger, which test_every_audit_table_has_its_append_only_trigger_installed_and_enabled checks.
FILLED_MODELS = [*(model.pgh_event_model for model in (Organization, Membership, User, Room)), AccessLog]
REFUSED = "Cannot update or delete rows"


def test_the_trail_covers_the_models_registered_so_far():
    tracked = {model.pgh_tracked_model._meta.label for model in EVENT_MODELS}

    assert {"accounts.Organization", "accounts.Membership", "accounts.User", "disputes.Room"} <= tracked


@pytest.mark.parametrize("model", APPEND_ONLY_MODELS, ids=lambda model: model._meta.label)
def test_every_audit_table_has_its_append_only_trigger_installed_and_enabled(db, model):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgenabled FROM pg_trigger WHERE tgrelid = %s::regclass AND tgname LIKE 'pgtrigger_append_only_%%'",
            [model._meta.db_table],
        )
        assert cursor.fetchall() == [("O",)]  # "O": fires in the normal (origin) replication role


@pytest.mark.parametrize("model", EVENT_MODELS, ids=lambda model: model._meta.label)
def test_every_event_model_was_registered_with_the_audit_indexes(model):
    # A model registered with plain pghistory.track would lack them, and the events page would scan.
    names = {index.name for index in model._meta.indexes}

    assert {f"{model._meta.model_name}_at", f"{model._meta.model_name}_user"} <= names


@pytest.fixture
def audit_rows(orgs, officer_a, room, rf):
    """At least one row in each of FILLED_MODELS."""
    request = rf.get("/detainees/1/")
    request.user = officer_a
    record_access(request, room, AccessLog.Action.SHOW_FULL_ID_NUMBER)
    for model in FILLED_MODELS:
        assert model.objects.exists(), model


def _refused(sql: str, params=None) -> None:
    with pytest.raises(InternalError, match=REFUSED), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.parametrize("model", FILLED_MODELS, ids=lambda model: model._meta.label)
def test_raw_sql_cannot_update_or_delete_audit_rows(audit_rows, model):
    table = connection.ops.quote_name(model._meta.db_table)
    count = model.objects.count()

    _refused(f"UPDATE {table} SET id = id")
    _refused(f"DELETE FROM {table}")
    _refused(f"DELETE FROM {table} WHERE ctid = (SELECT ctid FROM {table} LIMIT 1)")

    assert model.objects.count() == count


@pytest.mark.parametrize("model", FILLED_MODELS, ids=lambda model: model._meta.label)
def test_the_orm_cannot_update_or_delete_audit_rows(audit_rows, model):
    row = model.objects.first()
    count = model.objects.count()
    # Any plain column will do: the trigger refuses the row, whatever changes in it.
    column = next(f.name for f in model._meta.concrete_fields if not f.primary_key and not f.is_relation)

    with pytest.raises(InternalError, match=REFUSED), transaction.atomic():
        model.objects.filter(pk=row.pk).update(**{column: getattr(row, column)})
    with pytest.raises(InternalError, match=REFUSED), transaction.atomic():
        row.save()
    with pytest.raises(InternalError, match=REFUSED), transaction.atomic():
        model.objects.bulk_update([row], [column])
    with pytest.raises(InternalError, match=REFUSED), transaction.atomic():
        model.objects.all().delete()

    assert model.objects.count() == count


def test_the_tracked_row_can_still_be_deleted_while_its_events_stay(room, trail):
    pk = room.pk
    room.delete()
    room.pk = pk

    assert [e.pgh_label for e in trail(room)] == ["insert", "delete"]
