"""The intake-assessment deadline (DESIGN.md §4). Plain Python: no Celery, no SQL now()."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone

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
