"""Fixtures of the referrals tests. Shared by several test modules: add fixtures, do not change them.

The case: make_detention's person (admitted 2026-03-02 15:00 at centre A for 10 days) with one
court-enforcement lead of officer A. Work orders are sent SENT_AT, Wednesday 2026-03-04 10:00, so
receipt is due at the end of Thursday 2026-03-05; received RECEIVED_AT (Thursday 09:00), feedback is
due at the end of the fifth working day after it, Thursday 2026-03-12. March 2026 has no public
holiday, so the week decides.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from django.core.files.storage import FileSystemStorage

from referrals import services
from referrals.models import WorkOrder, WorkOrderFile
from tests.detainees import conftest as detainee_fixtures
from tests.detainees.conftest import local
from tests.disputes import conftest as dispute_fixtures

make_detention = detainee_fixtures.make_detention
make_lead = dispute_fixtures.make_lead
private_media = detainee_fixtures.private_media

SENT_AT = local(2026, 3, 4, 10, 0)
RECEIPT_DUE = local(2026, 3, 5, 23, 59, 59, 999999)
RECEIVED_AT = local(2026, 3, 5, 9, 0)
FEEDBACK_DUE = local(2026, 3, 12, 23, 59, 59, 999999)
CONSENT = services.ConsentInput(given_by="赵建军", given_at=local(2026, 3, 3, 16, 0), share_phone=True)


def now_in_custody() -> datetime:
    return SENT_AT


@pytest.fixture
def lead(make_lead):
    return make_lead()


@pytest.fixture
def refer(lead, officer_a):
    """refer(*partners, lead=None, consent=None, now=SENT_AT, **kwargs) -> the work orders sent, in the
    order of `partners`."""

    def make(*partners, lead=lead, consent=None, now=SENT_AT, **kwargs) -> list[WorkOrder]:
        kwargs.setdefault("kind", WorkOrder.Kind.ENFORCEMENT)
        kwargs.setdefault("summary", lead.summary)
        kwargs.setdefault("acting_user", officer_a)
        referral = services.refer_lead(lead, partners=list(partners), consent=consent, now=now, **kwargs)
        orders = {order.partner_id: order for order in referral.work_orders.all()}
        return [orders[partner.pk] for partner in partners]

    return make


@pytest.fixture
def enforcement_order(refer, orgs) -> WorkOrder:
    """A work order to the enforcement bureau, sent SENT_AT."""
    return refer(orgs.enforcement_bureau)[0]


@pytest.fixture
def lawyer_order(refer, orgs) -> WorkOrder:
    """A work order to the law firm (non-state), with the party's consent to share the phone."""
    return refer(orgs.law_firm, kind=WorkOrder.Kind.LEGAL_AID, consent=CONSENT)[0]


@pytest.fixture(autouse=True)
def work_order_media(tmp_path, monkeypatch) -> FileSystemStorage:
    """Work-order files stored under a temporary folder instead of the development MEDIA_ROOT."""
    storage = FileSystemStorage(location=tmp_path / "work-orders")
    monkeypatch.setattr(WorkOrderFile._meta.get_field("file"), "storage", storage)
    return storage
