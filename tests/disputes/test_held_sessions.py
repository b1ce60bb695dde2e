"""A session once it has begun: marked held with who came and the minutes, or no-show; the outcome form
that lists the sessions still ahead and asks before cancelling them; a session entered after it began,
which only a leader books, with a note, on the pages and in the API (issue 11).

The session of session_booked: Wednesday 2026-03-11 09:00-10:00 in room one, with officer A and the
volunteer, and the guest 赵母; booked ahead (BOOKED_AHEAD)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError

from disputes import services
from disputes.models import DisputeLead, LeadOutcome, MediationSession, SessionParticipant

from .conftest import BOOKED_AHEAD, FIXED_NOW, SESSION_END, SESSION_START

pytestmark = pytest.mark.django_db

Status = MediationSession.Status
DURING = SESSION_START + timedelta(minutes=30)
THAT_MORNING = SESSION_START - timedelta(hours=2)  # 07:00 the same day: the session is later that day


def html_of(response) -> str:
    return response.content.decode()


def session_url(session, action: str = "") -> str:
    return f"/disputes/sessions/{session.pk}/{action}"


def outcome_form(**overrides) -> dict:
    data = {"status": DisputeLead.Status.RESOLVED, "summary": "双方达成分期履行的执行和解", "court_case_number": ""}
    data.update(overrides)
    return data


# --- 1. held, with attendance and minutes; no-show --------------------------------------------------------


def test_the_table_of_moves_has_held_and_no_show_from_scheduled_and_nothing_after_them():
    assert MediationSession.TRANSITIONS[Status.SCHEDULED] == {Status.HELD, Status.NO_SHOW, Status.CANCELLED}
    assert MediationSession.TRANSITIONS[Status.HELD] == frozenset()
    assert MediationSession.TRANSITIONS[Status.NO_SHOW] == frozenset()


def test_the_session_page_marks_a_started_session_held_with_who_came_and_the_minutes(
    session_booked, officer_a, volunteer_on_roster, client_for
):
    officer_row = SessionParticipant.objects.get(session=session_booked, user=officer_a)
    volunteer_row = SessionParticipant.objects.get(session=session_booked, user=volunteer_on_roster)
    [guest] = session_booked.guests.all()
    client = client_for(officer_a)

    with time_machine.travel(DURING, tick=False):
        page = html_of(client.get(session_url(session_booked)))
        # Everyone is offered, ticked: the officer unticks who did not come.
        for row in (officer_row, volunteer_row):
            assert f'name="present_participants" value="{row.pk}"' in page
        assert f'name="present_guests" value="{guest.pk}"' in page and "赵母（母亲）" in page
        assert f'action="{session_url(session_booked, "no-show/")}"' in page

        response = client.post(
            session_url(session_booked, "result/"),
            {
                "present_participants": [officer_row.pk],
                "minutes": "被拘留人与债权人当面协商，同意分期履行",
                "result": MediationSession.Result.AGREED,
                "next_steps": "",
            },
        )

    assert response.status_code == 302
    session_booked.refresh_from_db()
    assert (session_booked.status, session_booked.minutes) == (Status.HELD, "被拘留人与债权人当面协商，同意分期履行")
    officer_row.refresh_from_db()
    volunteer_row.refresh_from_db()
    guest.refresh_from_db()
    assert (officer_row.attended, volunteer_row.attended, guest.attended) == (True, False, False)
    page = html_of(client.get(session_url(session_booked)))
    assert "已举行" in page and "未到场" in page  # the volunteer's and the guest's row
    assert f'action="{session_url(session_booked, "no-show/")}"' not in page  # held: no longer a no-show


def test_attendance_names_only_the_sessions_own_people(session_booked, officer_a, ready_lead, client_for):
    other = services.schedule_session(
        ready_lead,
        mode="phone",
        starts_at=SESSION_START + timedelta(hours=3),
        ends_at=SESSION_END + timedelta(hours=3),
        staff=[services.StaffInput(officer_a)],
        acting_user=officer_a,
        now=BOOKED_AHEAD,
    )
    foreign = other.participants.get()

    with pytest.raises(ValidationError, match="请从本次调解的参加人员中选择"):
        services.record_session_result(
            session_booked,
            minutes="笔录",
            result="agreed",
            present_participants=[foreign.pk],
            acting_user=officer_a,
            now=DURING,
        )

    session_booked.refresh_from_db()
    assert session_booked.status == Status.SCHEDULED


def test_a_session_nobody_came_to_is_marked_no_show_with_a_note(session_booked, officer_a, client_for):
    client = client_for(officer_a)

    with time_machine.travel(DURING, tick=False):
        refused = client.post(session_url(session_booked, "no-show/"), {"note": ""})
        response = client.post(session_url(session_booked, "no-show/"), {"note": "债权人未到场，电话无人接听"})

    assert refused.status_code == 200 and "该字段是必填项" in html_of(refused)
    assert response.status_code == 302
    session_booked.refresh_from_db()
    assert (session_booked.status, session_booked.no_show_note) == (Status.NO_SHOW, "债权人未到场，电话无人接听")
    page = html_of(client.get(session_url(session_booked)))
    assert "债权人未到场，电话无人接听" in page and 'id="result-form"' not in page and 'id="cancel-form"' not in page


def test_a_session_not_yet_begun_is_not_marked_no_show(session_booked, officer_a, client_for):
    with time_machine.travel(FIXED_NOW, tick=False):
        page = html_of(client_for(officer_a).get(session_url(session_booked)))
        response = client_for(officer_a).post(session_url(session_booked, "no-show/"), {"note": "未到场"})

    assert 'id="no-show-form"' not in page
    assert response.status_code == 200 and "调解尚未开始，不能记为未到场" in html_of(response)
    session_booked.refresh_from_db()
    assert session_booked.status == Status.SCHEDULED


def test_a_no_show_is_over_neither_held_nor_cancelled_afterwards(session_booked, officer_a):
    services.record_no_show(session_booked, note="被拘留人拒绝参加", acting_user=officer_a, now=DURING)
    again = services.record_no_show(session_booked, note="重复提交", acting_user=officer_a, now=DURING)
    assert again.no_show_note == "被拘留人拒绝参加"  # a double click changes nothing

    with pytest.raises(ValidationError, match="未到场的调解不能记录结果"):
        services.record_session_result(session_booked, minutes="……", result="agreed", acting_user=officer_a, now=DURING)
    with pytest.raises(ValidationError, match="未到场的调解不能取消"):
        services.cancel_session(session_booked, reason="误操作", acting_user=officer_a, now=DURING)

    session_booked.refresh_from_db()
    assert session_booked.status == Status.NO_SHOW


def test_no_show_is_for_the_centres_staff_only(session_booked, officer_b, court_staff, client_for):
    with time_machine.travel(DURING, tick=False):
        outsider = client_for(officer_b).post(session_url(session_booked, "no-show/"), {"note": "x"})
        reader = client_for(court_staff).post(session_url(session_booked, "no-show/"), {"note": "x"})

    assert (outsider.status_code, reader.status_code) == (404, 403)
    session_booked.refresh_from_db()
    assert session_booked.status == Status.SCHEDULED


# --- 1. the outcome asks before cancelling the sessions ahead ------------------------------------------------


def test_the_outcome_form_lists_a_session_later_that_day_and_saves_nothing_until_it_is_confirmed(
    session_booked, officer_a, client_for
):
    lead = session_booked.lead
    url = f"/disputes/{lead.pk}/outcome/"
    client = client_for(officer_a)

    with time_machine.travel(THAT_MORNING, tick=False):
        form = html_of(client.get(url))
        unconfirmed = client.post(url, outcome_form())

    assert "2026-03-11 09:00–10:00 第一调解室" in form
    assert f'name="cancel_sessions" value="{session_booked.pk}"' in form
    assert unconfirmed.status_code == 200
    page = html_of(unconfirmed)
    assert "结案将取消尚未举行的调解：2026-03-11 09:00–10:00 第一调解室" in page
    lead.refresh_from_db()
    session_booked.refresh_from_db()
    assert (lead.status, session_booked.status) == (DisputeLead.Status.MEDIATING, Status.SCHEDULED)
    assert not LeadOutcome.objects.filter(lead=lead).exists()

    with time_machine.travel(THAT_MORNING, tick=False):
        confirmed = client.post(url, outcome_form(cancel_sessions=[session_booked.pk]))

    assert confirmed.status_code == 302
    lead.refresh_from_db()
    session_booked.refresh_from_db()
    assert (lead.status, session_booked.status, session_booked.cancel_reason) == (
        DisputeLead.Status.RESOLVED,
        Status.CANCELLED,
        "线索已结案",
    )


def test_a_session_booked_after_the_form_was_shown_is_not_cancelled_unasked(session_booked, officer_a):
    later = services.schedule_session(
        session_booked.lead,
        mode="phone",
        starts_at=SESSION_START + timedelta(hours=4),
        ends_at=SESSION_END + timedelta(hours=4),
        acting_user=officer_a,
        now=BOOKED_AHEAD,
    )

    with pytest.raises(ValidationError, match="13:00–14:00") as refused:
        services.record_outcome(
            session_booked.lead,
            status=DisputeLead.Status.UNRESOLVED,
            outcome=services.OutcomeInput(summary="对方拒绝调解"),
            cancel_sessions=[session_booked.pk],  # what the form showed
            acting_user=officer_a,
            now=THAT_MORNING,
        )

    assert refused.value.error_dict["cancel_sessions"][0].code == "sessions_ahead"
    assert "09:00–10:00" not in refused.value.messages[0]  # the confirmed one is not asked again
    assert set(MediationSession.objects.values_list("status", flat=True)) == {Status.SCHEDULED}
    later.lead.refresh_from_db()
    assert later.lead.status == DisputeLead.Status.MEDIATING and not LeadOutcome.objects.exists()


def test_without_sessions_ahead_the_outcome_form_asks_nothing(session_booked, officer_a, client_for):
    url = f"/disputes/{session_booked.lead_id}/outcome/"
    with time_machine.travel(SESSION_END, tick=False):
        form = html_of(client_for(officer_a).get(url))
        response = client_for(officer_a).post(url, outcome_form())

    assert 'name="cancel_sessions"' not in form
    assert response.status_code == 302
    session_booked.refresh_from_db()
    assert session_booked.status == Status.SCHEDULED  # begun: not cancelled, still to be marked


# --- 2. a session entered after it began: a leader's override, pages and API alike ------------------------


def past_booking(rooms, **changes) -> dict:
    """The booking form's POST for 2026-03-10 07:00-08:00, two hours before the frozen now."""
    data = {
        "mode": "in_person",
        "day": "2026-03-10",
        "start_time": "07:00",
        "end_time": "08:00",
        "room": rooms["one"].pk,
        "court": "",
        "topic": "临时调解",
    }
    data.update(changes)
    return data


