"""Forms of the follow-up pages: validation only. The services (followups.services) hold the rules and
write; their ValidationErrors come back onto the form (yaoyao_mediation.form_fields.add_service_errors)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization, User
from accounts.selectors import centre_officers
from yaoyao_mediation.form_fields import DateInput, area_field, local_datetime_field, text_field

from .models import Evaluation, FollowUp, Visit

SATISFACTION_MESSAGE = _("满意度应为 1 至 5 分")


def satisfaction_field(label, *, required: bool) -> forms.IntegerField:
    # A number box rather than radio buttons, so that a value outside 1–5 sent anyway gets this message.
    return forms.IntegerField(
        label=label,
        required=required,
        min_value=1,
        max_value=5,
        help_text=_("1 分最不满意，5 分最满意"),
        error_messages={"min_value": SATISFACTION_MESSAGE, "max_value": SATISFACTION_MESSAGE},
    )


class EvaluationForm(forms.Form):
    stability = forms.ChoiceField(label=_("稳定情况"), choices=Evaluation.Stability.choices, widget=forms.RadioSelect)
    satisfaction = satisfaction_field(_("当事人满意度"), required=True)
    evaluated_at = local_datetime_field(_("评估时间"), help_text=_("评估实际进行的时间"))
    notes = area_field(_("评估说明"))


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented pattern): a list of uploads, possibly empty."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data]
        return [super().clean(data, initial)] if data else []


class VisitForm(forms.Form):
    channel = forms.ChoiceField(label=_("回访方式"), choices=Visit.Channel.choices, widget=forms.RadioSelect)
    visited_at = local_datetime_field(_("回访时间"))
    officer = forms.ModelChoiceField(label=_("回访民警"), queryset=User.objects.none(), required=False)
    contact = forms.ChoiceField(label=_("回访对象"), choices=Visit.Contact.choices, widget=forms.RadioSelect)
    contact_name = text_field(_("对象姓名"), 64)
    satisfaction = satisfaction_field(_("满意度"), required=False)
    notes = area_field(_("回访情况"), required=True)
    evidence = MultipleFileField(
        label=_("佐证材料"), required=False, help_text=_("照片或扫描件：PDF、JPEG 或 PNG，可多选")
    )

    def __init__(self, *args, facility: Organization, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["officer"].queryset = centre_officers(facility)
        self.fields["officer"].help_text = _("不选时为本人")


class CloseForm(forms.Form):
    reason = forms.ChoiceField(label=_("结束原因"), choices=FollowUp.CloseReason.choices, widget=forms.RadioSelect)
    note = area_field(_("结束说明"), help_text=_("结束原因为“其他”时必填"))


class ReoffenceForm(forms.Form):
    occurred_on = forms.DateField(label=_("发生日期"), widget=DateInput())
    description = area_field(_("情况说明"), required=True, help_text=_("何时因何事被何单位处理"))
    retracted = forms.BooleanField(label=_("经核实不属于重新违法犯罪（撤销记录）"), required=False)


class FilterForm(forms.Form):
    status = forms.ChoiceField(label=_("状态"), choices=[("", _("进行中")), *FollowUp.Status.choices], required=False)

    def status_value(self) -> str:
        return self.cleaned_data["status"] if self.is_valid() else ""
