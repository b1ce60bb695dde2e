"""Writes of the audit app: the read-access log. (Events of the write trail are written by triggers.)"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.http import HttpRequest

from security.client_address import client_address

from .models import AccessLog


def record_access(
    request: HttpRequest, obj: models.Model | None, action: AccessLog.Action, *, reason: str = ""
) -> AccessLog:
    """Log that `request.user` is being shown sensitive data of `obj` (None for a list or an export).

    Call it in the view before the data is sent. It writes at once, so call it outside any
    transaction that might still roll back, or the trace goes with it.
    """
    user = request.user if request.user.is_authenticated else None
    return AccessLog.objects.create(
        user=user,
        address=client_address(request),
        path=request.path[: AccessLog._meta.get_field("path").max_length],
        action=AccessLog.Action(action),
        content_type=ContentType.objects.get_for_model(obj) if obj is not None else None,
        object_id=str(obj.pk) if obj is not None else "",
        reason=reason[: AccessLog._meta.get_field("reason").max_length],
    )
