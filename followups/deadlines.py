"""The due times of the follow-up after release (DESIGN.md §4), and the jobs that find re-admissions and
the releases whose follow-up no service opened.
Plain Python: no Celery, no SQL now() (the current time is passed in)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from detainees.deadlines import END_OF_DAY
from detainees.models import Detention
from disputes.models import DisputeLead
from sweeps.rules import Rule, Subject

from .models import FollowUp, Reoffence, ScheduledVisit

# The evaluation is due by the end of the seventh calendar day after the later of the release day and
# the day the lead was resolved (local time); neither of those days is counted.
EVALUATION_DAYS = 7


def _end_of_local_day(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, END_OF_DAY))


def follow_up_start_day(*, released_at: datetime, resolved_at: datetime) -> date:
    """The local day the follow-up counts from: the later of the release day and the resolution day."""
    return max(timezone.localtime(released_at).date(), timezone.localtime(resolved_at).date())


def evaluation_due_at(*, released_at: datetime, resolved_at: datetime) -> datetime:
    """The one function behind FollowUp.evaluation_due_at; `resolved_at` is the latest resolution of
    the follow-up's leads."""
    start = follow_up_start_day(released_at=released_at, resolved_at=resolved_at)
    return _end_of_local_day(start + timedelta(days=EVALUATION_DAYS))


def visit_due_at(*, released_at: datetime, resolved_at: datetime, days: int) -> datetime:
    """A further visit (settings.FOLLOWUP_VISIT_DAYS) is due by the end of the day `days` after the
    day the follow-up counts from."""
    start = follow_up_start_day(released_at=released_at, resolved_at=resolved_at)
    return _end_of_local_day(start + timedelta(days=days))


def reoffence_window() -> timedelta:
    return timedelta(days=settings.REOFFENCE_WINDOW_DAYS)


def record_reoffences(*, now: datetime, since: datetime | None = None) -> int:
    """Record a Reoffence for every release followed by a re-admission of the same person anywhere in
    the province within the observation window. Returns how many were recorded.

    Level-triggered, rather than a step of the intake: people are admitted through the intake page,
    the API and the platform imports (bulk, in detainees, which cannot call up into followups), and
    their times are corrected afterwards. Reading the detentions themselves catches every path, and
    whatever happened while the worker or beat were down: by default it looks at re-admissions since
    one window ago (`since` reaches further back, after an import of old records). A transfer is a
    movement inside one detention, never a new admission, so it is never counted. Exactly once per
    release: Reoffence.release is unique, and a row corrected by hand (retracted) stays, so the release
    is never recorded again; two jobs racing insert it once (get_or_create: the loser of the unique
    constraint finds the winner's row)."""
    window = reoffence_window()
    releases = readmitted_releases(now=now, since=now - window if since is None else since)
    recorded = 0
    for row in releases:
        admitted_at = Detention.objects.values_list("admitted_at", flat=True).get(pk=row["readmission_id"])
        _reoffence, created = Reoffence.objects.get_or_create(
            release_id=row["pk"],
            defaults={
                "facility_id": row["facility_id"],
                "readmission_id": row["readmission_id"],
                "occurred_on": timezone.localtime(admitted_at).date(),
                "source": Reoffence.Source.AUTOMATIC,
                "recorded_at": now,
            },
        )
        recorded += created
    return recorded


def readmitted_releases(*, now: datetime, since: datetime):
    """The releases without a Reoffence followed by a re-admission of the same person within the window,
    re-admitted since `since`: their pk, centre and the re-admission's pk. The releases are a range of
    detention_released_idx (released_at) WHERE released_at IS NOT NULL, each re-admission one probe of
    detention_person_idx (person, admitted_at)."""
    window = reoffence_window()
    later = Detention.objects.filter(
        person=OuterRef("person"),
        admitted_at__gt=OuterRef("released_at"),
        admitted_at__lte=OuterRef("released_at") + window,
    ).order_by("admitted_at", "pk")
    return (
        Detention.objects.filter(
            released_at__isnull=False,
            # A release whose window ends before `since` has no re-admission left to find.
            released_at__gte=since - window,
            released_at__lte=now,
            reoffence__isnull=True,
        )
        .annotate(readmission_id=Subquery(later.values("pk")[:1]))
        .filter(readmission_id__isnull=False)
        .values("pk", "facility_id", "readmission_id")
    )


