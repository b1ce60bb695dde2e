"""What /api/v1/leads/ and /api/v1/sessions/ answer: one serializer per reader, each a whitelist of
fields (Meta.fields), so a field added to a model or to another serializer never reaches a reader by
accident (DESIGN.md §5; the package docstring says who gets which)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers

from accounts.access import staff_facility_id
from accounts.models import Organization
from detainees.api import DetentionOfficerSerializer
from detainees.models import Detention
from security.serializer_fields import MaskedPhoneField
from yaoyao_mediation.disclosure import DETENTION, LEAD, SESSION, Audience

from ..models import (
    Agreement,
    DisputeLead,
    LeadOutcome,
    LeadParty,
    MediationSession,
    ResolutionPlan,
    Room,
    SessionParticipant,
)

# --- leads --------------------------------------------------------------------------------------------


class PersonNameSerializer(serializers.Serializer):
    """The detained person by name only, read from a detention: the person's id and the name as that
    detention's centre recorded it (DESIGN.md §3); no document, phone or address."""

    id = serializers.IntegerField(source="person_id", read_only=True)
    name = serializers.CharField(read_only=True)


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
    person = PersonNameSerializer(source="detention", read_only=True)
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


# --- sessions -----------------------------------------------------------------------------------------


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
        fields = list(LEAD[Audience.SEALED])
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
    """What a sealed viewer may see of a session (DESIGN.md §5): the whitelist of
    yaoyao_mediation.disclosure, so a field added to the model or to SessionSerializer never reaches
    them by accident."""

    status = SessionStatusField(read_only=True)
    room_name = serializers.CharField(source="room.name", read_only=True, allow_null=True)
    person_name = serializers.CharField(source="lead.detention.name", read_only=True)
    dispute = SessionDisputeSerializer(source="lead", read_only=True)
    participants = SealedParticipantSerializer(many=True, read_only=True)
    guests = SessionGuestSerializer(many=True, read_only=True)

    class Meta:
        model = MediationSession
        fields = list(SESSION[Audience.SEALED])
        read_only_fields = fields


class SessionDetentionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Detention
        fields = list(DETENTION[Audience.CENTRE])
        read_only_fields = fields


class CourtDetentionSerializer(serializers.ModelSerializer):
    """The detention facts a court may see (DESIGN.md §5): yaoyao_mediation.disclosure."""

    class Meta:
        model = Detention
        fields = list(DETENTION[Audience.COURT])
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
        fields = [
            "user",
            "name",
            "capacity",
            "organization",
            "active",
            "attended",
            "conflict_declaration",
            "declared_at",
        ]
        read_only_fields = fields


class SessionSerializer(serializers.ModelSerializer):
    """The full record, for centre staff. After a transfer a centre lists the sessions held in its
    rooms for a person who is now at another centre: of that detention it gets only the court's
    whitelist of facts, the rest of the block left blank (the other centre's cell, decision and so on
    are not its business any more), so every row keeps one shape."""

    status = SessionStatusField(read_only=True)
    dispute = SessionDisputeSerializer(source="lead", read_only=True)
    person = PersonNameSerializer(source="lead.detention", read_only=True)
    detention = SessionDetentionSerializer(source="lead.detention", read_only=True)
    room = SessionRoomSerializer(read_only=True, allow_null=True)
    court = OrganizationRefSerializer(read_only=True, allow_null=True)
    participants = SessionParticipantSerializer(many=True, read_only=True)
    guests = SessionGuestSerializer(many=True, read_only=True)
    scheduled_by = DetentionOfficerSerializer(read_only=True, allow_null=True)
    override_by = DetentionOfficerSerializer(read_only=True, allow_null=True)

    class Meta:
        model = MediationSession
        fields = list(SESSION[Audience.CENTRE])
        read_only_fields = fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        viewer_facility_id = staff_facility_id(self.context["request"].user) if "request" in self.context else None
        if instance.lead.detention.facility_id != viewer_facility_id:
            allowed = set(DETENTION[Audience.COURT]) | {"id"}
            data["detention"] = {name: (value if name in allowed else "") for name, value in data["detention"].items()}
        return data


class CourtSessionSerializer(SessionSerializer):
    """What court staff see of a session addressed to their court: a whitelist (Meta.fields), so a field
    added to SessionSerializer reaches them only when it is added here too. No leader's override: its
    reasons and note speak of the release and the health check."""

    detention = CourtDetentionSerializer(source="lead.detention", read_only=True)

    class Meta:
        model = MediationSession
        fields = list(SESSION[Audience.COURT])
        read_only_fields = fields


SESSION_RESPONSE = PolymorphicProxySerializer(
    component_name="SessionView",
    serializers=[SessionSerializer, CourtSessionSerializer, SealedSessionSerializer],
    resource_type_field_name=None,
)
