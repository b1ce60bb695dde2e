"""Amounts of money on the staff pages read 12,345.00: grouped by thousands and with two decimals, as in the
agreement's PDF, while the form inputs keep the plain number they parse back."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from disputes import services
from disputes.templatetags.money import money
from tests.disputes import test_agreement_pdf as shared

pytestmark = pytest.mark.django_db

# Fixtures shared with test_agreement_pdf.py.
agreement = shared.agreement
queued_renders = shared.queued_renders
resolved_lead = shared.resolved_lead


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("12345"), "12,345.00"),
        (Decimal("1234567.5"), "1,234,567.50"),
        (Decimal("999.995"), "1,000.00"),
        (Decimal("0"), "0.00"),
        (12345, "12,345.00"),
        (None, ""),
        ("—", "—"),
    ],
)
def test_the_money_filter_groups_thousands_with_two_decimals(value, shown):
    assert money(value) == shown


def test_the_lead_page_shows_the_amount_at_stake_grouped(make_lead, officer_a, client_for):
    lead = make_lead(amount_at_stake=Decimal("12345"))

    page = client_for(officer_a).get(reverse("disputes:lead_detail", kwargs={"pk": lead.pk})).content.decode()

    assert "12,345.00" in page and "12345" not in page


def test_the_lead_list_and_the_session_page_group_the_amount_too(session_booked, officer_a, client_for):
    client = client_for(officer_a)

    listed = client.get(reverse("disputes:lead_list")).content.decode()
    session = client.get(reverse("disputes:session_detail", kwargs={"pk": session_booked.pk})).content.decode()

    assert "50,000.00" in listed and "50,000.00" in session


def test_the_outcome_and_the_agreement_are_grouped_on_the_lead_page(agreement, resolved_lead, officer_a, client_for):
    page = client_for(officer_a).get(reverse("disputes:lead_detail", kwargs={"pk": resolved_lead.pk})).content.decode()

    # At stake, then agreed in the outcome and in the agreement; paid in both.
    assert page.count("50,000.00") == 3 and page.count("10,000.00") == 2


def test_the_agreement_form_keeps_the_plain_number_it_parses(agreement, resolved_lead, officer_a, client_for):
    page = (
        client_for(officer_a).get(reverse("disputes:agreement_edit", kwargs={"pk": resolved_lead.pk})).content.decode()
    )

    assert 'value="50000.00"' in page and "50,000" not in page


def test_the_court_reads_the_agreements_amounts_grouped(agreement, officer_a, court_staff, orgs, client_for):
    confirmation = services.request_judicial_confirmation(agreement, court=orgs.court, acting_user=officer_a)

    page = client_for(court_staff).get(reverse("disputes:confirmation_detail", kwargs={"pk": confirmation.pk}))

    assert "50,000.00" in page.content.decode() and "10,000.00" in page.content.decode()
