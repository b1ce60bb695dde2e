"""The intake-assessment due time (DESIGN.md §4): end of the third calendar day after the admission day,
Asia/Shanghai, or the release if that comes first; and the worklist queries built on it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from detainees import selectors, services
from detainees.deadlines import assessment_due_at
from detainees.models import Detention, IntakeAssessment

from .conftest import FIXED_NOW, ID_OTHER, ID_WOMAN, SHANGHAI, local

MICROSECOND = timedelta(microseconds=1)


def end_of_day(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 23, 59, 59, 999999, tzinfo=SHANGHAI)


def due(admitted_at: datetime, days: int = 10, released_at: datetime | None = None) -> datetime:
    return assessment_due_at(
        admitted_at=admitted_at, scheduled_release_at=admitted_at + timedelta(days=days), released_at=released_at
    )


# --- the pure function ---------------------------------------------------------------------------


def test_the_design_example_is_due_at_the_end_of_the_third_day_after_admission():
    assert due(local(2026, 3, 2, 15, 0)) == end_of_day(2026, 3, 5)
    assert due(local(2026, 3, 2, 15, 0)).isoformat() == "2026-03-05T23:59:59.999999+08:00"


@pytest.mark.parametrize("admitted_at", [local(2026, 3, 2, 0, 0, 1), local(2026, 3, 2, 23, 59, 59)])
def test_the_time_of_day_of_the_admission_does_not_matter(admitted_at):
    assert due(admitted_at) == end_of_day(2026, 3, 5)


def test_the_admission_day_is_the_local_day_not_the_utc_day():
    # 2026-03-01 16:00 UTC is already 2 March in Shanghai; one second earlier it is still 1 March.
    assert due(datetime(2026, 3, 1, 16, 0, 0, tzinfo=UTC)) == end_of_day(2026, 3, 5)
    assert due(datetime(2026, 3, 1, 15, 59, 59, tzinfo=UTC)) == end_of_day(2026, 3, 4)


@pytest.mark.parametrize(
    "admitted_at, due_at",
    [
        (local(2026, 1, 30, 10, 0), end_of_day(2026, 2, 2)),  # month end
        (local(2026, 2, 27, 10, 0), end_of_day(2026, 3, 2)),  # February of a common year
        (local(2026, 12, 30, 10, 0), end_of_day(2027, 1, 2)),  # year end
        (local(2026, 12, 31, 23, 59, 59), end_of_day(2027, 1, 3)),
        (local(2028, 2, 28, 10, 0), end_of_day(2028, 3, 2)),  # leap year: 29 February is counted
        (local(2028, 2, 29, 10, 0), end_of_day(2028, 3, 3)),  # admitted on 29 February
    ],
)
def test_it_counts_calendar_days_across_month_year_and_leap_day(admitted_at, due_at):
    assert due(admitted_at) == due_at


def test_a_2_day_detention_is_due_at_the_scheduled_release():
    admitted_at = local(2026, 3, 2, 15, 0)

    assert due(admitted_at, days=2) == local(2026, 3, 4, 15, 0)


def test_a_3_day_detention_is_due_at_the_release_and_a_4_day_one_at_the_end_of_the_third_day():
    admitted_at = local(2026, 3, 2, 15, 0)

    assert due(admitted_at, days=3) == local(2026, 3, 5, 15, 0)
    assert due(admitted_at, days=4) == end_of_day(2026, 3, 5)


def test_an_early_release_brings_the_due_time_forward():
    admitted_at = local(2026, 3, 2, 15, 0)

    assert due(admitted_at, released_at=local(2026, 3, 3, 10, 0)) == local(2026, 3, 3, 10, 0)
    assert due(admitted_at, released_at=local(2026, 3, 9, 10, 0)) == end_of_day(2026, 3, 5)


# --- stored by the services --------------------------------------------------------------------------


def test_record_intake_stores_the_due_time(make_detention):
    detention = make_detention(admitted_at=local(2026, 3, 2, 15, 0), detention_days=10)

    detention.refresh_from_db()
    assert detention.assessment_due_at == end_of_day(2026, 3, 5)
    assert detention.scheduled_release_at == local(2026, 3, 12, 15, 0)


@pytest.mark.parametrize("admitted_at", [local(2026, 3, 2, 0, 0, 1), local(2026, 3, 2, 23, 59, 59)])
def test_record_intake_stores_the_same_due_time_at_both_ends_of_the_admission_day(make_detention, admitted_at):
    detention = make_detention(admitted_at=admitted_at)

    detention.refresh_from_db()
    assert detention.assessment_due_at == end_of_day(2026, 3, 5)


def test_record_intake_of_a_2_day_detention_stores_the_scheduled_release(make_detention):
    detention = make_detention(admitted_at=local(2026, 3, 2, 15, 0), detention_days=2)

    detention.refresh_from_db()
    assert detention.assessment_due_at == detention.scheduled_release_at == local(2026, 3, 4, 15, 0)


def test_an_early_release_moves_the_stored_due_time_earlier(make_detention):
    detention = make_detention(admitted_at=local(2026, 3, 2, 15, 0), detention_days=10)

    services.release_detention(
        detention, released_at=local(2026, 3, 3, 9, 30), acting_user=None, now=local(2026, 3, 3, 10, 0)
    )

    detention.refresh_from_db()
    assert detention.assessment_due_at == local(2026, 3, 3, 9, 30)


def test_a_release_after_the_due_time_leaves_it_where_it_was(make_detention):
    detention = make_detention(admitted_at=local(2026, 3, 2, 15, 0), detention_days=10)

    services.release_detention(detention, released_at=local(2026, 3, 9, 8, 0), acting_user=None, now=FIXED_NOW)

    detention.refresh_from_db()
    assert detention.assessment_due_at == end_of_day(2026, 3, 5)


def test_a_corrected_admission_recomputes_the_due_time(make_detention):
    detention = make_detention(admitted_at=local(2026, 3, 2, 15, 0), detention_days=10)

    services.update_detention(
        detention, changes={"admitted_at": local(2026, 3, 1, 23, 0)}, acting_user=None, now=FIXED_NOW
    )

    detention.refresh_from_db()
    assert detention.assessment_due_at == end_of_day(2026, 3, 4)


def test_a_corrected_admission_moves_a_release_computed_from_the_days_and_the_due_time_with_it(make_detention):
    detention = make_detention(admitted_at=local(2026, 3, 2, 15, 0), detention_days=2)

    services.update_detention(
        detention, changes={"admitted_at": local(2026, 3, 2, 9, 0)}, acting_user=None, now=FIXED_NOW
    )

    detention.refresh_from_db()
    assert detention.scheduled_release_at == local(2026, 3, 4, 9, 0)
    assert detention.assessment_due_at == local(2026, 3, 4, 9, 0)


def test_a_shorter_detention_recomputes_the_due_time(make_detention):
    detention = make_detention(admitted_at=local(2026, 3, 2, 15, 0), detention_days=10)

    services.update_detention(detention, changes={"detention_days": 1}, acting_user=None, now=FIXED_NOW)

    detention.refresh_from_db()
    assert detention.assessment_due_at == local(2026, 3, 3, 15, 0)


# --- the worklist queries, with an injected now ---------------------------------------------------


@pytest.fixture
def open_detention(make_detention) -> Detention:
    return make_detention(admitted_at=local(2026, 3, 2, 15, 0), detention_days=10)


def overdue_ids(user, now: datetime) -> list[int]:
    return list(selectors.assessment_overdue(selectors.visible_to(user), now=now).values_list("pk", flat=True))


def due_soon_ids(user, now: datetime) -> list[int]:
    return list(selectors.assessment_due_soon(selectors.visible_to(user), now=now).values_list("pk", flat=True))


def test_it_is_not_overdue_at_the_due_time_itself(officer_a, open_detention):
    assert overdue_ids(officer_a, now=open_detention.assessment_due_at) == []


def test_it_is_overdue_one_microsecond_after_the_due_time(officer_a, open_detention):
    assert overdue_ids(officer_a, now=open_detention.assessment_due_at + MICROSECOND) == [open_detention.pk]


def test_it_is_due_soon_within_a_day_of_the_due_time_and_up_to_it(officer_a, open_detention):
    due_at = open_detention.assessment_due_at

    assert due_soon_ids(officer_a, now=due_at - selectors.DUE_SOON) == []
    assert due_soon_ids(officer_a, now=due_at - selectors.DUE_SOON + MICROSECOND) == [open_detention.pk]
    assert due_soon_ids(officer_a, now=due_at) == [open_detention.pk]
    assert due_soon_ids(officer_a, now=due_at + MICROSECOND) == []


def test_a_completed_assessment_is_neither_overdue_nor_due_soon(officer_a, open_detention):
    services.complete_assessment(
        open_detention,
        risk_tags=[],
        risk_level=IntakeAssessment.RiskLevel.LOW,
        screening_result=IntakeAssessment.Screening.NONE_FOUND,
        acting_user=officer_a,
        now=local(2026, 3, 6, 9, 0),  # late, but done
    )
    due_at = open_detention.assessment_due_at

    assert overdue_ids(officer_a, now=due_at + timedelta(days=30)) == []
    assert due_soon_ids(officer_a, now=due_at) == []


def test_an_officer_of_another_centre_sees_nothing_overdue_of_this_one(officer_b, open_detention):
    assert overdue_ids(officer_b, now=open_detention.assessment_due_at + timedelta(days=1)) == []


def test_the_overdue_query_reads_the_partial_due_time_index(officer_a, make_detention, orgs):
    open_one = make_detention(id_number=ID_WOMAN)
    make_detention(id_number=ID_OTHER, facility=orgs.centre_b)
    # The centre's history: many earlier detentions with their assessments done, which the partial
    # index leaves out and an index on the facility alone would have to read and filter.
    done = [
        Detention(
            person=open_one.person,
            facility=orgs.centre_a,
            kind=Detention.Kind.ADMINISTRATIVE,
            admitted_at=local(2025, 1, 1, 10, 0) + timedelta(hours=index),
            scheduled_release_at=local(2025, 1, 6, 10, 0) + timedelta(hours=index),
            released_at=local(2025, 1, 6, 10, 0) + timedelta(hours=index),
            status=Detention.Status.RELEASED,
            assessment_due_at=local(2025, 1, 4, 10, 0) + timedelta(hours=index),
            assessment_completed_at=local(2025, 1, 2, 10, 0) + timedelta(hours=index),
        )
        for index in range(300)
    ]
    Detention.objects.bulk_create(done)
    queryset = selectors.assessment_overdue(selectors.visible_to(officer_a), now=local(2026, 3, 10, 9, 0))

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE detainees_detention")
        # SET LOCAL: only for the test's transaction, not for the connection the next test reuses.
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = queryset.explain()

    # Either partial index of open assessments serves (on a table this small the planner picks between
    # the centre's (facility, due) and the province-wide sweep's (due) by a hair): both leave out the
    # done ones, which is what this test is about.
    assert "detention_assessment_due_idx" in plan or "detention_assessment_sweep_idx" in plan
    assert "Seq Scan" not in plan
    assert list(queryset) == [open_one]
