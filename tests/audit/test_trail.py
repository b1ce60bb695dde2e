"""The write trail: every write path leaves an event, with who, where from and what (QUALITY.md R5)."""

from __future__ import annotations

import pghistory
from django.db import connection

from accounts.models import Organization, User
from accounts.services import create_organization, move_organization
from audit.context import acting
from disputes.models import Room

K = Organization.Kind


# --- every write path -----------------------------------------------------------------------------


def test_save_of_a_new_row_leaves_an_insert_event(orgs, trail):
    room = Room(facility=orgs.centre_a, name="调解室一")
    room.save()

    [event] = trail(room)
    assert (event.pgh_label, event.name, event.facility_id) == ("insert", "调解室一", orgs.centre_a.pk)


def test_save_of_a_change_leaves_an_update_event_with_the_new_values(room, trail):
    room.capacity = 10
    room.save()

    assert [(e.pgh_label, e.capacity) for e in trail(room)] == [("insert", 6), ("update", 10)]


def test_create_leaves_an_insert_event(orgs, trail):
    room = Room.objects.create(facility=orgs.centre_a, name="远程视频室", kind=Room.Kind.VIDEO)

    assert [(e.pgh_label, e.kind) for e in trail(room)] == [("insert", "video")]


def test_delete_leaves_a_delete_event_with_the_last_values(room, trail):
    pk = room.pk
    room.delete()
    room.pk = pk

    assert [(e.pgh_label, e.name) for e in trail(room)] == [("insert", "调解室一"), ("delete", "调解室一")]


def test_queryset_update_leaves_an_event_per_row(orgs, room, trail):
    other = Room.objects.create(facility=orgs.centre_a, name="调解室二")

    Room.objects.filter(facility=orgs.centre_a).update(is_active=False)

    for each in (room, other):
        assert [(e.pgh_label, e.is_active) for e in trail(each)] == [("insert", True), ("update", False)]


def test_bulk_create_leaves_an_insert_event_per_row(orgs, trail):
    rooms = Room.objects.bulk_create([Room(facility=orgs.centre_a, name=f"调解室{n}") for n in range(3)])

    assert [[e.pgh_label for e in trail(each)] for each in rooms] == [["insert"]] * 3


def test_bulk_update_leaves_an_update_event_per_row(orgs, trail):
    rooms = [Room.objects.create(facility=orgs.centre_a, name=f"调解室{n}") for n in range(3)]
    for each in rooms:
        each.capacity = 8

    Room.objects.bulk_update(rooms, ["capacity"])

    assert [[(e.pgh_label, e.capacity) for e in trail(each)] for each in rooms] == [[("insert", 6), ("update", 8)]] * 3


def test_raw_sql_update_and_delete_leave_events(room, trail):
    pk = room.pk
    with connection.cursor() as cursor:
        cursor.execute("UPDATE disputes_room SET name = %s WHERE id = %s", ["改名的调解室", pk])
        cursor.execute("DELETE FROM disputes_room WHERE id = %s", [pk])

    assert [(e.pgh_label, e.name) for e in trail(room)] == [
        ("insert", "调解室一"),
        ("update", "改名的调解室"),
        ("delete", "改名的调解室"),
    ]


def test_the_organization_services_leave_events_for_every_row_they_write(orgs, trail):
    county = create_organization(name="镇海区", kind=K.COUNTY, code="330211", region_code="330211", parent=orgs.ningbo)
    # The path holds the new key, so creating writes twice: the insert and the path.
    assert [e.pgh_label for e in trail(county)] == ["insert", "update"]
    assert trail(county)[-1].path == f"{orgs.ningbo.path}{county.pk}/"

    # Moving a subtree rewrites every path below it in one queryset.update().
    move_organization(orgs.court, new_parent=orgs.cixi)

    for moved in (orgs.court, orgs.enforcement_bureau):
        moved.refresh_from_db()
        assert trail(moved)[-1].pgh_label == "update"
        assert trail(moved)[-1].path == moved.path
        assert moved.path.startswith(orgs.cixi.path)