def open_followups(*, now: datetime) -> int:
    """Open the follow-up of every released person whose resolved or partly resolved leads are not
    followed yet. Returns how many follow-ups were opened.

    Level-triggered, rather than a step of the release: the release page and the outcome page open the
    follow-up in their own transaction (followups.services), but the custody-platform import releases
    through detainees.services.release_detention, which cannot call up into followups, and a lead may
    be resolved by a path that only knows disputes. Reading the leads themselves catches every path,
    and whatever happened while the worker or beat were down. The due times come from the release and
    resolution times (services.open_followup), so a late run gives the ones the release page would have.
    A transfer is no release and opens nothing. Exactly once: each detention is locked before its
    unfollowed leads are read again (services.open_missed_followup), so two runs at once, or a run and
    a release, open each lead's follow-up once; FollowUpLead.lead is unique besides.

    Its query: no index serves the lead side, a sequential scan of disputes_disputelead kept to the
    resolved ones by a filter, each probed in FollowUpLead's unique index on lead_id (the anti-join) and
    joined to its detention by primary key. The one that would serve it: a partial index on
    disputes_disputelead (detention_id) WHERE status IN ('resolved', 'partly_resolved'), to be added by
    a disputes migration (that app's indexes are another change's)."""
    # services imports this module's due-time functions, so it is imported when the job runs.
    from . import services

    released_detentions = (
        DisputeLead.objects.filter(
            status__in=services.FOLLOWED_STATUSES,
            followup_link__isnull=True,
            detention__status=Detention.Status.RELEASED,
        )
        .order_by("detention_id")
        .values_list("detention_id", flat=True)
        .distinct()
    )
    opened = 0
    for detention_id in list(released_detentions):
        opened += services.open_missed_followup(detention_id, now=now) is not None
    return opened


# --- the sweeps' rules (sweeps.services.sweep; listed in casework.deadlines.RULES) ---------------------


def _open_evaluations():
    # Exactly the condition of followup_evaluation_due_idx (evaluation_due_at) WHERE status = 'open'.
    return FollowUp.objects.filter(status=FollowUp.Status.OPEN)


def _pending_visits():
    # Exactly the condition of scheduled_visit_due_idx (due_at) WHERE status = 'pending'.
    return ScheduledVisit.objects.filter(status=ScheduledVisit.Status.PENDING)


def _describe_followup(followup: FollowUp) -> Subject:
    return Subject(
        title=_("%(name)s 的成效评估") % {"name": followup.detention.name},
        link=reverse("followups:detail", kwargs={"pk": followup.pk}),
    )


def _describe_visit(visit: ScheduledVisit) -> Subject:
    return Subject(
        title=_("%(name)s 的跟踪回访") % {"name": visit.followup.detention.name},
        link=reverse("followups:detail", kwargs={"pk": visit.followup_id}),
    )


# The effectiveness evaluation, due by evaluation_due_at (DESIGN.md §4): reminders to the released
# person's responsible officer, a breach escalated to the leaders of the centre that released them.
EVALUATION_RULE = Rule(
    name="evaluation",
    label=gettext_lazy("成效评估"),
    open_items=_open_evaluations,
    due_at="evaluation_due_at",
    facility="facility_id",
    responsible="detention__responsible_officer_id",
    permission="view_followups",
    describe=_describe_followup,
    related=("detention",),
)

# The further visits (+30 and +90 days by default), due by their due_at, the same way.
VISIT_RULE = Rule(
    name="followup_visit",
    label=gettext_lazy("跟踪回访"),
    open_items=_pending_visits,
    due_at="due_at",
    facility="followup__facility_id",
    responsible="followup__detention__responsible_officer_id",
    permission="view_followups",
    describe=_describe_visit,
    related=("followup__detention",),
)
