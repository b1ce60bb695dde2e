from celery import shared_task
from django.utils import timezone

from audit.context import acting

from . import deadlines


@shared_task
def record_reoffences() -> int:
    """Beat runs it (settings.CELERY_BEAT_SCHEDULE): level-triggered, so a missed run is caught up."""
    with acting(user=None, source="task:followups.record_reoffences"):
        return deadlines.record_reoffences(now=timezone.now())


@shared_task
def open_followups() -> int:
    """Beat runs it (settings.CELERY_BEAT_SCHEDULE): the follow-ups of releases by import, caught up."""
    with acting(user=None, source="task:followups.open_followups"):
        return deadlines.open_followups(now=timezone.now())
