"""Rooms and the volunteer roster: the centre's leaders change them, its officers read them, another
centre's entries are 404 and other roles get 403."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest

from accounts.models import Role
from accounts.services import grant_membership
from disputes import services
from disputes.models import Room, SessionUserObjectPermission, VolunteerProfile
from tests.conftest import make_person

pytestmark = pytest.mark.django_db


# --- rooms ------------------------------------------------------------------------------------------------


def test_a_leader_adds_a_room(leader_a, orgs, client_for):
    response = client_for(leader_a).post(
        "/disputes/rooms/new/",
        {"name": "第三调解室", "kind": "mediation", "for_family_meetings": "on", "capacity": 8, "is_active": "on"},
    )

    assert response.status_code == 302 and response["Location"] == "/disputes/rooms/"
    room = Room.objects.get(name="第三调解室")
    assert (room.facility, room.kind, room.for_family_meetings, room.capacity, room.is_active) == (
        orgs.centre_a,
        "mediation",
        True,
        8,
        True,
    )


def test_a_leader_edits_a_room_and_can_take_it_out_of_use(leader_a, rooms, client_for):
    room = rooms["two"]
    client = client_for(leader_a)
    form = client.get(f"/disputes/rooms/{room.pk}/")
    assert 'value="第二调解室"' in form.content.decode()

    response = client.post(
        f"/disputes/rooms/{room.pk}/", {"name": "第二调解室（会见）", "kind": "mediation", "capacity": 4}
    )

    assert response.status_code == 302
    room.refresh_from_db()
    assert (room.name, room.capacity, room.for_family_meetings, room.is_active) == (
        "第二调解室（会见）",
        4,
        False,
        False,
    )


def test_a_room_name_already_used_in_the_centre_is_refused(leader_a, rooms, client_for):
    response = client_for(leader_a).post(
        "/disputes/rooms/new/", {"name": "第一调解室", "kind": "mediation", "capacity": 6, "is_active": "on"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["name"] == ["本所已有名为“第一调解室”的调解室"]
    assert Room.objects.filter(name="第一调解室").count() == 1


def test_the_same_room_name_is_fine_in_another_centre(officer_b, orgs, client_for, rooms, leader_b):
    response = client_for(leader_b).post(
        "/disputes/rooms/new/", {"name": "第一调解室", "kind": "mediation", "capacity": 6, "is_active": "on"}
    )

    assert response.status_code == 302
    assert Room.objects.filter(name="第一调解室", facility=orgs.centre_b).exists()


def test_an_officer_reads_the_rooms_but_cannot_change_them(officer_a, rooms, client_for):
    client = client_for(officer_a)

    listing = client.get("/disputes/rooms/")

    page = listing.content.decode()
    assert listing.status_code == 200
    assert "第一调解室" in page and "远程视频调解室" in page and "慈溪调解室" not in page
    assert "/disputes/rooms/new/" not in page and f"/disputes/rooms/{rooms['one'].pk}/" not in page
    assert client.get("/disputes/rooms/new/").status_code == 403
    assert client.post("/disputes/rooms/new/", {"name": "X", "kind": "mediation", "capacity": 6}).status_code == 403
    assert client.get(f"/disputes/rooms/{rooms['one'].pk}/").status_code == 403
    assert client.post(f"/disputes/rooms/{rooms['one'].pk}/", {"name": "X", "kind": "video"}).status_code == 403
    rooms["one"].refresh_from_db()
    assert rooms["one"].name == "第一调解室"


def test_a_room_of_another_centre_is_404(officer_b, rooms, client_for):
    client = client_for(officer_b)
    url = f"/disputes/rooms/{rooms['one'].pk}/"

    assert client.get(url).status_code == 404
    assert client.post(url, {"name": "X", "kind": "video", "capacity": 6}).status_code == 404
    rooms["one"].refresh_from_db()
    assert rooms["one"].name == "第一调解室"


@pytest.mark.parametrize("persona", ["court_staff", "court_mediator", "volunteer", "justice_clerk", "supervisor"])
def test_other_roles_are_refused_the_rooms_and_the_roster(request, rooms, volunteer_on_roster, client_for, persona):
    client = client_for(request.getfixturevalue(persona))
    profile = VolunteerProfile.objects.get()

    urls = [
        "/disputes/rooms/",
        "/disputes/rooms/new/",
        f"/disputes/rooms/{rooms['one'].pk}/",
        "/disputes/volunteers/",
        "/disputes/volunteers/new/",
        f"/disputes/volunteers/{profile.pk}/",
    ]
    assert [client.get(url).status_code for url in urls] == [403] * len(urls)


# --- the volunteer roster ------------------------------------------------------------------------------------


def enrolment(**changes) -> dict:
    data = {
        "qualification": "peoples_mediator",
        "certificate_number": "RM-2026-001",
        "specialties": "婚姻家庭、邻里纠纷",
        "available_weekdays": ["1", "3"],
        "available_from": "09:00",
        "available_until": "12:00",
        "confidentiality_signed_on": "2026-03-01",
        "is_active": "on",
    }
    data.update(changes)
    return data


def test_a_leader_puts_a_volunteer_on_the_roster_and_the_list_shows_their_hours(
    leader_a, volunteer, officer_a, client_for
):
    client = client_for(leader_a)
    form = client.get("/disputes/volunteers/new/").content.decode()
    assert "郑志愿" in form and "张明" not in form  # only volunteer accounts of the centre

    response = client.post("/disputes/volunteers/new/", enrolment(user=volunteer.pk))

    assert response.status_code == 302 and response["Location"] == "/disputes/volunteers/"
    profile = VolunteerProfile.objects.get(user=volunteer)
    assert profile.available_weekdays == [1, 3]
    assert (profile.available_from, profile.available_until) == (time(9, 0), time(12, 0))
    assert profile.confidentiality_signed_on == date(2026, 3, 1)
    listing = client_for(officer_a).get("/disputes/volunteers/").content.decode()
    assert "郑志愿" in listing and "周一、周三 09:00–12:00" in listing and "人民调解员" in listing


def test_an_active_volunteer_needs_the_confidentiality_undertaking(leader_a, volunteer, client_for):
    response = client_for(leader_a).post(
        "/disputes/volunteers/new/", enrolment(user=volunteer.pk, confidentiality_signed_on="")
    )

    assert response.status_code == 200
    assert response.context["form"].errors["confidentiality_signed_on"] == ["请填写保密承诺签署日期"]
    assert not VolunteerProfile.objects.exists()


def test_hours_in_the_wrong_order_and_no_weekday_are_form_errors(leader_a, volunteer, client_for):
    response = client_for(leader_a).post(
        "/disputes/volunteers/new/",
        enrolment(user=volunteer.pk, available_weekdays=[], available_from="15:00", available_until="09:00"),
    )

    errors = response.context["form"].errors
    assert "available_weekdays" in errors and errors["available_until"] == ["结束时间必须晚于开始时间"]
    assert not VolunteerProfile.objects.exists()


def test_an_officer_account_cannot_be_put_on_the_roster(leader_a, officer_a, client_for):
    response = client_for(leader_a).post("/disputes/volunteers/new/", enrolment(user=officer_a.pk))

    assert response.status_code == 200 and "user" in response.context["form"].errors
    assert not VolunteerProfile.objects.exists()


def test_a_leader_edits_a_roster_entry(leader_a, volunteer_on_roster, client_for):
    profile = VolunteerProfile.objects.get()
    client = client_for(leader_a)
    assert 'value="13302201010000001"' in client.get(f"/disputes/volunteers/{profile.pk}/").content.decode()

    response = client.post(
        f"/disputes/volunteers/{profile.pk}/",
        enrolment(available_weekdays=["6", "7"], available_from="08:00", available_until="18:00", is_active=""),
    )

    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.available_weekdays == [6, 7]
    assert (profile.qualification, profile.is_active) == ("peoples_mediator", False)


def test_a_volunteer_serving_two_centres_has_an_entry_at_each(
    leader_a, leader_b, volunteer, volunteer_on_roster, orgs, client_for
):
    grant_membership(volunteer, organization=orgs.centre_b, role=Role.VOLUNTEER)

    response = client_for(leader_b).post(
        "/disputes/volunteers/new/", enrolment(user=volunteer.pk, available_weekdays=["6"])
    )

    assert response.status_code == 302
    at_a, at_b = VolunteerProfile.objects.order_by("facility__code")
    assert (at_a.facility, at_a.available_weekdays) == (orgs.centre_a, [1, 2, 3, 4, 5])  # A's entry untouched
    assert (at_b.facility, at_b.available_weekdays) == (orgs.centre_b, [6])
    assert "郑志愿" in client_for(leader_a).get("/disputes/volunteers/").content.decode()


def test_a_volunteer_taken_off_the_roster_loses_sight_of_the_centres_sessions(
    leader_a, volunteer, session_booked, client_for
):
    profile = VolunteerProfile.objects.get()
    assert client_for(volunteer).get(f"/disputes/sessions/{session_booked.pk}/").status_code == 200

    client_for(leader_a).post(f"/disputes/volunteers/{profile.pk}/", enrolment(is_active=""))

    assert client_for(volunteer).get(f"/disputes/sessions/{session_booked.pk}/").status_code == 404
    assert not SessionUserObjectPermission.objects.filter(user=volunteer).exists()


def test_a_volunteer_taken_off_the_roster_leaves_the_sessions_ahead(leader_a, volunteer, session_booked, orgs):
    day_before = session_booked.starts_at - timedelta(days=1)

    services.enrol_volunteer(
        orgs.centre_a,
        user=volunteer,
        qualification="lawyer",
        available_weekdays=[1, 2, 3, 4, 5],
        available_from=time(8, 30),
        available_until=time(17, 30),
        is_active=False,
        acting_user=leader_a,
        now=day_before,
    )

    participant = session_booked.participants.get(user=volunteer)
    assert not participant.active  # free for other sessions, no longer listed as coming
    assert session_booked.participants.filter(active=True).count() == 1


def test_an_officer_reads_the_roster_but_cannot_change_it(officer_a, volunteer, volunteer_on_roster, client_for):
    profile = VolunteerProfile.objects.get()
    client = client_for(officer_a)

    listing = client.get("/disputes/volunteers/").content.decode()

    assert "郑志愿" in listing and "13302201010000001" in listing
    assert "/disputes/volunteers/new/" not in listing and f"/disputes/volunteers/{profile.pk}/" not in listing
    assert client.get("/disputes/volunteers/new/").status_code == 403
    assert client.post("/disputes/volunteers/new/", enrolment(user=volunteer.pk)).status_code == 403
    assert client.get(f"/disputes/volunteers/{profile.pk}/").status_code == 403
    assert client.post(f"/disputes/volunteers/{profile.pk}/", enrolment(is_active="")).status_code == 403
    profile.refresh_from_db()
    assert profile.is_active


def test_a_roster_entry_of_another_centre_is_404(officer_b, orgs, volunteer_on_roster, client_for):
    profile = VolunteerProfile.objects.get()
    leader_b = make_person("cx_leader", "冯所长", orgs.centre_b, Role.CENTRE_LEADER)

    assert client_for(officer_b).get(f"/disputes/volunteers/{profile.pk}/").status_code == 404
    assert client_for(leader_b).post(f"/disputes/volunteers/{profile.pk}/", enrolment()).status_code == 404
    assert "郑志愿" not in client_for(leader_b).get("/disputes/volunteers/").content.decode()
    profile.refresh_from_db()
    assert profile.qualification == "lawyer"
