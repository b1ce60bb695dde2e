"""The custody clock on the centre's worklist (detainees): a person with a lead still open two days
before the scheduled release is flagged, and the filter "出所前仍有未结线索" lists only them."""

from __future__ import annotations

from datetime import timedelta

import time_machine

from detainees import selectors as detainee_selectors
from disputes import selectors as dispute_selectors
from disputes import services
from disputes.models import DisputeLead
from tests.detainees.conftest import resident_id

from .conftest import local

WORKLIST = "/detainees/"
CLOCK_STARTS = local(2026, 3, 12, 15, 0) - timedelta(days=2)  # make_detention's release, less two days


def rows(client, query=None) -> dict[str, bool]:
    response = client.get(WORKLIST, query or {})
    return {row.name: row.clock_running for row in response.context["rows"]}


def test_detainees_repeats_the_custody_clock_of_disputes():
    # detainees may not import disputes, so the rule is written twice: they must agree.
    assert detainee_selectors.CUSTODY_CLOCK == dispute_selectors.CUSTODY_CLOCK == timedelta(days=2)


def test_the_worklist_flags_an_open_lead_from_two_days_before_the_release(
    make_detention, make_lead, officer_a, client_for
):
    make_lead(make_detention(name="有未结线索", id_number=resident_id(1)))
    closed = make_lead(make_detention(name="线索已撤回", id_number=resident_id(2)))
    services.move_lead(closed, DisputeLead.Status.WITHDRAWN, acting_user=officer_a)
    make_detention(name="没有线索", id_number=resident_id(3))
    client = client_for(officer_a)
    everyone = {"有未结线索": False, "线索已撤回": False, "没有线索": False}

    with time_machine.travel(CLOCK_STARTS - timedelta(microseconds=1), tick=False):
        assert rows(client) == everyone
        assert rows(client, {"custody_clock": "on"}) == {}
        assert "出所前未结</span>" not in client.get(WORKLIST).content.decode()

    with time_machine.travel(CLOCK_STARTS, tick=False):
        assert rows(client) == {**everyone, "有未结线索": True}
        assert rows(client, {"custody_clock": "on"}) == {"有未结线索": True}
        html = client.get(WORKLIST).content.decode()
        assert html.count("出所前未结</span>") == 1


def test_the_flag_goes_when_the_lead_is_closed(make_detention, make_lead, officer_a, client_for):
    lead = make_lead(make_detention())
    client = client_for(officer_a)

    with time_machine.travel(CLOCK_STARTS + timedelta(hours=1), tick=False):
        assert rows(client) == {"赵建军": True}
        services.move_lead(lead, DisputeLead.Status.WITHDRAWN, acting_user=officer_a)
        assert rows(client) == {"赵建军": False}
        assert rows(client, {"custody_clock": "on"}) == {}


def test_the_filter_costs_no_extra_query(make_detention, make_lead, officer_a, client_for, django_assert_num_queries):
    for serial in range(3):
        make_lead(make_detention(name=f"人员{serial}", id_number=resident_id(serial)))
    client = client_for(officer_a)

    # session, user, membership, the rows (open leads annotated), the inbox's unread count
    with time_machine.travel(CLOCK_STARTS, tick=False), django_assert_num_queries(5):
        response = client.get(WORKLIST, {"custody_clock": "on"})

    assert len(response.context["rows"]) == 3
