"""The working-day calendar (DESIGN.md §4): the system administrator's changes, and the due times of
open work orders recomputed when it changes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import require

from .. import deadlines
from ..models import WorkingDay, WorkOrder

Status = WorkOrder.Status


@transaction.atomic
def set_working_days(
    days: Iterable[tuple[date, bool, str]], *, acting_user: User | None, source: str = WorkingDay.Source.MANUAL
) -> int:
    """Write each (day, is_workday, note) and recompute the open due times that count across a changed
    day. Returns how many open work orders got a new due time."""
    require(acting_user, "edit_calendar")
    changed = []
    for day, is_workday, note in days:
        if not date(1990, 1, 1) <= day <= date(2100, 12, 31):
            raise ValidationError(_("日期超出范围"))
        row, created = WorkingDay.objects.get_or_create(
            day=day, defaults={"is_workday": is_workday, "note": note, "source": source, "updated_by": acting_user}
        )
        if created:
            changed.append(day)
        elif row.is_workday != is_workday or row.note != note:
            if row.is_workday != is_workday:
                changed.append(day)
            row.is_workday, row.note, row.source, row.updated_by = is_workday, note, source, acting_user
            row.save()
    if not changed:
        return 0
    return recompute_open_due_times(since=min(changed))


def recompute_open_due_times(*, since: date) -> int:
    """Recompute the receipt due time of every sent order and the feedback due time of every received
    or in-progress one whose count runs across `since` or later (their counting day is before the
    change and the due time after it). Returns how many changed."""
    changed = 0
    sent = WorkOrder.objects.select_for_update(of=("self",)).select_related("partner").filter(status=Status.SENT)
    for order in sent.filter(receipt_due_at__date__gte=since):
        due = deadlines.receipt_due_at(sent_at=order.sent_at, partner_kind=order.partner.kind)
        if due != order.receipt_due_at:
            WorkOrder.objects.filter(pk=order.pk).update(receipt_due_at=due)
            changed += 1
    working = (
        WorkOrder.objects.select_for_update(of=("self",))
        .select_related("partner")
        .filter(status__in=[Status.RECEIVED, Status.IN_PROGRESS], feedback_due_at__date__gte=since)
    )
    for order in working:
        counted_from = _feedback_counted_from(order)
        due = deadlines.feedback_due_at(counted_from=counted_from, partner_kind=order.partner.kind)
        if due != order.feedback_due_at:
            WorkOrder.objects.filter(pk=order.pk).update(feedback_due_at=due)
            changed += 1
    return changed


def _feedback_counted_from(order: WorkOrder):
    """The receipt, or the latest request for more work after it."""
    more = (
        order.events.filter(from_status=Status.FEEDBACK_SUBMITTED, to_status=Status.IN_PROGRESS)
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    return more or order.received_at
