"""Read queries of the audit pages: events of the write trail, and the read-access log.

Both pages list newest first with keyset pagination: a page is the rows after the last one seen, so a
page deep in a table of millions costs what the first does, and no COUNT(*) is ever run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import pghistory.core
from django.db import connection
from django.db import models as db_models
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from security.fields import EncryptedTextField

from .models import AccessLog


@dataclass(frozen=True)
class Cursor:
    """The last row of a page: (time, event model label, pk) for events, (time, "", pk) for the log.

    Events live in one table per tracked model, so their keys are only unique with the model."""

    created_at: datetime
    model: str
    pk: int

    SEPARATOR = "~"

    def encode(self) -> str:
        return self.SEPARATOR.join([self.created_at.isoformat(), self.model, str(self.pk)])

    @classmethod
    def decode(cls, text: str) -> Cursor:
        """Raises ValueError for anything encode() did not write."""
        created, model, pk = text.split(cls.SEPARATOR)
        created_at = datetime.fromisoformat(created)
        if created_at.tzinfo is None:
            raise ValueError("the cursor's time has no UTC offset")
        return cls(created_at=created_at, model=model, pk=int(pk))


# --- events ---------------------------------------------------------------------------------------


def tracked_event_models() -> list[type[db_models.Model]]:
    """Every event model of the trail (one per tracked model), in a fixed order."""
    return sorted(
        (model for model in pghistory.core.event_models() if hasattr(model, "pgh_obj")),
        key=lambda model: model._meta.label,
    )


@dataclass
class Change:
    field: str
    before: str
    after: str
    # A reference to another record is shown by that record's label (labelled_references), linked to
    # its own events when it is in the trail.
    related_model: type[db_models.Model] | None = None
    before_pk: Any = None
    after_pk: Any = None
    before_url: str = ""
    after_url: str = ""


@dataclass
class Event:
    event_model: type[db_models.Model]
    pk: int
    created_at: datetime
    label: str
    object_id: str
    context: dict[str, Any]
    changes: list[Change] = field(default_factory=list)
    user: User | None = None

    LABELS = {
        "insert": gettext_lazy("新增"),
        "update": gettext_lazy("修改"),
        "delete": gettext_lazy("删除"),
        "password_change": gettext_lazy("修改密码"),
    }

    @property
    def record_type(self) -> str:
        return str(self.event_model.pgh_tracked_model._meta.verbose_name)

    @property
    def tracked_pk_column(self) -> str:
        # Shown as the record's number already.
        return self.event_model.pgh_tracked_model._meta.pk.column

    @property
    def label_display(self) -> str:
        return str(self.LABELS.get(self.label, self.label))

    @property
    def user_id(self) -> int | None:
        return self.context.get("user")

    @property
    def cursor(self) -> Cursor:
        return Cursor(self.created_at, self.event_model._meta.label, self.pk)


def event_page(
    *,
    event_models: list[type[db_models.Model]],
    object_id: int | None = None,
    user: User | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    after: Cursor | None = None,
    limit: int,
) -> list[Event]:
    """Up to `limit` events, newest first, of the given event models, with the fields each changed.

    One query: a UNION ALL over the event tables, each part taking its newest `limit` rows through
    its (pgh_created_at, pgh_id) index, and with each event the snapshot before it (the previous event
    of the same object), from which the changed fields are computed."""
    parts, params = [], []
    for model in event_models:
        label = model._meta.label
        table = connection.ops.quote_name(model._meta.db_table)
        conditions, part_params = [], []
        if object_id is not None:
            conditions.append("e.pgh_obj_id = %s")
            part_params.append(object_id)
        if user is not None:
            # The same expression as the %(class)s_user index (audit.tracking).
            conditions.append("(e.pgh_context ->> 'user') = %s")
            part_params.append(str(user.pk))
        if start is not None:
            conditions.append("e.pgh_created_at >= %s")
            part_params.append(start)
        if end is not None:
            conditions.append("e.pgh_created_at < %s")
            part_params.append(end)
        if after is not None:
            # The order is (time, model label, pk), descending. The label is a constant in each part,
            # so the condition on it is settled here and what reaches SQL is an index range.
            if label == after.model:
                conditions.append("(e.pgh_created_at, e.pgh_id) < (%s, %s)")
                part_params += [after.created_at, after.pk]
            elif label < after.model:
                conditions.append("e.pgh_created_at <= %s")
                part_params.append(after.created_at)
            else:
                conditions.append("e.pgh_created_at < %s")
                part_params.append(after.created_at)
        where = " AND ".join(conditions) or "TRUE"
        parts.append(
            f"""(
                SELECT %s AS model, e.pgh_id, e.pgh_created_at, e.pgh_label, e.pgh_obj_id::text AS object_id,
                       e.pgh_context, to_jsonb(e) AS data,
                       (SELECT to_jsonb(p) FROM {table} p
                         WHERE p.pgh_obj_id = e.pgh_obj_id AND p.pgh_id < e.pgh_id
                         ORDER BY p.pgh_id DESC LIMIT 1) AS previous
                FROM {table} e
                WHERE {where}
                ORDER BY e.pgh_created_at DESC, e.pgh_id DESC
                LIMIT %s
            )"""  # noqa: S608 (only quoted table names and fixed SQL; every value is a parameter)
        )
        params += [label, *part_params, limit]
    if not parts:
        return []
    # COLLATE "C": labels compare as Python compares them (the cursor conditions above rely on it).
    union = " UNION ALL ".join(parts)
    sql = f"""
        SELECT model, pgh_id, pgh_created_at, pgh_label, object_id, pgh_context, data, previous
        FROM ({union}) AS events
        ORDER BY pgh_created_at DESC, model COLLATE "C" DESC, pgh_id DESC
        LIMIT %s
    """  # noqa: S608
    params.append(limit)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()

    by_label = {model._meta.label: model for model in event_models}
    events = []
    for label, pk, created_at, event_label, obj_id, context, data, previous in rows:
        event = Event(
            event_model=by_label[label],
            pk=pk,
            created_at=created_at,
            label=event_label,
            object_id=obj_id,
            context=_json(context) or {},
        )
        event.changes = _changes(event, _json(data), _json(previous))
        events.append(event)

    users = User.objects.in_bulk({event.user_id for event in events if event.user_id is not None})
    for event in events:
        event.user = users.get(event.user_id)
    _label_references([change for event in events for change in event.changes])
    return events


def _label_references(changes: list[Change]) -> None:
    """Show each referenced record by its label (str of the record) instead of its number, linked to
    the events of that record when it is in the trail (the only records the audit administrator may
    open). One query per kind of record referenced on the page; select_related() follows the
    non-null foreign keys, so a label built from related records (a lead's "category · person · day")
    costs no further query."""
    wanted: dict[type[db_models.Model], set] = {}
    for change in changes:
        if change.related_model is not None:
            wanted.setdefault(change.related_model, set()).update(
                pk for pk in (change.before_pk, change.after_pk) if pk is not None
            )
    labels = {
        model: {obj.pk: str(obj) for obj in model._base_manager.select_related().filter(pk__in=pks)}
        for model, pks in wanted.items()
    }
    events_url = reverse("audit:events")
    for change in changes:
        model = change.related_model
        if model is None:
            continue
        event_model = getattr(model, "pgh_event_model", None)
        for side in ("before", "after"):
            pk = getattr(change, f"{side}_pk")
            if pk is None:
                continue
            label = labels[model].get(pk)
            setattr(change, side, label if label is not None else _("#%(pk)s（已删除）") % {"pk": pk})
            if event_model is not None:
                query = urlencode({"model": event_model._meta.label, "object_id": pk})
                setattr(change, f"{side}_url", f"{events_url}?{query}")


def _json(value: Any) -> Any:
    # Django's PostgreSQL backend leaves jsonb as text for raw cursors (JSONField parses its own).
    return json.loads(value) if isinstance(value, str) else value


def _changes(event: Event, data: dict[str, Any], previous: dict[str, Any] | None) -> list[Change]:
    """The fields the event changed: for an insert everything it set, for a delete everything it
    removed, otherwise what differs from the snapshot before (all fields when there is none)."""
    if event.label == "insert":
        before, after = {}, data
    elif event.label == "delete":
        before, after = data, {}
    else:
        before, after = previous or {}, data
    fields = event.event_model._meta.concrete_fields
    # An encrypted value is stored with a fresh nonce at every save, so its ciphertext changes even when
    # the value does not; its lookup hash changes only with the value. The hash itself is not shown.
    compared_by = {f.name: f.hash_field for f in fields if isinstance(f, EncryptedTextField) and f.hash_field}
    changes = []
    for model_field in fields:
        if model_field.name.startswith("pgh_") or model_field.name in compared_by.values():
            continue
        if _is_bookkeeping(model_field) or model_field.column == event.tracked_pk_column:
            continue
        compared = event.event_model._meta.get_field(compared_by.get(model_field.name, model_field.name)).column
        if before.get(compared) == after.get(compared):
            continue
        old, new = before.get(model_field.column), after.get(model_field.column)
        if old in (None, "") and new in (None, ""):
            continue
        change = Change(str(model_field.verbose_name), _display(model_field, old), _display(model_field, new))
        if model_field.many_to_one or model_field.one_to_one:
            change.related_model, change.before_pk, change.after_pk = model_field.related_model, old, new
        changes.append(change)
    return changes


def _is_bookkeeping(model_field: db_models.Field) -> bool:
    # Timestamps kept by Django change on every save and say nothing the event's own time does not.
    return getattr(model_field, "auto_now", False) or getattr(model_field, "auto_now_add", False)


def _display(model_field: db_models.Field, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(model_field, EncryptedTextField):
        # Stored encrypted, and shown to nobody in full without a logged action: not here either.
        return _("（已加密）")
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(model_field, db_models.DateTimeField) and isinstance(value, str):
        parsed = parse_datetime(value)
        if parsed is not None:
            return timezone.localtime(parsed).strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


# --- the read-access log ----------------------------------------------------------------------------


def access_log_page(
    *,
    user: User | None = None,
    action: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    after: Cursor | None = None,
    limit: int,
) -> list[AccessLog]:
    rows = AccessLog.objects.select_related("user", "content_type").order_by("-created_at", "-pk")
    if user is not None:
        rows = rows.filter(user=user)
    if action:
        rows = rows.filter(action=action)
    if start is not None:
        rows = rows.filter(created_at__gte=start)
    if end is not None:
        rows = rows.filter(created_at__lt=end)
    if after is not None:
        # (created_at, id) < cursor, written so that the index range stops at the cursor's time.
        rows = rows.filter(created_at__lte=after.created_at).exclude(created_at=after.created_at, pk__gte=after.pk)
    return list(rows[:limit])