def test_an_officer_cannot_book_a_session_that_has_already_begun_on_the_page(ready_lead, rooms, officer_a, client_for):
    with time_machine.travel(FIXED_NOW, tick=False):
        response = client_for(officer_a).post(f"/disputes/{ready_lead.pk}/sessions/new/", past_booking(rooms))

    assert response.status_code == 200
    assert "开始时间已过，属事后补录：需由所领导特批后安排" in html_of(response)
    assert not MediationSession.objects.exists()


def test_a_leader_enters_a_session_after_the_fact_with_a_note_on_the_page(ready_lead, rooms, leader_a, client_for):
    url = f"/disputes/{ready_lead.pk}/sessions/new/"
    client = client_for(leader_a)
    with time_machine.travel(FIXED_NOW, tick=False):
        without_note = client.post(url, past_booking(rooms))
        response = client.post(url, past_booking(rooms, override_note="当日上午临时调解，事后补录"))

    assert without_note.status_code == 200 and "开始时间已过，属事后补录：请填写特批说明" in html_of(without_note)
    assert response.status_code == 302
    session = MediationSession.objects.get()
    assert (session.override_reasons, session.override_by, session.override_note) == (
        [MediationSession.OVERRIDE_AFTER_THE_FACT],
        leader_a,
        "当日上午临时调解，事后补录",
    )
    with time_machine.travel(FIXED_NOW, tick=False):
        page = html_of(client.get(session_url(session)))
    assert "开始时间已过，属事后补录" in page and 'id="result-form"' in page


