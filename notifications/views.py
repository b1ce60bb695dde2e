"""The inbox (every signed-in role, own messages only), channel choices, and failed deliveries
(the system administrator)."""

from __future__ import annotations

import re

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import requires

from . import selectors, services
from .access import get_delivery_for_user, get_message_for_user
from .forms import ChannelPreferencesForm


@requires("read_inbox")
def inbox(request: HttpRequest) -> HttpResponse:
    page = selectors.inbox_page(request.user, _before(request))
    return render(request, "notifications/inbox.html", {"page": page})


@requires("read_inbox")
@require_POST
def mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    message = get_message_for_user(request.user, pk)
    services.mark_read(message, acting_user=request.user)
    return redirect("notifications:inbox")


@requires("read_inbox")
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    services.mark_all_read(acting_user=request.user)
    return redirect("notifications:inbox")


@requires("read_inbox")
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


@requires("retry_deliveries")
def failed(request: HttpRequest) -> HttpResponse:
    page = selectors.failed_deliveries_page(_before(request))
    return render(request, "notifications/failed.html", {"page": page})


@requires("retry_deliveries")
@require_POST
def retry(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = get_delivery_for_user(request.user, pk)
    if services.retry_delivery(delivery, acting_user=request.user):
        messages.success(request, _("已重新排队发送。"))
    else:
        messages.info(request, _("这条通知已不在失败状态。"))
    return redirect("notifications:failed")


def _before(request: HttpRequest) -> int | None:
    # A page marker is an id; anything else starts from the top.
    before = request.GET.get("before", "")
    return int(before) if re.fullmatch(r"[0-9]{1,18}", before) else None
