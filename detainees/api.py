"""/api/v1/detentions/: the detentions of the caller's own centre, for partner systems (the custody platform).

Who may use it: officers and leaders of a centre (CENTRE_ROLES), on every method. Every other role gets
403, also on the list, which would otherwise answer an empty page: a partner system signed in with the
wrong account should be told so rather than read "no detentions". An officer of another centre gets 404
on a detention of this one: the query is scoped in SQL by selectors.visible_to (DESIGN.md §5).

ID and phone numbers leave only masked (security.masking); showing one in full is a logged action of the
officer pages, not of the API. The birth date is left out on purpose: it is the very eight digits the
mask of a resident ID number hides.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.access import current_membership
from accounts.models import CENTRE_ROLES, Organization, User
from accounts.permissions import api_permission

# MaskedPhoneField: used below, and re-exported until disputes/api and disputes/services import from the new home.
from security.serializer_fields import MaskedIdNumberField, MaskedPhoneField, PhoneInputField
from yaoyao_mediation.api_errors import service_error_detail
from yaoyao_mediation.form_fields import validate_date_in_range
from yaoyao_mediation.json_input import JSONParser

from . import services
from .access import get_detention_for_user
from .models import Detention, Person
from .selectors import visible_to

# --- Output ------------------------------------------------------------------------------------------


class DetentionPersonSerializer(serializers.Serializer):
    """The person of one detention: the identity (the person row, shared by every centre) and the name
    and phone as this detention's centre recorded them (DESIGN.md §3), never another centre's."""

    id = serializers.IntegerField(source="person_id", read_only=True)
    id_type = serializers.ChoiceField(source="person.id_type", choices=Person.IdType.choices, read_only=True)
    id_number_masked = MaskedIdNumberField(
        source="person.id_number", read_only=True, help_text=gettext_lazy("脱敏后的证件号码")
    )
    name = serializers.CharField(read_only=True, help_text=gettext_lazy("入所时登记的姓名"))
    sex = serializers.ChoiceField(source="person.sex", choices=Person.Sex.choices, read_only=True)
    phone_masked = MaskedPhoneField(source="phone", read_only=True, help_text=gettext_lazy("脱敏后的联系电话"))


class DetentionFacilitySerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["code", "name"]
        read_only_fields = fields


class DetentionOfficerSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["username", "full_name"]
        read_only_fields = fields


class DetentionSerializer(serializers.ModelSerializer):
    person = DetentionPersonSerializer(source="*", read_only=True)
    facility = DetentionFacilitySerializer(read_only=True)
    responsible_officer = DetentionOfficerSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Detention
        # Every one of Detention.FACT_FIELDS (a test checks it), with the state and the assessment around
        # them in the order partner systems have always received.
        fields = [
            "id",
            "person",
            "facility",
            "kind",
            "status",
            "external_ref",
            "decision_number",
            "handling_unit",
            "reason",
            "admitted_at",
            "detention_days",
            "scheduled_release_at",
            "released_at",
            "cell",
            "responsible_officer",
            "assessment_due_at",
            "assessment_completed_at",
            "escalation_score",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


# --- Input -------------------------------------------------------------------------------------------


class DetentionPersonInputSerializer(serializers.Serializer):
    id_type = serializers.ChoiceField(choices=Person.IdType.choices, default=Person.IdType.RESIDENT_ID)
    id_number = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    name = serializers.CharField(max_length=64)
    phone = PhoneInputField()
    household_address = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    current_address = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    employer = serializers.CharField(max_length=128, required=False, allow_blank=True, default="")
    unknown_identity_description = serializers.CharField(required=False, allow_blank=True, default="")

    def validate(self, attrs: dict) -> dict:
        # The service checks the document again; asking it here puts its message under the right field.
        try:
            services.normalize_identity(services.PersonInput(**attrs))
        except DjangoValidationError as error:
            field = "unknown_identity_description" if attrs["id_type"] == Person.IdType.UNKNOWN else "id_number"
            raise serializers.ValidationError({field: error.messages}) from None
        return attrs


class DetentionCreateSerializer(serializers.Serializer):
    facility_code = serializers.CharField(
        max_length=32,
        required=False,
        help_text=gettext_lazy("监所代码；可省略，填写时必须是调用者所在的拘留所"),
    )
    person = DetentionPersonInputSerializer()
    kind = serializers.ChoiceField(choices=Detention.Kind.choices)
    admitted_at = serializers.DateTimeField(validators=[validate_date_in_range])
    detention_days = serializers.IntegerField(
        min_value=1, max_value=services.MAX_DETENTION_DAYS, required=False, allow_null=True, default=None
    )
    scheduled_release_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        default=None,
        validators=[validate_date_in_range],
        help_text=gettext_lazy("省略时为入所时间加拘留天数"),
    )
    released_at = serializers.DateTimeField(
        required=False, allow_null=True, default=None, validators=[validate_date_in_range]
    )
    external_ref = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    decision_number = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    handling_unit = serializers.CharField(max_length=128, required=False, allow_blank=True, default="")
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    cell = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    responsible_officer = serializers.CharField(
        max_length=150,
        required=False,
        allow_blank=True,
        default="",
        help_text=gettext_lazy("责任民警的用户名，须为本所民警或所领导"),
    )

    def validate_facility_code(self, value: str) -> str:
        facility: Organization = self.context["facility"]
        if value != facility.code:
            raise serializers.ValidationError(_("只能登记本所（%(name)s）的入所记录") % {"name": facility.name})
        return value

    def validate_responsible_officer(self, value: str) -> User | None:
        if not value:
            return None
        officer = (
            User.objects.filter(
                username=value,
                is_active=True,
                memberships__organization=self.context["facility"],
                memberships__is_active=True,
                memberships__role__in=CENTRE_ROLES,
            )
            .distinct()
            .first()
        )
        if officer is None:
            raise serializers.ValidationError(_("责任民警须为本所在职民警或所领导"))
        return officer


# --- Views -------------------------------------------------------------------------------------------


# The API's 403 answer for a role outside the centre, in the words partner systems already read.
CENTRE_STAFF_ONLY = gettext_lazy("只有拘留所民警和所领导可以使用此接口")


class DetentionFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=Detention.Status.choices)
    admitted_after = filters.IsoDateTimeFilter(
        field_name="admitted_at",
        lookup_expr="gte",
        validators=[validate_date_in_range],
        help_text=gettext_lazy("入所时间不早于（含）"),
    )
    admitted_before = filters.IsoDateTimeFilter(
        field_name="admitted_at",
        lookup_expr="lt",
        validators=[validate_date_in_range],
        help_text=gettext_lazy("入所时间早于（不含）"),
    )

    class Meta:
        model = Detention
        fields = ["status", "admitted_after", "admitted_before"]


class DetentionPagination(CursorPagination):
    # Newest admissions first; the id breaks ties between admissions at the same second.
    ordering = ("-admitted_at", "-id")


@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("本所入所记录列表"), tags=["detentions"]),
    retrieve=extend_schema(summary=gettext_lazy("一条入所记录"), tags=["detentions"]),
    create=extend_schema(
        summary=gettext_lazy("登记入所"),
        tags=["detentions"],
        request=DetentionCreateSerializer,
        responses={
            201: DetentionSerializer,
            400: OpenApiResponse(description=gettext_lazy("数据有误：按字段列出的中文错误信息")),
        },
    ),
)
class DetentionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = DetentionSerializer
    # record_intake (create) is held by the same roles as view_detentions; the service checks it again.
    permission_classes = [api_permission("view_detentions", message=CENTRE_STAFF_ONLY)]
    pagination_class = DetentionPagination
    filterset_class = DetentionFilter
    # The nested person does not fit a form encoding; partner systems send JSON.
    parser_classes = [JSONParser]

    def get_queryset(self):
        # One query for the whole page, whatever its length.
        return visible_to(self.request.user).select_related("person", "facility", "responsible_officer")

    def get_object(self) -> Detention:
        detention = get_detention_for_user(self.request.user, self.kwargs["pk"])
        self.check_object_permissions(self.request, detention)
        return detention

    def create(self, request: Request) -> Response:
        facility = current_membership(request.user).organization
        serializer = DetentionCreateSerializer(data=request.data, context={"request": request, "facility": facility})
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("facility_code", None)
        person = services.PersonInput(**data.pop("person"))
        try:
            detention = services.record_intake(
                person, services.DetentionInput(facility=facility, **data), acting_user=request.user
            )
        except DjangoValidationError as error:
            # The person's fields under "person", as the create serializer nests them; the service's
            # "facility" is the API's "facility_code".
            detail = service_error_detail(
                error,
                set(serializer.fields) - {"person"},
                renamed={"facility": "facility_code"},
                nested={"person": serializer.fields["person"].fields},
            )
            raise serializers.ValidationError(detail) from None
        detention = get_detention_for_user(request.user, detention.pk)
        return Response(DetentionSerializer(detention).data, status=status.HTTP_201_CREATED)


detention_list = DetentionViewSet.as_view({"get": "list", "post": "create"})
detention_detail = DetentionViewSet.as_view({"get": "retrieve"})
