"""Forms of the lead pages: validation only. The services (disputes.services) hold the rules (amounts not
negative, paid not above agreed, allowed transitions) and their ValidationErrors come back onto the form
through yaoyao_mediation.form_fields.add_service_errors, so each rule has one Chinese message in one place."""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization, User
from accounts.selectors import centre_officers
from yaoyao_mediation.form_fields import PHONE_NUMBER, area_field, text_field

from . import services
from .models import DisputeLead, LeadOutcome, LeadParty, MediationSession, ResolutionPlan

PARTY_SLOTS = 3

# Partner organizations a plan may ask for: neither a region node nor a detention centre.
NOT_PARTNER_KINDS = Organization.REGION_KINDS | {Organization.Kind.FACILITY}


def _amount(label, *, help_text: str = "") -> forms.DecimalField:
    # No min_value here: a negative amount is refused by the service, with its own message.
    return forms.DecimalField(
        label=label,
        required=False,
        max_digits=14,
        decimal_places=2,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0"}),
    )


def _length(model, name: str) -> int:
    return model._meta.get_field(name).max_length


def partner_organizations(facility: Organization) -> QuerySet[Organization]:
    """The partner agencies of the centre's county (court, enforcement bureau, justice bureau, law
    firms, ...): the active organizations of the county's subtree that are no region and no centre."""
    county = facility.county()
    scope = county.subtree() if county is not None else Organization.objects.filter(parent_id=facility.parent_id)
    return scope.filter(is_active=True).exclude(kind__in=NOT_PARTNER_KINDS).order_by("path")


# --- leads ------------------------------------------------------------------------------------------


