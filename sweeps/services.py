"""The deadline sweep (DESIGN.md §4), modelled on notifications.dispatch and healthchecks' sendalerts.

Plain Python without Celery: the beat task, `manage.py sweep_deadlines` and the tests call `sweep` with
the current time passed in. It is level-triggered (it takes whatever is overdue at `now`, however long
no sweep ran) and safe to run twice or in parallel:

1. Record: each overdue row gets one Breach row, each row due within the reminder lead one reminder,
   written with INSERT ... ON CONFLICT DO NOTHING on the unique key (rule, kind, object, due time).
   Two sweeps offering the same row write it once: the second INSERT waits for the first and does
   nothing.
2. Notify: each recorded row nobody was told of is claimed by a conditional UPDATE (notified_at NULL →
   now) and its notices written through notifications.services.notify, in one transaction. Whoever's
   UPDATE changed no row lost the race and tells nobody; a failure rolls the claim back with the
   notices, and the next sweep tries again.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import can
from notifications.services import Message, notify

from . import selectors
from .models import Breach
from .rules import Rule

logger = logging.getLogger(__name__)

# Rows written or claimed per statement: a sweep after a long outage works through in batches.
BATCH = 500

Kind = Breach.Kind


def sweep(rule: Rule, now: datetime) -> dict[str, int]:
    """Record what is overdue and what is due soon at `now`, then notify what was recorded. Returns how
    many breaches and reminders this sweep offered (a row another sweep wrote at the same moment is
    counted by both) and how many it notified (claims it won)."""
    breaches = record(rule, Kind.BREACH, selectors.overdue(rule, now), now)
    reminders = record(rule, Kind.REMINDER, selectors.due_soon(rule, now), now)
    return {"breaches": breaches, "reminders": reminders, "notified": notify_recorded(rule, now)}


def record(rule: Rule, kind: str, rows, now: datetime) -> int:
    """One `kind` row for each of `rows` not yet recorded, oldest due first, in batches."""
    offered = 0
    pending = selectors.not_recorded(rows, rule, kind).order_by("deadline_at", "pk")
    while True:
        batch = list(pending.values("pk", "deadline_at", "deadline_centre", "deadline_officer")[:BATCH])
        if not batch:
            return offered
        leaders = selectors.leaders_of(row["deadline_centre"] for row in batch)
        Breach.objects.bulk_create(
            [_breach(rule, kind, row, leaders[row["deadline_centre"]], now) for row in batch],
            ignore_conflicts=True,  # ON CONFLICT DO NOTHING: another sweep recorded it first
        )
        offered += len(batch)
        if len(batch) < BATCH:
            return offered


def _breach(rule: Rule, kind: str, row: dict, leaders: list[int], now: datetime) -> Breach:
    officer = row["deadline_officer"]
    # A breach escalates to the centre's leaders; a reminder goes to the responsible officer, or to
    # the leaders when nobody is responsible (after a transfer, until the new centre assigns one).
    tell_leaders = kind == Kind.BREACH or rule.remind_leaders or officer is None
    return Breach(
        rule=rule.name,
        kind=kind,
        object_type=rule.object_type,
        object_id=row["pk"],
        facility_id=row["deadline_centre"],
        due_at=row["deadline_at"],
        recorded_at=now,
        responsible_id=officer,
        escalated_to=[leader for leader in leaders if leader != officer] if tell_leaders else [],
    )


def notify_recorded(rule: Rule, now: datetime) -> int:
    """Claim and notify the rule's recorded rows that nobody was told of yet (breach_unnotified_idx).
    Returns how many this call notified."""
    told = 0
    failed: set[int] = set()
    unnotified = Breach.objects.filter(rule=rule.name, notified_at=None).order_by("recorded_at", "pk")
    while True:
        batch = list(unnotified.exclude(pk__in=failed)[:BATCH])
        if not batch:
            return told
        objects = rule.model._default_manager.select_related(*rule.related).in_bulk(
            [breach.object_id for breach in batch]
        )
        users = User.objects.in_bulk({pk for breach in batch for pk in _recipient_ids(breach)})
        for breach in batch:
            try:
                told += _claim_and_notify(rule, breach, objects.get(breach.object_id), users, now)
            except Exception:
                # Its claim rolled back with its notices: the next sweep tries it again. One row that
                # cannot be notified must not keep the rows after it from being told.
                logger.exception("%s: breach %s could not be notified", rule.name, breach.pk)
                failed.add(breach.pk)
        if len(batch) < BATCH:
            return told


def _recipient_ids(breach: Breach) -> list[int]:
    return [pk for pk in (breach.responsible_id, *breach.escalated_to) if pk is not None]


@transaction.atomic
def _claim_and_notify(rule: Rule, breach: Breach, obj, users: dict[int, User], now: datetime) -> int:
    if not Breach.objects.filter(pk=breach.pk, notified_at=None).update(notified_at=now):
        return 0  # another sweep claimed it
    if obj is None:
        logger.warning("%s: %s #%s no longer exists; nobody told", rule.name, breach.object_type, breach.object_id)
        return 0
    if breach.kind == Kind.REMINDER and breach.due_at < now:
        # A reminder recorded before an outage and claimed after its due time: the breach notice of
        # the same deadline says it better, so this one is closed without a word.
        return 0
    subject = rule.describe(obj)
    notify(
        f"deadline_{breach.kind}",
        recipients=[users[pk] for pk in _recipient_ids(breach) if pk in users],
        build_message=lambda user: _message(rule, breach, subject, user),
    )
    return 1


def _message(rule: Rule, breach: Breach, subject, user: User) -> Message | None:
    # Told only what the recipient may see: the notice names the person, which only staff of the
    # row's centre may read (yaoyao_mediation.disclosure, DETENTION[CENTRE]); someone who has left the
    # centre since the row was recorded is told nothing.
    if not can(user, rule.permission, breach.facility_id):
        return None
    due = date_format(localtime(breach.due_at), "Y-m-d H:i")
    values = {"rule": rule.label, "title": subject.title, "due": due}
    if breach.kind == Kind.REMINDER:
        text = _("%(rule)s将于 %(due)s 到期：%(title)s") % values
    else:
        text = _("%(rule)s已逾期（期限 %(due)s）：%(title)s") % values
    return Message(subject=text, body=text, link=subject.link)
