"""The dispatcher: send due deliveries, retry failures from their row, release dead workers' claims.

Plain Python without Celery, called by the beat task, by the task enqueued after each notifying
commit, by `manage.py dispatch_notifications`, and by tests with an injected `now`. Any number of
dispatchers may run at once: each row is claimed by one conditional UPDATE, and whoever's UPDATE
changed no row lost the race and skips it. A failure is never retried by a Celery countdown or ETA
(DESIGN.md §4): the row gets a later next_attempt_at and a later sweep picks it up.

Every status move here is one of Delivery.TRANSITIONS, made by a conditional UPDATE whose status filter
is the move's "from" side: the database enforces the table, for a whole batch in one statement, so the
sweep does not load and check rows one by one (yaoyao_mediation.states.require_transition is for moves
made on a loaded object).
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from . import channels
from .models import Delivery

logger = logging.getLogger(__name__)

# Backoff doubles from NOTIFICATION_RETRY_BASE_SECONDS and stops growing here.
MAX_RETRY_DELAY = timedelta(hours=6)

Status = Delivery.Status


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed attempt."""
    delay = timedelta(seconds=settings.NOTIFICATION_RETRY_BASE_SECONDS * 2 ** (attempts - 1))
    return min(delay, MAX_RETRY_DELAY)


def dispatch_due(now: datetime, limit: int = 100) -> dict[str, int]:
    """Attempt up to `limit` deliveries due at `now`, oldest due first.

    Returns how many were sent, put back for a retry, and failed for good; rows another dispatcher
    claimed first are not counted.
    """
    due = (
        Delivery.objects.filter(status=Status.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    outcomes: Counter[str] = Counter()
    for pk in list(due):
        # pending → sending. claimed_at is the real time of this claim, not the batch's `now`: a batch of
        # slow endpoints can outlast the claim timeout, and release_stale_claims must not take a row
        # mid-send.
        claimed = Delivery.objects.filter(pk=pk, status=Status.PENDING, next_attempt_at__lte=now).update(
            status=Status.SENDING, claimed_at=timezone.now(), attempts=F("attempts") + 1
        )
        if claimed:
            outcomes[_attempt(pk, now)] += 1
    return {"sent": outcomes["sent"], "retry": outcomes["retry"], "failed": outcomes["failed"]}


def _attempt(pk: int, now: datetime) -> str:
    delivery = Delivery.objects.select_related("recipient", "organization").get(pk=pk)
    try:
        channels.send(delivery)
    except channels.Undeliverable as exc:
        _finish(delivery, status=Status.FAILED, last_error=str(exc))
        return "failed"
    except Exception as exc:
        # DeliveryError is the expected failure; anything else is a bug, but the row must not stay
        # claimed for it either: it is retried like any failure, and logged with its traceback.
        if not isinstance(exc, channels.DeliveryError):
            logger.exception("delivery %s: unexpected error in the %s channel", pk, delivery.channel)
        error = str(exc) or type(exc).__name__
        if delivery.attempts >= delivery.max_attempts:
            _finish(delivery, status=Status.FAILED, last_error=error)
            return "failed"
        _finish(delivery, status=Status.PENDING, last_error=error, next_attempt_at=now + retry_delay(delivery.attempts))
        return "retry"
    _finish(delivery, status=Status.SENT, sent_at=now)
    return "sent"


def _finish(delivery: Delivery, **fields) -> None:
    # sending → sent, pending (a retry) or failed. Still ours only while it is "sending" with our attempt
    # number: a claim released as stale (and perhaps claimed again) is no longer ours to record.
    mine = Delivery.objects.filter(pk=delivery.pk, status=Status.SENDING, attempts=delivery.attempts)
    if not mine.update(**fields):
        logger.warning("delivery %s: claim lost before its outcome was recorded", delivery.pk)


def release_stale_claims(now: datetime) -> int:
    """Put back deliveries claimed longer than NOTIFICATION_CLAIM_TIMEOUT_SECONDS ago (their worker
    died mid-attempt), or fail them when that was their last attempt. Returns how many changed."""
    cutoff = now - timedelta(seconds=settings.NOTIFICATION_CLAIM_TIMEOUT_SECONDS)
    stale = Delivery.objects.filter(status=Status.SENDING, claimed_at__lt=cutoff)
    error = "the worker stopped during the attempt"
    # sending → failed after the last attempt, sending → pending otherwise.
    failed = stale.filter(attempts__gte=F("max_attempts")).update(status=Status.FAILED, last_error=error)
    released = stale.filter(attempts__lt=F("max_attempts")).update(
        status=Status.PENDING, next_attempt_at=now, last_error=error
    )
    return failed + released
