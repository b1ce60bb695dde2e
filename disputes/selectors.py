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

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce

from accounts.access import current_membership, staff_facility_id
from detainees import selectors as detainee_selectors
from yaoyao_mediation.disclosure import SESSION_LOGISTICS_ONLY, Audience, audience_of

from .models import DisputeLead, JudicialConfirmation, MediationSession, ResolutionPlan, SessionUserObjectPermission

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


# --- the queues of the dashboards (casework.selectors.dashboard_queues) ----------------------------------

# A queue shows its first rows and says when there are more; the lists behind it have the rest.
QUEUE_LENGTH = 10


def plans_awaiting_approval(user) -> QuerySet:
    """Submitted plans of the user's centre, oldest submission first: what its leaders have to decide."""
    return (
        ResolutionPlan.objects.filter(lead__facility_id=staff_facility_id(user), status=ResolutionPlan.Status.SUBMITTED)
        .select_related("lead__detention", "author")
        .only(
            "pk",
            "submitted_at",
            "lead__id",
            "lead__category",
            "lead__detention__name",
            "author__full_name",
            "author__username",
        )
        .order_by("submitted_at", "pk")
    )


def leads_without_plan(user) -> QuerySet[DisputeLead]:
    """Open leads of the user's centre that have no plan for the leaders yet (none, a draft, or one
    returned), the user's own first, then the oldest."""
    unplanned = Q(plan__isnull=True) | Q(plan__status__in=[ResolutionPlan.Status.DRAFT, ResolutionPlan.Status.RETURNED])
    return (
        leads_visible_to(user)
        .filter(unplanned, closed_at__isnull=True)
        .select_related("detention", "plan")
        .only("pk", "category", "created_at", "assigned_officer_id", "detention__name", "plan__status")
        .order_by(_own_first("assigned_officer_id", user), "pk")
    )


def sessions_between(user, start: datetime, end: datetime) -> QuerySet[MediationSession]:
    """The sessions the user sees that run in [start, end), cancelled ones left out, in time order."""
    return _queue_sessions(sessions_visible_to(user).filter(starts_at__lt=end, ends_at__gt=start))


def overridden_sessions_ahead(user, *, since: datetime) -> QuerySet[MediationSession]:
    """Sessions of the user's centre booked by a leader's override (after release, or against the
    health check) that have not ended by `since`: the leaders answer for them. Nothing waits for an
    override: an officer who needs one is refused and asks a leader, who books the session."""
    sessions = sessions_visible_to(user).filter(facility_id=staff_facility_id(user), ends_at__gt=since)
    return (
        _queue_sessions(sessions.exclude(override_reasons=[]))
        .select_related("override_by")
        .only(*QUEUE_SESSION_FIELDS, "override_reasons", "override_by__full_name", "override_by__username")
    )


# What a queue shows of a session (time, room, person, dispute, state), and nothing more is read.
QUEUE_SESSION_FIELDS = (
    "starts_at",
    "ends_at",
    "status",
    "mode",
    "room__name",
    "lead__category",
    "lead__detention__name",
)


def _queue_sessions(sessions: QuerySet[MediationSession]) -> QuerySet[MediationSession]:
    return (
        sessions.exclude(status=MediationSession.Status.CANCELLED)
        .select_related("room", "lead__detention")
        .only(*QUEUE_SESSION_FIELDS)
        .order_by("starts_at", "pk")
    )


def confirmations_awaiting(user) -> QuerySet[JudicialConfirmation]:
    """Requests for judicial confirmation still to be decided, oldest first."""
    return (
        confirmations_visible_to(user)
        .filter(status=JudicialConfirmation.Status.REQUESTED)
        .only(
            "pk",
            "requested_at",
            "court__name",
            "agreement__number",
            "agreement__lead__detention__facility__name",
        )
        .order_by("requested_at", "pk")
    )


def _own_first(column: str, user) -> Case:
    """0 for the user's own rows, 1 for the others: ordered first by this, the user's own come first."""
    return Case(When(**{column: user.pk}, then=Value(0)), default=Value(1), output_field=IntegerField())
