"""Each role's dashboard opens with its queue (issue 11): a leader's plans to approve and the sessions
booked by override; an officer's assessments due (their own people first), leads without a plan and
today's sessions; court staff's confirmation requests. Each row links to its page; the pages are a
fixed number of queries whatever the data, and none while the template renders."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.signals import template_rendered
from django.test.utils import CaptureQueriesContext

from accounts.models import Role
from disputes import services
from disputes.models import ResolutionPlan
from tests.conftest import make_person
from tests.detainees.conftest import FIXED_NOW, local, resident_id
from tests.disputes.conftest import AFTER_RELEASE, BOOKED_AHEAD, SESSION_END, SESSION_START


def submit_plan(lead, officer):
    return services.save_plan(
        lead,
        analysis="被执行人有还款意愿",
        strategy="促成分期履行",
        methods=[ResolutionPlan.Method.LEGAL_EXPLANATION],
        acting_user=officer,
    )


def section(page: str, key: str) -> str:
    """The HTML of one queue of the page."""
    start = page.index(f'id="queue-{key}"')
    return page[start : page.index("</section>", start)]


@contextmanager
def queries_while_rendering():
    """Counts the queries run after the page's template started rendering (the view's own queries
    and the header's context processors run before it)."""
    marks: list[int] = []

    def mark(sender, **kwargs):
        if not marks:
            marks.append(len(capture.captured_queries))

    template_rendered.connect(mark)
    try:
        with CaptureQueriesContext(connection) as capture:
            result = {}
            yield result
        result["n"] = len(capture.captured_queries) - marks[0]
        result["sql"] = [q["sql"] for q in capture.captured_queries[marks[0] :]]
    finally:
        template_rendered.disconnect(mark)


# --- the centre leader -----------------------------------------------------------------------------


def test_the_leader_dashboard_opens_with_the_plans_to_approve(
    frozen_now, make_lead, make_detention, officer_a, officer_b, leader_a, client_for
):
    lead = make_lead(detention=make_detention(name="钱多多"))
    submit_plan(lead, officer_a)
    drafted = make_lead(detention=make_detention(id_number=resident_id(3), name="孙草稿"))
    services.save_plan(
        drafted, analysis="甲", strategy="乙", methods=["listening"], submit=False, acting_user=officer_a
    )
    elsewhere = make_lead(
        detention=make_detention(
            facility=officer_b.memberships.get().organization, id_number=resident_id(4), name="慈溪人"
        ),
        acting_user=officer_b,
    )
    submit_plan(elsewhere, officer_b)

    page = client_for(leader_a).get("/dashboard/centre_leader/").content.decode()

    plans = section(page, "plans")
    assert "待审批的一人一策方案" in plans
    assert f'href="/disputes/{lead.pk}/plan/review/"' in plans and "钱多多" in plans and "张明" in plans
    assert "孙草稿" not in plans and "慈溪人" not in page
    # The queue comes before the lists of staff and partners.
    assert page.index('id="queue-plans"') < page.index("本单位人员")


def test_the_leader_dashboard_lists_the_sessions_booked_by_override_until_they_end(
    ready_lead, rooms, leader_a, client_for
):
    session = services.schedule_session(
        ready_lead,
        mode="in_person",
        starts_at=AFTER_RELEASE,
        ends_at=AFTER_RELEASE + timedelta(hours=1),
        room=rooms["one"],
        override_note="当事人出所后自愿返所签订协议",
        acting_user=leader_a,
        now=BOOKED_AHEAD,
    )
    services.schedule_session(
        ready_lead,
        mode="in_person",
        starts_at=SESSION_START,
        ends_at=SESSION_END,
        room=rooms["two"],
        acting_user=leader_a,
        now=BOOKED_AHEAD,
    )
    client = client_for(leader_a)

    with time_machine.travel(FIXED_NOW, tick=False):
        overrides = section(client.get("/dashboard/centre_leader/").content.decode(), "overrides")
    assert f'href="/disputes/sessions/{session.pk}/"' in overrides
    assert "调解时间晚于出所时间" in overrides and "王建国" in overrides
    assert overrides.count('href="/disputes/sessions/') == 1  # the session without an override is not here

    with time_machine.travel(AFTER_RELEASE + timedelta(hours=2), tick=False):
        overrides = section(client.get("/dashboard/centre_leader/").content.decode(), "overrides")
    assert "/disputes/sessions/" not in overrides and "没有经特批安排的调解会" in overrides


