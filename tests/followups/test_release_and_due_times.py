"""The release opens the follow-ups (DESIGN.md §3), and the evaluation is due by the end of the seventh
calendar day after the later of the release day and the resolution day (§4), on both sides of it."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from django.db import IntegrityError, transaction

from detainees.models import Detention
from disputes.models import DisputeLead
from followups import services
from followups.deadlines import evaluation_due_at
from followups.models import FollowUp, FollowUpLead, ScheduledVisit
from tests.detainees.conftest import local

from .conftest import EVALUATION_DUE, RELEASED, close_lead

LIST = "/followups/"


def test_the_release_page_opens_one_followup_for_the_resolved_and_partly_resolved_leads(
    in_custody, make_lead, officer_a, client_for
):
    detention = in_custody()
    resolved = close_lead(make_lead(detention=detention), officer_a, now=local(2026, 3, 4, 9, 0))
    partly = close_lead(
        make_lead(detention=detention, summary="邻里漏水纠纷"),
        officer_a,
        status=DisputeLead.Status.PARTLY_RESOLVED,
        now=local(2026, 3, 5, 9, 0),
    )
    close_lead(make_lead(detention=detention, summary="欠款"), officer_a, status=DisputeLead.Status.UNRESOLVED)
    make_lead(detention=detention, summary="仍在处理")  # open
    client = client_for(officer_a)

    with time_machine.travel(local(2026, 3, 6, 10, 5), tick=False):
        response = client.post(f"/detainees/{detention.pk}/release/", {"released_at": "2026-03-06T10:00"})
        again = client.post(f"/detainees/{detention.pk}/release/", {"released_at": "2026-03-06T10:00"})

    assert response.status_code == 302 and again.status_code == 302
    followup = FollowUp.objects.get(detention=detention)  # one, after two submits
    assert set(followup.leads.all()) == {resolved, partly}
    assert followup.facility_id == detention.facility_id
    assert followup.evaluation_due_at == EVALUATION_DUE
    assert followup.next_due_at == EVALUATION_DUE
    assert list(followup.scheduled_visits.values_list("days", "due_at")) == [
        (30, local(2026, 4, 5, 23, 59, 59, 999999)),
        (90, local(2026, 6, 4, 23, 59, 59, 999999)),
    ]
    assert Detention.objects.get(pk=detention.pk).status == Detention.Status.RELEASED


def test_a_release_without_resolved_leads_opens_nothing(in_custody, make_lead, officer_a, client_for):
    detention = in_custody()
    make_lead(detention=detention)

    with time_machine.travel(local(2026, 3, 6, 10, 5), tick=False):
        client_for(officer_a).post(f"/detainees/{detention.pk}/release/", {"released_at": "2026-03-06T10:00"})

    assert not FollowUp.objects.exists()
    assert Detention.objects.get(pk=detention.pk).status == Detention.Status.RELEASED


def test_a_refused_release_opens_nothing(in_custody, make_lead, officer_a, client_for):
    detention = in_custody()
    close_lead(make_lead(detention=detention), officer_a, now=local(2026, 3, 4, 9, 0))

    with time_machine.travel(local(2026, 3, 6, 10, 5), tick=False):
        response = client_for(officer_a).post(
            f"/detainees/{detention.pk}/release/", {"released_at": "2026-03-07T10:00"}
        )

    assert response.status_code == 200
    assert "出所时间不能晚于当前时间" in response.content.decode()
    assert not FollowUp.objects.exists()


def test_the_detention_page_shows_the_followup(released, officer_a, client_for):
    html = client_for(officer_a).get(f"/detainees/{released.detention_id}/").content.decode()

    assert f"/followups/{released.pk}/" in html
    assert "待评估" in html


def test_a_lead_resolved_after_the_release_opens_its_own_followup_due_from_the_resolution(
    in_custody, make_lead, officer_a
):
    detention = in_custody()
    lead = make_lead(detention=detention)
    services.release_detention(detention, released_at=RELEASED, acting_user=officer_a, now=local(2026, 3, 6, 10, 5))
    assert not FollowUp.objects.exists()

    close_lead(lead, officer_a, now=local(2026, 3, 20, 15, 0))

    followup = FollowUp.objects.get(detention=detention)
    assert list(followup.leads.all()) == [lead]
    assert followup.evaluation_due_at == local(2026, 3, 27, 23, 59, 59, 999999)


def test_record_outcome_has_the_signature_of_the_disputes_service():
    import inspect

    from disputes import services as dispute_services

    assert inspect.signature(services.record_outcome) == inspect.signature(dispute_services.record_outcome)


def test_a_lead_is_never_followed_twice(released):
    lead = released.leads.get()
    other = FollowUp.objects.create(
        detention=released.detention,
        facility=released.facility,
        opened_at=released.opened_at,
        resolved_at=released.resolved_at,
        evaluation_due_at=released.evaluation_due_at,
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        FollowUpLead.objects.create(followup=other, lead=lead)


@pytest.mark.parametrize(
    ("released_at", "resolved_at", "due"),
    [
        # Local midnight: 23:30 is still the release day, 00:10 the next one.
        (local(2026, 3, 6, 23, 30), local(2026, 3, 5, 9, 0), local(2026, 3, 13, 23, 59, 59, 999999)),
        (local(2026, 3, 7, 0, 10), local(2026, 3, 5, 9, 0), local(2026, 3, 14, 23, 59, 59, 999999)),
        # Month ends, and the leap day of 2028.
        (local(2026, 1, 28, 10, 0), local(2026, 1, 27, 9, 0), local(2026, 2, 4, 23, 59, 59, 999999)),
        (local(2026, 2, 25, 10, 0), local(2026, 2, 25, 9, 0), local(2026, 3, 4, 23, 59, 59, 999999)),
        (local(2028, 2, 22, 10, 0), local(2028, 2, 20, 9, 0), local(2028, 2, 29, 23, 59, 59, 999999)),
        # Resolved after the release: counted from the resolution day.
        (local(2026, 3, 6, 10, 0), local(2026, 3, 25, 18, 0), local(2026, 4, 1, 23, 59, 59, 999999)),
    ],
)
def test_the_evaluation_due_time(released_at: datetime, resolved_at: datetime, due: datetime):
    assert evaluation_due_at(released_at=released_at, resolved_at=resolved_at) == due


OVERDUE = "已逾期"


def _row_flag(client, followup) -> str:
    html = client.get(LIST).content.decode()
    row = html[html.index(f"/followups/{followup.pk}/") :].split("</tr>")[0]
    return OVERDUE if OVERDUE in row else ("即将到期" if "即将到期" in row else "")


@pytest.mark.parametrize(
    ("moment", "flag"),
    [
        (EVALUATION_DUE - timedelta(microseconds=1), "即将到期"),
        (EVALUATION_DUE + timedelta(microseconds=1), OVERDUE),
    ],
)
def test_the_list_flags_the_evaluation_on_both_sides_of_its_due_time(released, officer_a, client_for, moment, flag):
    client = client_for(officer_a)
    with time_machine.travel(moment, tick=False):
        assert _row_flag(client, released) == flag


@pytest.mark.parametrize(
    ("moment", "flag"), [(local(2028, 2, 29, 23, 59, 59), "即将到期"), (local(2028, 3, 1, 0, 0, 0), OVERDUE)]
)
def test_a_release_a_week_before_the_leap_day_is_due_at_its_end(
    in_custody, make_lead, officer_a, client_for, moment, flag
):
    detention = in_custody(admitted_at=local(2028, 2, 18, 10, 0), now=local(2028, 2, 18, 11, 0))
    close_lead(make_lead(detention=detention), officer_a, now=local(2028, 2, 21, 9, 0))
    services.release_detention(
        detention, released_at=local(2028, 2, 22, 10, 0), acting_user=officer_a, now=local(2028, 2, 22, 10, 5)
    )
    followup = FollowUp.objects.get(detention=detention)

    with time_machine.travel(moment, tick=False):
        assert _row_flag(client_for(officer_a), followup) == flag


@pytest.mark.parametrize(
    ("moment", "flag"), [(local(2026, 3, 27, 23, 59, 59), "即将到期"), (local(2026, 3, 28, 0, 0, 0), OVERDUE)]
)
def test_a_lead_resolved_after_the_release_is_due_from_its_resolution_on_the_list(
    in_custody, make_lead, officer_a, client_for, moment, flag
):
    detention = in_custody()
    lead = make_lead(detention=detention)
    services.release_detention(detention, released_at=RELEASED, acting_user=officer_a, now=local(2026, 3, 6, 10, 5))
    close_lead(lead, officer_a, now=local(2026, 3, 20, 15, 0))
    followup = FollowUp.objects.get(detention=detention)

    with time_machine.travel(moment, tick=False):
        assert _row_flag(client_for(officer_a), followup) == flag


def test_the_list_puts_what_is_due_first_and_shows_no_other_centre(
    released, in_custody, make_lead, officer_a, officer_b, client_for
):
    # A second follow-up due later (released a day later).
    detention = in_custody(2)
    close_lead(make_lead(detention=detention), officer_a, now=local(2026, 3, 5, 16, 0))
    services.release_detention(
        detention, released_at=RELEASED + timedelta(days=1), acting_user=officer_a, now=local(2026, 3, 7, 10, 5)
    )
    later = FollowUp.objects.get(detention=detention)

    with time_machine.travel(local(2026, 3, 10, 9, 0), tick=False):
        html = client_for(officer_a).get(LIST).content.decode()
        other = client_for(officer_b).get(LIST).content.decode()

    assert html.index(f"/followups/{released.pk}/") < html.index(f"/followups/{later.pk}/")
    assert f"/followups/{released.pk}/" not in other
    assert ScheduledVisit.objects.filter(followup=released, status="pending").count() == 2
