"""Leads reach the detainees pages through the hooks detainees leaves for the apps above it: the
worklist's open-leads column and the detention timeline."""

from __future__ import annotations

from datetime import timedelta

import pytest

from detainees import selectors as detainee_selectors
from disputes import services
from disputes.models import DisputeLead
from disputes.selectors import custody_clock_running

pytestmark = pytest.mark.django_db


def test_the_worklist_counts_only_open_leads(make_lead, make_detention, officer_a):
    detention = make_detention()
    make_lead(detention=detention)
    make_lead(detention=detention, category=DisputeLead.Category.NEIGHBOURS)
    services.move_lead(make_lead(detention=detention), DisputeLead.Status.WITHDRAWN, acting_user=officer_a)

    [row] = detainee_selectors.worklist(officer_a, now=detention.admitted_at)

    assert row.open_leads == 2


def test_a_detention_without_leads_shows_zero(make_detention, officer_a):
    detention = make_detention()

    [row] = detainee_selectors.worklist(officer_a, now=detention.admitted_at)

    assert row.open_leads == 0


def test_the_timeline_shows_the_lead_and_its_session(session_booked):
    entries = detainee_selectors.detention_timeline(session_booked.lead.detention)

    kinds = sorted((entry.kind, entry.title) for entry in entries if entry.kind in {"lead", "session"})
    assert kinds == [
        ("lead", "发现矛盾线索"),
        ("lead", "线索状态变更"),
        ("lead", "线索状态变更"),
        ("session", "调解（已安排）"),
    ]


def test_the_custody_clock_starts_two_days_before_the_scheduled_release(make_detention):
    release = make_detention().scheduled_release_at

    assert not custody_clock_running(release, 1, now=release - timedelta(days=2, seconds=1))
    assert custody_clock_running(release, 1, now=release - timedelta(days=2))
    assert not custody_clock_running(release, 0, now=release)
