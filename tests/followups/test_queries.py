"""The follow-up list costs the same queries whatever its length, and its queries (and the evaluation
sweep's) can use their partial indexes (QUALITY.md P1, P5: on small tables, with enable_seqscan off)."""

from __future__ import annotations

import pytest
import time_machine
from django.db import connection

from followups import selectors
from followups.models import FollowUp
from tests.detainees.conftest import local

from .conftest import RELEASED, close_lead


def release_more(in_custody, make_lead, officer, count: int, start: int = 10) -> None:
    from followups import services

    for serial in range(start, start + count):
        detention = in_custody(serial)
        close_lead(make_lead(detention=detention), officer, now=local(2026, 3, 5, 16, 0))
        services.release_detention(detention, released_at=RELEASED, acting_user=officer, now=local(2026, 3, 6, 10, 5))


def test_the_list_costs_the_same_queries_for_one_row_and_for_four(
    released, in_custody, make_lead, officer_a, client_for, django_assert_num_queries
):
    client = client_for(officer_a)
    client.get("/followups/")  # the session and membership look-ups of a first request
    with time_machine.travel(local(2026, 3, 10, 9, 0), tick=False):
        with django_assert_num_queries(5) as one:
            client.get("/followups/")
        release_more(in_custody, make_lead, officer_a, 3)
        with django_assert_num_queries(len(one.captured_queries)):
            response = client.get("/followups/")
    assert response.content.decode().count('href="/followups/') >= 4


@pytest.mark.parametrize(
    ("queryset", "index"),
    [
        (
            lambda now: FollowUp.objects.filter(status="open", evaluation_due_at__lt=now).order_by("evaluation_due_at"),
            "followup_evaluation_due_idx",
        ),
        (lambda now: None, "followup_active_idx"),
    ],
)
def test_the_due_queries_use_their_partial_indexes(released, officer_a, queryset, index):
    now = local(2026, 3, 20, 0, 0)
    rows = queryset(now)
    if rows is None:
        rows = selectors.followup_list(officer_a)[:51]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE followups_followup")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
    assert index in rows.explain()
