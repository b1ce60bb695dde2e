"""Booking mediation sessions: the room, the detained person and every staff participant are held for
the session's time, and none of them can be double-booked (services first, exclusion constraints last)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from guardian.shortcuts import get_perms

from accounts.models import Role
from detainees import services as detainee_services
from detainees.models import HealthCheck
from disputes import selectors, services
from disputes.models import DisputeLead, MediationSession, SessionParticipant, SessionUserObjectPermission
from notifications.models import InboxMessage
from tests.conftest import make_person
from tests.detainees.conftest import resident_id

from .conftest import AFTER_RELEASE, BOOKED_AHEAD, SESSION_END, SESSION_START, local

pytestmark = pytest.mark.django_db

DECLARATION = "本人与双方当事人无利害关系"


def book(lead, *, room, acting_user, starts_at=SESSION_START, ends_at=SESSION_END, staff=(), **extra):
    return services.schedule_session(
        lead,
        mode=extra.pop("mode", "in_person"),
        starts_at=starts_at,
        ends_at=ends_at,
        room=room,
        staff=list(staff),
        acting_user=acting_user,
        now=extra.pop("now", BOOKED_AHEAD),
        **extra,
    )


@pytest.fixture
def second_ready_lead(make_detention, make_lead, approve_plan):
    """A ready lead of another detained person in centre A."""
    lead = make_lead(detention=make_detention(id_number=resident_id(7), name="孙二"))
    approve_plan(lead)
    return lead


def test_it_books_the_room_person_and_staff_and_moves_the_lead_to_mediating(session_booked, officer_a, volunteer):
    session = session_booked

    assert session.status == MediationSession.Status.SCHEDULED
    assert session.lead.status == DisputeLead.Status.MEDIATING
    assert session.person_id == session.lead.detention.person_id
    participants = {p.user: p for p in session.participants.all()}
    assert participants[officer_a].capacity == SessionParticipant.Capacity.OFFICER
    assert participants[volunteer].capacity == SessionParticipant.Capacity.VOLUNTEER
    assert participants[volunteer].conflict_declaration == DECLARATION
    assert participants[volunteer].declared_at is not None
    assert [guest.name for guest in session.guests.all()] == ["赵母"]


def test_the_invited_volunteer_gets_an_object_grant_and_the_officer_does_not(session_booked, officer_a, volunteer):
    assert get_perms(volunteer, session_booked) == ["view_mediationsession"]
    assert "view_mediationsession" not in get_perms(officer_a, session_booked)


def test_it_refuses_a_session_before_the_plan_is_approved(make_lead, rooms, officer_a):
    lead = make_lead()

    with pytest.raises(ValidationError, match="一人一策方案经所领导批准后才能安排调解"):
        book(lead, room=rooms["one"], acting_user=officer_a)
    assert not MediationSession.objects.exists()


def test_it_refuses_the_same_room_at_an_overlapping_time(session_booked, second_ready_lead, rooms, officer_a2):
    with pytest.raises(ValidationError) as caught:
        book(
            second_ready_lead,
            room=rooms["one"],
            acting_user=officer_a2,
            starts_at=SESSION_START + timedelta(minutes=30),
            ends_at=SESSION_END + timedelta(minutes=30),
        )

    assert caught.value.message_dict["room"] == ["第一调解室 在 09:00–10:00 已被预约"]
    assert MediationSession.objects.count() == 1
    assert second_ready_lead.sessions.count() == 0


def test_back_to_back_sessions_in_one_room_do_not_overlap(session_booked, second_ready_lead, rooms, officer_a2):
    after = book(
        second_ready_lead,
        room=rooms["one"],
        acting_user=officer_a2,
        starts_at=SESSION_END,
        ends_at=SESSION_END + timedelta(hours=1),
    )

    assert after.room == session_booked.room


def test_it_refuses_to_book_the_person_twice(session_booked, rooms, officer_a2, make_lead, approve_plan):
    other_lead = make_lead(detention=session_booked.lead.detention, category=DisputeLead.Category.MARRIAGE_FAMILY)
    approve_plan(other_lead)

    with pytest.raises(ValidationError) as caught:
        book(other_lead, room=rooms["two"], acting_user=officer_a2)

    assert caught.value.message_dict["starts_at"] == ["被拘留人在此时段已有其他调解安排"]
    assert MediationSession.objects.count() == 1


def test_it_refuses_to_book_a_staff_member_twice(session_booked, second_ready_lead, rooms, officer_a, officer_a2):
    with pytest.raises(ValidationError) as caught:
        book(second_ready_lead, room=rooms["two"], acting_user=officer_a2, staff=[services.StaffInput(officer_a)])

    assert caught.value.message_dict["staff"] == ["张明 在此时段已有其他调解安排"]
    assert MediationSession.objects.count() == 1
    assert SessionParticipant.objects.count() == 2


def test_cancelling_takes_back_the_grants_of_those_invited(session_booked, officer_a, volunteer):
    assert selectors.sessions_visible_to(volunteer).exists()

    services.cancel_session(session_booked, reason="当事人家属无法到场", acting_user=officer_a)

    assert not SessionUserObjectPermission.objects.filter(content_object=session_booked).exists()
    assert not selectors.sessions_visible_to(volunteer).exists()


def test_the_participants_are_told_of_a_cancellation_but_not_why(session_booked, officer_a, volunteer, orgs):
    later = session_booked.starts_at - timedelta(days=1)

    services.cancel_session(session_booked, reason="被拘留人身体不适", acting_user=officer_a, now=later)

    [notice] = InboxMessage.objects.filter(kind="session_cancelled")
    assert notice.user == volunteer  # the officer who cancelled is not told of their own act
    assert "第一调解室" in notice.subject and "2026-03-11 09:00" in notice.subject
    assert "身体不适" not in notice.subject + notice.body and notice.link == ""


def test_no_one_is_added_to_a_session_of_a_closed_lead(session_booked, officer_a, officer_a2):
    services.move_lead(session_booked.lead, "withdrawn", acting_user=officer_a, now=SESSION_START - timedelta(days=1))

    session_booked.refresh_from_db()
    assert session_booked.status == "cancelled"  # withdrawing the lead freed what it held
    with pytest.raises(ValidationError, match="该线索已结案"):
        services.add_participant(session_booked, services.StaffInput(officer_a2), acting_user=officer_a)

    assert not session_booked.participants.filter(user=officer_a2).exists()


def test_a_cancelled_session_frees_the_room_the_person_and_the_staff(session_booked, officer_a, rooms, volunteer):
    services.cancel_session(session_booked, reason="当事人临时无法到场", acting_user=officer_a)

    again = book(
        session_booked.lead,
        room=rooms["one"],
        acting_user=officer_a,
        staff=[services.StaffInput(officer_a), services.StaffInput(volunteer, conflict_declaration=DECLARATION)],
    )
    assert again.pk != session_booked.pk
    assert SessionParticipant.objects.filter(active=True).count() == 2


def test_cancelling_needs_a_reason(session_booked, officer_a):
    with pytest.raises(ValidationError):
        services.cancel_session(session_booked, reason=" ", acting_user=officer_a)
    session_booked.refresh_from_db()
    assert session_booked.status == MediationSession.Status.SCHEDULED


@pytest.mark.parametrize("field", ["room", "person", "participant"])
def test_the_database_refuses_a_double_booking_that_skips_the_service(
    session_booked, second_ready_lead, rooms, officer_a, field
):
    """The exclusion constraints hold even for a write that never passed the service's checks."""
    lead = session_booked.lead if field == "person" else second_ready_lead
    detention = lead.detention
    with (
        pytest.raises(IntegrityError, match=f"{field if field == 'participant' else 'session_' + field}"),
        transaction.atomic(),
    ):
        other = MediationSession.objects.create(
            lead=lead,
            person_id=detention.person_id,
            facility_id=detention.facility_id,
            room=rooms["one"] if field == "room" else rooms["two"],
            starts_at=SESSION_START + timedelta(minutes=15),
            ends_at=SESSION_END,
        )
        if field == "participant":
            SessionParticipant.objects.create(
                session=other,
                user=officer_a,
                capacity="officer",
                organization=detention.facility,
                starts_at=other.starts_at,
                ends_at=other.ends_at,
            )
    # the room and person cases fail on the session row itself, the participant case on its booking
    assert MediationSession.objects.count() == 1


