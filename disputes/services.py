"""Every write to disputes: leads, plans, sessions (room booking), outcomes, agreements, the volunteer
roster and rooms. Each service is one transaction; refused input raises ValidationError with a Chinese
message and saves nothing. Views, the API, commands and tests all call these functions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from guardian.shortcuts import assign_perm

from accounts.access import current_membership, user_role
from accounts.models import CENTRE_ROLES, Membership, Organization, Role, User
from detainees import services as detainee_services
from detainees.models import Detention, HealthCheck
from notifications.services import Message, notify

from .models import (
    Agreement,
    DisputeLead,
    JudicialConfirmation,
    LeadOutcome,
    LeadParty,
    LeadTransition,
    MediationSession,
    PlanReview,
    ResolutionPlan,
    Room,
    SessionGuest,
    SessionParticipant,
    SessionUserObjectPermission,
    Signatory,
    VolunteerProfile,
)
from .tasks import render_agreement_pdf

Status = DisputeLead.Status

# A mediation is a meeting, not a day's booking of the room.
MAX_SESSION_LENGTH = timedelta(hours=8)
COURT_KINDS = {Organization.Kind.COURT, Organization.Kind.ENFORCEMENT_BUREAU}
REGION_KINDS = {Organization.Kind.PROVINCE, Organization.Kind.CITY, Organization.Kind.COUNTY}


@dataclass
class PartyInput:
    side: str
    name: str
    relation: str = ""
    phone: str = ""
    address: str = ""


@transaction.atomic
def open_lead(
    detention: Detention,
    *,
    category: str,
    summary: str,
    parties: Sequence[PartyInput] = (),
    amount_at_stake: Decimal | None = None,
    court_case_number: str = "",
    source: str = DisputeLead.Source.INTAKE_SCREENING,
    risk_level: str = DisputeLead.RiskLevel.LOW,
    assigned_officer: User | None = None,
    acting_user: User | None,
    now: datetime | None = None,
) -> DisputeLead:
    now = now or timezone.now()
    if acting_user is not None:
        _require_centre_staff(acting_user, detention.facility_id)
    if amount_at_stake is not None and amount_at_stake < 0:
        raise ValidationError({"amount_at_stake": _("涉及金额不能小于零")})
    lead = DisputeLead(
        detention=detention,
        facility_id=detention.facility_id,
        category=category,
        summary=summary.strip(),
        amount_at_stake=amount_at_stake,
        court_case_number=court_case_number.strip(),
        source=source,
        risk_level=risk_level,
        assigned_officer=assigned_officer or detention.responsible_officer,
    )
    lead.full_clean(exclude=["detention", "assigned_officer"])
    lead.save()
    for party in parties:
        if not party.name.strip():
            raise ValidationError(_("当事人姓名不能为空"))
        LeadParty.objects.create(
            lead=lead,
            side=party.side,
            name=party.name.strip(),
            relation=party.relation.strip(),
            phone=party.phone.strip(),
            address=party.address.strip(),
        )
    LeadTransition.objects.create(lead=lead, from_status="", to_status=Status.OPEN, at=now, acting_user=acting_user)
    return lead


@transaction.atomic
def move_lead(
    lead: DisputeLead, to_status: str, *, acting_user: User | None, note: str = "", now: datetime | None = None
) -> DisputeLead:
    """Move a lead along TRANSITIONS; a refused move changes nothing. Moving to the state it is
    already in is a no-op (a double click, a retried request)."""
    now = now or timezone.now()
    lead = DisputeLead.objects.select_for_update().get(pk=lead.pk)
    if lead.status == to_status:
        return lead
    if not lead.can_move_to(to_status):
        raise ValidationError(
            _("线索不能从“%(from)s”转为“%(to)s”") % {"from": Status(lead.status).label, "to": Status(to_status).label},
            code="transition",
        )
    from_status, lead.status = lead.status, to_status
    fields = ["status", "updated_at"]
    if to_status in DisputeLead.CLOSED:
        lead.closed_at = now
        fields.append("closed_at")
    lead.save(update_fields=fields)
    if to_status in DisputeLead.CLOSED:
        # A closed lead holds no room, person or staff any longer: its sessions still ahead go.
        its_sessions = MediationSession.objects.filter(lead=lead)
        _cancel_ahead(its_sessions, after=now, reason=_("线索已结案"), now=now, acting_user=acting_user)
    LeadTransition.objects.create(
        lead=lead, from_status=from_status, to_status=to_status, at=now, acting_user=acting_user, note=note.strip()
    )
    return lead


# --- one-person-one-plan ------------------------------------------------------------------------------


def _require_centre_staff(user: User, facility_id: int, *, leader: bool = False) -> None:
    """Views check roles already; the services check again, so a command, a task or a future caller
    cannot write a centre's case as someone from elsewhere."""
    membership = current_membership(user)
    roles = {Role.CENTRE_LEADER} if leader else set(CENTRE_ROLES)
    if membership is None or membership.role not in roles or membership.organization_id != facility_id:
        raise PermissionDenied(_("只有本所所领导可以办理") if leader else _("只有本所民警可以办理"))


