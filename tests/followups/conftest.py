"""Fixtures of the followups tests: a released person with a resolved lead, made through the services.

The detention of `released`: admitted 2026-03-01 10:00 for 5 days at centre A, its lead resolved while
in custody, released 2026-03-06 10:00 (a Friday) through followups.services.release_detention, so the
evaluation is due 2026-03-13 23:59:59.999999 (+08:00)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from disputes import services as dispute_services
from disputes.models import DisputeLead
from followups import services
from followups.models import FollowUp
from tests.detainees import conftest as detainee_fixtures
from tests.detainees import document_files
from tests.detainees.conftest import local, resident_id
from tests.disputes import conftest as dispute_fixtures

make_detention = detainee_fixtures.make_detention
make_lead = dispute_fixtures.make_lead
private_media = detainee_fixtures.private_media

ADMITTED = local(2026, 3, 1, 10, 0)
RELEASED = local(2026, 3, 6, 10, 0)
EVALUATION_DUE = local(2026, 3, 13, 23, 59, 59, 999999)
PNG = document_files.png()  # a whole, valid image: uploads are parsed to the end

OUTCOME = dispute_services.OutcomeInput(
    summary="双方达成分期履行的执行和解", enforcement_settled=True, agreed_amount=Decimal("50000")
)


def close_lead(lead: DisputeLead, officer, *, status=DisputeLead.Status.RESOLVED, now=None, outcome=OUTCOME):
    """Move a lead to mediating and record its outcome through followups.services.record_outcome."""
    dispute_services.move_lead(lead, DisputeLead.Status.PLANNING, acting_user=officer, now=now)
    dispute_services.move_lead(lead, DisputeLead.Status.MEDIATING, acting_user=officer, now=now)
    if status not in {DisputeLead.Status.RESOLVED, DisputeLead.Status.PARTLY_RESOLVED}:
        outcome = dispute_services.OutcomeInput(summary="未能达成一致")
    services.record_outcome(lead, status=status, outcome=outcome, acting_user=officer, now=now)
    lead.refresh_from_db()
    return lead


@pytest.fixture
def in_custody(make_detention, officer_a):
    """make a detention at centre A, admitted ADMITTED for 5 days (a new person per serial)."""

    def make(serial: int = 1, *, facility=None, acting_user=None, admitted_at=ADMITTED, now=None):
        return make_detention(
            facility=facility,
            id_number=resident_id(serial),
            name=f"出所人{serial}",
            admitted_at=admitted_at,
            detention_days=5,
            acting_user=acting_user or officer_a,
            now=now,
        )

    return make


@pytest.fixture
def released(in_custody, make_lead, officer_a) -> FollowUp:
    """A person released RELEASED with one resolved lead: its follow-up."""
    detention = in_custody()
    close_lead(make_lead(detention=detention), officer_a, now=local(2026, 3, 5, 16, 0))
    services.release_detention(detention, released_at=RELEASED, acting_user=officer_a, now=local(2026, 3, 6, 10, 5))
    return FollowUp.objects.get(detention=detention)


@pytest.fixture(autouse=True)
def evidence_media(tmp_path, monkeypatch):
    """Visit evidence stored under a temporary folder instead of the development MEDIA_ROOT."""
    from django.core.files.storage import FileSystemStorage

    from followups.models import VisitEvidence

    storage = FileSystemStorage(location=tmp_path / "evidence")
    monkeypatch.setattr(VisitEvidence._meta.get_field("file"), "storage", storage)
    return storage
