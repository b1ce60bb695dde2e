"""Writes to notifications: notify users and organizations, read messages, choose channels, retry.

Other apps call `notify` / `notify_organization` from inside their own service's transaction, so the
notice is stored with the event or not at all, and nothing leaves the system before the commit.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Organization, User

from .models import USER_CHANNEL_DEFAULTS, Channel, ChannelPreference, Delivery, InboxMessage, WebhookEndpoint
from .selectors import channel_choices
from .tasks import dispatch_due_notifications

logger = logging.getLogger(__name__)

SUBJECT_MAX_LENGTH = 200


@dataclass(frozen=True)
class Message:
    """What one recipient is told. Every field is shown to, or sent to, that recipient only."""

    subject: str
    body: str = ""
    link: str = ""  # a path inside this site, for the inbox
    # For a notice that asks for an action: its key (InboxMessage.asks_for), marked done by mark_done.
    asks_for: str = ""
    payload: dict = field(default_factory=dict)  # structured data for the webhook (JSON-serialisable)


@transaction.atomic
def notify(kind: str, *, recipients: Iterable[User], build_message: Callable[[User], Message | None]) -> int:
    """Tell each of `recipients` about an event of `kind`; returns how many were told.

    The contract (DESIGN.md §5, notifications carry only what the recipient's whitelist allows):
    `build_message(recipient)` is called once for each recipient and returns the Message built for
    THAT recipient: a non-state lawyer's message says nothing of the detention, a state officer's may.
    The caller knows its records and the recipient's organization, so the caller decides; this
    function copies each recipient's Message to that recipient's rows only and never merges them.
    Return None to tell a recipient nothing. Deactivated accounts are told nothing either.

    Writes an InboxMessage for each recipient and a pending Delivery for each outside channel the
    recipient has switched on and can be reached by (an e-mail address; a phone number and a
    configured SMS gateway). Call it inside the event's transaction: a rollback removes the notice
    with the event, and the dispatcher is woken only after the commit.
    """
    users = {user.pk: user for user in recipients if user.is_active}
    channels = _enabled_channels(list(users.values()))
    now = timezone.now()
    inbox, deliveries = [], []
    for user in users.values():
        message = build_message(user)
        if message is None:
            continue
        _check_link(message.link)
        subject = _one_line(message.subject)
        inbox.append(
            InboxMessage(
                user=user,
                kind=kind,
                subject=subject,
                body=message.body,
                link=message.link,
                asks_for=message.asks_for,
            )
        )
        for channel in channels[user.pk]:
            deliveries.append(_delivery(kind, channel, subject, message, now, recipient=user))
    InboxMessage.objects.bulk_create(inbox)
    Delivery.objects.bulk_create(deliveries)
    if deliveries:
        _wake_dispatcher_after_commit()
    return len(inbox)


@transaction.atomic
def notify_organization(
    kind: str, *, organization: Organization, build_message: Callable[[Organization], Message | None]
) -> Delivery | None:
    """Send an event of `kind` to `organization`'s webhook, when it has an active one.

    Same contract as `notify`: `build_message(organization)` returns only what that organization may
    see (a non-state partner, `organization.is_state_organ` false, gets no detention facts).
    """
    if not WebhookEndpoint.objects.filter(organization=organization, is_active=True).exists():
        return None
    message = build_message(organization)
    if message is None:
        return None
    delivery = _delivery(
        kind, Channel.WEBHOOK, _one_line(message.subject), message, timezone.now(), organization=organization
    )
    delivery.save()
    _wake_dispatcher_after_commit()
    return delivery


@transaction.atomic
def set_channel_preferences(user: User, *, enabled: dict[str, bool]) -> None:
    """Switch the user's e-mail and SMS channels on or off (the inbox is always on)."""
    for channel, on in enabled.items():
        if channel not in USER_CHANNEL_DEFAULTS:
            raise ValueError(f"not a channel a user can choose: {channel!r}")
        ChannelPreference.objects.update_or_create(user=user, channel=channel, defaults={"enabled": on})


def mark_read(message: InboxMessage, *, acting_user: User) -> None:
    # Only the recipient's own unread row changes: reading twice keeps the first read time.
    InboxMessage.objects.filter(pk=message.pk, user=acting_user, read_at=None).update(read_at=timezone.now())


def mark_all_read(*, acting_user: User) -> int:
    return InboxMessage.objects.filter(user=acting_user, read_at=None).update(read_at=timezone.now())


def mark_done(asks_for: str, *, now=None) -> int:
    """The action `asks_for` names is done (or can no longer be done): every notice asking for it, to
    whichever recipient, is marked done and read, so no inbox keeps asking. Called by the service that
    did the action, inside its transaction; returns how many notices were open."""
    if not asks_for:
        return 0  # a notice that asks for nothing is never done by someone else's action
    now = now or timezone.now()
    return InboxMessage.objects.filter(asks_for=asks_for, done_at=None).update(
        done_at=now, read_at=Coalesce("read_at", Value(now))
    )


@transaction.atomic
def retry_delivery(delivery: Delivery, *, acting_user: User) -> bool:
    """Give a failed delivery a fresh set of attempts, due now. False when it was no longer failed."""
    # failed → pending (Delivery.TRANSITIONS), enforced by the status filter: two administrators
    # retrying at once give one fresh start.
    retried = Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.FAILED).update(
        status=Delivery.Status.PENDING, attempts=0, next_attempt_at=timezone.now(), claimed_at=None
    )
    if retried:
        logger.info("delivery %s put back to pending by user %s", delivery.pk, acting_user.pk)
        _wake_dispatcher_after_commit()
    return bool(retried)


# --- helpers ------------------------------------------------------------------------------------


def _enabled_channels(users: list[User]) -> dict[int, list[str]]:
    """The outside channels each user has switched on and can actually be reached by."""
    choices = channel_choices(users)
    result = {}
    for user in users:
        channels = []
        if choices[user.pk][Channel.EMAIL] and user.email:
            channels.append(Channel.EMAIL)
        # accounts.User gains an encrypted `phone` with the security work; an empty one means no SMS.
        if choices[user.pk][Channel.SMS] and getattr(user, "phone", "") and settings.SMS_GATEWAY_URL:
            channels.append(Channel.SMS)
        result[user.pk] = channels
    return result


def _delivery(kind: str, channel: str, subject: str, message: Message, now, **recipient) -> Delivery:
    return Delivery(
        kind=kind,
        channel=channel,
        subject=subject,
        body=message.body,
        payload=message.payload,
        max_attempts=settings.NOTIFICATION_MAX_ATTEMPTS,
        next_attempt_at=now,
        **recipient,
    )


def _check_link(link: str) -> None:
    # The inbox renders the link as an href: only a path on this site, never javascript: or another
    # host (browsers read both //host and /\host as one).
    if link and not (link.startswith("/") and link[1:2] not in {"/", "\\"}):
        raise ValueError(f"a notification link must be a path on this site, not {link!r}")


def _one_line(subject: str) -> str:
    # An e-mail subject may not hold a line break, and the column holds 200 characters.
    return " ".join(subject.split())[:SUBJECT_MAX_LENGTH]


def _wake_dispatcher_after_commit() -> None:
    # Quick delivery after the commit; if the broker is down the beat sweep sends the rows later, so
    # a failure to enqueue is logged (robust=True) and never fails the caller's request.
    transaction.on_commit(dispatch_due_notifications.delay, robust=True)