def test_signing_in_leaves_no_user_event(officer_a, trail, client):
    before = len(trail(officer_a))

    # Through the login page (django-axes refuses client.login, which authenticates without a request).
    signed_in = client.post("/login/", {"username": "yy_officer", "password": "Yaoyao-Test-2026!"})  # sets last_login
    assert signed_in.status_code == 302

    officer_a.refresh_from_db()
    assert officer_a.last_login is not None
    assert len(trail(officer_a)) == before


# --- passwords ------------------------------------------------------------------------------------


def test_a_password_change_is_recorded_without_the_hash(officer_a, trail):
    officer_a.set_password("Another-Password-2026!")
    officer_a.save()

    assert [e.pgh_label for e in trail(officer_a)] == ["insert", "password_change"]
    assert "password" not in {f.name for f in User.pgh_event_model._meta.fields}
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_jsonb(e)::text FROM accounts_userevent e WHERE pgh_obj_id = %s", [officer_a.pk])
        stored = " ".join(row[0] for row in cursor.fetchall())
    assert officer_a.password not in stored
    assert officer_a.password.split("$")[-1] not in stored


# --- the context of each event ---------------------------------------------------------------------


def organization_form(org: Organization, **changes) -> dict:
    fields = {
        "name": org.name,
        "kind": org.kind,
        "code": org.code,
        "region_code": org.region_code,
        "is_state_organ": "on" if org.is_state_organ else "",
        "is_active": "on",
        **changes,
    }
    return {key: value for key, value in fields.items() if value != ""}


def test_a_write_through_a_request_records_user_path_method_and_client_address(orgs, system_admin, client_for, trail):
    path = f"/admin/accounts/organization/{orgs.court.pk}/change/"

    response = client_for(system_admin).post(path, organization_form(orgs.court, name="余姚市人民法院（新）"))

    assert response.status_code == 302
    event = trail(orgs.court)[-1]
    assert (event.pgh_label, event.name) == ("update", "余姚市人民法院（新）")
    assert event.pgh_context == {"user": system_admin.pk, "url": path, "method": "POST", "address": "127.0.0.1"}
    assert event.pgh_context_id is not None


def test_a_forged_forwarded_for_header_does_not_change_the_recorded_address(
    orgs, system_admin, client_for, trail, settings
):
    settings.TRUSTED_PROXY_COUNT = 0
    path = f"/admin/accounts/organization/{orgs.court.pk}/change/"

    client_for(system_admin).post(
        path, organization_form(orgs.court, name="余姚法院"), HTTP_X_FORWARDED_FOR="198.51.100.7"
    )

    assert trail(orgs.court)[-1].pgh_context["address"] == "127.0.0.1"


def test_behind_a_trusted_proxy_the_forwarded_client_address_is_recorded(
    orgs, system_admin, client_for, trail, settings
):
    settings.TRUSTED_PROXY_COUNT = 1
    path = f"/admin/accounts/organization/{orgs.court.pk}/change/"

    client_for(system_admin).post(
        path,
        organization_form(orgs.court, name="余姚法院"),
        HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.9",
        REMOTE_ADDR="10.0.0.2",
    )

    assert trail(orgs.court)[-1].pgh_context["address"] == "203.0.113.9"


def test_a_command_labels_its_events_with_acting(room, system_admin, trail):
    with acting(source="command:close_rooms"):
        Room.objects.filter(pk=room.pk).update(is_active=False)
    with acting(user=system_admin, source="command:open_rooms"):
        Room.objects.filter(pk=room.pk).update(is_active=True)

    first, second = trail(room)[-2:]
    assert first.pgh_context == {"source": "command:close_rooms"}
    assert second.pgh_context == {"source": "command:open_rooms", "user": system_admin.pk}


def test_acting_inside_a_request_context_labels_only_its_own_block(room, trail):
    with pghistory.context(user=1, url="/some/page/"):
        with acting(source="task:inner"):
            room.save()
        room.capacity = 9
        room.save()

    inner, outer = trail(room)[-2:]
    assert inner.pgh_context == {"user": 1, "url": "/some/page/", "source": "task:inner"}
    assert outer.pgh_context == {"user": 1, "url": "/some/page/"}
    assert inner.pgh_context_id == outer.pgh_context_id  # one context: the same request


def test_a_write_outside_any_context_is_still_recorded_without_one(room, trail):
    [event] = trail(room)

    assert event.pgh_context is None
