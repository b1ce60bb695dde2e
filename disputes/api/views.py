"""Permission classes and viewsets of /api/v1/leads/ and /api/v1/sessions/: scope (disputes.selectors),
the serializer for the reader, and every write through disputes.services."""

from __future__ import annotations

from django.contrib.postgres.expressions import ArraySubquery
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import OuterRef, Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.permissions import api_permission, can
from detainees.api import CENTRE_STAFF_ONLY
from yaoyao_mediation.api_errors import service_error_detail
from yaoyao_mediation.disclosure import SESSION_LOGISTICS_ONLY, Audience, audience_of
from yaoyao_mediation.json_input import JSONParser

from .. import services
from ..models import DisputeLead, MediationSession, SessionParticipant
from ..selectors import leads_visible_to, sessions_visible_to
from .filters import LeadFilter, LeadPagination, SessionFilter, SessionPagination
from .inputs import LeadCreateSerializer, SessionCreateSerializer
from .serializers import (
    SESSION_RESPONSE,
    CourtSessionSerializer,
    LeadSerializer,
    SealedSessionSerializer,
    SessionSerializer,
)

# --- a service's refusal, as the API answers it -------------------------------------------------------


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


# --- leads --------------------------------------------------------------------------------------------


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
            .select_related("detention", "assigned_officer", "plan", "outcome", "agreement")
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


# --- sessions -----------------------------------------------------------------------------------------

CanSeeSessions = api_permission(
    "view_sessions", message=gettext_lazy("只有拘留所民警、所领导、法院工作人员和受邀参加调解的人员可以使用此接口")
)


class CanBookSessions(permissions.BasePermission):
    """A POST (booking) needs book_session on top of view_sessions; the service checks the centre."""

    message = gettext_lazy("只有拘留所民警和所领导可以安排调解")

    def has_permission(self, request: Request, view) -> bool:
        return request.method in permissions.SAFE_METHODS or can(request.user, "book_session")


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
    permission_classes = [CanSeeSessions, CanBookSessions]
    pagination_class = SessionPagination
    filterset_class = SessionFilter
    parser_classes = [JSONParser]

    def get_serializer_class(self):
        if getattr(self, "swagger_fake_view", False):
            return SessionSerializer
        # What each audience may see of a session: yaoyao_mediation.disclosure, via the serializer's fields.
        audience = audience_of(self.request.user)
        if audience in SESSION_LOGISTICS_ONLY:
            return SealedSessionSerializer
        if audience == Audience.COURT:
            return CourtSessionSerializer
        return SessionSerializer

    def get_queryset(self) -> QuerySet[MediationSession]:
        # The page plus one query each for participants and guests, whatever its length. The
        # serializer is the whitelist: what is fetched here for staff never reaches a sealed viewer.
        return (
            sessions_visible_to(self.request.user)
            .select_related("lead__detention", "room", "court", "scheduled_by", "override_by")
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
