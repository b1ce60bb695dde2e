"""The officer pages of a dispute lead: the whole flow through the pages (lead, plan, approval, outcome),
a plan returned with a comment, refused input that saves nothing, escaping of what users type, and who
may open which page (another centre's officer 404, other roles 403, anonymous visitors sign in)."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Role
from disputes import services
from disputes.models import DisputeLead, LeadOutcome, LeadParty, PlanReview, ResolutionPlan
from tests.conftest import PERSONA_OF_ROLE

from .conftest import BOOKED_AHEAD, ID_WOMAN, SESSION_END, SESSION_START

SCRIPT = "<script>alert(1)</script>"
SCRIPT_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
IMG = "<img src=x onerror=alert(1)>"
IMG_ESCAPED = "&lt;img src=x onerror=alert(1)&gt;"


def html_of(response) -> str:
    return response.content.decode()


def lead_form(**overrides) -> dict:
    data = {
        "category": DisputeLead.Category.COURT_ENFORCEMENT,
        "summary": "拖欠货款 5 万元，法院已立案执行",
        "amount_at_stake": "50000",
        "court_case_number": "（2026）浙0281执123号",
        "source": DisputeLead.Source.INTAKE_SCREENING,
        "risk_level": DisputeLead.RiskLevel.MEDIUM,
        "assigned_officer": "",
        "party_1_side": LeadParty.Side.COUNTERPARTY,
        "party_1_name": "宁波某建材公司",
        "party_1_relation": "债权人",
        "party_1_phone": "13900001111",
        "party_1_address": "余姚市阳明街道",
        "party_2_side": LeadParty.Side.PARTY,
        "party_3_side": LeadParty.Side.PARTY,
    }
    data.update(overrides)
    return data


def plan_form(orgs, **overrides) -> dict:
    data = {
        "analysis": "被执行人有还款意愿，但一次性支付困难",
        "strategy": "联系执行法官，促成分期履行的执行和解",
        "methods": [ResolutionPlan.Method.LEGAL_EXPLANATION, ResolutionPlan.Method.JOINT_MEDIATION],
        "agencies_needed": [orgs.enforcement_bureau.pk],
        "action": "submit",
    }
    data.update(overrides)
    return data


def review_form(lead, **fields) -> dict:
    """What the review page posts: the decision, the comment and the plan revision it showed."""
    return {"revision": ResolutionPlan.objects.get(lead=lead).revision, **fields}


def outcome_form(**overrides) -> dict:
    data = {
        "status": DisputeLead.Status.RESOLVED,
        "summary": "双方达成分期履行的执行和解",
        "enforcement_settled": "on",
        "agreed_amount": "50000",
        "paid_amount": "20000",
        "court_case_number": "",
    }
    data.update(overrides)
    return data


def book_session(lead, rooms, officer_a, *, leader=None):
    """A session at SESSION_START with officer A: booked ahead by officer A, or, given a `leader`,
    entered after the fact now (the real date) by the leader with an override note, so that it comes
    after the lead's earlier moves (made at the real date) in the lead's history."""
    if leader is not None:
        return services.schedule_session(
            lead,
            mode="in_person",
            starts_at=SESSION_START,
            ends_at=SESSION_END,
            room=rooms["one"],
            staff=[services.StaffInput(officer_a)],
            override_note="事后补录：当日临时调解",
            acting_user=leader,
        )
    return services.schedule_session(
        lead,
        mode="in_person",
        starts_at=SESSION_START,
        ends_at=SESSION_END,
        room=rooms["one"],
        staff=[services.StaffInput(officer_a)],
        acting_user=officer_a,
        now=BOOKED_AHEAD,
    )


# --- the whole flow through the pages ----------------------------------------------------------------


def test_a_lead_goes_from_entry_through_an_approved_plan_to_its_outcome(
    make_detention, officer_a, leader_a, orgs, rooms, client_for
):
    detention = make_detention(responsible_officer=officer_a)
    officer, leader = client_for(officer_a), client_for(leader_a)

    form = officer.get(f"/disputes/new/{detention.pk}/")
    assert form.status_code == 200
    assert "新建矛盾线索" in html_of(form)
    response = officer.post(f"/disputes/new/{detention.pk}/", lead_form())
    lead = DisputeLead.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/disputes/{lead.pk}/"
    assert (lead.status, lead.amount_at_stake, lead.assigned_officer) == ("open", Decimal("50000"), officer_a)
    [party] = lead.parties.all()
    assert (party.name, party.relation, party.phone) == ("宁波某建材公司", "债权人", "13900001111")
    detail = html_of(officer.get(f"/disputes/{lead.pk}/"))
    assert "139****1111" in detail and "13900001111" not in detail  # the phone is masked
    assert f'href="/disputes/{lead.pk}/sessions/new/"' not in detail  # no plan yet

    # The officer submits the plan; only the leader may decide on it.
    assert officer.post(f"/disputes/{lead.pk}/plan/", plan_form(orgs)).status_code == 302
    plan = ResolutionPlan.objects.get(lead=lead)
    lead.refresh_from_db()
    assert (plan.status, lead.status) == ("submitted", "planning")
    assert list(plan.agencies_needed.all()) == [orgs.enforcement_bureau]
    assert officer.get(f"/disputes/{lead.pk}/plan/review/").status_code == 403
    assert f'href="/disputes/{lead.pk}/plan/review/"' in html_of(leader.get(f"/disputes/{lead.pk}/"))

    response = leader.post(f"/disputes/{lead.pk}/plan/review/", review_form(lead, decision="approve", comment="同意"))
    assert response.status_code == 302
    plan.refresh_from_db()
    assert (plan.status, plan.decided_by) == ("approved", leader_a)
    detail = html_of(officer.get(f"/disputes/{lead.pk}/"))
    assert f'href="/disputes/{lead.pk}/sessions/new/"' in detail  # 安排调解
    assert "已批准" in detail and "同意" in detail

    session = book_session(lead, rooms, officer_a, leader=leader_a)  # the session pages are another module's
    detail = html_of(officer.get(f"/disputes/{lead.pk}/"))
    assert f'href="/disputes/sessions/{session.pk}/"' in detail

    assert officer.get(f"/disputes/{lead.pk}/outcome/").status_code == 200
    response = officer.post(f"/disputes/{lead.pk}/outcome/", outcome_form(petition_withdrawn="on"))
    assert response.status_code == 302
    lead.refresh_from_db()
    outcome = LeadOutcome.objects.get(lead=lead)
    assert lead.status == "resolved" and lead.closed_at is not None
    assert (outcome.agreed_amount, outcome.paid_amount) == (Decimal("50000"), Decimal("20000"))
    assert outcome.enforcement_settled and outcome.petition_withdrawn and not outcome.family_reconciled
    assert outcome.court_case_number == "（2026）浙0281执123号"  # taken over from the lead
    assert outcome.recorded_by == officer_a

    detail = html_of(officer.get(f"/disputes/{lead.pk}/"))
    assert "已化解" in detail and "停访息诉" in detail and "执行和解" in detail
    assert f'href="/disputes/{lead.pk}/agreement/"' in detail  # 制作调解协议书
    assert f'href="/disputes/{lead.pk}/outcome/"' not in detail  # closed: no second outcome
    assert f'href="/disputes/{lead.pk}/sessions/new/"' not in detail
    assert [t.to_status for t in lead.transitions.all()] == ["open", "planning", "mediating", "resolved"]
    # A closed lead's outcome page sends the user back to the lead.
    assert officer.get(f"/disputes/{lead.pk}/outcome/")["Location"] == f"/disputes/{lead.pk}/"


def test_the_detention_page_lists_its_leads_and_offers_a_new_one(make_detention, make_lead, officer_a, client_for):
    detention = make_detention()
    lead = make_lead(detention)

    html = html_of(client_for(officer_a).get(f"/detainees/{detention.pk}/"))

    assert f'href="/disputes/{lead.pk}/"' in html
    assert f'href="/disputes/new/{detention.pk}/"' in html
    assert "法院执行" in html


def test_a_plan_saved_as_draft_is_not_sent_for_approval(make_lead, officer_a, orgs, client_for):
    lead = make_lead()

    response = client_for(officer_a).post(f"/disputes/{lead.pk}/plan/", plan_form(orgs, action="draft"))

    assert response.status_code == 302
    assert ResolutionPlan.objects.get(lead=lead).status == "draft"


def test_the_leader_returns_a_plan_with_a_comment_and_the_officer_sees_it(
    make_lead, officer_a, leader_a, orgs, client_for
):
    lead = make_lead()
    officer, leader = client_for(officer_a), client_for(leader_a)
    officer.post(f"/disputes/{lead.pk}/plan/", plan_form(orgs))

    without_comment = leader.post(
        f"/disputes/{lead.pk}/plan/review/", review_form(lead, decision="return", comment=" ")
    )
    assert without_comment.status_code == 200
    assert "退回方案时请写明意见" in html_of(without_comment)
    assert ResolutionPlan.objects.get(lead=lead).status == "submitted"
    assert not PlanReview.objects.exists()

    response = leader.post(
        f"/disputes/{lead.pk}/plan/review/", review_form(lead, decision="return", comment="请补充家属的意见")
    )

    assert response.status_code == 302
    plan = ResolutionPlan.objects.get(lead=lead)
    assert (plan.status, plan.decision_comment) == ("returned", "请补充家属的意见")
    [review] = PlanReview.objects.filter(plan=plan)
    assert (review.decision, review.reviewer) == ("returned", leader_a)
    detail = html_of(officer.get(f"/disputes/{lead.pk}/"))
    assert "已退回" in detail and "请补充家属的意见" in detail
    assert f'href="/disputes/{lead.pk}/sessions/new/"' not in detail
    edit = html_of(officer.get(f"/disputes/{lead.pk}/plan/"))
    assert "请补充家属的意见" in edit  # the leader's comment, above the form
    # Resubmitted and approved: the history keeps both decisions.
    officer.post(f"/disputes/{lead.pk}/plan/", plan_form(orgs, analysis="已补充家属意见"))
    leader.post(f"/disputes/{lead.pk}/plan/review/", review_form(lead, decision="approve", comment=""))
    assert list(PlanReview.objects.filter(plan=plan).values_list("decision", flat=True)) == ["returned", "approved"]


def test_a_plan_changed_while_the_leader_reads_it_is_shown_again_not_approved(
    make_lead, officer_a, leader_a, orgs, client_for
):
    lead = make_lead()
    officer, leader = client_for(officer_a), client_for(leader_a)
    officer.post(f"/disputes/{lead.pk}/plan/", plan_form(orgs))
    page = html_of(leader.get(f"/disputes/{lead.pk}/plan/review/"))
    shown = re.search(r'name="revision" value="(\d+)"', page).group(1)
    officer.post(f"/disputes/{lead.pk}/plan/", plan_form(orgs, strategy="改为先联系家属"))

    response = leader.post(
        f"/disputes/{lead.pk}/plan/review/", {"decision": "approve", "comment": "", "revision": shown}
    )

    assert response.status_code == 302 and response["Location"] == f"/disputes/{lead.pk}/plan/review/"
    page = html_of(leader.get(response["Location"]))
    assert "方案在您打开后已被修改" in page and "改为先联系家属" in page
    assert ResolutionPlan.objects.get(lead=lead).status == "submitted"
    assert not PlanReview.objects.exists()


def test_a_review_without_the_revision_shown_is_sent_back_to_the_plan(make_lead, officer_a, leader_a, orgs, client_for):
    lead = make_lead()
    client_for(officer_a).post(f"/disputes/{lead.pk}/plan/", plan_form(orgs))

    response = client_for(leader_a).post(f"/disputes/{lead.pk}/plan/review/", {"decision": "approve", "comment": ""})

    assert response.status_code == 302 and response["Location"] == f"/disputes/{lead.pk}/plan/review/"
    assert ResolutionPlan.objects.get(lead=lead).status == "submitted"


def test_a_plan_that_is_not_submitted_cannot_be_decided(ready_lead, leader_a, client_for):
    response = client_for(leader_a).post(
        f"/disputes/{ready_lead.pk}/plan/review/", review_form(ready_lead, decision="return")
    )

    assert response.status_code == 200
    assert "只有待审批的方案可以审批" in html_of(response)
    assert PlanReview.objects.count() == 1  # the approval made by the fixture


def test_a_lead_without_a_plan_has_no_review_page(make_lead, leader_a, client_for):
    assert client_for(leader_a).get(f"/disputes/{make_lead().pk}/plan/review/").status_code == 404


# --- editing a lead and its parties --------------------------------------------------------------------


def test_the_officer_edits_the_lead_and_reassigns_it(make_lead, officer_a, officer_a2, client_for):
    lead = make_lead()
    client = client_for(officer_a)
    assert "拖欠货款" in html_of(client.get(f"/disputes/{lead.pk}/edit/"))

    response = client.post(
        f"/disputes/{lead.pk}/edit/",
        lead_form(summary="欠款已部分归还", amount_at_stake="30000", assigned_officer=officer_a2.pk),
    )

    assert response.status_code == 302
    lead.refresh_from_db()
    assert (lead.summary, lead.amount_at_stake, lead.assigned_officer) == (
        "欠款已部分归还",
        Decimal("30000"),
        officer_a2,
    )


def test_parties_are_added_and_removed_on_the_lead_page(make_lead, officer_a, client_for):
    lead = make_lead()
    client = client_for(officer_a)

    response = client.post(
        f"/disputes/{lead.pk}/parties/",
        {"party-side": "party", "party-name": "赵母", "party-relation": "母亲", "party-phone": "13700002222"},
    )
    assert response.status_code == 302 and response["Location"] == f"/disputes/{lead.pk}/#parties"
    mother = LeadParty.objects.get(lead=lead, name="赵母")
    assert "137****2222" in html_of(client.get(f"/disputes/{lead.pk}/"))

    assert client.post(f"/disputes/{lead.pk}/parties/{mother.pk}/remove/").status_code == 302
    assert list(lead.parties.values_list("name", flat=True)) == ["宁波某建材公司"]


def test_a_party_without_a_name_is_refused_on_the_lead_page(make_lead, officer_a, client_for):
    lead = make_lead()

    response = client_for(officer_a).post(f"/disputes/{lead.pk}/parties/", {"party-side": "party", "party-name": ""})

    assert response.status_code == 200
    assert "该字段是必填项" in html_of(response)
    assert lead.parties.count() == 1


def test_a_closed_lead_can_no_longer_be_edited(make_lead, officer_a, client_for):
    lead = make_lead()
    services.move_lead(lead, DisputeLead.Status.WITHDRAWN, acting_user=officer_a)
    client = client_for(officer_a)

    edit = client.post(f"/disputes/{lead.pk}/edit/", lead_form(summary="改"))
    removal = client.post(f"/disputes/{lead.pk}/parties/{lead.parties.get().pk}/remove/", follow=True)

    assert "该线索已结案（已撤回），不能再修改" in html_of(edit)
    assert "该线索已结案（已撤回），不能再修改" in html_of(removal)
    lead.refresh_from_db()
    assert lead.summary.startswith("拖欠货款") and lead.parties.count() == 1
    detail = html_of(client.get(f"/disputes/{lead.pk}/"))
    assert f'href="/disputes/{lead.pk}/edit/"' not in detail


# --- refused input saves nothing --------------------------------------------------------------------------


def test_a_negative_amount_is_refused_in_chinese_and_nothing_is_saved(make_detention, officer_a, client_for):
    detention = make_detention()

    response = client_for(officer_a).post(f"/disputes/new/{detention.pk}/", lead_form(amount_at_stake="-1"))

    assert response.status_code == 200
    assert "涉及金额不能小于零" in html_of(response)
    assert not DisputeLead.objects.exists() and not LeadParty.objects.exists()


def test_a_party_row_without_a_name_is_refused_and_nothing_is_saved(make_detention, officer_a, client_for):
    detention = make_detention()

    response = client_for(officer_a).post(
        f"/disputes/new/{detention.pk}/", lead_form(party_2_relation="母亲", party_2_phone="13700002222")
    )

    assert response.status_code == 200
    assert "请填写当事人姓名或名称" in html_of(response)
    assert not DisputeLead.objects.exists()


def test_an_officer_of_another_centre_is_no_choice_for_the_assigned_officer(
    make_detention, officer_a, officer_b, client_for
):
    detention = make_detention()

    response = client_for(officer_a).post(f"/disputes/new/{detention.pk}/", lead_form(assigned_officer=officer_b.pk))

    assert response.status_code == 200
    assert "选择一个有效的选项" in html_of(response)
    assert not DisputeLead.objects.exists()


def test_a_plan_without_methods_is_refused(make_lead, officer_a, orgs, client_for):
    lead = make_lead()

    response = client_for(officer_a).post(f"/disputes/{lead.pk}/plan/", plan_form(orgs, methods=[]))

    assert response.status_code == 200
    assert "请至少选择一种化解方法" in html_of(response)
    assert not ResolutionPlan.objects.exists()
    lead.refresh_from_db()
    assert lead.status == "open"


def test_a_detention_centre_is_no_partner_agency_of_a_plan(make_lead, officer_a, orgs, client_for):
    lead = make_lead()
    client = client_for(officer_a)

    page = client.get(f"/disputes/{lead.pk}/plan/")
    response = client.post(f"/disputes/{lead.pk}/plan/", plan_form(orgs, agencies_needed=[orgs.centre_a.pk]))

    # The partners of the centre's county: no region node, no centre, nothing of another county.
    offered = set(page.context["form"].fields["agencies_needed"].queryset)
    assert offered == {orgs.court, orgs.enforcement_bureau, orgs.justice_bureau, orgs.law_firm}
    assert f'value="{orgs.justice_bureau.pk}"' in html_of(page)
    assert response.status_code == 200 and not ResolutionPlan.objects.exists()
    assert "选择一个有效的选项" in html_of(response)


@pytest.fixture
def mediating_lead(ready_lead, rooms, officer_a):
    book_session(ready_lead, rooms, officer_a)
    ready_lead.refresh_from_db()
    assert ready_lead.status == "mediating"
    return ready_lead


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"agreed_amount": "-100", "paid_amount": ""}, "约定金额不能小于零"),
        ({"paid_amount": "-1"}, "已履行金额不能小于零"),
        ({"agreed_amount": "10000", "paid_amount": "20000"}, "已履行金额不能大于约定金额"),
        ({"status": "unresolved", "family_reconciled": "on"}, "只有已化解或部分化解的线索可以记录化解成效"),
        ({"summary": "  "}, "该字段是必填项"),
        ({"agreed_amount": ""}, "执行和解请填写约定金额"),
        ({"status": "planning"}, "选择一个有效的选项"),
    ],
    ids=[
        "negative-agreed",
        "negative-paid",
        "paid-above-agreed",
        "effect-on-unresolved",
        "no-summary",
        "settled-without-amount",
        "not-a-closing-status",
    ],
)
def test_bad_outcome_input_shows_the_message_and_saves_nothing(
    mediating_lead, officer_a, client_for, overrides, message
):
    response = client_for(officer_a).post(f"/disputes/{mediating_lead.pk}/outcome/", outcome_form(**overrides))

    mediating_lead.refresh_from_db()
    assert response.status_code == 200
    assert message in html_of(response)
    assert mediating_lead.status == "mediating" and mediating_lead.closed_at is None
    assert not LeadOutcome.objects.exists()


def test_an_unresolved_lead_is_closed_without_effects(mediating_lead, officer_a, client_for):
    response = client_for(officer_a).post(
        f"/disputes/{mediating_lead.pk}/outcome/",
        outcome_form(status="unresolved", enforcement_settled="", agreed_amount="", paid_amount=""),
    )

    assert response.status_code == 302
    mediating_lead.refresh_from_db()
    assert mediating_lead.status == "unresolved" and not LeadOutcome.objects.get().enforcement_settled


def test_an_open_lead_cannot_be_closed_as_resolved(make_lead, officer_a, client_for):
    lead = make_lead()

    response = client_for(officer_a).post(f"/disputes/{lead.pk}/outcome/", outcome_form())

    assert response.status_code == 200
    assert "线索不能从“待处理”转为“已化解”" in html_of(response)
    lead.refresh_from_db()
    assert lead.status == "open" and not LeadOutcome.objects.exists()


def test_an_open_lead_can_be_withdrawn_without_effects(make_lead, officer_a, client_for):
    lead = make_lead()

    response = client_for(officer_a).post(
        f"/disputes/{lead.pk}/outcome/",
        {"status": "withdrawn", "summary": "当事人撤回", "agreed_amount": "", "paid_amount": ""},
    )

    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.status == "withdrawn" and LeadOutcome.objects.get(lead=lead).summary == "当事人撤回"


# --- escaping: what users type is shown as text ----------------------------------------------------------


def test_markup_typed_into_the_summary_party_and_plan_is_shown_escaped(
    make_detention, officer_a, leader_a, orgs, client_for
):
    detention = make_detention()
    client = client_for(officer_a)
    client.post(f"/disputes/new/{detention.pk}/", lead_form(summary=SCRIPT, party_1_name=IMG, party_1_relation=SCRIPT))
    lead = DisputeLead.objects.get()
    client.post(f"/disputes/{lead.pk}/plan/", plan_form(orgs, analysis=IMG, strategy=SCRIPT))
    client_for(leader_a).post(f"/disputes/{lead.pk}/plan/review/", review_form(lead, decision="return", comment=IMG))

    pages = {
        "list": html_of(client.get("/disputes/")),
        "detail": html_of(client.get(f"/disputes/{lead.pk}/")),
        "review": html_of(client_for(leader_a).get(f"/disputes/{lead.pk}/plan/review/")),
        "plan": html_of(client.get(f"/disputes/{lead.pk}/plan/")),
        "edit": html_of(client.get(f"/disputes/{lead.pk}/edit/")),
    }

    for name, html in pages.items():
        assert SCRIPT not in html and IMG not in html, name
    assert SCRIPT_ESCAPED in pages["list"]
    assert SCRIPT_ESCAPED in pages["detail"] and IMG_ESCAPED in pages["detail"]
    assert IMG_ESCAPED in pages["review"] and SCRIPT_ESCAPED in pages["review"]
    assert IMG_ESCAPED in pages["plan"]  # the leader's comment
    assert SCRIPT_ESCAPED in pages["edit"]  # back in the textarea, as text


# --- who may open which page ---------------------------------------------------------------------------------


@pytest.fixture
def lead_a(make_lead, officer_a, orgs):
    """A lead of centre A whose plan is submitted, so that every page has something to show."""
    lead = make_lead()
    services.save_plan(
        lead,
        analysis="分析",
        strategy="策略",
        methods=[ResolutionPlan.Method.LISTENING],
        agencies_needed=[orgs.justice_bureau],
        acting_user=officer_a,
    )
    return lead


def lead_urls(lead, orgs) -> list[tuple[str, str, dict]]:
    """(method, url, data) of every page of one lead, in an order that works for its own centre; the
    POSTs carry valid data, so a refusal is the access check's and not the form's."""
    pk, party = lead.pk, lead.parties.get()
    revision = ResolutionPlan.objects.get(lead=lead).revision
    return [
        ("get", f"/disputes/{pk}/", {}),
        ("get", f"/disputes/new/{lead.detention_id}/", {}),
        ("post", f"/disputes/new/{lead.detention_id}/", lead_form(category="debt")),
        ("get", f"/disputes/{pk}/edit/", {}),
        ("post", f"/disputes/{pk}/edit/", lead_form(summary="已更正")),
        ("post", f"/disputes/{pk}/parties/", {"party-side": "party", "party-name": "赵母"}),
        ("post", f"/disputes/{pk}/parties/{party.pk}/remove/", {}),
        ("get", f"/disputes/{pk}/plan/", {}),
        ("post", f"/disputes/{pk}/plan/", plan_form(orgs)),
        ("get", f"/disputes/{pk}/plan/review/", {}),
        # The plan POST just above makes the plan's next revision: that is the one the leader reviews.
        ("post", f"/disputes/{pk}/plan/review/", {"decision": "approve", "comment": "", "revision": revision + 1}),
        ("get", f"/disputes/{pk}/outcome/", {}),
        ("post", f"/disputes/{pk}/outcome/", {"status": "withdrawn", "summary": "撤回"}),
    ]


def snapshot(lead) -> tuple:
    lead.refresh_from_db()
    plan = ResolutionPlan.objects.get(lead=lead)
    return (
        lead.status,
        lead.summary,
        DisputeLead.objects.count(),
        LeadParty.objects.count(),
        plan.status,
        PlanReview.objects.count(),
        LeadOutcome.objects.count(),
    )


def test_an_officer_of_another_centre_gets_404_on_every_page_of_the_lead(lead_a, officer_b, orgs, client_for):
    client = client_for(officer_b)
    before = snapshot(lead_a)

    statuses = {
        (method, url): getattr(client, method)(url, data).status_code for method, url, data in lead_urls(lead_a, orgs)
    }

    assert statuses == dict.fromkeys(statuses, 404)
    assert snapshot(lead_a) == before
    # Their own list is open to them, without centre A's lead.
    listing = client.get("/disputes/")
    assert listing.status_code == 200 and listing.context["rows"] == []


def test_a_lead_that_does_not_exist_is_404(officer_a, client_for):
    assert client_for(officer_a).get("/disputes/999999/").status_code == 404


def test_the_officer_of_the_centre_uses_every_page_but_the_review(lead_a, officer_a, orgs, client_for):
    client = client_for(officer_a)

    statuses = [(url, getattr(client, method)(url, data).status_code) for method, url, data in lead_urls(lead_a, orgs)]

    refused = [(url, status) for url, status in statuses if status not in {200, 302}]
    assert refused == [(f"/disputes/{lead_a.pk}/plan/review/", 403)] * 2
    lead_a.refresh_from_db()
    assert lead_a.status == "withdrawn" and lead_a.summary == "已更正"
    assert DisputeLead.objects.count() == 2


def test_the_leader_of_the_centre_uses_every_page(lead_a, leader_a, orgs, client_for):
    client = client_for(leader_a)

    statuses = [(url, getattr(client, method)(url, data).status_code) for method, url, data in lead_urls(lead_a, orgs)]

    assert [(url, status) for url, status in statuses if status not in {200, 302}] == []
    plan = ResolutionPlan.objects.get(lead=lead_a)
    assert plan.status == "approved" and plan.decided_by == leader_a


@pytest.mark.parametrize("role", [role for role in Role if role not in {Role.OFFICER, Role.CENTRE_LEADER}], ids=str)
def test_every_other_role_is_refused_with_403(request, lead_a, orgs, client_for, role):
    client = client_for(request.getfixturevalue(PERSONA_OF_ROLE[role]))
    before = snapshot(lead_a)

    statuses = {
        (method, url): getattr(client, method)(url, data).status_code for method, url, data in lead_urls(lead_a, orgs)
    }
    statuses[("get", "/disputes/")] = client.get("/disputes/").status_code

    assert statuses == dict.fromkeys(statuses, 403)
    assert snapshot(lead_a) == before


def test_an_anonymous_visitor_is_sent_to_sign_in(lead_a, orgs, anonymous_client):
    before = snapshot(lead_a)

    for method, url, data in [("get", "/disputes/", {}), *lead_urls(lead_a, orgs)]:
        response = getattr(anonymous_client, method)(url, data)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/login/?next="), url
    assert snapshot(lead_a) == before


# --- the lead page fetches each relation once ---------------------------------------------------------------


def detail_queries(client, lead) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/disputes/{lead.pk}/").status_code == 200
    return len(queries)


def test_the_lead_page_costs_the_same_queries_however_much_it_shows(
    make_detention, make_lead, officer_a, leader_a, orgs, rooms, client_for
):
    client = client_for(officer_a)
    small = make_lead(make_detention())
    services.save_plan(small, analysis="分析", strategy="策略", methods=["listening"], acting_user=officer_a)

    large = make_lead(make_detention(name="钱芳", id_number=ID_WOMAN))
    for name in ("赵母", "赵父"):
        services.add_party(
            large, services.PartyInput(side="party", name=name, phone="13700002222"), acting_user=officer_a
        )
    plan = services.save_plan(
        large,
        analysis="分析",
        strategy="策略",
        methods=["listening", "legal_explanation"],
        agencies_needed=[orgs.court, orgs.justice_bureau],
        acting_user=officer_a,
    )
    services.review_plan(plan, approve=False, comment="请补充", acting_user=leader_a)
    plan = services.save_plan(large, analysis="补充", strategy="策略", methods=["listening"], acting_user=officer_a)
    services.review_plan(plan, approve=True, acting_user=leader_a)
    book_session(large, rooms, officer_a)
    services.schedule_session(
        large,
        mode="in_person",
        starts_at=SESSION_START + timedelta(hours=2),
        ends_at=SESSION_END + timedelta(hours=2),
        room=rooms["two"],
        acting_user=officer_a,
        now=BOOKED_AHEAD,
    )
    services.record_outcome(
        large,
        status="resolved",
        outcome=services.OutcomeInput(summary="已和解", family_reconciled=True),
        acting_user=officer_a,
    )

    assert detail_queries(client, small) == detail_queries(client, large)
