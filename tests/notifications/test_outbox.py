"""notify() writes the outbox in the caller's transaction, per recipient and per chosen channel."""

from __future__ import annotations

import pytest
from django.db import transaction

from accounts.access import current_membership
from notifications.models import Channel, Delivery, InboxMessage
from notifications.services import Message, notify, notify_organization, set_channel_preferences

from .conftest import give_email, give_phone, needs_phone

pytestmark = pytest.mark.django_db


def plain(recipient) -> Message:
    return Message(subject="新工单待签收", body="矛盾线索：邻里纠纷", link="/inbox/")


def test_it_writes_inbox_and_outbox_rows_in_the_callers_transaction(officer_a, dispatcher_wakeups):
    give_email(officer_a, "zhangming@example.gov.cn")

    with pytest.raises(RuntimeError), transaction.atomic():
        notify("work_order.sent", recipients=[officer_a], build_message=plain)
        assert Delivery.objects.count() == 1  # written, inside the transaction
        raise RuntimeError("the event's transaction fails")

    assert not InboxMessage.objects.exists()
    assert not Delivery.objects.exists()
    assert dispatcher_wakeups == []


def test_it_sends_nothing_before_the_commit_and_wakes_the_dispatcher_after(
    officer_a, dispatcher_wakeups, django_capture_on_commit_callbacks, mailoutbox
):
    give_email(officer_a, "zhangming@example.gov.cn")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notify("work_order.sent", recipients=[officer_a], build_message=plain)
        assert dispatcher_wakeups == []
        assert Delivery.objects.get().status == Delivery.Status.PENDING

    assert len(callbacks) == 1
    assert dispatcher_wakeups == [()]
    assert mailoutbox == []  # sending is the dispatcher's job, not the event's


def test_it_builds_the_message_for_each_recipient_alone(orgs, lawyer, officer_a):
    give_email(lawyer, "wu@yaojiang-law.example.com")
    give_email(officer_a, "zhangming@example.gov.cn")

    def build(recipient) -> Message:
        # What a caller does (DESIGN.md §5): a non-state partner learns nothing of the detention.
        dispute = {"dispute": "债务纠纷", "party": "李某"}
        if current_membership(recipient).organization.is_state_organ:
            return Message(
                subject="调解安排",
                body="被拘留人李某，余姚市拘留所 3 号监室",
                payload={**dispute, "facility": "余姚市拘留所", "cell": "3"},
            )
        return Message(subject="调解安排", body="当事人李某的债务纠纷", payload=dispute)

    notify("session.scheduled", recipients=[lawyer, officer_a], build_message=build)

    lawyer_row = Delivery.objects.get(recipient=lawyer)
    officer_row = Delivery.objects.get(recipient=officer_a)
    assert lawyer_row.payload == {"dispute": "债务纠纷", "party": "李某"}
    assert "拘留" not in lawyer_row.body
    assert officer_row.payload == {"dispute": "债务纠纷", "party": "李某", "facility": "余姚市拘留所", "cell": "3"}
    assert "拘留" not in InboxMessage.objects.get(user=lawyer).body
    assert "监室" in InboxMessage.objects.get(user=officer_a).body


def test_it_tells_nobody_the_builder_leaves_out(officer_a, lawyer):
    notify("x", recipients=[officer_a, lawyer], build_message=lambda r: None if r == lawyer else plain(r))

    assert list(InboxMessage.objects.values_list("user", flat=True)) == [officer_a.pk]


def test_it_skips_deactivated_users_and_duplicates(officer_a, leader_a):
    leader_a.is_active = False
    leader_a.save(update_fields=["is_active"])

    assert notify("x", recipients=[officer_a, officer_a, leader_a], build_message=plain) == 1
    assert InboxMessage.objects.get().user == officer_a


def test_it_uses_email_by_default_and_never_a_channel_without_an_address(officer_a, leader_a):
    give_email(officer_a, "zhangming@example.gov.cn")  # the leader has no e-mail address

    notify("x", recipients=[officer_a, leader_a], build_message=plain)

    assert InboxMessage.objects.count() == 2  # the inbox is always on
    assert list(Delivery.objects.values_list("recipient", "channel")) == [(officer_a.pk, Channel.EMAIL)]


def test_it_respects_a_user_who_switched_email_off(officer_a):
    give_email(officer_a, "zhangming@example.gov.cn")
    set_channel_preferences(officer_a, enabled={"email": False})

    notify("x", recipients=[officer_a], build_message=plain)

    assert InboxMessage.objects.count() == 1
    assert not Delivery.objects.exists()


@needs_phone
def test_sms_is_off_by_default_and_on_by_choice(officer_a, sms_gateway):
    give_phone(officer_a, "13800001234")

    notify("x", recipients=[officer_a], build_message=plain)
    assert not Delivery.objects.exists()

    set_channel_preferences(officer_a, enabled={"sms": True})
    notify("x", recipients=[officer_a], build_message=plain)
    assert list(Delivery.objects.values_list("channel", flat=True)) == [Channel.SMS]


@needs_phone
def test_no_sms_without_a_gateway_or_a_phone(settings, officer_a, leader_a):
    settings.SMS_GATEWAY_URL = None
    give_phone(officer_a, "13800001234")
    for user in (officer_a, leader_a):
        set_channel_preferences(user, enabled={"sms": True})

    notify("x", recipients=[officer_a, leader_a], build_message=plain)
    assert not Delivery.objects.exists()

    settings.SMS_GATEWAY_URL = "http://127.0.0.1:9/sms"
    notify("x", recipients=[officer_a, leader_a], build_message=plain)
    assert list(Delivery.objects.values_list("recipient", flat=True)) == [officer_a.pk]  # the leader has no phone


def test_the_organization_webhook_gets_its_own_message(orgs, justice_webhook):
    delivery = notify_organization(
        "work_order.sent",
        organization=orgs.justice_bureau,
        build_message=lambda org: Message(subject="新工单", payload={"work_order": 7, "kind": org.kind}),
    )

    assert delivery.channel == Channel.WEBHOOK
    assert delivery.organization == orgs.justice_bureau and delivery.recipient is None
    assert delivery.payload == {"work_order": 7, "kind": "justice_bureau"}


def test_an_organization_without_an_active_webhook_gets_nothing(orgs, justice_webhook):
    justice_webhook.is_active = False
    justice_webhook.save()

    for org in (orgs.justice_bureau, orgs.law_firm):
        assert notify_organization("x", organization=org, build_message=lambda o: Message(subject="s")) is None
    assert not Delivery.objects.exists()


def test_a_subject_is_one_line_and_a_link_stays_on_this_site(officer_a):
    notify("x", recipients=[officer_a], build_message=lambda r: Message(subject="第一行\n第二行"))
    assert InboxMessage.objects.get().subject == "第一行 第二行"

    bad_links = ["javascript:alert(1)", "https://elsewhere.example.com/", "//elsewhere.example.com/", "/\\elsewhere"]
    for link in bad_links:
        with pytest.raises(ValueError):
            notify("x", recipients=[officer_a], build_message=lambda r, link=link: Message(subject="s", link=link))
