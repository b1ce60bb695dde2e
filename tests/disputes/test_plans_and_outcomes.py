"""The one-person-one-plan and its approval, outcomes with their effects, agreements and judicial
confirmation, through disputes.services: refused input saves nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from disputes import services
from disputes.models import (
    Agreement,
    DisputeLead,
    JudicialConfirmation,
    LeadOutcome,
    LeadTransition,
    PlanReview,
    ResolutionPlan,
)
from notifications.models import InboxMessage
from tests.disputes.conftest import BOOKED_AHEAD, SESSION_END, SESSION_START

pytestmark = pytest.mark.django_db

S = DisputeLead.Status
M = ResolutionPlan.Method


def plan_for(lead, user, *, submit=True, **changes):
    fields = dict(
        analysis="双方积怨已久，经济纠纷是主因",
        strategy="先释法，再请村委会参与调解",
        methods=[M.LISTENING, M.LEGAL_EXPLANATION],
        submit=submit,
        acting_user=user,
    )
    fields.update(changes)
    return services.save_plan(lead, **fields)


def test_submitting_a_plan_moves_the_lead_to_planning_and_tells_the_leaders(make_lead, officer_a, leader_a):
    lead = make_lead()

    plan = plan_for(lead, officer_a)

    lead.refresh_from_db()
    assert (plan.status, plan.author, lead.status) == (ResolutionPlan.Status.SUBMITTED, officer_a, S.PLANNING)
    assert InboxMessage.objects.filter(user=leader_a, kind="plan_submitted").count() == 1


def test_a_draft_is_not_sent_for_approval(make_lead, officer_a, leader_a):
    plan = plan_for(make_lead(), officer_a, submit=False)

    assert plan.status == ResolutionPlan.Status.DRAFT
    assert not InboxMessage.objects.filter(user=leader_a).exists()
    with pytest.raises(ValidationError, match="只有待审批的方案可以审批"):
        services.review_plan(plan, approve=True, acting_user=leader_a)


def test_a_plan_needs_analysis_strategy_and_a_method(make_lead, officer_a):
    lead = make_lead()

    with pytest.raises(ValidationError) as caught:
        plan_for(lead, officer_a, analysis=" ", strategy="", methods=[])

    assert set(caught.value.message_dict) == {"analysis", "strategy", "methods"}
    lead.refresh_from_db()
    assert lead.status == S.OPEN
    assert not ResolutionPlan.objects.exists()


def test_a_facility_is_not_a_partner_agency(make_lead, officer_a, orgs):
    with pytest.raises(ValidationError) as caught:
        plan_for(make_lead(), officer_a, agencies_needed=[orgs.centre_b])

    assert "agencies_needed" in caught.value.message_dict


def test_the_leader_returns_a_plan_with_a_comment_and_the_officer_resubmits(make_lead, officer_a, leader_a, orgs):
    lead = make_lead()
    plan = plan_for(lead, officer_a, agencies_needed=[orgs.justice_bureau])

    with pytest.raises(ValidationError) as caught:
        services.review_plan(plan, approve=False, comment="", acting_user=leader_a)
    assert "comment" in caught.value.message_dict

    returned = services.review_plan(plan, approve=False, comment="请补充家属情况", acting_user=leader_a)
    assert returned.status == ResolutionPlan.Status.RETURNED
    assert InboxMessage.objects.filter(user=officer_a, kind="plan_reviewed").count() == 1

    resubmitted = plan_for(lead, officer_a, analysis="补充：其母愿意协助")
    approved = services.review_plan(resubmitted, approve=True, acting_user=leader_a)

    assert approved.status == ResolutionPlan.Status.APPROVED
    assert list(approved.agencies_needed.all()) == []  # the resubmission named no agency
    assert [review.decision for review in PlanReview.objects.filter(plan=plan)] == ["returned", "approved"]


def test_changing_an_approved_plan_sends_it_back_for_approval(ready_lead, officer_a):
    plan = plan_for(ready_lead, officer_a, strategy="改为先联系家属")

    assert plan.status == ResolutionPlan.Status.SUBMITTED


def test_an_unknown_method_is_named(make_lead, officer_a):
    with pytest.raises(ValidationError) as caught:
        plan_for(make_lead(), officer_a, methods=[M.LISTENING, "hypnosis"])

    assert caught.value.message_dict["methods"] == ["未知的化解方法：hypnosis"]


def test_a_plan_changed_after_the_leader_opened_it_is_not_approved_unseen(make_lead, officer_a, leader_a):
    lead = make_lead()
    read = plan_for(lead, officer_a).revision  # what the review page showed the leader
    plan_for(lead, officer_a, strategy="改为先联系家属")  # changed (and submitted again) meanwhile

    with pytest.raises(ValidationError, match="方案在您打开后已被修改") as caught:
        services.review_plan(ResolutionPlan.objects.get(lead=lead), approve=True, revision=read, acting_user=leader_a)

    assert caught.value.code == "stale"
    plan = ResolutionPlan.objects.get(lead=lead)
    assert (plan.status, plan.revision) == (ResolutionPlan.Status.SUBMITTED, read + 1)
    assert not PlanReview.objects.exists()
    approved = services.review_plan(plan, approve=True, revision=read + 1, acting_user=leader_a)
    assert (approved.status, approved.strategy) == (ResolutionPlan.Status.APPROVED, "改为先联系家属")


def test_saving_a_draft_withdraws_a_submitted_plan_from_review(make_lead, officer_a, leader_a):
    lead = make_lead()
    plan_for(lead, officer_a)

    draft = plan_for(lead, officer_a, strategy="还在斟酌", submit=False)

    assert draft.status == ResolutionPlan.Status.DRAFT
    with pytest.raises(ValidationError, match="只有待审批的方案可以审批"):
        services.review_plan(draft, approve=True, acting_user=leader_a)


def test_saving_a_draft_of_an_approved_plan_takes_the_approval_back(ready_lead, officer_a, rooms):
    plan_for(ready_lead, officer_a, strategy="还在斟酌", submit=False)

    with pytest.raises(ValidationError, match="经所领导批准后才能安排调解"):
        services.schedule_session(
            ready_lead,
            mode="phone",
            starts_at=SESSION_START,
            ends_at=SESSION_END,
            acting_user=officer_a,
            now=BOOKED_AHEAD,
        )


def test_a_closed_lead_takes_no_plan(make_lead, officer_a):
    lead = services.move_lead(make_lead(), S.WITHDRAWN, acting_user=officer_a)

    with pytest.raises(ValidationError, match="该线索已结案"):
        plan_for(lead, officer_a)


# --- outcomes ------------------------------------------------------------------------------------


@pytest.fixture
def mediating_lead(session_booked):
    session_booked.lead.refresh_from_db()
    return session_booked.lead


SETTLED = services.OutcomeInput(
    summary="双方达成执行和解，分三期付清",
    enforcement_settled=True,
    agreed_amount=Decimal("50000"),
    paid_amount=Decimal("20000"),
    petition_withdrawn=True,
)


def test_a_resolved_outcome_closes_the_lead_with_its_effects(mediating_lead, officer_a):
    outcome = services.record_outcome(mediating_lead, status=S.RESOLVED, outcome=SETTLED, acting_user=officer_a)

    mediating_lead.refresh_from_db()
    assert mediating_lead.status == S.RESOLVED
    assert mediating_lead.closed_at is not None
    assert (outcome.enforcement_settled, outcome.agreed_amount, outcome.paid_amount) == (True, 50000, 20000)
    # The court case number comes from the lead when the outcome does not give one.
    assert outcome.court_case_number == "（2026）浙0281执123号"
    assert LeadTransition.objects.filter(lead=mediating_lead).last().to_status == S.RESOLVED


@pytest.mark.parametrize(
    "status, outcome, field",
    [
        (S.MEDIATING, SETTLED, "status"),  # not a closed state
        (S.UNRESOLVED, SETTLED, "status"),  # effects of an unresolved lead
        (S.RESOLVED, services.OutcomeInput(summary="x", agreed_amount=Decimal("-1")), "agreed_amount"),
        (S.RESOLVED, services.OutcomeInput(summary="x", paid_amount=Decimal("-0.01")), "paid_amount"),
        (
            S.RESOLVED,
            services.OutcomeInput(summary="x", agreed_amount=Decimal("100"), paid_amount=Decimal("100.01")),
            "paid_amount",
        ),
        (S.RESOLVED, services.OutcomeInput(summary="x", enforcement_settled=True), "agreed_amount"),
        (S.RESOLVED, services.OutcomeInput(summary=" "), "summary"),
    ],
)
def test_bad_outcomes_are_refused_and_nothing_changes(mediating_lead, officer_a, status, outcome, field):
    with pytest.raises(ValidationError) as caught:
        services.record_outcome(mediating_lead, status=status, outcome=outcome, acting_user=officer_a)

    assert field in caught.value.message_dict
    mediating_lead.refresh_from_db()
    assert mediating_lead.status == S.MEDIATING
    assert not LeadOutcome.objects.exists()


def test_an_outcome_out_of_order_is_refused(make_lead, officer_a):
    lead = make_lead()

    with pytest.raises(ValidationError, match="线索不能从“待处理”转为“已化解”"):
        services.record_outcome(
            lead, status=S.RESOLVED, outcome=services.OutcomeInput(summary="x"), acting_user=officer_a
        )
    assert not LeadOutcome.objects.exists()


def test_an_open_lead_can_be_withdrawn_with_an_outcome(make_lead, officer_a):
    outcome = services.record_outcome(
        make_lead(), status=S.WITHDRAWN, outcome=services.OutcomeInput(summary="当事人撤回"), acting_user=officer_a
    )

    assert outcome.lead.status == S.WITHDRAWN


def test_a_second_outcome_is_refused(mediating_lead, officer_a):
    services.record_outcome(mediating_lead, status=S.RESOLVED, outcome=SETTLED, acting_user=officer_a)

    with pytest.raises(ValidationError, match="该线索已结案"):
        services.record_outcome(mediating_lead, status=S.UNRESOLVED, outcome=SETTLED, acting_user=officer_a)


# --- agreements and judicial confirmation --------------------------------------------------------------


def agreement_for(lead, user, **changes):
    fields = dict(
        facts="申请执行人与被执行人因货款发生纠纷",
        terms="一、被执行人于2026年4月30日前支付人民币五万元。\n二、双方再无其他纠纷。",
        signed_on=date(2026, 3, 11),
        signatories=[services.SignatoryInput("甲方", "宁波某建材公司"), services.SignatoryInput("乙方", "赵建军")],
        agreed_amount=Decimal("50000"),
        paid_amount=Decimal("0"),
        acting_user=user,
    )
    fields.update(changes)
    return services.save_agreement(lead, **fields)


@pytest.fixture
def resolved_lead(mediating_lead, officer_a):
    services.record_outcome(mediating_lead, status=S.RESOLVED, outcome=SETTLED, acting_user=officer_a)
    mediating_lead.refresh_from_db()
    return mediating_lead


def test_an_agreement_is_numbered_per_centre_and_year(resolved_lead, officer_a, settings):
    agreement = agreement_for(resolved_lead, officer_a)

    assert agreement.number == "330281-JLS调〔2026〕1号"
    assert [(s.role, s.name) for s in agreement.signatories.all()] == [("甲方", "宁波某建材公司"), ("乙方", "赵建军")]
    assert agreement.revision == 1


def test_changing_the_agreement_bumps_its_revision(resolved_lead, officer_a):
    agreement_for(resolved_lead, officer_a)

    changed = agreement_for(resolved_lead, officer_a, terms="一、分两期支付。")

    assert (changed.revision, changed.terms, changed.number) == (2, "一、分两期支付。", "330281-JLS调〔2026〕1号")
    assert Agreement.objects.count() == 1


@pytest.mark.parametrize("status", [S.OPEN, S.PLANNING, S.MEDIATING, S.UNRESOLVED, S.WITHDRAWN])
def test_there_is_no_agreement_for_a_lead_that_is_not_resolved(make_lead, officer_a, status):
    lead = make_lead()
    route = {
        S.OPEN: [],
        S.PLANNING: [S.PLANNING],
        S.MEDIATING: [S.PLANNING, S.MEDIATING],
        S.UNRESOLVED: [S.PLANNING, S.MEDIATING, S.UNRESOLVED],
        S.WITHDRAWN: [S.WITHDRAWN],
    }[status]
    for step in route:
        lead = services.move_lead(lead, step, acting_user=officer_a)

    with pytest.raises(ValidationError, match="只有已化解或部分化解的线索可以制作调解协议书"):
        agreement_for(lead, officer_a)
    assert not Agreement.objects.exists()


def test_an_agreement_refuses_negative_amounts_and_one_signatory(resolved_lead, officer_a):
    with pytest.raises(ValidationError) as caught:
        agreement_for(
            resolved_lead,
            officer_a,
            agreed_amount=Decimal("-5"),
            signatories=[services.SignatoryInput("甲方", "宁波某建材公司"), services.SignatoryInput("乙方", " ")],
        )

    assert set(caught.value.message_dict) == {"agreed_amount", "signatories"}
    assert not Agreement.objects.exists()


def test_the_court_confirms_or_refuses_a_judicial_confirmation(resolved_lead, officer_a, court_staff, orgs):
    agreement = agreement_for(resolved_lead, officer_a)

    requested = services.request_judicial_confirmation(agreement, court=orgs.court, acting_user=officer_a)
    assert InboxMessage.objects.filter(user=court_staff, kind="judicial_confirmation_requested").count() == 1
    with pytest.raises(ValidationError, match="已申请司法确认"):
        services.request_judicial_confirmation(agreement, court=orgs.court, acting_user=officer_a)
    with pytest.raises(ValidationError) as caught:
        services.decide_judicial_confirmation(requested, confirm=False, note="", acting_user=court_staff)
    assert "note" in caught.value.message_dict

    refused = services.decide_judicial_confirmation(
        requested, confirm=False, note="协议内容违反法律规定", acting_user=court_staff
    )
    assert refused.status == JudicialConfirmation.Status.REFUSED
    again = services.request_judicial_confirmation(agreement, court=orgs.court, acting_user=officer_a)
    confirmed = services.decide_judicial_confirmation(again, confirm=True, acting_user=court_staff)
    assert (confirmed.status, confirmed.decided_by) == (JudicialConfirmation.Status.CONFIRMED, court_staff)


def test_judicial_confirmation_goes_to_a_court_only(resolved_lead, officer_a, orgs):
    agreement = agreement_for(resolved_lead, officer_a)

    with pytest.raises(ValidationError):
        services.request_judicial_confirmation(agreement, court=orgs.justice_bureau, acting_user=officer_a)
    assert not JudicialConfirmation.objects.exists()


def test_a_court_of_another_county_cannot_confirm(resolved_lead, officer_a, orgs):
    from accounts.services import create_organization

    cixi_court = create_organization(
        name="慈溪市人民法院", kind="court", code="330282-FY", region_code="330282", parent=orgs.cixi
    )
    agreement = agreement_for(resolved_lead, officer_a)

    with pytest.raises(ValidationError) as caught:
        services.request_judicial_confirmation(agreement, court=cixi_court, acting_user=officer_a)

    assert caught.value.message_dict == {"court": ["请选择本县（市、区）受理司法确认的法院"]}


def test_an_agreement_sent_for_confirmation_is_frozen_until_refused(resolved_lead, officer_a, court_staff, orgs):
    agreement = agreement_for(resolved_lead, officer_a)
    confirmation = services.request_judicial_confirmation(agreement, court=orgs.court, acting_user=officer_a)

    with pytest.raises(ValidationError, match="协议书已申请司法确认（已申请），不能再修改"):
        agreement_for(resolved_lead, officer_a, terms="改过的条款")

    services.decide_judicial_confirmation(confirmation, confirm=False, note="条款不明确", acting_user=court_staff)
    assert agreement_for(resolved_lead, officer_a, terms="改过的条款").revision == 2


def test_closing_a_lead_cancels_its_sessions_still_ahead(mediating_lead, officer_a):
    from datetime import timedelta

    from disputes.models import MediationSession, SessionParticipant

    session = mediating_lead.sessions.get()
    services.record_outcome(
        mediating_lead,
        status=S.UNRESOLVED,
        outcome=services.OutcomeInput(summary="对方拒绝调解"),
        cancel_sessions=[session.pk],
        acting_user=officer_a,
        now=session.starts_at - timedelta(minutes=1),
    )

    session.refresh_from_db()
    assert (session.status, session.cancel_reason) == (MediationSession.Status.CANCELLED, "线索已结案")
    assert not SessionParticipant.objects.filter(session=session, active=True).exists()


def test_a_session_already_started_stays_when_the_lead_closes(mediating_lead, officer_a):
    from disputes.models import MediationSession

    session = mediating_lead.sessions.get()
    services.record_outcome(
        mediating_lead, status=S.RESOLVED, outcome=SETTLED, acting_user=officer_a, now=session.starts_at
    )

    session.refresh_from_db()
    assert session.status == MediationSession.Status.SCHEDULED
