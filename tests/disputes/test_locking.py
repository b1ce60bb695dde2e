"""Two officers acting on one lead at once are served one after the other, never with a deadlock (a 500):
every write locks in one order (detention, lead, session) and a lookup joined only to read a field
does not lock the joined rows."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection

from disputes import services
from disputes.models import DisputeLead, MediationSession

# Long enough for the other thread to reach its first lock while this one holds its own.
PAUSE = 0.5


@pytest.mark.django_db(transaction=True)
def test_closing_a_lead_while_its_session_is_cancelled(session_booked, officer_a, officer_a2, monkeypatch):
    """Officer 1 records the outcome (locks the lead, then the lead's sessions to cancel those ahead);
    officer 2 cancels the session at the same moment. Officer 1 pauses right after taking the lead."""
    check = services._require_centre_staff

    def slow_for_the_outcome(user, facility_id, **kwargs):
        check(user, facility_id, **kwargs)
        if threading.current_thread().name == "outcome":
            time.sleep(PAUSE)

    monkeypatch.setattr(services, "_require_centre_staff", slow_for_the_outcome)
    before = session_booked.starts_at - timedelta(days=1)
    outcomes: dict[str, str] = {}

    def run(name: str, work) -> None:
        try:
            work()
            outcomes[name] = "done"
        except Exception as error:  # reported by the assertion below
            outcomes[name] = f"{type(error).__name__}: {error}"
        finally:
            connection.close()

    outcome = threading.Thread(
        name="outcome",
        target=run,
        args=(
            "outcome",
            lambda: services.record_outcome(
                session_booked.lead,
                status=DisputeLead.Status.WITHDRAWN,
                outcome=services.OutcomeInput(summary="当事人撤回"),
                acting_user=officer_a,
                now=before,
            ),
        ),
    )
    cancel = threading.Thread(
        name="cancel",
        target=run,
        args=(
            "cancel",
            lambda: services.cancel_session(session_booked, reason="改期", acting_user=officer_a2, now=before),
        ),
    )
    outcome.start()
    time.sleep(PAUSE / 5)
    cancel.start()
    outcome.join(timeout=30)
    cancel.join(timeout=30)

    assert outcomes == {"outcome": "done", "cancel": "done"}
    session_booked.refresh_from_db()
    assert session_booked.status == MediationSession.Status.CANCELLED
    assert DisputeLead.objects.get(pk=session_booked.lead_id).status == DisputeLead.Status.WITHDRAWN
