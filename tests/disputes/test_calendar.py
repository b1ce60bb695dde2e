"""The room calendar: rows are the centre's rooms, columns the days of a week or the hours 08:00-18:00 of
a day; each session sits in its room's cells, cancelled ones are left out, and the page takes the same
queries whatever the number of sessions. Centre staff only."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine

from disputes import services
from disputes.calendar import build_calendar
from disputes.models import MediationSession
from tests.detainees.conftest import resident_id

from .conftest import BOOKED_AHEAD, FIXED_NOW, SESSION_START, local

pytestmark = pytest.mark.django_db

WEDNESDAY = date(2026, 3, 11)


@pytest.fixture(autouse=True)
def frozen():
    """Tuesday 2026-03-10 09:00: this week runs from Monday 03-09 to Sunday 03-15."""
    with time_machine.travel(FIXED_NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def afternoon_session(make_detention, make_lead, approve_plan, rooms, officer_a):
    """A second person's session in room two, Wednesday 14:30-16:00 (three hour cells of the day view)."""
    lead = make_lead(detention=make_detention(id_number=resident_id(7), name="孙二"))
    approve_plan(lead)
    return services.schedule_session(
        lead,
        mode="in_person",
        starts_at=local(2026, 3, 11, 14, 30),
        ends_at=local(2026, 3, 11, 16, 0),
        room=rooms["two"],
        topic="邻里赔偿",
        acting_user=officer_a,
        now=BOOKED_AHEAD,
    )


def cells_of(calendar, label: str) -> list[list[int]]:
    """The session ids in each cell of the row of room `label`."""
    (row,) = [row for row in calendar.rows if row.label == label]
    return [[entry.session_id for entry in entries] for entries in row.cells]


def test_the_week_puts_each_session_in_its_rooms_row_and_its_days_column(
    session_booked, afternoon_session, orgs, rooms
):
    calendar = build_calendar(orgs.centre_a, view="week", day=WEDNESDAY, today=FIXED_NOW.date())

    assert [column.day for column in calendar.columns] == [date(2026, 3, 9) + timedelta(days=i) for i in range(7)]
    assert [row.label for row in calendar.rows] == ["第一调解室", "第二调解室", "远程视频调解室"]
    assert cells_of(calendar, "第一调解室") == [[], [], [session_booked.pk], [], [], [], []]
    assert cells_of(calendar, "第二调解室") == [[], [], [afternoon_session.pk], [], [], [], []]
    assert cells_of(calendar, "远程视频调解室") == [[]] * 7
    assert (calendar.previous, calendar.next) == (date(2026, 3, 4), date(2026, 3, 18))


def test_the_day_puts_each_session_in_the_hours_it_takes(session_booked, afternoon_session, orgs):
    calendar = build_calendar(orgs.centre_a, view="day", day=WEDNESDAY, today=FIXED_NOW.date())

    assert [column.label for column in calendar.columns][:3] == ["08:00", "09:00", "10:00"]
    assert len(calendar.columns) == 10  # 08:00 to 17:00, the last hour ending at 18:00
    booked = cells_of(calendar, "第一调解室")
    assert [i for i, ids in enumerate(booked) if ids] == [1]  # 09:00-10:00
    afternoon = cells_of(calendar, "第二调解室")
    assert [i for i, ids in enumerate(afternoon) if ids] == [6, 7]  # 14:30-16:00: the 14:00 and 15:00 cells
    (row,) = [row for row in calendar.rows if row.label == "第二调解室"]
    assert [entry.continued for entry in row.cells[6] + row.cells[7]] == [False, True]
    assert (calendar.previous, calendar.next) == (date(2026, 3, 10), date(2026, 3, 12))


def test_a_cancelled_session_is_left_out(session_booked, officer_a, orgs):
    services.cancel_session(session_booked, reason="当事人身体不适", acting_user=officer_a)

    calendar = build_calendar(orgs.centre_a, view="week", day=WEDNESDAY, today=FIXED_NOW.date())

    assert calendar.is_empty


def test_a_session_outside_the_working_day_still_shows_in_the_first_or_last_hour(ready_lead, rooms, officer_a, orgs):
    evening = services.schedule_session(
        ready_lead,
        mode="in_person",
        starts_at=local(2026, 3, 11, 19, 0),
        ends_at=local(2026, 3, 11, 20, 0),
        room=rooms["one"],
        acting_user=officer_a,
        now=BOOKED_AHEAD,
    )

    calendar = build_calendar(orgs.centre_a, view="day", day=WEDNESDAY, today=FIXED_NOW.date())

    assert cells_of(calendar, "第一调解室")[-1] == [evening.pk]


