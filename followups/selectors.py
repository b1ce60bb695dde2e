"""Read queries of followups, scoped in SQL: the staff of the centre that released the person see its
follow-ups and re-offences (DESIGN.md §5); every other role sees none."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import F, QuerySet

from accounts.access import staff_facility_id

from .models import FollowUp, Reoffence

# "Due soon" on the follow-up list: the evaluation or a visit falls due within this time.
DUE_SOON = timedelta(days=2)


def visible_to(user) -> QuerySet[FollowUp]:
    facility_id = staff_facility_id(user)
    if facility_id is None:
        return FollowUp.objects.none()
    return FollowUp.objects.filter(facility_id=facility_id)


def reoffences_visible_to(user) -> QuerySet[Reoffence]:
    facility_id = staff_facility_id(user)
    if facility_id is None:
        return Reoffence.objects.none()
    return Reoffence.objects.filter(facility_id=facility_id)


def followup_list(user, *, status: str = "") -> QuerySet[FollowUp]:
    """The centre's follow-ups, what is due first (overdue, then due soon, then the rest), the closed
    ones (nothing due) last; `status` narrows to one state, "" to the active ones."""
    rows = visible_to(user)
    rows = rows.filter(status=status) if status else rows.active()
    return rows.select_related("detention__person", "detention__responsible_officer").order_by(
        F("next_due_at").asc(nulls_last=True), "pk"
    )


def due_state(due_at: datetime | None, *, now: datetime) -> str:
    """ "overdue", "due-soon" or "" for a due time (the list's and the page's flag)."""
    if due_at is None:
        return ""
    if due_at < now:
        return "overdue"
    if due_at < now + DUE_SOON:
        return "due-soon"
    return ""


def followups_of_detention(detention) -> list[FollowUp]:
    """A detention's follow-ups for its page (casework), with the evaluation, oldest first."""
    return list(
        FollowUp.objects.filter(detention=detention)
        .select_related("evaluation")
        .prefetch_related("leads")
        .order_by("pk")
    )


def reoffence_of(detention) -> Reoffence | None:
    """The re-offence recorded after this release, if any (the detention page and the follow-up page)."""
    return Reoffence.objects.filter(release=detention).select_related("readmission__facility").first()
