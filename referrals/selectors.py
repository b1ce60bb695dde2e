"""Read queries of referrals, scoped in SQL (DESIGN.md §5).

- The centre's officers and leaders see the work orders of the detentions their centre holds (a
  transfer takes them along: scoped through detention.facility, never copied).
- Staff of a partner see the work orders addressed to their organization or to one below it (court
  staff see their enforcement bureau's), and those a django-guardian grant invites them to, never a
  draft, and no longer once settings.WORK_ORDER_PARTNER_ACCESS_DAYS have passed since the order closed,
  was returned or was cancelled.
- Nobody else sees any.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import current_membership, staff_facility_id
from accounts.models import Organization, Role

from .models import WorkOrder, WorkOrderUserObjectPermission

# "Due soon" in the inboxes: a receipt or feedback due within this time.
DUE_SOON = timedelta(days=1)


def partner_organization(user) -> Organization | None:
    """The organization whose work orders `user` handles (court staff and agency staff), else None."""
    membership = current_membership(user)
    if membership is None or membership.role not in {Role.COURT_STAFF, Role.AGENCY_STAFF}:
        return None
    return membership.organization


def visible_to(user, *, now: datetime | None = None) -> QuerySet[WorkOrder]:
    facility_id = staff_facility_id(user)
    if facility_id is not None:
        return WorkOrder.objects.filter(detention__facility_id=facility_id)
    organization = partner_organization(user)
    if organization is None:
        return WorkOrder.objects.none()
    return addressed_to(organization, now=now) | WorkOrder.objects.filter(
        _still_shown(now), pk__in=WorkOrderUserObjectPermission.objects.filter(user=user).values("content_object_id")
    )


def _still_shown(now: datetime | None) -> Q:
    now = now or timezone.now()
    return Q(status__in=WorkOrder.SHOWN_TO_PARTNER) & (
        Q(partner_access_until__isnull=True) | Q(partner_access_until__gt=now)
    )


def addressed_to(organization: Organization, *, now: datetime | None = None) -> QuerySet[WorkOrder]:
    """The work orders of `organization` and of the organizations below it that it still sees."""
    return WorkOrder.objects.filter(
        _still_shown(now), partner__in=Organization.objects.filter(path__startswith=organization.path)
    )


def partner_access_until(finished_at: datetime) -> datetime:
    return finished_at + timedelta(days=settings.WORK_ORDER_PARTNER_ACCESS_DAYS)


# --- the consolidated state of a lead's work orders --------------------------------------------------


@dataclass(frozen=True)
class ReferralState:
    """Where a case's work orders stand together: "3 家单位，2 家已反馈"."""

    total: int  # sent and not cancelled
    fed_back: int  # feedback submitted or closed
    closed: int
    returned: int
    waiting: int  # sent, received or in progress
    overdue: int  # receipt or feedback due time passed

    @property
    def label(self) -> str:
        if not self.total:
            return ""
        text = _("%(total)s 家单位，%(fed_back)s 家已反馈") % {"total": self.total, "fed_back": self.fed_back}
        if self.returned:
            text += _("，%(n)s 家退回") % {"n": self.returned}
        if self.overdue:
            text += _("，%(n)s 件逾期") % {"n": self.overdue}
        return text


def referral_state_aggregates(now: datetime) -> dict:
    """The aggregates behind ReferralState, for .aggregate() over one case's orders or .annotate() over
    many leads (prefix the lookups with "work_orders__" there)."""
    return _state_aggregates("", now)


