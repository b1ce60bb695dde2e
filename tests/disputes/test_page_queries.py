"""Query counts of the pages that list rows of another table: each is pinned, and stays the same when the
rows grow (CONVENTIONS.md, Tests). Everything a template shows is read in the view; nothing is fetched
lazily while it renders.

Every page starts with the same three queries (the signed-in user's session, user row and membership,
cached for the request) and ends with one more, the unread-inbox count in the menu."""

from __future__ import annotations

from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from accounts.models import Role
from disputes import agreement_views, services
from disputes.models import DisputeLead, JudicialConfirmation, Room
from tests.conftest import make_person
from tests.detainees.conftest import resident_id
from tests.disputes import test_agreement_pdf as shared

from .conftest import BOOKED_AHEAD, FIXED_NOW, SESSION_END, SESSION_START, local

pytestmark = pytest.mark.django_db

# Fixtures shared with test_agreement_pdf.py.
queued_renders = shared.queued_renders


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(FIXED_NOW, tick=False) as traveller:
        yield traveller


# --- judicial confirmation ------------------------------------------------------------------------------


def resolved(n: int, *, make_detention, make_lead, approve_plan, officer_a) -> DisputeLead:
    lead = make_lead(detention=make_detention(id_number=resident_id(n), name=f"当事人{n}"))
    approve_plan(lead)
    services.move_lead(lead, DisputeLead.Status.MEDIATING, acting_user=officer_a)
    services.record_outcome(
        lead, status=DisputeLead.Status.RESOLVED, outcome=services.OutcomeInput(summary="和解"), acting_user=officer_a
    )
    return lead


@pytest.fixture
def confirmation_with(make_detention, make_lead, approve_plan, officer_a, court_staff, orgs):
    """confirmation_with(n, signatories) -> a request to the county court, confirmed by its staff, of
    an agreement with that many signatories."""

    def make(n: int, signatories: int) -> JudicialConfirmation:
        lead = resolved(
            n, make_detention=make_detention, make_lead=make_lead, approve_plan=approve_plan, officer_a=officer_a
        )
        agreement = shared.save(
            lead,
            officer_a,
            signatories=[services.SignatoryInput("乙方", f"签字人{n}-{i}") for i in range(signatories)],
            agreed_amount=Decimal("12345"),
            signed_on=FIXED_NOW.date(),
        )
        confirmation = services.request_judicial_confirmation(agreement, court=orgs.court, acting_user=officer_a)
        return services.decide_judicial_confirmation(confirmation, confirm=True, acting_user=court_staff)

    return make


def confirmation_url(confirmation) -> str:
    return reverse("disputes:confirmation_detail", kwargs={"pk": confirmation.pk})


# Session, user, membership, the request (with its agreement, lead, centre, court and decider), its
# signatories, the unread-inbox count of the menu.
CONFIRMATION_DETAIL_QUERIES = 6


@pytest.mark.parametrize("persona", ["officer_a", "court_staff"])
def test_the_confirmation_page_costs_the_same_queries_for_2_and_6_signatories(
    request, confirmation_with, client_for, django_assert_num_queries, persona
):
    two, six = confirmation_with(1, 2), confirmation_with(2, 6)
    client = client_for(request.getfixturevalue(persona))

    with django_assert_num_queries(CONFIRMATION_DETAIL_QUERIES):
        small = client.get(confirmation_url(two))
    with django_assert_num_queries(CONFIRMATION_DETAIL_QUERIES):
        large = client.get(confirmation_url(six))

    assert (small.status_code, large.status_code) == (200, 200)
    assert "签字人1-1" in small.content.decode() and "签字人2-5" in large.content.decode()
    assert "李法官" in large.content.decode()  # the court staff who decided
    assert "12,345.00" in large.content.decode()


# Session, user, membership, the paginator's COUNT, the page of requests (with agreement, lead, centre
# and court), the unread-inbox count of the menu.
CONFIRMATION_LIST_QUERIES = 6


@pytest.mark.parametrize("persona", ["officer_a", "court_staff"])
def test_the_confirmation_list_costs_the_same_queries_for_1_and_3_requests_and_pages_correctly(
    request, confirmation_with, client_for, django_assert_num_queries, monkeypatch, persona
):
    client = client_for(request.getfixturevalue(persona))
    url = reverse("disputes:confirmation_list")
    first = confirmation_with(1, 2)

    with django_assert_num_queries(CONFIRMATION_LIST_QUERIES):
        one = client.get(url)
    others = [confirmation_with(n, 2) for n in (2, 3)]
    with django_assert_num_queries(CONFIRMATION_LIST_QUERIES):
        three = client.get(url)
    monkeypatch.setattr(agreement_views, "CONFIRMATIONS_PER_PAGE", 2)
    with django_assert_num_queries(CONFIRMATION_LIST_QUERIES):
        page_two = client.get(url, {"page": "2"})

    assert [c.pk for c in one.context["page"]] == [first.pk]
    assert [c.pk for c in three.context["page"]] == [others[1].pk, others[0].pk, first.pk]
    # Newest first, two a page: the second page holds the oldest request.
    assert [c.pk for c in page_two.context["page"]] == [first.pk]
    assert page_two.context["page"].paginator.num_pages == 2
    assert 'rel="prev"' in page_two.content.decode() and 'rel="next"' not in page_two.content.decode()


