"""Forms of the session pages: validation only. disputes.services books, cancels and records; its
ValidationErrors come back onto the form through yaoyao_mediation.form_fields.add_service_errors, under the
form's own field names."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from django import forms
from django.core.exceptions import BadRequest
from django.db.models import FilteredRelation, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import CENTRE_ROLES, Membership, Organization, Role, User
from yaoyao_mediation.form_fields import TimeInput, area_field, date_field

from . import services
from .models import MediationSession, Room, SessionGuest, SessionParticipant

GUEST_SLOTS = 3
COURT_ROLES = {Role.COURT_STAFF, Role.COURT_MEDIATOR}
# The order of the staff list: the centre's own people, its volunteers, then the court.
GROUP_OF_ROLE = {Role.OFFICER: 0, Role.CENTRE_LEADER: 0, Role.VOLUNTEER: 1}


# --- who may take part ------------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffChoice:
    user: User
    label: str
    is_volunteer: bool


def staff_choices(facility: Organization) -> list[StaffChoice]:
    """Everyone who may be booked into a session of this centre, in one query: its officers and
    leaders, the active volunteers on its roster (with the hours they can come), and the court staff
    and court mediators of the courts of its county."""
    eligible = Q(organization=facility, role__in=CENTRE_ROLES) | Q(
        organization=facility, role=Role.VOLUNTEER, roster__is_active=True
    )
    county = facility.county()
    if county is not None:
        eligible |= Q(
            role__in=COURT_ROLES,
            organization__kind__in=services.COURT_KINDS,
            organization__path__startswith=county.path,
        )
    memberships = (
        Membership.objects
        # A volunteer's entry on this centre's roster (they may be on another centre's too).
        .annotate(
            roster=FilteredRelation(
                "user__volunteer_profiles", condition=Q(user__volunteer_profiles__facility=facility)
            )
        )
        .filter(eligible, is_active=True, user__is_active=True, organization__is_active=True)
        .select_related("user", "roster", "organization")
        .order_by("organization__path", "role", "user__full_name", "user__username", "pk")
    )
    choices, seen = [], set()
    for membership in memberships:
        user = membership.user
        if user.pk in seen:
            continue
        seen.add(user.pk)
        is_volunteer = membership.role == Role.VOLUNTEER
        if is_volunteer:
            detail = _("可参加：%(hours)s") % {"hours": services.availability_text(membership.roster)}
        else:
            detail = membership.organization.name
        label = _("%(name)s（%(role)s · %(detail)s）") % {
            "name": user,
            "role": membership.get_role_display(),
            "detail": detail,
        }
        choices.append((GROUP_OF_ROLE.get(membership.role, 2), StaffChoice(user, str(label), is_volunteer)))
    return [choice for _group, choice in sorted(choices, key=lambda item: item[0])]


# --- booking a session ------------------------------------------------------------------------------


class RoomChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Room) -> str:
        return f"{obj.name}（{obj.get_kind_display()}）"


class SessionForm(forms.Form):
    """A new session of one lead. The time is entered as a local date and two times of that day."""

    # The service's field names -> this form's.
    ALIASES = {"starts_at": "start_time", "ends_at": "end_time"}

    mode = forms.ChoiceField(
        label=_("调解方式"),
        choices=MediationSession.Mode.choices,
        initial=MediationSession.Mode.IN_PERSON,
        widget=forms.RadioSelect,
    )
    day = date_field(_("日期"))
    start_time = forms.TimeField(label=_("开始时间"), widget=TimeInput())
    end_time = forms.TimeField(label=_("结束时间"), widget=TimeInput())
    room = RoomChoiceField(
        label=_("调解室"),
        queryset=Room.objects.none(),
        required=False,
        empty_label=_("（不使用调解室：电话调解）"),
        help_text=_("面对面调解选调解室，远程视频调解选远程视频调解室"),
    )
    court = forms.ModelChoiceField(
        label=_("视频连线法院"),
        queryset=Organization.objects.none(),
        required=False,
        empty_label=_("（不连线法院）"),
        help_text=_("远程视频调解时必选"),
    )
    staff = forms.TypedMultipleChoiceField(
        label=_("参加人员"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("本所民警、名册中的社会监督员、本县（市、区）法院的法官和调解员"),
    )
    topic = forms.CharField(label=_("调解事项"), max_length=255, required=False)
    override_note = area_field(
        _("特批说明"),
        help_text=_("调解时间晚于出所时间或体检结论不建议参加调解时，由所领导填写特批理由"),
    )

    def __init__(self, *args, facility: Organization, is_leader: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["room"].queryset = Room.objects.filter(facility=facility, is_active=True).order_by("kind", "name")
        self.fields["court"].queryset = Organization.objects.filter(
            kind__in=services.COURT_KINDS, is_active=True
        ).order_by("path")
        self.choices = staff_choices(facility)
        self.users = {choice.user.pk: choice for choice in self.choices}
        self.fields["staff"].choices = [(choice.user.pk, choice.label) for choice in self.choices]
        if not is_leader:
            del self.fields["override_note"]
        name_length = 64
        for slot in range(1, GUEST_SLOTS + 1):
            self.fields[f"guest_{slot}_name"] = forms.CharField(
                label=_("外部参加人%(n)s 姓名") % {"n": slot}, max_length=name_length, required=False
            )
            self.fields[f"guest_{slot}_relation"] = forms.CharField(
                label=_("外部参加人%(n)s 身份或关系") % {"n": slot},
                max_length=name_length,
                required=False,
                help_text=_("如：母亲、对方当事人、村委会干部") if slot == 1 else "",
            )
        for choice in self.choices:
            if choice.is_volunteer:
                self.fields[self.declaration_name(choice.user)] = area_field(
                    _("%(name)s 的利益冲突声明") % {"name": choice.user},
                    rows=2,
                    help_text=_("选择该社会监督员参加时必填：本人与双方当事人无亲属、利害关系等"),
                )

    @staticmethod
    def declaration_name(user: User) -> str:
        return f"declaration_{user.pk}"

    def time_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("mode", "day", "start_time", "end_time", "room", "court")]

    def people_fields(self) -> list[forms.BoundField]:
        return [self["staff"], *self.declaration_fields()]

    def closing_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("topic", "override_note") if name in self.fields]

    def guest_slots(self) -> list[list[forms.BoundField]]:
        return [[self[f"guest_{slot}_{part}"] for part in ("name", "relation")] for slot in range(1, GUEST_SLOTS + 1)]

    def declaration_fields(self) -> list[forms.BoundField]:
        return [self[self.declaration_name(choice.user)] for choice in self.choices if choice.is_volunteer]

    def clean(self) -> dict:
        cleaned = super().clean()
        day, start, end = cleaned.get("day"), cleaned.get("start_time"), cleaned.get("end_time")
        if day and start and end:
            cleaned["starts_at"] = _aware(day, start)
            cleaned["ends_at"] = _aware(day, end)
        for pk in cleaned.get("staff") or []:
            if pk not in self.users:
                self.add_error("staff", _("请从列表中选择参加人员"))
                break
            choice = self.users[pk]
            name = self.declaration_name(choice.user)
            if choice.is_volunteer and not cleaned.get(name, "").strip():
                self.add_error(name, _("请为社会监督员 %(name)s 填写利益冲突声明") % {"name": choice.user})
        return cleaned

    def staff_inputs(self) -> list[services.StaffInput]:
        inputs = []
        for pk in self.cleaned_data["staff"]:
            choice = self.users[pk]
            declaration = self.cleaned_data.get(self.declaration_name(choice.user), "") if choice.is_volunteer else ""
            inputs.append(services.StaffInput(choice.user, conflict_declaration=declaration))
        return inputs

    def guest_inputs(self) -> list[services.GuestInput]:
        return [
            services.GuestInput(
                name=self.cleaned_data[f"guest_{slot}_name"], relation=self.cleaned_data[f"guest_{slot}_relation"]
            )
            for slot in range(1, GUEST_SLOTS + 1)
            if self.cleaned_data[f"guest_{slot}_name"].strip()
        ]


def _aware(day: date, at: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, at))


# --- on a booked session ------------------------------------------------------------------------------


class ParticipantForm(forms.Form):
    """One more staff member for a scheduled session; a volunteer declares no conflict of interest."""

    user = forms.TypedChoiceField(label=_("参加人员"), coerce=int)
    conflict_declaration = area_field(
        _("利益冲突声明"), rows=2, help_text=_("添加社会监督员时必填：本人与双方当事人无亲属、利害关系等")
    )

    def __init__(self, *args, facility: Organization, exclude: set[int] = frozenset(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.users = {choice.user.pk: choice for choice in staff_choices(facility) if choice.user.pk not in exclude}
        self.fields["user"].choices = [("", _("（请选择）"))] + [
            (pk, choice.label) for pk, choice in self.users.items()
        ]

    def clean(self) -> dict:
        cleaned = super().clean()
        choice = self.users.get(cleaned.get("user"))
        if choice is not None and choice.is_volunteer and not cleaned.get("conflict_declaration", "").strip():
            self.add_error(
                "conflict_declaration", _("请为社会监督员 %(name)s 填写利益冲突声明") % {"name": choice.user}
            )
        return cleaned

    def staff_input(self) -> services.StaffInput:
        choice = self.users[self.cleaned_data["user"]]
        declaration = self.cleaned_data["conflict_declaration"] if choice.is_volunteer else ""
        return services.StaffInput(choice.user, conflict_declaration=declaration)


class ResultForm(forms.Form):
    """A session that has begun, marked held: who came (the session's participants and guests, each a
    checkbox), the minutes and the result."""

    present_participants = forms.TypedMultipleChoiceField(
        label=_("到场的参加人员"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    present_guests = forms.TypedMultipleChoiceField(
        label=_("到场的外部参加人"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    minutes = area_field(_("调解笔录"), required=True, rows=6)
    result = forms.ChoiceField(label=_("调解结果"), choices=[("", _("（请选择）")), *MediationSession.Result.choices])
    next_steps = area_field(_("下一步工作"))

    ATTENDANCE_FIELDS = ("present_participants", "present_guests")

    def __init__(self, *args, participants: list[SessionParticipant], guests: list[SessionGuest], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        rows = {"present_participants": participants, "present_guests": guests}
        for name, items in rows.items():
            if items:
                self.fields[name].choices = [(item.pk, _label(item)) for item in items]
            else:
                del self.fields[name]  # nobody to tick; the service then leaves attendance alone

    @classmethod
    def initial_of(
        cls, session: MediationSession, participants: list[SessionParticipant], guests: list[SessionGuest]
    ) -> dict:
        """What the page offers: the recorded record of a held session, else everyone ticked as present
        (the usual case, unticked one by one)."""
        return {
            "minutes": session.minutes,
            "result": session.result,
            "next_steps": session.next_steps,
            "present_participants": [p.pk for p in participants if p.attended is not False],
            "present_guests": [g.pk for g in guests if g.attended is not False],
        }

    def result_data(self) -> dict:
        data = self.cleaned_data
        return {
            "minutes": data["minutes"],
            "result": data["result"],
            "next_steps": data["next_steps"],
            **{name: data[name] for name in self.ATTENDANCE_FIELDS if name in self.fields},
        }


def _label(item: SessionParticipant | SessionGuest) -> str:
    if isinstance(item, SessionGuest):
        return f"{item.name}（{item.relation}）" if item.relation else item.name
    return f"{item.user}（{item.get_capacity_display()}）"


class NoShowForm(forms.Form):
    note = area_field(_("未到场情况"), required=True, rows=2, help_text=_("谁未到场，原因"))


class CancelForm(forms.Form):
    reason = area_field(_("取消原因"), required=True, rows=2)


class CalendarForm(forms.Form):
    """?view=day|week&date=YYYY-MM-DD; anything unreadable falls back to this week, but a real date
    outside the range the calendar can show (0001-01-01, 9999-12-31) is a bad request (400)."""

    view = forms.ChoiceField(choices=[("week", _("周")), ("day", _("日"))], required=False)
    date = date_field(required=False, input_formats=["%Y-%m-%d"])

    def view_and_day(self, *, today: date) -> tuple[str, date]:
        if not self.is_valid():
            if self.has_error("date", code="date_out_of_range"):
                raise BadRequest("calendar date out of range")
            return "week", today
        return self.cleaned_data["view"] or "week", self.cleaned_data["date"] or today
