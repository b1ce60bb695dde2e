"""Reads that combine apps: detainees' worklist with disputes' open-lead count, the timeline of a
detention from every app, and the queues that open each role's dashboard. Each lower app gives its
part; nothing here is registered from below."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role
from detainees import selectors as detainee_selectors
from detainees.models import Detention
from detainees.selectors import TimelineEntry, WorklistCursor, WorklistFilters
from disputes import selectors as dispute_selectors
from disputes.calendar import midnight
from disputes.models import MediationSession, ResolutionPlan
from disputes.selectors import QUEUE_LENGTH, open_leads_of_detention
from disputes.services import OVERRIDE_LABELS
from disputes.timeline import disputes_timeline


def worklist(
    user, *, now: datetime, filters: WorklistFilters | None = None, after: WorklistCursor | None = None
) -> QuerySet[Detention]:
    """detainees' worklist, each row with its open leads (one subquery: still one query a page)."""
    return detainee_selectors.worklist(
        user, now=now, filters=filters, after=after, open_leads=open_leads_of_detention()
    )


def search(user, text: str, *, after: WorklistCursor | None = None) -> QuerySet[Detention]:
    return detainee_selectors.search(user, text, after=after, open_leads=open_leads_of_detention())


def detention_timeline(detention: Detention) -> list[TimelineEntry]:
    """The entries of every app about this detention, oldest first (each part costs a query or two)."""
    entries = [*detainee_selectors.detention_timeline(detention), *disputes_timeline(detention)]
    return sorted(entries, key=lambda entry: entry.at)


# --- the queues that open each role's dashboard -------------------------------------------------------


@dataclass
class QueueItem:
    """One row of a queue, every text worked out here: the template only places them (no queries and
    no look-ups while it renders)."""

    url: str
    title: str
    detail: str = ""
    when: datetime | None = None
    tag: str = ""
    tag_class: str = ""


@dataclass
class Queue:
    key: str
    title: str
    empty: str
    items: list[QueueItem] = field(default_factory=list)
    # More rows wait than are shown: the list page at more_url has them all.
    more: bool = False
    more_url: str = ""


def _queue(key: str, title, empty, rows, to_item, *, more_url: str = "") -> Queue:
    """One query: the first QUEUE_LENGTH rows, and one beyond to learn whether there are more."""
    rows = list(rows[: QUEUE_LENGTH + 1])
    return Queue(
        key=key,
        title=str(title),
        empty=str(empty),
        items=[to_item(row) for row in rows[:QUEUE_LENGTH]],
        more=len(rows) > QUEUE_LENGTH,
        more_url=more_url,
    )


def _session_item(session: MediationSession) -> QueueItem:
    start, end = timezone.localtime(session.starts_at), timezone.localtime(session.ends_at)
    place = session.room.name if session.room_id else session.get_mode_display()
    return QueueItem(
        url=reverse("disputes:session_detail", args=[session.pk]),
        title=f"{start:%m-%d %H:%M}–{end:%H:%M} {session.person_name}",
        detail=f"{session.lead.get_category_display()} · {place}",
        when=session.starts_at,
    )


def _leader_queues(user, *, now: datetime) -> list[Queue]:
    def plan_item(plan: ResolutionPlan) -> QueueItem:
        author = (plan.author.full_name or plan.author.username) if plan.author else "—"
        return QueueItem(
            url=reverse("disputes:plan_review", args=[plan.lead.pk]),
            title=f"{plan.lead.detention.name} · {plan.lead.get_category_display()}",
            detail=_("制定人：%(author)s") % {"author": author},
            when=plan.submitted_at,
        )

    def override_item(session: MediationSession) -> QueueItem:
        item = _session_item(session)
        labels = "、".join(str(OVERRIDE_LABELS.get(reason, reason)) for reason in session.override_reasons)
        by = (session.override_by.full_name or session.override_by.username) if session.override_by else "—"
        item.tag, item.tag_class = labels, "status-overdue"
        item.detail = f"{item.detail} · " + _("特批人：%(name)s") % {"name": by}
        return item

    return [
        _queue(
            "plans",
            gettext_lazy("待审批的一人一策方案"),
            gettext_lazy("没有待审批的方案"),
            dispute_selectors.plans_awaiting_approval(user),
            plan_item,
            more_url=reverse("disputes:lead_list"),
        ),
        _queue(
            "overrides",
            gettext_lazy("经所领导特批的调解会（尚未结束）"),
            gettext_lazy("没有经特批安排的调解会"),
            dispute_selectors.overridden_sessions_ahead(user, since=now),
            override_item,
            more_url=reverse("disputes:calendar"),
        ),
    ]


