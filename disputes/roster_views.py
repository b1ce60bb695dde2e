"""The centre's rooms and its volunteer roster (社会监督员名册): leaders manage them, officers read them.
Another centre's room or roster entry is 404; an officer's attempt to change one is 403."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.access import current_membership, role_required
from accounts.models import CENTRE_ROLES, Organization, Role
from yaoyao_mediation.form_fields import add_service_errors

from . import services
from .models import Room, VolunteerProfile
from .roster_forms import RoomForm, VolunteerForm

centre_staff = role_required(*CENTRE_ROLES)


def _facility_for(user, *, write: bool = False) -> Organization:
    membership = current_membership(user)
    if write and membership.role != Role.CENTRE_LEADER:
        raise PermissionDenied
    return membership.organization


def _room_for(user, pk: int, *, write: bool = False) -> Room:
    facility = current_membership(user).organization
    room = Room.objects.filter(pk=pk, facility=facility).first()
    if room is None:
        raise Http404
    _facility_for(user, write=write)
    return room


def _profile_for(user, pk: int, *, write: bool = False) -> VolunteerProfile:
    facility = current_membership(user).organization
    profile = VolunteerProfile.objects.filter(pk=pk, facility=facility).select_related("user").first()
    if profile is None:
        raise Http404
    _facility_for(user, write=write)
    return profile


# --- rooms -----------------------------------------------------------------------------------------


@centre_staff
@require_GET
def room_list(request: HttpRequest) -> HttpResponse:
    facility = _facility_for(request.user)
    context = {
        "facility": facility,
        "rooms": list(Room.objects.filter(facility=facility).order_by("-is_active", "kind", "name")),
        "can_manage": current_membership(request.user).role == Role.CENTRE_LEADER,
    }
    return render(request, "disputes/room_list.html", context)


@centre_staff
@require_http_methods(["GET", "POST"])
def room_create(request: HttpRequest) -> HttpResponse:
    facility = _facility_for(request.user, write=True)
    return _room_form(request, facility, room=None)


@centre_staff
@require_http_methods(["GET", "POST"])
def room_edit(request: HttpRequest, pk: int) -> HttpResponse:
    room = _room_for(request.user, pk, write=True)
    return _room_form(request, room.facility, room=room)


def _room_form(request: HttpRequest, facility: Organization, *, room: Room | None) -> HttpResponse:
    initial = RoomForm.initial_of(room) if room else None
    if request.method == "POST":
        form = RoomForm(request.POST, facility=facility, room=room)
        if form.is_valid():
            try:
                saved = services.save_room(facility, **form.cleaned_data, room=room, acting_user=request.user)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("调解室“%(name)s”已保存") % {"name": saved.name})
                return redirect("disputes:room_list")
    else:
        form = RoomForm(initial=initial, facility=facility, room=room)
    return render(request, "disputes/room_form.html", {"form": form, "room": room, "facility": facility})


# --- the volunteer roster ------------------------------------------------------------------------------


@centre_staff
@require_GET
def volunteer_list(request: HttpRequest) -> HttpResponse:
    facility = _facility_for(request.user)
    profiles = VolunteerProfile.objects.filter(facility=facility).select_related("user")
    context = {
        "facility": facility,
        "rows": [(profile, services.availability_text(profile)) for profile in profiles],
        "can_manage": current_membership(request.user).role == Role.CENTRE_LEADER,
    }
    return render(request, "disputes/volunteer_list.html", context)


@centre_staff
@require_http_methods(["GET", "POST"])
def volunteer_create(request: HttpRequest) -> HttpResponse:
    facility = _facility_for(request.user, write=True)
    return _volunteer_form(request, facility, profile=None)


@centre_staff
@require_http_methods(["GET", "POST"])
def volunteer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    profile = _profile_for(request.user, pk, write=True)
    return _volunteer_form(request, profile.facility, profile=profile)


def _volunteer_form(request: HttpRequest, facility: Organization, *, profile: VolunteerProfile | None) -> HttpResponse:
    if request.method == "POST":
        form = VolunteerForm(request.POST, facility=facility, profile=profile)
        if form.is_valid():
            data = dict(form.cleaned_data)
            user = profile.user if profile else data.pop("user")
            try:
                saved = services.enrol_volunteer(facility, user=user, **data, acting_user=request.user)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("社会监督员“%(name)s”的名册信息已保存") % {"name": saved})
                return redirect("disputes:volunteer_list")
    else:
        initial = VolunteerForm.initial_of(profile) if profile else None
        form = VolunteerForm(initial=initial, facility=facility, profile=profile)
    return render(request, "disputes/volunteer_form.html", {"form": form, "profile": profile, "facility": facility})
