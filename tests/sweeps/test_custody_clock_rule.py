"""The custody clock as a swept deadline: a lead still open CUSTODY_CLOCK before the release reminds the
assigned officer and the leaders; still open at the release, it is a breach escalated to the leaders."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection

from detainees import services as detainee_services
from disputes import services as dispute_services
from disputes.deadlines import CUSTODY_CLOCK_RULE
from disputes.models import DisputeLead
from disputes.selectors import CUSTODY_CLOCK
from sweeps import selectors
from sweeps import services as sweeps
from sweeps.models import Breach
from tests.detainees.conftest import local

from .conftest import RELEASE, TICK, breaches, inbox

CLOCK_STARTS = RELEASE - CUSTODY_CLOCK  # 2026-03-10 15:00


@pytest.fixture
def open_lead(detention_of, make_lead, officer_a):
    return make_lead(detention=detention_of(), assigned_officer=officer_a)


def sweep(now):
    return sweeps.sweep(CUSTODY_CLOCK_RULE, now)


def test_the_clock_reminds_the_assigned_officer_and_the_leaders(open_lead, officer_a, leader_a, officer_b):
    sweep(CLOCK_STARTS - TICK)
    assert breaches(Breach.Kind.REMINDER, "custody_clock") == []

    sweep(CLOCK_STARTS)

    [reminder] = breaches(Breach.Kind.REMINDER, "custody_clock")
    assert (reminder.object_type, reminder.object_id, reminder.due_at) == (
        "disputes.disputelead",
        open_lead.pk,
        RELEASE,
    )
    assert reminder.responsible_id == officer_a.pk and reminder.escalated_to == [leader_a.pk]
    subject = "出所前线索化解将于 2026-03-12 15:00 到期：赵建军 · 法院执行（2026-03-12 15:00 出所，线索未结）"
    assert inbox(officer_a) == [subject] and inbox(leader_a) == [subject] and inbox(officer_b) == []


def test_a_lead_still_open_at_the_release_is_a_breach(open_lead, leader_a):
    sweep(RELEASE)
    assert breaches(rule="custody_clock") == []

    sweep(RELEASE + TICK)
    sweep(RELEASE + timedelta(days=3))

    [breach] = breaches(rule="custody_clock")
    assert breach.due_at == RELEASE and breach.escalated_to == [leader_a.pk]
    # The sweep at the release itself still reminded (due, not yet overdue); the breach came once after.
    assert [subject.split(" ")[0] for subject in inbox(leader_a)] == [
        "出所前线索化解将于",
        "出所前线索化解已逾期（期限",
    ]


def test_an_early_release_counts_from_when_it_happened(open_lead, officer_a):
    released = local(2026, 3, 5, 10, 0)
    detainee_services.release_detention(open_lead.detention, released_at=released, acting_user=officer_a, now=released)

    sweep(released + TICK)

    assert [breach.due_at for breach in breaches(rule="custody_clock")] == [released]


def test_a_closed_lead_stops_the_clock(open_lead, officer_a):
    dispute_services.move_lead(open_lead, DisputeLead.Status.WITHDRAWN, acting_user=officer_a)

    sweep(CLOCK_STARTS)
    sweep(RELEASE + TICK)

    assert Breach.objects.count() == 0


def test_the_clock_query_can_use_the_open_leads_index(open_lead):
    """As in production, most leads are closed: the open-lead partial indexes hold only the open ones."""
    closed = [
        DisputeLead(
            detention_id=open_lead.detention_id,
            facility_id=open_lead.facility_id,
            category=open_lead.category,
            summary="已化解",
            status=DisputeLead.Status.RESOLVED,
            closed_at=open_lead.created_at,
        )
        for _n in range(300)
    ]
    DisputeLead.objects.bulk_create(closed)
    due = selectors.not_recorded(selectors.overdue(CUSTODY_CLOCK_RULE, RELEASE + TICK), CUSTODY_CLOCK_RULE, "breach")
    with connection.cursor() as cursor:
        # Fresh statistics, so the plan is the same in a whole run as alone.
        cursor.execute("ANALYZE disputes_disputelead, detainees_detention, sweeps_breach")
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = due.values("pk").query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        explain = "\n".join(row[0] for row in cursor.fetchall())
    # "Due before now" is one range of lead_release_due_idx (release_at) WHERE closed_at IS NULL: before
    # it, every open lead (lead_open_idx) was joined to every detention to compare their releases.
    assert "lead_release_due_idx" in explain, explain
    assert "detainees_detention" not in explain, explain
    assert "Seq Scan" not in explain, explain


def test_a_corrected_schedule_moves_the_clock_and_the_lead_keeps_no_event_of_it(open_lead, officer_a, leader_a):
    """The due time is the detention's release copied onto the lead by the database: an edit of the
    detention's days (detainees, which knows nothing of leads) moves it, without an event on the lead."""
    from disputes.models import DisputeLeadEvent

    events_before = DisputeLeadEvent.objects.filter(pgh_obj=open_lead).count()
    detention = open_lead.detention
    detainee_services.update_detention(
        detention, changes={"detention_days": detention.detention_days + 2}, acting_user=officer_a, now=RELEASE
    )
    later = RELEASE + timedelta(days=2)
    open_lead.refresh_from_db()
    assert open_lead.release_at == later

    sweep(RELEASE + TICK)
    assert breaches(rule="custody_clock") == []
    sweep(later + TICK)
    assert [breach.due_at for breach in breaches(rule="custody_clock")] == [later]
    assert DisputeLeadEvent.objects.filter(pgh_obj=open_lead).count() == events_before


def test_a_new_lead_and_a_release_copy_the_release_onto_the_lead(open_lead, make_lead, officer_a):
    assert DisputeLead.objects.get(pk=open_lead.pk).release_at == RELEASE
    released = local(2026, 3, 8, 9, 30)
    detainee_services.release_detention(open_lead.detention, released_at=released, acting_user=officer_a, now=released)
    second = make_lead(detention=open_lead.detention)
    assert dict(DisputeLead.objects.filter(detention=open_lead.detention).values_list("pk", "release_at")) == {
        open_lead.pk: released,
        second.pk: released,
    }
