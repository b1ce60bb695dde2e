"""What partner systems send: the input serializers of POST /api/v1/leads/ and /api/v1/sessions/. They
check shape and scope (an id the caller cannot see is "does not exist"); disputes.services judges the
rest."""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from accounts.access import staff_facility_id
from accounts.models import CENTRE_ROLES, Organization, Role, User
from detainees.models import Detention
from detainees.selectors import visible_to as detentions_visible_to
from security.serializer_fields import PhoneInputField
from yaoyao_mediation.form_fields import validate_date_in_range

from .. import services
from ..models import DisputeLead, LeadParty, MediationSession, Room
from ..selectors import leads_visible_to
from .serializers import SessionGuestSerializer

# --- leads --------------------------------------------------------------------------------------------


class PartyInputSerializer(serializers.Serializer):
    side = serializers.ChoiceField(choices=LeadParty.Side.choices)
    name = serializers.CharField(max_length=128)
    relation = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    phone = PhoneInputField()
    address = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class LeadCreateSerializer(serializers.Serializer):
    detention = serializers.IntegerField(help_text=gettext_lazy("本所入所记录的 id"))
    category = serializers.ChoiceField(choices=DisputeLead.Category.choices)
    summary = serializers.CharField()
    parties = PartyInputSerializer(many=True, required=False)
    amount_at_stake = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True, default=None
    )
    court_case_number = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    source = serializers.ChoiceField(choices=DisputeLead.Source.choices, default=DisputeLead.Source.INTAKE_SCREENING)
    risk_level = serializers.ChoiceField(choices=DisputeLead.RiskLevel.choices, default=DisputeLead.RiskLevel.LOW)
    assigned_officer = serializers.CharField(
        max_length=150,
        required=False,
        allow_blank=True,
        default="",
        help_text=gettext_lazy("承办民警的用户名，须为本所民警或所领导；省略时为责任民警"),
    )

    def validate_detention(self, value: int) -> Detention:
        # Another centre's detention answers exactly like one that does not exist.
        detention = detentions_visible_to(self.context["request"].user).filter(pk=value).first()
        if detention is None:
            raise serializers.ValidationError(_("入所记录 %(pk)s 不存在") % {"pk": value})
        return detention

    def validate_assigned_officer(self, value: str) -> User | None:
        if not value:
            return None
        officer = (
            User.objects.filter(
                username=value,
                is_active=True,
                memberships__organization_id=staff_facility_id(self.context["request"].user),
                memberships__is_active=True,
                memberships__role__in=CENTRE_ROLES,
            )
            .distinct()
            .first()
        )
        if officer is None:
            raise serializers.ValidationError(_("承办民警须为本所在职民警或所领导"))
        return officer


# --- sessions -----------------------------------------------------------------------------------------

# Who joins a centre's sessions from outside it; services.sessions checks their court or agency.
OUTSIDE_PARTICIPANT_ROLES = {Role.COURT_STAFF, Role.COURT_MEDIATOR, Role.AGENCY_STAFF}


class AwareDateTimeField(serializers.DateTimeField):
    """ISO 8601 with its offset: a time without one is refused rather than guessed (CONVENTIONS.md);
    and within the dates the system can mean."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("validators", [validate_date_in_range])
        super().__init__(**kwargs)

    def to_internal_value(self, value):
        if isinstance(value, str):
            try:
                parsed = parse_datetime(value.strip())
            except ValueError:
                parsed = None  # a well-formed but impossible date: the parent gives the format message
            if parsed is not None and timezone.is_naive(parsed):
                raise serializers.ValidationError(_("请填写带时区偏移的时间，如 2026-03-11T09:00:00+08:00"))
        return super().to_internal_value(value)


class ParticipantInputSerializer(serializers.Serializer):
    user = serializers.IntegerField(help_text=gettext_lazy("参加人员的用户 id"))
    conflict_declaration = serializers.CharField(
        required=False, allow_blank=True, default="", help_text=gettext_lazy("社会监督员必填：利益冲突声明")
    )


class SessionCreateSerializer(serializers.Serializer):
    lead = serializers.IntegerField(help_text=gettext_lazy("本所矛盾线索的 id"))
    mode = serializers.ChoiceField(choices=MediationSession.Mode.choices)
    starts_at = AwareDateTimeField(help_text=gettext_lazy("ISO 8601，带时区偏移"))
    ends_at = AwareDateTimeField(help_text=gettext_lazy("ISO 8601，带时区偏移"))
    room = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text=gettext_lazy("本所调解室的 id")
    )
    court = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text=gettext_lazy("远程视频调解的连线法院 id")
    )
    participants = ParticipantInputSerializer(many=True, required=False)
    guests = SessionGuestSerializer(many=True, required=False)
    topic = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    override_note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=gettext_lazy("所领导特批说明：调解晚于出所时间或体检结论不建议调解时必填"),
    )

    def validate_lead(self, value: int) -> DisputeLead:
        lead = leads_visible_to(self.context["request"].user).filter(pk=value).first()
        if lead is None:
            raise serializers.ValidationError(_("矛盾线索 %(pk)s 不存在") % {"pk": value})
        return lead

    def validate_room(self, value: int | None) -> Room | None:
        if value is None:
            return None
        room = Room.objects.filter(pk=value, facility_id=staff_facility_id(self.context["request"].user)).first()
        if room is None:
            raise serializers.ValidationError(_("调解室 %(pk)s 不存在") % {"pk": value})
        return room

    def validate_court(self, value: int | None) -> Organization | None:
        if value is None:
            return None
        court = Organization.objects.filter(pk=value, is_active=True).first()
        if court is None:
            raise serializers.ValidationError(_("单位 %(pk)s 不存在") % {"pk": value})
        return court

    def validate_participants(self, value: list[dict]) -> list[services.StaffInput]:
        # Only users the caller's centre may book are looked up: its own staff, the volunteers on its
        # roster, and court and agency staff (their court or agency the service checks). Anyone else,
        # another centre's staff or volunteer included, answers like an id that does not exist: a
        # refusal names nothing of another centre (DESIGN.md §5).
        facility_id = staff_facility_id(self.context["request"].user)
        bookable = User.objects.filter(
            Q(memberships__organization_id=facility_id, memberships__is_active=True)
            | Q(volunteer_profiles__facility_id=facility_id)
            | Q(memberships__role__in=OUTSIDE_PARTICIPANT_ROLES, memberships__is_active=True)
        ).values("pk")
        users = User.objects.filter(pk__in=bookable).in_bulk([item["user"] for item in value])
        missing = [str(item["user"]) for item in value if item["user"] not in users]
        if missing:
            raise serializers.ValidationError(_("用户 %(ids)s 不存在") % {"ids": "、".join(missing)})
        return [services.StaffInput(users[item["user"]], item["conflict_declaration"]) for item in value]
