"""The session pages: booking through the form (every refusal a Chinese form error with the input kept
and nothing saved), a leader's override, the list, a session's page and its result, cancellation and
added participants; who may use each (404 for another centre, 403 for a read-only role)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from accounts.models import Role
from detainees.models import HealthCheck
from disputes import services
from disputes.models import DisputeLead, MediationSession, SessionGuest, SessionParticipant
from tests.conftest import make_person
from tests.detainees.conftest import resident_id

from .conftest import AFTER_RELEASE, BOOKED_AHEAD, FIXED_NOW, SESSION_END, SESSION_START, local

pytestmark = pytest.mark.django_db

DECLARATION = "本人与双方当事人无利害关系"


@pytest.fixture(autouse=True)
def frozen():
    """Tuesday 2026-03-10 09:00, the day before SESSION_START (autouse: fixtures book at this time)."""
    with time_machine.travel(FIXED_NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def second_ready_lead(make_detention, make_lead, approve_plan):
    lead = make_lead(detention=make_detention(id_number=resident_id(7), name="孙二"))
    approve_plan(lead)
    return lead


def booking(rooms, **changes) -> dict:
    """The form's POST for a session in room one on Wednesday 09:00-10:00."""
    data = {
        "mode": "in_person",
        "day": "2026-03-11",
        "start_time": "09:00",
        "end_time": "10:00",
        "room": rooms["one"].pk,
        "court": "",
        "topic": "执行款分期履行",
        "guest_1_name": "赵母",
        "guest_1_relation": "母亲",
    }
    data.update(changes)
    return data


def create_url(lead) -> str:
    return f"/disputes/{lead.pk}/sessions/new/"


# --- booking ---------------------------------------------------------------------------------------------


def test_the_booking_form_offers_the_centres_staff_roster_volunteers_with_their_hours_and_the_county_court(
    ready_lead, rooms, officer_a, volunteer_on_roster, court_mediator, court_staff, officer_b, client_for
):
    page = client_for(officer_a).get(create_url(ready_lead)).content.decode()

    assert "郑志愿（社会监督员 · 可参加：周一、周二、周三、周四、周五 08:30–17:30）" in page
    assert "陈调解（驻所法院调解员 · 余姚市人民法院）" in page
    assert "李法官（法院工作人员 · 余姚市人民法院）" in page
    assert "张明（管教民警 · 余姚市拘留所）" in page
    assert "钱卫东" not in page  # another centre's officer
    assert "慈溪调解室" not in page  # another centre's room
    assert f'name="declaration_{volunteer_on_roster.pk}"' in page
    assert 'name="override_note"' not in page  # the override is a leader's


def test_an_officer_books_a_session_through_the_page(ready_lead, rooms, officer_a, volunteer_on_roster, client_for):
    response = client_for(officer_a).post(
        create_url(ready_lead),
        booking(
            rooms,
            staff=[officer_a.pk, volunteer_on_roster.pk],
            **{f"declaration_{volunteer_on_roster.pk}": DECLARATION},
        ),
    )

    session = MediationSession.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/disputes/sessions/{session.pk}/"
    assert (session.starts_at, session.ends_at, session.room) == (SESSION_START, SESSION_END, rooms["one"])
    assert session.topic == "执行款分期履行"
    participants = {p.user: p for p in session.participants.all()}
    assert set(participants) == {officer_a, volunteer_on_roster}
    assert participants[volunteer_on_roster].conflict_declaration == DECLARATION
    assert participants[officer_a].conflict_declaration == ""
    assert [(g.name, g.relation) for g in session.guests.all()] == [("赵母", "母亲")]
    assert session.lead.status == DisputeLead.Status.MEDIATING


def test_a_chosen_volunteer_without_a_declaration_is_refused_on_the_form(
    ready_lead, rooms, officer_a, volunteer_on_roster, client_for
):
    response = client_for(officer_a).post(create_url(ready_lead), booking(rooms, staff=[volunteer_on_roster.pk]))

    assert response.status_code == 200
    assert "请为社会监督员 郑志愿 填写利益冲突声明" in response.content.decode()
    assert not MediationSession.objects.exists()


