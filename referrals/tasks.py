"""Beat tasks of referrals: thin wrappers over referrals.deadlines, with the current time passed in."""

from celery import shared_task
from django.utils import timezone

from audit.context import acting

from . import deadlines


@shared_task
def nudge_idle_work_orders() -> int:
    with acting(user=None, source="task:nudge_idle_work_orders"):
        return deadlines.nudge_idle_work_orders(now=timezone.now())


@shared_task
def send_partner_digests() -> int:
    with acting(user=None, source="task:send_partner_digests"):
        return deadlines.send_partner_digests(now=timezone.now())
