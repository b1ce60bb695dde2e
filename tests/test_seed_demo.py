"""seed_demo: the demo organizations, rooms and one user per role; never in production; idempotent."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Membership, Organization, Role, User
from disputes.models import Room

pytestmark = pytest.mark.django_db


@pytest.fixture
def debug_on(settings):
    settings.DEBUG = True


def counts() -> dict[str, int]:
    return {
        "organizations": Organization.objects.count(),
        "users": User.objects.count(),
        "memberships": Membership.objects.count(),
        "rooms": Room.objects.count(),
    }


def test_it_refuses_to_run_without_debug(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")

    assert counts() == {"organizations": 0, "users": 0, "memberships": 0, "rooms": 0}


def test_it_creates_nothing_twice(debug_on):
    call_command("seed_demo")
    first = counts()

    call_command("seed_demo")

    assert counts() == first
    assert first["organizations"] > 0 and first["users"] > 0 and first["rooms"] > 0


def test_it_creates_a_user_for_every_role(debug_on):
    call_command("seed_demo")

    roles = set(Membership.objects.filter(is_active=True).values_list("role", flat=True))
    assert roles == set(Role.values)


def test_it_puts_the_cixi_officer_in_the_cixi_centre(debug_on):
    call_command("seed_demo")

    membership = Membership.objects.select_related("organization").get(user__username="cx_officer")
    assert membership.role == Role.OFFICER
    assert (membership.organization.code, membership.organization.name) == ("330282-JLS", "慈溪市拘留所")


def test_it_builds_the_demo_tree_with_materialised_paths(debug_on):
    call_command("seed_demo")

    province = Organization.objects.get(code="330000")
    assert province.subtree().count() == Organization.objects.count()
    cixi_centre = Organization.objects.get(code="330282-JLS")
    assert cixi_centre.county().code == "330282"
    assert Organization.objects.get(code="330281-LS01").is_state_organ is False


def test_it_loads_demo_cases_with_a_booked_session_once(debug_on):
    from disputes.models import DisputeLead, MediationSession, VolunteerProfile

    call_command("seed_demo")
    call_command("seed_demo")

    assert DisputeLead.objects.count() == 2
    session = MediationSession.objects.get()
    assert session.lead.plan.status == "approved"
    assert {p.user.username for p in session.participants.all()} == {"yy_officer", "yy_volunteer"}
    assert VolunteerProfile.objects.get().user.username == "yy_volunteer"


def test_the_rooms_are_made_through_the_service_by_the_command_itself(debug_on, monkeypatch):
    from demo.management.commands import seed_demo

    calls = []

    def save_room(facility, **kwargs):
        calls.append((facility.code, kwargs["acting_user"]))
        return real_save_room(facility, **kwargs)

    real_save_room = seed_demo.save_room
    monkeypatch.setattr(seed_demo, "save_room", save_room)
    call_command("seed_demo")
    call_command("seed_demo")

    assert Room.objects.count() == len(calls) == 4
    assert set(calls) == {("330281-JLS", None), ("330282-JLS", None)}
