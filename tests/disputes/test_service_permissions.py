"""The services check who acts, not only the views: a command, a task or a new page calling them as
someone from elsewhere is refused (PermissionDenied, a 403 on a page) and nothing is written."""

from __future__ import annotations

from datetime import date, time

import pytest
from django.core.exceptions import PermissionDenied

from accounts.models import Role
from accounts.services import create_organization
from disputes import services
from disputes.models import DisputeLead, LeadParty, ResolutionPlan, Room
from tests.conftest import make_person
from tests.disputes import test_agreement_pdf as shared
from tests.disputes.conftest import BOOKED_AHEAD, SESSION_END, SESSION_START

pytestmark = pytest.mark.django_db

# Fixtures shared with test_agreement_pdf.py.
agreement = shared.agreement
pdf_storage = shared.pdf_storage
queued_renders = shared.queued_renders
resolved_lead = shared.resolved_lead


def test_an_officer_of_another_centre_writes_nothing_on_a_lead(ready_lead, officer_b):
    party = ready_lead.parties.first()
    attempts = [
        lambda: services.save_plan(
            ready_lead, analysis="x", strategy="y", methods=["listening"], acting_user=officer_b
        ),
        lambda: services.update_lead(
            ready_lead,
            category=ready_lead.category,
            summary="改",
            amount_at_stake=None,
            court_case_number="",
            source=ready_lead.source,
            risk_level=ready_lead.risk_level,
            assigned_officer=None,
            acting_user=officer_b,
        ),
        lambda: services.add_party(ready_lead, services.PartyInput(side="party", name="赵母"), acting_user=officer_b),
        lambda: services.remove_party(party, acting_user=officer_b),
        lambda: services.schedule_session(
            ready_lead,
            mode="phone",
            starts_at=SESSION_START,
            ends_at=SESSION_END,
            acting_user=officer_b,
            now=BOOKED_AHEAD,
        ),
        lambda: services.record_outcome(
            ready_lead, status="withdrawn", outcome=services.OutcomeInput(summary="撤回"), acting_user=officer_b
        ),
        lambda: services.open_lead(ready_lead.detention, category="debt", summary="新线索", acting_user=officer_b),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied, match="只有本所民警可以办理"):
            attempt()

    ready_lead.refresh_from_db()
    assert ready_lead.status == "planning"
    assert ready_lead.summary != "改"
    assert ResolutionPlan.objects.get(lead=ready_lead).status == "approved"
    assert LeadParty.objects.filter(lead=ready_lead).count() == 1
    assert not ready_lead.sessions.exists()
    assert DisputeLead.objects.count() == 1


def test_only_a_leader_of_the_centre_reviews_a_plan(make_lead, officer_a, leader_b):
    plan = services.save_plan(make_lead(), analysis="x", strategy="y", methods=["listening"], acting_user=officer_a)

    for user in (officer_a, leader_b):
        with pytest.raises(PermissionDenied, match="只有本所所领导可以办理"):
            services.review_plan(plan, approve=True, acting_user=user)

    plan.refresh_from_db()
    assert plan.status == ResolutionPlan.Status.SUBMITTED


def test_a_session_is_changed_only_by_its_centre(session_booked, officer_b, court_staff):
    for user in (officer_b, court_staff):
        with pytest.raises(PermissionDenied):
            services.cancel_session(session_booked, reason="不来了", acting_user=user)
        with pytest.raises(PermissionDenied):
            services.record_session_result(session_booked, minutes="笔录", result="agreed", acting_user=user)

    session_booked.refresh_from_db()
    assert session_booked.status == "scheduled"


def test_only_a_leader_of_the_centre_manages_rooms_and_the_roster(orgs, officer_a, leader_b, volunteer):
    for user in (officer_a, leader_b):
        with pytest.raises(PermissionDenied):
            services.save_room(orgs.centre_a, name="第三调解室", kind=Room.Kind.MEDIATION, acting_user=user)
        with pytest.raises(PermissionDenied):
            services.enrol_volunteer(
                orgs.centre_a,
                user=volunteer,
                qualification="lawyer",
                available_weekdays=[1],
                available_from=time(9),
                available_until=time(12),
                confidentiality_signed_on=date(2026, 3, 1),
                acting_user=user,
            )

    assert not Room.objects.exists()


def test_only_staff_of_the_court_asked_answer_a_confirmation(agreement, officer_a, court_staff, orgs):
    requested = services.request_judicial_confirmation(agreement, court=orgs.court, acting_user=officer_a)
    cixi_court = create_organization(
        name="慈溪市人民法院", kind="court", code="330282-FY", region_code="330282", parent=orgs.cixi
    )
    other_judge = make_person("cx_judge", "慈溪法官", cixi_court, Role.COURT_STAFF)

    for user in (officer_a, other_judge):
        with pytest.raises(PermissionDenied, match="只有受理法院的工作人员可以答复"):
            services.decide_judicial_confirmation(requested, confirm=True, acting_user=user)

    requested.refresh_from_db()
    assert requested.status == "requested"
