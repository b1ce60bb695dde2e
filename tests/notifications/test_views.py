"""The inbox pages, the unread count in the header, channel choices and the failed-deliveries page."""

from __future__ import annotations

import pytest
from django.utils import timezone

from accounts.models import Role
from notifications.dispatch import dispatch_due
from notifications.models import ChannelPreference, Delivery, InboxMessage
from notifications.services import Message, notify, notify_organization
from tests.conftest import PERSONA_OF_ROLE

pytestmark = pytest.mark.django_db

# Session, user, membership, the page of messages, the unread count in the header.
INBOX_QUERIES = 5


def send_inbox(user, count: int, subject: str = "消息") -> None:
    for n in range(count):
        notify("x", recipients=[user], build_message=lambda r, n=n: Message(subject=f"{subject} {n:02d}", link="/"))


def test_it_lists_the_users_own_messages_newest_first(officer_a, officer_b, client_for):
    send_inbox(officer_a, 2, subject="甲的消息")
    send_inbox(officer_b, 1, subject="乙的消息")

    page = client_for(officer_a).get("/inbox/").content.decode()

    assert page.index("甲的消息 01") < page.index("甲的消息 00")
    assert "乙的消息" not in page
    assert page.count('class="unread-mark"') == 2


def test_it_pages_with_a_more_link(officer_a, client_for):
    send_inbox(officer_a, 33)
    client = client_for(officer_a)

    first = client.get("/inbox/")
    assert len(first.context["page"].items) == 30
    more = first.context["page"].next_before
    assert f'href="?before={more}"' in first.content.decode()

    second = client.get(f"/inbox/?before={more}")
    assert [m.subject for m in second.context["page"].items] == ["消息 02", "消息 01", "消息 00"]
    assert second.context["page"].next_before is None


@pytest.mark.parametrize("messages", [3, 40])
def test_the_inbox_takes_a_fixed_number_of_queries(officer_a, client_for, django_assert_num_queries, messages):
    send_inbox(officer_a, messages)
    client = client_for(officer_a)

    with django_assert_num_queries(INBOX_QUERIES):
        response = client.get("/inbox/")

    assert response.status_code == 200


def test_the_header_shows_the_unread_count_as_a_link(officer_a, client_for):
    send_inbox(officer_a, 3)
    InboxMessage.objects.filter(pk=InboxMessage.objects.first().pk).update(read_at=timezone.now())

    page = client_for(officer_a).get("/dashboard/officer/").content.decode()

    assert 'href="/inbox/" class="who-inbox" aria-label="消息，2 条未读">消息 (2)</a>' in page


def test_marking_one_message_read(officer_a, client_for):
    send_inbox(officer_a, 2)
    message = InboxMessage.objects.order_by("pk").first()
    client = client_for(officer_a)

    assert client.get(f"/inbox/{message.pk}/read/").status_code == 405
    response = client.post(f"/inbox/{message.pk}/read/")

    assert response.status_code == 302 and response["Location"] == "/inbox/"
    message.refresh_from_db()
    assert message.read_at is not None
    assert "消息 (1)" in client.get("/inbox/").content.decode()


def test_another_users_message_is_not_found(officer_a, officer_b, client_for):
    send_inbox(officer_b, 1)
    message = InboxMessage.objects.get()

    assert client_for(officer_a).post(f"/inbox/{message.pk}/read/").status_code == 404
    message.refresh_from_db()
    assert message.read_at is None


def test_marking_all_read_leaves_other_users_alone(officer_a, officer_b, client_for):
    send_inbox(officer_a, 3)
    send_inbox(officer_b, 1)

    response = client_for(officer_a).post("/inbox/read-all/")

    assert response.status_code == 302
    assert not InboxMessage.objects.filter(user=officer_a, read_at=None).exists()
    assert InboxMessage.objects.filter(user=officer_b, read_at=None).count() == 1


def test_anonymous_visitors_are_sent_to_sign_in(anonymous_client):
    for path in ["/inbox/", "/inbox/preferences/", "/inbox/failed/"]:
        response = anonymous_client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_channel_preferences_are_saved_and_shown(officer_a, client_for):
    client = client_for(officer_a)
    form = client.get("/inbox/preferences/").context["form"]
    assert form.initial == {"email": True, "sms": False}

    response = client.post("/inbox/preferences/", {"sms": "on"})

    assert response.status_code == 302
    saved = dict(ChannelPreference.objects.filter(user=officer_a).values_list("channel", "enabled"))
    assert saved == {"email": False, "sms": True}
    assert client.get("/inbox/preferences/").context["form"].initial == {"email": False, "sms": True}


# --- failed deliveries: the system administrator only ---------------------------------------------


@pytest.fixture
def failed_delivery(settings, orgs, justice_webhook, receiver) -> Delivery:
    settings.NOTIFICATION_MAX_ATTEMPTS = 1
    receiver.answers = [500]
    delivery = notify_organization(
        "work_order.sent", organization=orgs.justice_bureau, build_message=lambda org: Message(subject="机密标题")
    )
    dispatch_due(timezone.now())
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED
    return delivery


def test_the_system_admin_sees_failed_deliveries_with_their_error(system_admin, client_for, failed_delivery):
    page = client_for(system_admin).get("/inbox/failed/").content.decode()

    assert "余姚市司法局" in page
    assert "HTTP 500" in page
    assert "机密标题" not in page  # written for its recipient, not for the administrator


@pytest.mark.parametrize("role", [r for r in Role if r != Role.SYSTEM_ADMIN], ids=lambda r: r.value)
def test_no_other_role_sees_failed_deliveries(request, client_for, failed_delivery, role):
    client = client_for(request.getfixturevalue(PERSONA_OF_ROLE[role]))

    assert client.get("/inbox/failed/").status_code == 403
    assert client.post(f"/inbox/failed/{failed_delivery.pk}/retry/").status_code == 403
    failed_delivery.refresh_from_db()
    assert failed_delivery.status == Delivery.Status.FAILED


def test_the_system_admin_retries_a_failed_delivery(system_admin, client_for, failed_delivery, receiver):
    response = client_for(system_admin).post(f"/inbox/failed/{failed_delivery.pk}/retry/")

    assert response.status_code == 302 and response["Location"] == "/inbox/failed/"
    failed_delivery.refresh_from_db()
    assert (failed_delivery.status, failed_delivery.attempts) == (Delivery.Status.PENDING, 0)
    assert dispatch_due(timezone.now())["sent"] == 1
    assert len(receiver.received) == 2