def api_booking(lead, room, **changes) -> str:
    payload = {
        "lead": lead.pk,
        "mode": "in_person",
        "starts_at": "2026-03-10T07:00:00+08:00",
        "ends_at": "2026-03-10T08:00:00+08:00",
        "room": room.pk,
    }
    payload.update(changes)
    return json.dumps(payload)


def test_the_api_books_a_session_that_has_begun_only_as_a_leaders_override(
    ready_lead, rooms, officer_a, leader_a, client_for
):
    with time_machine.travel(FIXED_NOW, tick=False):
        refused = client_for(officer_a).post(
            "/api/v1/sessions/", api_booking(ready_lead, rooms["one"]), content_type="application/json"
        )
        booked = client_for(leader_a).post(
            "/api/v1/sessions/",
            api_booking(ready_lead, rooms["one"], override_note="当日上午临时调解，事后补录"),
            content_type="application/json",
        )

    assert refused.status_code == 400
    assert "开始时间已过，属事后补录：需由所领导特批后安排" in json.dumps(refused.json(), ensure_ascii=False)
    assert booked.status_code == 201, booked.content
    assert booked.json()["override_reasons"] == [MediationSession.OVERRIDE_AFTER_THE_FACT]
    assert MediationSession.objects.get().override_by == leader_a


def test_the_api_shows_a_held_sessions_attendance(session_booked, officer_a, client_for):
    officer_row = SessionParticipant.objects.get(session=session_booked, user=officer_a)
    services.record_session_result(
        session_booked,
        minutes="笔录",
        result="agreed",
        present_participants=[officer_row.pk],
        acting_user=officer_a,
        now=DURING,
    )

    data = client_for(officer_a).get(f"/api/v1/sessions/{session_booked.pk}/").json()

    assert data["status"] == Status.HELD
    assert {row["name"]: row["attended"] for row in data["participants"]} == {"张明": True, "郑志愿": False}
