"""The inbox (every signed-in role, own messages only), channel choices, and failed deliveries
(the system administrator)."""

from __future__ import annotations

import re

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import role_required
from accounts.models import Role

from . import selectors, services
from .forms import ChannelPreferencesForm
from .models import Delivery, InboxMessage

# Every role has an inbox; a user without an active role has none (deny by default).
EVERY_ROLE = tuple(Role)


@role_required(*EVERY_ROLE)
def inbox(request: HttpRequest) -> HttpResponse:
    page = selectors.inbox_page(request.user, _before(request))
    return render(request, "notifications/inbox.html", {"page": page})


@role_required(*EVERY_ROLE)
@require_POST
def mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    # Another user's message is not found (404), never merely forbidden.
    message = get_object_or_404(InboxMessage, pk=pk, user=request.user)
    services.mark_read(message, acting_user=request.user)
    return redirect("notifications:inbox")


@role_required(*EVERY_ROLE)
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    services.mark_all_read(acting_user=request.user)
    return redirect("notifications:inbox")


@role_required(*EVERY_ROLE)
def preferences(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        form = ChannelPreferencesForm(request.POST, user=user)
        if form.is_valid():
            services.set_channel_preferences(user, enabled=form.cleaned_data)
            messages.success(request, _("通知渠道已保存。"))
            return redirect("notifications:preferences")
    else:
        form = ChannelPreferencesForm(initial=selectors.channel_choices([user])[user.pk], user=user)
    return render(request, "notifications/preferences.html", {"form": form})


@role_required(Role.SYSTEM_ADMIN)
def failed(request: HttpRequest) -> HttpResponse:
    page = selectors.failed_deliveries_page(_before(request))
    return render(request, "notifications/failed.html", {"page": page})


@role_required(Role.SYSTEM_ADMIN)
@require_POST
def retry(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = get_object_or_404(Delivery, pk=pk)
    if services.retry_delivery(delivery, acting_user=request.user):
        messages.success(request, _("已重新排队发送。"))
    else:
        messages.info(request, _("这条通知已不在失败状态。"))
    return redirect("notifications:failed")


def _before(request: HttpRequest) -> int | None:
    # A page marker is an id; anything else starts from the top.
    before = request.GET.get("before", "")
    return int(before) if re.fullmatch(r"[0-9]{1,18}", before) else None
