"""A person moved to another centre (disputes.services.transfer_detention) takes their leads and
sessions along: the sessions still booked in the old centre's rooms are cancelled, the people invited
from outside lose sight of them, and the new centre sees the person's sessions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from disputes import calendar, selectors, services
from disputes.models import DisputeLeadEvent, MediationSession, SessionParticipant, SessionUserObjectPermission
from tests.detainees.conftest import local, resident_id
from tests.disputes.conftest import SESSION_START
from tests.disputes.test_sessions import book

pytestmark = pytest.mark.django_db

MOVED_AT = local(2026, 3, 10, 10, 0)  # the day before the booked session


def transfer(detention, orgs, officer, *, moved_at=MOVED_AT):
    return services.transfer_detention(
        detention, to_facility=orgs.centre_b, moved_at=moved_at, acting_user=officer, now=moved_at
    )


def test_a_transfer_cancels_the_sessions_booked_at_the_old_centre(session_booked, orgs, officer_a, volunteer):
    transfer(session_booked.lead.detention, orgs, officer_a)

    session_booked.refresh_from_db()
    assert (session_booked.status, session_booked.cancel_reason) == ("cancelled", "被拘留人已转所")
    assert session_booked.cancelled_at == MOVED_AT
    assert not SessionParticipant.objects.filter(session=session_booked, active=True).exists()
    # The volunteer invited to it no longer sees it.
    assert not SessionUserObjectPermission.objects.filter(content_object=session_booked).exists()
    assert not selectors.sessions_visible_to(volunteer).exists()


def test_the_freed_room_can_be_booked_again(session_booked, orgs, officer_a, make_lead, make_detention, approve_plan):
    transfer(session_booked.lead.detention, orgs, officer_a)

    other = make_lead(detention=make_detention(id_number=resident_id(9), name="钱某"))
    approve_plan(other)

    again = book(other, room=session_booked.room, acting_user=officer_a)

    assert again.status == "scheduled" and again.starts_at == SESSION_START


def test_a_session_before_the_move_is_kept(session_booked, orgs, officer_a):
    """Moved the evening after the session: the session happened at the old centre and stays."""
    transfer(session_booked.lead.detention, orgs, officer_a, moved_at=SESSION_START + timedelta(hours=8))

    session_booked.refresh_from_db()
    assert session_booked.status == MediationSession.Status.SCHEDULED


def test_the_new_centre_sees_the_persons_sessions_and_the_old_one_its_own(
    session_booked, orgs, officer_a, officer_b, client_for
):
    transfer(session_booked.lead.detention, orgs, officer_a)

    # The receiving centre: the lead and its sessions came along.
    assert list(selectors.leads_visible_to(officer_b)) == [session_booked.lead]
    assert list(selectors.sessions_visible_to(officer_b)) == [session_booked]
    assert client_for(officer_b).get(f"/disputes/sessions/{session_booked.pk}/").status_code == 200
    # The old centre keeps the record of what was booked in its own room, but no longer the lead.
    assert list(selectors.sessions_visible_to(officer_a)) == [session_booked]
    assert not selectors.leads_visible_to(officer_a).exists()


def test_a_centre_sees_no_session_of_another_centre(session_booked, officer_b, client_for):
    assert not selectors.sessions_visible_to(officer_b).exists()
    assert client_for(officer_b).get(f"/disputes/sessions/{session_booked.pk}/").status_code == 404


def test_the_centre_that_held_a_session_writes_its_minutes_after_the_person_moved(
    session_booked, orgs, officer_a, officer_b, client_for
):
    """Held at A at 09:00, moved to B that evening: A writes the minutes; B reads them, changes nothing."""
    transfer(session_booked.lead.detention, orgs, officer_a, moved_at=SESSION_START + timedelta(hours=8))
    url = f"/disputes/sessions/{session_booked.pk}/"

    page_b = client_for(officer_b).get(url).content.decode()
    assert "记录调解结果" not in page_b and f"/disputes/{session_booked.lead_id}/" in page_b
    refused = client_for(officer_b).post(f"{url}result/", {"minutes": "笔录", "result": "agreed"})
    assert refused.status_code == 403

    page_a = client_for(officer_a).get(url).content.decode()
    assert "记录调解结果" in page_a
    assert f'href="/disputes/{session_booked.lead_id}/"' not in page_a  # the lead is B's now
    saved = client_for(officer_a).post(f"{url}result/", {"minutes": "双方同意分期", "result": "agreed"})
    assert saved.status_code == 302
    session_booked.refresh_from_db()
    assert (session_booked.status, session_booked.minutes) == ("held", "双方同意分期")


def test_the_earlier_centre_gets_none_of_the_new_centres_detention_record(session_booked, orgs, officer_a, client_for):
    detention = session_booked.lead.detention
    transfer(detention, orgs, officer_a, moved_at=SESSION_START + timedelta(hours=8))
    detention.refresh_from_db()
    detention.cell, detention.decision_number = "慈溪三监室", "慈公（治）决字〔2026〕88号"
    detention.save()

    [row] = client_for(officer_a).get("/api/v1/sessions/").json()["results"]

    assert row["detention"]["cell"] == "" and row["detention"]["decision_number"] == ""
    assert row["detention"]["admitted_at"] is not None and row["minutes"] == ""


def test_a_centres_sessions_are_found_through_indexes_not_a_scan_of_every_session(session_booked, officer_a):
    """The centre's sessions are those held in its rooms UNION those of its people, each found by an
    index condition on the centre (an OR across the join to the detention is a filter on every
    session of the province, joined first)."""
    queryset = selectors.sessions_visible_to(officer_a)

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE disputes_mediationsession")
        # SET LOCAL: only for the test's transaction, not for the connection the next test reuses.
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = queryset.explain()

    assert "Seq Scan on disputes_mediationsession" not in plan
    # The centre is an index condition, not a filter applied to every session joined to its detention.
    assert f"Index Cond: (facility_id = {officer_a_centre(officer_a)})" in plan
    assert " OR " not in plan
    assert list(queryset) == [session_booked]


def officer_a_centre(officer) -> int:
    return officer.memberships.get().organization_id


def test_the_centre_that_holds_a_session_adds_its_own_staff_after_the_move(
    session_booked, orgs, officer_a, officer_a2, officer_b
):
    transfer(session_booked.lead.detention, orgs, officer_a, moved_at=SESSION_START + timedelta(hours=8))

    services.add_participant(session_booked, services.StaffInput(officer_a2), acting_user=officer_a)
    with pytest.raises(ValidationError) as caught:
        services.add_participant(session_booked, services.StaffInput(officer_b), acting_user=officer_a)

    assert caught.value.message_dict["staff"] == ["钱卫东 不是本所民警"]
    assert set(session_booked.participants.values_list("user__username", flat=True)) == {
        "yy_officer",
        "yy_volunteer",
        "yy_officer2",
    }


def test_only_the_centre_that_held_a_session_is_asked_for_its_result(session_booked, orgs, officer_a, officer_b):
    transfer(session_booked.lead.detention, orgs, officer_a, moved_at=SESSION_START + timedelta(hours=8))
    next_day = SESSION_START + timedelta(days=1)

    assert list(calendar.awaiting_result(officer_a, now=next_day)) == [session_booked]
    assert list(calendar.awaiting_result(officer_b, now=next_day)) == []


def test_the_leads_move_with_the_person_and_their_trail_records_no_change_of_the_case(
    make_lead, make_detention, orgs, officer_a
):
    detention = make_detention()
    lead = make_lead(detention=detention)
    events_before = DisputeLeadEvent.objects.filter(pgh_obj=lead).count()

    transfer(detention, orgs, officer_a)

    lead.refresh_from_db()
    assert lead.facility == orgs.centre_b
    # The copy of the centre follows the detention, whose own trail records the move.
    assert DisputeLeadEvent.objects.filter(pgh_obj=lead).count() == events_before
    assert detention.movements.get().to_facility == orgs.centre_b