def test_it_checks_times_rooms_and_custody(ready_lead, rooms, officer_a, orgs):
    cases = [
        (dict(starts_at=SESSION_END, ends_at=SESSION_START), "ends_at", "结束时间必须晚于开始时间"),
        (
            dict(starts_at=local(2026, 3, 1, 9, 0), ends_at=local(2026, 3, 1, 10, 0)),
            "starts_at",
            "调解时间早于入所时间",
        ),
        (dict(room=rooms["b"]), "room", "请选择本所在用的调解室"),
        (dict(room=rooms["video"]), "room", "面对面调解请选择调解室"),
        (dict(mode="video", room=rooms["one"]), "room", "远程视频调解请选择远程视频调解室"),
        (dict(mode="video", room=rooms["video"]), "court", "远程视频调解请选择连线法院"),
    ]
    for change, field, message in cases:
        arguments = {"room": rooms["one"], **change}
        with pytest.raises(ValidationError) as caught:
            book(ready_lead, acting_user=officer_a, **arguments)
        assert message in caught.value.message_dict[field], change
    assert not MediationSession.objects.exists()


def test_a_video_session_goes_only_to_a_court_of_the_county(ready_lead, rooms, officer_a, orgs):
    from accounts.services import create_organization

    cixi_court = create_organization(
        name="慈溪市人民法院", kind="court", code="330282-FY", region_code="330282", parent=orgs.cixi
    )

    with pytest.raises(ValidationError) as caught:
        book(ready_lead, room=rooms["video"], acting_user=officer_a, mode="video", court=cixi_court)

    assert caught.value.message_dict == {"court": ["请选择本县（市、区）的法院连线"]}
    assert not MediationSession.objects.exists()


