"""The 3-day intake assessment as a swept deadline (DESIGN.md §4): reminders before, one breach after,
escalated to the centre's leaders, each notice once, whatever the clock says and however often the
sweep runs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import IntegrityError, InternalError, connection, transaction

from casework.deadlines import RULES
from detainees import services as detainee_services
from detainees.deadlines import ASSESSMENT_RULE
from detainees.models import Detention
from notifications.models import InboxMessage
from sweeps import services as sweeps
from sweeps.models import Breach
from tests.detainees.conftest import local

from .conftest import ASSESSMENT_DUE, TICK, breaches, inbox

DAY = timedelta(days=1)


def sweep(now):
    return sweeps.sweep(ASSESSMENT_RULE, now)


# --- both sides of every due time ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("admitted", "days", "due"),
    [
        # Local midnight: due at the end of 2026-03-05, Shanghai time (15:59:59 UTC).
        (local(2026, 3, 2, 15, 0), 10, ASSESSMENT_DUE),
        # Admitted a minute before midnight: the admission day still does not count.
        (local(2026, 3, 2, 23, 59), 10, local(2026, 3, 5, 23, 59, 59, 999999)),
        # Month end: admitted 28 January, due by the end of 31 January.
        (local(2026, 1, 28, 9, 0), 10, local(2026, 1, 31, 23, 59, 59, 999999)),
        # A leap day: admitted 26 February 2028, due by the end of 29 February.
        (local(2028, 2, 26, 9, 0), 10, local(2028, 2, 29, 23, 59, 59, 999999)),
        # Released (as scheduled) before day 3: due at the release.
        (local(2026, 3, 2, 15, 0), 2, local(2026, 3, 4, 15, 0)),
    ],
    ids=["local-midnight", "admitted-before-midnight", "month-end", "leap-day", "release-before-day-3"],
)
def test_it_breaches_a_missed_screening_just_after_its_due_time(detention_of, admitted, days, due, officer_a):
    detention = detention_of(admitted_at=admitted, detention_days=days)
    assert detention.assessment_due_at == due

    sweep(due)  # at the due time itself the deadline is still met
    assert breaches() == []

    sweep(due + TICK)
    [breach] = breaches()
    assert (breach.rule, breach.object_type, breach.object_id) == ("assessment", "detainees.detention", detention.pk)
    assert (breach.due_at, breach.recorded_at, breach.facility_id) == (due, due + TICK, detention.facility_id)
    assert breach.responsible_id == officer_a.pk


def test_an_early_actual_release_moves_the_breach_earlier(detention_of, officer_a):
    detention = detention_of()
    released = local(2026, 3, 3, 10, 0)
    detainee_services.release_detention(detention, released_at=released, acting_user=officer_a, now=released)

    sweep(released)
    assert breaches() == []
    sweep(released + TICK)
    assert [breach.due_at for breach in breaches()] == [released]


@pytest.mark.parametrize(
    ("admitted", "due"),
    [
        (local(2026, 3, 2, 15, 0), ASSESSMENT_DUE),
        (local(2026, 1, 28, 9, 0), local(2026, 1, 31, 23, 59, 59, 999999)),
        (local(2028, 2, 26, 9, 0), local(2028, 2, 29, 23, 59, 59, 999999)),
    ],
    ids=["march", "month-end", "leap-day"],
)
def test_it_reminds_the_officer_one_day_before(detention_of, admitted, due, officer_a, leader_a):
    detention_of(admitted_at=admitted)

    sweep(due - DAY - TICK)
    assert breaches(Breach.Kind.REMINDER) == []

    sweep(due - DAY)
    [reminder] = breaches(Breach.Kind.REMINDER)
    assert reminder.due_at == due and reminder.escalated_to == []
    assert len(inbox(officer_a)) == 1 and "入所评估将于" in inbox(officer_a)[0]
    assert inbox(leader_a) == []


def test_the_reminder_lead_is_a_setting(detention_of, settings):
    settings.DEADLINE_REMINDER_LEAD = timedelta(hours=6)
    detention_of()

    sweep(ASSESSMENT_DUE - timedelta(hours=6) - TICK)
    assert breaches(Breach.Kind.REMINDER) == []
    sweep(ASSESSMENT_DUE - timedelta(hours=6))
    assert len(breaches(Breach.Kind.REMINDER)) == 1


def test_a_completed_assessment_is_neither_reminded_nor_breached(detention_of, officer_a):
    detention = detention_of()
    detainee_services.complete_assessment(
        detention,
        risk_tags=[],
        risk_level="low",
        screening_result="none_found",
        acting_user=officer_a,
        now=ASSESSMENT_DUE - 2 * DAY,
    )

    sweep(ASSESSMENT_DUE - DAY)
    sweep(ASSESSMENT_DUE + DAY)

    assert Breach.objects.count() == 0 and InboxMessage.objects.count() == 0


# --- who is told, and what -------------------------------------------------------------------------------


def test_a_breach_escalates_to_the_centres_leaders_and_no_one_else(
    detention_of, officer_a, leader_a, officer_b, leader_b, supervisor
):
    detention = detention_of()

    result = sweep(ASSESSMENT_DUE + TICK)

    assert result == {"breaches": 1, "reminders": 0, "notified": 1}
    [breach] = breaches()
    assert breach.escalated_to == [leader_a.pk]
    subject = "入所评估已逾期（期限 2026-03-05 23:59）：赵建军（2026-03-02 入所）"
    assert inbox(officer_a) == [subject] and inbox(leader_a) == [subject]
    assert inbox(officer_b) == inbox(leader_b) == inbox(supervisor) == []
    message = InboxMessage.objects.get(user=leader_a)
    assert message.kind == "deadline_breach" and message.link == f"/detainees/{detention.pk}/"


def test_without_a_responsible_officer_the_reminder_goes_to_the_leaders(detention_of, leader_a):
    detention_of(responsible_officer=None)

    sweep(ASSESSMENT_DUE - DAY)

    [reminder] = breaches(Breach.Kind.REMINDER)
    assert reminder.responsible_id is None and reminder.escalated_to == [leader_a.pk]
    assert len(inbox(leader_a)) == 1


def test_someone_who_left_the_centre_is_told_nothing(detention_of, officer_a, leader_a, orgs):
    """The notice names the person: only staff of the centre may read it (disclosure), so a leader whose
    membership ended after the breach was recorded gets nothing when it is notified."""
    detention_of()
    sweeps.record(
        ASSESSMENT_RULE,
        Breach.Kind.BREACH,
        sweeps.selectors.overdue(ASSESSMENT_RULE, ASSESSMENT_DUE + TICK),
        ASSESSMENT_DUE + TICK,
    )
    leader_a.memberships.update(is_active=False)

    sweeps.notify_recorded(ASSESSMENT_RULE, ASSESSMENT_DUE + TICK)

    assert inbox(leader_a) == [] and len(inbox(officer_a)) == 1


# --- once, however often and however late -------------------------------------------------------------


def test_a_sweep_run_twice_gives_one_breach_and_one_notice(detention_of, officer_a, leader_a):
    detention_of()

    first = sweep(ASSESSMENT_DUE + TICK)
    second = sweep(ASSESSMENT_DUE + TICK)
    third = sweep(ASSESSMENT_DUE + DAY)

    assert first["notified"] == 1 and second["notified"] == third["notified"] == 0
    assert len(breaches()) == 1
    assert len(inbox(officer_a)) == len(inbox(leader_a)) == 1


def test_after_a_day_without_sweeps_one_sweep_catches_everything(detention_of, officer_a, leader_a):
    """Beat and the worker were down from before the first due time until a day after: the one sweep
    afterwards records each overdue deadline once, and reminds what falls due in the next day."""
    early = detention_of(admitted_at=local(2026, 3, 1, 8, 0), n=0)  # due 2026-03-04 23:59:59.999999
    late = detention_of(admitted_at=local(2026, 3, 2, 8, 0), n=1)  # due 2026-03-05 23:59:59.999999
    upcoming = detention_of(admitted_at=local(2026, 3, 3, 8, 0), n=2)  # due 2026-03-06 23:59:59.999999
    back_up = local(2026, 3, 6, 9, 0)

    result = sweep(back_up)

    assert result == {"breaches": 2, "reminders": 1, "notified": 3}
    assert {breach.object_id for breach in breaches()} == {early.pk, late.pk}
    assert [reminder.object_id for reminder in breaches(Breach.Kind.REMINDER)] == [upcoming.pk]
    assert len(inbox(officer_a)) == 3 and len(inbox(leader_a)) == 2


def test_a_reminder_left_unsent_by_an_outage_is_not_sent_after_its_due_time(detention_of, officer_a):
    """Recorded the day before, but the worker died before notifying; the sweep after the due time sends
    the breach, not a reminder of a deadline that has already passed."""
    detention_of()
    reminded_at = ASSESSMENT_DUE - DAY
    sweeps.record(
        ASSESSMENT_RULE, Breach.Kind.REMINDER, sweeps.selectors.due_soon(ASSESSMENT_RULE, reminded_at), reminded_at
    )

    sweep(ASSESSMENT_DUE + TICK)

    assert [subject.split("：")[0] for subject in inbox(officer_a)] == ["入所评估已逾期（期限 2026-03-05 23:59）"]
    assert Breach.objects.filter(notified_at=None).count() == 0


def test_a_notice_that_fails_is_tried_again_by_the_next_sweep(detention_of, officer_a, monkeypatch):
    """The first row's notice fails: its claim rolls back with it, the row after it is still notified,
    and the next sweep notifies the first."""
    first, second = detention_of(n=0), detention_of(n=1)
    real_notify = sweeps.notify

    def broken_for_the_first(kind, *, recipients, build_message):
        if "赵建军" in build_message(officer_a).subject:
            raise RuntimeError("outbox unavailable")
        return real_notify(kind, recipients=recipients, build_message=build_message)

    monkeypatch.setattr(sweeps, "notify", broken_for_the_first)
    assert sweep(ASSESSMENT_DUE + TICK)["notified"] == 1
    assert {breach.object_id: breach.notified_at for breach in breaches()} == {
        first.pk: None,
        second.pk: ASSESSMENT_DUE + TICK,
    }
    monkeypatch.undo()

    assert sweep(ASSESSMENT_DUE + 2 * TICK)["notified"] == 1

    assert len(inbox(officer_a)) == 2
    assert Breach.objects.get(object_id=first.pk).notified_at == ASSESSMENT_DUE + 2 * TICK


# --- breaches are permanent ------------------------------------------------------------------------------


def test_a_breach_cannot_be_changed_or_deleted(detention_of):
    detention_of()
    sweep(ASSESSMENT_DUE + TICK)
    [breach] = breaches()

    for change in (
        lambda: Breach.objects.filter(pk=breach.pk).update(due_at=ASSESSMENT_DUE + DAY),
        lambda: Breach.objects.filter(pk=breach.pk).update(notified_at=ASSESSMENT_DUE + DAY),  # set once
        lambda: Breach.objects.filter(pk=breach.pk).delete(),
    ):
        with pytest.raises((InternalError, IntegrityError)), transaction.atomic():
            change()
    assert breaches() == [breach]


# --- the command and the beat task ---------------------------------------------------------------------------


def test_the_command_runs_the_same_sweep(detention_of, officer_a, leader_a, time_machine):
    detention_of()
    time_machine.move_to(ASSESSMENT_DUE + DAY, tick=False)

    call_command("sweep_deadlines", "--rule", "assessment")
    call_command("sweep_deadlines")

    assert len(breaches()) == 1 and len(inbox(leader_a)) == 1


def test_beat_runs_every_rule_every_few_minutes(settings, detention_of, leader_a, time_machine):
    from casework.tasks import sweep_deadlines

    entry = settings.CELERY_BEAT_SCHEDULE["sweep-deadlines"]
    assert entry["task"] == "casework.tasks.sweep_deadlines" and entry["schedule"] <= 10 * 60
    assert set(RULES) == {
        "assessment",
        "custody_clock",
        "evaluation",
        "followup_visit",
        "work_order_receipt",
        "work_order_feedback",
    }
    detention_of()
    time_machine.move_to(ASSESSMENT_DUE + DAY, tick=False)

    assert sweep_deadlines()["assessment"]["breaches"] == 1
    assert len(inbox(leader_a)) == 1


# --- the index ----------------------------------------------------------------------------------------------


def plan(queryset, *tables: str) -> str:
    with connection.cursor() as cursor:
        # Fresh statistics, so the plan is the same in a whole run as alone.
        cursor.execute(f"ANALYZE {', '.join(tables)}")
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = queryset.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_the_sweep_queries_can_use_their_partial_indexes(detention_of):
    """As in production, most detentions have their assessment done: the partial index holds only the
    open ones, and the sweep reads it rather than the table."""
    open_one = detention_of()
    done = [
        Detention(
            person_id=open_one.person_id,
            facility_id=open_one.facility_id,
            kind=open_one.kind,
            admitted_at=open_one.admitted_at,
            scheduled_release_at=open_one.scheduled_release_at,
            assessment_due_at=open_one.assessment_due_at,
            assessment_completed_at=open_one.admitted_at,
        )
        for _n in range(300)
    ]
    Detention.objects.bulk_create(done)
    now = ASSESSMENT_DUE + TICK

    due = sweeps.selectors.not_recorded(sweeps.selectors.overdue(ASSESSMENT_RULE, now), ASSESSMENT_RULE, "breach")
    due_plan = plan(due.values("pk"), "detainees_detention", "sweeps_breach")
    # The sweep's own index, (assessment_due_at) WHERE assessment_completed_at IS NULL: one range across
    # the province, where detention_assessment_due_idx (facility first) was read whole.
    assert "detention_assessment_sweep_idx" in due_plan and "breach_once_per_deadline" in due_plan, due_plan
    assert "Seq Scan" not in due_plan, due_plan
    unnotified = Breach.objects.filter(rule="assessment", notified_at=None).order_by("recorded_at")
    assert "breach_unnotified_idx" in plan(unnotified, "sweeps_breach")
