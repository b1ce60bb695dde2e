"""get_<thing>_for_user of notifications: a user's own inbox messages; the failed deliveries, for those
who may retry them. 404 for what the user may not see."""

from __future__ import annotations

from django.http import Http404

from accounts.permissions import can

from .models import Delivery, InboxMessage


def get_message_for_user(user, pk: int) -> InboxMessage:
    """Another user's message is not found (404), never merely forbidden."""
    try:
        return InboxMessage.objects.get(pk=pk, user=user)
    except InboxMessage.DoesNotExist:
        raise Http404 from None


def get_delivery_for_user(user, pk: int) -> Delivery:
    if not can(user, "retry_deliveries"):
        raise Http404
    try:
        return Delivery.objects.get(pk=pk)
    except Delivery.DoesNotExist:
        raise Http404 from None
