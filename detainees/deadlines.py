"""The intake-assessment deadline (DESIGN.md §4). Plain Python: no Celery, no SQL now()."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sweeps.rules import Rule, Subject

from .models import Detention

# The day of admission is not counted (as in the counting of periods in Chinese law): the assessment
# is due by the end of the third calendar day after it, local time.
ASSESSMENT_DAYS = 3
END_OF_DAY = time(23, 59, 59, 999999)


def assessment_due_at(
    *, admitted_at: datetime, scheduled_release_at: datetime | None, released_at: datetime | None
) -> datetime:
    """End of the third calendar day after the admission day (Asia/Shanghai), or the release if that
    comes first: after release the person can no longer be talked to."""
    local_admission_day = timezone.localtime(admitted_at).date()
    due_day = local_admission_day + timedelta(days=ASSESSMENT_DAYS)
    due = timezone.make_aware(datetime.combine(due_day, END_OF_DAY))
    for release in (scheduled_release_at, released_at):
        if release is not None and release < due:
            due = release
    return due


# --- the sweep's rule (sweeps.services.sweep; listed in casework.deadlines.RULES) -----------------------


def _open_assessments():
    # Exactly the condition of detention_assessment_due_idx (facility, assessment_due_at) WHERE
    # assessment_completed_at IS NULL, which serves the sweep's "due before now" (a scan of the whole
    # partial index: its first column is the centre) and the board's per-centre ranges.
    return Detention.objects.filter(assessment_completed_at__isnull=True)


def _describe_detention(detention: Detention) -> Subject:
    admitted = timezone.localtime(detention.admitted_at)
    return Subject(
        title=_("%(name)s（%(date)s 入所）") % {"name": detention.name, "date": f"{admitted:%Y-%m-%d}"},
        link=reverse("casework:detention", kwargs={"pk": detention.pk}),
    )


# The intake assessment with its dispute screening, due by assessment_due_at: reminders to the
# responsible officer the reminder lead before, a breach escalated to the centre's leaders.
ASSESSMENT_RULE = Rule(
    name="assessment",
    label=gettext_lazy("入所评估"),
    open_items=_open_assessments,
    due_at="assessment_due_at",
    facility="facility_id",
    responsible="responsible_officer_id",
    permission="view_detentions",
    describe=_describe_detention,
    related=(),
)
