"""The centre's list of leads: filters, keyset pagination, a query count that does not grow with the rows,
and the custody-clock flag on both sides of its boundary (two days before the scheduled release)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import connection

from disputes import selectors, services, views
from disputes.models import DisputeLead
from disputes.selectors import CUSTODY_CLOCK
from tests.detainees.conftest import resident_id

from .conftest import local

LEADS = "/disputes/"
# session, user, membership (+ organization), the rows (person and officer joined), the inbox's
# unread count: no COUNT(*), nothing per row.
LEAD_LIST_QUERIES = 5
RELEASE = local(2026, 3, 12, 15, 0)  # make_detention's scheduled release
CLOCK_STARTS = RELEASE - CUSTODY_CLOCK  # 2026-03-10 15:00
TUESDAY = local(2026, 3, 10, 9, 0)


def summaries(response) -> list[str]:
    return [lead.summary for lead in response.context["rows"]]


# --- the query count ------------------------------------------------------------------------------------


def test_the_list_costs_the_same_queries_for_5_and_50_rows(
    make_detention, make_lead, officer_a, officer_a2, client_for, django_assert_num_queries
):
    officers = (officer_a, officer_a2, None)

    def add(serials):
        for serial in serials:
            detention = make_detention(name=f"人员{serial}", id_number=resident_id(serial))
            lead = make_lead(detention, summary=f"线索{serial}", assigned_officer=officers[serial % 3])
            if serial % 4 == 0:
                services.move_lead(lead, DisputeLead.Status.PLANNING, acting_user=officer_a)

    client = client_for(officer_a)
    with time_machine.travel(TUESDAY, tick=False):
        add(range(5))
        with django_assert_num_queries(LEAD_LIST_QUERIES):
            small = client.get(LEADS)
        add(range(5, 50))
        with django_assert_num_queries(LEAD_LIST_QUERIES):
            large = client.get(LEADS)

    assert len(small.context["rows"]) == 5
    assert len(large.context["rows"]) == 50
    html = large.content.decode()
    assert "人员49" in html and "刘强" in html and "张明" in html


# --- filters and pages -----------------------------------------------------------------------------------


@pytest.fixture
def centre_a_leads(make_detention, make_lead, officer_a, officer_a2, officer_b, orgs):
    """Four leads of centre A and one of centre B, each telling one filter apart."""
    first = make_detention(name="甲", id_number=resident_id(1))
    second = make_detention(name="乙", id_number=resident_id(2))
    make_lead(first, summary="执行甲", assigned_officer=officer_a)
    make_lead(first, summary="婚姻甲", category=DisputeLead.Category.MARRIAGE_FAMILY, assigned_officer=officer_a2)
    make_lead(second, summary="债务乙", category=DisputeLead.Category.DEBT, assigned_officer=officer_a2)
    closed = make_lead(second, summary="已撤回乙", assigned_officer=officer_a)
    services.move_lead(closed, DisputeLead.Status.WITHDRAWN, acting_user=officer_a)
    make_lead(
        make_detention(name="丙", id_number=resident_id(3), facility=orgs.centre_b),
        summary="慈溪丙",
        acting_user=officer_b,
    )


@pytest.mark.parametrize(
    "query, expected",
    [
        ({}, ["债务乙", "婚姻甲", "执行甲"]),  # open ones by default, newest first
        ({"status": "open"}, ["债务乙", "婚姻甲", "执行甲"]),
        ({"status": "closed"}, ["已撤回乙"]),
        ({"status": "all"}, ["已撤回乙", "债务乙", "婚姻甲", "执行甲"]),
        ({"status": "all", "category": "court_enforcement"}, ["已撤回乙", "执行甲"]),
        ({"category": "marriage_family"}, ["婚姻甲"]),
        ({"status": "all", "mine": "on"}, ["已撤回乙", "执行甲"]),
        ({"mine": "on", "category": "debt"}, []),
        ({"status": "nonsense"}, ["债务乙", "婚姻甲", "执行甲"]),  # a bad filter falls back to the default
    ],
)
def test_the_filters(centre_a_leads, officer_a, client_for, query, expected):
    with time_machine.travel(TUESDAY, tick=False):
        assert summaries(client_for(officer_a).get(LEADS, query)) == expected


def test_the_list_pages_with_a_cursor_and_keeps_the_filters(
    make_detention, make_lead, officer_a, client_for, monkeypatch
):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    detention = make_detention()
    for serial in range(5):
        make_lead(detention, summary=f"线索{serial}", category=DisputeLead.Category.DEBT)
    make_lead(detention, summary="其他类别", category=DisputeLead.Category.OTHER)
    client = client_for(officer_a)

    seen, url, pages = [], f"{LEADS}?category=debt", 0
    while url:
        response = client.get(url if url.startswith("/") else LEADS + url)
        seen += summaries(response)
        url = response.context["next_url"]
        pages += 1
        if url:
            assert "category=debt" in url
            assert response.context["first_url"] == (None if pages == 1 else "?category=debt")

    assert pages == 3
    assert seen == [f"线索{serial}" for serial in reversed(range(5))]


@pytest.mark.parametrize("cursor", ["abc", "-1", "1.5"])
def test_a_forged_cursor_is_a_bad_request(officer_a, client_for, cursor):
    assert client_for(officer_a).get(LEADS, {"after": cursor}).status_code == 400


# --- the custody clock -------------------------------------------------------------------------------------


@pytest.fixture
def open_and_closed(make_detention, make_lead, officer_a):
    """On one detention released 2026-03-12 15:00: an open lead and a withdrawn one."""
    detention = make_detention()
    open_lead = make_lead(detention, summary="未结")
    closed = make_lead(detention, summary="已撤回")
    services.move_lead(closed, DisputeLead.Status.WITHDRAWN, acting_user=officer_a)
    return open_lead, closed


def flags(client, query=None) -> dict[str, bool]:
    response = client.get(LEADS, {"status": "all", **(query or {})})
    return {lead.summary: lead.clock_running for lead in response.context["rows"]}


def test_the_custody_clock_flags_an_open_lead_from_two_days_before_the_release(open_and_closed, officer_a, client_for):
    client = client_for(officer_a)
    assert local(2026, 3, 10, 15, 0) == CLOCK_STARTS

    with time_machine.travel(CLOCK_STARTS - timedelta(microseconds=1), tick=False):
        assert flags(client) == {"未结": False, "已撤回": False}
        assert flags(client, {"clock": "on"}) == {}
        html = client.get(LEADS).content.decode()
        assert 'class="status status-overdue"' not in html

    with time_machine.travel(CLOCK_STARTS, tick=False):
        assert flags(client) == {"未结": True, "已撤回": False}  # a closed lead never runs the clock
        assert flags(client, {"clock": "on"}) == {"未结": True}
        html = client.get(LEADS).content.decode()
        assert html.count('class="status status-overdue"') == 1
        detail = client.get(f"/disputes/{open_and_closed[0].pk}/").content.decode()
        assert "距预计出所已不足 2 天，线索仍未结案" in detail

    with time_machine.travel(RELEASE + timedelta(hours=1), tick=False):
        assert flags(client) == {"未结": True, "已撤回": False}  # past the release and still open
        detail = client.get(f"/disputes/{open_and_closed[0].pk}/").content.decode()
        assert "已过出所时间，线索仍未结案" in detail


def test_the_lead_page_has_no_clock_warning_before_the_boundary(open_and_closed, officer_a, client_for):
    with time_machine.travel(CLOCK_STARTS - timedelta(microseconds=1), tick=False):
        detail = client_for(officer_a).get(f"/disputes/{open_and_closed[0].pk}/").content.decode()

    assert "距预计出所已不足" not in detail
    assert "还有 2 天" in detail  # 2026-03-10 to 2026-03-12, calendar days


@pytest.mark.parametrize(
    "only_open, ordering, index",
    [
        (False, ("-pk",), "lead_list_idx"),
        (True, ("-pk",), "lead_open_list_idx"),
        (False, ("-created_at", "-id"), "lead_api_idx"),
    ],
    ids=["page", "page-open", "api"],
)
def test_a_centres_leads_are_read_in_order_from_one_index_range(make_lead, officer_a, only_open, ordering, index):
    """The page (keyset on id; open leads by default) and the API (newest first) read the centre's
    leads from an index on (facility, order): a page costs its rows, not a walk through the province's
    leads or through the centre's closed ones."""
    lead = make_lead()
    if only_open:
        # Closed leads beside the open one, as a centre has: with a single row both indexes cost the
        # same and the planner's choice between them is a coin toss.
        for _ in range(12):
            closed = make_lead(detention=lead.detention)
            services.move_lead(closed, DisputeLead.Status.WITHDRAWN, acting_user=officer_a)
    queryset = selectors.leads_visible_to(officer_a)
    if only_open:
        queryset = queryset.filter(closed_at__isnull=True)
    queryset = queryset.order_by(*ordering)[:51]

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE disputes_disputelead")
        # SET LOCAL: only for the test's transaction, not for the connection the next test reuses.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
    plan = queryset.explain()

    assert index in plan and "Sort" not in plan
