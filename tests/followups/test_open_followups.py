"""A release by the custody-platform import opens its follow-up too: the job in followups.deadlines
(beat, and `manage.py open_followups`) opens what the release page would have opened, with the same due
times, exactly once however often and however concurrently it runs; a transfer never opens one."""

from __future__ import annotations

import io
import threading

import pytest
import time_machine
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection

from detainees import imports
from detainees import services as detainee_services
from detainees.models import Detention, ImportLog
from disputes import services as dispute_services
from disputes.models import DisputeLead
from followups import services, tasks
from followups.deadlines import open_followups
from followups.models import FollowUp
from tests.detainees import conftest as detainee_fixtures
from tests.detainees.conftest import local
from tests.detainees.import_files import csv_bytes, table, three_detentions
from tests.sweeps.test_racing_sweeps import in_lockstep

from .conftest import OUTCOME, RELEASED, close_lead

import_storage = detainee_fixtures.import_storage

pytestmark = pytest.mark.usefixtures("import_storage")

IMPORTED = local(2026, 3, 3, 10, 0)  # both people admitted by the first import, before this
RESOLVED = local(2026, 3, 5, 16, 0)
RELEASED_BY_FILE = "2026-03-09 10:00"
RELEASING = local(2026, 3, 9, 10, 5)  # when the release file is uploaded and the release page sent
EVALUATION_DUE = local(2026, 3, 16, 23, 59, 59, 999999)  # the 7th day after the release day


def admit_by_import(officer, orgs) -> tuple[Detention, Detention]:
    """The first two rows of the platform's file, both in custody at centre A."""
    log = imports.import_records(
        ImportLog.Kind.DETENTIONS,
        three_detentions()[:2],
        user=officer,
        facility=orgs.centre_a,
        checksum="1" * 64,
        dry_run=False,
        only_valid=False,
        now=IMPORTED,
    )
    assert log.status == ImportLog.Status.DONE
    return Detention.objects.get(external_ref="JLS-2026-0001"), Detention.objects.get(external_ref="JLS-2026-0002")


def release_by_upload(client) -> None:
    """The platform's file again, the first person now released: uploaded and confirmed on the page."""
    rows = three_detentions()[:2]
    rows[0]["released_at"] = RELEASED_BY_FILE
    upload = SimpleUploadedFile("出所.csv", csv_bytes(table(rows)), content_type="text/csv")
    with time_machine.travel(RELEASING, tick=False):
        assert client.post("/detainees/imports/", {"kind": "detentions", "file": upload}).status_code == 302
        log = ImportLog.objects.latest("pk")
        assert client.post(f"/detainees/imports/{log.pk}/confirm/").status_code == 302
    log.refresh_from_db()
    assert (log.status, log.updated_count) == (ImportLog.Status.DONE, 1)


def due_times(followup: FollowUp) -> tuple:
    return (
        followup.resolved_at,
        followup.evaluation_due_at,
        followup.next_due_at,
        list(followup.scheduled_visits.values_list("days", "due_at")),
    )


def test_an_import_release_with_a_resolved_lead_gets_the_followup_the_release_page_would_have_opened(
    officer_a, orgs, make_lead, client_for
):
    by_file, by_page = admit_by_import(officer_a, orgs)
    for detention in (by_file, by_page):
        close_lead(make_lead(detention=detention), officer_a, now=RESOLVED)
    client = client_for(officer_a)
    with time_machine.travel(RELEASING, tick=False):
        page = client.post(f"/detainees/{by_page.pk}/release/", {"released_at": "2026-03-09T10:00"})
    assert page.status_code == 302

    release_by_upload(client)

    by_file.refresh_from_db()
    assert (by_file.status, by_file.released_at) == (Detention.Status.RELEASED, local(2026, 3, 9, 10, 0))
    assert not FollowUp.objects.filter(detention=by_file).exists()  # the import alone opens nothing

    assert open_followups(now=local(2026, 3, 9, 10, 10)) == 1

    imported = FollowUp.objects.get(detention=by_file)
    from_the_page = FollowUp.objects.get(detention=by_page)
    assert due_times(imported) == due_times(from_the_page)
    assert imported.evaluation_due_at == EVALUATION_DUE
    assert imported.resolved_at == RESOLVED
    assert list(imported.leads.values_list("detention_id", flat=True)) == [by_file.pk]
    assert (imported.facility_id, imported.status, imported.opened_at) == (
        orgs.centre_a.pk,
        FollowUp.Status.OPEN,
        local(2026, 3, 9, 10, 10),
    )


def test_the_job_run_twice_opens_one_followup(officer_a, orgs, make_lead, client_for):
    detention, _other = admit_by_import(officer_a, orgs)
    close_lead(make_lead(detention=detention), officer_a, now=RESOLVED)
    release_by_upload(client_for(officer_a))

    # Days later (beat was down): the due time is still counted from the release, not from the run.
    first = open_followups(now=local(2026, 3, 12, 8, 0))
    again = open_followups(now=local(2026, 3, 12, 8, 5))

    assert (first, again) == (1, 0)
    assert FollowUp.objects.get().evaluation_due_at == EVALUATION_DUE


