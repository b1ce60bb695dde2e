"""Agreement numbers (330281-JLS调〔2026〕N号) come from a per-centre, per-year sequence: never repeated,
whatever happens to the agreements already numbered (a transfer of the person, a corrected signing
date), and never shared by two agreements saved at the same moment."""

from __future__ import annotations

import importlib
import threading
from datetime import date
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import connection

from disputes import services, tasks
from disputes.models import Agreement, AgreementSequence, DisputeLead
from tests.detainees.conftest import local, resident_id

pytestmark = pytest.mark.django_db

A_2026 = "330281-JLS调〔2026〕{}号"


@pytest.fixture(autouse=True)
def no_render(monkeypatch):
    # The PDF is another test's business; saving only queues it.
    monkeypatch.setattr(tasks.render_agreement_pdf, "delay", lambda _pk: None)


@pytest.fixture
def resolved(make_lead, make_detention, approve_plan, officer_a):
    """resolved(n) -> a resolved lead of a new person n at centre A."""

    def make(n: int) -> DisputeLead:
        lead = make_lead(detention=make_detention(id_number=resident_id(40 + n), name=f"当事人{n}"))
        approve_plan(lead)
        services.move_lead(lead, DisputeLead.Status.MEDIATING, acting_user=officer_a)
        services.record_outcome(
            lead,
            status=DisputeLead.Status.RESOLVED,
            outcome=services.OutcomeInput(summary="达成和解"),
            acting_user=officer_a,
        )
        lead.refresh_from_db()
        return lead

    return make


def save(lead, user, *, signed_on=date(2026, 3, 11)) -> Agreement:
    return services.save_agreement(
        lead,
        facts="欠款纠纷",
        terms="一、分期支付。",
        signed_on=signed_on,
        signatories=[services.SignatoryInput("甲方", "甲"), services.SignatoryInput("乙方", "乙")],
        agreed_amount=Decimal("1000"),
        acting_user=user,
    )


def test_numbers_follow_each_other_per_centre_and_year(resolved, officer_a):
    first, second = save(resolved(1), officer_a), save(resolved(2), officer_a)
    next_year = save(resolved(3), officer_a, signed_on=date(2025, 12, 30))

    assert (first.number, second.number) == (A_2026.format(1), A_2026.format(2))
    assert next_year.number == "330281-JLS调〔2025〕1号"


def test_a_transfer_of_an_earlier_person_does_not_make_a_number_repeat(resolved, officer_a, orgs):
    """Counting the centre's agreements gave 1 again once the first person had moved to another
    centre, and the unique number refused the save with a server error."""
    first = save(resolved(1), officer_a)
    moved_at = local(2026, 3, 11, 18, 0)
    services.transfer_detention(
        first.lead.detention, to_facility=orgs.centre_b, moved_at=moved_at, acting_user=officer_a, now=moved_at
    )

    second = save(resolved(2), officer_a)

    assert (first.number, second.number) == (A_2026.format(1), A_2026.format(2))


def test_a_corrected_signing_year_keeps_the_number_and_frees_none(resolved, officer_a):
    first = save(resolved(1), officer_a, signed_on=date(2025, 12, 30))
    corrected = save(first.lead, officer_a, signed_on=date(2026, 1, 2))
    second = save(resolved(2), officer_a, signed_on=date(2025, 12, 31))

    assert corrected.number == "330281-JLS调〔2025〕1号"  # a number, once given, stays with its agreement
    assert second.number == "330281-JLS调〔2025〕2号"


@pytest.mark.django_db(transaction=True)
def test_agreements_saved_at_the_same_moment_get_different_numbers(resolved, officer_a):
    leads = [resolved(n) for n in range(6)]
    barrier = threading.Barrier(len(leads))
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(lead) -> None:
        try:
            barrier.wait(timeout=30)
            result = save(lead, officer_a).number
        except Exception as error:  # reported by the assertions below
            result = f"error: {type(error).__name__}: {error}"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=(lead,)) for lead in leads]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes) == sorted(A_2026.format(n) for n in range(1, 7)), outcomes


def test_the_migration_starts_each_sequence_after_the_highest_number_given(resolved, officer_a, orgs):
    """Agreements numbered before the sequence existed: the next number follows the highest one."""
    agreement = save(resolved(1), officer_a)
    Agreement.objects.filter(pk=agreement.pk).update(number=A_2026.format(7))
    AgreementSequence.objects.all().delete()
    migration = importlib.import_module("disputes.migrations.0005_fill_agreement_sequences")

    migration.seed_sequences(apps, None)

    assert save(resolved(2), officer_a).number == A_2026.format(8)