def _require_open(lead: DisputeLead) -> None:
    if lead.is_closed:
        raise ValidationError(
            _("该线索已结案（%(status)s），不能再修改") % {"status": lead.get_status_display()}, code="closed"
        )


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
    _require_centre_staff(acting_user, lead.detention.facility_id)
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
    if submit:
        plan.status, plan.submitted_at = ResolutionPlan.Status.SUBMITTED, now
    else:
        plan.status = ResolutionPlan.Status.DRAFT
    plan.save()
    plan.agencies_needed.set(partners)
    if lead.status == Status.OPEN:
        move_lead(lead, Status.PLANNING, acting_user=acting_user, now=now)
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
    _require_centre_staff(acting_user, plan.lead.detention.facility_id, leader=True)
    if revision is not None and revision != plan.revision:
        raise ValidationError(_("方案在您打开后已被修改，请阅读修改后的方案再审批"), code="stale")
    if plan.status != ResolutionPlan.Status.SUBMITTED:
        raise ValidationError(_("只有待审批的方案可以审批（当前：%(status)s）") % {"status": plan.get_status_display()})
    if not approve and not comment.strip():
        raise ValidationError({"comment": _("退回方案时请写明意见")})
    decision = PlanReview.Decision.APPROVED if approve else PlanReview.Decision.RETURNED
    plan.status = ResolutionPlan.Status.APPROVED if approve else ResolutionPlan.Status.RETURNED
    plan.decided_by, plan.decided_at, plan.decision_comment = acting_user, now, comment.strip()
    plan.save(update_fields=["status", "decided_by", "decided_at", "decision_comment", "updated_at"])
    PlanReview.objects.create(plan=plan, decision=decision, comment=comment.strip(), reviewer=acting_user, at=now)
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


# --- mediation sessions -------------------------------------------------------------------------------

# Which capacity a staff member takes in a session, from their role.
CAPACITY_OF_ROLE = {
    Role.OFFICER: SessionParticipant.Capacity.OFFICER,
    Role.CENTRE_LEADER: SessionParticipant.Capacity.OFFICER,
    Role.COURT_STAFF: SessionParticipant.Capacity.JUDGE,
    Role.COURT_MEDIATOR: SessionParticipant.Capacity.COURT_MEDIATOR,
    Role.VOLUNTEER: SessionParticipant.Capacity.VOLUNTEER,
    Role.AGENCY_STAFF: SessionParticipant.Capacity.AGENCY,
}
# People from outside the centre see a session through an object grant (django-guardian), not through
# the centre's scoping; DESIGN.md §5 decides what they see of it.
GRANTED_CAPACITIES = {
    SessionParticipant.Capacity.JUDGE,
    SessionParticipant.Capacity.COURT_MEDIATOR,
    SessionParticipant.Capacity.VOLUNTEER,
    SessionParticipant.Capacity.AGENCY,
}
# Constraint name -> the message for a booking that lost a race the pre-checks could not see.
BOOKING_CONSTRAINT_MESSAGES = {
    "session_room_not_double_booked": gettext_lazy("该调解室在此时段已被预约"),
    "session_person_not_double_booked": gettext_lazy("被拘留人在此时段已有其他调解安排"),
    "participant_not_double_booked": gettext_lazy("有参加人员在此时段已有其他调解安排"),
}


@dataclass
class StaffInput:
    user: User
    # Required for volunteers: their statement that they have no conflict of interest in this dispute.
    conflict_declaration: str = ""


@dataclass
class GuestInput:
    name: str
    relation: str = ""


def override_reasons_for(lead: DisputeLead, *, starts_at: datetime, ends_at: datetime) -> list[str]:
    """What makes a session at this time need a leader's override: it ends after the (scheduled or
    actual) release, or the latest health check advises against mediation."""
    detention = lead.detention
    reasons = []
    release = detention.released_at or detention.scheduled_release_at
    if ends_at > release:
        reasons.append(MediationSession.OVERRIDE_AFTER_RELEASE)
    latest = detention.health_checks.order_by("-checked_at", "-pk").only("conclusion").first()
    if latest is not None and latest.conclusion != HealthCheck.Conclusion.SUITABLE:
        reasons.append(MediationSession.OVERRIDE_HEALTH)
    return reasons


OVERRIDE_LABELS = {
    MediationSession.OVERRIDE_AFTER_RELEASE: gettext_lazy("调解时间晚于出所时间"),
    MediationSession.OVERRIDE_HEALTH: gettext_lazy("体检结论不建议参加调解"),
}


