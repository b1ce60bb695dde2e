"""The dispatcher sends each due delivery once, retries failures from the row, and gives up loudly."""

from __future__ import annotations

import hashlib
import hmac
import threading
from collections import Counter
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from notifications.dispatch import dispatch_due, release_stale_claims
from notifications.models import Delivery
from notifications.services import Message, notify, notify_organization, set_channel_preferences
from notifications.tasks import dispatch_due_notifications

from .conftest import GATEWAY_TOKEN, WEBHOOK_SECRET, give_email, give_phone, needs_phone

NOTHING = {"sent": 0, "retry": 0, "failed": 0}


def to_justice_bureau(orgs, subject="新工单待签收", payload=None) -> Delivery:
    return notify_organization(
        "work_order.sent",
        organization=orgs.justice_bureau,
        build_message=lambda org: Message(subject=subject, body="请于一个工作日内签收", payload=payload or {}),
    )


@pytest.mark.django_db
def test_a_webhook_that_fails_twice_gets_the_notice_on_the_third_attempt(orgs, justice_webhook, receiver):
    receiver.answers = [500, 500]
    delivery = to_justice_bureau(orgs)
    now = timezone.now()

    assert dispatch_due(now) == {**NOTHING, "retry": 1}
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.PENDING, 1)
    assert delivery.next_attempt_at == now + timedelta(seconds=60)
    assert delivery.last_error.startswith("HTTP 500")

    # Just before the retry is due nothing is sent; at its time it is.
    assert dispatch_due(delivery.next_attempt_at - timedelta(microseconds=1)) == NOTHING
    assert len(receiver.received) == 1
    second = delivery.next_attempt_at
    assert dispatch_due(second) == {**NOTHING, "retry": 1}
    delivery.refresh_from_db()
    assert delivery.next_attempt_at == second + timedelta(seconds=120)  # the backoff doubles

    third = delivery.next_attempt_at
    assert dispatch_due(third) == {**NOTHING, "sent": 1}
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.sent_at) == (Delivery.Status.SENT, 3, third)
    assert len(receiver.received) == 3
    assert len({r.body for r in receiver.received}) == 1  # the same notice each time
    assert dispatch_due(third + timedelta(days=1)) == NOTHING  # and never again


@pytest.mark.django_db
def test_after_the_last_attempt_the_delivery_is_failed(settings, orgs, justice_webhook, receiver):
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    receiver.answers = [500, 503, 502]
    delivery = to_justice_bureau(orgs)

    now = timezone.now()
    for _attempt in range(3):
        dispatch_due(now)
        delivery.refresh_from_db()
        now = delivery.next_attempt_at

    assert (delivery.status, delivery.attempts) == (Delivery.Status.FAILED, 3)
    assert delivery.last_error.startswith("HTTP 502")
    assert dispatch_due(now + timedelta(days=1)) == NOTHING
    assert len(receiver.received) == 3


@pytest.mark.django_db
def test_the_webhook_is_signed_and_shaped_for_a_government_messaging_app(orgs, justice_webhook, receiver):
    delivery = to_justice_bureau(orgs, payload={"work_order": 42})

    dispatch_due(timezone.now())

    (request,) = receiver.received
    assert request.path == "/hook"
    expected = hmac.new(WEBHOOK_SECRET.encode(), request.body, hashlib.sha256).hexdigest()
    assert request.headers["X-Signature"] == f"sha256={expected}"
    assert request.headers["Content-Type"].startswith("application/json")
    message = request.json()
    assert message["msgtype"] == "text"
    assert message["text"]["content"] == "新工单待签收\n请于一个工作日内签收"
    assert (message["id"], message["event"], message["data"]) == (delivery.pk, "work_order.sent", {"work_order": 42})


@pytest.mark.django_db
def test_email_lands_in_the_outbox(officer_a, mailoutbox):
    give_email(officer_a, "zhangming@example.gov.cn")
    notify("x", recipients=[officer_a], build_message=lambda r: Message(subject="评估到期", body="请完成成效评估"))

    assert dispatch_due(timezone.now()) == {**NOTHING, "sent": 1}

    (mail,) = mailoutbox
    assert (mail.subject, mail.body, mail.to) == ("评估到期", "请完成成效评估", ["zhangming@example.gov.cn"])


