"""A centre's rooms and its volunteer roster, kept by the centre's leaders."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Membership, Organization, Role, User
from accounts.permissions import require

from ..models import MediationSession, Room, SessionParticipant, SessionUserObjectPermission, VolunteerProfile

WEEKDAY_NAMES = {
    1: gettext_lazy("周一"),
    2: gettext_lazy("周二"),
    3: gettext_lazy("周三"),
    4: gettext_lazy("周四"),
    5: gettext_lazy("周五"),
    6: gettext_lazy("周六"),
    7: gettext_lazy("周日"),
}


def availability_text(profile: VolunteerProfile) -> str:
    days = "、".join(str(WEEKDAY_NAMES[day]) for day in sorted(profile.available_weekdays)) or "—"
    return f"{days} {profile.available_from:%H:%M}–{profile.available_until:%H:%M}"


@transaction.atomic
def save_room(
    facility: Organization,
    *,
    name: str,
    kind: str,
    for_family_meetings: bool = False,
    capacity: int = 6,
    is_active: bool = True,
    room: Room | None = None,
    acting_user: User | None,
) -> Room:
    require(acting_user, "manage_rooms", facility.pk)
    room = room or Room(facility=facility)
    if room.facility_id != facility.pk:
        raise ValidationError(_("只能管理本所的调解室"))
    room.name, room.kind, room.for_family_meetings = name.strip(), kind, for_family_meetings
    room.capacity, room.is_active = capacity, is_active
    room.full_clean()
    room.save()
    return room


@transaction.atomic
def enrol_volunteer(
    facility: Organization,
    *,
    user: User,
    qualification: str,
    certificate_number: str = "",
    specialties: str = "",
    available_weekdays: Sequence[int],
    available_from: time,
    available_until: time,
    confidentiality_signed_on: date | None = None,
    is_active: bool = True,
    acting_user: User,
    now: datetime | None = None,
) -> VolunteerProfile:
    """Put a volunteer on the centre's roster, or update their entry. They take part in sessions only
    once the confidentiality undertaking is signed (DESIGN.md §5). A volunteer serving two centres has
    an entry at each; one centre's leader changes only their own centre's entry."""
    now = now or timezone.now()
    require(acting_user, "manage_rooms", facility.pk)
    if not Membership.objects.filter(user=user, organization=facility, role=Role.VOLUNTEER, is_active=True).exists():
        raise ValidationError({"user": _("该用户不是本所的社会监督员账号")})
    errors = {}
    if confidentiality_signed_on is None and is_active:
        errors["confidentiality_signed_on"] = _("请填写保密承诺签署日期")
    if not available_weekdays or not set(available_weekdays) <= set(range(1, 8)):
        errors["available_weekdays"] = _("请选择可参加的星期")
    if available_from >= available_until:
        errors["available_until"] = _("结束时间必须晚于开始时间")
    if errors:
        raise ValidationError(errors)
    profile, _created = VolunteerProfile.objects.update_or_create(
        user=user,
        facility=facility,
        defaults={
            "qualification": qualification,
            "certificate_number": certificate_number.strip(),
            "specialties": specialties.strip(),
            "available_weekdays": sorted(set(available_weekdays)),
            "available_from": available_from,
            "available_until": available_until,
            "confidentiality_signed_on": confidentiality_signed_on,
            "is_active": is_active,
        },
    )
    if not is_active:
        _withdraw_volunteer(user, facility, now=now)
    return profile


def _withdraw_volunteer(user: User, facility: Organization, *, now: datetime) -> None:
    """A volunteer taken off a centre's roster leaves the sessions still ahead there, and loses sight
    of every session of that centre they were invited to (DESIGN.md §5: grants, not roles, let them in)."""
    sessions = MediationSession.objects.filter(facility=facility)
    SessionParticipant.objects.filter(
        user=user,
        session__in=sessions,
        active=True,
        session__status=MediationSession.Status.SCHEDULED,
        starts_at__gt=now,
    ).update(active=False, updated_at=now)
    SessionUserObjectPermission.objects.filter(user=user, content_object__in=sessions).delete()
