"""The life of a work order through the services: each transition, each refusal, the due times."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from notifications.models import InboxMessage
from referrals import services
from referrals.models import WorkOrder, WorkOrderEvent
from tests.detainees.conftest import local

from .conftest import CONSENT, FEEDBACK_DUE, RECEIPT_DUE, RECEIVED_AT, SENT_AT

S = WorkOrder.Status
pytestmark = pytest.mark.django_db
FEEDBACK = services.FeedbackInput(
    outcome=WorkOrder.Outcome.RESOLVED,
    summary="促成分期履行的执行和解",
    agreed_amount=Decimal("50000"),
    paid_amount=Decimal("20000"),
)


def test_a_referral_sends_one_work_order_per_partner_with_its_receipt_due(refer, orgs, court_staff, justice_clerk):
    court_order, justice_order = refer(orgs.enforcement_bureau, orgs.justice_bureau)
    for order in (court_order, justice_order):
        assert order.status == S.SENT
        assert order.sent_at == SENT_AT
        assert order.receipt_due_at == RECEIPT_DUE
    assert court_order.referral_id == justice_order.referral_id
    assert list(WorkOrderEvent.objects.filter(order=court_order).values_list("from_status", "to_status")) == [
        (S.DRAFT, S.SENT)
    ]
    # Each partner's staff are told (the court's staff see their enforcement bureau's orders).
    assert InboxMessage.objects.filter(user=justice_clerk, kind="work_order_sent").count() == 1


def test_receipt_sets_the_feedback_due_five_working_days_later(enforcement_order, court_staff):
    order = services.receive_work_order(enforcement_order, acting_user=court_staff, now=RECEIVED_AT)
    assert order.status == S.RECEIVED
    assert order.feedback_due_at == FEEDBACK_DUE
    # Received twice (a double click, a colleague): the first receipt stands.
    again = services.receive_work_order(order, acting_user=court_staff, now=local(2026, 3, 5, 10, 0))
    assert again.received_at == RECEIVED_AT
    assert order.events.count() == 2


def test_the_whole_loop_ends_in_acceptance(enforcement_order, court_staff, officer_a):
    services.receive_work_order(enforcement_order, acting_user=court_staff, now=RECEIVED_AT)
    services.post_message(enforcement_order, body="请提供被执行人的还款计划", acting_user=court_staff, now=RECEIVED_AT)
    enforcement_order.refresh_from_db()
    assert enforcement_order.status == S.IN_PROGRESS  # the partner's first message starts the work
    order = services.submit_feedback(enforcement_order, FEEDBACK, acting_user=court_staff, now=local(2026, 3, 9, 9))
    assert order.status == S.FEEDBACK_SUBMITTED
    assert order.feedbacks.get().on_time is True
    order = services.accept_feedback(order, rating=5, acting_user=officer_a, now=local(2026, 3, 9, 15))
    assert order.status == S.CLOSED
    assert order.rating == 5
    assert order.partner_access_until is not None


def test_feedback_before_receipt_is_refused_and_changes_nothing(enforcement_order, court_staff):
    with pytest.raises(ValidationError, match="请先签收"):
        services.submit_feedback(enforcement_order, FEEDBACK, acting_user=court_staff, now=RECEIVED_AT)
    enforcement_order.refresh_from_db()
    assert enforcement_order.status == S.SENT
    assert not enforcement_order.feedbacks.exists()


def test_enforcement_feedback_needs_its_amounts(enforcement_order, court_staff):
    services.receive_work_order(enforcement_order, acting_user=court_staff, now=RECEIVED_AT)
    with pytest.raises(ValidationError) as refused:
        services.submit_feedback(
            enforcement_order,
            services.FeedbackInput(outcome=WorkOrder.Outcome.RESOLVED, summary="已和解"),
            acting_user=court_staff,
            now=RECEIVED_AT,
        )
    assert set(refused.value.message_dict) == {"agreed_amount", "paid_amount"}


def test_a_double_feedback_stands_once(enforcement_order, court_staff):
    services.receive_work_order(enforcement_order, acting_user=court_staff, now=RECEIVED_AT)
    services.submit_feedback(enforcement_order, FEEDBACK, acting_user=court_staff, now=RECEIVED_AT)
    services.submit_feedback(enforcement_order, FEEDBACK, acting_user=court_staff, now=RECEIVED_AT)
    assert enforcement_order.feedbacks.count() == 1


def test_sending_to_a_non_state_partner_needs_consent(refer, orgs):
    with pytest.raises(ValidationError, match="须先记录当事人同意"):
        refer(orgs.law_firm, kind=WorkOrder.Kind.LEGAL_AID)
    assert not WorkOrder.objects.exists()


def test_with_consent_the_lawyer_gets_the_order(lawyer_order):
    assert lawyer_order.consent.given_by == CONSENT.given_by
    assert lawyer_order.status == S.SENT


def test_another_organization_cannot_act_on_the_order(enforcement_order, justice_clerk, lawyer):
    for outsider in (justice_clerk, lawyer):
        with pytest.raises(PermissionDenied):
            services.receive_work_order(enforcement_order, acting_user=outsider, now=RECEIVED_AT)
    enforcement_order.refresh_from_db()
    assert enforcement_order.status == S.SENT


def test_a_centre_officer_of_another_centre_cannot_cancel(enforcement_order, officer_b):
    with pytest.raises(PermissionDenied):
        services.cancel_work_order(enforcement_order, reason="误发", acting_user=officer_b, now=RECEIVED_AT)


def test_the_same_submission_token_sends_once(refer, orgs, lead):
    token = "6b1f3c9e-6c2d-4a53-9e55-1f0c8a3f7a10"
    refer(orgs.enforcement_bureau, token=token)
    refer(orgs.enforcement_bureau, token=token)
    assert WorkOrder.objects.filter(lead=lead).count() == 1


def test_a_second_open_order_to_the_same_partner_is_refused(refer, orgs):
    refer(orgs.enforcement_bureau)
    with pytest.raises(ValidationError, match="已有本线索的在办工单"):
        refer(orgs.enforcement_bureau)


def test_return_before_work_starts_with_a_reason(enforcement_order, court_staff):
    with pytest.raises(ValidationError):
        services.return_work_order(enforcement_order, reason="  ", acting_user=court_staff, now=RECEIVED_AT)
    order = services.return_work_order(
        enforcement_order, reason="不属于本院管辖", acting_user=court_staff, now=RECEIVED_AT
    )
    assert order.status == S.RETURNED
    assert order.return_reason == "不属于本院管辖"


def test_more_work_reopens_the_feedback_due(enforcement_order, court_staff, officer_a):
    services.receive_work_order(enforcement_order, acting_user=court_staff, now=RECEIVED_AT)
    services.submit_feedback(enforcement_order, FEEDBACK, acting_user=court_staff, now=local(2026, 3, 6, 9))
    order = services.request_more_work(
        enforcement_order, note="请补充履行凭证", acting_user=officer_a, now=local(2026, 3, 9, 10)
    )
    assert order.status == S.IN_PROGRESS
    # Monday 9 March: the fifth working day after it is Monday 16 March.
    assert order.feedback_due_at == local(2026, 3, 16, 23, 59, 59, 999999)


def test_a_closed_order_cannot_be_cancelled(enforcement_order, court_staff, officer_a):
    services.receive_work_order(enforcement_order, acting_user=court_staff, now=RECEIVED_AT)
    services.submit_feedback(enforcement_order, FEEDBACK, acting_user=court_staff, now=RECEIVED_AT)
    services.accept_feedback(enforcement_order, rating=4, acting_user=officer_a, now=RECEIVED_AT)
    with pytest.raises(ValidationError):
        services.cancel_work_order(enforcement_order, reason="撤回", acting_user=officer_a, now=RECEIVED_AT)
