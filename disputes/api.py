"""/api/v1/leads/ and /api/v1/sessions/: dispute leads and mediation sessions for partner systems,
scoped like the pages (disputes.selectors, DESIGN.md §5).

Leads: officers and leaders of a centre, on every method; every other role gets 403 (not an empty list),
an officer of another centre 404 on a lead of this one. Party phone numbers leave only masked.

Sessions: read by centre staff (their centre's), court staff (those by video with their court or with a
participant of it) and the people invited to one (court mediators, volunteers, agency staff: a
django-guardian grant). Each reader gets a field whitelist of their own:
- centre staff, SessionSerializer: the whole record;
- court staff, CourtSessionSerializer: the session, with only the detention facts of
  court_view.COURT_DETENTION_FIELDS (the same list the session page uses) and no leader's override;
- the invited ones are SEALED viewers, SealedSessionSerializer: the logistics only (time, mode, room, the
  person's name, the dispute, who takes part), never a fact of the detention record (decision, offence,
  handling unit, cell, dates, health) and not the free-text topic, which is the centre's working note.
Only centre staff book a session (POST); a double booking answers 409 with the service's message.

Every write goes through disputes.services, whose Chinese messages come back field by field.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django import forms
from django.contrib.postgres.expressions import ArraySubquery
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import OuterRef, Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.exceptions import APIException
from rest_framework.pagination import CursorPagination
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings

from accounts.access import user_role
from accounts.models import CENTRE_ROLES, Organization, User
from accounts.permissions import PERMISSIONS, api_permission
from detainees.api import CENTRE_STAFF_ONLY, DetentionOfficerSerializer, MaskedPhoneField
from detainees.models import Detention, Person
from detainees.selectors import staff_facility_id
from detainees.selectors import visible_to as detentions_visible_to

from . import services
from .court_view import COURT_DETENTION_FIELDS, is_court_viewer
from .models import (
    Agreement,
    DisputeLead,
    LeadOutcome,
    LeadParty,
    MediationSession,
    ResolutionPlan,
    Room,
    SessionParticipant,
)
from .selectors import is_sealed_viewer, leads_visible_to, sessions_visible_to

# --- Output: leads -----------------------------------------------------------------------------------


class PersonNameSerializer(serializers.ModelSerializer):
    """The detained person by name only: no document, phone or address."""

    class Meta:
        model = Person
        fields = ["id", "name"]
        read_only_fields = fields


class LeadPartySerializer(serializers.ModelSerializer):
    phone_masked = MaskedPhoneField(source="phone", read_only=True, help_text=gettext_lazy("脱敏后的联系电话"))

    class Meta:
        model = LeadParty
        fields = ["id", "side", "name", "relation", "phone_masked", "address"]
        read_only_fields = fields


class LeadPlanSerializer(serializers.ModelSerializer):
    class Meta:
        model = ResolutionPlan
        fields = ["status", "methods", "submitted_at", "decided_at"]
        read_only_fields = fields


class LeadOutcomeSerializer(serializers.ModelSerializer):
    class Meta:
        model = LeadOutcome
        fields = [
            "summary",
            "enforcement_settled",
            "petition_withdrawn",
            "family_reconciled",
            "crisis_averted",
            "agreed_amount",
            "paid_amount",
            "court_case_number",
            "created_at",
        ]
        read_only_fields = fields


class LeadAgreementSerializer(serializers.ModelSerializer):
    class Meta:
        model = Agreement
        fields = ["number", "revision", "signed_on", "agreed_amount", "paid_amount"]
        read_only_fields = fields


class LeadSerializer(serializers.ModelSerializer):
    """One shape for the list and the detail: the page is a fixed number of queries either way."""

    detention = serializers.IntegerField(source="detention_id", read_only=True)
    person = PersonNameSerializer(source="detention.person", read_only=True)
    assigned_officer = DetentionOfficerSerializer(read_only=True, allow_null=True)
    parties = LeadPartySerializer(many=True, read_only=True)
    plan = LeadPlanSerializer(read_only=True, allow_null=True, help_text=gettext_lazy("一人一策方案；尚未制定时为空"))
    outcome = LeadOutcomeSerializer(read_only=True, allow_null=True, help_text=gettext_lazy("化解结果；未结案时为空"))
    agreement = LeadAgreementSerializer(read_only=True, allow_null=True)
    session_ids = serializers.ListField(
        child=serializers.IntegerField(), read_only=True, help_text=gettext_lazy("调解会 id，按开始时间排列")
    )

    class Meta:
        model = DisputeLead
        fields = [
            "id",
            "detention",
            "person",
            "category",
            "summary",
            "amount_at_stake",
            "court_case_number",
            "source",
            "risk_level",
            "status",
            "assigned_officer",
            "closed_at",
            "created_at",
            "updated_at",
            "parties",
            "plan",
            "outcome",
            "agreement",
            "session_ids",
        ]
        read_only_fields = fields


# --- Output: sessions --------------------------------------------------------------------------------


@extend_schema_field(
    {"type": "string", "enum": MediationSession.Status.values, "description": gettext_lazy("调解会状态")},
    # One named enum for both session shapes: without it the two components would each claim a
    # "status" choice set and the schema would warn of a naming collision.
    component_name="SessionStatusEnum",
)
class SessionStatusField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=MediationSession.Status.choices, **kwargs)


class SessionDisputeSerializer(serializers.ModelSerializer):
    class Meta:
        model = DisputeLead
        fields = ["category", "summary"]
        read_only_fields = fields


class SessionGuestSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=64)
    relation = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")


class SealedParticipantSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="user", read_only=True)

    class Meta:
        model = SessionParticipant
        fields = ["name", "capacity"]
        read_only_fields = fields


class SealedSessionSerializer(serializers.ModelSerializer):
    """What a sealed viewer may see of a session (DESIGN.md §5): a whitelist, so a field added to the
    model or to SessionSerializer never reaches them by accident."""

    status = SessionStatusField(read_only=True)
    room_name = serializers.CharField(source="room.name", read_only=True, allow_null=True)
    person_name = serializers.CharField(source="person.name", read_only=True)
    dispute = SessionDisputeSerializer(source="lead", read_only=True)
    participants = SealedParticipantSerializer(many=True, read_only=True)
    guests = SessionGuestSerializer(many=True, read_only=True)

    class Meta:
        model = MediationSession
        fields = [
            "id",
            "starts_at",
            "ends_at",
            "mode",
            "status",
            "room_name",
            "person_name",
            "dispute",
            "participants",
            "guests",
        ]
        read_only_fields = fields


class SessionDetentionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Detention
        fields = [
            "id",
            "kind",
            "decision_number",
            "handling_unit",
            "reason",
            "cell",
            "admitted_at",
            "scheduled_release_at",
            "released_at",
        ]
        read_only_fields = fields


class CourtDetentionSerializer(serializers.ModelSerializer):
    """The detention facts a court may see (DESIGN.md §5), defined once in court_view."""

    class Meta:
        model = Detention
        fields = list(COURT_DETENTION_FIELDS)
        read_only_fields = fields


class SessionRoomSerializer(serializers.ModelSerializer):
    class Meta:
        model = Room
        fields = ["id", "name"]
        read_only_fields = fields


class OrganizationRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", "code", "name"]
        read_only_fields = fields


class SessionParticipantSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="user", read_only=True)
    organization = serializers.CharField(source="organization.name", read_only=True)

    class Meta:
        model = SessionParticipant
        fields = ["user", "name", "capacity", "organization", "active", "conflict_declaration", "declared_at"]
        read_only_fields = fields


class SessionSerializer(serializers.ModelSerializer):
    """The full record, for centre staff. After a transfer a centre lists the sessions held in its
    rooms for a person who is now at another centre: of that detention it gets only the court's
    whitelist of facts, the rest of the block left blank (the other centre's cell, decision and so on
    are not its business any more), so every row keeps one shape."""

    status = SessionStatusField(read_only=True)
    dispute = SessionDisputeSerializer(source="lead", read_only=True)
    person = PersonNameSerializer(read_only=True)
    detention = SessionDetentionSerializer(source="lead.detention", read_only=True)
    room = SessionRoomSerializer(read_only=True, allow_null=True)
    court = OrganizationRefSerializer(read_only=True, allow_null=True)
    participants = SessionParticipantSerializer(many=True, read_only=True)
    guests = SessionGuestSerializer(many=True, read_only=True)
    scheduled_by = DetentionOfficerSerializer(read_only=True, allow_null=True)
    override_by = DetentionOfficerSerializer(read_only=True, allow_null=True)

    class Meta:
        model = MediationSession
        fields = [
            "id",
            "lead",
            "dispute",
            "person",
            "detention",
            "mode",
            "status",
            "room",
            "court",
            "starts_at",
            "ends_at",
            "topic",
            "participants",
            "guests",
            "minutes",
            "result",
            "next_steps",
            "scheduled_by",
            "override_reasons",
            "override_by",
            "override_note",
            "cancelled_at",
            "cancel_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        viewer_facility_id = staff_facility_id(self.context["request"].user) if "request" in self.context else None
        if instance.lead.detention.facility_id != viewer_facility_id:
            allowed = set(COURT_DETENTION_FIELDS) | {"id"}
            data["detention"] = {name: (value if name in allowed else "") for name, value in data["detention"].items()}
        return data


class CourtSessionSerializer(SessionSerializer):
    """What court staff see of a session addressed to their court: a whitelist (Meta.fields), so a field
    added to SessionSerializer reaches them only when it is added here too. No leader's override: its
    reasons and note speak of the release and the health check."""

    detention = CourtDetentionSerializer(source="lead.detention", read_only=True)

    class Meta:
        model = MediationSession
        fields = [
            "id",
            "lead",
            "dispute",
            "person",
            "detention",
            "mode",
            "status",
            "room",
            "court",
            "starts_at",
            "ends_at",
            "topic",
            "participants",
            "guests",
            "minutes",
            "result",
            "next_steps",
            "scheduled_by",
            "cancelled_at",
            "cancel_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


SESSION_RESPONSE = PolymorphicProxySerializer(
    component_name="SessionView",
    serializers=[SessionSerializer, CourtSessionSerializer, SealedSessionSerializer],
    resource_type_field_name=None,
)


# --- Input -------------------------------------------------------------------------------------------


class PartyInputSerializer(serializers.Serializer):
    side = serializers.ChoiceField(choices=LeadParty.Side.choices)
    name = serializers.CharField(max_length=128)
    relation = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
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


class AwareDateTimeField(serializers.DateTimeField):
    """ISO 8601 with its offset: a time without one is refused rather than guessed (CONVENTIONS.md)."""

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
        users = User.objects.in_bulk([item["user"] for item in value])
        missing = [str(item["user"]) for item in value if item["user"] not in users]
        if missing:
            raise serializers.ValidationError(_("用户 %(ids)s 不存在") % {"ids": "、".join(missing)})
        return [services.StaffInput(users[item["user"]], item["conflict_declaration"]) for item in value]


def service_error_detail(error: DjangoValidationError, fields, renamed: dict[str, str] | None = None) -> dict:
    """A service's ValidationError in the shape of a serializer's errors: by field where the API has
    the field (under its API name), the rest under non_field_errors."""
    non_field = api_settings.NON_FIELD_ERRORS_KEY
    if not hasattr(error, "error_dict"):
        return {non_field: error.messages}
    renamed = renamed or {}
    detail: dict[str, list[str]] = {}
    for field, messages in error.message_dict.items():
        name = renamed.get(field, field)
        detail.setdefault(name if name in fields else non_field, []).extend(messages)
    return detail


def is_double_booking(error: DjangoValidationError) -> bool:
    """The services mark a room, person or participant already booked with code "double_booked", both
    from their pre-checks and from a race lost at the exclusion constraints."""
    if hasattr(error, "error_dict"):
        errors = [e for field_errors in error.error_dict.values() for e in field_errors]
    else:
        errors = error.error_list
    return all(e.code == "double_booked" for e in errors)


class DoubleBooking(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy("该时段已被预约")
    default_code = "double_booked"


# --- Filters and pages ---------------------------------------------------------------------------------


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(filters.NumberFilter):
    """An id: a whole number (NumberFilter alone takes decimals and is documented as a number)."""

    field_class = forms.IntegerField


class LeadFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=DisputeLead.Status.choices)
    category = filters.ChoiceFilter(choices=DisputeLead.Category.choices)
    detention = IdFilter(field_name="detention_id")
    open = filters.BooleanFilter(
        field_name="closed_at", lookup_expr="isnull", help_text=gettext_lazy("true：未结案；false：已结案")
    )

    class Meta:
        model = DisputeLead
        fields = ["status", "category", "detention", "open"]


class LeadPagination(CursorPagination):
    ordering = ("-created_at", "-id")


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _starts_on_or_after(queryset: QuerySet, name: str, value: date) -> QuerySet:
    return queryset.filter(starts_at__gte=_local_midnight(value))


def _starts_on_or_before(queryset: QuerySet, name: str, value: date) -> QuerySet:
    # A bound on the column rather than starts_at__date, so the calendar index serves the query.
    return queryset.filter(starts_at__lt=_local_midnight(value + timedelta(days=1)))


class SessionFilter(filters.FilterSet):
    room = IdFilter(field_name="room_id")
    status = filters.ChoiceFilter(choices=MediationSession.Status.choices)

    class Meta:
        model = MediationSession
        fields = ["room", "status"]


# "from" and "to" are Python keywords, so they cannot be class attributes of the FilterSet above.
SessionFilter.base_filters["from"] = filters.DateFilter(
    method=_starts_on_or_after, help_text=gettext_lazy("开始日期不早于（含，本地日期）")
)
SessionFilter.base_filters["to"] = filters.DateFilter(
    method=_starts_on_or_before, help_text=gettext_lazy("开始日期不晚于（含，本地日期）")
)


class SessionPagination(CursorPagination):
    ordering = ("starts_at", "id")


# --- Views: leads ----------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("本所矛盾线索列表"), tags=["leads"]),
    retrieve=extend_schema(summary=gettext_lazy("一条矛盾线索"), tags=["leads"]),
    create=extend_schema(
        summary=gettext_lazy("登记矛盾线索"),
        tags=["leads"],
        request=LeadCreateSerializer,
        responses={
            201: LeadSerializer,
            400: OpenApiResponse(description=gettext_lazy("数据有误：按字段列出的中文错误信息")),
        },
    ),
)
class LeadViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = LeadSerializer
    permission_classes = [api_permission("view_leads", message=CENTRE_STAFF_ONLY)]
    pagination_class = LeadPagination
    filterset_class = LeadFilter
    parser_classes = [JSONParser]

    def get_queryset(self) -> QuerySet[DisputeLead]:
        # The page plus one query for the parties, whatever its length.
        session_ids = MediationSession.objects.filter(lead=OuterRef("pk")).order_by("starts_at", "pk").values("pk")
        return (
            leads_visible_to(self.request.user)
            .select_related("detention__person", "assigned_officer", "plan", "outcome", "agreement")
            .prefetch_related("parties")
            .annotate(session_ids=ArraySubquery(session_ids))
        )

    def get_object(self) -> DisputeLead:
        # get_queryset is leads_visible_to, as in access.get_lead_for_user: unseen is 404.
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def create(self, request: Request) -> Response:
        serializer = LeadCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        parties = [services.PartyInput(**party) for party in data.pop("parties", [])]
        try:
            lead = services.open_lead(data.pop("detention"), parties=parties, acting_user=request.user, **data)
        except DjangoValidationError as error:
            raise serializers.ValidationError(service_error_detail(error, serializer.fields)) from None
        return Response(LeadSerializer(self.get_queryset().get(pk=lead.pk)).data, status=status.HTTP_201_CREATED)


lead_list = LeadViewSet.as_view({"get": "list", "post": "create"})
lead_detail = LeadViewSet.as_view({"get": "retrieve"})


# --- Views: sessions -------------------------------------------------------------------------------------

SESSION_READERS = PERMISSIONS["view_sessions"]


class CanSeeSessions(permissions.BasePermission):
    message = gettext_lazy("只有拘留所民警、所领导、法院工作人员和受邀参加调解的人员可以使用此接口")

    def has_permission(self, request: Request, view) -> bool:
        return user_role(request.user) in SESSION_READERS


class CentreStaffBooks(permissions.BasePermission):
    message = gettext_lazy("只有拘留所民警和所领导可以安排调解")

    def has_permission(self, request: Request, view) -> bool:
        return request.method in permissions.SAFE_METHODS or user_role(request.user) in CENTRE_ROLES


@extend_schema_view(
    list=extend_schema(
        summary=gettext_lazy("调解会列表"),
        description=format_lazy(
            "{} {}",
            gettext_lazy("社会监督员、驻所法院调解员和协作单位人员得到 SealedSession：不含入所记录的任何信息。"),
            gettext_lazy("法院工作人员得到 CourtSession：只含拘留类型、入所时间和出所时间，不含所领导特批。"),
        ),
        tags=["sessions"],
        responses=SESSION_RESPONSE,
    ),
    retrieve=extend_schema(summary=gettext_lazy("一次调解会"), tags=["sessions"], responses=SESSION_RESPONSE),
    create=extend_schema(
        summary=gettext_lazy("安排调解（预约调解室）"),
        tags=["sessions"],
        request=SessionCreateSerializer,
        responses={
            201: SessionSerializer,
            400: OpenApiResponse(description=gettext_lazy("数据有误：按字段列出的中文错误信息")),
            409: OpenApiResponse(description=gettext_lazy("调解室、被拘留人或参加人员在此时段已有安排")),
        },
    ),
)
class SessionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [permissions.IsAuthenticated, CanSeeSessions, CentreStaffBooks]
    pagination_class = SessionPagination
    filterset_class = SessionFilter
    parser_classes = [JSONParser]

    def get_serializer_class(self):
        if getattr(self, "swagger_fake_view", False):
            return SessionSerializer
        if is_sealed_viewer(self.request.user):
            return SealedSessionSerializer
        if is_court_viewer(self.request.user):
            return CourtSessionSerializer
        return SessionSerializer

    def get_queryset(self) -> QuerySet[MediationSession]:
        # The page plus one query each for participants and guests, whatever its length. The
        # serializer is the whitelist: what is fetched here for staff never reaches a sealed viewer.
        return (
            sessions_visible_to(self.request.user)
            .select_related("lead__detention", "person", "room", "court", "scheduled_by", "override_by")
            .prefetch_related(
                Prefetch("participants", SessionParticipant.objects.select_related("user", "organization")),
                "guests",
            )
        )

    def get_object(self) -> MediationSession:
        # get_queryset is sessions_visible_to, as in access.get_session_for_user: unseen is 404.
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def create(self, request: Request) -> Response:
        serializer = SessionCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        guests = [services.GuestInput(**guest) for guest in data.pop("guests", [])]
        try:
            session = services.schedule_session(
                data.pop("lead"),
                staff=data.pop("participants", []),
                guests=guests,
                acting_user=request.user,
                **data,
            )
        except DjangoValidationError as error:
            detail = service_error_detail(error, serializer.fields, renamed={"staff": "participants"})
            if is_double_booking(error):
                raise DoubleBooking(detail) from None
            raise serializers.ValidationError(detail) from None
        session = self.get_queryset().get(pk=session.pk)
        return Response(SessionSerializer(session, context={"request": request}).data, status=status.HTTP_201_CREATED)


session_list = SessionViewSet.as_view({"get": "list", "post": "create"})
session_detail = SessionViewSet.as_view({"get": "retrieve"})