def test_a_second_booking_of_the_same_room_slot_is_refused_and_nothing_is_saved(
    session_booked, second_ready_lead, rooms, officer_a, client_for
):
    response = client_for(officer_a).post(
        create_url(second_ready_lead), booking(rooms, start_time="09:30", end_time="10:30", topic="第二场调解")
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "第一调解室 在 09:00–10:00 已被预约" in page
    assert 'value="第二场调解"' in page  # the input is kept
    assert 'value="09:30"' in page
    assert MediationSession.objects.count() == 1
    assert not SessionGuest.objects.filter(name="赵母").exclude(session=session_booked).exists()


def test_a_second_booking_of_the_same_person_is_refused_and_nothing_is_saved(
    session_booked, rooms, officer_a, make_lead, approve_plan, client_for
):
    other = make_lead(detention=session_booked.lead.detention, category=DisputeLead.Category.MARRIAGE_FAMILY)
    approve_plan(other)

    response = client_for(officer_a).post(create_url(other), booking(rooms, room=rooms["two"].pk))

    assert response.status_code == 200
    assert "被拘留人在此时段已有其他调解安排" in response.content.decode()
    assert MediationSession.objects.count() == 1


def test_a_second_booking_of_the_same_participant_is_refused_and_nothing_is_saved(
    session_booked, second_ready_lead, rooms, officer_a, client_for
):
    response = client_for(officer_a).post(
        create_url(second_ready_lead), booking(rooms, room=rooms["two"].pk, staff=[officer_a.pk])
    )

    assert response.status_code == 200
    assert "张明 在此时段已有其他调解安排" in response.content.decode()
    assert MediationSession.objects.count() == 1
    assert SessionParticipant.objects.count() == 2  # session_booked's two


def test_a_lead_without_an_approved_plan_cannot_be_booked(make_lead, rooms, officer_a, client_for):
    lead = make_lead()

    response = client_for(officer_a).post(create_url(lead), booking(rooms))

    assert response.status_code == 200
    assert "一人一策方案经所领导批准后才能安排调解" in response.content.decode()
    assert not MediationSession.objects.exists()


def test_a_time_before_admission_is_a_form_error_on_the_start_time(ready_lead, rooms, officer_a, client_for):
    response = client_for(officer_a).post(create_url(ready_lead), booking(rooms, day="2026-03-01"))

    assert response.status_code == 200
    assert response.context["form"].errors["start_time"] == ["调解时间早于入所时间"]
    assert not MediationSession.objects.exists()


def test_a_video_session_needs_the_video_room_and_a_court(ready_lead, rooms, officer_a, orgs, client_for):
    client = client_for(officer_a)

    refused = client.post(create_url(ready_lead), booking(rooms, mode="video", room=rooms["video"].pk))
    booked = client.post(
        create_url(ready_lead), booking(rooms, mode="video", room=rooms["video"].pk, court=orgs.court.pk)
    )

    assert refused.context["form"].errors["court"] == ["远程视频调解请选择连线法院"]
    assert booked.status_code == 302
    assert MediationSession.objects.get().court == orgs.court


# --- a leader's override ----------------------------------------------------------------------------------


def after_release(rooms, **changes) -> dict:
    return booking(rooms, day="2026-03-12", start_time="16:00", end_time="17:00", **changes)


def test_an_officer_cannot_book_after_the_release_and_is_told_a_leader_must_override(
    ready_lead, rooms, officer_a, client_for
):
    response = client_for(officer_a).post(create_url(ready_lead), after_release(rooms))

    page = response.content.decode()
    assert response.status_code == 200
    assert "调解时间晚于出所时间：需由所领导特批后安排" in page
    assert not MediationSession.objects.exists()


def test_a_leader_without_an_override_note_is_refused(ready_lead, rooms, leader_a, client_for):
    response = client_for(leader_a).post(create_url(ready_lead), after_release(rooms))

    assert response.status_code == 200
    assert response.context["form"].errors["override_note"] == ["调解时间晚于出所时间：请填写特批说明"]
    assert "调解时间晚于出所时间" in response.context["warnings"]
    assert not MediationSession.objects.exists()


def test_a_leader_with_an_override_note_books_after_the_release_and_the_override_is_recorded(
    ready_lead, rooms, leader_a, client_for
):
    client = client_for(leader_a)
    response = client.post(create_url(ready_lead), after_release(rooms, override_note="当事人出所后自愿返所签订协议"))

    session = MediationSession.objects.get()
    assert response.status_code == 302
    assert session.starts_at == AFTER_RELEASE
    assert session.override_reasons == [MediationSession.OVERRIDE_AFTER_RELEASE]
    assert (session.override_by, session.override_note) == (leader_a, "当事人出所后自愿返所签订协议")
    page = client.get(f"/disputes/sessions/{session.pk}/").content.decode()
    assert "所领导特批" in page and "当事人出所后自愿返所签订协议" in page and "王建国" in page


def test_the_form_warns_of_a_health_check_advising_against_mediation(ready_lead, rooms, officer_a, client_for):
    HealthCheck.objects.create(
        detention=ready_lead.detention, external_ref="TJ-9", checked_at=local(2026, 3, 3, 10, 0), conclusion="postpone"
    )
    client = client_for(officer_a)

    form = client.get(create_url(ready_lead))
    refused = client.post(create_url(ready_lead), booking(rooms))

    assert form.context["warnings"] == ["体检结论不建议参加调解"]
    assert "体检结论不建议参加调解：需由所领导特批后安排" in refused.content.decode()
    assert not MediationSession.objects.exists()


def test_without_obstacles_the_form_warns_of_nothing(ready_lead, rooms, officer_a, client_for):
    assert client_for(officer_a).get(create_url(ready_lead)).context["warnings"] == []


# --- who may book ------------------------------------------------------------------------------------------


def test_an_officer_of_another_centre_gets_404_on_the_booking_page(ready_lead, rooms, officer_b, client_for):
    client = client_for(officer_b)

    assert client.get(create_url(ready_lead)).status_code == 404
    assert client.post(create_url(ready_lead), booking(rooms)).status_code == 404
    assert not MediationSession.objects.exists()


@pytest.mark.parametrize("persona", ["court_staff", "court_mediator", "volunteer", "justice_clerk", "supervisor"])
def test_other_roles_are_refused_the_booking_page_with_403(request, ready_lead, rooms, client_for, persona):
    client = client_for(request.getfixturevalue(persona))

    assert client.get(create_url(ready_lead)).status_code == 403
    assert client.post(create_url(ready_lead), booking(rooms)).status_code == 403
    assert not MediationSession.objects.exists()


# --- the list --------------------------------------------------------------------------------------------


def make_sessions(lead, count: int, **fields) -> list[MediationSession]:
    """`count` one-hour sessions of one lead, back to back from today 10:00 (rows only, no service:
    the list's query count is what is measured)."""
    detention = lead.detention
    start = local(2026, 3, 10, 10, 0)
    return MediationSession.objects.bulk_create(
        MediationSession(
            lead=lead,
            person_id=detention.person_id,
            facility_id=detention.facility_id,
            mode="phone",
            starts_at=start + timedelta(hours=i),
            ends_at=start + timedelta(hours=i + 1),
            topic=f"第{i + 1}次",
            **fields,
        )
        for i in range(count)
    )


def test_the_centres_list_shows_its_sessions_from_today_and_those_waiting_for_a_result(
    session_booked, ready_lead, officer_a, client_for
):
    (yesterday,) = MediationSession.objects.bulk_create(
        [
            MediationSession(
                lead=ready_lead,
                person_id=ready_lead.detention.person_id,
                facility_id=ready_lead.detention.facility_id,
                mode="phone",
                starts_at=local(2026, 3, 9, 9, 0),
                ends_at=local(2026, 3, 9, 10, 0),
                topic="昨天的电话调解",
            )
        ]
    )

    response = client_for(officer_a).get("/disputes/sessions/")

    assert response.context["sessions"] == [session_booked]
    assert response.context["awaiting"] == [yesterday]
    page = response.content.decode()
    assert "执行款分期履行" in page and "昨天的电话调解" in page


def test_the_list_leaves_out_cancelled_sessions_and_other_centres(
    session_booked, officer_a, officer_b, client_for, make_detention, make_lead, approve_plan, orgs, rooms
):
    services.cancel_session(session_booked, reason="当事人身体不适", acting_user=officer_a)

    assert client_for(officer_a).get("/disputes/sessions/").context["sessions"] == []
    assert client_for(officer_b).get("/disputes/sessions/").context["sessions"] == []


# session, user, membership, upcoming sessions, awaiting result, unread messages.
CENTRE_LIST_QUERIES = 6
# session, user, membership (twice: the sealed-role check reads the cached one), sessions, unread.
PARTNER_LIST_QUERIES = 5


@pytest.mark.parametrize("count", [5, 50])
def test_the_centres_list_takes_the_same_queries_at_5_and_50_rows(
    ready_lead, officer_a, client_for, django_assert_num_queries, count
):
    make_sessions(ready_lead, count)
    client = client_for(officer_a)

    with django_assert_num_queries(CENTRE_LIST_QUERIES):
        response = client.get("/disputes/sessions/")

    assert len(response.context["sessions"]) == count


@pytest.mark.parametrize("count", [5, 50])
def test_the_courts_list_takes_the_same_queries_at_5_and_50_rows(
    ready_lead, court_staff, orgs, rooms, client_for, django_assert_num_queries, count
):
    make_sessions(ready_lead, count, court=orgs.court)
    client = client_for(court_staff)

    with django_assert_num_queries(PARTNER_LIST_QUERIES):
        response = client.get("/disputes/sessions/")

    assert len(response.context["sessions"]) == count


@pytest.mark.parametrize("count", [5, 50])
def test_a_volunteers_list_takes_the_same_queries_at_5_and_50_rows(
    ready_lead, volunteer, client_for, django_assert_num_queries, count
):
    from guardian.shortcuts import assign_perm

    sessions = make_sessions(ready_lead, count)
    assign_perm(
        "disputes.view_mediationsession", volunteer, MediationSession.objects.filter(pk__in=[s.pk for s in sessions])
    )
    client = client_for(volunteer)

    with django_assert_num_queries(PARTNER_LIST_QUERIES):
        response = client.get("/disputes/sessions/")

    assert len(response.context["sessions"]) == count


@pytest.mark.parametrize("persona", ["supervisor", "system_admin"])
def test_roles_outside_sessions_are_refused_the_list_and_the_session(request, session_booked, client_for, persona):
    client = client_for(request.getfixturevalue(persona))

    assert client.get("/disputes/sessions/").status_code == 403
    assert client.get(f"/disputes/sessions/{session_booked.pk}/").status_code == 403


# --- one session -------------------------------------------------------------------------------------------


def detail_url(session) -> str:
    return f"/disputes/sessions/{session.pk}/"


def test_the_centre_sees_the_whole_session_with_its_forms(session_booked, officer_a, client_for):
    response = client_for(officer_a).get(detail_url(session_booked))

    page = response.content.decode()
    assert response.status_code == 200
    assert "赵建军" in page and "拖欠货款 5 万元" in page
    assert "郑志愿" in page and "社会监督员" in page and DECLARATION in page
    assert "赵母" in page and "母亲" in page
    assert f'action="/disputes/sessions/{session_booked.pk}/cancel/"' in page
    assert f'action="/disputes/sessions/{session_booked.pk}/participants/"' in page
    # The result is recorded once the session has begun.
    assert f'action="/disputes/sessions/{session_booked.pk}/result/"' not in page


def test_the_court_reads_its_video_session_without_forms(ready_lead, rooms, officer_a, court_staff, orgs, client_for):
    session = services.schedule_session(
        ready_lead,
        mode="video",
        starts_at=SESSION_START,
        ends_at=SESSION_END,
        room=rooms["video"],
        court=orgs.court,
        topic="执行和解",
        acting_user=officer_a,
        now=BOOKED_AHEAD,
    )

    response = client_for(court_staff).get(detail_url(session))

    page = response.content.decode()
    assert response.status_code == 200
    assert "余姚市人民法院" in page and "执行和解" in page and "拖欠货款 5 万元" in page
    assert "/cancel/" not in page and "/participants/" not in page


def test_a_session_of_another_centre_is_404_and_one_the_court_is_not_in_is_404_too(
    session_booked, officer_b, court_staff, client_for
):
    assert client_for(officer_b).get(detail_url(session_booked)).status_code == 404
    assert client_for(court_staff).get(detail_url(session_booked)).status_code == 404


def test_the_result_is_recorded_after_the_session(session_booked, officer_a, client_for, frozen):
    frozen.move_to(local(2026, 3, 11, 10, 30))
    client = client_for(officer_a)
    assert (
        f'action="/disputes/sessions/{session_booked.pk}/result/"'
        in client.get(detail_url(session_booked)).content.decode()
    )

    response = client.post(
        f"/disputes/sessions/{session_booked.pk}/result/",
        {"minutes": "双方同意分三期履行", "result": "agreed", "next_steps": "起草调解协议书"},
    )

    assert response.status_code == 302
    session_booked.refresh_from_db()
    assert (session_booked.status, session_booked.result) == ("held", "agreed")
    assert session_booked.minutes == "双方同意分三期履行"
    assert "双方同意分三期履行" in client.get(detail_url(session_booked)).content.decode()


def test_a_result_before_the_session_begins_is_refused_with_a_message(session_booked, officer_a, client_for):
    response = client_for(officer_a).post(
        f"/disputes/sessions/{session_booked.pk}/result/", {"minutes": "提前填写", "result": "agreed"}
    )

    assert response.status_code == 200
    assert "调解尚未开始，不能记录结果" in response.content.decode()
    session_booked.refresh_from_db()
    assert session_booked.status == "scheduled" and session_booked.minutes == ""


def test_a_result_without_minutes_is_a_form_error(session_booked, officer_a, client_for, frozen):
    frozen.move_to(local(2026, 3, 11, 10, 30))

    response = client_for(officer_a).post(f"/disputes/sessions/{session_booked.pk}/result/", {"result": "agreed"})

    assert response.status_code == 200
    assert "minutes" in response.context["result_form"].errors
    session_booked.refresh_from_db()
    assert session_booked.status == "scheduled"


def test_cancelling_needs_a_reason_and_then_frees_the_slot(session_booked, officer_a, client_for):
    client = client_for(officer_a)
    url = f"/disputes/sessions/{session_booked.pk}/cancel/"

    refused = client.post(url, {"reason": ""})
    session_booked.refresh_from_db()
    assert refused.status_code == 200 and session_booked.status == "scheduled"

    response = client.post(url, {"reason": "当事人身体不适"})

    assert response.status_code == 302
    session_booked.refresh_from_db()
    assert (session_booked.status, session_booked.cancel_reason) == ("cancelled", "当事人身体不适")
    assert not session_booked.participants.filter(active=True).exists()
    page = client.get(detail_url(session_booked)).content.decode()
    assert "当事人身体不适" in page and "/cancel/" not in page


def test_a_participant_is_added_and_a_volunteer_needs_a_declaration(
    ready_lead, rooms, officer_a, volunteer_on_roster, court_mediator, client_for
):
    session = services.schedule_session(
        ready_lead,
        mode="in_person",
        starts_at=SESSION_START,
        ends_at=SESSION_END,
        room=rooms["one"],
        acting_user=officer_a,
        now=BOOKED_AHEAD,
    )
    client = client_for(officer_a)
    url = f"/disputes/sessions/{session.pk}/participants/"

    refused = client.post(url, {"user": volunteer_on_roster.pk})
    added = client.post(url, {"user": volunteer_on_roster.pk, "conflict_declaration": DECLARATION})
    mediator = client.post(url, {"user": court_mediator.pk})

    assert refused.status_code == 200
    assert refused.context["participant_form"].errors["conflict_declaration"] == [
        "请为社会监督员 郑志愿 填写利益冲突声明"
    ]
    assert (added.status_code, mediator.status_code) == (302, 302)
    participants = {p.user: p for p in session.participants.all()}
    assert participants[volunteer_on_roster].conflict_declaration == DECLARATION
    assert participants[court_mediator].capacity == "court_mediator"


def test_a_participant_busy_elsewhere_is_refused_with_a_message(
    session_booked, second_ready_lead, rooms, officer_a, officer_a2, client_for
):
    other = services.schedule_session(
        second_ready_lead,
        mode="in_person",
        starts_at=SESSION_START,
        ends_at=SESSION_END,
        room=rooms["two"],
        acting_user=officer_a2,
        now=BOOKED_AHEAD,
    )

    response = client_for(officer_a2).post(f"/disputes/sessions/{other.pk}/participants/", {"user": officer_a.pk})

    assert response.status_code == 200
    assert "张明 在此时段已有其他调解安排" in response.content.decode()
    assert not other.participants.exists()


def write_posts(session) -> list[tuple[str, dict]]:
    pk = session.pk
    return [
        (f"/disputes/sessions/{pk}/result/", {"minutes": "笔录", "result": "agreed"}),
        (f"/disputes/sessions/{pk}/cancel/", {"reason": "取消"}),
        (f"/disputes/sessions/{pk}/participants/", {"user": session.scheduled_by_id}),
    ]


def test_another_centres_officer_gets_404_on_every_change_of_a_session(session_booked, officer_b, client_for):
    client = client_for(officer_b)

    assert [client.post(url, data).status_code for url, data in write_posts(session_booked)] == [404, 404, 404]
    session_booked.refresh_from_db()
    assert session_booked.status == "scheduled"


@pytest.mark.parametrize("persona", ["volunteer_on_roster", "court_staff"])
def test_those_who_read_a_session_get_403_on_its_changes(
    request, ready_lead, rooms, officer_a, orgs, client_for, persona
):
    user = request.getfixturevalue(persona)
    session = services.schedule_session(
        ready_lead,
        mode="video",
        starts_at=SESSION_START,
        ends_at=SESSION_END,
        room=rooms["video"],
        court=orgs.court,
        staff=[services.StaffInput(user, conflict_declaration=DECLARATION)],
        acting_user=officer_a,
        now=BOOKED_AHEAD,
    )
    client = client_for(user)
    assert client.get(detail_url(session)).status_code == 200

    assert [client.post(url, data).status_code for url, data in write_posts(session)] == [403, 403, 403]
    session.refresh_from_db()
    assert session.status == "scheduled"


def test_changes_are_posts_only(session_booked, officer_a, client_for):
    client = client_for(officer_a)

    assert [client.get(url).status_code for url, _data in write_posts(session_booked)] == [405, 405, 405]


def test_an_anonymous_visitor_is_sent_to_sign_in(session_booked, anonymous_client):
    for url in ["/disputes/sessions/", detail_url(session_booked), "/disputes/calendar/"]:
        response = anonymous_client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/?next="), url


def test_a_second_officer_of_the_centre_is_a_participant_too(officer_a2, ready_lead, rooms, officer_a, client_for):
    response = client_for(officer_a).post(create_url(ready_lead), booking(rooms, staff=[officer_a2.pk]))

    assert response.status_code == 302
    assert [p.user for p in MediationSession.objects.get().participants.all()] == [officer_a2]


def test_a_court_of_another_county_is_not_offered_as_staff(ready_lead, orgs, officer_a, client_for):
    from accounts.services import create_organization

    cixi_court = create_organization(
        name="慈溪市人民法院", kind="court", code="330282-FY", region_code="330282", parent=orgs.cixi
    )
    make_person("cx_judge", "慈溪法官", cixi_court, Role.COURT_STAFF)

    page = client_for(officer_a).get(create_url(ready_lead)).content.decode()

    assert "慈溪法官" not in page
