"""Leads on the pages that casework assembles above detainees and disputes: the worklist's open-leads
column and the detention timeline."""

from __future__ import annotations

from datetime import timedelta

import pytest

from casework import selectors as casework_selectors
from detainees import services as detainee_services
from disputes import services
from disputes.models import DisputeLead
from disputes.selectors import custody_clock_running

pytestmark = pytest.mark.django_db


def test_the_worklist_counts_only_open_leads(make_lead, make_detention, officer_a):
    detention = make_detention()
    make_lead(detention=detention)
    make_lead(detention=detention, category=DisputeLead.Category.NEIGHBOURS)
    services.move_lead(make_lead(detention=detention), DisputeLead.Status.WITHDRAWN, acting_user=officer_a)

    [row] = casework_selectors.worklist(officer_a, now=detention.admitted_at)

    assert row.open_leads == 2


def test_a_detention_without_leads_shows_zero(make_detention, officer_a):
    detention = make_detention()

    [row] = casework_selectors.worklist(officer_a, now=detention.admitted_at)

    assert row.open_leads == 0


def test_the_timeline_shows_the_lead_and_its_session(session_booked):
    entries = casework_selectors.detention_timeline(session_booked.lead.detention)

    kinds = sorted((entry.kind, entry.title) for entry in entries if entry.kind in {"lead", "session"})
    assert kinds == [
        ("lead", "发现矛盾线索"),
        ("lead", "线索状态变更"),
        ("lead", "线索状态变更"),
        ("session", "调解（已安排）"),
    ]


def test_the_custody_clock_starts_two_days_before_the_scheduled_release(make_detention):
    detention = make_detention()
    release = detention.scheduled_release_at

    assert not custody_clock_running(detention, 1, now=release - timedelta(days=2, seconds=1))
    assert custody_clock_running(detention, 1, now=release - timedelta(days=2))
    assert not custody_clock_running(detention, 0, now=release)


def test_an_early_release_starts_the_clock_from_the_release(make_detention, officer_a):
    """Released five days before the scheduled date with a lead still open: the flag is up from the
    release on (two days before it, in fact), not only two days before a date that no longer applies."""
    detention = make_detention()
    released_at = detention.scheduled_release_at - timedelta(days=5)
    detainee_services.release_detention(detention, released_at=released_at, acting_user=officer_a, now=released_at)
    detention.refresh_from_db()

    assert not custody_clock_running(detention, 1, now=released_at - timedelta(days=2, seconds=1))
    assert custody_clock_running(detention, 1, now=released_at - timedelta(days=2))
    assert custody_clock_running(detention, 1, now=released_at + timedelta(hours=1))
    assert not custody_clock_running(detention, 0, now=released_at + timedelta(hours=1))
