"""The partner's side of a work order: receipt (签收), starting work, the result feedback (结果反馈)
and returning an order with a reason. Each acts only on an order addressed to the acting user's
organization (or one they were invited to): referrals.selectors.visible_to, asked again here."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import require
from detainees import services as detainee_services
from yaoyao_mediation.file_names import without_controls
from yaoyao_mediation.states import require_transition

from .. import deadlines
from ..models import WorkOrder, WorkOrderFeedback, WorkOrderFile
from ..selectors import partner_access_until, visible_to
from . import notices
from .orders import _lock, record_event

Status = WorkOrder.Status


def require_partner(acting_user: User | None, order: WorkOrder, *, now: datetime) -> None:
    """The acting user handles work orders and this one is addressed to them (None: the system)."""
    require(acting_user, "handle_work_order")
    if acting_user is not None and not visible_to(acting_user, now=now).filter(pk=order.pk).exists():
        raise PermissionDenied(_("该工单不是发给本单位的"))


@transaction.atomic
def receive_work_order(order: WorkOrder, *, acting_user: User | None, now: datetime | None = None) -> WorkOrder:
    """Receipt (签收): the feedback falls due the fifth working day after today."""
    now = now or timezone.now()
    order = _lock(order)
    require_partner(acting_user, order, now=now)
    if order.received_at is not None and order.status != Status.SENT:
        return order  # received already (twice, or by a colleague)
    require_transition(order, Status.RECEIVED, message=_("该工单当前状态不能签收"))
    order.status, order.received_at, order.received_by = Status.RECEIVED, now, acting_user
    order.feedback_due_at = deadlines.feedback_due_at(counted_from=now, partner_kind=order.partner.kind)
    order.partner_activity_at = now
    order.save()
    record_event(order, Status.SENT, at=now, acting_user=acting_user)
    notices.tell_centre(order, "received")
    return order


def _start(order: WorkOrder, *, now: datetime, acting_user: User | None, note: str = "") -> None:
    require_transition(order, Status.IN_PROGRESS, message=_("请先签收工单"))
    order.status, order.started_at, order.partner_activity_at = Status.IN_PROGRESS, now, now
    order.save()
    record_event(order, Status.RECEIVED, at=now, acting_user=acting_user, note=note)


@transaction.atomic
def start_work_order(order: WorkOrder, *, acting_user: User | None, now: datetime | None = None) -> WorkOrder:
    """The partner starts work (an explicit action; the first message does it too)."""
    now = now or timezone.now()
    order = _lock(order)
    require_partner(acting_user, order, now=now)
    if order.status == Status.IN_PROGRESS:
        return order
    if order.status == Status.SENT:
        raise ValidationError(_("请先签收工单"))
    _start(order, now=now, acting_user=acting_user)
    notices.tell_centre(order, "started")
    return order


@transaction.atomic
def return_work_order(
    order: WorkOrder, *, reason: str, acting_user: User | None, now: datetime | None = None
) -> WorkOrder:
    """The partner returns the order (退回), before work starts, with a reason; the centre may send
    the dispute elsewhere."""
    now = now or timezone.now()
    order = _lock(order)
    require_partner(acting_user, order, now=now)
    if order.status == Status.RETURNED:
        return order
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("请填写退回原因")})
    from_status = order.status
    require_transition(order, Status.RETURNED, message=_("已开始办理的工单不能退回，请在会商中说明"))
    order.status, order.returned_at, order.return_reason = Status.RETURNED, now, reason
    order.partner_activity_at = now
    order.partner_access_until = partner_access_until(now)
    order.save()
    record_event(order, from_status, at=now, acting_user=acting_user, note=reason)
    notices.tell_centre(order, "returned", reason=reason)
    return order


@dataclass(frozen=True)
class FeedbackInput:
    outcome: str
    summary: str
    agreed_amount: Decimal | None = None
    paid_amount: Decimal | None = None


def check_files(files: Sequence[UploadedFile]) -> list[str]:
    """The content type of each upload (ValidationError for the first bad one, before anything is
    stored): PDF, JPEG or PNG, parsed whole (detainees.document_files)."""
    return [detainee_services.check_document_file(upload) for upload in files]


def store_file(
    order: WorkOrder, upload: UploadedFile, content_type: str, *, uploaded_by: User | None, **owner
) -> WorkOrderFile:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    title = without_controls(upload.name or "")[:128] or _("附件")
    stored = WorkOrderFile(
        order=order,
        title=title,
        content_type=content_type,
        size=upload.size,
        sha256=digest.hexdigest(),
        uploaded_by=uploaded_by,
        **owner,
    )
    stored.file.save("upload", upload, save=False)
    # A failed INSERT must not leave the file behind (the transaction's rollback does not remove it).
    # Every check of the step runs before the first file is stored.
    try:
        stored.save()
    except Exception:
        stored.file.delete(save=False)
        raise
    return stored


@transaction.atomic
def submit_feedback(
    order: WorkOrder,
    feedback: FeedbackInput,
    *,
    files: Sequence[UploadedFile] = (),
    acting_user: User | None,
    now: datetime | None = None,
) -> WorkOrder:
    """The result feedback: outcome and summary, the agreed and paid amounts for enforcement work, and
    files. From a received order it starts the work first. Submitted twice, it stands once."""
    now = now or timezone.now()
    order = _lock(order)
    require_partner(acting_user, order, now=now)
    if order.status == Status.FEEDBACK_SUBMITTED:
        return order  # a double submission: the first feedback stands
    if order.status == Status.SENT:
        raise ValidationError(_("请先签收工单，再反馈办理结果"))
    if order.status not in (Status.RECEIVED, Status.IN_PROGRESS):
        raise ValidationError(_("该工单当前状态不能反馈"))
    errors = {}
    if feedback.outcome not in WorkOrder.Outcome.values:
        errors["outcome"] = _("请选择办理结果")
    summary = feedback.summary.strip()
    if not summary:
        errors["summary"] = _("请填写办理情况")
    for name in ("agreed_amount", "paid_amount"):
        value = getattr(feedback, name)
        if value is not None and value < 0:
            errors[name] = _("金额不能为负数")
    if order.kind == WorkOrder.Kind.ENFORCEMENT and feedback.outcome in (
        WorkOrder.Outcome.RESOLVED,
        WorkOrder.Outcome.PARTLY_RESOLVED,
    ):
        # KPI 2 counts a feedback of enforcement work complete only with its amounts (DESIGN.md §6).
        if feedback.agreed_amount is None:
            errors["agreed_amount"] = _("执行协助须填写和解金额")
        if feedback.paid_amount is None:
            errors["paid_amount"] = _("执行协助须填写已履行金额")
    if (
        feedback.agreed_amount is not None
        and feedback.paid_amount is not None
        and feedback.paid_amount > feedback.agreed_amount
    ):
        errors["paid_amount"] = _("已履行金额不能大于和解金额")
    try:
        content_types = check_files(files)
    except ValidationError as error:
        errors["files"] = error.messages
    if errors:
        raise ValidationError(errors)
    if order.status == Status.RECEIVED:
        _start(order, now=now, acting_user=acting_user)
    on_time = order.feedback_due_at is None or now <= order.feedback_due_at
    row = WorkOrderFeedback.objects.create(
        order=order,
        outcome=feedback.outcome,
        summary=summary,
        agreed_amount=feedback.agreed_amount,
        paid_amount=feedback.paid_amount,
        submitted_by=acting_user,
        submitted_at=now,
        on_time=on_time,
    )
    for upload, content_type in zip(files, content_types, strict=True):
        store_file(order, upload, content_type, uploaded_by=acting_user, feedback=row)
    require_transition(order, Status.FEEDBACK_SUBMITTED)
    order.status, order.feedback_at, order.partner_activity_at = Status.FEEDBACK_SUBMITTED, now, now
    order.outcome, order.result_summary = feedback.outcome, summary
    order.agreed_amount, order.paid_amount = feedback.agreed_amount, feedback.paid_amount
    order.save()
    record_event(order, Status.IN_PROGRESS, at=now, acting_user=acting_user)
    notices.tell_centre(order, "feedback")
    return order
