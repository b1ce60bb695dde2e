"""Forms of the officer pages: validation only. The services (detainees.services) write, and their
ValidationErrors come back onto the form through yaoyao_mediation.form_fields.add_service_errors."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization, User
from accounts.selectors import centre_officers
from yaoyao_mediation.form_fields import PHONE_NUMBER, PRIVATE_NUMBER, area_field, local_datetime_field, text_field

from . import services
from .models import Detention, Document, FamilyContact, IntakeAssessment, Person
from .selectors import WorklistFilters

FAMILY_CONTACT_SLOTS = 2


class DetentionFactsForm(forms.Form):
    """The facts of a detention, as entered at intake and corrected later."""

    kind = forms.ChoiceField(label=_("拘留类型"), choices=Detention.Kind.choices)
    external_ref = text_field(_("入所编号"), 64, help_text=_("公安监管综合平台的入所编号"))
    decision_number = text_field(_("决定书文号"), 64)
    handling_unit = text_field(_("办案单位"), 128)
    reason = area_field(_("拘留事由"))
    admitted_at = local_datetime_field(_("入所时间"))
    detention_days = forms.IntegerField(
        label=_("拘留天数"),
        required=False,
        min_value=1,
        max_value=services.MAX_DETENTION_DAYS,
        help_text=_("填写拘留天数或预计出所时间之一；都填写时以预计出所时间为准"),
    )
    scheduled_release_at = local_datetime_field(_("预计出所时间"), required=False)
    cell = text_field(_("监室"), 32)
    responsible_officer = forms.ModelChoiceField(
        label=_("责任民警"), queryset=User.objects.none(), required=False, empty_label=_("（暂不指定）")
    )

    DETENTION_FIELDS = Detention.FACT_FIELDS

    def __init__(self, *args, facility: Organization, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["responsible_officer"].queryset = centre_officers(facility)

    def detention_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.DETENTION_FIELDS]


class IntakeForm(DetentionFactsForm):
    """A new detention: the person (found again by document number) and the facts of the detention.
    The centre is the user's own and is no field of the form."""

    id_type = forms.ChoiceField(label=_("证件类型"), choices=Person.IdType.choices, initial=Person.IdType.RESIDENT_ID)
    id_number = text_field(
        _("证件号码"),
        32,
        help_text=_("身份证号码可为 18 位或旧式 15 位；全角数字、空格和小写 x 会自动规范"),
        attrs=PRIVATE_NUMBER,
    )
    unknown_identity_description = area_field(
        _("身份不明情况说明"), help_text=_("证件类型为“身份不明”时必填：体貌特征、口音、自报信息等")
    )
    name = text_field(_("姓名"), 64, required=True)
    phone = text_field(_("联系电话"), 32, attrs=PHONE_NUMBER)
    household_address = text_field(_("户籍地址"), 255)
    current_address = text_field(_("现住址"), 255)
    employer = text_field(_("工作单位"), 128)

    PERSON_FIELDS = (
        "id_type",
        "id_number",
        "unknown_identity_description",
        "name",
        "phone",
        "household_address",
        "current_address",
        "employer",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        name_length = FamilyContact._meta.get_field("name").max_length
        relation_length = FamilyContact._meta.get_field("relation").max_length
        for slot in range(1, FAMILY_CONTACT_SLOTS + 1):
            self.fields[f"family_{slot}_name"] = text_field(_("家属%(n)s 姓名") % {"n": slot}, name_length)
            self.fields[f"family_{slot}_relation"] = text_field(
                _("家属%(n)s 关系") % {"n": slot}, relation_length, help_text=_("如：配偶、父亲、女儿")
            )
            self.fields[f"family_{slot}_phone"] = text_field(_("家属%(n)s 电话") % {"n": slot}, 32, attrs=PHONE_NUMBER)

    def person_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.PERSON_FIELDS]

    def family_slots(self) -> list[list[forms.BoundField]]:
        return [
            [self[f"family_{slot}_{part}"] for part in ("name", "relation", "phone")]
            for slot in range(1, FAMILY_CONTACT_SLOTS + 1)
        ]

    def clean(self) -> dict:
        cleaned = super().clean()
        id_type = cleaned.get("id_type")
        if id_type:
            if id_type != Person.IdType.UNKNOWN and not cleaned.get("id_number", "").strip():
                self.add_error("id_number", _("请填写证件号码，或将证件类型选为“身份不明”"))
            else:
                try:
                    services.normalize_identity(self._person_input(cleaned), now=timezone.now())
                except ValidationError as error:
                    field = "unknown_identity_description" if error.code == "unknown_description" else "id_number"
                    self.add_error(field, error.messages)
        for slot in range(1, FAMILY_CONTACT_SLOTS + 1):
            name = cleaned.get(f"family_{slot}_name", "").strip()
            if not name and (cleaned.get(f"family_{slot}_relation") or cleaned.get(f"family_{slot}_phone")):
                self.add_error(f"family_{slot}_name", _("请填写家属姓名"))
        return cleaned

    @staticmethod
    def _person_input(cleaned: dict) -> services.PersonInput:
        return services.PersonInput(
            id_type=cleaned.get("id_type", ""),
            id_number=cleaned.get("id_number", ""),
            name=cleaned.get("name", ""),
            phone=cleaned.get("phone", ""),
            household_address=cleaned.get("household_address", ""),
            current_address=cleaned.get("current_address", ""),
            employer=cleaned.get("employer", ""),
            unknown_identity_description=cleaned.get("unknown_identity_description", ""),
            family_contacts=[
                {
                    "name": cleaned.get(f"family_{slot}_name", ""),
                    "relation": cleaned.get(f"family_{slot}_relation", ""),
                    "phone": cleaned.get(f"family_{slot}_phone", ""),
                }
                for slot in range(1, FAMILY_CONTACT_SLOTS + 1)
                if cleaned.get(f"family_{slot}_name", "").strip()
            ],
        )

    def person_input(self) -> services.PersonInput:
        return self._person_input(self.cleaned_data)

    def detention_input(self, facility: Organization) -> services.DetentionInput:
        return services.DetentionInput(
            facility=facility, **{name: self.cleaned_data[name] for name in self.DETENTION_FIELDS}
        )


