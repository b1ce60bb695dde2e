"""Navigation by role: the header of every page names the pages of every app, so it lives above them."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership, Role


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str


# (label, url name, url kwargs) per role, in the order shown.
ROLE_NAVIGATION: dict[Role, list[tuple[str, str, dict]]] = {
    Role.OFFICER: [
        (_("工作清单"), "casework:worklist", {}),
        (_("期限督办"), "casework:deadlines", {}),
        (_("矛盾线索"), "disputes:lead_list", {}),
        (_("调解室日程"), "disputes:calendar", {}),
        (_("司法确认"), "disputes:confirmation_list", {}),
        (_("跟踪回访"), "followups:list", {}),
        (_("新建入所"), "detainees:intake", {}),
        (_("数据导入"), "detainees:import_list", {}),
    ],
    Role.CENTRE_LEADER: [
        (_("工作清单"), "casework:worklist", {}),
        (_("期限督办"), "casework:deadlines", {}),
        (_("矛盾线索"), "disputes:lead_list", {}),
        (_("调解室日程"), "disputes:calendar", {}),
        (_("司法确认"), "disputes:confirmation_list", {}),
        (_("调解室"), "disputes:room_list", {}),
        (_("社会监督员名册"), "disputes:volunteer_list", {}),
        (_("跟踪回访"), "followups:list", {}),
        (_("新建入所"), "detainees:intake", {}),
        (_("数据导入"), "detainees:import_list", {}),
    ],
    Role.COURT_STAFF: [(_("调解安排"), "disputes:session_list", {}), (_("司法确认"), "disputes:confirmation_list", {})],
    Role.COURT_MEDIATOR: [(_("调解安排"), "disputes:session_list", {})],
    Role.AGENCY_STAFF: [(_("调解安排"), "disputes:session_list", {})],
    Role.VOLUNTEER: [(_("调解安排"), "disputes:session_list", {})],
    Role.SUPERVISOR: [(_("期限督办"), "casework:deadlines", {}), (_("辖区机构"), "accounts:organizations", {})],
    Role.SYSTEM_ADMIN: [
        (_("辖区机构"), "accounts:organizations", {}),
        (_("投递失败的通知"), "notifications:failed", {}),
        (_("后台管理"), "admin:index", {}),
    ],
    Role.SECURITY_ADMIN: [],
    Role.AUDIT_ADMIN: [(_("审计事件"), "audit:events", {}), (_("敏感信息查阅记录"), "audit:access_log", {})],
}


def navigation_for(membership: Membership | None) -> list[NavItem]:
    if membership is None:
        return []
    role = Role(membership.role)
    items = [NavItem(str(_("工作台")), reverse("casework:dashboard", kwargs={"role": role.value}))]
    for label, name, kwargs in ROLE_NAVIGATION[role]:
        try:
            items.append(NavItem(str(label), reverse(name, kwargs=kwargs)))
        except NoReverseMatch:
            # A process serving only some URL groups (settings.URL_GROUPS) leaves the rest out.
            continue
    return items
