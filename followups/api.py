"""/api/v1/followups/: the follow-ups after release, scoped like the pages (followups.selectors: the
staff of the centre that released the person; every other role 403, another centre's follow-up 404).
List and detail, and two writes through followups.services: the evaluation and a visit (JSON, without
evidence files, which the page takes). A refusal of the service answers 400 with its Chinese messages
field by field; the same evaluation sent twice answers 409 and stores nothing more."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.permissions import api_permission, can
from detainees.api import DetentionOfficerSerializer
from disputes.models import DisputeLead
from yaoyao_mediation.api_errors import service_error_detail
from yaoyao_mediation.json_input import JSONParser

from . import services
from .forms import SATISFACTION_MESSAGE
from .models import Evaluation, FollowUp, Reoffence, ScheduledVisit, Visit
from .selectors import visible_to

CENTRE_STAFF_ONLY = gettext_lazy("只有出所人员所在拘留所的民警和所领导可以使用此接口")

# --- what is answered ----------------------------------------------------------------------------------


class FollowedLeadSerializer(serializers.ModelSerializer):
    class Meta:
        model = DisputeLead
        fields = ["id", "category", "status", "closed_at"]
        read_only_fields = fields


class EvaluationSerializer(serializers.ModelSerializer):
    evaluated_by = DetentionOfficerSerializer(read_only=True)

    class Meta:
        model = Evaluation
        fields = ["stability", "satisfaction", "notes", "evaluated_by", "evaluated_at"]
        read_only_fields = fields


class ScheduledVisitSerializer(serializers.ModelSerializer):
    class Meta:
        model = ScheduledVisit
        fields = ["days", "due_at", "status"]
        read_only_fields = fields


class VisitSerializer(serializers.ModelSerializer):
    officer = DetentionOfficerSerializer(read_only=True)

    class Meta:
        model = Visit
        fields = ["id", "channel", "visited_at", "officer", "contact", "contact_name", "notes", "satisfaction"]
        read_only_fields = fields


class ReoffenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Reoffence
        fields = ["occurred_on", "source", "status", "readmission"]
        read_only_fields = fields


class FollowUpSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="detention.name", read_only=True)
    released_at = serializers.DateTimeField(source="detention.released_at", read_only=True)
    leads = FollowedLeadSerializer(many=True, read_only=True)
    evaluation = serializers.SerializerMethodField()
    scheduled_visits = ScheduledVisitSerializer(many=True, read_only=True)
    visits = VisitSerializer(many=True, read_only=True)
    reoffence = ReoffenceSerializer(source="detention.reoffence", read_only=True, allow_null=True)

    class Meta:
        model = FollowUp
        fields = [
            "id",
            "detention",
            "person_name",
            "released_at",
            "status",
            "opened_at",
            "resolved_at",
            "evaluation_due_at",
            "evaluated_at",
            "next_due_at",
            "closed_at",
            "close_reason",
            "close_note",
            "leads",
            "evaluation",
            "scheduled_visits",
            "visits",
            "reoffence",
        ]
        read_only_fields = fields

    @extend_schema_field(EvaluationSerializer(allow_null=True))
    def get_evaluation(self, followup: FollowUp) -> dict | None:
        # A reverse one-to-one: absent until the evaluation is recorded (None, not an error, here).
        evaluation = getattr(followup, "evaluation", None)
        return EvaluationSerializer(evaluation).data if evaluation else None


# --- what is sent ---------------------------------------------------------------------------------------


def satisfaction_input(*, required: bool) -> serializers.IntegerField:
    return serializers.IntegerField(
        required=required,
        allow_null=not required,
        min_value=1,
        max_value=5,
        error_messages={"min_value": SATISFACTION_MESSAGE, "max_value": SATISFACTION_MESSAGE},
    )


class EvaluationInputSerializer(serializers.Serializer):
    stability = serializers.ChoiceField(choices=Evaluation.Stability.choices)
    satisfaction = satisfaction_input(required=True)
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    evaluated_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class VisitInputSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=Visit.Channel.choices)
    visited_at = serializers.DateTimeField()
    contact = serializers.ChoiceField(choices=Visit.Contact.choices)
    contact_name = serializers.CharField(required=False, allow_blank=True, default="", max_length=64)
    notes = serializers.CharField()
    satisfaction = satisfaction_input(required=False)


class AlreadyEvaluated(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy("该跟踪回访已完成成效评估，不能重复记录")
    default_code = "already_evaluated"


class FollowUpPagination(CursorPagination):
    ordering = ("-opened_at", "-id")


BAD_INPUT = OpenApiResponse(description=gettext_lazy("数据有误：按字段列出的中文错误信息"))


@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("本所跟踪回访列表"), tags=["followups"]),
    retrieve=extend_schema(summary=gettext_lazy("一条跟踪回访"), tags=["followups"]),
    evaluation=extend_schema(
        summary=gettext_lazy("记录成效评估"),
        tags=["followups"],
        request=EvaluationInputSerializer,
        responses={
            201: FollowUpSerializer,
            400: BAD_INPUT,
            409: OpenApiResponse(description=gettext_lazy("已完成成效评估")),
        },
    ),
    visits=extend_schema(
        summary=gettext_lazy("登记回访"),
        tags=["followups"],
        request=VisitInputSerializer,
        responses={201: FollowUpSerializer, 400: BAD_INPUT},
    ),
)
class FollowUpViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = FollowUpSerializer
    permission_classes = [api_permission("view_followups", message=CENTRE_STAFF_ONLY)]
    pagination_class = FollowUpPagination
    parser_classes = [JSONParser]

    def get_queryset(self) -> QuerySet[FollowUp]:
        # The page plus one query per related list, whatever its length.
        return (
            visible_to(self.request.user)
            .select_related("detention__person", "detention__reoffence", "evaluation__evaluated_by")
            .prefetch_related(
                Prefetch("leads", DisputeLead.objects.order_by("pk")),
                "scheduled_visits",
                Prefetch("visits", Visit.objects.select_related("officer")),
            )
        )

    def get_object(self) -> FollowUp:
        # get_queryset is visible_to, as in access.get_followup_for_user: unseen is 404.
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def _write(self, request: Request, serializer_class, service) -> Response:
        followup = self.get_object()
        if not can(request.user, "record_followup", followup.facility_id):
            self.permission_denied(request, message=CENTRE_STAFF_ONLY)
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            service(followup, **serializer.validated_data, acting_user=request.user)
        except DjangoValidationError as error:
            if getattr(error, "code", None) == "already_evaluated":
                raise AlreadyEvaluated from None
            raise serializers.ValidationError(service_error_detail(error, serializer.fields)) from None
        return Response(FollowUpSerializer(self.get_object()).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def evaluation(self, request: Request, pk: int) -> Response:
        return self._write(request, EvaluationInputSerializer, services.record_evaluation)

    @action(detail=True, methods=["post"])
    def visits(self, request: Request, pk: int) -> Response:
        return self._write(request, VisitInputSerializer, services.record_visit)


followup_list = FollowUpViewSet.as_view({"get": "list"})
followup_detail = FollowUpViewSet.as_view({"get": "retrieve"})
followup_evaluation = FollowUpViewSet.as_view({"post": "evaluation"})
followup_visits = FollowUpViewSet.as_view({"post": "visits"})
