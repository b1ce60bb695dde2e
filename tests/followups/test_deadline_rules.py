"""The follow-up's deadlines through the sweep framework: the effectiveness evaluation (due by the end
of the 7th day after the later of release and resolution) and the further visits. Released
2026-03-06 10:00 with the lead resolved the day before: the evaluation is due 2026-03-13 23:59:59.999999."""

from __future__ import annotations

from datetime import timedelta

import pytest

from casework.deadlines import RULES
from followups import services
from followups.deadlines import EVALUATION_RULE, VISIT_RULE
from followups.models import FollowUp
from notifications.models import InboxMessage
from sweeps import services as sweeps
from sweeps.models import Breach
from tests.detainees.conftest import local

pytestmark = pytest.mark.django_db

EVALUATION_DUE = local(2026, 3, 13, 23, 59, 59, 999999)
TICK = timedelta(microseconds=1)


def breaches(rule: str, kind=Breach.Kind.BREACH) -> list[Breach]:
    return list(Breach.objects.filter(rule=rule, kind=kind).order_by("pk"))


def test_the_rules_are_swept_with_the_others():
    assert RULES["evaluation"] is EVALUATION_RULE and RULES["followup_visit"] is VISIT_RULE


def test_the_evaluation_breaches_just_after_its_due_time_and_not_at_it(released, officer_a, leader_a):
    assert released.evaluation_due_at == EVALUATION_DUE

    sweeps.sweep(EVALUATION_RULE, EVALUATION_DUE)
    assert breaches("evaluation") == []
    assert [r.object_id for r in breaches("evaluation", Breach.Kind.REMINDER)] == [released.pk]

    sweeps.sweep(EVALUATION_RULE, EVALUATION_DUE + TICK)
    sweeps.sweep(EVALUATION_RULE, EVALUATION_DUE + TICK)  # twice: still one breach, one notice
    [breach] = breaches("evaluation")
    assert breach.object_id == released.pk and breach.due_at == EVALUATION_DUE
    # The released person has no responsible officer any more here: the leaders are told.
    told = set(InboxMessage.objects.filter(subject__contains="成效评估").values_list("user__username", flat=True))
    assert told == {leader_a.username}
    assert breach.escalated_to == [leader_a.pk]


def test_an_evaluation_done_in_time_is_never_breached(released, officer_a):
    services.record_evaluation(
        released,
        stability="stable",
        satisfaction=5,
        notes="稳定",
        evaluated_at=EVALUATION_DUE - timedelta(hours=1),
        acting_user=officer_a,
        now=EVALUATION_DUE - timedelta(hours=1),
    )
    released.refresh_from_db()
    assert released.status == FollowUp.Status.EVALUATED

    sweeps.sweep(EVALUATION_RULE, EVALUATION_DUE + timedelta(days=3))

    assert breaches("evaluation") == []


def test_a_further_visit_is_breached_after_its_due_time(released):
    visit = released.scheduled_visits.order_by("due_at").first()

    sweeps.sweep(VISIT_RULE, visit.due_at)
    assert breaches("followup_visit") == []
    sweeps.sweep(VISIT_RULE, visit.due_at + TICK)

    assert [b.object_id for b in breaches("followup_visit")] == [visit.pk]
