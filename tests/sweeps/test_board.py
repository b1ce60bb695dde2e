"""The deadline board, /deadlines/: an officer's own deadlines, a leader's centre, a supervisor's counts
per centre (small counts suppressed), overdue and due soon from the due-time columns themselves, with
filters and the breach history."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from casework.deadlines import SUPPRESS_BELOW
from detainees.deadlines import ASSESSMENT_RULE
from sweeps import services as sweeps

from .conftest import ADMITTED, ASSESSMENT_DUE

BOARD = reverse("casework:deadlines")
# A day after the first assessment fell due; no sweep has run.
NOW = ASSESSMENT_DUE + timedelta(days=1)


@pytest.fixture
def at_now(time_machine):
    time_machine.move_to(NOW, tick=False)


def titles(response) -> list[str]:
    return [row.title for row in response.context["rows"]]


def test_an_overdue_assessment_shows_on_the_officers_and_the_leaders_board_without_a_sweep(
    detention_of, officer_a, leader_a, client_for, at_now
):
    detention_of()

    for user in (officer_a, leader_a):
        response = client_for(user).get(BOARD)
        assert response.status_code == 200
        [row] = response.context["rows"]
        assert (row.title, row.overdue, row.due_at) == ("赵建军（2026-03-02 入所）", True, ASSESSMENT_DUE)
        assert "已逾期" in response.content.decode()


def test_an_officer_sees_their_people_and_a_leader_the_whole_centre(
    detention_of, officer_a, leader_a, officer_b, leader_b, orgs, client_for, at_now
):
    from tests.conftest import make_person

    colleague = make_person("yy_officer2", "李强", orgs.centre_a, "officer")
    detention_of(n=0)
    detention_of(n=1, responsible_officer=colleague)

    assert titles(client_for(officer_a).get(BOARD)) == ["赵建军（2026-03-02 入所）"]
    assert titles(client_for(colleague).get(BOARD)) == ["钱小红（2026-03-02 入所）"]
    assert len(titles(client_for(leader_a).get(BOARD))) == 2
    assert titles(client_for(officer_b).get(BOARD)) == titles(client_for(leader_b).get(BOARD)) == []


def test_due_soon_and_overdue_and_the_filters(detention_of, make_lead, officer_a, client_for, at_now):
    detention_of(n=0)  # assessment overdue since 2026-03-05
    later = detention_of(n=1, admitted_at=ADMITTED + timedelta(days=1))  # assessment due 2026-03-06: soon
    make_lead(detention=later, assigned_officer=officer_a)  # release 2026-03-13: the clock has not started
    client = client_for(officer_a)

    rows = client.get(BOARD).context["rows"]
    assert [(row.rule, row.overdue) for row in rows] == [("入所评估", True), ("入所评估", False)]
    assert titles(client.get(BOARD, {"state": "overdue"})) == ["赵建军（2026-03-02 入所）"]
    assert titles(client.get(BOARD, {"state": "due_soon"})) == ["钱小红（2026-03-03 入所）"]
    assert titles(client.get(BOARD, {"rule": "custody_clock"})) == []
    assert len(titles(client.get(BOARD, {"rule": "bogus"}))) == 2  # an unknown choice filters nothing


def test_the_custody_clock_shows_for_the_assigned_officer(detention_of, make_lead, officer_a, client_for, time_machine):
    make_lead(detention=detention_of(), assigned_officer=officer_a)
    time_machine.move_to(ASSESSMENT_DUE + timedelta(days=5), tick=False)  # 2026-03-10 23:59, release in 2 days

    rows = client_for(officer_a).get(BOARD, {"rule": "custody_clock"}).context["rows"]

    assert [(row.rule, row.overdue) for row in rows] == [("出所前线索化解", False)]


def test_the_breach_history(detention_of, officer_a, leader_a, officer_b, client_for, at_now):
    detention_of()
    sweeps.sweep(ASSESSMENT_RULE, NOW)

    for user in (officer_a, leader_a):
        [row] = client_for(user).get(BOARD).context["history"]
        assert (row.rule, row.title, row.breach.notified_at) == ("入所评估", "赵建军（2026-03-02 入所）", NOW)
    assert client_for(officer_b).get(BOARD).context["history"] == []


def test_a_supervisor_sees_counts_per_centre_with_small_ones_suppressed(
    detention_of, supervisor, client_for, orgs, at_now
):
    for n in range(SUPPRESS_BELOW):
        detention_of(n=n)  # five overdue assessments at centre A

    response = client_for(supervisor).get(BOARD, {"rule": "assessment"})

    table = {row.centre.name: row.cells for row in response.context["table"]}
    # Columns: overdue, due soon, recorded breaches (none: no sweep ran).
    assert table == {"余姚市拘留所": ["5", "0", "0"], "慈溪市拘留所": ["0", "0", "0"]}
    assert "rows" not in response.context  # no list of people above a single centre

    sweeps.sweep(ASSESSMENT_RULE, NOW)
    table = {row.centre.name: row.cells for row in client_for(supervisor).get(BOARD).context["table"]}
    # All rules (assessment, custody clock, evaluation, further visit, work-order receipt and
    # feedback): overdue and due soon of each, then the breaches recorded.
    assert table["余姚市拘留所"] == ["5", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "5"]


def test_a_supervisor_does_not_see_a_count_below_five(detention_of, supervisor, client_for, at_now):
    for n in range(SUPPRESS_BELOW - 1):
        detention_of(n=n)

    response = client_for(supervisor).get(BOARD, {"rule": "assessment", "state": "overdue"})

    assert {row.centre.name: row.cells for row in response.context["table"]}["余姚市拘留所"] == ["<5", "0"]
    assert ">4<" not in response.content.decode()


@pytest.mark.parametrize("size", [1, 3])
def test_the_board_costs_the_same_queries_whatever_its_size(
    size, detention_of, make_lead, officer_a, leader_a, client_for, django_assert_num_queries, at_now
):
    for n in range(size):
        make_lead(detention=detention_of(n=n), assigned_officer=officer_a)
    sweeps.sweep(ASSESSMENT_RULE, NOW)
    client = client_for(leader_a)
    client.get(BOARD)  # the session and membership look-ups warm up like any later request

    # session, user, membership; unread count; one per rule (two); the history, and the names of its
    # one rule's objects.
    # One query per rule (six) for the items, and the page's own.
    with django_assert_num_queries(12):
        response = client.get(BOARD)
    assert len(response.context["rows"]) == size and len(response.context["history"]) == size


@pytest.mark.parametrize("size", [1, 3])
def test_the_supervisors_board_costs_the_same_queries_whatever_its_size(
    size, detention_of, supervisor, client_for, django_assert_num_queries, at_now
):
    for n in range(size):
        detention_of(n=n)
    client = client_for(supervisor)
    client.get(BOARD)

    # session, user, membership; unread count; the centres; one per rule (two); the breach counts.
    # One query per rule (six) for the items, and the page's own.
    with django_assert_num_queries(12):
        client.get(BOARD)


def test_court_staff_and_administrators_may_not_open_the_board(court_staff, system_admin, client_for, anonymous_client):
    assert client_for(court_staff).get(BOARD).status_code == 403
    assert client_for(system_admin).get(BOARD).status_code == 403
    assert anonymous_client.get(BOARD)["Location"].startswith(reverse("accounts:login"))