def test_a_video_session_with_the_court_books_the_video_room(ready_lead, rooms, officer_a, orgs):
    session = book(ready_lead, room=rooms["video"], acting_user=officer_a, mode="video", court=orgs.court)

    assert (session.mode, session.court) == ("video", orgs.court)


def test_a_phone_session_needs_no_room(ready_lead, officer_a):
    session = book(ready_lead, room=None, acting_user=officer_a, mode="phone")

    assert session.room is None


# --- sessions that need a leader's override -------------------------------------------------------------


def test_after_the_scheduled_release_an_officer_is_told_a_leader_must_override(ready_lead, rooms, officer_a):
    with pytest.raises(ValidationError, match="调解时间晚于出所时间：需由所领导特批后安排"):
        book(
            ready_lead,
            room=rooms["one"],
            acting_user=officer_a,
            starts_at=AFTER_RELEASE,
            ends_at=AFTER_RELEASE + timedelta(hours=1),
        )
    assert not MediationSession.objects.exists()


def test_a_session_ending_exactly_at_the_release_needs_no_override(ready_lead, rooms, officer_a):
    release = ready_lead.detention.scheduled_release_at

    session = book(
        ready_lead, room=rooms["one"], acting_user=officer_a, starts_at=release - timedelta(hours=1), ends_at=release
    )

    assert session.override_reasons == []


def test_a_session_ending_a_minute_after_the_release_needs_the_override(ready_lead, rooms, officer_a):
    release = ready_lead.detention.scheduled_release_at

    with pytest.raises(ValidationError, match="需由所领导特批"):
        book(
            ready_lead,
            room=rooms["one"],
            acting_user=officer_a,
            starts_at=release - timedelta(hours=1),
            ends_at=release + timedelta(minutes=1),
        )


def test_a_leader_overrides_with_a_note_and_the_override_is_recorded(ready_lead, rooms, leader_a):
    with pytest.raises(ValidationError) as caught:
        book(
            ready_lead,
            room=rooms["one"],
            acting_user=leader_a,
            starts_at=AFTER_RELEASE,
            ends_at=AFTER_RELEASE + timedelta(hours=1),
        )
    assert "override_note" in caught.value.message_dict

    session = book(
        ready_lead,
        room=rooms["one"],
        acting_user=leader_a,
        starts_at=AFTER_RELEASE,
        ends_at=AFTER_RELEASE + timedelta(hours=1),
        override_note="当事人出所后自愿返所签订协议",
    )

    assert session.override_reasons == [MediationSession.OVERRIDE_AFTER_RELEASE]
    assert session.override_by == leader_a
    assert session.override_note == "当事人出所后自愿返所签订协议"


