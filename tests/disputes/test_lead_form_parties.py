"""The new-lead form's parties (issue 11): the section says they may be left out, and the service takes
a lead without parties, so no field of a party row is marked required; a row with a name needs its side."""

from __future__ import annotations

import re

import pytest

from disputes.models import DisputeLead

pytestmark = pytest.mark.django_db

LEAD = {
    "category": DisputeLead.Category.COURT_ENFORCEMENT,
    "summary": "拖欠货款 5 万元，法院已立案执行",
    "source": DisputeLead.Source.INTAKE_SCREENING,
    "risk_level": DisputeLead.RiskLevel.LOW,
}


def label_of(page: str, field_id: str) -> str:
    return re.search(rf'<label for="{field_id}">(.*?)</label>', page).group(1)


def test_no_party_field_is_marked_required_in_the_section_that_may_be_left_out(make_detention, officer_a, client_for):
    page = client_for(officer_a).get(f"/disputes/new/{make_detention().pk}/").content.decode()

    assert "可不填" in page
    for slot in (1, 2, 3):
        for part in ("side", "name", "relation", "phone", "address"):
            assert 'class="required"' not in label_of(page, f"id_party_{slot}_{part}"), (slot, part)
    assert 'class="required"' in label_of(page, "id_summary")  # the lead's own required fields keep theirs


def test_a_lead_is_registered_without_parties(make_detention, officer_a, client_for):
    detention = make_detention()
    response = client_for(officer_a).post(f"/disputes/new/{detention.pk}/", LEAD)

    assert response.status_code == 302
    assert DisputeLead.objects.get().parties.count() == 0


def test_a_named_party_needs_its_side(make_detention, officer_a, client_for):
    detention = make_detention()
    response = client_for(officer_a).post(
        f"/disputes/new/{detention.pk}/", {**LEAD, "party_1_name": "宁波某建材公司", "party_1_side": ""}
    )

    assert response.status_code == 200 and "请选择当事人身份" in response.content.decode()
    assert not DisputeLead.objects.exists()
