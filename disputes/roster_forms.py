"""Forms of the rooms and volunteer-roster pages: validation only (disputes.services.save_room and
enrol_volunteer write)."""

from __future__ import annotations

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization, Role, User
from accounts.selectors import active_members
from yaoyao_mediation.form_fields import TimeInput, date_field

from .models import Room, VolunteerProfile
from .services import WEEKDAY_NAMES


class RoomForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=64)
    kind = forms.ChoiceField(label=_("类型"), choices=Room.Kind.choices, initial=Room.Kind.MEDIATION)
    for_family_meetings = forms.BooleanField(
        label=_("可用于亲属会见"), required=False, help_text=_("亲属会见时段的名额为标记此项的调解室数")
    )
    capacity = forms.IntegerField(label=_("容纳人数"), min_value=1, max_value=100, initial=6)
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def __init__(self, *args, facility: Organization, room: Room | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.facility, self.room = facility, room

    @classmethod
    def initial_of(cls, room: Room) -> dict:
        return {name: getattr(room, name) for name in cls.base_fields}

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        same = Room.objects.filter(facility=self.facility, name=name)
        if self.room is not None:
            same = same.exclude(pk=self.room.pk)
        if same.exists():
            raise forms.ValidationError(_("本所已有名为“%(name)s”的调解室") % {"name": name})
        return name


class VolunteerForm(forms.Form):
    """A roster entry. `user` is chosen when the volunteer is enrolled and fixed afterwards."""

    user = forms.ModelChoiceField(
        label=_("社会监督员"),
        queryset=User.objects.none(),
        help_text=_("只列出本所尚未在册的社会监督员账号"),
    )
    qualification = forms.ChoiceField(label=_("法律职业资格"), choices=VolunteerProfile.Qualification.choices)
    certificate_number = forms.CharField(label=_("资格证书编号"), max_length=64, required=False)
    specialties = forms.CharField(
        label=_("擅长领域"), max_length=255, required=False, help_text=_("如：婚姻家庭、债务纠纷、心理疏导")
    )
    available_weekdays = forms.TypedMultipleChoiceField(
        label=_("可参加的星期"),
        coerce=int,
        choices=[(day, label) for day, label in WEEKDAY_NAMES.items()],
        widget=forms.CheckboxSelectMultiple,
    )
    available_from = forms.TimeField(label=_("可参加时间自"), widget=TimeInput(), initial=datetime.time(9, 0))
    available_until = forms.TimeField(label=_("可参加时间至"), widget=TimeInput(), initial=datetime.time(17, 0))
    confidentiality_signed_on = date_field(
        _("保密承诺签署日期"), required=False, help_text=_("签署保密承诺后才能参加调解")
    )
    is_active = forms.BooleanField(label=_("在册"), required=False, initial=True)

    def __init__(self, *args, facility: Organization, profile: VolunteerProfile | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if profile is None:
            enrolled = VolunteerProfile.objects.filter(facility=facility).values("user_id")
            self.fields["user"].queryset = active_members(facility, Role.VOLUNTEER).exclude(pk__in=enrolled)
        else:
            del self.fields["user"]

    @classmethod
    def initial_of(cls, profile: VolunteerProfile) -> dict:
        return {name: getattr(profile, name) for name in cls.base_fields if name != "user"}

    def clean(self) -> dict:
        cleaned = super().clean()
        start, end = cleaned.get("available_from"), cleaned.get("available_until")
        if start and end and start >= end:
            self.add_error("available_until", _("结束时间必须晚于开始时间"))
        return cleaned
