"""Two officers acting on one lead at once are served one after the other, never with a deadlock (a 500):
every write locks in one order (detention, lead, session) and a lookup joined only to read a field
does not lock the joined rows."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection

from detainees import services as detainee_services
from disputes import services
from disputes.models import DisputeLead, MediationSession

# Long enough for the other thread to reach its first lock while this one holds its own.
PAUSE = 0.5


@pytest.mark.django_db(transaction=True)
def test_closing_a_lead_while_its_session_is_cancelled(session_booked, officer_a, officer_a2, monkeypatch):
    """Officer 1 records the outcome (locks the lead, then the lead's sessions to cancel those ahead);
    officer 2 cancels the session at the same moment. Officer 1 pauses right after taking the lead."""
    pause_in(monkeypatch, services.leads, "require", "outcome")
    before = session_booked.starts_at - timedelta(days=1)

    outcomes = race(
        ("outcome", outcome_of(session_booked, officer_a, before)),
        (
            "cancel",
            lambda: services.cancel_session(session_booked, reason="改期", acting_user=officer_a2, now=before),
        ),
    )

    assert outcomes == {"outcome": "done", "cancel": "done"}
    session_booked.refresh_from_db()
    assert session_booked.status == MediationSession.Status.CANCELLED
    assert DisputeLead.objects.get(pk=session_booked.lead_id).status == DisputeLead.Status.WITHDRAWN


def race(first: tuple[str, object], second: tuple[str, object]) -> dict[str, str]:
    """Run `first`, then `second` PAUSE/5 later, each in its own thread and connection; what each ended
    with, by name ("done" or the exception)."""
    outcomes: dict[str, str] = {}

    def run(name: str, work) -> None:
        try:
            work()
            outcomes[name] = "done"
        except Exception as error:  # reported by the callers' assertions
            outcomes[name] = f"{type(error).__name__}: {error}"
        finally:
            connection.close()

    threads = [threading.Thread(name=name, target=run, args=(name, work)) for name, work in (first, second)]
    threads[0].start()
    time.sleep(PAUSE / 5)
    threads[1].start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def pause_in(monkeypatch, module, name: str, thread_name: str) -> None:
    """Make `module.name` (called by a service right after it takes its first lock) pause in one thread."""
    original = getattr(module, name)

    def slow(*args, **kwargs):
        result = original(*args, **kwargs)
        if threading.current_thread().name == thread_name:
            time.sleep(PAUSE)
        return result

    monkeypatch.setattr(module, name, slow)


def outcome_of(session, officer, now):
    return lambda: services.record_outcome(
        session.lead,
        status=DisputeLead.Status.WITHDRAWN,
        outcome=services.OutcomeInput(summary="当事人撤回"),
        cancel_sessions=[session.pk],  # the officer confirmed cancelling the session ahead
        acting_user=officer,
        now=now,
    )


def transfer_of(session, orgs, officer, moved_at):
    return lambda: services.transfer_detention(
        session.lead.detention, to_facility=orgs.centre_b, moved_at=moved_at, acting_user=officer, now=moved_at
    )


@pytest.mark.django_db(transaction=True)
def test_closing_a_lead_while_the_person_is_transferred(session_booked, officer_a, orgs, monkeypatch):
    """The outcome locks the lead and pauses; the transfer locks the detention and cancels the sessions
    ahead. Both are served."""
    pause_in(monkeypatch, services.leads, "require", "outcome")
    moment = session_booked.starts_at - timedelta(days=1)

    outcomes = race(
        ("outcome", outcome_of(session_booked, officer_a, moment)),
        ("transfer", transfer_of(session_booked, orgs, officer_a, moment)),
    )

    assert outcomes == {"outcome": "done", "transfer": "done"}
    session_booked.refresh_from_db()
    assert session_booked.status == MediationSession.Status.CANCELLED


@pytest.mark.django_db(transaction=True)
def test_booking_while_the_person_is_transferred(session_booked, officer_a, orgs, rooms, monkeypatch):
    """The transfer locks the detention and pauses; a booking for the same person comes in. The booking
    waits, then sees that the person is at another centre now: refused, not a deadlock."""
    pause_in(monkeypatch, detainee_services, "check_facility", "transfer")
    moment = session_booked.starts_at - timedelta(days=1)

    outcomes = race(
        ("transfer", transfer_of(session_booked, orgs, officer_a, moment)),
        (
            "booking",
            lambda: services.schedule_session(
                session_booked.lead,
                mode="in_person",
                room=rooms["two"],
                starts_at=session_booked.starts_at + timedelta(hours=2),
                ends_at=session_booked.starts_at + timedelta(hours=3),
                acting_user=officer_a,
                now=moment,
            ),
        ),
    )

    assert outcomes["transfer"] == "done"
    assert outcomes["booking"] == "PermissionDenied: 只有本所民警可以办理"
    assert not MediationSession.objects.filter(room=rooms["two"]).exists()
