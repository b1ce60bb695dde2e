"""A notice that asks for an action is marked done when the action is done (issue 11): the leaders'
"待审批的一人一策方案" is done once one of them has decided on the plan, in every leader's inbox, and a
plan withdrawn or submitted again leaves one open request, not two."""

from __future__ import annotations

import pytest

from accounts.models import Role
from disputes import services
from disputes.models import ResolutionPlan
from notifications.models import InboxMessage
from tests.conftest import make_person

pytestmark = pytest.mark.django_db

PLAN = {
    "analysis": "被执行人有还款意愿，但一次性支付困难",
    "strategy": "联系执行法官，促成分期履行的执行和解",
    "methods": [ResolutionPlan.Method.LEGAL_EXPLANATION],
}
SUBJECT = "待审批的一人一策方案"


@pytest.fixture
def leader_a2(orgs):
    return make_person("yy_leader2", "陈副所长", orgs.centre_a, Role.CENTRE_LEADER)


def review_requests(user) -> list[InboxMessage]:
    return list(InboxMessage.objects.filter(user=user, subject__startswith=SUBJECT).order_by("pk"))


def test_the_leaders_request_is_done_in_every_inbox_once_the_plan_is_approved(
    make_lead, officer_a, leader_a, leader_a2, client_for
):
    lead = make_lead()
    assert client_for(officer_a).post(f"/disputes/{lead.pk}/plan/", {**PLAN, "action": "submit"}).status_code == 302
    leader = client_for(leader_a)
    inbox = leader.get("/inbox/")
    assert SUBJECT in inbox.content.decode() and inbox.context["unread_count"] == 1

    revision = ResolutionPlan.objects.get(lead=lead).revision
    response = leader.post(f"/disputes/{lead.pk}/plan/review/", {"decision": "approve", "revision": revision})
    assert response.status_code == 302

    inbox = leader.get("/inbox/")
    page = inbox.content.decode()
    assert inbox.context["unread_count"] == 0
    assert "已办结" in page and 'class="unread-mark"' not in page
    other = client_for(leader_a2).get("/inbox/")  # the other leader need not decide it again
    assert other.context["unread_count"] == 0 and "已办结" in other.content.decode()
    for user in (leader_a, leader_a2):
        [request] = review_requests(user)
        assert request.done_at is not None and request.asks_for == ResolutionPlan.review_request(lead.pk)


def test_a_returned_plan_is_done_too_and_its_resubmission_asks_once_more(make_lead, officer_a, leader_a):
    lead = make_lead()
    plan = services.save_plan(lead, **PLAN, acting_user=officer_a)
    services.review_plan(plan, approve=False, comment="请补充", acting_user=leader_a)
    services.save_plan(lead, **PLAN, acting_user=officer_a)

    first, second = review_requests(leader_a)
    assert first.done_at is not None and second.done_at is None and second.read_at is None


def test_a_plan_saved_again_replaces_the_open_request_and_a_draft_withdraws_it(make_lead, officer_a, leader_a):
    lead = make_lead()
    services.save_plan(lead, **PLAN, acting_user=officer_a)
    services.save_plan(lead, **{**PLAN, "strategy": "改为先亲情规劝"}, acting_user=officer_a)
    assert [m.done_at is None for m in review_requests(leader_a)] == [False, True]

    services.save_plan(lead, **PLAN, submit=False, acting_user=officer_a)
    assert all(m.done_at is not None for m in review_requests(leader_a))


def test_closing_the_lead_ends_the_request(make_lead, officer_a, leader_a):
    lead = make_lead()
    services.save_plan(lead, **PLAN, acting_user=officer_a)
    services.record_outcome(
        lead, status="withdrawn", outcome=services.OutcomeInput(summary="当事人撤回"), acting_user=officer_a
    )
    [request] = review_requests(leader_a)
    assert request.done_at is not None


def test_a_notice_that_asks_for_nothing_is_never_marked_done(officer_a):
    from notifications.services import Message, mark_done, notify

    notify("info", recipients=[officer_a], build_message=lambda _user: Message(subject="通知"))
    assert mark_done("") == 0
    assert InboxMessage.objects.get().done_at is None