def test_a_phone_session_without_a_room_has_a_row_of_its_own(ready_lead, officer_a, orgs, rooms):
    phone = services.schedule_session(
        ready_lead,
        mode="phone",
        starts_at=SESSION_START,
        ends_at=SESSION_START + timedelta(hours=1),
        acting_user=officer_a,
        now=BOOKED_AHEAD,
    )

    calendar = build_calendar(orgs.centre_a, view="week", day=WEDNESDAY, today=FIXED_NOW.date())

    assert cells_of(calendar, "不使用调解室（电话调解）")[2] == [phone.pk]


def test_the_page_links_each_session_and_pages_by_week_and_day(session_booked, officer_a, client_for):
    client = client_for(officer_a)

    week = client.get("/disputes/calendar/")
    day = client.get("/disputes/calendar/?view=day&date=2026-03-11")
    other_day = client.get("/disputes/calendar/?view=day&date=2026-03-12")

    assert week.context["calendar"].first == date(2026, 3, 9)  # today's week by default
    page = week.content.decode()
    assert f'href="/disputes/sessions/{session_booked.pk}/"' in page
    assert "09:00</time>–10:00 执行款分期履行" in page
    assert 'href="?view=week&amp;date=2026-03-03"' in page and 'href="?view=week&amp;date=2026-03-17"' in page
    day_page = day.content.decode()
    assert f'href="/disputes/sessions/{session_booked.pk}/"' in day_page
    assert 'href="?view=day&amp;date=2026-03-10"' in day_page and 'href="?view=day&amp;date=2026-03-12"' in day_page
    assert f'href="/disputes/sessions/{session_booked.pk}/"' not in other_day.content.decode()


def test_a_bad_date_or_view_falls_back_to_this_week(officer_a, rooms, client_for):
    response = client_for(officer_a).get("/disputes/calendar/?view=month&date=2026-13-45")

    assert response.status_code == 200
    assert (response.context["calendar"].view, response.context["calendar"].first) == ("week", date(2026, 3, 9))


def test_another_centre_sees_its_own_rooms_only(session_booked, officer_b, client_for):
    response = client_for(officer_b).get("/disputes/calendar/?date=2026-03-11")

    page = response.content.decode()
    assert response.status_code == 200
    assert "慈溪调解室" in page and "第一调解室" not in page
    assert f"/disputes/sessions/{session_booked.pk}/" not in page


@pytest.mark.parametrize(
    "persona", ["court_staff", "court_mediator", "volunteer", "justice_clerk", "supervisor", "system_admin"]
)
def test_other_roles_are_refused_the_calendar(request, client_for, persona):
    assert client_for(request.getfixturevalue(persona)).get("/disputes/calendar/").status_code == 403


def make_sessions(lead, rooms, count: int) -> None:
    """`count` sessions across the week's days and the three rooms (rows only: the page is measured)."""
    detention = lead.detention
    rows = []
    for i in range(count):
        start = local(2026, 3, 9, 8, 0) + timedelta(days=i % 7, hours=i // 7)
        rows.append(
            MediationSession(
                lead=lead,
                person_id=detention.person_id,
                facility_id=detention.facility_id,
                room=[rooms["one"], rooms["two"], rooms["video"]][i % 3],
                starts_at=start,
                ends_at=start + timedelta(minutes=50),
                topic=f"第{i + 1}次",
            )
        )
    MediationSession.objects.bulk_create(rows)


# session, user, membership, rooms, sessions, unread messages.
CALENDAR_QUERIES = 6


@pytest.mark.parametrize("count", [2, 40])
@pytest.mark.parametrize("view", ["week", "day"])
def test_the_calendar_takes_the_same_queries_whatever_the_number_of_sessions(
    ready_lead, rooms, officer_a, client_for, django_assert_num_queries, count, view
):
    make_sessions(ready_lead, rooms, count)
    client = client_for(officer_a)

    with django_assert_num_queries(CALENDAR_QUERIES):
        response = client.get(f"/disputes/calendar/?view={view}&date=2026-03-09")

    calendar = response.context["calendar"]
    shown = {entry.session_id for row in calendar.rows for cell in row.cells for entry in cell}
    expected = count if view == "week" else len([i for i in range(count) if i % 7 == 0])
    assert len(shown) == expected
