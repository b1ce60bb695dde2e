from celery import shared_task
from django.utils import timezone

from .deadlines import sweep_all


@shared_task
def sweep_deadlines() -> dict[str, dict[str, int]]:
    # Run by beat every few minutes; level-triggered, so a missed run is caught by the next.
    return sweep_all(timezone.now())
