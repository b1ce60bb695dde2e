"""What court staff see of a session addressed to their court (DESIGN.md §5): the session and the detention
facts needed for the case (kind, admission, release), on the page and in the API alike, from the one
whitelist of yaoyao_mediation.disclosure; never the decision, the offence, the handling unit, the cell, health
data or the leader's override. Marker strings are planted in each; the centre's staff, who see them,
show that the tests can fail."""

from __future__ import annotations

from dataclasses import fields

import pytest
import time_machine

from detainees import services as detainee_services
from disputes import services
from yaoyao_mediation.disclosure import DETENTION, Audience, DetentionFacts

from .conftest import BOOKED_AHEAD, FIXED_NOW, SESSION_END, SESSION_START, local

COURT_DETENTION_FIELDS = DETENTION[Audience.COURT]

pytestmark = pytest.mark.django_db

MARKERS = {
    "decision_number": "余公（治）决字〔2026〕CV-DECISION-4417号",
    "reason": "CV-REASON-寻衅滋事",
    "cell": "CV-CELL-2-08",
    "handling_unit": "CV-UNIT-凤山派出所",
}
HEALTH_MARKER = "CV-HEALTH-心律不齐"
OVERRIDE_NOTE = "CV-OVERRIDE 体检暂缓，经所领导特批"
SECRETS = ["CV-DECISION-4417", "CV-REASON", "CV-CELL", "CV-UNIT", "CV-HEALTH", "CV-OVERRIDE"]
TOPIC = "CV-TOPIC 执行和解"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(FIXED_NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def court_session(make_detention, make_lead, approve_plan, rooms, leader_a, orgs):
    """A video session with the county court for a detention whose every fact carries a marker; the
    health check advises postponing, so leader A overrides with a note."""
    detention = make_detention(**MARKERS)
    detainee_services.record_health_check(
        detention,
        external_ref="TJ-CV",
        checked_at=local(2026, 3, 3, 9, 0),
        conclusion="postpone",
        findings=HEALTH_MARKER,
    )
    lead = make_lead(detention=detention)
    approve_plan(lead)
    return services.schedule_session(
        lead,
        mode="video",
        starts_at=SESSION_START,
        ends_at=SESSION_END,
        room=rooms["video"],
        court=orgs.court,
        topic=TOPIC,
        override_note=OVERRIDE_NOTE,
        acting_user=leader_a,
        now=BOOKED_AHEAD,
    )


def api_url(session) -> str:
    return f"/api/v1/sessions/{session.pk}/"


def page_url(session) -> str:
    return f"/disputes/sessions/{session.pk}/"


def leaked(text: str) -> list[str]:
    return [secret for secret in SECRETS if secret in text]


def test_the_page_facts_are_exactly_the_courts_whitelist():
    assert {f.name for f in fields(DetentionFacts)} == {*COURT_DETENTION_FIELDS, "kind_label"}
    assert COURT_DETENTION_FIELDS == ("kind", "admitted_at", "scheduled_release_at", "released_at")


# --- the API ---------------------------------------------------------------------------------------


def test_court_staff_get_the_session_with_only_the_custody_dates_and_no_override(
    court_session, court_staff, client_for
):
    client = client_for(court_staff)

    detail = client.get(api_url(court_session))
    listed = client.get("/api/v1/sessions/")

    assert detail.status_code == 200
    data = detail.json()
    assert listed.json()["results"] == [data]
    assert data["detention"] == {
        "kind": "administrative",
        "admitted_at": "2026-03-02T15:00:00+08:00",
        "scheduled_release_at": "2026-03-12T15:00:00+08:00",
        "released_at": None,
    }
    assert not {"override_reasons", "override_by", "override_note"} & set(data)
    assert (data["court"]["name"], data["topic"]) == ("余姚市人民法院", TOPIC)
    text = detail.content.decode() + listed.content.decode()
    assert leaked(text) == []


def test_centre_staff_get_the_whole_record_of_the_same_session(court_session, officer_a, client_for):
    response = client_for(officer_a).get(api_url(court_session))

    data = response.json()
    assert data["detention"]["decision_number"] == MARKERS["decision_number"]
    assert (data["detention"]["reason"], data["detention"]["cell"]) == (MARKERS["reason"], MARKERS["cell"])
    assert (data["override_note"], data["override_reasons"]) == (OVERRIDE_NOTE, ["health"])
    assert data["override_by"]["username"] == "yy_leader"
    # Health findings stay on the detention's health page, for everyone.
    assert leaked(response.content.decode()) == ["CV-DECISION-4417", "CV-REASON", "CV-CELL", "CV-UNIT", "CV-OVERRIDE"]


# --- the page --------------------------------------------------------------------------------------


def test_court_staff_read_the_session_page_without_the_record_or_the_override(court_session, court_staff, client_for):
    response = client_for(court_staff).get(page_url(court_session))

    page = response.content.decode()
    assert response.status_code == 200
    assert "余姚市人民法院" in page and "CV-TOPIC" in page and "赵建军" in page
    # The custody the court needs for the case: its kind, admission and scheduled release.
    assert "行政拘留" in page and "2026-03-02 15:00" in page and "2026-03-12 15:00" in page
    assert leaked(page) == []
    assert "所领导特批" not in page and "特批" not in page and "王建国" not in page


def test_centre_staff_see_the_override_on_the_same_page(court_session, officer_a, client_for):
    page = client_for(officer_a).get(page_url(court_session)).content.decode()

    assert "所领导特批" in page and OVERRIDE_NOTE in page and "王建国" in page
    # The page shows the same detention facts as the court's; the rest is on the detention's own page.
    assert "2026-03-02 15:00" in page and "2026-03-12 15:00" in page
    assert "CV-CELL" not in page