def test_an_actual_release_earlier_than_scheduled_moves_the_limit(ready_lead, rooms, officer_a):
    detainee_services.release_detention(
        ready_lead.detention, released_at=local(2026, 3, 10, 8, 0), acting_user=officer_a, now=local(2026, 3, 10, 8, 0)
    )
    ready_lead.refresh_from_db()

    with pytest.raises(ValidationError, match="调解时间晚于出所时间"):
        book(ready_lead, room=rooms["one"], acting_user=officer_a)


@pytest.mark.parametrize(
    "conclusion, needs_override",
    [
        (HealthCheck.Conclusion.SUITABLE, False),
        (HealthCheck.Conclusion.POSTPONE, True),
        (HealthCheck.Conclusion.UNSUITABLE, True),
    ],
)
def test_a_health_check_advising_against_mediation_needs_the_override(
    ready_lead, rooms, officer_a, leader_a, conclusion, needs_override
):
    HealthCheck.objects.create(
        detention=ready_lead.detention,
        external_ref=f"TJ-{conclusion}",
        checked_at=local(2026, 3, 3, 10, 0),
        conclusion=conclusion,
    )

    if not needs_override:
        assert book(ready_lead, room=rooms["one"], acting_user=officer_a).override_reasons == []
        return
    with pytest.raises(ValidationError, match="体检结论不建议参加调解"):
        book(ready_lead, room=rooms["one"], acting_user=officer_a)
    session = book(ready_lead, room=rooms["one"], acting_user=leader_a, override_note="心理咨询师陪同，时间缩短")
    assert session.override_reasons == [MediationSession.OVERRIDE_HEALTH]


def test_only_the_latest_health_check_counts(ready_lead, rooms, officer_a):
    detention = ready_lead.detention
    HealthCheck.objects.create(
        detention=detention, external_ref="TJ-1", checked_at=local(2026, 3, 3, 10, 0), conclusion="postpone"
    )
    HealthCheck.objects.create(
        detention=detention, external_ref="TJ-2", checked_at=local(2026, 3, 6, 10, 0), conclusion="suitable"
    )

    assert book(ready_lead, room=rooms["one"], acting_user=officer_a).override_reasons == []


# --- volunteers: roster, availability and the conflict-of-interest declaration -----------------------


def test_a_volunteer_must_declare_no_conflict_of_interest(ready_lead, rooms, officer_a, volunteer_on_roster):
    with pytest.raises(ValidationError) as caught:
        book(ready_lead, room=rooms["one"], acting_user=officer_a, staff=[services.StaffInput(volunteer_on_roster)])

    assert caught.value.message_dict["staff"] == ["请为社会监督员 郑志愿 填写利益冲突声明"]
    assert not MediationSession.objects.exists()


def test_a_volunteer_off_the_roster_cannot_be_booked(ready_lead, rooms, officer_a, volunteer):
    with pytest.raises(ValidationError) as caught:
        book(ready_lead, room=rooms["one"], acting_user=officer_a, staff=[services.StaffInput(volunteer, DECLARATION)])

    assert caught.value.message_dict["staff"] == ["郑志愿 不在本所社会监督员名册中"]


def test_a_volunteer_is_booked_only_in_their_hours(ready_lead, rooms, officer_a, volunteer_on_roster):
    evening = local(2026, 3, 11, 18, 0)
    with pytest.raises(ValidationError) as caught:
        book(
            ready_lead,
            room=rooms["one"],
            acting_user=officer_a,
            starts_at=evening,
            ends_at=evening + timedelta(hours=1),
            staff=[services.StaffInput(volunteer_on_roster, DECLARATION)],
        )

    assert caught.value.message_dict["staff"] == [
        "郑志愿 在此时段不能参加（可参加时间：周一、周二、周三、周四、周五 08:30–17:30）"
    ]


def test_an_officer_of_another_centre_cannot_take_part(ready_lead, rooms, officer_a, officer_b):
    with pytest.raises(ValidationError) as caught:
        book(ready_lead, room=rooms["one"], acting_user=officer_a, staff=[services.StaffInput(officer_b)])

    assert caught.value.message_dict["staff"] == ["钱卫东 不是本所民警"]


def test_adding_a_volunteer_later_records_the_declaration_and_grants_the_session(
    ready_lead, rooms, officer_a, volunteer_on_roster
):
    session = book(ready_lead, room=rooms["one"], acting_user=officer_a)

    participant = services.add_participant(
        session, services.StaffInput(volunteer_on_roster, DECLARATION), acting_user=officer_a
    )

    assert participant.conflict_declaration == DECLARATION
    assert participant.starts_at == session.starts_at
    assert get_perms(volunteer_on_roster, session) == ["view_mediationsession"]


