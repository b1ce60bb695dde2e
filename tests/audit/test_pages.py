"""The audit administrator's pages: the events of the write trail and the read-access log."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pghistory
import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.models import Role
from audit import views
from audit.context import acting
from audit.models import AccessLog
from audit.selectors import event_page
from audit.services import record_access
from disputes.models import Room
from tests.conftest import PERSONA_OF_ROLE

SHANGHAI = ZoneInfo("Asia/Shanghai")
PAGES = ["/audit/events/", "/audit/access-log/"]

# session, user, membership (+ organization), the inbox's unread count, then the page's own:
# the events (one UNION ALL over the event tables) and their users, and one per kind of record the
# changes refer to, for its label (here organizations and users, at both sizes); the log rows (one join).
EVENTS_PAGE_QUERIES = 8
ACCESS_LOG_PAGE_QUERIES = 5


def rows_of(response) -> list:
    return list(response.context["rows"])


# --- who may open them ----------------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES)
def test_an_anonymous_visitor_is_sent_to_sign_in(db, anonymous_client, page):
    response = anonymous_client.get(page)

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("role", [role for role in Role if role != Role.AUDIT_ADMIN], ids=str)
def test_every_other_role_is_refused(request, client_for, page, role):
    persona = request.getfixturevalue(PERSONA_OF_ROLE[role])

    assert client_for(persona).get(page).status_code == 403


@pytest.mark.parametrize("page", PAGES)
def test_the_audit_administrator_opens_them(audit_admin, client_for, page):
    response = client_for(audit_admin).get(page)

    assert response.status_code == 200
    html = response.content.decode()
    assert '<label for="id_username">' in html
    assert '<label for="id_date_from">' in html


# --- the events page ------------------------------------------------------------------------------


def test_it_shows_each_event_with_who_where_from_and_what_changed(room, system_admin, audit_admin, client_for):
    with pghistory.context(user=system_admin.pk, url="/rooms/1/edit/", method="POST", address="192.0.2.10"):
        room.capacity = 12
        room.save()

    response = client_for(audit_admin).get("/audit/events/", {"model": "disputes.RoomEvent", "object_id": room.pk})

    [update, insert] = rows_of(response)
    assert (update.label_display, insert.label_display) == ("修改", "新增")
    html = response.content.decode()
    assert "调解室" in html  # the record type
    assert "sys_admin" in html
    assert "POST /rooms/1/edit/" in html
    assert "192.0.2.10" in html
    assert "容纳人数：6 → 12" in html
    # The insert lists what it set; bookkeeping timestamps are left out.
    assert "名称：— → 调解室一" in html
    assert "更新时间" not in html


def test_it_shows_that_an_encrypted_value_changed_but_never_the_value(officer_a, audit_admin, client_for):
    officer_a.phone = "13812345678"
    officer_a.save()
    officer_a.save()  # a fresh ciphertext of the same number: not a change of the number

    response = client_for(audit_admin).get("/audit/events/", {"model": "accounts.UserEvent", "object_id": officer_a.pk})

    resaved, changed, _insert = rows_of(response)
    assert [(c.field, c.before, c.after) for c in changed.changes] == [("手机号码", "—", "（已加密）")]
    assert resaved.changes == []
    html = response.content.decode()
    assert "13812345678" not in html and "5678" not in html
    assert officer_a.phone_hash not in html
    stored = type(officer_a).objects.filter(pk=officer_a.pk).values_list("phone_hash", flat=True).get()
    assert stored and stored not in html


def test_it_finds_the_events_of_one_record(orgs, room, audit_admin, client_for):
    other = Room.objects.create(facility=orgs.centre_a, name="调解室二")

    response = client_for(audit_admin).get("/audit/events/", {"model": "disputes.RoomEvent", "object_id": other.pk})

    assert [(e.record_type, e.object_id, e.label) for e in rows_of(response)] == [("调解室", str(other.pk), "insert")]


def test_it_finds_the_events_written_by_one_user(orgs, room, officer_a, audit_admin, client_for):
    with acting(user=officer_a, source="command:test"):
        room.capacity = 4
        room.save()
    Room.objects.filter(pk=room.pk).update(capacity=5)  # nobody's

    response = client_for(audit_admin).get("/audit/events/", {"username": "yy_officer"})

    assert [(e.object_id, e.label, e.user) for e in rows_of(response)] == [(str(room.pk), "update", officer_a)]


def test_an_unknown_username_is_a_form_error(db, audit_admin, client_for):
    response = client_for(audit_admin).get("/audit/events/", {"username": "nobody"})

    assert response.status_code == 200
    assert response.context["form"].errors["username"]
    assert rows_of(response) == []


@pytest.fixture
def events_around_midnight(room):
    """Two events either side of midnight in Shanghai (16:00 UTC), written with the clock frozen."""
    with time_machine.travel(datetime(2026, 3, 1, 23, 59, 59, tzinfo=SHANGHAI), tick=False):
        late = pghistory.create_event(room, label="update")
    with time_machine.travel(datetime(2026, 3, 2, 0, 0, 0, tzinfo=SHANGHAI), tick=False):
        early = pghistory.create_event(room, label="update")
    return late, early


def test_days_are_whole_days_in_shanghai(events_around_midnight, audit_admin, client_for):
    late, early = events_around_midnight
    client = client_for(audit_admin)
    search = {"model": "disputes.RoomEvent"}

    on_1st = client.get("/audit/events/", {**search, "date_from": "2026-03-01", "date_to": "2026-03-01"})
    on_2nd = client.get("/audit/events/", {**search, "date_from": "2026-03-02", "date_to": "2026-03-02"})

    assert [e.pk for e in rows_of(on_1st)] == [late.pk]
    assert [e.pk for e in rows_of(on_2nd)] == [early.pk]


def test_a_period_that_ends_before_it_starts_is_a_form_error(db, audit_admin, client_for):
    response = client_for(audit_admin).get("/audit/events/", {"date_from": "2026-03-02", "date_to": "2026-03-01"})

    assert response.context["form"].errors["date_to"]


def test_pages_follow_each_other_without_gaps_or_repeats_even_at_the_same_instant(
    orgs, room, audit_admin, client_for, monkeypatch
):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    other = Room.objects.create(facility=orgs.centre_a, name="调解室二")
    # Events of two tables written at one instant: the order falls back to the model, then the key.
    with time_machine.travel(datetime(2026, 3, 1, 9, 0, tzinfo=SHANGHAI), tick=False):
        written = [
            pghistory.create_event(room, label="update"),
            pghistory.create_event(orgs.court, label="update"),
            pghistory.create_event(other, label="update"),
            pghistory.create_event(orgs.centre_a, label="update"),
            pghistory.create_event(room, label="update"),
        ]
    client = client_for(audit_admin)
    search = {"date_from": "2026-03-01", "date_to": "2026-03-01"}

    seen, pages = [], 0
    response = client.get("/audit/events/", search)
    while True:
        pages += 1
        seen += [(event.event_model._meta.label, event.pk) for event in rows_of(response)]
        if response.context["next_url"] is None:
            break
        response = client.get("/audit/events/" + response.context["next_url"])

    assert pages == 3
    newest_first = sorted(((type(event)._meta.label, event.pk) for event in written), reverse=True)
    assert seen == newest_first


def test_a_tampered_cursor_is_a_bad_request(db, audit_admin, client_for):
    assert client_for(audit_admin).get("/audit/events/", {"after": "yesterday"}).status_code == 400


@pytest.mark.parametrize("extra_events", [3, 30])
def test_the_events_page_runs_a_fixed_number_of_queries(
    orgs, room, officer_a, audit_admin, client_for, django_assert_num_queries, extra_events
):
    for n in range(extra_events):
        with acting(user=officer_a if n % 2 else audit_admin, source="command:test"):
            Room.objects.filter(pk=room.pk).update(capacity=n)
    client = client_for(audit_admin)

    with django_assert_num_queries(EVENTS_PAGE_QUERIES):
        response = client.get("/audit/events/")

    assert response.status_code == 200
    # The newest events come first: all the updates fit on the first page at both sizes.
    assert sum(event.record_type == "调解室" and event.label == "update" for event in rows_of(response)) == extra_events


@pytest.mark.parametrize(("by_user", "index"), [(False, "roomevent_at"), (True, "roomevent_user")])
def test_the_event_search_can_use_its_indexes(room, officer_a, by_user, index):
    with acting(user=officer_a, source="command:test"):
        room.save()
    with CaptureQueriesContext(connection) as queries:
        event_page(event_models=[Room.pgh_event_model], user=officer_a if by_user else None, limit=51)

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + queries[0]["sql"])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert index in plan


# --- the access-log page --------------------------------------------------------------------------


@pytest.fixture
def read_by(rf, room):
    def read(user, action=AccessLog.Action.SHOW_FULL_ID_NUMBER, path="/detainees/1/"):
        request = rf.get(path)
        request.user = user
        return record_access(request, room, action, reason="核对")

    return read


def test_it_lists_the_reads_with_who_what_and_where_from(read_by, officer_a, audit_admin, client_for):
    read_by(officer_a, AccessLog.Action.OPEN_HEALTH_CHECK, path="/detainees/1/health/")

    response = client_for(audit_admin).get("/audit/access-log/")

    html = response.content.decode()
    assert "yy_officer" in html
    assert "查看体检信息" in html
    assert "/detainees/1/health/" in html
    assert "调解室 #" in html
    assert "127.0.0.1" in html


def test_it_filters_the_reads_by_user_action_and_day(read_by, officer_a, leader_a, audit_admin, client_for):
    mine = read_by(officer_a, AccessLog.Action.SHOW_FULL_ID_NUMBER)
    read_by(officer_a, AccessLog.Action.EXPORT)
    read_by(leader_a, AccessLog.Action.SHOW_FULL_ID_NUMBER)
    with time_machine.travel(datetime(2026, 3, 1, 23, 59, tzinfo=SHANGHAI), tick=False):
        earlier = read_by(officer_a, AccessLog.Action.SHOW_FULL_ID_NUMBER)
    client = client_for(audit_admin)

    by_user_and_action = client.get("/audit/access-log/", {"username": "yy_officer", "action": "show_full_id_number"})
    on_the_day = client.get("/audit/access-log/", {"date_from": "2026-03-01", "date_to": "2026-03-01"})

    assert rows_of(by_user_and_action) == [mine, earlier]
    assert rows_of(on_the_day) == [earlier]


def test_access_log_pages_follow_each_other(read_by, officer_a, audit_admin, client_for, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    with time_machine.travel(datetime(2026, 3, 1, 9, 0, tzinfo=SHANGHAI), tick=False):
        written = [read_by(officer_a) for _ in range(3)]  # one instant: the key breaks the tie
    client = client_for(audit_admin)

    first = client.get("/audit/access-log/")
    second = client.get("/audit/access-log/" + first.context["next_url"])

    assert rows_of(first) + rows_of(second) == written[::-1]
    assert second.context["next_url"] is None
    assert second.context["first_url"] == "?"


@pytest.mark.parametrize("reads", [3, 30])
def test_the_access_log_page_runs_a_fixed_number_of_queries(
    read_by, officer_a, leader_a, audit_admin, client_for, django_assert_num_queries, reads
):
    for n in range(reads):
        read_by(officer_a if n % 2 else leader_a)
    client = client_for(audit_admin)

    with django_assert_num_queries(ACCESS_LOG_PAGE_QUERIES):
        response = client.get("/audit/access-log/")

    assert len(rows_of(response)) == reads


@pytest.mark.parametrize(("page", "title"), [("/audit/events/", "Audit events"), ("/audit/access-log/", "access log")])
def test_the_pages_speak_english_after_the_switch(audit_admin, client_for, page, title):
    client = client_for(audit_admin)
    client.post("/i18n/setlang/", {"language": "en", "next": page})

    html = client.get(page).content.decode()

    assert title in html
    assert "Search" in html and "To date (inclusive)" in html
    assert "查询条件" not in html and "起始日期" not in html
