"""The centre's side of a work order: the one-click referral (一键提请), sending a proposed hand-over,
cancelling, accepting the feedback (验收) or asking for more work, and inviting a named person.

Lock order, as in disputes: detention → lead → work order. Each service is one transaction; a refusal
raises ValidationError with a Chinese message and saves nothing."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm

from accounts.models import Organization, Role, User
from accounts.permissions import require
from detainees.models import Detention, Document
from disputes.models import DisputeLead
from notifications.services import mark_done
from yaoyao_mediation.disclosure import WORK_ORDER_DOCUMENT_KINDS, audience_of_organization
from yaoyao_mediation.states import require_transition

from .. import deadlines
from ..models import Consent, Referral, WorkOrder, WorkOrderEvent
from ..selectors import partner_access_until
from . import notices

Status = WorkOrder.Status

# Organizations that take work orders: every kind but the regions and the detention centres.
PARTNER_KINDS = frozenset(set(Organization.Kind) - Organization.REGION_KINDS - {Organization.Kind.FACILITY})
# The hand-over on release goes to the local police station or township (属地移交).
HANDOVER_KINDS = frozenset({Organization.Kind.POLICE_STATION, Organization.Kind.TOWNSHIP})


@dataclass(frozen=True)
class ConsentInput:
    given_by: str
    given_at: datetime
    share_phone: bool = False
    share_address: bool = False
    note: str = ""


def handover_request(order: WorkOrder) -> str:
    """The inbox key of the notice that asks the officer to send or dismiss a proposed hand-over."""
    return f"handover:{order.pk}" if order.is_handover else ""


def record_event(order: WorkOrder, from_status: str, *, at: datetime, acting_user: User | None, note: str = "") -> None:
    WorkOrderEvent.objects.create(
        order=order, from_status=from_status, to_status=order.status, at=at, acting_user=acting_user, note=note
    )


def _lock(order: WorkOrder) -> WorkOrder:
    return (
        WorkOrder.objects.select_for_update(of=("self",))
        .select_related("detention__facility", "lead", "partner")
        .get(pk=order.pk)
    )


def check_partner(partner: Organization) -> None:
    if not partner.is_active or partner.kind not in PARTNER_KINDS:
        raise ValidationError({"partners": _("%(name)s 不是可接收工单的协作单位") % {"name": partner.name}})


def check_documents(detention: Detention, documents: Sequence[Document], partners: Sequence[Organization]) -> None:
    """Attachments come from the case's own documents, and each must be one the partner's audience may
    see (yaoyao_mediation.disclosure): no health report outside the centre, no decision notice to a
    non-state partner."""
    for document in documents:
        if document.detention_id != detention.pk:
            raise ValidationError({"documents": _("只能附加本案的材料")})
        for partner in partners:
            if document.kind not in WORK_ORDER_DOCUMENT_KINDS[audience_of_organization(partner)]:
                raise ValidationError(
                    {
                        "documents": _("材料“%(title)s”（%(kind)s）不能发送给%(partner)s")
                        % {"title": document.title, "kind": document.get_kind_display(), "partner": partner.name}
                    }
                )


def _check_consent(partners: Sequence[Organization], consent: ConsentInput | None, now: datetime) -> None:
    if consent is None:
        non_state = [partner.name for partner in partners if not partner.is_state_organ]
        if non_state:
            raise ValidationError(
                {
                    "consent": _("向非国家机关单位（%(names)s）提请，须先记录当事人同意")
                    % {"names": "、".join(non_state)}
                }
            )
        return
    if not consent.given_by.strip():
        raise ValidationError({"consent": _("请填写同意人")})
    if consent.given_at > now:
        raise ValidationError({"consent": _("同意时间不能晚于当前时间")})


def _send(order: WorkOrder, *, now: datetime, acting_user: User | None, note: str = "") -> None:
    from_status = order.status
    require_transition(order, Status.SENT, message=_("该工单当前状态不能发送"))
    order.status, order.sent_at, order.sent_by = Status.SENT, now, acting_user
    order.receipt_due_at = deadlines.receipt_due_at(sent_at=now, partner_kind=order.partner.kind)
    order.partner_activity_at = now  # the nudge counts from the sending until the partner's first move
    order.save()
    record_event(order, from_status, at=now, acting_user=acting_user, note=note)
    notices.tell_partner(order, "sent")


@transaction.atomic
def refer_lead(
    lead: DisputeLead,
    *,
    partners: Sequence[Organization],
    kind: str,
    summary: str,
    documents: Sequence[Document] = (),
    consent: ConsentInput | None = None,
    token: uuid.UUID | None = None,
    acting_user: User | None,
    now: datetime | None = None,
) -> Referral:
    """The one-click referral: one work order per partner, sent at once. `token` is the form's
    submission key: the same token again returns the first referral and sends nothing more."""
    now = now or timezone.now()
    require(acting_user, "send_work_order", lead.facility_id)
    Detention.objects.select_for_update().filter(pk=lead.detention_id).first()
    lead = DisputeLead.objects.select_for_update(of=("self",)).select_related("detention").get(pk=lead.pk)
    if token is not None:
        earlier = Referral.objects.filter(token=token).first()
        if earlier is not None:
            if earlier.lead_id != lead.pk:
                raise ValidationError(_("提交标识已用于其他线索"))
            return earlier  # a double submission: the first one stands
    if lead.is_closed:
        raise ValidationError(_("已结案的线索不能再提请"))
    partners = list(dict.fromkeys(partners))
    if not partners:
        raise ValidationError({"partners": _("请至少选择一个协作单位")})
    if kind not in WorkOrder.Kind.values or kind == WorkOrder.Kind.HANDOVER:
        raise ValidationError({"kind": _("请选择协助事项")})
    summary = summary.strip()
    if not summary:
        raise ValidationError({"summary": _("请填写工单摘要")})
    for partner in partners:
        check_partner(partner)
    busy = WorkOrder.objects.open().filter(lead=lead, partner__in=partners).select_related("partner").first()
    if busy is not None:
        raise ValidationError(
            {"partners": _("%(name)s 已有本线索的在办工单 #%(id)s") % {"name": busy.partner.name, "id": busy.pk}}
        )
    check_documents(lead.detention, documents, partners)
    _check_consent(partners, consent, now)

    referral = Referral.objects.create(
        detention=lead.detention, lead=lead, token=token or uuid.uuid4(), requested_by=acting_user
    )
    consent_row = None
    if consent is not None:
        consent_row = Consent.objects.create(
            lead=lead,
            given_by=consent.given_by.strip(),
            given_at=consent.given_at,
            share_phone=consent.share_phone,
            share_address=consent.share_address,
            note=consent.note.strip(),
            recorded_by=acting_user,
        )
    for partner in partners:
        order = WorkOrder.objects.create(
            referral=referral,
            detention=lead.detention,
            lead=lead,
            partner=partner,
            kind=kind,
            summary=summary,
            consent=consent_row if not partner.is_state_organ else None,
            created_by=acting_user,
        )
        order.documents.set(documents)
        _send(order, now=now, acting_user=acting_user)
    return referral


@transaction.atomic
def send_proposed_work_order(
    order: WorkOrder,
    *,
    partner: Organization,
    summary: str,
    consent: ConsentInput | None = None,
    acting_user: User | None,
    now: datetime | None = None,
) -> WorkOrder:
    """Send a draft (a hand-over proposed by the release) to the partner the officer chose."""
    now = now or timezone.now()
    order = _lock(order)
    require(acting_user, "send_work_order", order.detention.facility_id)
    if order.status == Status.SENT and order.partner_id == partner.pk:
        return order  # sent twice
    require_transition(order, Status.SENT, message=_("该工单当前状态不能发送"))
    check_partner(partner)
    if order.is_handover and partner.kind not in HANDOVER_KINDS:
        raise ValidationError({"partner": _("属地移交应发送给派出所或乡镇（街道）")})
    summary = summary.strip()
    if not summary:
        raise ValidationError({"summary": _("请填写工单摘要")})
    check_documents(order.detention, list(order.documents.all()), [partner])
    _check_consent([partner], consent, now)
    if consent is not None and order.lead_id:
        order.consent = Consent.objects.create(
            lead=order.lead,
            given_by=consent.given_by.strip(),
            given_at=consent.given_at,
            share_phone=consent.share_phone,
            share_address=consent.share_address,
            note=consent.note.strip(),
            recorded_by=acting_user,
        )
    order.partner, order.summary = partner, summary
    _send(order, now=now, acting_user=acting_user)
    mark_done(handover_request(order), now=now)
    return order


@transaction.atomic
def cancel_work_order(
    order: WorkOrder, *, reason: str, acting_user: User | None, now: datetime | None = None
) -> WorkOrder:
    """Withdraw a work order (a proposed hand-over is dismissed the same way), with a reason."""
    now = now or timezone.now()
    order = _lock(order)
    require(acting_user, "send_work_order", order.detention.facility_id)
    if order.status == Status.CANCELLED:
        return order
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("请填写撤销原因")})
    from_status = order.status
    require_transition(order, Status.CANCELLED, message=_("已办结或已退回的工单不能撤销"))
    order.status, order.cancelled_at, order.cancel_reason = Status.CANCELLED, now, reason
    order.partner_access_until = partner_access_until(now)
    order.save()
    record_event(order, from_status, at=now, acting_user=acting_user, note=reason)
    if from_status != Status.DRAFT:
        notices.tell_partner(order, "cancelled")
    mark_done(handover_request(order), now=now)
    return order


@transaction.atomic
def accept_feedback(
    order: WorkOrder, *, rating: int, note: str = "", acting_user: User | None, now: datetime | None = None
) -> WorkOrder:
    """The centre's acceptance (验收) of the partner's feedback, with a rating of 1 to 5: the order closes."""
    now = now or timezone.now()
    order = _lock(order)
    require(acting_user, "send_work_order", order.detention.facility_id)
    if order.status == Status.CLOSED:
        return order
    if rating not in range(1, 6):
        raise ValidationError({"rating": _("验收评价应为 1 至 5 分")})
    require_transition(order, Status.CLOSED, message=_("只有已反馈的工单可以验收"))
    from_status = order.status
    order.status, order.closed_at, order.accepted_by, order.rating = Status.CLOSED, now, acting_user, rating
    order.partner_access_until = partner_access_until(now)
    order.save()
    record_event(order, from_status, at=now, acting_user=acting_user, note=note.strip())
    notices.tell_partner(order, "closed")
    return order


@transaction.atomic
def request_more_work(
    order: WorkOrder, *, note: str, acting_user: User | None, now: datetime | None = None
) -> WorkOrder:
    """Send the feedback back for more work: the order is in progress again, its feedback due anew
    (counted from today, as from a receipt)."""
    now = now or timezone.now()
    order = _lock(order)
    require(acting_user, "send_work_order", order.detention.facility_id)
    note = note.strip()
    if not note:
        raise ValidationError({"note": _("请说明需补充办理的内容")})
    require_transition(order, Status.IN_PROGRESS, message=_("只有已反馈的工单可以要求补充办理"))
    if order.status != Status.FEEDBACK_SUBMITTED:
        raise ValidationError(_("只有已反馈的工单可以要求补充办理"))
    from_status = order.status
    order.status = Status.IN_PROGRESS
    order.feedback_due_at = deadlines.feedback_due_at(counted_from=now, partner_kind=order.partner.kind)
    order.feedback_at = None
    order.save()
    record_event(order, from_status, at=now, acting_user=acting_user, note=note)
    notices.tell_partner(order, "more_work")
    return order


@transaction.atomic
def invite_to_work_order(order: WorkOrder, *, user: User, acting_user: User | None) -> None:
    """Let a named person of another partner organization see and work on this one order (a
    django-guardian grant, DESIGN.md §5): a lawyer asked to join a justice bureau's order."""
    order = _lock(order)
    require(acting_user, "send_work_order", order.detention.facility_id)
    membership = user.memberships.filter(is_active=True).select_related("organization").first()
    if membership is None or membership.role not in (Role.COURT_STAFF, Role.AGENCY_STAFF):
        raise ValidationError({"user": _("只能邀请协作单位的工作人员")})
    if order.status not in WorkOrder.OPEN - {Status.DRAFT}:
        raise ValidationError(_("只有在办的工单可以邀请人员"))
    if not membership.organization.is_state_organ and order.lead_id and order.consent_id is None:
        raise ValidationError({"user": _("邀请非国家机关单位人员，须先记录当事人同意")})
    assign_perm("view_workorder", user, order)
