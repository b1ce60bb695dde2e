"""Read queries of detainees, scoped in SQL to what the user may see (DESIGN.md §5)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import QuerySet

from accounts.access import current_membership
from accounts.models import CENTRE_ROLES

from .models import Detention

# "Due soon" on the worklist: the assessment falls due within this time.
DUE_SOON = timedelta(days=1)


def staff_facility_id(user) -> int | None:
    """The centre whose detentions `user` works on: officers and leaders of a facility, else None."""
    membership = current_membership(user)
    if membership is None or membership.role not in CENTRE_ROLES:
        return None
    return membership.organization_id


def visible_to(user) -> QuerySet[Detention]:
    """Detentions of the user's own centre. Court and partner staff reach detention facts only through
    the work orders and sessions addressed to them (later issues), never through this list."""
    facility_id = staff_facility_id(user)
    if facility_id is None:
        return Detention.objects.none()
    return Detention.objects.filter(facility_id=facility_id)


def assessment_overdue(queryset: QuerySet[Detention], *, now: datetime) -> QuerySet[Detention]:
    return queryset.filter(assessment_completed_at__isnull=True, assessment_due_at__lt=now)


def assessment_due_soon(queryset: QuerySet[Detention], *, now: datetime) -> QuerySet[Detention]:
    return queryset.filter(
        assessment_completed_at__isnull=True, assessment_due_at__gte=now, assessment_due_at__lt=now + DUE_SOON
    )


def earlier_detentions(detention: Detention) -> QuerySet[Detention]:
    """The person's other detentions anywhere in the province. Callers show only dates, centre, lead
    categories and outcomes: not documents, health data or offences (DESIGN.md §3)."""
    return (
        Detention.objects.filter(person_id=detention.person_id)
        .exclude(pk=detention.pk)
        .select_related("facility")
        .only("id", "admitted_at", "released_at", "scheduled_release_at", "status", "facility__name")
        .order_by("-admitted_at")
    )