def test_a_lead_resolved_after_an_import_release_is_followed_once(officer_a, orgs, make_lead, client_for):
    detention, _other = admit_by_import(officer_a, orgs)
    lead = make_lead(detention=detention)
    release_by_upload(client_for(officer_a))
    assert open_followups(now=local(2026, 3, 9, 10, 10)) == 0  # nothing resolved yet

    # The outcome page's service opens the lead's follow-up itself; the job finds it followed.
    close_lead(lead, officer_a, now=local(2026, 3, 20, 15, 0))
    assert open_followups(now=local(2026, 3, 20, 15, 10)) == 0

    followup = FollowUp.objects.get()
    assert list(followup.leads.all()) == [lead]
    assert followup.evaluation_due_at == local(2026, 3, 27, 23, 59, 59, 999999)


def test_a_lead_resolved_through_disputes_alone_after_the_release_is_caught_by_the_job(
    officer_a, orgs, make_lead, client_for
):
    detention, _other = admit_by_import(officer_a, orgs)
    lead = make_lead(detention=detention)
    release_by_upload(client_for(officer_a))
    resolved = local(2026, 3, 20, 15, 0)
    for status in (DisputeLead.Status.PLANNING, DisputeLead.Status.MEDIATING):
        dispute_services.move_lead(lead, status, acting_user=officer_a, now=resolved)
    # The lower service, which cannot open a follow-up (followups sits above disputes).
    dispute_services.record_outcome(
        lead, status=DisputeLead.Status.RESOLVED, outcome=OUTCOME, acting_user=officer_a, now=resolved
    )
    assert not FollowUp.objects.exists()

    assert open_followups(now=local(2026, 3, 25, 9, 0)) == 1
    assert open_followups(now=local(2026, 3, 25, 9, 5)) == 0

    followup = FollowUp.objects.get()
    assert list(followup.leads.all()) == [lead]
    assert followup.evaluation_due_at == local(2026, 3, 27, 23, 59, 59, 999999)  # from the resolution day


def test_a_transfer_never_opens_a_followup(in_custody, make_lead, officer_a, orgs):
    detention = in_custody()
    close_lead(make_lead(detention=detention), officer_a, now=local(2026, 3, 2, 16, 0))
    with time_machine.travel(local(2026, 3, 3, 12, 0), tick=False):
        dispute_services.transfer_detention(
            detention, to_facility=orgs.centre_b, moved_at=local(2026, 3, 3, 10, 0), acting_user=officer_a
        )

    assert open_followups(now=local(2026, 3, 4, 0, 0)) == 0
    assert not FollowUp.objects.exists()
    assert Detention.objects.get(pk=detention.pk).status == Detention.Status.IN_CUSTODY


def test_leads_unresolved_or_withdrawn_open_nothing(in_custody, make_lead, officer_a):
    detention = in_custody()
    close_lead(make_lead(detention=detention), officer_a, status=DisputeLead.Status.UNRESOLVED)
    make_lead(detention=detention, summary="仍在处理")
    detainee_services.release_detention(detention, released_at=RELEASED, acting_user=None, now=RELEASED)

    assert open_followups(now=local(2026, 3, 7, 0, 0)) == 0
    assert not FollowUp.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_jobs_at_once_open_one_followup(in_custody, make_lead, officer_a, monkeypatch):
    people = [in_custody(n) for n in (1, 2)]
    for detention in people:
        close_lead(make_lead(detention=detention), officer_a, now=local(2026, 3, 5, 16, 0))
        # As the import releases: through detainees alone.
        detainee_services.release_detention(detention, released_at=RELEASED, acting_user=None, now=RELEASED)
    # Both jobs have read the same unfollowed leads before either opens anything: the race is real.
    in_lockstep(monkeypatch, services, "open_missed_followup", threading.Barrier(2, timeout=20))
    results: dict[str, object] = {}

    def run(name: str) -> None:
        try:
            results[name] = open_followups(now=local(2026, 3, 6, 10, 10))
        except Exception as error:
            results[name] = error
        finally:
            connection.close()

    threads = [threading.Thread(name=f"sweep-{n}", target=run, args=(f"sweep-{n}",)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert all(isinstance(result, int) for result in results.values()), results
    assert results["sweep-1"] + results["sweep-2"] == 2
    assert sorted(FollowUp.objects.values_list("detention_id", flat=True)) == sorted(d.pk for d in people)


def test_beat_runs_the_task_and_the_command_runs_the_same_job(released_in_custody_platform):
    assert settings.CELERY_BEAT_SCHEDULE["open-followups"]["task"] == "followups.tasks.open_followups"
    out = io.StringIO()

    with time_machine.travel(local(2026, 3, 7, 9, 0), tick=False):
        call_command("open_followups", stdout=out)
        assert tasks.open_followups() == 0

    assert out.getvalue().strip() == "opened 1"
    followup = FollowUp.objects.get()
    assert followup.evaluation_due_at == local(2026, 3, 13, 23, 59, 59, 999999)


@pytest.fixture
def released_in_custody_platform(in_custody, make_lead, officer_a) -> Detention:
    """A person with a resolved lead released RELEASED through detainees alone, as the import does."""
    detention = in_custody()
    close_lead(make_lead(detention=detention), officer_a, now=local(2026, 3, 5, 16, 0))
    return detainee_services.release_detention(detention, released_at=RELEASED, acting_user=None, now=RELEASED)