class LeadForm(forms.Form):
    category = forms.ChoiceField(label=_("纠纷类别"), choices=DisputeLead.Category.choices)
    summary = area_field(_("纠纷概况"), required=True, help_text=_("纠纷起因、经过、双方诉求"), rows=4)
    amount_at_stake = _amount(_("涉及金额（元）"), help_text=_("不涉及金额的可不填"))
    court_case_number = text_field(
        _("法院案号"), _length(DisputeLead, "court_case_number"), help_text=_("如：（2026）浙0281执123号")
    )
    source = forms.ChoiceField(
        label=_("线索来源"), choices=DisputeLead.Source.choices, initial=DisputeLead.Source.INTAKE_SCREENING
    )
    risk_level = forms.ChoiceField(
        label=_("风险等级"), choices=DisputeLead.RiskLevel.choices, initial=DisputeLead.RiskLevel.LOW
    )
    assigned_officer = forms.ModelChoiceField(
        label=_("承办民警"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("（默认为责任民警）"),
    )

    LEAD_FIELDS = ("category", "summary", "amount_at_stake", "court_case_number", "source", "risk_level")

    def __init__(self, *args, facility: Organization, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assigned_officer"].queryset = centre_officers(facility)

    @classmethod
    def initial_of(cls, lead: DisputeLead) -> dict:
        initial = {name: getattr(lead, name) for name in cls.LEAD_FIELDS}
        initial["assigned_officer"] = lead.assigned_officer_id
        return initial

    def lead_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in (*self.LEAD_FIELDS, "assigned_officer")]

    def lead_data(self) -> dict:
        data = self.cleaned_data
        return {
            "category": data["category"],
            "summary": data["summary"],
            "amount_at_stake": data["amount_at_stake"],
            "court_case_number": data["court_case_number"],
            "source": data["source"],
            "risk_level": data["risk_level"],
            "assigned_officer": data["assigned_officer"],
        }


class LeadEditForm(LeadForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assigned_officer"].empty_label = _("（暂不指定）")


PARTY_PARTS = ("side", "name", "relation", "phone", "address")


def _party_fields(prefix: str = "", *, number: int | None = None) -> dict[str, forms.Field]:
    def label(text):
        return _("当事人%(n)s %(part)s") % {"n": number, "part": text} if number else text

    return {
        # A party row of the new-lead form is optional as a whole (the service takes a lead without
        # parties): its side is required only with a name, like the name with the rest (clean()).
        f"{prefix}side": forms.ChoiceField(
            label=label(_("身份")),
            choices=LeadParty.Side.choices,
            initial=LeadParty.Side.COUNTERPARTY,
            required=number is None,
        ),
        f"{prefix}name": text_field(label(_("姓名或名称")), _length(LeadParty, "name"), required=number is None),
        f"{prefix}relation": text_field(
            label(_("与被拘留人关系")), _length(LeadParty, "relation"), help_text=_("如：债权人、配偶、邻居")
        ),
        f"{prefix}phone": text_field(label(_("联系电话")), 32, attrs=PHONE_NUMBER),
        f"{prefix}address": text_field(label(_("地址")), _length(LeadParty, "address")),
    }


class LeadCreateForm(LeadForm):
    """A new lead with up to PARTY_SLOTS parties; a party row is used when its name is filled."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for slot in range(1, PARTY_SLOTS + 1):
            self.fields.update(_party_fields(f"party_{slot}_", number=slot))

    def party_slots(self) -> list[list[forms.BoundField]]:
        return [[self[f"party_{slot}_{part}"] for part in PARTY_PARTS] for slot in range(1, PARTY_SLOTS + 1)]

    def clean(self) -> dict:
        cleaned = super().clean()
        for slot in range(1, PARTY_SLOTS + 1):
            name = cleaned.get(f"party_{slot}_name", "").strip()
            others = any(cleaned.get(f"party_{slot}_{part}") for part in ("relation", "phone", "address"))
            if not name and others:
                self.add_error(f"party_{slot}_name", _("请填写当事人姓名或名称"))
            if name and not cleaned.get(f"party_{slot}_side") and f"party_{slot}_side" not in self.errors:
                self.add_error(f"party_{slot}_side", _("请选择当事人身份"))
        return cleaned

    def parties(self) -> list[services.PartyInput]:
        data = self.cleaned_data
        return [
            services.PartyInput(**{part: data[f"party_{slot}_{part}"] for part in PARTY_PARTS})
            for slot in range(1, PARTY_SLOTS + 1)
            if data[f"party_{slot}_name"].strip()
        ]


class PartyForm(forms.Form):
    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("prefix", "party")
        super().__init__(*args, **kwargs)
        self.fields.update(_party_fields())

    def party(self) -> services.PartyInput:
        return services.PartyInput(**{part: self.cleaned_data[part] for part in PARTY_PARTS})


class LeadFilterForm(forms.Form):
    """Sent by GET: the filters of the lead list carry no personal data."""

    OPEN, CLOSED, ALL = "open", "closed", "all"

    status = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[(OPEN, _("未结")), (CLOSED, _("已结")), (ALL, _("全部"))],
    )
    category = forms.ChoiceField(
        label=_("纠纷类别"), required=False, choices=[("", _("全部类别")), *DisputeLead.Category.choices]
    )
    mine = forms.BooleanField(label=_("我承办的"), required=False)
    clock = forms.BooleanField(label=_("出所前仍未结"), required=False)

    def filters(self) -> dict:
        if not self.is_valid():
            return {"status": self.OPEN, "category": "", "mine": False, "clock": False}
        return {**self.cleaned_data, "status": self.cleaned_data["status"] or self.OPEN}


# --- one-person-one-plan --------------------------------------------------------------------------


class PlanForm(forms.Form):
    """Saved as a draft or submitted for approval: the button pressed says which (name="action")."""

    SAVE_DRAFT, SUBMIT = "draft", "submit"

    analysis = area_field(_("矛盾分析"), required=True, help_text=_("矛盾成因、双方诉求、化解的有利与不利因素"), rows=4)
    strategy = area_field(_("化解策略"), required=True, help_text=_("化解思路、步骤和时间安排"), rows=4)
    methods = forms.MultipleChoiceField(
        label=_("化解方法"),
        choices=ResolutionPlan.Method.choices,
        required=False,  # the service names a missing method, in its own words
        widget=forms.CheckboxSelectMultiple,
    )
    agencies_needed = forms.ModelMultipleChoiceField(
        label=_("需协作单位"),
        queryset=Organization.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("本所独立化解的可不选"),
    )

    def __init__(self, *args, facility: Organization, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agencies_needed"].queryset = partner_organizations(facility)

    @classmethod
    def initial_of(cls, plan: ResolutionPlan | None) -> dict:
        if plan is None:
            return {}
        return {
            "analysis": plan.analysis,
            "strategy": plan.strategy,
            "methods": plan.methods,
            "agencies_needed": [org.pk for org in plan.agencies_needed.all()],
        }


class ReviewForm(forms.Form):
    APPROVE, RETURN = "approve", "return"

    decision = forms.ChoiceField(
        label=_("审批结果"),
        choices=[(APPROVE, _("批准")), (RETURN, _("退回"))],
    )
    comment = area_field(_("审批意见"), help_text=_("退回时必填"), rows=3)
    # The plan revision the leader read on the page (ResolutionPlan.revision).
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def comment_fields(self) -> list[forms.BoundField]:
        # The decision comes from the button pressed, so only the comment is drawn as a field.
        return [self["comment"]]

    @property
    def approve(self) -> bool:
        return self.cleaned_data["decision"] == self.APPROVE


# --- outcome --------------------------------------------------------------------------------------


class OutcomeForm(forms.Form):
    status = forms.ChoiceField(
        label=_("化解结果"),
        choices=[(status.value, status.label) for status in DisputeLead.Status if status in DisputeLead.CLOSED],
        widget=forms.RadioSelect,
    )
    summary = area_field(_("化解情况"), required=True, rows=4)
    enforcement_settled = forms.BooleanField(label=_("执行和解"), required=False)
    agreed_amount = _amount(_("约定金额（元）"))
    paid_amount = _amount(_("已履行金额（元）"), help_text=_("不能大于约定金额"))
    court_case_number = text_field(
        _("法院案号"), _length(LeadOutcome, "court_case_number"), help_text=_("不填则沿用线索的法院案号")
    )
    petition_withdrawn = forms.BooleanField(label=_("停访息诉"), required=False)
    family_reconciled = forms.BooleanField(label=_("家庭和好"), required=False)
    crisis_averted = forms.BooleanField(label=_("避免极端事件"), required=False)

    # Only when the lead has sessions still to come: closing cancels them, so each is ticked first
    # (services.record_outcome refuses otherwise and names them).
    cancel_sessions = forms.TypedMultipleChoiceField(
        label=_("确认取消以下尚未举行的调解"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("结案后这些调解将被取消，调解室和参加人员的时间随之释放"),
    )

    def __init__(self, *args, sessions_ahead: list[MediationSession] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if sessions_ahead:
            self.fields["cancel_sessions"].choices = [(s.pk, s.when_and_where) for s in sessions_ahead]
        else:
            del self.fields["cancel_sessions"]

    RESULT_FIELDS = ("status", "summary")
    EFFECT_FIELDS = (
        "enforcement_settled",
        "agreed_amount",
        "paid_amount",
        "court_case_number",
        "petition_withdrawn",
        "family_reconciled",
        "crisis_averted",
    )

    def result_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.RESULT_FIELDS]

    def effect_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.EFFECT_FIELDS]

    def ahead_fields(self) -> list[forms.BoundField]:
        return [self["cancel_sessions"]] if "cancel_sessions" in self.fields else []

    def confirmed_cancellations(self) -> list[int]:
        return self.cleaned_data.get("cancel_sessions", [])

    def outcome_input(self) -> services.OutcomeInput:
        data = self.cleaned_data
        return services.OutcomeInput(summary=data["summary"], **{name: data[name] for name in self.EFFECT_FIELDS})
