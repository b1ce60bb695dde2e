from celery import shared_task

from . import ratelimit


@shared_task
def prune_rate_limit_counters() -> int:
    return ratelimit.prune_counters()