# --- a detention's page, with its leads ------------------------------------------------------------------

# Session, user, membership, the detention (with person, centre, officer), assessment, family contacts,
# the timeline (movements, health checks, documents; disputes' lead transitions and sessions), health
# checks, documents, earlier detentions, leads, the unread-inbox count of the menu.
DETENTION_DETAIL_QUERIES = 16


def test_the_detention_page_costs_the_same_queries_for_1_and_5_leads(
    make_detention, make_lead, officer_a, client_for, django_assert_num_queries
):
    detention = make_detention()
    first = make_lead(detention=detention)
    client = client_for(officer_a)
    url = reverse("casework:detention", kwargs={"pk": detention.pk})

    with django_assert_num_queries(DETENTION_DETAIL_QUERIES):
        one = client.get(url)
    later = [
        make_lead(detention=detention, category=DisputeLead.Category.MARRIAGE_FAMILY, summary=f"家庭矛盾 {i}")
        for i in range(4)
    ]
    with django_assert_num_queries(DETENTION_DETAIL_QUERIES):
        five = client.get(url)

    assert [lead.pk for lead in one.context["leads"]] == [first.pk]
    assert [lead.pk for lead in five.context["leads"]] == [first.pk, *(lead.pk for lead in later)]
    page = five.content.decode()
    for lead in [first, *later]:
        assert f'href="{reverse("disputes:lead_detail", kwargs={"pk": lead.pk})}"' in page


# --- the centre's rooms -----------------------------------------------------------------------------------

# Session, user, membership, the rooms, the unread-inbox count of the menu.
ROOM_LIST_QUERIES = 5


@pytest.mark.parametrize("persona", ["officer_a", "leader_a"])
def test_the_room_list_costs_the_same_queries_for_3_and_6_rooms(
    request, rooms, leader_a, orgs, client_for, django_assert_num_queries, persona
):
    client = client_for(request.getfixturevalue(persona))
    url = reverse("disputes:room_list")

    with django_assert_num_queries(ROOM_LIST_QUERIES):
        three = client.get(url)
    for n in range(3):
        services.save_room(orgs.centre_a, name=f"第{n + 3}调解室", kind=Room.Kind.MEDIATION, acting_user=leader_a)
    with django_assert_num_queries(ROOM_LIST_QUERIES):
        six = client.get(url)

    assert (len(three.context["rooms"]), len(six.context["rooms"])) == (3, 6)
    assert "第5调解室" in six.content.decode() and "慈溪调解室" not in six.content.decode()


# --- a session's page --------------------------------------------------------------------------------------


@pytest.fixture
def overridden_video_session(make_detention, make_lead, approve_plan, rooms, leader_a, officer_a, orgs):
    """A video session with the county court, booked by leader A over a health check advising against
    it (so it has an override by the leader), with officer A and one more officer of the centre."""
    from detainees import services as detainee_services

    detention = make_detention()
    detainee_services.record_health_check(
        detention, external_ref="TJ-Q", checked_at=local(2026, 3, 3, 9, 0), conclusion="postpone", findings="血压偏高"
    )
    lead = make_lead(detention=detention)
    approve_plan(lead)
    colleague = make_person("yy_officer_q0", "民警零", orgs.centre_a, Role.OFFICER)
    return services.schedule_session(
        lead,
        mode="video",
        starts_at=SESSION_START,
        ends_at=SESSION_END,
        room=rooms["video"],
        court=orgs.court,
        staff=[services.StaffInput(officer_a), services.StaffInput(colleague)],
        override_note="体检暂缓，经所领导特批",
        acting_user=leader_a,
        now=BOOKED_AHEAD,
    )


# Session, user, membership, the access check, the session for the page (with lead, detention, person,
# room, court, centre and the overriding leader), participants, guests, the unread-inbox count; for
# centre staff also the forms: the centre's county and the staff who may be added (ParticipantForm).
SESSION_DETAIL_QUERIES = {"officer_a": 10, "court_staff": 8}


@pytest.mark.parametrize("persona", ["officer_a", "court_staff"])
def test_the_session_page_costs_the_same_queries_for_2_and_5_participants(
    request, overridden_video_session, officer_a, orgs, client_for, django_assert_num_queries, persona
):
    session = overridden_video_session
    client = client_for(request.getfixturevalue(persona))
    url = f"/disputes/sessions/{session.pk}/"

    with django_assert_num_queries(SESSION_DETAIL_QUERIES[persona]):
        two = client.get(url)
    for n in range(1, 4):
        colleague = make_person(f"yy_officer_q{n}", f"民警{n}", orgs.centre_a, Role.OFFICER)
        services.add_participant(session, services.StaffInput(colleague), acting_user=officer_a)
    with django_assert_num_queries(SESSION_DETAIL_QUERIES[persona]):
        five = client.get(url)

    assert (len(two.context["participants"]), len(five.context["participants"])) == (2, 5)
    page = five.content.decode()
    assert "民警3" in page
    assert ("王建国" in page) == (persona == "officer_a")  # the overriding leader, for the centre only
