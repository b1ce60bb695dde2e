"""/api/v1/leads/ and /api/v1/sessions/: scoped like the pages, written through disputes.services.

Leads: officers and leaders of the lead's centre; every other role 403, another centre 404.
Sessions: centre staff their centre's, court staff those of their court, invited people (volunteers,
court mediators, agency staff) theirs in the sealed shape, which never carries a detention fact.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

from accounts.models import Role
from detainees import services as detainee_services
from disputes import services
from disputes.models import (
    DisputeLead,
    LeadParty,
    LeadTransition,
    MediationSession,
    SessionGuest,
    SessionParticipant,
)
from tests.conftest import PASSWORD, PERSONA_OF_ROLE
from tests.detainees.conftest import FIXED_NOW, ID_OTHER, ID_WOMAN, local

from .conftest import AFTER_RELEASE, BOOKED_AHEAD, SESSION_END, SESSION_START

LEADS = "/api/v1/leads/"
SESSIONS = "/api/v1/sessions/"
DECLARATION = "本人与双方当事人无利害关系"


def url(base: str, obj) -> str:
    return f"{base}{getattr(obj, 'pk', obj)}/"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(FIXED_NOW, tick=False):
        yield


def post(client: Client, path: str, data: dict):
    return client.post(path, json.dumps(data), content_type="application/json")


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def body(*responses) -> str:
    return "".join(response.content.decode() for response in responses)


def lead_counts() -> tuple[int, int, int]:
    return DisputeLead.objects.count(), LeadParty.objects.count(), LeadTransition.objects.count()


def session_counts() -> tuple[int, int, int]:
    return MediationSession.objects.count(), SessionParticipant.objects.count(), SessionGuest.objects.count()


@pytest.fixture
def other_person_lead(make_detention, make_lead, approve_plan) -> DisputeLead:
    """A second person in centre A, with an approved plan: ready for a session."""
    lead = make_lead(detention=make_detention(id_number=ID_WOMAN, name="钱秀英"))
    approve_plan(lead)
    return lead


@pytest.fixture
def lead_b(make_detention, orgs, officer_b) -> DisputeLead:
    return services.open_lead(
        make_detention(id_number=ID_OTHER, name="孙某", facility=orgs.centre_b),
        category=DisputeLead.Category.NEIGHBOURS,
        summary="慈溪邻里纠纷",
        acting_user=officer_b,
    )


# --- leads: reading ------------------------------------------------------------------------------------


def test_an_officer_lists_the_leads_of_the_centre_newest_first(client_for, officer_a, make_lead, lead_b):
    first = make_lead()
    second = make_lead(detention=first.detention, category=DisputeLead.Category.DEBT, summary="借款纠纷")

    response = client_for(officer_a).get(LEADS)

    assert ids(response) == [second.pk, first.pk]
    assert response.json()["next"] is None
    assert lead_b.pk not in ids(response)


def test_a_lead_shows_masked_parties_plan_outcome_agreement_and_sessions(
    client_for, officer_a, session_booked, ready_lead
):
    services.record_outcome(
        ready_lead,
        status=DisputeLead.Status.RESOLVED,
        outcome=services.OutcomeInput(
            summary="达成分期履行的执行和解",
            enforcement_settled=True,
            agreed_amount=Decimal("50000"),
            paid_amount=Decimal("10000"),
        ),
        cancel_sessions=[session_booked.pk],
        acting_user=officer_a,
    )
    services.save_agreement(
        ready_lead,
        facts="拖欠货款 5 万元",
        terms="分五期履行",
        signed_on=date(2026, 3, 10),
        signatories=[services.SignatoryInput("甲方", "赵建军"), services.SignatoryInput("乙方", "宁波某建材公司")],
        agreed_amount=Decimal("50000"),
        paid_amount=Decimal("10000"),
        acting_user=officer_a,
    )

    response = client_for(officer_a).get(url(LEADS, ready_lead))

    assert response.status_code == 200
    data = response.json()
    assert {key: data[key] for key in ("id", "detention", "person", "category", "status", "amount_at_stake")} == {
        "id": ready_lead.pk,
        "detention": ready_lead.detention_id,
        "person": {"id": ready_lead.detention.person_id, "name": "赵建军"},
        "category": "court_enforcement",
        "status": "resolved",
        "amount_at_stake": "50000.00",
    }
    assert data["parties"] == [
        {
            "id": ready_lead.parties.get().pk,
            "side": "counterparty",
            "name": "宁波某建材公司",
            "relation": "",
            "phone_masked": "139****1111",
            "address": "",
        }
    ]
    assert "13900001111" not in body(response)
    assert data["plan"] == {
        "status": "approved",
        "methods": ["legal_explanation", "joint_mediation"],
        "submitted_at": "2026-03-10T09:00:00+08:00",
        "decided_at": "2026-03-10T09:00:00+08:00",
    }
    outcome = data["outcome"]
    assert (outcome["enforcement_settled"], outcome["petition_withdrawn"], outcome["agreed_amount"]) == (
        True,
        False,
        "50000.00",
    )
    assert outcome["paid_amount"] == "10000.00"
    assert data["agreement"] == {
        "number": "330281-JLS调〔2026〕1号",
        "revision": 1,
        "signed_on": "2026-03-10",
        "agreed_amount": "50000.00",
        "paid_amount": "10000.00",
    }
    assert data["session_ids"] == [session_booked.pk]
    assert data["closed_at"] == "2026-03-10T09:00:00+08:00"


def test_a_new_lead_has_no_plan_outcome_agreement_or_sessions(client_for, officer_a, make_lead):
    lead = make_lead()

    data = client_for(officer_a).get(url(LEADS, lead)).json()

    assert (data["status"], data["plan"], data["outcome"], data["agreement"], data["session_ids"]) == (
        "open",
        None,
        None,
        None,
        [],
    )


def test_the_lead_list_filters_by_status_category_detention_and_openness(
    client_for, officer_a, make_lead, make_detention
):
    debt = make_lead(category=DisputeLead.Category.DEBT)
    other_detention = make_detention(id_number=ID_WOMAN, name="钱秀英")
    family = make_lead(detention=other_detention, category=DisputeLead.Category.MARRIAGE_FAMILY)
    withdrawn = make_lead(detention=other_detention)
    services.move_lead(withdrawn, DisputeLead.Status.WITHDRAWN, acting_user=officer_a)
    client = client_for(officer_a)

    assert ids(client.get(LEADS, {"status": "withdrawn"})) == [withdrawn.pk]
    assert ids(client.get(LEADS, {"status": "open"})) == [family.pk, debt.pk]
    assert ids(client.get(LEADS, {"category": "marriage_family"})) == [family.pk]
    assert ids(client.get(LEADS, {"detention": other_detention.pk})) == [withdrawn.pk, family.pk]
    assert ids(client.get(LEADS, {"open": "true"})) == [family.pk, debt.pk]
    assert ids(client.get(LEADS, {"open": "false"})) == [withdrawn.pk]


@pytest.mark.parametrize(
    "params", [{"status": "lost"}, {"category": "crime"}, {"detention": "abc"}, {"detention": "1.5"}]
)
def test_a_bad_lead_filter_is_400(client_for, officer_a, params):
    assert client_for(officer_a).get(LEADS, params).status_code == 400


def test_an_officer_of_another_centre_gets_404_on_the_lead_and_an_empty_list(client_for, officer_b, make_lead):
    lead = make_lead()
    client = client_for(officer_b)

    assert client.get(url(LEADS, lead)).status_code == 404
    assert ids(client.get(LEADS)) == []
    assert client.get(url(LEADS, lead.pk + 1000)).status_code == 404


NON_CENTRE_ROLES = [role for role in PERSONA_OF_ROLE if role not in (Role.OFFICER, Role.CENTRE_LEADER)]


@pytest.mark.parametrize("role", NON_CENTRE_ROLES)
def test_every_other_role_gets_403_on_leads(request, client_for, make_lead, role):
    lead = make_lead()
    client = client_for(request.getfixturevalue(PERSONA_OF_ROLE[role]))
    before = lead_counts()

    responses = [
        client.get(LEADS),
        client.get(url(LEADS, lead)),
        post(client, LEADS, {"detention": lead.detention_id, "category": "debt", "summary": "欠款"}),
    ]

    assert [response.status_code for response in responses] == [403, 403, 403]
    assert responses[0].json() == {"detail": "只有拘留所民警和所领导可以使用此接口"}
    assert "宁波某建材公司" not in body(*responses)
    assert lead_counts() == before


def test_an_anonymous_caller_gets_401_on_both_endpoints(anonymous_client, session_booked, ready_lead):
    responses = [
        anonymous_client.get(LEADS),
        anonymous_client.get(url(LEADS, ready_lead)),
        anonymous_client.get(SESSIONS),
        anonymous_client.get(url(SESSIONS, session_booked)),
        post(anonymous_client, SESSIONS, {}),
    ]

    assert [response.status_code for response in responses] == [401] * 5


def test_a_partner_system_reads_leads_and_sessions_with_a_token(officer_a, session_booked, ready_lead):
    token = Client().post("/api/v1/auth/token/", {"username": officer_a.username, "password": PASSWORD}).json()["token"]
    client = Client(HTTP_AUTHORIZATION=f"Token {token}")

    assert ids(client.get(LEADS)) == [ready_lead.pk]
    assert ids(client.get(SESSIONS)) == [session_booked.pk]
    assert client.get(url(SESSIONS, session_booked)).json()["detention"]["id"] == ready_lead.detention_id


# --- leads: creating -----------------------------------------------------------------------------------


def lead_payload(detention, **changes) -> dict:
    payload = {
        "detention": detention.pk,
        "category": "marriage_family",
        "summary": "夫妻因抚养费争吵，女方提出离婚",
        "parties": [
            {"side": "counterparty", "name": "钱秀英", "relation": "妻子", "phone": "139 0000 2222"},
            {"side": "party", "name": "赵建军"},
        ],
        "amount_at_stake": "1200.50",
        "source": "conversation",
        "risk_level": "medium",
    }
    payload.update(changes)
    return payload


def test_an_officer_opens_a_lead_through_the_service(client_for, officer_a, leader_a, make_detention):
    detention = make_detention()

    response = post(client_for(officer_a), LEADS, lead_payload(detention, assigned_officer="yy_leader"))

    assert response.status_code == 201, response.content
    lead = DisputeLead.objects.get()
    data = response.json()
    assert data["id"] == lead.pk
    assert (lead.detention, lead.category, lead.amount_at_stake, lead.source, lead.risk_level, lead.status) == (
        detention,
        "marriage_family",
        Decimal("1200.50"),
        "conversation",
        "medium",
        "open",
    )
    assert lead.assigned_officer == leader_a
    assert [(p.side, p.name, p.phone) for p in lead.parties.all()] == [
        ("counterparty", "钱秀英", "139 0000 2222"),
        ("party", "赵建军", ""),
    ]
    # The service wrote the first step of the timeline.
    assert LeadTransition.objects.get(lead=lead).acting_user == officer_a
    assert [party["phone_masked"] for party in data["parties"]] == ["139****2222", ""]
    assert "0000 2222" not in body(response)
    assert data["assigned_officer"] == {"username": "yy_leader", "full_name": "王建国"}


def test_a_leader_opens_a_lead_with_only_the_required_fields(client_for, leader_a, make_detention):
    detention = make_detention()

    response = post(client_for(leader_a), LEADS, {"detention": detention.pk, "category": "debt", "summary": "欠款"})

    assert response.status_code == 201, response.content
    assert (response.json()["parties"], response.json()["source"], response.json()["risk_level"]) == (
        [],
        "intake_screening",
        "low",
    )


def test_a_lead_for_another_centres_detention_answers_like_a_missing_one(client_for, officer_b, make_detention):
    detention_a = make_detention()
    client = client_for(officer_b)

    foreign = post(client, LEADS, lead_payload(detention_a))
    missing = post(client, LEADS, {**lead_payload(detention_a), "detention": detention_a.pk + 1000})

    assert (foreign.status_code, missing.status_code) == (400, 400)
    assert foreign.json() == {"detention": [f"入所记录 {detention_a.pk} 不存在"]}
    assert missing.json() == {"detention": [f"入所记录 {detention_a.pk + 1000} 不存在"]}
    assert lead_counts() == (0, 0, 0)


@pytest.mark.parametrize(
    "changes, errors",
    [
        ({"amount_at_stake": "-0.01"}, {"amount_at_stake": ["涉及金额不能小于零"]}),
        ({"category": "crime"}, {"category": ["“crime” 不是合法选项。"]}),
        ({"summary": ""}, {"summary": ["该字段不能为空。"]}),
        ({"parties": [{"side": "party", "name": ""}]}, {"parties": {"0": {"name": ["该字段不能为空。"]}}}),
        ({"assigned_officer": "cx_officer"}, {"assigned_officer": ["承办民警须为本所在职民警或所领导"]}),
    ],
)
def test_bad_lead_data_is_refused_with_chinese_messages_and_nothing_is_saved(
    client_for, officer_a, officer_b, make_detention, changes, errors
):
    response = post(client_for(officer_a), LEADS, lead_payload(make_detention(), **changes))

    assert response.status_code == 400
    assert response.json() == errors
    assert lead_counts() == (0, 0, 0)


def test_a_form_encoded_lead_is_refused(client_for, officer_a, make_detention):
    response = client_for(officer_a).post(LEADS, {"detention": make_detention().pk, "category": "debt"})

    assert response.status_code == 415
    assert lead_counts() == (0, 0, 0)


# --- leads: query counts -------------------------------------------------------------------------------


def add_leads(detention, count: int) -> None:
    for index in range(count):
        services.open_lead(
            detention,
            category=DisputeLead.Category.DEBT,
            summary=f"欠款纠纷 {index}",
            parties=[services.PartyInput(side=LeadParty.Side.COUNTERPARTY, name=f"债权人{index}", phone="13900001111")],
            acting_user=None,
        )


# Session, user, membership, the page (with plan, outcome, agreement and session ids), the parties.
LEAD_LIST_QUERIES = 5


def test_the_lead_list_costs_the_same_queries_for_5_and_50_leads(
    client_for, officer_a, session_booked, ready_lead, django_assert_num_queries
):
    client = client_for(officer_a)
    add_leads(ready_lead.detention, 4)

    with django_assert_num_queries(LEAD_LIST_QUERIES):
        five = client.get(LEADS)
    add_leads(ready_lead.detention, 45)
    with django_assert_num_queries(LEAD_LIST_QUERIES):
        fifty = client.get(LEADS)

    assert (len(five.json()["results"]), len(fifty.json()["results"])) == (5, 50)
    assert all(len(row["parties"]) == 1 for row in fifty.json()["results"])
    assert fifty.json()["results"][-1]["session_ids"] == [session_booked.pk]


# --- sessions: who sees what -----------------------------------------------------------------------------

SEALED_KEYS = {
    "id",
    "starts_at",
    "ends_at",
    "mode",
    "status",
    "room_name",
    "person_name",
    "dispute",
    "participants",
    "guests",
}
# Planted in every detention field a sealed viewer must never see (DESIGN.md §5).
MARKERS = {
    "decision_number": "MARK-DECISION",
    "handling_unit": "MARK-UNIT",
    "reason": "MARK-REASON",
    "cell": "MARK-CELL",
}
# The officers' free-text topic: a working note of the centre, not among the sealed logistics.
TOPIC = "MARK-TOPIC 执行款分期履行"
RELEASE = "2026-03-12T15:00:00+08:00"
ADMISSION_DAY = "2026-03-02"


@pytest.fixture
def sealed_session(
    make_detention, make_lead, approve_plan, rooms, leader_a, volunteer_on_roster, court_mediator
) -> MediationSession:
    """A session of a detention whose every fact carries a marker; the latest health check advises
    postponing, so leader A overrides (with a note); the volunteer and the court mediator take part."""
    detention = make_detention(**{field: f"{marker} 文本" for field, marker in MARKERS.items()})
    detainee_services.record_health_check(
        detention,
        external_ref="TJ-0001",
        checked_at=local(2026, 3, 3, 9, 0),
        conclusion="postpone",
        findings="MARK-HEALTH 血压偏高",
    )
    lead = make_lead(detention=detention)
    approve_plan(lead)
    return services.schedule_session(
        lead,
        mode="in_person",
        starts_at=SESSION_START,
        ends_at=SESSION_END,
        room=rooms["one"],
        staff=[
            services.StaffInput(volunteer_on_roster, conflict_declaration=DECLARATION),
            services.StaffInput(court_mediator),
        ],
        guests=[services.GuestInput(name="赵母", relation="母亲")],
        topic=TOPIC,
        override_note="MARK-OVERRIDE 体检暂缓，经所领导特批",
        acting_user=leader_a,
        now=BOOKED_AHEAD,
    )


@pytest.mark.parametrize("persona", ["volunteer", "court_mediator"])
def test_a_sealed_viewer_sees_the_logistics_and_no_detention_fact(request, client_for, sealed_session, persona):
    client = client_for(request.getfixturevalue(persona))

    listed = client.get(SESSIONS)
    detail = client.get(url(SESSIONS, sealed_session))

    assert ids(listed) == [sealed_session.pk]
    assert detail.status_code == 200
    data = detail.json()
    assert set(data) == SEALED_KEYS
    assert listed.json()["results"] == [data]
    assert data == {
        "id": sealed_session.pk,
        "starts_at": "2026-03-11T09:00:00+08:00",
        "ends_at": "2026-03-11T10:00:00+08:00",
        "mode": "in_person",
        "status": "scheduled",
        "room_name": "第一调解室",
        "person_name": "赵建军",
        "dispute": {"category": "court_enforcement", "summary": "拖欠货款 5 万元，法院已立案执行"},
        "participants": [
            {"name": "郑志愿", "capacity": "volunteer"},
            {"name": "陈调解", "capacity": "court_mediator"},
        ],
        "guests": [{"name": "赵母", "relation": "母亲"}],
    }
    text = body(listed, detail)
    for secret in [*MARKERS.values(), "MARK-HEALTH", "MARK-OVERRIDE", "MARK-TOPIC", "health", RELEASE[:10]]:
        assert secret not in text
    assert ADMISSION_DAY not in text


def test_centre_staff_get_the_full_record_of_the_same_session(client_for, officer_a, sealed_session):
    response = client_for(officer_a).get(url(SESSIONS, sealed_session))

    assert response.status_code == 200
    data = response.json()
    assert set(data) > SEALED_KEYS - {"room_name", "person_name"}
    text = body(response)
    for marker in [*MARKERS.values(), "MARK-OVERRIDE", "MARK-TOPIC", RELEASE]:
        assert marker in text
    assert data["detention"]["cell"] == "MARK-CELL 文本"
    assert (data["override_reasons"], data["override_by"]["username"]) == (["health"], "yy_leader")
    assert data["room"] == {"id": sealed_session.room_id, "name": "第一调解室"}
    assert [(p["name"], p["capacity"], p["organization"]) for p in data["participants"]] == [
        ("郑志愿", "volunteer", "余姚市拘留所"),
        ("陈调解", "court_mediator", "余姚市人民法院"),
    ]
    # The health findings themselves stay on the detention's health page, not in the API.
    assert "MARK-HEALTH" not in text


def test_centre_staff_see_their_centres_sessions_only(client_for, officer_a, leader_a, officer_b, session_booked):
    assert ids(client_for(officer_a).get(SESSIONS)) == [session_booked.pk]
    assert ids(client_for(leader_a).get(SESSIONS)) == [session_booked.pk]
    assert ids(client_for(officer_b).get(SESSIONS)) == []
    assert client_for(officer_b).get(url(SESSIONS, session_booked)).status_code == 404


def test_court_staff_see_the_video_sessions_with_their_court_in_full(
    client_for, court_staff, officer_a, other_person_lead, rooms, orgs, session_booked
):
    video = services.schedule_session(
        other_person_lead,
        mode="video",
        starts_at=SESSION_START,
        ends_at=SESSION_END,
        room=rooms["video"],
        court=orgs.court,
        acting_user=officer_a,
        now=BOOKED_AHEAD,
    )
    client = client_for(court_staff)

    assert ids(client.get(SESSIONS)) == [video.pk]
    data = client.get(url(SESSIONS, video)).json()
    assert data["court"]["code"] == "330281-FY"
    assert data["detention"] == {
        "kind": "administrative",
        "admitted_at": "2026-03-02T15:00:00+08:00",
        "scheduled_release_at": "2026-03-12T15:00:00+08:00",
        "released_at": None,
    }
    # An in-person session without anyone of the court is not theirs.
    assert client.get(url(SESSIONS, session_booked)).status_code == 404


def test_invited_people_see_only_the_sessions_they_were_invited_to(
    client_for, volunteer, lawyer, court_mediator, officer_a, session_booked, other_person_lead, rooms
):
    uninvited = services.schedule_session(
        other_person_lead,
        mode="in_person",
        starts_at=SESSION_START,
        ends_at=SESSION_END,
        room=rooms["two"],
        acting_user=officer_a,
        now=BOOKED_AHEAD,
    )

    assert ids(client_for(volunteer).get(SESSIONS)) == [session_booked.pk]
    assert client_for(volunteer).get(url(SESSIONS, uninvited)).status_code == 404
    for outsider in (lawyer, court_mediator):
        assert ids(client_for(outsider).get(SESSIONS)) == []
        assert client_for(outsider).get(url(SESSIONS, session_booked)).status_code == 404


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN])
def test_roles_without_sessions_get_403(request, client_for, session_booked, role):
    client = client_for(request.getfixturevalue(PERSONA_OF_ROLE[role]))

    responses = [client.get(SESSIONS), client.get(url(SESSIONS, session_booked))]

    assert [response.status_code for response in responses] == [403, 403]
    assert responses[0].json() == {"detail": "只有拘留所民警、所领导、法院工作人员和受邀参加调解的人员可以使用此接口"}


def test_the_session_list_filters_by_local_date_room_and_status(client_for, officer_a, ready_lead, rooms):
    def book(starts_at, room):
        return services.schedule_session(
            ready_lead,
            mode="in_person",
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=1),
            room=room,
            acting_user=officer_a,
            now=BOOKED_AHEAD,
        )

    tenth = book(local(2026, 3, 10, 14, 0), rooms["two"])
    # 00:30 in Shanghai is still the 10th in UTC: the filter goes by the local date.
    early = book(local(2026, 3, 11, 0, 30), rooms["one"])
    eleventh = book(SESSION_START, rooms["one"])
    services.cancel_session(tenth, reason="当事人未到", acting_user=officer_a)
    client = client_for(officer_a)

    assert ids(client.get(SESSIONS)) == [tenth.pk, early.pk, eleventh.pk]
    assert ids(client.get(SESSIONS, {"from": "2026-03-11"})) == [early.pk, eleventh.pk]
    assert ids(client.get(SESSIONS, {"to": "2026-03-10"})) == [tenth.pk]
    assert ids(client.get(SESSIONS, {"from": "2026-03-11", "to": "2026-03-11"})) == [early.pk, eleventh.pk]
    assert ids(client.get(SESSIONS, {"room": rooms["one"].pk})) == [early.pk, eleventh.pk]
    assert ids(client.get(SESSIONS, {"status": "cancelled"})) == [tenth.pk]
    assert ids(client.get(SESSIONS, {"status": "scheduled", "room": rooms["two"].pk})) == []
    for bad in ({"from": "11/03/2026"}, {"room": "one"}, {"status": "postponed"}):
        assert client.get(SESSIONS, bad).status_code == 400


# --- sessions: booking ------------------------------------------------------------------------------------


def session_payload(lead, room, **changes) -> dict:
    payload = {
        "lead": lead.pk,
        "mode": "in_person",
        "starts_at": "2026-03-11T09:00:00+08:00",
        "ends_at": "2026-03-11T10:00:00+08:00",
        "room": room.pk,
        "topic": "执行款分期履行",
    }
    payload.update(changes)
    return payload


def test_an_officer_books_a_session_with_participants_and_guests(
    client_for, officer_a, ready_lead, rooms, volunteer_on_roster
):
    payload = session_payload(
        ready_lead,
        rooms["one"],
        participants=[{"user": officer_a.pk}, {"user": volunteer_on_roster.pk, "conflict_declaration": DECLARATION}],
        guests=[{"name": "赵母", "relation": "母亲"}],
    )

    response = post(client_for(officer_a), SESSIONS, payload)

    assert response.status_code == 201, response.content
    session = MediationSession.objects.get()
    data = response.json()
    assert (data["id"], data["lead"], data["status"], data["starts_at"]) == (
        session.pk,
        ready_lead.pk,
        "scheduled",
        "2026-03-11T09:00:00+08:00",
    )
    assert (session.room, session.starts_at, session.ends_at, session.scheduled_by) == (
        rooms["one"],
        SESSION_START,
        SESSION_END,
        officer_a,
    )
    assert [(p.user, p.capacity, p.conflict_declaration) for p in session.participants.all()] == [
        (officer_a, "officer", ""),
        (volunteer_on_roster, "volunteer", DECLARATION),
    ]
    assert [guest["name"] for guest in data["guests"]] == ["赵母"]
    ready_lead.refresh_from_db()
    assert ready_lead.status == DisputeLead.Status.MEDIATING
    # The invited volunteer now sees it, sealed.
    assert set(client_for(volunteer_on_roster).get(url(SESSIONS, session)).json()) == SEALED_KEYS


def test_a_video_session_with_the_court_is_booked_in_utc_too(client_for, officer_a, ready_lead, rooms, orgs):
    payload = session_payload(
        ready_lead,
        rooms["video"],
        mode="video",
        court=orgs.court.pk,
        starts_at="2026-03-11T01:00:00Z",
        ends_at="2026-03-11T02:00:00+00:00",
    )

    response = post(client_for(officer_a), SESSIONS, payload)

    assert response.status_code == 201, response.content
    session = MediationSession.objects.get()
    assert (session.court, session.starts_at) == (orgs.court, SESSION_START)
    assert response.json()["court"] == {"id": orgs.court.pk, "code": "330281-FY", "name": "余姚市人民法院"}


def test_a_double_booked_room_is_409_and_nothing_is_saved(
    client_for, officer_a, session_booked, other_person_lead, rooms
):
    before = session_counts()

    response = post(client_for(officer_a), SESSIONS, session_payload(other_person_lead, rooms["one"]))

    assert response.status_code == 409
    assert response.json() == {"room": ["第一调解室 在 09:00–10:00 已被预约"]}
    assert session_counts() == before


def test_a_booking_that_loses_the_race_at_the_constraint_is_409_too(
    client_for, officer_a, session_booked, other_person_lead, rooms, monkeypatch
):
    # Two requests that both passed the pre-checks: the second is stopped by the exclusion constraint.
    monkeypatch.setattr(services.sessions, "_check_free", lambda *args, **kwargs: None)
    before = session_counts()

    response = post(client_for(officer_a), SESSIONS, session_payload(other_person_lead, rooms["one"]))

    assert response.status_code == 409
    assert response.json() == {"non_field_errors": ["该调解室在此时段已被预约"]}
    assert session_counts() == before


def test_a_double_booked_participant_or_person_is_409(client_for, officer_a, session_booked, other_person_lead, rooms):
    client = client_for(officer_a)
    before = session_counts()

    busy_officer = post(
        client,
        SESSIONS,
        session_payload(
            other_person_lead,
            rooms["two"],
            starts_at="2026-03-11T09:30:00+08:00",
            participants=[{"user": officer_a.pk}],
        ),
    )
    busy_person = post(client, SESSIONS, session_payload(session_booked.lead, rooms["two"]))

    assert (busy_officer.status_code, busy_person.status_code) == (409, 409)
    assert busy_officer.json() == {"participants": ["张明 在此时段已有其他调解安排"]}
    assert busy_person.json() == {"starts_at": ["被拘留人在此时段已有其他调解安排"]}
    assert session_counts() == before


def test_a_session_after_release_needs_a_leaders_override(client_for, officer_a, leader_a, ready_lead, rooms):
    ends_at = AFTER_RELEASE + timedelta(hours=1)
    late = session_payload(ready_lead, rooms["one"], starts_at=AFTER_RELEASE.isoformat(), ends_at=ends_at.isoformat())

    by_officer = post(client_for(officer_a), SESSIONS, late)
    without_note = post(client_for(leader_a), SESSIONS, late)

    assert (by_officer.status_code, without_note.status_code) == (400, 400)
    assert by_officer.json() == {"non_field_errors": ["调解时间晚于出所时间：需由所领导特批后安排"]}
    assert without_note.json() == {"override_note": ["调解时间晚于出所时间：请填写特批说明"]}
    assert session_counts() == (0, 0, 0)

    granted = post(client_for(leader_a), SESSIONS, {**late, "override_note": "家属当日方能到所"})

    assert granted.status_code == 201, granted.content
    assert (granted.json()["override_reasons"], granted.json()["override_note"]) == (
        ["after_release"],
        "家属当日方能到所",
    )


def test_a_lead_without_an_approved_plan_cannot_be_booked(client_for, officer_a, make_lead, rooms):
    response = post(client_for(officer_a), SESSIONS, session_payload(make_lead(), rooms["one"]))

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["一人一策方案经所领导批准后才能安排调解"]}
    assert session_counts() == (0, 0, 0)


@pytest.mark.parametrize(
    "changes, errors",
    [
        (
            {"starts_at": "2026-03-11T09:00:00"},
            {"starts_at": ["请填写带时区偏移的时间，如 2026-03-11T09:00:00+08:00"]},
        ),
        (
            {"starts_at": "2026-03-01T09:00:00+08:00", "ends_at": "2026-03-01T10:00:00+08:00"},
            {"starts_at": ["调解时间早于入所时间"]},
        ),
        ({"ends_at": "2026-03-11T08:00:00+08:00"}, {"ends_at": ["结束时间必须晚于开始时间"]}),
        ({"mode": "video"}, {"room": ["远程视频调解请选择远程视频调解室"], "court": ["远程视频调解请选择连线法院"]}),
        ({"mode": "letter"}, {"mode": ["“letter” 不是合法选项。"]}),
        ({"participants": [{"user": 10**6}]}, {"participants": ["用户 1000000 不存在"]}),
    ],
)
def test_bad_session_data_is_refused_with_chinese_messages_and_nothing_is_saved(
    client_for, officer_a, ready_lead, rooms, changes, errors
):
    response = post(client_for(officer_a), SESSIONS, session_payload(ready_lead, rooms["one"], **changes))

    assert response.status_code == 400
    assert response.json() == errors
    assert session_counts() == (0, 0, 0)


def test_participants_and_rooms_the_service_refuses_are_named(
    client_for, officer_a, officer_b, ready_lead, rooms, volunteer_on_roster
):
    client = client_for(officer_a)

    no_declaration = session_payload(ready_lead, rooms["one"], participants=[{"user": volunteer_on_roster.pk}])
    foreign_officer = session_payload(ready_lead, rooms["one"], participants=[{"user": officer_b.pk}])
    foreign_room = session_payload(ready_lead, rooms["b"])
    responses = [post(client, SESSIONS, payload) for payload in (no_declaration, foreign_officer, foreign_room)]

    assert [response.status_code for response in responses] == [400, 400, 400]
    assert [response.json() for response in responses] == [
        {"participants": ["请为社会监督员 郑志愿 填写利益冲突声明"]},
        # Another centre's officer answers like an id that does not exist: nothing of them is named.
        {"participants": [f"用户 {officer_b.pk} 不存在"]},
        {"room": [f"调解室 {rooms['b'].pk} 不存在"]},
    ]
    assert session_counts() == (0, 0, 0)


def test_another_centres_officer_answers_like_a_user_that_does_not_exist(
    client_for, officer_a, officer_b, leader_b, ready_lead, rooms
):
    """A refusal names nothing of another centre (DESIGN.md §5): a user id of another centre's staff
    gets the same words as an id that exists nowhere, and neither name appears."""
    client = client_for(officer_a)
    missing = max(officer_b.pk, leader_b.pk) + 1000

    answers = [
        post(client, SESSIONS, session_payload(ready_lead, rooms["one"], participants=[{"user": pk}]))
        for pk in (officer_b.pk, leader_b.pk, missing)
    ]

    assert [answer.status_code for answer in answers] == [400, 400, 400]
    assert [answer.json() for answer in answers] == [
        {"participants": [f"用户 {pk} 不存在"]} for pk in (officer_b.pk, leader_b.pk, missing)
    ]
    assert str(officer_b) not in answers[0].content.decode() and str(leader_b) not in answers[1].content.decode()
    assert session_counts() == (0, 0, 0)


def test_a_session_for_another_centres_lead_answers_like_a_missing_one(client_for, officer_b, ready_lead, rooms):
    response = post(client_for(officer_b), SESSIONS, session_payload(ready_lead, rooms["b"]))

    assert response.status_code == 400
    assert response.json() == {"lead": [f"矛盾线索 {ready_lead.pk} 不存在"]}
    assert session_counts() == (0, 0, 0)


@pytest.mark.parametrize("persona", ["volunteer_on_roster", "court_mediator", "lawyer", "court_staff"])
def test_only_centre_staff_book_sessions(request, client_for, ready_lead, rooms, persona):
    client = client_for(request.getfixturevalue(persona))

    response = post(client, SESSIONS, session_payload(ready_lead, rooms["one"]))

    assert response.status_code == 403
    assert response.json() == {"detail": "只有拘留所民警和所领导可以安排调解"}
    assert session_counts() == (0, 0, 0)


# --- sessions: query counts -------------------------------------------------------------------------------


def book_sessions(lead, room, count: int, *, start: int, staff, acting_user) -> None:
    """`count` back-to-back hour-long sessions from 2026-03-10 10:00, an hour after the frozen now (a
    session already over is recorded, not booked), up to 2026-03-12 12:00 for 50, before the release at
    15:00; each with the given staff and one guest."""
    for index in range(start, start + count):
        starts_at = local(2026, 3, 10, 10, 0) + timedelta(hours=index)
        services.schedule_session(
            lead,
            mode="in_person",
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=1),
            room=room,
            staff=[services.StaffInput(user) for user in staff],
            guests=[services.GuestInput(name="赵母", relation="母亲")],
            acting_user=acting_user,
            now=BOOKED_AHEAD,
        )


# Session, user, membership, the page, participants, guests.
SESSION_LIST_QUERIES = 6


@pytest.mark.parametrize("viewer", ["officer_a", "court_mediator", "court_staff"])
def test_the_session_list_costs_the_same_queries_for_5_and_50_sessions(
    request, client_for, officer_a, court_mediator, ready_lead, rooms, django_assert_num_queries, viewer
):
    client = client_for(request.getfixturevalue(viewer))
    staff = [officer_a, court_mediator]
    book_sessions(ready_lead, rooms["one"], 5, start=0, staff=staff, acting_user=officer_a)

    with django_assert_num_queries(SESSION_LIST_QUERIES):
        five = client.get(SESSIONS)
    book_sessions(ready_lead, rooms["one"], 45, start=5, staff=staff, acting_user=officer_a)
    with django_assert_num_queries(SESSION_LIST_QUERIES):
        fifty = client.get(SESSIONS)

    assert (len(five.json()["results"]), len(fifty.json()["results"])) == (5, 50)
    rows = fifty.json()["results"]
    assert all(len(row["participants"]) == 2 and len(row["guests"]) == 1 for row in rows)
    assert all(("detention" in row) == (viewer != "court_mediator") for row in rows)


# --- the OpenAPI document ----------------------------------------------------------------------------------


def test_the_schema_describes_the_lead_and_session_endpoints(anonymous_client):
    document = anonymous_client.get("/api/schema/", {"format": "json"}).json()

    paths = document["paths"]
    assert (set(paths[LEADS]), set(paths["/api/v1/leads/{id}/"])) == ({"get", "post"}, {"get"})
    assert (set(paths[SESSIONS]), set(paths["/api/v1/sessions/{id}/"])) == ({"get", "post"}, {"get"})
    parameters = {parameter["name"] for parameter in paths[LEADS]["get"]["parameters"]}
    assert parameters == {"cursor", "status", "category", "detention", "open"}
    parameters = {parameter["name"] for parameter in paths[SESSIONS]["get"]["parameters"]}
    assert parameters == {"cursor", "from", "to", "room", "status"}
    assert set(paths[SESSIONS]["post"]["responses"]) == {"201", "400", "409"}
    schemas = document["components"]["schemas"]
    assert set(schemas["SealedSession"]["properties"]) == SEALED_KEYS
    assert schemas["SessionView"] == {
        "oneOf": [
            {"$ref": "#/components/schemas/Session"},
            {"$ref": "#/components/schemas/CourtSession"},
            {"$ref": "#/components/schemas/SealedSession"},
        ]
    }
    assert set(schemas["CourtDetention"]["properties"]) == {
        "kind",
        "admitted_at",
        "scheduled_release_at",
        "released_at",
    }
    assert not {"override_note", "override_reasons", "override_by"} & set(schemas["CourtSession"]["properties"])
    assert "phone" not in schemas["LeadParty"]["properties"]


def test_the_schema_generates_without_warnings_and_validates():
    GENERATOR_STATS.reset()

    schema = SchemaGenerator().get_schema(request=None, public=True)

    assert not GENERATOR_STATS, (dict(GENERATOR_STATS._warn_cache), dict(GENERATOR_STATS._error_cache))
    validate_schema(schema)