def test_the_court_mediator_and_judge_join_with_their_court(
    ready_lead, rooms, officer_a, court_mediator, court_staff, orgs
):
    session = book(
        ready_lead,
        room=rooms["video"],
        mode="video",
        court=orgs.court,
        acting_user=officer_a,
        staff=[services.StaffInput(court_mediator), services.StaffInput(court_staff)],
    )

    capacities = {p.user: (p.capacity, p.organization) for p in session.participants.all()}
    assert capacities == {court_mediator: ("court_mediator", orgs.court), court_staff: ("judge", orgs.court)}


def test_a_supervisor_cannot_be_a_participant(ready_lead, rooms, officer_a, supervisor):
    with pytest.raises(ValidationError) as caught:
        book(ready_lead, room=rooms["one"], acting_user=officer_a, staff=[services.StaffInput(supervisor)])

    assert caught.value.message_dict["staff"] == ["孙监督 不能参加调解"]


# --- minutes and result ------------------------------------------------------------------------------


def test_the_result_is_recorded_once_the_session_has_started(session_booked, officer_a):
    with pytest.raises(ValidationError, match="调解尚未开始"):
        services.record_session_result(
            session_booked,
            minutes="……",
            result="agreed",
            acting_user=officer_a,
            now=SESSION_START - timedelta(minutes=1),
        )

    session = services.record_session_result(
        session_booked,
        minutes="双方同意分期履行",
        result="agreed",
        next_steps="起草协议",
        acting_user=officer_a,
        now=SESSION_START,
    )

    assert (session.status, session.result, session.next_steps) == ("held", "agreed", "起草协议")


# --- simultaneous bookings of one room slot (the issue asks for 20, QUALITY.md R10 for 40) ----------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempts", [20, 40])
def test_simultaneous_bookings_of_one_room_slot_give_exactly_one(
    orgs, rooms, make_detention, make_lead, approve_plan, attempts
):
    """Officers, each on their own connection, book the same room for the same hour for as many
    different people. The service's checks may all pass at once; the exclusion constraint decides."""
    leads, officers = [], []
    for n in range(attempts):
        leads.append(make_lead(detention=make_detention(id_number=resident_id(100 + n), name=f"并发{n}")))
        approve_plan(leads[-1])
        officers.append(make_person(f"race_officer_{n}", f"民警{n}", orgs.centre_a, Role.OFFICER))
    barrier = threading.Barrier(attempts)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(n: int) -> None:
        try:
            barrier.wait(timeout=30)
            book(leads[n], room=rooms["one"], acting_user=officers[n])
            result = "booked"
        except ValidationError as error:
            result = "refused: " + " ".join(error.messages)
        except Exception as error:  # reported by the assertions below, with the others' outcomes
            result = f"error: {type(error).__name__}: {error}"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(outcomes) == attempts, outcomes
    assert outcomes.count("booked") == 1, outcomes
    assert all("已被预约" in outcome for outcome in outcomes if outcome != "booked")
    assert MediationSession.objects.filter(room=rooms["one"]).count() == 1


def test_a_non_state_partner_cannot_join_a_session(ready_lead, rooms, officer_a, lawyer):
    with pytest.raises(ValidationError) as caught:
        book(ready_lead, room=rooms["one"], acting_user=officer_a, staff=[services.StaffInput(lawyer)])

    assert caught.value.message_dict["staff"] == ["吴律师 所在单位不是国家机关，不能参加所内调解"]
    assert not MediationSession.objects.exists()


def test_a_judge_of_another_county_cannot_join_a_session(ready_lead, rooms, officer_a, orgs):
    from accounts.services import create_organization

    cixi_court = create_organization(
        name="慈溪市人民法院", kind="court", code="330282-FY", region_code="330282", parent=orgs.cixi
    )
    judge = make_person("cx_judge", "周法官", cixi_court, Role.COURT_STAFF)

    with pytest.raises(ValidationError) as caught:
        book(ready_lead, room=rooms["one"], acting_user=officer_a, staff=[services.StaffInput(judge)])

    assert caught.value.message_dict["staff"] == ["周法官 不属于本县（市、区）法院"]