@needs_phone
@pytest.mark.django_db
def test_sms_goes_to_the_gateway_with_its_token(officer_a, sms_gateway):
    give_phone(officer_a, "13800001234")
    set_channel_preferences(officer_a, enabled={"sms": True})
    notify("x", recipients=[officer_a], build_message=lambda r: Message(subject="工单超期", body="请尽快处理"))

    assert dispatch_due(timezone.now()) == {**NOTHING, "sent": 1}

    (request,) = sms_gateway.received
    assert request.path == "/sms"
    assert request.headers["Authorization"] == f"Bearer {GATEWAY_TOKEN}"
    assert request.json()["phone"] == "13800001234"
    assert request.json()["content"] == "工单超期\n请尽快处理"


@pytest.mark.django_db
def test_a_recipient_who_lost_the_address_fails_at_once(officer_a, mailoutbox):
    give_email(officer_a, "zhangming@example.gov.cn")
    notify("x", recipients=[officer_a], build_message=lambda r: Message(subject="s"))
    give_email(officer_a, "")

    assert dispatch_due(timezone.now()) == {**NOTHING, "failed": 1}
    assert Delivery.objects.get().last_error == "the recipient has no e-mail address"
    assert mailoutbox == []


@pytest.mark.django_db
def test_a_refused_redirect_is_a_failure(orgs, justice_webhook, receiver):
    receiver.answers = [302]
    to_justice_bureau(orgs)

    assert dispatch_due(timezone.now()) == {**NOTHING, "retry": 1}
    assert Delivery.objects.get().last_error.startswith("HTTP 302")


@pytest.mark.django_db
def test_it_releases_claims_of_dead_workers(settings, orgs, justice_webhook):
    settings.NOTIFICATION_CLAIM_TIMEOUT_SECONDS = 600
    now = timezone.now()
    cutoff = now - timedelta(seconds=600)
    stale, fresh, last = (to_justice_bureau(orgs) for _ in range(3))
    Delivery.objects.filter(pk=stale.pk).update(status="sending", attempts=1, claimed_at=cutoff - timedelta(seconds=1))
    Delivery.objects.filter(pk=fresh.pk).update(status="sending", attempts=1, claimed_at=cutoff)
    Delivery.objects.filter(pk=last.pk).update(
        status="sending", attempts=5, max_attempts=5, claimed_at=cutoff - timedelta(seconds=1)
    )

    assert release_stale_claims(now) == 2

    stale.refresh_from_db()
    fresh.refresh_from_db()
    last.refresh_from_db()
    assert (stale.status, stale.next_attempt_at) == (Delivery.Status.PENDING, now)
    assert fresh.status == Delivery.Status.SENDING
    assert last.status == Delivery.Status.FAILED


@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_at_the_same_time_deliver_each_row_once(orgs, justice_webhook, receiver):
    with transaction.atomic():
        deliveries = [to_justice_bureau(orgs, subject=f"通知 {n}") for n in range(12)]
    now = timezone.now()
    start = threading.Barrier(2)
    outcomes = []

    def dispatcher() -> None:
        try:  # each thread has its own database connection
            start.wait(timeout=10)
            outcomes.append(dispatch_due(now))
        finally:
            connection.close()

    threads = [threading.Thread(target=dispatcher) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(outcomes) == 2, "a dispatcher failed or hung"
    assert Counter(r.json()["id"] for r in receiver.received) == Counter(d.pk for d in deliveries)
    assert sum(outcome["sent"] for outcome in outcomes) == 12
    assert set(Delivery.objects.values_list("status", flat=True)) == {Delivery.Status.SENT}


@pytest.mark.django_db
def test_the_beat_task_and_the_command_send_what_is_due(officer_a, mailoutbox):
    give_email(officer_a, "zhangming@example.gov.cn")
    notify("x", recipients=[officer_a], build_message=lambda r: Message(subject="第一条"))
    assert dispatch_due_notifications() == {**NOTHING, "sent": 1}

    notify("x", recipients=[officer_a], build_message=lambda r: Message(subject="第二条"))
    output = StringIO()
    call_command("dispatch_notifications", stdout=output)

    assert [mail.subject for mail in mailoutbox] == ["第一条", "第二条"]
    assert "sent 1" in output.getvalue()