# --- the officer ------------------------------------------------------------------------------------


def test_the_officer_sees_assessments_due_with_their_own_people_first(orgs, make_detention, officer_a, client_for):
    colleague = make_person("yy_officer2", "刘强", orgs.centre_a, Role.OFFICER)
    # Admitted 03-02: due at the end of 03-05, overdue on 03-10. Admitted 03-09: due at the end of
    # 03-12, not yet due soon. Admitted 03-07: due at the end of 03-10, within a day.
    theirs = make_detention(name="他人甲", id_number=resident_id(1), responsible_officer=colleague)
    mine = make_detention(
        name="我的乙", id_number=resident_id(2), admitted_at=local(2026, 3, 7, 10, 0), responsible_officer=officer_a
    )
    make_detention(name="不急丙", id_number=resident_id(5), admitted_at=local(2026, 3, 9, 10, 0))

    with time_machine.travel(FIXED_NOW, tick=False):
        page = client_for(officer_a).get("/dashboard/officer/").content.decode()

    due = section(page, "assessments")
    assert f'href="/detainees/{mine.pk}/assessment/"' in due and f'href="/detainees/{theirs.pk}/assessment/"' in due
    assert due.index("我的乙") < due.index("他人甲")
    assert "已逾期" in due and "即将到期" in due
    assert "不急丙" not in due


def test_the_officer_sees_the_leads_without_a_plan_for_the_leaders(
    frozen_now, make_lead, make_detention, officer_a, client_for
):
    waiting = make_lead(detention=make_detention(name="等方案"))
    submitted = make_lead(detention=make_detention(id_number=resident_id(6), name="已报批"))
    submit_plan(submitted, officer_a)

    page = client_for(officer_a).get("/dashboard/officer/").content.decode()

    leads = section(page, "leads")
    assert f'href="/disputes/{waiting.pk}/"' in leads and "未制定方案" in leads
    assert "已报批" not in leads


def test_the_officer_sees_today_s_sessions(session_booked, officer_a, client_for):
    client = client_for(officer_a)

    with time_machine.travel(SESSION_START - timedelta(hours=1), tick=False):
        today = section(client.get("/dashboard/officer/").content.decode(), "today")
    assert f'href="/disputes/sessions/{session_booked.pk}/"' in today and "第一调解室" in today

    with time_machine.travel(SESSION_START - timedelta(days=1), tick=False):
        today = section(client.get("/dashboard/officer/").content.decode(), "today")
    assert "/disputes/sessions/" not in today and "今天没有调解安排" in today


# --- court staff ------------------------------------------------------------------------------------


def test_court_staff_see_the_confirmation_requests_awaiting_them(agreement, officer_a, orgs, court_staff, client_for):
    confirmation = services.request_judicial_confirmation(agreement, court=orgs.court, acting_user=officer_a)

    page = client_for(court_staff).get("/dashboard/court_staff/").content.decode()

    awaiting = section(page, "confirmations")
    assert f'href="/disputes/confirmations/{confirmation.pk}/"' in awaiting and agreement.number in awaiting
    assert page.index('id="queue-confirmations"') < page.index("近期调解安排")

    services.decide_judicial_confirmation(confirmation, confirm=True, note="", acting_user=court_staff)
    page = client_for(court_staff).get("/dashboard/court_staff/").content.decode()
    assert agreement.number not in section(page, "confirmations")


# --- queries ----------------------------------------------------------------------------------------