def _officer_queues(user, *, now: datetime) -> list[Queue]:
    def assessment_item(detention: Detention) -> QueueItem:
        overdue = detention.assessment_due_at < now
        due = timezone.localtime(detention.assessment_due_at)
        mine = detention.responsible_officer_id == user.pk
        return QueueItem(
            url=reverse("detainees:assessment", args=[detention.pk]),
            title=detention.name,
            detail=(_("我负责 · ") if mine else "") + _("评估期限 %(due)s") % {"due": f"{due:%m-%d %H:%M}"},
            when=detention.assessment_due_at,
            tag=_("已逾期") if overdue else _("即将到期"),
            tag_class="status-overdue" if overdue else "status-due-soon",
        )

    plan_states = {
        None: (_("未制定方案"), "status-plan-draft"),
        ResolutionPlan.Status.DRAFT: (_("方案草稿"), "status-plan-draft"),
        ResolutionPlan.Status.RETURNED: (_("方案已退回"), "status-plan-returned"),
    }

    def lead_item(lead) -> QueueItem:
        plan = getattr(lead, "plan", None)
        tag, tag_class = plan_states[plan.status if plan else None]
        return QueueItem(
            url=reverse("disputes:lead_detail", args=[lead.pk]),
            title=f"{lead.detention.name} · {lead.get_category_display()}",
            detail=_("我承办") if lead.assigned_officer_id == user.pk else "",
            when=lead.created_at,
            tag=tag,
            tag_class=tag_class,
        )

    today = midnight(timezone.localdate(now))
    return [
        _queue(
            "assessments",
            gettext_lazy("待完成的入所评估（已逾期或一天内到期）"),
            gettext_lazy("没有即将到期的评估"),
            detainee_selectors.assessments_due(user, now=now),
            assessment_item,
            more_url=reverse("casework:worklist"),
        ),
        _queue(
            "leads",
            gettext_lazy("尚无方案报批的矛盾线索"),
            gettext_lazy("所有未结线索都已报批方案"),
            dispute_selectors.leads_without_plan(user),
            lead_item,
            more_url=reverse("disputes:lead_list"),
        ),
        _queue(
            "today",
            gettext_lazy("今日调解"),
            gettext_lazy("今天没有调解安排"),
            dispute_selectors.sessions_between(user, today, today + timedelta(days=1)),
            _session_item,
            more_url=reverse("disputes:calendar") + "?view=day",
        ),
    ]


def _court_queues(user, *, now: datetime) -> list[Queue]:
    def confirmation_item(confirmation) -> QueueItem:
        return QueueItem(
            url=reverse("disputes:confirmation_detail", args=[confirmation.pk]),
            title=confirmation.agreement.number,
            detail=confirmation.agreement.lead.detention.facility.name,
            when=confirmation.requested_at,
        )

    return [
        _queue(
            "confirmations",
            gettext_lazy("待审查的司法确认申请"),
            gettext_lazy("没有待审查的司法确认申请"),
            dispute_selectors.confirmations_awaiting(user),
            confirmation_item,
            more_url=reverse("disputes:confirmation_list") + "?status=requested",
        ),
    ]


# role -> (user, now) -> the queues its dashboard opens with (the court staff's sessions ahead follow
# them, from disputes.calendar.dashboard_sessions). The supervisor's come with the KPIs.
ROLE_QUEUES = {
    Role.CENTRE_LEADER: _leader_queues,
    Role.OFFICER: _officer_queues,
    Role.COURT_STAFF: _court_queues,
}


def dashboard_queues(user, role: Role, *, now: datetime) -> list[Queue]:
    queues = ROLE_QUEUES.get(role)
    return queues(user, now=now) if queues else []