class DetentionEditForm(DetentionFactsForm):
    """Corrections of a detention's facts; only what changed is passed to services.update_detention."""

    @classmethod
    def initial_of(cls, detention: Detention) -> dict:
        return {name: getattr(detention, name) for name in cls.DETENTION_FIELDS}

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.changed_data if name in self.DETENTION_FIELDS}


class ReleaseForm(forms.Form):
    released_at = local_datetime_field(_("出所时间"))


class TransferForm(forms.Form):
    to_facility = forms.ModelChoiceField(label=_("转入拘留所"), queryset=Organization.objects.none())
    moved_at = local_datetime_field(_("转所时间"))
    note = text_field(_("说明"), 255)

    def __init__(self, *args, detention: Detention, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_facility"].queryset = province_facilities(detention.facility).exclude(pk=detention.facility_id)


def province_facilities(facility: Organization) -> QuerySet[Organization]:
    """The active detention centres of the province `facility` belongs to (the root of its path)."""
    province_path = "/" + facility.path.strip("/").split("/")[0] + "/"
    return Organization.objects.filter(
        kind=Organization.Kind.FACILITY, is_active=True, path__startswith=province_path
    ).order_by("path")


class AssessmentForm(forms.Form):
    risk_tags = forms.MultipleChoiceField(
        label=_("风险标签"),
        choices=IntakeAssessment.RiskTag.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    risk_level = forms.ChoiceField(
        label=_("风险等级"), choices=IntakeAssessment.RiskLevel.choices, widget=forms.RadioSelect
    )
    screening_result = forms.ChoiceField(
        label=_("纠纷排查结果"), choices=IntakeAssessment.Screening.choices, widget=forms.RadioSelect
    )
    needs = area_field(_("需求"), help_text=_("本人及家庭的帮扶需求"))
    notes = area_field(_("评估说明"))

    @classmethod
    def initial_of(cls, assessment: IntakeAssessment | None) -> dict:
        if assessment is None:
            return {}
        return {name: getattr(assessment, name) for name in cls.base_fields}


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("材料类型"), choices=Document.Kind.choices)
    title = text_field(_("标题"), 128, required=True)
    file = forms.FileField(
        label=_("文件"),
        help_text=_("PDF、JPEG 或 PNG"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        services.check_document_file(upload)
        return upload


class SearchForm(forms.Form):
    """Sent by POST: a name or a document number must not end up in a URL (logs, history, referrers)."""

    q = forms.CharField(
        label=_("姓名或证件号码"),
        max_length=64,
        help_text=_("证件号码须完整；姓名可只填一部分"),
        widget=forms.TextInput(attrs=PRIVATE_NUMBER),
    )
    after = forms.CharField(required=False, widget=forms.HiddenInput)


class WorklistFilterForm(forms.Form):
    """Sent by GET: the filters carry no personal data."""

    mine = forms.BooleanField(label=_("我负责的"), required=False)
    due_soon = forms.BooleanField(label=_("评估即将到期"), required=False)
    overdue = forms.BooleanField(label=_("评估已逾期"), required=False)
    high_risk = forms.BooleanField(label=_("高风险"), required=False)
    custody_clock = forms.BooleanField(label=_("出所前仍有未结线索"), required=False)

    def filters(self) -> WorklistFilters:
        if not self.is_valid():
            return WorklistFilters()
        return WorklistFilters(**self.cleaned_data)
