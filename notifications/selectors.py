"""Read queries of notifications: the inbox, the unread count, channel choices, failed deliveries."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from accounts.models import User

from .models import USER_CHANNEL_DEFAULTS, ChannelPreference, Delivery, InboxMessage

PAGE_SIZE = 30


@dataclass(frozen=True)
class Page:
    """One page of a list ordered newest first; `next_before` is the id to continue below, or None."""

    items: list
    next_before: int | None


def keyset_page(queryset: QuerySet, before: int | None, size: int = PAGE_SIZE) -> Page:
    # Keyset on the id (not OFFSET): the cost of a page does not grow with how far down it is, and a
    # new row arriving meanwhile does not shift the next page.
    if before is not None:
        queryset = queryset.filter(pk__lt=before)
    rows = list(queryset.order_by("-pk")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return Page(items=rows, next_before=rows[-1].pk if more else None)


def inbox_page(user: User, before: int | None) -> Page:
    return keyset_page(InboxMessage.objects.filter(user=user), before)


def unread_count(user: User) -> int:
    return InboxMessage.objects.filter(user=user, read_at=None).count()


def failed_deliveries_page(before: int | None) -> Page:
    failed = Delivery.objects.filter(status=Delivery.Status.FAILED).select_related("recipient", "organization")
    return keyset_page(failed, before)


def channel_choices(users: list[User]) -> dict[int, dict[str, bool]]:
    """Each user's e-mail and SMS choices, defaults filled in, in one query."""
    choices = {user.pk: dict(USER_CHANNEL_DEFAULTS) for user in users}
    rows = ChannelPreference.objects.filter(user__in=users).values_list("user_id", "channel", "enabled")
    for user_id, channel, enabled in rows:
        choices[user_id][channel] = enabled
    return choices
