"""The sealed view of a session (DESIGN.md §5): volunteers and the court mediator see the time, the place,
the person's name and the dispute, never the detention record. Marker strings are planted in every
field of the record; none may reach their pages, while the same markers do reach the centre's."""

from __future__ import annotations

import pytest
import time_machine

from accounts.models import Role
from detainees import services as detainee_services
from disputes import services
from tests.conftest import make_person

from .conftest import BOOKED_AHEAD, FIXED_NOW, SESSION_END, SESSION_START, local

pytestmark = pytest.mark.django_db

DECLARATION = "本人与双方当事人无利害关系"
VOLUNTEER_DECLARATION = "志愿者声明：与双方无亲属关系"

MARKERS = {
    "decision_number": "MARK-DECISION-7731",
    "reason": "MARK-REASON-殴打他人",
    "cell": "MARK-CELL-3-12",
    "handling_unit": "MARK-UNIT-梨洲派出所",
    "external_ref": "MARK-EXTREF-JLS0042",
}
HEALTH_MARKER = "MARK-HEALTH-高血压三级"
# Dates of the detention record: admitted 2026-03-02, scheduled release 2026-03-12.
RECORD_DATES = ["2026-03-02", "2026-03-12", "03-12"]


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(FIXED_NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def sealed_session(make_detention, make_lead, approve_plan, rooms, officer_a, volunteer_on_roster, court_mediator):
    detention = make_detention(**MARKERS)
    detainee_services.record_health_check(
        detention,
        external_ref="TJ-MARK",
        checked_at=local(2026, 3, 2, 17, 0),
        conclusion="suitable",
        findings=HEALTH_MARKER,
        history=HEALTH_MARKER,
        mental_state=HEALTH_MARKER,
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
            services.StaffInput(officer_a),
            services.StaffInput(volunteer_on_roster, conflict_declaration=VOLUNTEER_DECLARATION),
            services.StaffInput(court_mediator),
        ],
        guests=[services.GuestInput(name="赵母", relation="母亲")],
        topic="执行款分期履行",
        acting_user=officer_a,
        now=BOOKED_AHEAD,
    )


def assert_sealed(page: str) -> None:
    leaked = [marker for marker in [*MARKERS.values(), HEALTH_MARKER, *RECORD_DATES] if marker in page]
    assert leaked == []
    for word in ["决定书", "拘留事由", "监室", "办案单位", "体检", "出所", "被拘留"]:
        assert word not in page, word


def test_the_markers_are_on_the_centres_pages(sealed_session, officer_a, client_for):
    """So that the sealed tests below can fail: the record does hold the markers."""
    client = client_for(officer_a)
    detention = sealed_session.lead.detention

    page = client.get(f"/detainees/{detention.pk}/").content.decode()
    health = client.get(f"/detainees/{detention.pk}/health/").content.decode()
    session_page = client.get(f"/disputes/sessions/{sealed_session.pk}/").content.decode()

    assert all(marker in page for marker in MARKERS.values())
    assert HEALTH_MARKER in health
    assert "2026-03-12" in session_page  # the centre's session page shows the release date


@pytest.mark.parametrize("persona", ["volunteer_on_roster", "court_mediator"])
def test_a_sealed_viewer_sees_the_logistics_the_person_and_the_dispute_and_nothing_of_the_record(
    request, sealed_session, client_for, persona
):
    response = client_for(request.getfixturevalue(persona)).get(f"/disputes/sessions/{sealed_session.pk}/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "2026-03-11 09:00" in page and "第一调解室" in page
    assert "赵建军" in page
    assert "法院执行" in page and "拖欠货款 5 万元" in page
    assert "张明" in page and "赵母" in page
    # Volunteers declare no conflict of interest and see their own declaration; nobody sees another's.
    assert (VOLUNTEER_DECLARATION in page) == (persona == "volunteer_on_roster")
    assert {"volunteer_on_roster": "陈调解", "court_mediator": "郑志愿"}[persona] in page  # the other one
    assert_sealed(page)


@pytest.mark.parametrize("persona", ["volunteer_on_roster", "court_mediator"])
def test_a_sealed_viewers_list_and_dashboard_carry_nothing_of_the_record(request, sealed_session, client_for, persona):
    user = request.getfixturevalue(persona)
    client = client_for(user)

    listing = client.get("/disputes/sessions/")
    dashboard = client.get(f"/dashboard/{Role.VOLUNTEER if persona == 'volunteer_on_roster' else Role.COURT_MEDIATOR}/")

    assert listing.context["sessions"] == [sealed_session]
    for page in [listing.content.decode(), dashboard.content.decode()]:
        assert "赵建军" in page and f"/disputes/sessions/{sealed_session.pk}/" in page
        assert_sealed(page)
        assert "执行款分期履行" not in page  # the officers' topic is not on the sealed lists


def test_a_volunteer_not_invited_to_the_session_gets_404(sealed_session, orgs, client_for):
    stranger = make_person("yy_volunteer2", "钱志愿", orgs.centre_a, Role.VOLUNTEER)
    client = client_for(stranger)

    assert client.get(f"/disputes/sessions/{sealed_session.pk}/").status_code == 404
    assert client.get("/disputes/sessions/").context["sessions"] == []


def test_a_court_mediator_not_invited_gets_404(ready_lead, rooms, officer_a, court_mediator, client_for):
    session = services.schedule_session(
        ready_lead,
        mode="in_person",
        starts_at=SESSION_START,
        ends_at=SESSION_END,
        room=rooms["one"],
        acting_user=officer_a,
        now=BOOKED_AHEAD,
    )

    assert client_for(court_mediator).get(f"/disputes/sessions/{session.pk}/").status_code == 404


def test_agency_staff_invited_to_a_session_see_it_sealed(ready_lead, rooms, officer_a, justice_clerk, client_for):
    session = services.schedule_session(
        ready_lead,
        mode="in_person",
        starts_at=SESSION_START,
        ends_at=SESSION_END,
        room=rooms["one"],
        staff=[services.StaffInput(justice_clerk)],
        acting_user=officer_a,
        now=BOOKED_AHEAD,
    )

    response = client_for(justice_clerk).get(f"/disputes/sessions/{session.pk}/")

    assert response.status_code == 200
    assert response.templates[0].name == "disputes/session_sealed.html"
    assert_sealed(response.content.decode())
