"""The hand-over on release (属地移交, DESIGN.md §3): a person who leaves with an open lead or a high
escalation risk gets a proposed work order to the local police station or township, prefilled, for the
officer to send (choosing the station) or dismiss with a reason, so that the dispute is not dropped at
the gate. followups.services.release_detention calls it inside the release's transaction."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.utils.translation import gettext as _

from accounts.models import User
from detainees.models import Detention, IntakeAssessment
from disputes.models import DisputeLead
from notifications.services import Message, notify
from yaoyao_mediation.disclosure import Audience, work_order_audience

from ..links import centre_link
from ..models import Referral, WorkOrder
from .orders import handover_request, record_event


def handover_reasons(detention: Detention, open_leads: list[DisputeLead]) -> list[str]:
    reasons = []
    if open_leads:
        reasons.append(_("出所时仍有 %(n)s 条未结线索") % {"n": len(open_leads)})
    assessment = IntakeAssessment.objects.filter(detention=detention).only("risk_level").first()
    if assessment is not None and assessment.risk_level == IntakeAssessment.RiskLevel.HIGH:
        reasons.append(_("入所评估风险等级为高"))
    elif detention.escalation_score >= settings.HANDOVER_ESCALATION_SCORE:
        reasons.append(_("矛盾激化风险分 %(score)s") % {"score": detention.escalation_score})
    return reasons


def propose_handover(detention: Detention, *, acting_user: User | None, now: datetime) -> WorkOrder | None:
    """The draft hand-over of a released detention, when its reasons hold and none was proposed before.
    The caller holds the detention's lock (the release)."""
    if WorkOrder.objects.filter(detention=detention, is_handover=True).exists():
        return None
    open_leads = list(
        DisputeLead.objects.filter(detention=detention, closed_at__isnull=True).order_by("-risk_level", "pk")
    )
    reasons = handover_reasons(detention, open_leads)
    if not reasons:
        return None
    lines = [
        _("%(name)s 已于 %(day)s 出所，请属地跟进以下事项：")
        % {"name": detention.name, "day": f"{detention.released_at:%Y-%m-%d}" if detention.released_at else ""}
    ]
    lines += [f"- {lead.get_category_display()}：{lead.summary}" for lead in open_leads]
    referral = Referral.objects.create(
        detention=detention, lead=open_leads[0] if open_leads else None, requested_by=acting_user
    )
    order = WorkOrder.objects.create(
        referral=referral,
        detention=detention,
        lead=referral.lead,
        partner=None,
        kind=WorkOrder.Kind.HANDOVER,
        summary="\n".join(lines),
        is_handover=True,
        proposal_reason="；".join(reasons),
        created_by=acting_user,
    )
    record_event(order, "", at=now, acting_user=acting_user, note=order.proposal_reason)
    officers = User.objects.filter(pk__in=[detention.responsible_officer_id, getattr(acting_user, "pk", None)])
    text = _("建议属地移交：%(name)s（%(reasons)s）") % {"name": detention.name, "reasons": order.proposal_reason}

    def build(user: User) -> Message | None:
        if work_order_audience(user) != Audience.CENTRE:
            return None
        return Message(subject=text, body=text, link=centre_link(order.pk), asks_for=handover_request(order))

    notify("work_order_handover", recipients=officers, build_message=build)
    return order
