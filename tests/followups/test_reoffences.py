"""Re-offending: a re-admission anywhere in the province within the observation window records exactly
one Reoffence for the release (the job in followups.deadlines, also for imports); a transfer none; by
hand it is recorded and corrected."""

from __future__ import annotations

from datetime import timedelta

import time_machine

from detainees import imports
from detainees.models import Detention, ImportLog
from disputes import services as dispute_services
from followups.deadlines import record_reoffences
from followups.models import Reoffence
from tests.detainees.conftest import local, resident_id
from tests.detainees.import_files import detention as import_row

from .conftest import RELEASED

CENTRE_B = "330282-JLS"


def test_a_readmission_elsewhere_in_the_province_records_exactly_one_reoffence(released, in_custody, officer_b, orgs):
    readmitted = in_custody(
        1,
        facility=orgs.centre_b,
        acting_user=officer_b,
        admitted_at=local(2026, 5, 1, 9, 0),
        now=local(2026, 5, 1, 10, 0),
    )

    first = record_reoffences(now=local(2026, 5, 1, 10, 10))
    again = record_reoffences(now=local(2026, 5, 1, 10, 20))

    assert (first, again) == (1, 0)
    reoffence = Reoffence.objects.get()
    assert (reoffence.release_id, reoffence.readmission_id) == (released.detention_id, readmitted.pk)
    assert (reoffence.facility_id, reoffence.source, reoffence.occurred_on) == (
        orgs.centre_a.pk,
        Reoffence.Source.AUTOMATIC,
        local(2026, 5, 1).date(),
    )
    # Linked to the release's leads and outcomes, through the released detention.
    assert [lead.outcome.summary for lead in reoffence.release.leads.all()] == ["双方达成分期履行的执行和解"]


def test_a_readmission_through_an_import_counts_too(released, officer_b, orgs):
    row = import_row(
        facility_code=CENTRE_B,
        external_ref="CX-2026-0100",
        id_number=resident_id(1),
        name="出所人1",
        admitted_at="2026-06-01 09:00",
    )
    log = imports.import_records(
        ImportLog.Kind.DETENTIONS,
        [row],
        user=officer_b,
        facility=orgs.centre_b,
        checksum="1" * 64,
        dry_run=False,
        only_valid=False,
        now=local(2026, 6, 1, 10, 0),
    )
    assert log.status == ImportLog.Status.DONE

    assert record_reoffences(now=local(2026, 6, 1, 10, 10)) == 1
    assert Reoffence.objects.get().release_id == released.detention_id


def test_a_readmission_after_the_window_is_none(released, in_custody, officer_b, orgs):
    later = RELEASED + timedelta(days=181)
    in_custody(1, facility=orgs.centre_b, acting_user=officer_b, admitted_at=later, now=later + timedelta(hours=1))

    assert record_reoffences(now=later + timedelta(hours=2)) == 0
    assert not Reoffence.objects.exists()


def test_a_transfer_is_never_a_reoffence(in_custody, officer_a, orgs):
    detention = in_custody(5)
    with time_machine.travel(local(2026, 3, 3, 12, 0), tick=False):
        dispute_services.transfer_detention(
            detention, to_facility=orgs.centre_b, moved_at=local(2026, 3, 3, 10, 0), acting_user=officer_a
        )

    assert record_reoffences(now=local(2026, 3, 4, 0, 0)) == 0
    assert not Reoffence.objects.exists()
    assert Detention.objects.filter(person=detention.person).count() == 1


def test_by_hand_a_reoffence_is_recorded_corrected_and_never_recorded_again(
    released, in_custody, officer_a, officer_b, orgs, client_for
):
    client = client_for(officer_a)
    url = f"/followups/reoffences/{released.detention_id}/"
    with time_machine.travel(local(2026, 4, 10, 9, 0), tick=False):
        future = client.post(url, {"occurred_on": "2026-04-11", "description": "因盗窃被刑事拘留"})
        assert "发生日期不能晚于今天" in future.content.decode()
        assert not Reoffence.objects.exists()
        assert client_for(officer_b).post(url, {"occurred_on": "2026-04-01", "description": "x"}).status_code == 404

        assert (
            client.post(url, {"occurred_on": "2026-04-01", "description": "因盗窃被外省公安机关刑事拘留"}).status_code
            == 302
        )
        reoffence = Reoffence.objects.get()
        assert (reoffence.source, reoffence.status, reoffence.recorded_by) == ("manual", "recorded", officer_a)

        client.post(
            url, {"occurred_on": "2026-04-01", "description": "经核实系同名人员，不属于重新违法犯罪", "retracted": "on"}
        )
    reoffence.refresh_from_db()
    assert (reoffence.status, reoffence.corrected_by) == ("retracted", officer_a)

    # A re-admission later in the window: the release has its (retracted) row, so nothing is added.
    in_custody(
        1,
        facility=orgs.centre_b,
        acting_user=officer_b,
        admitted_at=local(2026, 5, 1, 9, 0),
        now=local(2026, 5, 1, 10, 0),
    )
    assert record_reoffences(now=local(2026, 5, 1, 10, 10)) == 0
    assert Reoffence.objects.count() == 1
