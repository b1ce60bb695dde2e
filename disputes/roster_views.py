"""The centre's rooms and its volunteer roster (社会监督员名册): leaders manage them, officers read them.
Another centre's room or roster entry is 404; an officer's attempt to change one is 403."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.access import current_membership
from accounts.models import Organization
from accounts.permissions import can, requires
from yaoyao_mediation.form_fields import add_service_errors

from . import services
from .access import get_room_for_user, get_volunteer_profile_for_user
from .models import Room, VolunteerProfile
from .roster_forms import RoomForm, VolunteerForm


def _own_centre(user) -> Organization:
    """The centre whose rooms and roster the user works with: their own (the permission checked it)."""
    return current_membership(user).organization


# --- rooms -----------------------------------------------------------------------------------------


@requires("view_rooms")
@require_GET
def room_list(request: HttpRequest) -> HttpResponse:
    facility = _own_centre(request.user)
    context = {
        "facility": facility,
        "rooms": list(Room.objects.filter(facility=facility).order_by("-is_active", "kind", "name")),
        "can_manage": can(request.user, "manage_rooms", facility),
    }
    return render(request, "disputes/room_list.html", context)


@requires("manage_rooms")
@require_http_methods(["GET", "POST"])
def room_create(request: HttpRequest) -> HttpResponse:
    facility = _own_centre(request.user)
    return _room_form(request, facility, room=None)


@requires("view_rooms", change="manage_rooms")
@require_http_methods(["GET", "POST"])
def room_edit(request: HttpRequest, pk: int) -> HttpResponse:
    room = get_room_for_user(request.user, pk, write=True)
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


@requires("view_rooms")
@require_GET
def volunteer_list(request: HttpRequest) -> HttpResponse:
    facility = _own_centre(request.user)
    profiles = VolunteerProfile.objects.filter(facility=facility).select_related("user")
    context = {
        "facility": facility,
        "rows": [(profile, services.availability_text(profile)) for profile in profiles],
        "can_manage": can(request.user, "manage_rooms", facility),
    }
    return render(request, "disputes/volunteer_list.html", context)


@requires("manage_rooms")
@require_http_methods(["GET", "POST"])
def volunteer_create(request: HttpRequest) -> HttpResponse:
    facility = _own_centre(request.user)
    return _volunteer_form(request, facility, profile=None)


@requires("view_rooms", change="manage_rooms")
@require_http_methods(["GET", "POST"])
def volunteer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    profile = get_volunteer_profile_for_user(request.user, pk, write=True)
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
