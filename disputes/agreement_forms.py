"""Forms of the agreement pages: validation only. disputes.services writes and judges the rules (a
resolved lead, amounts not negative, paid not above agreed, two signatories); its ValidationErrors come
back onto the form through yaoyao_mediation.form_fields.add_service_errors."""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from yaoyao_mediation.form_fields import date_field

from .models import Agreement, Signatory

# The roles offered in the signatory rows (a datalist: another role may be typed).
SIGNATORY_ROLES = [_("甲方"), _("乙方"), _("丙方"), _("第三人"), _("调解员"), _("见证人"), _("记录人")]
MAX_SIGNATORIES = 12


class AgreementForm(forms.Form):
    facts = forms.CharField(
        label=Agreement._meta.get_field("facts").verbose_name,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("纠纷的起因、经过和争议焦点"),
        error_messages={"required": _("请填写纠纷事实")},
    )
    terms = forms.CharField(
        label=Agreement._meta.get_field("terms").verbose_name,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("逐条写明，每条一行，例如“一、……”；换行会保留在协议书中"),
        error_messages={"required": _("请填写协议条款")},
    )
    agreed_amount = forms.DecimalField(
        label=Agreement._meta.get_field("agreed_amount").verbose_name,
        required=False,
        max_digits=14,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"min": "0", "step": "0.01"}),
    )
    paid_amount = forms.DecimalField(
        label=Agreement._meta.get_field("paid_amount").verbose_name,
        required=False,
        max_digits=14,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"min": "0", "step": "0.01"}),
    )
    signed_on = date_field(
        Agreement._meta.get_field("signed_on").verbose_name, error_messages={"required": _("请填写签订日期")}
    )


class SignatoryForm(forms.Form):
    role = forms.CharField(
        label=Signatory._meta.get_field("role").verbose_name,
        max_length=64,
        required=False,
        widget=forms.TextInput(attrs={"list": "signatory-roles"}),
    )
    name = forms.CharField(label=Signatory._meta.get_field("name").verbose_name, max_length=128, required=False)

    def clean(self):
        data = super().clean()
        if data.get("name", "").strip() and not data.get("role", "").strip():
            self.add_error("role", _("请填写签字人的身份"))
        return data


SignatoryFormSet = forms.formset_factory(
    SignatoryForm, extra=2, max_num=MAX_SIGNATORIES, validate_max=True, absolute_max=MAX_SIGNATORIES
)


class ConfirmationRequestForm(forms.Form):
    court = forms.ModelChoiceField(label=_("受理法院"), queryset=Organization.objects.none(), empty_label=None)

    def __init__(self, *args, courts: QuerySet[Organization], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["court"].queryset = courts


class ConfirmationDecisionForm(forms.Form):
    CONFIRM, REFUSE = "confirm", "refuse"
    decision = forms.ChoiceField(
        label=_("审查结果"),
        choices=[(CONFIRM, _("确认调解协议有效")), (REFUSE, _("不予确认"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("法院意见"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("不予确认时必须写明理由"),
    )
