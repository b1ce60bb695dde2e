"""Dispute leads move only along DisputeLead.TRANSITIONS; each move is recorded for the timeline."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from disputes import services
from disputes.models import DisputeLead, LeadParty, LeadTransition

pytestmark = pytest.mark.django_db

S = DisputeLead.Status
PATHS = {
    S.OPEN: [S.PLANNING, S.WITHDRAWN],
    S.PLANNING: [S.MEDIATING, S.WITHDRAWN],
    S.MEDIATING: [S.RESOLVED, S.PARTLY_RESOLVED, S.UNRESOLVED, S.WITHDRAWN],
}
# How to reach each state from open.
ROUTE = {
    S.OPEN: [],
    S.PLANNING: [S.PLANNING],
    S.MEDIATING: [S.PLANNING, S.MEDIATING],
    S.RESOLVED: [S.PLANNING, S.MEDIATING, S.RESOLVED],
    S.PARTLY_RESOLVED: [S.PLANNING, S.MEDIATING, S.PARTLY_RESOLVED],
    S.UNRESOLVED: [S.PLANNING, S.MEDIATING, S.UNRESOLVED],
    S.WITHDRAWN: [S.WITHDRAWN],
}


@pytest.fixture
def lead_in(make_detention, officer_a):
    def make(status: str) -> DisputeLead:
        lead = services.open_lead(
            make_detention(),
            category=DisputeLead.Category.DEBT,
            summary="欠款 3 万元未还",
            parties=[services.PartyInput(side=LeadParty.Side.COUNTERPARTY, name="钱某", phone="13900001111")],
            amount_at_stake=Decimal("30000"),
            acting_user=officer_a,
        )
        for step in ROUTE[status]:
            lead = services.move_lead(lead, step, acting_user=officer_a)
        return lead

    return make


@pytest.mark.parametrize("start, target", [(start, target) for start, targets in PATHS.items() for target in targets])
def test_it_makes_every_allowed_transition_and_records_it(lead_in, officer_a, start, target):
    lead = services.move_lead(lead_in(start), target, acting_user=officer_a, note="说明")

    assert lead.status == target
    last = LeadTransition.objects.filter(lead=lead).last()
    assert (last.from_status, last.to_status, last.acting_user, last.note) == (start, target, officer_a, "说明")
    assert (lead.closed_at is not None) == (target in DisputeLead.CLOSED)


@pytest.mark.parametrize(
    "start, target",
    [
        (start, target)
        for start in S.values
        for target in S.values
        if target != start and target not in PATHS.get(start, [])
    ],
)
def test_it_refuses_every_other_transition_and_changes_nothing(lead_in, officer_a, start, target):
    lead = lead_in(start)
    recorded = LeadTransition.objects.filter(lead=lead).count()

    with pytest.raises(ValidationError, match="线索不能从"):
        services.move_lead(lead, target, acting_user=officer_a)

    lead.refresh_from_db()
    assert lead.status == start
    assert LeadTransition.objects.filter(lead=lead).count() == recorded


def test_it_treats_a_repeated_move_as_done(lead_in, officer_a):
    lead = lead_in(S.PLANNING)

    services.move_lead(lead, S.PLANNING, acting_user=officer_a)

    assert LeadTransition.objects.filter(lead=lead, to_status=S.PLANNING).count() == 1


def test_it_refuses_a_negative_amount_and_saves_nothing(make_detention, officer_a):
    detention = make_detention()

    with pytest.raises(ValidationError):
        services.open_lead(
            detention, category="debt", summary="x", amount_at_stake=Decimal("-1"), acting_user=officer_a
        )

    assert DisputeLead.objects.count() == 0


def test_it_stores_party_phone_numbers_encrypted(lead_in):
    lead = lead_in(S.OPEN)

    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM disputes_leadparty WHERE lead_id = %s", [lead.pk])
        (stored,) = cursor.fetchone()
    assert "13900001111" not in stored
    assert lead.parties.get().phone == "13900001111"
