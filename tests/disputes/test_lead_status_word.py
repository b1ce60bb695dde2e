"""One status word for a lead on every page (issue 11): the lead list, the lead page, the session page
and the detention page say the same thing. While the plan is worked on (the lead's status planning),
the plan's state is the word: 制定方案 until it is submitted, then 方案待审批, 方案已退回 or 方案已批准."""

from __future__ import annotations

import pytest

from disputes import services
from disputes.models import ResolutionPlan

pytestmark = pytest.mark.django_db

PLAN = {
    "analysis": "被执行人有还款意愿，但一次性支付困难",
    "strategy": "联系执行法官，促成分期履行的执行和解",
    "methods": [ResolutionPlan.Method.LEGAL_EXPLANATION],
}


def words_on_pages(client, lead) -> dict[str, str]:
    """The page -> its HTML, for every page that shows the lead's status."""
    return {
        path: client.get(path).content.decode()
        for path in ("/disputes/?status=all", f"/disputes/{lead.pk}/", f"/detainees/{lead.detention_id}/")
    }


def status_badge(word: str) -> str:
    return f">{word}</span>"


def test_a_submitted_plan_is_awaiting_approval_on_the_list_the_lead_page_and_the_detention_page(
    make_lead, officer_a, orgs, client_for
):
    lead = make_lead()
    client = client_for(officer_a)
    response = client.post(f"/disputes/{lead.pk}/plan/", {**PLAN, "action": "submit"})
    assert response.status_code == 302

    for path, page in words_on_pages(client, lead).items():
        assert status_badge("方案待审批") in page, path
        assert status_badge("制定方案") not in page, path


def test_the_word_follows_the_plan_from_draft_to_approval_or_return(make_lead, officer_a, leader_a, client_for):
    lead = make_lead()
    client = client_for(officer_a)

    client.post(f"/disputes/{lead.pk}/plan/", {**PLAN, "action": "draft"})
    assert all(status_badge("制定方案") in page for page in words_on_pages(client, lead).values())

    plan = services.save_plan(lead, **PLAN, acting_user=officer_a)
    services.review_plan(plan, approve=False, comment="请补充对方诉求", acting_user=leader_a)
    assert all(status_badge("方案已退回") in page for page in words_on_pages(client, lead).values())

    plan = services.save_plan(lead, **PLAN, acting_user=officer_a)
    services.review_plan(plan, approve=True, acting_user=leader_a)
    assert all(status_badge("方案已批准") in page for page in words_on_pages(client, lead).values())


def test_outside_planning_the_word_is_the_leads_own(make_lead, officer_a, client_for):
    lead = make_lead()
    pages = words_on_pages(client_for(officer_a), lead)
    assert all(status_badge("待处理") in page for page in pages.values())
