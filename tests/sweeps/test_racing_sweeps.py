"""Two sweeps at once, each in its own thread and database connection (as two beat runs, or beat and
the command, would be): each deadline gets one breach and each recipient one notice."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from detainees.deadlines import ASSESSMENT_RULE
from notifications.models import InboxMessage
from sweeps import selectors
from sweeps import services as sweeps
from sweeps.models import Breach

from .conftest import ASSESSMENT_DUE, TICK


def in_lockstep(monkeypatch, module, name: str, barrier: threading.Barrier) -> None:
    """Make both threads reach `module.name` before either goes on: both have read the same rows."""
    original = getattr(module, name)
    passed: set[str] = set()

    def wait_then_call(*args, **kwargs):
        thread = threading.current_thread().name
        if thread.startswith("sweep-") and thread not in passed:
            passed.add(thread)
            barrier.wait()
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, wait_then_call)


@pytest.mark.django_db(transaction=True)
def test_two_racing_sweeps_give_one_breach_and_one_notice_per_item(detention_of, officer_a, leader_a, monkeypatch):
    detentions = [detention_of(n=n) for n in range(3)]
    # Both sweeps have read the same due rows before either inserts, and the same unnotified breaches
    # before either claims: the race is real, not one sweep after the other.
    in_lockstep(monkeypatch, selectors, "leaders_of", threading.Barrier(2, timeout=20))
    in_lockstep(monkeypatch, sweeps, "_claim_and_notify", threading.Barrier(2, timeout=20))
    now = ASSESSMENT_DUE + TICK
    results: dict[str, object] = {}

    def run(name: str) -> None:
        try:
            results[name] = sweeps.sweep(ASSESSMENT_RULE, now)
        except Exception as error:
            results[name] = error
        finally:
            connection.close()

    threads = [threading.Thread(name=f"sweep-{n}", target=run, args=(f"sweep-{n}",)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert all(isinstance(result, dict) for result in results.values()), results
    assert results["sweep-1"]["breaches"] == results["sweep-2"]["breaches"] == 3  # both offered all three
    assert results["sweep-1"]["notified"] + results["sweep-2"]["notified"] == 3  # each claim won once
    assert sorted(Breach.objects.values_list("object_id", flat=True)) == sorted(d.pk for d in detentions)
    for user in (officer_a, leader_a):
        assert InboxMessage.objects.filter(user=user, kind="deadline_breach").count() == 3
