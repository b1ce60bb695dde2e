"""The one-person-one-plan (一人一策): written by the centre's officers, approved or returned by its
leaders, along ResolutionPlan.TRANSITIONS."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organization, Role, User
from accounts.permissions import require
from notifications.services import Message, mark_done, notify
from yaoyao_mediation.states import require_transition

from ..models import DisputeLead, PlanReview, ResolutionPlan
from .guards import _require_open
from .leads import move_lead

REGION_KINDS = {Organization.Kind.PROVINCE, Organization.Kind.CITY, Organization.Kind.COUNTY}


@transaction.atomic
def save_plan(
    lead: DisputeLead,
    *,
    analysis: str,
    strategy: str,
    methods: Sequence[str],
    agencies_needed: Sequence[Organization] = (),
    submit: bool = True,
    acting_user: User | None,
    now: datetime | None = None,
) -> ResolutionPlan:
    """Write the lead's plan (一人一策); `submit` sends it to the centre's leaders for approval and moves
    an open lead to planning. Changing an approved plan sends it back for approval."""
    now = now or timezone.now()
    lead = DisputeLead.objects.select_for_update(of=("self",)).select_related("detention").get(pk=lead.pk)
    _require_open(lead)
    require(acting_user, "change_lead", lead.detention.facility_id)
    errors = {}
    if not analysis.strip():
        errors["analysis"] = _("请填写矛盾分析")
    if not strategy.strip():
        errors["strategy"] = _("请填写化解策略")
    unknown = set(methods) - set(ResolutionPlan.Method.values)
    if unknown:
        errors["methods"] = _("未知的化解方法：%(methods)s") % {"methods": "、".join(sorted(unknown))}
    elif not methods:
        errors["methods"] = _("请至少选择一种化解方法")
    partners = list(agencies_needed)
    if any(org.kind in {Organization.Kind.FACILITY} or org.kind in REGION_KINDS for org in partners):
        errors["agencies_needed"] = _("协作单位只能是法院、司法局等协作机构")
    if errors:
        raise ValidationError(errors)
    plan = ResolutionPlan.objects.select_for_update().filter(lead=lead).first()
    if plan is None:
        plan = ResolutionPlan(lead=lead)
    else:
        plan.revision += 1
    plan.analysis, plan.strategy, plan.methods = analysis.strip(), strategy.strip(), list(dict.fromkeys(methods))
    plan.author = plan.author or acting_user
    # A draft is not what the leaders were asked to approve: saving one withdraws a submitted (or
    # approved) plan from review until it is submitted again.
    status = ResolutionPlan.Status.SUBMITTED if submit else ResolutionPlan.Status.DRAFT
    if plan.status != status:
        require_transition(plan, status)
    plan.status = status
    if submit:
        plan.submitted_at = now
    plan.save()
    plan.agencies_needed.set(partners)
    if lead.status == DisputeLead.Status.OPEN:
        move_lead(lead, DisputeLead.Status.PLANNING, acting_user=acting_user, now=now)
    # Whatever the leaders were asked to review before is gone: withdrawn (a draft) or replaced by the
    # text submitted now, which asks anew. One open request per plan in their inboxes.
    mark_done(ResolutionPlan.review_request(lead.pk), now=now)
    if submit:
        leaders = User.objects.filter(
            memberships__organization_id=lead.detention.facility_id,
            memberships__role=Role.CENTRE_LEADER,
            memberships__is_active=True,
        )
        notify(
            "plan_submitted",
            recipients=leaders,
            build_message=lambda _user: Message(
                subject=_("待审批的一人一策方案：%(lead)s") % {"lead": lead.get_category_display()},
                link=reverse("disputes:lead_detail", kwargs={"pk": lead.pk}),
                asks_for=ResolutionPlan.review_request(lead.pk),
            ),
        )
    return plan


@transaction.atomic
def review_plan(
    plan: ResolutionPlan,
    *,
    approve: bool,
    comment: str = "",
    revision: int | None = None,
    acting_user: User,
    now: datetime | None = None,
) -> ResolutionPlan:
    """A centre leader of the lead's centre approves the plan or returns it with a comment (required
    then). `revision` is the plan revision the leader read (the review page sends it): a plan changed
    since is refused with code "stale", so no text is approved unseen."""
    now = now or timezone.now()
    # The lead first, then the plan, as save_plan does: a lead closed at this moment is seen closed.
    DisputeLead.objects.select_for_update().filter(pk=plan.lead_id).first()
    plan = ResolutionPlan.objects.select_for_update(of=("self",)).select_related("lead__detention").get(pk=plan.pk)
    _require_open(plan.lead)
    require(acting_user, "approve_plan", plan.lead.detention.facility_id)
    if revision is not None and revision != plan.revision:
        raise ValidationError(_("方案在您打开后已被修改，请阅读修改后的方案再审批"), code="stale")
    status = ResolutionPlan.Status.APPROVED if approve else ResolutionPlan.Status.RETURNED
    require_transition(
        plan,
        status,
        message=_("只有待审批的方案可以审批（当前：%(status)s）") % {"status": plan.get_status_display()},
    )
    if not approve and not comment.strip():
        raise ValidationError({"comment": _("退回方案时请写明意见")})
    decision = PlanReview.Decision.APPROVED if approve else PlanReview.Decision.RETURNED
    plan.status = status
    plan.decided_by, plan.decided_at, plan.decision_comment = acting_user, now, comment.strip()
    plan.save(update_fields=["status", "decided_by", "decided_at", "decision_comment", "updated_at"])
    PlanReview.objects.create(plan=plan, decision=decision, comment=comment.strip(), reviewer=acting_user, at=now)
    # The request is answered, by this leader for all of them: no leader's inbox keeps asking.
    mark_done(ResolutionPlan.review_request(plan.lead_id), now=now)
    if plan.author_id and plan.author_id != acting_user.pk:
        notify(
            "plan_reviewed",
            recipients=[plan.author],
            build_message=lambda _user: Message(
                subject=_("一人一策方案已%(decision)s") % {"decision": PlanReview.Decision(decision).label},
                body=comment.strip(),
                link=reverse("disputes:lead_detail", kwargs={"pk": plan.lead_id}),
            ),
        )
    return plan
