"""What each side of a work order is told, through the outbox (notifications.notify, inside the
service's transaction). A partner's notice is built from what its audience may see
(yaoyao_mediation.disclosure): the kind of help, the dispute's category, the sender as the partner may
know it and the due time; never a person's name, a centre or a detention to a non-state partner."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Q
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from accounts.models import Role, User
from notifications.services import Message, notify, notify_organization
from yaoyao_mediation.disclosure import Audience, audience_of_organization, work_order_audience

from ..links import centre_link, partner_link
from ..models import WorkOrder, WorkOrderUserObjectPermission

PARTNER_ROLES = (Role.COURT_STAFF, Role.AGENCY_STAFF)


def sender_name(order: WorkOrder, audience: Audience) -> str:
    """The centre's name to the centre and to state organs; to a non-state partner a neutral label."""
    if audience in (Audience.CENTRE, Audience.COURT):
        return order.detention.facility.name
    return settings.WORK_ORDER_SENDER_LABEL


def partner_recipients(order: WorkOrder) -> list[User]:
    """The partner's active staff, and whoever a grant invited to this order."""
    granted = WorkOrderUserObjectPermission.objects.filter(content_object=order).values("user_id")
    return list(
        User.objects.filter(is_active=True)
        .filter(
            Q(
                memberships__organization_id=order.partner_id,
                memberships__role__in=PARTNER_ROLES,
                memberships__is_active=True,
            )
            | Q(pk__in=granted)
        )
        .distinct()
        .order_by("pk")
    )


def centre_recipients(order: WorkOrder) -> list[User]:
    """Who sent it and the lead's officer (or the detention's, for a hand-over without a lead)."""
    ids = {order.sent_by_id or order.created_by_id}
    if order.lead_id:
        ids.add(order.lead.assigned_officer_id)
    else:
        ids.add(order.detention.responsible_officer_id)
    return list(User.objects.filter(pk__in=[pk for pk in ids if pk], is_active=True).order_by("pk"))


def _due(order: WorkOrder) -> str:
    due = order.receipt_due_at if order.status == WorkOrder.Status.SENT else order.feedback_due_at
    return date_format(localtime(due), "Y-m-d H:i") if due else ""


# What a partner is told at each move of the centre; %(kind)s is the kind of help, %(category)s the
# dispute's category, %(sender)s the sender as the partner knows it, %(due)s the running due time.
PARTNER_TEXTS = {
    "sent": lambda: _("新工单：%(sender)s提请%(kind)s（%(category)s），请于 %(due)s 前签收"),
    "message": lambda: _("工单 #%(id)s（%(kind)s）有新的会商留言"),
    "more_work": lambda: _("工单 #%(id)s（%(kind)s）需补充办理，请于 %(due)s 前再次反馈"),
    "closed": lambda: _("工单 #%(id)s（%(kind)s）已验收办结"),
    "cancelled": lambda: _("工单 #%(id)s（%(kind)s）已撤销"),
    "nudge": lambda: _("催办：工单 #%(id)s（%(kind)s）尚未办理，期限 %(due)s"),
}

CENTRE_TEXTS = {
    "received": lambda: _("%(partner)s已签收工单 #%(id)s（%(kind)s）"),
    "started": lambda: _("%(partner)s已开始办理工单 #%(id)s（%(kind)s）"),
    "message": lambda: _("%(partner)s在工单 #%(id)s（%(kind)s）中留言"),
    "feedback": lambda: _("%(partner)s已反馈工单 #%(id)s（%(kind)s）的办理结果，请验收"),
    "returned": lambda: _("%(partner)s退回了工单 #%(id)s（%(kind)s）：%(reason)s"),
}


def _partner_message(order: WorkOrder, event: str, audience: Audience) -> Message:
    category = order.lead.get_category_display() if order.lead_id else _("属地移交")
    text = PARTNER_TEXTS[event]() % {
        "id": order.pk,
        "kind": order.get_kind_display(),
        "category": category,
        "sender": sender_name(order, audience),
        "due": _due(order),
    }
    return Message(
        subject=text,
        body=text,
        link=partner_link(order.pk),
        payload={"work_order": order.pk, "event": event, "status": order.status, "kind": order.kind},
    )


def tell_partner(order: WorkOrder, event: str) -> None:
    """Tell the partner's staff (each with their own audience's message) and its webhook."""

    def build(user: User) -> Message | None:
        audience = work_order_audience(user)
        if audience not in (Audience.COURT, Audience.PARTNER):
            return None
        return _partner_message(order, event, audience)

    notify(f"work_order_{event}", recipients=partner_recipients(order), build_message=build)
    notify_organization(
        f"work_order_{event}",
        organization=order.partner,
        build_message=lambda organization: _partner_message(order, event, audience_of_organization(organization)),
    )


def tell_centre(order: WorkOrder, event: str, *, reason: str = "") -> None:
    text = CENTRE_TEXTS[event]() % {
        "id": order.pk,
        "kind": order.get_kind_display(),
        "partner": order.partner.name,
        "reason": reason,
    }

    def build(user: User) -> Message | None:
        if work_order_audience(user) != Audience.CENTRE:
            return None
        return Message(subject=text, body=text, link=centre_link(order.pk))

    notify(f"work_order_{event}", recipients=centre_recipients(order), build_message=build)


def tell_partner_digest(organization, counts: dict, *, week) -> None:
    """The weekly digest: counts only, the same words for every audience."""
    text = _(
        "本周工单汇总（%(week)s 起）：待签收 %(new)s 件，办理中 %(working)s 件，"
        "待验收 %(fed_back)s 件，逾期 %(overdue)s 件"
    ) % {"week": f"{week:%Y-%m-%d}", **{key: counts[key] for key in ("new", "working", "fed_back", "overdue")}}
    staff = User.objects.filter(
        is_active=True,
        memberships__organization=organization,
        memberships__role__in=PARTNER_ROLES,
        memberships__is_active=True,
    ).distinct()
    message = Message(subject=text, body=text, link="/partner/")
    notify("work_order_digest", recipients=staff, build_message=lambda user: message)
    notify_organization("work_order_digest", organization=organization, build_message=lambda org: message)
