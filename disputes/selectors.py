"""Read queries of disputes, scoped in SQL to what the user may see (DESIGN.md §5).

- Officers and leaders: the leads of their centre's detentions, the sessions of those leads and the
  sessions held in the centre's rooms.
- Court staff (state): sessions by video with their court or with a participant of their court.
- Court mediators, volunteers and partner-agency staff: only the sessions they were invited to, through
  the django-guardian grant written when they were added; they see the sealed view
  (yaoyao_mediation.disclosure: the SEALED and PARTNER audiences).
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from accounts.access import current_membership, staff_facility_id
from detainees import selectors as detainee_selectors
from yaoyao_mediation.disclosure import SESSION_LOGISTICS_ONLY, Audience, audience_of

from .models import DisputeLead, JudicialConfirmation, MediationSession, SessionUserObjectPermission

# The custody clock (a lead still open this long before the scheduled release is flagged) is defined
# once, in detainees, whose worklist filters on it in SQL; the lead pages use the same value.
CUSTODY_CLOCK = detainee_selectors.CUSTODY_CLOCK


def leads_visible_to(user) -> QuerySet[DisputeLead]:
    facility_id = staff_facility_id(user)
    if facility_id is None:
        return DisputeLead.objects.none()
    # DisputeLead.facility: the detention's centre, kept on the lead so the list is one index range.
    return DisputeLead.objects.filter(facility_id=facility_id)


def sessions_visible_to(user) -> QuerySet[MediationSession]:
    membership = current_membership(user)
    audience = audience_of(user)
    if audience == Audience.CENTRE:
        # The sessions of the centre's detentions (after a transfer, the earlier centre's sessions of
        # the person come along), and those held in its own rooms (it keeps its own minutes).
        # Two index scans joined by UNION: an OR across the join to the detention would read every
        # session of the province.
        centre = membership.organization_id
        held_here = MediationSession.objects.filter(facility_id=centre).order_by().values("pk")
        of_its_people = MediationSession.objects.filter(lead__facility_id=centre).order_by().values("pk")
        return MediationSession.objects.filter(pk__in=held_here.union(of_its_people))
    if audience == Audience.COURT:
        return MediationSession.objects.filter(
            Q(court_id=membership.organization_id)
            | Q(participants__organization_id=membership.organization_id, participants__active=True)
        ).distinct()
    if audience in SESSION_LOGISTICS_ONLY:
        # Agency staff of a state organ see no more here than volunteers: their detention facts come
        # with the work orders addressed to them (referrals).
        granted = SessionUserObjectPermission.objects.filter(
            user=user, content_object=OuterRef("pk"), permission__codename="view_mediationsession"
        )
        return MediationSession.objects.filter(Exists(granted))
    return MediationSession.objects.none()


def confirmations_visible_to(user) -> QuerySet[JudicialConfirmation]:
    """Requests for judicial confirmation: those asked of the user's court, or of the user's centre's
    agreements."""
    confirmations = JudicialConfirmation.objects.select_related("agreement__lead__detention__facility", "court")
    audience = audience_of(user)
    if audience == Audience.COURT:
        return confirmations.filter(court_id=current_membership(user).organization_id)
    if audience == Audience.CENTRE:
        return confirmations.filter(agreement__lead__facility_id=staff_facility_id(user))
    return confirmations.none()


def sessions_ahead(lead: DisputeLead, *, now: datetime) -> QuerySet[MediationSession]:
    """The lead's sessions still to come: booked and starting after `now`. Closing the lead cancels
    them (services.move_lead), so the outcome form lists them and asks first."""
    return (
        MediationSession.objects.filter(lead=lead, status=MediationSession.Status.SCHEDULED, starts_at__gt=now)
        .select_related("room")
        .order_by("starts_at", "pk")
    )


def is_sealed_viewer(user) -> bool:
    """Sees only a session's logistics (yaoyao_mediation.disclosure)."""
    return audience_of(user) in SESSION_LOGISTICS_ONLY


def open_leads_of_detention() -> Subquery:
    """Open leads per detention, for the worklist (casework passes it to detainees.selectors.worklist):
    one subquery on lead_open_idx, so the page stays one query."""
    counts = (
        DisputeLead.objects.filter(detention=OuterRef("pk"), closed_at__isnull=True)
        .order_by()
        .values("detention")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)


def custody_clock_running(detention, open_leads: int | None, *, now: datetime) -> bool:
    """A lead is still open and the person leaves within CUSTODY_CLOCK (DESIGN.md: the custody clock),
    or has already left: an early release counts from when it happened, not from the scheduled date."""
    release = detention.released_at or detention.scheduled_release_at
    return bool(open_leads) and now >= release - CUSTODY_CLOCK


def release_moment() -> Coalesce:
    """custody_clock_running's release, in SQL, for lead querysets."""
    return Coalesce("detention__released_at", "detention__scheduled_release_at")
