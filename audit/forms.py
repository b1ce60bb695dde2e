"""Search forms of the audit pages (GET: their parameters carry no personal data)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from yaoyao_mediation.form_fields import date_field

from .models import AccessLog
from .selectors import tracked_event_models


class _SearchForm(forms.Form):
    """Who acted, and between which days (whole days in the project's time zone, Asia/Shanghai)."""

    username = forms.CharField(label=_("操作用户（用户名）"), required=False, max_length=150)
    date_from = date_field(_("起始日期"), required=False)
    date_to = date_field(_("截止日期（含当日）"), required=False)

    def clean_username(self) -> User | None:
        username = self.cleaned_data["username"].strip()
        if not username:
            return None
        user = User.objects.filter(username=username).first()
        if user is None:
            raise forms.ValidationError(_("没有这个用户名的用户"))
        return user

    def clean(self) -> dict:
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from > date_to:
            self.add_error("date_to", _("截止日期不能早于起始日期"))
        return cleaned

    def period(self) -> tuple[datetime | None, datetime | None]:
        """[start, end) of the chosen days as aware datetimes; None where a day is not given."""
        date_from, date_to = self.cleaned_data.get("date_from"), self.cleaned_data.get("date_to")
        return (
            _start_of(date_from) if date_from else None,
            _start_of(date_to + timedelta(days=1)) if date_to else None,
        )


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


class EventSearchForm(_SearchForm):
    model = forms.ChoiceField(label=_("记录类型"), required=False)
    object_id = forms.IntegerField(label=_("记录编号"), required=False, min_value=1, max_value=2**63 - 1)

    field_order = ["model", "object_id", "username", "date_from", "date_to"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.event_models = {model._meta.label: model for model in tracked_event_models()}
        self.fields["model"].choices = [
            ("", _("全部")),
            *[(label, model.pgh_tracked_model._meta.verbose_name) for label, model in self.event_models.items()],
        ]

    def search(self) -> dict:
        """The keyword arguments of selectors.event_page."""
        start, end = self.period()
        label = self.cleaned_data["model"]
        return {
            "event_models": [self.event_models[label]] if label else list(self.event_models.values()),
            "object_id": self.cleaned_data["object_id"],
            "user": self.cleaned_data["username"],
            "start": start,
            "end": end,
        }


class AccessLogSearchForm(_SearchForm):
    action = forms.ChoiceField(label=_("操作"), required=False, choices=[("", _("全部")), *AccessLog.Action.choices])

    field_order = ["username", "action", "date_from", "date_to"]

    def search(self) -> dict:
        """The keyword arguments of selectors.access_log_page."""
        start, end = self.period()
        return {
            "user": self.cleaned_data["username"],
            "action": self.cleaned_data["action"],
            "start": start,
            "end": end,
        }