# session, user, membership, the role's queues (one query each), team, the county, partners, and the
# unread-message count in the header.
LEADER_DASHBOARD_QUERIES = 9
OFFICER_DASHBOARD_QUERIES = 10
# session, user, membership, the confirmation requests, the sessions ahead, team, county, partners,
# unread messages.
COURT_DASHBOARD_QUERIES = 9


def fill_centre(n: int, make_lead, make_detention, officer_a):
    """n people in custody, each with a lead; half of the leads with a submitted plan."""
    for serial in range(n):
        lead = make_lead(detention=make_detention(id_number=resident_id(100 + serial), name=f"在押{serial:02d}"))
        if serial % 2:
            submit_plan(lead, officer_a)


@pytest.mark.parametrize("people", [2, 12])
def test_the_leader_and_officer_dashboards_take_a_fixed_number_of_queries_and_none_while_rendering(
    frozen_now,
    make_lead,
    make_detention,
    officer_a,
    leader_a,
    rooms,
    approve_plan,
    client_for,
    django_assert_num_queries,
    people,
):
    fill_centre(people, make_lead, make_detention, officer_a)
    ready = make_lead(detention=make_detention(id_number=resident_id(99), name="今日调解"))
    approve_plan(ready)
    services.schedule_session(
        ready,
        mode="in_person",
        starts_at=FIXED_NOW + timedelta(hours=1),
        ends_at=FIXED_NOW + timedelta(hours=2),
        room=rooms["one"],
        acting_user=officer_a,
    )
    services.schedule_session(
        ready,
        mode="in_person",
        starts_at=AFTER_RELEASE,
        ends_at=AFTER_RELEASE + timedelta(hours=1),
        room=rooms["one"],
        override_note="出所后返所",
        acting_user=leader_a,
    )

    for user, role, expected in [
        (leader_a, "centre_leader", LEADER_DASHBOARD_QUERIES),
        (officer_a, "officer", OFFICER_DASHBOARD_QUERIES),
    ]:
        client = client_for(user)
        with django_assert_num_queries(expected), queries_while_rendering() as rendering:
            response = client.get(f"/dashboard/{role}/")
        assert response.status_code == 200
        assert rendering["n"] == 0, rendering["sql"]
        page = response.content.decode()
        if role == "centre_leader":
            assert section(page, "plans").count("/plan/review/") == min(people // 2, 10)
            assert section(page, "overrides").count("/disputes/sessions/") == 1
        else:
            assert section(page, "leads").count("<li>") == min(people - people // 2, 10)
            assert section(page, "today").count("/disputes/sessions/") == 1


@pytest.mark.parametrize("requests", [1, 3])
def test_the_court_dashboard_takes_a_fixed_number_of_queries_and_none_while_rendering(
    agreement,
    resolved_lead,
    make_lead,
    make_detention,
    approve_plan,
    officer_a,
    orgs,
    court_staff,
    client_for,
    django_assert_num_queries,
    requests,
):
    from tests.disputes.test_agreement_pdf import save

    services.request_judicial_confirmation(agreement, court=orgs.court, acting_user=officer_a)
    for serial in range(requests - 1):
        lead = make_lead(detention=make_detention(id_number=resident_id(200 + serial), name=f"协议{serial}"))
        approve_plan(lead)
        services.move_lead(lead, "mediating", acting_user=officer_a)
        services.record_outcome(
            lead, status="resolved", outcome=services.OutcomeInput(summary="和解"), acting_user=officer_a
        )
        services.request_judicial_confirmation(save(lead, officer_a), court=orgs.court, acting_user=officer_a)
    client = client_for(court_staff)

    with django_assert_num_queries(COURT_DASHBOARD_QUERIES), queries_while_rendering() as rendering:
        response = client.get("/dashboard/court_staff/")

    assert rendering["n"] == 0, rendering["sql"]
    assert section(response.content.decode(), "confirmations").count("<li>") == requests
