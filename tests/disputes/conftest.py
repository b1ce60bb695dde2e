"""Fixtures of the disputes tests. Shared by several test modules: add fixtures, do not change them.

The detention of make_detention: admitted 2026-03-02 15:00 for 10 days, scheduled release 2026-03-12
15:00 (Asia/Shanghai). SESSION_START is a Wednesday morning inside that custody.
"""

from __future__ import annotations

from datetime import time, timedelta
from decimal import Decimal

import pytest

from accounts.models import Role
from disputes import services
from disputes.models import DisputeLead, LeadParty, ResolutionPlan, Room
from tests.conftest import make_person
from tests.detainees import conftest as detainee_fixtures
from tests.detainees.conftest import FIXED_NOW, ID_WOMAN, local

# Detentions are made the way the detainees tests make them.
make_detention = detainee_fixtures.make_detention

SESSION_START = local(2026, 3, 11, 9, 0)  # a Wednesday
SESSION_END = SESSION_START + timedelta(hours=1)
AFTER_RELEASE = local(2026, 3, 12, 16, 0)
# When the tests' sessions are booked (schedule_session's `now`): early in make_detention's custody,
# before every session the tests book, so none is one entered after the fact (which needs a leader's
# override) whatever the real date. Not a date of the detention record (the sealed views look for those).
BOOKED_AHEAD = local(2026, 3, 4, 8, 0)


@pytest.fixture
def rooms(orgs, leader_a, leader_b) -> dict[str, Room]:
    """The demo centre's rooms: two mediation rooms (the second also for family meetings) and the
    remote video room to the court; centre B has one room of its own. Each centre's leader sets up
    its rooms."""
    make = services.save_room
    return {
        "one": make(orgs.centre_a, name="第一调解室", kind=Room.Kind.MEDIATION, acting_user=leader_a),
        "two": make(
            orgs.centre_a, name="第二调解室", kind=Room.Kind.MEDIATION, for_family_meetings=True, acting_user=leader_a
        ),
        "video": make(orgs.centre_a, name="远程视频调解室", kind=Room.Kind.VIDEO, acting_user=leader_a),
        "b": make(orgs.centre_b, name="慈溪调解室", kind=Room.Kind.MEDIATION, acting_user=leader_b),
    }


@pytest.fixture
def make_lead(make_detention, officer_a):
    """make_lead(detention=None, **open_lead kwargs) -> an open lead, made through services.open_lead
    by officer A (pass acting_user for a detention of another centre)."""

    def make(detention=None, **fields) -> DisputeLead:
        fields.setdefault("category", DisputeLead.Category.COURT_ENFORCEMENT)
        fields.setdefault("summary", "拖欠货款 5 万元，法院已立案执行")
        fields.setdefault("amount_at_stake", Decimal("50000"))
        fields.setdefault("court_case_number", "（2026）浙0281执123号")
        fields.setdefault(
            "parties",
            [services.PartyInput(side=LeadParty.Side.COUNTERPARTY, name="宁波某建材公司", phone="13900001111")],
        )
        fields.setdefault("acting_user", officer_a)
        return services.open_lead(detention or make_detention(), **fields)

    return make


@pytest.fixture
def approve_plan(officer_a, leader_a, orgs):
    """approve_plan(lead) -> the lead's plan, submitted by officer A and approved by leader A."""

    def approve(lead: DisputeLead) -> ResolutionPlan:
        plan = services.save_plan(
            lead,
            analysis="被执行人有还款意愿，但一次性支付困难",
            strategy="联系执行法官，促成分期履行的执行和解",
            methods=[ResolutionPlan.Method.LEGAL_EXPLANATION, ResolutionPlan.Method.JOINT_MEDIATION],
            agencies_needed=[orgs.enforcement_bureau],
            acting_user=officer_a,
        )
        return services.review_plan(plan, approve=True, comment="同意", acting_user=leader_a)

    return approve


@pytest.fixture
def ready_lead(make_lead, approve_plan) -> DisputeLead:
    """A lead whose plan is approved: ready for a session."""
    lead = make_lead()
    approve_plan(lead)
    lead.refresh_from_db()
    return lead


@pytest.fixture
def volunteer_on_roster(volunteer, orgs, leader_a):
    """The volunteer persona on centre A's roster: weekdays 08:30-17:30, undertaking signed."""
    services.enrol_volunteer(
        orgs.centre_a,
        user=volunteer,
        qualification="lawyer",
        certificate_number="13302201010000001",
        available_weekdays=[1, 2, 3, 4, 5],
        available_from=time(8, 30),
        available_until=time(17, 30),
        confidentiality_signed_on=FIXED_NOW.date(),
        acting_user=leader_a,
    )
    return volunteer


@pytest.fixture
def officer_a2(orgs):
    """A second officer of centre A."""
    return make_person("yy_officer2", "刘强", orgs.centre_a, Role.OFFICER)


@pytest.fixture
def session_booked(ready_lead, rooms, officer_a, volunteer_on_roster, leader_a):
    """A session in room one, SESSION_START for an hour, with officer A and the volunteer."""
    return services.schedule_session(
        ready_lead,
        mode="in_person",
        starts_at=SESSION_START,
        ends_at=SESSION_END,
        room=rooms["one"],
        staff=[
            services.StaffInput(officer_a),
            services.StaffInput(volunteer_on_roster, conflict_declaration="本人与双方当事人无利害关系"),
        ],
        guests=[services.GuestInput(name="赵母", relation="母亲")],
        topic="执行款分期履行",
        acting_user=officer_a,
        now=BOOKED_AHEAD,
    )


__all__ = ["ID_WOMAN", "FIXED_NOW", "local", "make_detention"]
