"""Registering a model in the audit trail: one line above the class.

    from audit.tracking import track

    @track()
    class Room(TimeStampedModel): ...

`track` is `pghistory.track` with the indexes the audit pages search by. Everything else comes from
the PGHISTORY_* settings: insert, update and delete triggers, an append-only event table, and the
request context copied into every event. Then run makemigrations: the event model (`RoomEvent`, in
the tracked model's app), its table and the triggers are created by the migration.

Leave out of the trail what must never be stored twice, e.g. `@track(exclude=["password"])`; an
update that changes only excluded columns then writes no event if the update tracker says so:
`pghistory.UpdateEvent(condition=changed_except("password"))` (see accounts.User).

The module imports nothing from the project, so any app's models.py can use it.
"""

from __future__ import annotations

import pghistory
import pgtrigger
from django.db import models
from django.db.models.fields.json import KeyTextTransform
from django.utils.text import format_lazy


def event_indexes() -> list[models.Index]:
    # Fresh objects for every event model; "%(class)s" becomes e.g. "roomevent".
    return [
        # The events page: newest first, with keyset pagination on (pgh_created_at, pgh_id).
        models.Index(fields=["pgh_created_at", "pgh_id"], name="%(class)s_at"),
        # The events page searched by who acted (the user id the middleware or acting() recorded).
        models.Index(KeyTextTransform("user", "pgh_context"), "pgh_created_at", name="%(class)s_user"),
    ]


def changed_except(*columns: str) -> pgtrigger.Condition:
    """The UPDATE changed a column other than `columns`.

    pgtrigger's AnyChange(exclude=...) compares the other fields one by one through Django lookups,
    which the encrypted fields (security.fields) refuse; comparing whole rows as JSON needs none, and
    takes in columns added later without a change here."""
    removed = "".join(f" - '{column}'" for column in columns)
    # Parenthesised as a whole: it goes into the trigger's WHEN (...) as it is.
    return pgtrigger.Condition(f"((to_jsonb(OLD.*){removed}) IS DISTINCT FROM (to_jsonb(NEW.*){removed}))")


def track(*trackers: pghistory.Tracker, **options):
    """`pghistory.track(*trackers, **options)`, adding the indexes of the audit pages and a Chinese
    name for the event model ("矛盾线索变更记录"), which the admin and the audit pages may show."""
    given = options.pop("meta", None) or {}

    def decorate(model: type[models.Model]) -> type[models.Model]:
        name = format_lazy("{}变更记录", model._meta.verbose_name)
        # A new dict on every call: pghistory adds its append-only trigger to the dict it is given.
        meta = {
            "verbose_name": name,
            "verbose_name_plural": name,
            **given,
            "indexes": [*given.get("indexes", []), *event_indexes()],
        }
        return pghistory.track(*trackers, meta=meta, **options)(model)

    return decorate