def _state_aggregates(prefix: str, now: datetime) -> dict:
    s = WorkOrder.Status
    sent = ~Q(status__in=[s.DRAFT, s.CANCELLED])
    return {
        "wo_total": Count(f"{prefix}pk", filter=_prefixed(sent, prefix)),
        "wo_fed_back": Count(f"{prefix}pk", filter=_prefixed(Q(status__in=[s.FEEDBACK_SUBMITTED, s.CLOSED]), prefix)),
        "wo_closed": Count(f"{prefix}pk", filter=_prefixed(Q(status=s.CLOSED), prefix)),
        "wo_returned": Count(f"{prefix}pk", filter=_prefixed(Q(status=s.RETURNED), prefix)),
        "wo_waiting": Count(f"{prefix}pk", filter=_prefixed(Q(status__in=[s.SENT, s.RECEIVED, s.IN_PROGRESS]), prefix)),
        "wo_overdue": Count(
            f"{prefix}pk",
            filter=_prefixed(
                Q(status=s.SENT, receipt_due_at__lt=now)
                | Q(status__in=[s.RECEIVED, s.IN_PROGRESS], feedback_due_at__lt=now),
                prefix,
            ),
        ),
    }


def _prefixed(q: Q, prefix: str) -> Q:
    """`q` with every lookup prefixed (lookups across the lead → work_orders relation)."""
    if not prefix:
        return q
    clone = Q()
    clone.connector, clone.negated = q.connector, q.negated
    clone.children = [
        _prefixed(child, prefix) if isinstance(child, Q) else (f"{prefix}{child[0]}", child[1]) for child in q.children
    ]
    return clone


def lead_referral_aggregates(now: datetime) -> dict:
    """For DisputeLead querysets: .annotate(**lead_referral_aggregates(now)), then state_of(lead)."""
    return _state_aggregates("work_orders__", now)


def state_of(row) -> ReferralState:
    """The ReferralState of a row annotated (or a dict aggregated) with the wo_* aggregates."""
    get = row.get if isinstance(row, dict) else lambda name: getattr(row, name)
    return ReferralState(
        total=get("wo_total") or 0,
        fed_back=get("wo_fed_back") or 0,
        closed=get("wo_closed") or 0,
        returned=get("wo_returned") or 0,
        waiting=get("wo_waiting") or 0,
        overdue=get("wo_overdue") or 0,
    )


def referral_state(orders: QuerySet[WorkOrder], now: datetime) -> ReferralState:
    """The consolidated state of `orders` (a lead's, a detention's), in one query."""
    return state_of(orders.aggregate(**referral_state_aggregates(now)))


# --- the partner's inbox -----------------------------------------------------------------------------


class InboxState:
    ALL = ""
    NEW = "new"  # sent, waiting for receipt
    ACTIVE = "active"  # received or in progress
    FED_BACK = "fed_back"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    FINISHED = "finished"


def inbox_filter(state: str, now: datetime) -> Q:
    s = WorkOrder.Status
    overdue = Q(status=s.SENT, receipt_due_at__lt=now) | Q(
        status__in=[s.RECEIVED, s.IN_PROGRESS], feedback_due_at__lt=now
    )
    soon = now + DUE_SOON
    due_soon = Q(status=s.SENT, receipt_due_at__gte=now, receipt_due_at__lt=soon) | Q(
        status__in=[s.RECEIVED, s.IN_PROGRESS], feedback_due_at__gte=now, feedback_due_at__lt=soon
    )
    return {
        InboxState.ALL: Q(),
        InboxState.NEW: Q(status=s.SENT),
        InboxState.ACTIVE: Q(status__in=[s.RECEIVED, s.IN_PROGRESS]),
        InboxState.FED_BACK: Q(status=s.FEEDBACK_SUBMITTED),
        InboxState.DUE_SOON: due_soon,
        InboxState.OVERDUE: overdue,
        InboxState.FINISHED: Q(status__in=WorkOrder.FINISHED),
    }[state]


def due_state(order: WorkOrder, now: datetime) -> str:
    """ "overdue", "due-soon" or "" for the due time that is running."""
    s = WorkOrder.Status
    due = (
        order.receipt_due_at
        if order.status == s.SENT
        else order.feedback_due_at
        if order.status in (s.RECEIVED, s.IN_PROGRESS)
        else None
    )
    if due is None:
        return ""
    if due < now:
        return "overdue"
    if due < now + DUE_SOON:
        return "due-soon"
    return ""
