"""The consultation thread (会商) of a work order: messages with files from both sides."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import require

from ..access import is_centre_side
from ..models import WorkOrder, WorkOrderMessage
from . import notices
from .orders import _lock
from .partner import _start, check_files, require_partner, store_file

Status = WorkOrder.Status
# A body and its files are refused when the same author posted the same words within this many
# seconds: a double submit of the form stores one message.
DOUBLE_SUBMIT_SECONDS = 60


@transaction.atomic
def post_message(
    order: WorkOrder,
    *,
    body: str,
    files: Sequence[UploadedFile] = (),
    acting_user: User,
    now: datetime | None = None,
) -> WorkOrderMessage:
    """A message of the centre or of the partner. The partner's first message on a received order
    starts the work (DESIGN.md §3); before receipt the partner is asked to receive it first."""
    now = now or timezone.now()
    order = _lock(order)
    centre = is_centre_side(acting_user, order)
    if centre:
        require(acting_user, "discuss_work_order", order.detention.facility_id)
    else:
        require(acting_user, "discuss_work_order")
        require_partner(acting_user, order, now=now)
    if order.status in WorkOrder.FINISHED:
        raise ValidationError(_("工单已结束，不能再会商"))
    if order.status == Status.DRAFT:
        raise ValidationError(_("工单尚未发送"))
    if not centre and order.status == Status.SENT:
        raise ValidationError(_("请先签收工单"))
    body = body.strip()
    if not body:
        raise ValidationError({"body": _("请填写会商内容")})
    content_types = check_files(files)
    recent = order.messages.filter(
        author=acting_user, body=body, created_at__gte=now - timedelta(seconds=DOUBLE_SUBMIT_SECONDS)
    ).first()
    if recent is not None:
        return recent
    message = WorkOrderMessage.objects.create(
        order=order, author=acting_user, from_partner=not centre, body=body, created_at=now
    )
    for upload, content_type in zip(files, content_types, strict=True):
        store_file(order, upload, content_type, uploaded_by=acting_user, message=message)
    if centre:
        notices.tell_partner(order, "message")
    else:
        if order.status == Status.RECEIVED:
            _start(order, now=now, acting_user=acting_user, note=_("以会商留言开始办理"))
        else:
            order.partner_activity_at = now
            order.save(update_fields=["partner_activity_at", "updated_at"])
        notices.tell_centre(order, "message")
    return message
