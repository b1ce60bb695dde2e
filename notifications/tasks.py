from celery import shared_task
from django.utils import timezone

from .dispatch import dispatch_due, release_stale_claims


@shared_task
def dispatch_due_notifications() -> dict[str, int]:
    # Run by beat every 30 s (the safety net) and after every commit that wrote deliveries.
    release_stale_claims(timezone.now())
    return dispatch_due(timezone.now())
