"""Mediation sessions: booking a room, the detained person and the staff for [starts_at, ends_at),
adding a participant, cancelling, and marking it held (attendance, minutes, result) or no-show, along
MediationSession.TRANSITIONS.

Lock order, the same in every write that touches sessions (and in the transfer and the closing of a
lead, which cancel sessions ahead): the detention, then the lead, then the session rows. A transfer
saved at the same moment as a booking therefore waits for it (and then cancels it), or the booking
waits and sees the new centre.

The checks before a booking only name what is in the way; the exclusion constraints on the session
and participant tables settle a race between two bookings that both passed them."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from guardian.shortcuts import assign_perm

from accounts.models import CENTRE_ROLES, Membership, Organization, Role, User
from accounts.permissions import can, require
from detainees.models import Detention, HealthCheck
from notifications.services import Message, notify
from yaoyao_mediation.states import require_transition

from ..models import (
    DisputeLead,
    MediationSession,
    ResolutionPlan,
    Room,
    SessionGuest,
    SessionParticipant,
    VolunteerProfile,
)
from .cancellations import _cancel
from .courts import COURT_KINDS, _in_county
from .guards import _require_open
from .leads import move_lead
from .roster import availability_text

# A mediation is a meeting, not a day's booking of the room.
MAX_SESSION_LENGTH = timedelta(hours=8)

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


def override_reasons_for(
    lead: DisputeLead, *, starts_at: datetime, ends_at: datetime, now: datetime | None = None
) -> list[str]:
    """What makes a session at this time need a leader's override: it starts before `now` (entered
    after the fact: nobody held the room, the person or the staff for it ahead), it ends after the
    (scheduled or actual) release, or the latest health check advises against mediation."""
    now = now or timezone.now()
    detention = lead.detention
    reasons = []
    if starts_at < now:
        reasons.append(MediationSession.OVERRIDE_AFTER_THE_FACT)
    release = detention.released_at or detention.scheduled_release_at
    if ends_at > release:
        reasons.append(MediationSession.OVERRIDE_AFTER_RELEASE)
    latest = detention.health_checks.order_by("-checked_at", "-pk").only("conclusion").first()
    if latest is not None and latest.conclusion != HealthCheck.Conclusion.SUITABLE:
        reasons.append(MediationSession.OVERRIDE_HEALTH)
    return reasons


OVERRIDE_LABELS = {
    MediationSession.OVERRIDE_AFTER_THE_FACT: gettext_lazy("开始时间已过，属事后补录"),
    MediationSession.OVERRIDE_AFTER_RELEASE: gettext_lazy("调解时间晚于出所时间"),
    MediationSession.OVERRIDE_HEALTH: gettext_lazy("体检结论不建议参加调解"),
}


# --- booking ----------------------------------------------------------------------------------------


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
    ends_at). Checks everything first and names what is in the way. A session that needs an override
    (see override_reasons_for) is booked only by a centre leader who writes `override_note`. That
    includes a start before `now`: a talk held at short notice may be entered afterwards, but only as
    a leader's override with its reason, on the page and in the API alike, so that no officer books
    and records a meeting after the fact on their own."""
    now = now or timezone.now()
    # Lock order (module docstring): the detention, then the lead.
    Detention.objects.select_for_update().filter(pk=lead.detention_id).first()
    lead = DisputeLead.objects.select_for_update(of=("self",)).select_related("detention").get(pk=lead.pk)
    detention = lead.detention
    _require_open(lead)
    require(acting_user, "book_session", detention.facility_id)
    _require_approved_plan(lead)
    errors = {
        **_time_errors(detention, starts_at=starts_at, ends_at=ends_at),
        **_place_errors(detention, mode=mode, room=room, court=court),
    }
    if errors:
        raise ValidationError(errors)
    reasons = _overrides_granted(
        lead, starts_at=starts_at, ends_at=ends_at, now=now, note=override_note, acting_user=acting_user
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
    _book(session, participants, now=now)
    for guest in guests:
        if guest.name.strip():
            SessionGuest.objects.create(session=session, name=guest.name.strip(), relation=guest.relation.strip())
    if lead.status == DisputeLead.Status.PLANNING:
        session.lead = move_lead(lead, DisputeLead.Status.MEDIATING, acting_user=acting_user, now=now)
    _tell_participants(session, [user for user, *_rest in participants if user.pk != acting_user.pk])
    return session


def _require_approved_plan(lead: DisputeLead) -> None:
    plan = ResolutionPlan.objects.filter(lead=lead).first()
    if plan is None or not plan.is_approved:
        raise ValidationError(_("一人一策方案经所领导批准后才能安排调解"), code="plan")


def _time_errors(detention: Detention, *, starts_at: datetime, ends_at: datetime) -> dict[str, list[str]]:
    """The session's times in order, not too long, and not before the person came in."""
    errors = {}
    if starts_at >= ends_at:
        errors["ends_at"] = [_("结束时间必须晚于开始时间")]
    elif ends_at - starts_at > MAX_SESSION_LENGTH:
        hours = int(MAX_SESSION_LENGTH.total_seconds() // 3600)
        errors["ends_at"] = [_("一次调解不能超过%(hours)s小时") % {"hours": hours}]
    if starts_at < detention.admitted_at:
        errors["starts_at"] = [_("调解时间早于入所时间")]
    return errors


def _place_errors(
    detention: Detention, *, mode: str, room: Room | None, court: Organization | None
) -> dict[str, list[str]]:
    """A mode, a room of the centre that suits it, and for a video session a court of the county."""
    errors = {}
    if mode not in MediationSession.Mode.values:
        errors["mode"] = [_("请选择调解方式")]
    if room is not None and (room.facility_id != detention.facility_id or not room.is_active):
        errors["room"] = [_("请选择本所在用的调解室")]
    elif mode == MediationSession.Mode.IN_PERSON and (room is None or room.kind != Room.Kind.MEDIATION):
        errors["room"] = [_("面对面调解请选择调解室")]
    elif mode == MediationSession.Mode.VIDEO and (room is None or room.kind != Room.Kind.VIDEO):
        errors["room"] = [_("远程视频调解请选择远程视频调解室")]
    if mode == MediationSession.Mode.VIDEO and (court is None or court.kind not in COURT_KINDS):
        errors["court"] = [_("远程视频调解请选择连线法院")]
    elif mode == MediationSession.Mode.VIDEO and not _in_county(court, detention.facility):
        errors["court"] = [_("请选择本县（市、区）的法院连线")]
    return errors


def _overrides_granted(
    lead: DisputeLead, *, starts_at: datetime, ends_at: datetime, now: datetime, note: str, acting_user: User
) -> list[str]:
    """The reasons this session needs a leader's override (after the fact, release, health), once the
    acting user is a centre leader who has written why; none when the session needs no override."""
    reasons = override_reasons_for(lead, starts_at=starts_at, ends_at=ends_at, now=now)
    if reasons:
        labels = "；".join(str(OVERRIDE_LABELS[reason]) for reason in reasons)
        if acting_user is not None and not can(acting_user, "override_booking", lead.detention.facility_id):
            raise ValidationError(_("%(reasons)s：需由所领导特批后安排") % {"reasons": labels}, code="override")
        if not note.strip():
            raise ValidationError(
                {"override_note": _("%(reasons)s：请填写特批说明") % {"reasons": labels}}, code="override"
            )
    return reasons


def _book(session: MediationSession, participants: Sequence[tuple[User, Membership, str]], *, now: datetime) -> None:
    """Save the session and its participants; a race lost at the exclusion constraints becomes the
    message of the constraint."""
    try:
        # A savepoint, so that a lost race leaves the caller's transaction usable for the message.
        with transaction.atomic():
            session.save()
            for user, membership, declaration in participants:
                _book_participant(session, user, membership, declaration, now=now)
    except IntegrityError as exc:
        raise _booking_conflict(exc) from exc


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
    require(acting_user, "book_session", session.facility_id)
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
    require(acting_user, "book_session", session.facility_id)
    if session.status == MediationSession.Status.CANCELLED:
        return session
    over = _("已举行的调解不能取消") if session.status == MediationSession.Status.HELD else _("未到场的调解不能取消")
    require_transition(session, MediationSession.Status.CANCELLED, message=over)
    if not reason.strip():
        raise ValidationError({"reason": _("请填写取消原因")})
    return _cancel(session, reason=reason, now=now, acting_user=acting_user)


@transaction.atomic
def record_session_result(
    session: MediationSession,
    *,
    minutes: str,
    result: str,
    next_steps: str = "",
    present_participants: Collection[int] | None = None,
    present_guests: Collection[int] | None = None,
    acting_user: User,
    now: datetime | None = None,
) -> MediationSession:
    """Mark a session that has begun as held: who came (`present_participants`, ids of its
    SessionParticipant rows, and `present_guests`, of its SessionGuest rows; None leaves attendance
    as it was), the minutes and the result. A held session's record may be written again (a
    correction): no move then."""
    now = now or timezone.now()
    session = _lock_session(session)
    require(acting_user, "book_session", session.facility_id)
    if session.status != MediationSession.Status.HELD:
        over = (
            _("已取消的调解不能记录结果")
            if session.status == MediationSession.Status.CANCELLED
            else _("未到场的调解不能记录结果")
        )
        require_transition(session, MediationSession.Status.HELD, message=over)
    if session.starts_at > now:
        raise ValidationError(_("调解尚未开始，不能记录结果"))
    errors = {}
    if not minutes.strip():
        errors["minutes"] = _("请填写调解笔录")
    if result not in MediationSession.Result.values:
        errors["result"] = _("请选择调解结果")
    participants = list(session.participants.filter(active=True))
    guests = list(session.guests.all())
    for field, chosen, rows in (
        ("present_participants", present_participants, participants),
        ("present_guests", present_guests, guests),
    ):
        if chosen is not None and set(chosen) - {row.pk for row in rows}:
            errors[field] = _("请从本次调解的参加人员中选择")
    if errors:
        raise ValidationError(errors)
    session.minutes, session.result, session.next_steps = minutes.strip(), result, next_steps.strip()
    session.status = MediationSession.Status.HELD
    session.save(update_fields=["minutes", "result", "next_steps", "status", "updated_at"])
    _record_attendance(participants, present_participants, now=now)
    _record_attendance(guests, present_guests, now=now)
    return session


@transaction.atomic
def record_no_show(
    session: MediationSession, *, note: str, acting_user: User, now: datetime | None = None
) -> MediationSession:
    """Mark a session that was due as not held because someone did not come (`note` says who and
    why). It keeps its place in the room's day: the time is over, nothing is freed for later."""
    now = now or timezone.now()
    session = _lock_session(session)
    require(acting_user, "book_session", session.facility_id)
    if session.status == MediationSession.Status.NO_SHOW:
        return session  # a double click, a retried request
    require_transition(session, MediationSession.Status.NO_SHOW, message=_("只有已安排的调解可以记为未到场"))
    if session.starts_at > now:
        raise ValidationError(_("调解尚未开始，不能记为未到场"))
    if not note.strip():
        raise ValidationError({"note": _("请填写未到场情况")})
    session.status, session.no_show_note = MediationSession.Status.NO_SHOW, note.strip()
    session.save(update_fields=["status", "no_show_note", "updated_at"])
    return session


def _lock_session(session: MediationSession) -> MediationSession:
    return MediationSession.objects.select_for_update(of=("self",)).select_related("lead__detention").get(pk=session.pk)


def _record_attendance(
    rows: Sequence[SessionParticipant] | Sequence[SessionGuest], present: Collection[int] | None, *, now: datetime
) -> None:
    """Each row came or did not; None leaves them as they were."""
    if present is None or not rows:
        return
    present = set(present)
    for row in rows:
        row.attended, row.updated_at = row.pk in present, now
    type(rows[0]).objects.bulk_update(rows, ["attended", "updated_at"])


# --- who may take part, and who is free -------------------------------------------------------------


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
