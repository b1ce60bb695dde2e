"""Fixtures of the deadline tests: detentions and leads made through the services, at fixed times."""

from __future__ import annotations

from datetime import timedelta

import pytest

from notifications.models import InboxMessage
from sweeps.models import Breach
from tests.detainees import conftest as detainee_fixtures
from tests.detainees.conftest import ID_MAN, ID_OTHER, ID_WOMAN, local, resident_id
from tests.disputes import conftest as dispute_fixtures

make_detention = detainee_fixtures.make_detention
make_lead = dispute_fixtures.make_lead

# The detention of DESIGN.md §4: admitted 2026-03-02 15:00 for 10 days, its assessment due by the end
# of 2026-03-05 (local time); scheduled release 2026-03-12 15:00.
ADMITTED = local(2026, 3, 2, 15, 0)
ASSESSMENT_DUE = local(2026, 3, 5, 23, 59, 59, 999999)
RELEASE = local(2026, 3, 12, 15, 0)
TICK = timedelta(microseconds=1)
IDS = [ID_MAN, ID_WOMAN, ID_OTHER]
NAMES = ["赵建军", "钱小红", "孙大伟"]


@pytest.fixture
def detention_of(make_detention, officer_a, orgs):
    """detention_of(admitted_at=..., detention_days=..., n=0) -> a detention of centre A with officer A
    responsible, recorded `now` just after its admission."""

    def make(admitted_at=ADMITTED, detention_days=10, n=0, **fields):
        fields.setdefault("responsible_officer", officer_a)
        return make_detention(
            admitted_at=admitted_at,
            detention_days=detention_days,
            id_number=IDS[n] if n < len(IDS) else resident_id(n),
            name=NAMES[n] if n < len(NAMES) else f"测试人员{n}",
            now=admitted_at + timedelta(hours=1),
            acting_user=officer_a,
            **fields,
        )

    return make


def breaches(kind=Breach.Kind.BREACH, rule=None):
    rows = Breach.objects.filter(kind=kind)
    if rule:
        rows = rows.filter(rule=rule)
    return list(rows.order_by("pk"))


def inbox(user) -> list[str]:
    return list(InboxMessage.objects.filter(user=user).order_by("pk").values_list("subject", flat=True))