@transaction.atomic
def schedule_session(
    lead: DisputeLead,
    *,
    mode: str,
    starts_at: datetime,
    ends_at: datetime,
    room: Room | None = None,
    court: Organization | None = None,
    staff: Sequence[StaffInput] = (),
    guests: Sequence[GuestInput] = (),
    topic: str = "",
    override_note: str = "",
    acting_user: User,
    now: datetime | None = None,
) -> MediationSession:
    """Book a session: the room, the detained person and every staff participant for [starts_at,
    ends_at). Checks everything first and names what is in the way; the exclusion constraints settle
    a race between two bookings that both passed the checks. A session that needs an override (see
    override_reasons_for) is booked only by a centre leader who writes `override_note`. A start in the
    past is accepted on purpose: a talk held at short notice is entered afterwards, and the room, the
    person and the staff are held for it all the same."""
    now = now or timezone.now()
    # The detention is locked first (the order of every write here: detention, lead, session): a
    # transfer saved at the same moment waits for the booking (and then cancels it), or the booking
    # waits and sees the new centre.
    Detention.objects.select_for_update().filter(pk=lead.detention_id).first()
    lead = DisputeLead.objects.select_for_update(of=("self",)).select_related("detention").get(pk=lead.pk)
    detention = lead.detention
    _require_open(lead)
    _require_centre_staff(acting_user, detention.facility_id)
    plan = ResolutionPlan.objects.filter(lead=lead).first()
    if plan is None or not plan.is_approved:
        raise ValidationError(_("一人一策方案经所领导批准后才能安排调解"), code="plan")
    errors: dict[str, list[str]] = {}

    def error(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if starts_at >= ends_at:
        error("ends_at", _("结束时间必须晚于开始时间"))
    elif ends_at - starts_at > MAX_SESSION_LENGTH:
        error(
            "ends_at", _("一次调解不能超过%(hours)s小时") % {"hours": int(MAX_SESSION_LENGTH.total_seconds() // 3600)}
        )
    if starts_at < detention.admitted_at:
        error("starts_at", _("调解时间早于入所时间"))
    if mode not in MediationSession.Mode.values:
        error("mode", _("请选择调解方式"))
    if room is not None and (room.facility_id != detention.facility_id or not room.is_active):
        error("room", _("请选择本所在用的调解室"))
    elif mode == MediationSession.Mode.IN_PERSON and (room is None or room.kind != Room.Kind.MEDIATION):
        error("room", _("面对面调解请选择调解室"))
    elif mode == MediationSession.Mode.VIDEO and (room is None or room.kind != Room.Kind.VIDEO):
        error("room", _("远程视频调解请选择远程视频调解室"))
    if mode == MediationSession.Mode.VIDEO and (court is None or court.kind not in COURT_KINDS):
        error("court", _("远程视频调解请选择连线法院"))
    elif mode == MediationSession.Mode.VIDEO and not _in_county(court, detention.facility):
        error("court", _("请选择本县（市、区）的法院连线"))
    if errors:
        raise ValidationError(errors)

    reasons = override_reasons_for(lead, starts_at=starts_at, ends_at=ends_at)
    if reasons:
        labels = "；".join(str(OVERRIDE_LABELS[reason]) for reason in reasons)
        if user_role(acting_user) != Role.CENTRE_LEADER:
            raise ValidationError(_("%(reasons)s：需由所领导特批后安排") % {"reasons": labels}, code="override")
        if not override_note.strip():
            raise ValidationError(
                {"override_note": _("%(reasons)s：请填写特批说明") % {"reasons": labels}}, code="override"
            )

    participants = _participants(detention.facility, staff, starts_at=starts_at, ends_at=ends_at)
    _check_free(lead, room=room, users=[user for user, *_rest in participants], starts_at=starts_at, ends_at=ends_at)

    session = MediationSession(
        lead=lead,
        person_id=detention.person_id,
        facility_id=detention.facility_id,
        mode=mode,
        room=room,
        court=court if mode == MediationSession.Mode.VIDEO else None,
        starts_at=starts_at,
        ends_at=ends_at,
        topic=topic.strip(),
        scheduled_by=acting_user,
        override_reasons=reasons,
        override_by=acting_user if reasons else None,
        override_note=override_note.strip() if reasons else "",
    )
    try:
        # A savepoint, so that a lost race leaves the caller's transaction usable for the message.
        with transaction.atomic():
            session.save()
            for user, membership, declaration in participants:
                _book_participant(session, user, membership, declaration, now=now)
    except IntegrityError as exc:
        raise _booking_conflict(exc) from exc
    for guest in guests:
        if guest.name.strip():
            SessionGuest.objects.create(session=session, name=guest.name.strip(), relation=guest.relation.strip())
    if lead.status == Status.PLANNING:
        session.lead = move_lead(lead, Status.MEDIATING, acting_user=acting_user, now=now)
    _tell_participants(session, [user for user, *_rest in participants if user.pk != acting_user.pk])
    return session


@transaction.atomic
def add_participant(
    session: MediationSession, staff: StaffInput, *, acting_user: User, now: datetime | None = None
) -> SessionParticipant:
    """Add one staff member (e.g. a volunteer, with their declaration) to a scheduled session."""
    now = now or timezone.now()
    session = (
        MediationSession.objects.select_for_update(of=("self",))
        .select_related("lead__detention", "facility")
        .get(pk=session.pk)
    )
    _require_centre_staff(acting_user, session.facility_id)
    _require_open(session.lead)
    if session.status != MediationSession.Status.SCHEDULED:
        raise ValidationError(_("只能为尚未举行的调解添加人员"))
    if session.participants.filter(user=staff.user).exists():
        raise ValidationError({"user": _("%(name)s 已在参加人员中") % {"name": _display(staff.user)}})
    # The centre that holds the session (after a transfer, no longer the person's centre).
    [(user, membership, declaration)] = _participants(
        session.facility, [staff], starts_at=session.starts_at, ends_at=session.ends_at
    )
    _check_free(
        session.lead, room=None, users=[user], starts_at=session.starts_at, ends_at=session.ends_at, exclude=session
    )
    try:
        with transaction.atomic():
            participant = _book_participant(session, user, membership, declaration, now=now)
    except IntegrityError as exc:
        raise _booking_conflict(exc) from exc
    if user.pk != acting_user.pk:
        _tell_participants(session, [user])
    return participant


@transaction.atomic
def cancel_session(
    session: MediationSession, *, reason: str, acting_user: User, now: datetime | None = None
) -> MediationSession:
    """Cancel a scheduled session: the room, the person and the participants are free again."""
    now = now or timezone.now()
    session = (
        MediationSession.objects.select_for_update(of=("self",)).select_related("lead__detention").get(pk=session.pk)
    )
    _require_centre_staff(acting_user, session.facility_id)
    if session.status == MediationSession.Status.CANCELLED:
        return session
    if session.status != MediationSession.Status.SCHEDULED:
        raise ValidationError(_("已举行的调解不能取消"))
    if not reason.strip():
        raise ValidationError({"reason": _("请填写取消原因")})
    return _cancel(session, reason=reason, now=now, acting_user=acting_user)


def _cancel(
    session: MediationSession, *, reason: str, now: datetime, acting_user: User | None = None
) -> MediationSession:
    """Free the room, the person and the participants, tell the participants, and take back the
    grants of those invited from outside: a cancelled meeting is no reason for them to keep seeing it
    (DESIGN.md §5). The notice says when and where, as the invitation did, and not why: the reason may
    speak of the detention (a transfer)."""
    session.status, session.cancelled_at, session.cancel_reason = MediationSession.Status.CANCELLED, now, reason.strip()
    session.save(update_fields=["status", "cancelled_at", "cancel_reason", "updated_at"])
    coming = [p.user for p in session.participants.filter(active=True).select_related("user")]
    session.participants.update(active=False, updated_at=now)
    SessionUserObjectPermission.objects.filter(content_object=session).delete()
    if session.starts_at > now:
        where = session.room.name if session.room_id else session.get_mode_display()
        notify(
            "session_cancelled",
            recipients=[user for user in coming if acting_user is None or user.pk != acting_user.pk],
            build_message=lambda _user: Message(
                subject=_("调解取消：%(start)s，%(where)s")
                % {"start": f"{timezone.localtime(session.starts_at):%Y-%m-%d %H:%M}", "where": where}
            ),
        )
    return session


def _cancel_ahead(
    sessions: QuerySet[MediationSession], *, after: datetime, reason: str, now: datetime, acting_user: User | None
) -> None:
    """Cancel those of `sessions` that start after `after` and are still only booked (the lead closed,
    the person moved to another centre): they hold rooms and people they will not use. Only the
    session rows are locked (lock order: detention, lead, session)."""
    ahead = sessions.select_for_update(of=("self",)).filter(
        status=MediationSession.Status.SCHEDULED, starts_at__gt=after
    )
    for session in ahead:
        _cancel(session, reason=reason, now=now, acting_user=acting_user)


@transaction.atomic
def transfer_detention(
    detention: Detention,
    *,
    to_facility: Organization,
    moved_at: datetime,
    acting_user: User | None,
    note: str = "",
    now: datetime | None = None,
) -> Detention:
    """Move the person to another centre, and what disputes holds for them with it: the leads go with the
    person to the receiving centre, and the sessions still booked in the old centre's rooms after the
    move, of no use to someone moved away, are cancelled (participants told, grants taken back).

    One transaction; detainees.services.transfer_detention checks the move and locks the detention
    first, so the lock order stays detention → lead → session."""
    now = now or timezone.now()
    detention = detainee_services.transfer_detention(
        detention, to_facility=to_facility, moved_at=moved_at, acting_user=acting_user, note=note, now=now
    )
    DisputeLead.objects.filter(detention=detention).update(facility=to_facility)
    _cancel_ahead(
        MediationSession.objects.filter(lead__detention=detention),
        after=moved_at,
        reason=_("被拘留人已转所"),
        now=now,
        acting_user=acting_user,
    )
    return detention


@transaction.atomic
def record_session_result(
    session: MediationSession,
    *,
    minutes: str,
    result: str,
    next_steps: str = "",
    acting_user: User,
    now: datetime | None = None,
) -> MediationSession:
    """Write the minutes and result of a session that has taken place; it then counts as held."""
    now = now or timezone.now()
    session = (
        MediationSession.objects.select_for_update(of=("self",)).select_related("lead__detention").get(pk=session.pk)
    )
    _require_centre_staff(acting_user, session.facility_id)
    errors = {}
    if session.status == MediationSession.Status.CANCELLED:
        raise ValidationError(_("已取消的调解不能记录结果"))
    if session.starts_at > now:
        raise ValidationError(_("调解尚未开始，不能记录结果"))
    if not minutes.strip():
        errors["minutes"] = _("请填写调解笔录")
    if result not in MediationSession.Result.values:
        errors["result"] = _("请选择调解结果")
    if errors:
        raise ValidationError(errors)
    session.minutes, session.result, session.next_steps = minutes.strip(), result, next_steps.strip()
    session.status = MediationSession.Status.HELD
    session.save(update_fields=["minutes", "result", "next_steps", "status", "updated_at"])
    return session


def _display(user: User) -> str:
    return user.full_name or user.username


def _participants(
    facility: Organization, staff: Sequence[StaffInput], *, starts_at: datetime, ends_at: datetime
) -> list[tuple[User, Membership, str]]:
    """Check each staff participant of a session held at `facility` and return (user, membership,
    declaration) for each."""
    found, errors, seen = [], [], set()
    memberships = {
        m.user_id: m
        for m in Membership.objects.filter(
            user__in=[s.user for s in staff], is_active=True, organization__is_active=True
        )
        .select_related("organization")
        .order_by("pk")
        .reverse()  # the first active membership wins, as in accounts.access.current_membership
    }
    for item in staff:
        user = item.user
        if user.pk in seen:
            continue
        seen.add(user.pk)
        membership = memberships.get(user.pk)
        name = _display(user)
        if membership is None or Role(membership.role) not in CAPACITY_OF_ROLE or not user.is_active:
            errors.append(_("%(name)s 不能参加调解") % {"name": name})
            continue
        role = Role(membership.role)
        if role in CENTRE_ROLES and membership.organization_id != facility.pk:
            errors.append(_("%(name)s 不是本所民警") % {"name": name})
            continue
        if role == Role.AGENCY_STAFF and not membership.organization.is_state_organ:
            # A non-state partner must not learn that the person is detained (DESIGN.md §5).
            errors.append(_("%(name)s 所在单位不是国家机关，不能参加所内调解") % {"name": name})
            continue
        if role in {Role.COURT_STAFF, Role.COURT_MEDIATOR} and not _in_county(membership.organization, facility):
            errors.append(_("%(name)s 不属于本县（市、区）法院") % {"name": name})
            continue
        declaration = ""
        if role == Role.VOLUNTEER:
            # Locked: a leader taking the volunteer off the roster at this moment waits for the booking
            # (and then withdraws them from it), or the booking waits and finds them gone.
            profile = (
                VolunteerProfile.objects.select_for_update()
                .filter(user=user, facility_id=facility.pk, is_active=True)
                .first()
            )
            if profile is None:
                errors.append(_("%(name)s 不在本所社会监督员名册中") % {"name": name})
                continue
            if not profile.is_available(starts_at, ends_at):
                errors.append(
                    _("%(name)s 在此时段不能参加（可参加时间：%(hours)s）")
                    % {"name": name, "hours": availability_text(profile)}
                )
                continue
            declaration = item.conflict_declaration.strip()
            if not declaration:
                errors.append(_("请为社会监督员 %(name)s 填写利益冲突声明") % {"name": name})
                continue
        found.append((user, membership, declaration))
    if errors:
        raise ValidationError({"staff": errors})
    return found


def _in_county(organization: Organization, facility: Organization) -> bool:
    county = facility.county()
    return county is not None and organization.path.startswith(county.path)


def availability_text(profile: VolunteerProfile) -> str:
    days = "、".join(str(WEEKDAY_NAMES[day]) for day in sorted(profile.available_weekdays)) or "—"
    return f"{days} {profile.available_from:%H:%M}–{profile.available_until:%H:%M}"


WEEKDAY_NAMES = {
    1: gettext_lazy("周一"),
    2: gettext_lazy("周二"),
    3: gettext_lazy("周三"),
    4: gettext_lazy("周四"),
    5: gettext_lazy("周五"),
    6: gettext_lazy("周六"),
    7: gettext_lazy("周日"),
}


def _check_free(
    lead: DisputeLead,
    *,
    room: Room | None,
    users: Sequence[User],
    starts_at: datetime,
    ends_at: datetime,
    exclude: MediationSession | None = None,
) -> None:
    """Name what is already booked in [starts_at, ends_at). Only a courtesy: the constraints decide."""
    overlapping = MediationSession.objects.exclude(status=MediationSession.Status.CANCELLED).filter(
        starts_at__lt=ends_at, ends_at__gt=starts_at
    )
    if exclude is not None:
        overlapping = overlapping.exclude(pk=exclude.pk)
    errors: dict[str, list[str]] = {}
    if room is not None:
        taken = overlapping.filter(room=room).first()
        if taken is not None:
            errors["room"] = [
                _("%(room)s 在 %(start)s–%(end)s 已被预约")
                % {"room": room.name, "start": _hm(taken.starts_at), "end": _hm(taken.ends_at)}
            ]
    if overlapping.filter(person_id=lead.detention.person_id).exists():
        errors.setdefault("starts_at", []).append(_("被拘留人在此时段已有其他调解安排"))
    busy = (
        SessionParticipant.objects.filter(active=True, user__in=users, starts_at__lt=ends_at, ends_at__gt=starts_at)
        .exclude(session=exclude)
        .select_related("user")
    )
    for participant in busy:
        errors.setdefault("staff", []).append(
            _("%(name)s 在此时段已有其他调解安排") % {"name": _display(participant.user)}
        )
    if errors:
        # The same code as a race lost at the constraints (_booking_conflict), so callers (the API's
        # 409) tell a double booking from other refusals whichever check caught it.
        raise ValidationError(
            {field: [ValidationError(m, code="double_booked") for m in messages] for field, messages in errors.items()}
        )


def _hm(moment: datetime) -> str:
    return f"{timezone.localtime(moment):%H:%M}"


def _book_participant(
    session: MediationSession, user: User, membership: Membership, declaration: str, *, now: datetime
) -> SessionParticipant:
    capacity = CAPACITY_OF_ROLE[Role(membership.role)]
    participant = SessionParticipant.objects.create(
        session=session,
        user=user,
        capacity=capacity,
        organization=membership.organization,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        conflict_declaration=declaration,
        declared_at=now if declaration else None,
    )
    if capacity in GRANTED_CAPACITIES:
        assign_perm("disputes.view_mediationsession", user, session)
    return participant


def _booking_conflict(exc: IntegrityError) -> ValidationError:
    name = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None)
    message = BOOKING_CONSTRAINT_MESSAGES.get(name)
    if message is None:
        raise exc
    return ValidationError(str(message), code="double_booked")


def _tell_participants(session: MediationSession, users: Sequence[User]) -> None:
    """Each participant is told the time and the room, and nothing of the detention (DESIGN.md §5)."""
    if not users:
        return
    where = session.room.name if session.room_id else session.get_mode_display()
    notify(
        "session_scheduled",
        recipients=users,
        build_message=lambda _user: Message(
            subject=_("调解安排：%(start)s，%(where)s")
            % {"start": f"{timezone.localtime(session.starts_at):%Y-%m-%d %H:%M}", "where": where},
            link=reverse("disputes:session_detail", kwargs={"pk": session.pk}),
        ),
    )


# --- outcome, agreement, judicial confirmation --------------------------------------------------------


@dataclass
class OutcomeInput:
    summary: str
    enforcement_settled: bool = False
    agreed_amount: Decimal | None = None
    paid_amount: Decimal | None = None
    court_case_number: str = ""
    petition_withdrawn: bool = False
    family_reconciled: bool = False
    crisis_averted: bool = False


def _check_amounts(agreed: Decimal | None, paid: Decimal | None) -> dict[str, str]:
    errors = {}
    if agreed is not None and agreed < 0:
        errors["agreed_amount"] = _("约定金额不能小于零")
    if paid is not None and paid < 0:
        errors["paid_amount"] = _("已履行金额不能小于零")
    if not errors and agreed is not None and paid is not None and paid > agreed:
        errors["paid_amount"] = _("已履行金额不能大于约定金额")
    return errors


@transaction.atomic
def record_outcome(
    lead: DisputeLead, *, status: str, outcome: OutcomeInput, acting_user: User, now: datetime | None = None
) -> LeadOutcome:
    """Close the lead as resolved, partly resolved, unresolved or withdrawn, with its effects."""
    now = now or timezone.now()
    lead = DisputeLead.objects.select_for_update(of=("self",)).select_related("detention").get(pk=lead.pk)
    _require_centre_staff(acting_user, lead.detention.facility_id)
    if status not in DisputeLead.CLOSED:
        raise ValidationError({"status": _("结果只能是已化解、部分化解、未化解或已撤回")}, code="not_closed")
    if lead.is_closed:
        raise ValidationError(_("该线索已结案（%(status)s）") % {"status": lead.get_status_display()}, code="closed")
    errors = _check_amounts(outcome.agreed_amount, outcome.paid_amount)
    if not outcome.summary.strip():
        errors["summary"] = _("请填写化解情况")
    settled = status in {Status.RESOLVED, Status.PARTLY_RESOLVED}
    effects = (
        outcome.enforcement_settled or outcome.petition_withdrawn or outcome.family_reconciled or outcome.crisis_averted
    )
    if effects and not settled:
        errors["status"] = _("只有已化解或部分化解的线索可以记录化解成效")
    if outcome.enforcement_settled and outcome.agreed_amount is None:
        errors["agreed_amount"] = _("执行和解请填写约定金额")
    if errors:
        raise ValidationError(errors)
    lead = move_lead(lead, status, acting_user=acting_user, note=outcome.summary, now=now)
    return LeadOutcome.objects.create(
        lead=lead,
        summary=outcome.summary.strip(),
        enforcement_settled=outcome.enforcement_settled,
        agreed_amount=outcome.agreed_amount,
        paid_amount=outcome.paid_amount,
        court_case_number=(outcome.court_case_number or lead.court_case_number).strip(),
        petition_withdrawn=outcome.petition_withdrawn,
        family_reconciled=outcome.family_reconciled,
        crisis_averted=outcome.crisis_averted,
        recorded_by=acting_user,
    )


@dataclass
class SignatoryInput:
    role: str
    name: str


@transaction.atomic
def save_agreement(
    lead: DisputeLead,
    *,
    facts: str,
    terms: str,
    signed_on: date,
    signatories: Sequence[SignatoryInput],
    agreed_amount: Decimal | None = None,
    paid_amount: Decimal | None = None,
    acting_user: User,
) -> Agreement:
    """Write the agreement of a resolved or partly resolved lead. Every change bumps `revision`, so
    the cached PDF of the previous revision is no longer served; a worker renders the new one."""
    lead = DisputeLead.objects.select_for_update(of=("self",)).select_related("detention__facility").get(pk=lead.pk)
    _require_centre_staff(acting_user, lead.detention.facility_id)
    if lead.status not in {Status.RESOLVED, Status.PARTLY_RESOLVED}:
        raise ValidationError(_("只有已化解或部分化解的线索可以制作调解协议书"), code="not_resolved")
    errors = _check_amounts(agreed_amount, paid_amount)
    if not facts.strip():
        errors["facts"] = _("请填写纠纷事实")
    if not terms.strip():
        errors["terms"] = _("请填写协议条款")
    people = [s for s in signatories if s.name.strip()]
    if len(people) < 2:
        errors["signatories"] = _("协议至少需要两方签字人")
    if signed_on > timezone.localdate():
        errors["signed_on"] = _("签订日期不能晚于今天")
    if errors:
        raise ValidationError(errors)
    agreement = Agreement.objects.select_for_update().filter(lead=lead).first()
    if agreement is not None:
        confirmation = (
            JudicialConfirmation.objects.filter(agreement=agreement)
            .exclude(status=JudicialConfirmation.Status.REFUSED)
            .first()
        )
        if confirmation is not None:
            # The court confirms the text it was sent: a pending or confirmed agreement is frozen.
            raise ValidationError(
                _("协议书已申请司法确认（%(status)s），不能再修改") % {"status": confirmation.get_status_display()},
                code="frozen",
            )
    if agreement is None:
        agreement = Agreement(lead=lead, number=_next_agreement_number(lead.detention.facility, signed_on), revision=1)
    else:
        agreement.revision += 1
    agreement.facts, agreement.terms = facts.strip(), terms.strip()
    agreement.agreed_amount, agreement.paid_amount, agreement.signed_on = agreed_amount, paid_amount, signed_on
    agreement.save()
    agreement.signatories.all().delete()
    Signatory.objects.bulk_create(
        [Signatory(agreement=agreement, role=s.role.strip(), name=s.name.strip()) for s in people]
    )
    agreement_id = agreement.pk
    # robust: a broker outage must not turn a saved agreement into an error page; the PDF page queues
    # the render again when it is opened.
    transaction.on_commit(lambda: render_agreement_pdf.delay(agreement_id), robust=True)
    return agreement


def _next_agreement_number(facility: Organization, signed_on: date) -> str:
    """余姚市拘留所 2026 年第 7 份 → "330281-JLS调〔2026〕7号". One statement takes the next number of the
    centre's sequence for the year (creating it at 1), so two agreements saved at once never share a
    number, and a number once given is never given again."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO disputes_agreementsequence AS seq (facility_id, year, last_number)
            VALUES (%s, %s, 1)
            ON CONFLICT (facility_id, year) DO UPDATE SET last_number = seq.last_number + 1
            RETURNING last_number
            """,
            [facility.pk, signed_on.year],
        )
        (number,) = cursor.fetchone()
    return f"{facility.code}调〔{signed_on.year}〕{number}号"


@transaction.atomic
def request_judicial_confirmation(
    agreement: Agreement, *, court: Organization, acting_user: User, now: datetime | None = None
) -> JudicialConfirmation:
    """Ask a court of the centre's county to confirm the agreement. After a refusal the centre may ask
    again; the refusal stays on record. Requests for one agreement are taken one at a time (the
    agreement row is locked), and the partial unique constraint backs that up."""
    now = now or timezone.now()
    agreement = (
        Agreement.objects.select_for_update(of=("self",))
        .select_related("lead__detention__facility")
        .get(pk=agreement.pk)
    )
    detention = agreement.lead.detention
    _require_centre_staff(acting_user, detention.facility_id)
    if court.kind not in COURT_KINDS or not _in_county(court, detention.facility):
        raise ValidationError({"court": _("请选择本县（市、区）受理司法确认的法院")})
    existing = (
        JudicialConfirmation.objects.filter(agreement=agreement).exclude(status=JudicialConfirmation.Status.REFUSED)
    ).first()
    if existing is not None:
        raise ValidationError(_("已申请司法确认（%(status)s）") % {"status": existing.get_status_display()})
    try:
        with transaction.atomic():
            confirmation = JudicialConfirmation.objects.create(
                agreement=agreement,
                agreement_revision=agreement.revision,
                court=court,
                requested_by=acting_user,
                requested_at=now,
            )
    except IntegrityError as exc:
        raise ValidationError(_("已申请司法确认"), code="duplicate") from exc
    staff = User.objects.filter(
        memberships__organization=court, memberships__role=Role.COURT_STAFF, memberships__is_active=True
    )
    notify(
        "judicial_confirmation_requested",
        recipients=staff,
        build_message=lambda _user: Message(
            subject=_("司法确认申请：%(number)s") % {"number": agreement.number},
            link=reverse("disputes:confirmation_detail", kwargs={"pk": confirmation.pk}),
        ),
    )
    return confirmation


@transaction.atomic
def decide_judicial_confirmation(
    confirmation: JudicialConfirmation, *, confirm: bool, note: str = "", acting_user: User, now: datetime | None = None
) -> JudicialConfirmation:
    """The court's answer; a refusal needs its reasons."""
    now = now or timezone.now()
    confirmation = JudicialConfirmation.objects.select_for_update().get(pk=confirmation.pk)
    membership = current_membership(acting_user)
    if membership is None or membership.role != Role.COURT_STAFF or membership.organization_id != confirmation.court_id:
        raise PermissionDenied(_("只有受理法院的工作人员可以答复"))
    if confirmation.status != JudicialConfirmation.Status.REQUESTED:
        raise ValidationError(_("该申请已处理（%(status)s）") % {"status": confirmation.get_status_display()})
    if not confirm and not note.strip():
        raise ValidationError({"note": _("不予确认时请写明理由")})
    confirmation.status = JudicialConfirmation.Status.CONFIRMED if confirm else JudicialConfirmation.Status.REFUSED
    confirmation.decided_by, confirmation.decided_at, confirmation.court_note = acting_user, now, note.strip()
    confirmation.save(update_fields=["status", "decided_by", "decided_at", "court_note", "updated_at"])
    return confirmation


# --- rooms and the volunteer roster (centre leaders) ------------------------------------------------------


@transaction.atomic
def save_room(
    facility: Organization,
    *,
    name: str,
    kind: str,
    for_family_meetings: bool = False,
    capacity: int = 6,
    is_active: bool = True,
    room: Room | None = None,
    acting_user: User,
) -> Room:
    _require_centre_staff(acting_user, facility.pk, leader=True)
    room = room or Room(facility=facility)
    if room.facility_id != facility.pk:
        raise ValidationError(_("只能管理本所的调解室"))
    room.name, room.kind, room.for_family_meetings = name.strip(), kind, for_family_meetings
    room.capacity, room.is_active = capacity, is_active
    room.full_clean()
    room.save()
    return room


@transaction.atomic
def enrol_volunteer(
    facility: Organization,
    *,
    user: User,
    qualification: str,
    certificate_number: str = "",
    specialties: str = "",
    available_weekdays: Sequence[int],
    available_from: time,
    available_until: time,
    confidentiality_signed_on: date | None = None,
    is_active: bool = True,
    acting_user: User,
    now: datetime | None = None,
) -> VolunteerProfile:
    """Put a volunteer on the centre's roster, or update their entry. They take part in sessions only
    once the confidentiality undertaking is signed (DESIGN.md §5). A volunteer serving two centres has
    an entry at each; one centre's leader changes only their own centre's entry."""
    now = now or timezone.now()
    _require_centre_staff(acting_user, facility.pk, leader=True)
    if not Membership.objects.filter(user=user, organization=facility, role=Role.VOLUNTEER, is_active=True).exists():
        raise ValidationError({"user": _("该用户不是本所的社会监督员账号")})
    errors = {}
    if confidentiality_signed_on is None and is_active:
        errors["confidentiality_signed_on"] = _("请填写保密承诺签署日期")
    if not available_weekdays or not set(available_weekdays) <= set(range(1, 8)):
        errors["available_weekdays"] = _("请选择可参加的星期")
    if available_from >= available_until:
        errors["available_until"] = _("结束时间必须晚于开始时间")
    if errors:
        raise ValidationError(errors)
    profile, _created = VolunteerProfile.objects.update_or_create(
        user=user,
        facility=facility,
        defaults={
            "qualification": qualification,
            "certificate_number": certificate_number.strip(),
            "specialties": specialties.strip(),
            "available_weekdays": sorted(set(available_weekdays)),
            "available_from": available_from,
            "available_until": available_until,
            "confidentiality_signed_on": confidentiality_signed_on,
            "is_active": is_active,
        },
    )
    if not is_active:
        _withdraw_volunteer(user, facility, now=now)
    return profile


def _withdraw_volunteer(user: User, facility: Organization, *, now: datetime) -> None:
    """A volunteer taken off a centre's roster leaves the sessions still ahead there, and loses sight
    of every session of that centre they were invited to (DESIGN.md §5: grants, not roles, let them in)."""
    sessions = MediationSession.objects.filter(facility=facility)
    SessionParticipant.objects.filter(
        user=user,
        session__in=sessions,
        active=True,
        session__status=MediationSession.Status.SCHEDULED,
        starts_at__gt=now,
    ).update(active=False, updated_at=now)
    SessionUserObjectPermission.objects.filter(user=user, content_object__in=sessions).delete()


# --- editing a lead ---------------------------------------------------------------------------------------


@transaction.atomic
def update_lead(
    lead: DisputeLead,
    *,
    category: str,
    summary: str,
    amount_at_stake: Decimal | None,
    court_case_number: str,
    source: str,
    risk_level: str,
    assigned_officer: User | None,
    acting_user: User,
) -> DisputeLead:
    lead = DisputeLead.objects.select_for_update(of=("self",)).select_related("detention").get(pk=lead.pk)
    _require_open(lead)
    _require_centre_staff(acting_user, lead.detention.facility_id)
    if amount_at_stake is not None and amount_at_stake < 0:
        raise ValidationError({"amount_at_stake": _("涉及金额不能小于零")})
    lead.category, lead.summary, lead.amount_at_stake = category, summary.strip(), amount_at_stake
    lead.court_case_number, lead.source, lead.risk_level = court_case_number.strip(), source, risk_level
    lead.assigned_officer = assigned_officer
    lead.full_clean(exclude=["detention", "assigned_officer"])
    lead.save()
    return lead


@transaction.atomic
def add_party(lead: DisputeLead, party: PartyInput, *, acting_user: User) -> LeadParty:
    lead = DisputeLead.objects.select_for_update(of=("self",)).select_related("detention").get(pk=lead.pk)
    _require_open(lead)
    _require_centre_staff(acting_user, lead.detention.facility_id)
    if not party.name.strip():
        raise ValidationError({"name": _("当事人姓名不能为空")})
    row = LeadParty(
        lead=lead,
        side=party.side,
        name=party.name.strip(),
        relation=party.relation.strip(),
        phone=party.phone.strip(),
        address=party.address.strip(),
    )
    row.full_clean(exclude=["lead", "phone_hash"])
    row.save()
    return row


@transaction.atomic
def remove_party(party: LeadParty, *, acting_user: User) -> None:
    lead = DisputeLead.objects.select_for_update(of=("self",)).select_related("detention").get(pk=party.lead_id)
    _require_open(lead)
    _require_centre_staff(acting_user, lead.detention.facility_id)
    party.delete()
