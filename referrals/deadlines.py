"""Due times of work orders (DESIGN.md §4) and their deadline rules, the nudge of idle work orders and
the partners' weekly digest. Plain Python: no Celery, no SQL now() (the current time is passed in).

Receipt is due by the end of the first working day after the day of sending; feedback by the end of
the fifth working day after the day of receipt (the counts per partner kind: DueTimeDefault, else
settings). Each due time is computed here only, stored on the work order when it is sent or received
(or more work is asked), and recomputed by referrals.services.calendar when the calendar changes."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy

from accounts.models import Organization
from detainees.deadlines import END_OF_DAY
from sweeps.rules import Rule, Subject

from .links import centre_link
from .models import DueTimeDefault, PartnerDigest, WorkOrder
from .working_days import nth_working_day_after


def working_days_for(partner_kind: str) -> tuple[int, int]:
    """(receipt, feedback) working days for a partner of this kind."""
    row = DueTimeDefault.objects.filter(organization_kind=partner_kind).first()
    if row is None:
        return settings.WORK_ORDER_RECEIPT_WORKING_DAYS, settings.WORK_ORDER_FEEDBACK_WORKING_DAYS
    return row.receipt_working_days, row.feedback_working_days


def end_of_working_day(after: datetime, n: int) -> datetime:
    """The end (23:59:59.999999 local time) of the n-th working day after the local day of `after`."""
    day: date = nth_working_day_after(timezone.localtime(after).date(), n)
    return timezone.make_aware(datetime.combine(day, END_OF_DAY))


def receipt_due_at(*, sent_at: datetime, partner_kind: str) -> datetime:
    return end_of_working_day(sent_at, working_days_for(partner_kind)[0])


def feedback_due_at(*, counted_from: datetime, partner_kind: str) -> datetime:
    """`counted_from` is the receipt, or the centre's request for more work."""
    return end_of_working_day(counted_from, working_days_for(partner_kind)[1])


# --- the rules of the sweeps (casework.deadlines.RULES) -----------------------------------------------


def _describe(order: WorkOrder) -> Subject:
    # Told to the centre's staff only (the rule's permission is the centre's): the partner's name and
    # the kind of help are what the officer needs to find it.
    partner = order.partner.name if order.partner_id else ""
    return Subject(
        title=f"{partner} · {order.get_kind_display()} #{order.pk}",
        link=centre_link(order.pk),
    )


RECEIPT_RULE = Rule(
    name="work_order_receipt",
    label=gettext_lazy("工单签收"),
    open_items=lambda: WorkOrder.objects.filter(status=WorkOrder.Status.SENT),  # workorder_receipt_due_idx
    due_at="receipt_due_at",
    facility="detention__facility_id",
    responsible="sent_by_id",
    permission="view_work_orders",
    describe=_describe,
    related=("partner",),
)

FEEDBACK_RULE = Rule(
    name="work_order_feedback",
    label=gettext_lazy("工单反馈"),
    open_items=lambda: WorkOrder.objects.filter(  # workorder_feedback_due_idx
        status__in=[WorkOrder.Status.RECEIVED, WorkOrder.Status.IN_PROGRESS]
    ),
    due_at="feedback_due_at",
    facility="detention__facility_id",
    responsible="sent_by_id",
    permission="view_work_orders",
    describe=_describe,
    related=("partner",),
)


# --- the nudge and the weekly digest (beat: referrals.tasks) -----------------------------------------


def idle_work_orders(now: datetime):
    """Orders whose partner has the next move and has not moved for WORK_ORDER_NUDGE_HOURS, not nudged
    since their last move (workorder_idle_idx)."""
    return WorkOrder.objects.filter(
        status__in=WorkOrder.WITH_PARTNER,
        partner_activity_at__lt=now - timedelta(hours=settings.WORK_ORDER_NUDGE_HOURS),
    ).filter(Q(nudged_at__isnull=True) | Q(nudged_at__lt=F("partner_activity_at")))


def nudge_idle_work_orders(*, now: datetime) -> int:
    """One nudge to the partner's staff per idle stretch of a work order: claimed by a conditional
    UPDATE, so two runs nudge once. Returns how many were nudged."""
    from .services import notices  # the services import this module for the due times

    nudged = 0
    for pk, nudged_at in (
        idle_work_orders(now).order_by("partner_activity_at", "pk").values_list("pk", "nudged_at")[:500]
    ):
        with transaction.atomic():
            if not WorkOrder.objects.filter(pk=pk, nudged_at=nudged_at).update(nudged_at=now):
                continue  # another run took it
            order = WorkOrder.objects.select_related("partner", "lead", "detention__facility").get(pk=pk)
            notices.tell_partner(order, "nudge")
            nudged += 1
    return nudged


def week_start(now: datetime) -> date:
    today = timezone.localtime(now).date()
    return today - timedelta(days=today.weekday())


def send_partner_digests(*, now: datetime) -> int:
    """Each partner with work orders in hand gets one digest a week (PartnerDigest's unique key: a
    second run sends nothing), with counts only: new, in hand, fed back, overdue. Returns how many
    organizations were sent one."""
    from .services import notices

    monday = week_start(now)
    s = WorkOrder.Status
    overdue = Q(status=s.SENT, receipt_due_at__lt=now) | Q(
        status__in=[s.RECEIVED, s.IN_PROGRESS], feedback_due_at__lt=now
    )
    rows = (
        WorkOrder.objects.filter(status__in=[s.SENT, s.RECEIVED, s.IN_PROGRESS, s.FEEDBACK_SUBMITTED])
        .values("partner_id")
        .annotate(
            new=Count("pk", filter=Q(status=s.SENT)),
            working=Count("pk", filter=Q(status__in=[s.RECEIVED, s.IN_PROGRESS])),
            fed_back=Count("pk", filter=Q(status=s.FEEDBACK_SUBMITTED)),
            overdue=Count("pk", filter=overdue),
        )
        .order_by("partner_id")
    )
    sent = 0
    for row in rows:
        with transaction.atomic():
            _digest, created = PartnerDigest.objects.get_or_create(
                organization_id=row["partner_id"],
                week_start=monday,
                defaults={"sent_at": now, "open_count": row["new"] + row["working"] + row["fed_back"]},
            )
            if not created:
                continue
            notices.tell_partner_digest(Organization.objects.get(pk=row["partner_id"]), row, week=monday)
            sent += 1
    return sent
