"""The follow-up list costs the same queries whatever its length, and its queries (and the evaluation
sweep's) can use their partial indexes (QUALITY.md P1, P5: on small tables, with enable_seqscan off)."""

from __future__ import annotations

from datetime import timedelta

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


def test_the_reoffence_job_reads_the_releases_through_their_partial_index(released):
    """followups.deadlines.record_reoffences: the releases of the window are one range of
    detention_released_idx (released_at) WHERE released_at IS NOT NULL, not a scan of every detention."""
    from detainees.models import Detention
    from followups.deadlines import readmitted_releases

    # As in production, most releases are old: the window's range of the index leaves them out.

    template = Detention.objects.get(pk=released.detention_id)
    Detention.objects.bulk_create(
        [
            Detention(
                person_id=template.person_id,
                facility_id=template.facility_id,
                kind=template.kind,
                admitted_at=local(2023, 1, 1, 10, 0) + timedelta(days=index),
                scheduled_release_at=local(2023, 1, 6, 10, 0) + timedelta(days=index),
                released_at=local(2023, 1, 6, 10, 0) + timedelta(days=index),
                status=Detention.Status.RELEASED,
                assessment_due_at=local(2023, 1, 4, 10, 0) + timedelta(days=index),
                assessment_completed_at=local(2023, 1, 2, 10, 0) + timedelta(days=index),
            )
            for index in range(300)
        ]
    )
    now = local(2026, 5, 1, 10, 0)
    rows = readmitted_releases(now=now, since=now - timedelta(days=180))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE detainees_detention, followups_reoffence")
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = rows.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "detention_released_idx" in plan, plan
    assert "Seq Scan" not in plan, plan
