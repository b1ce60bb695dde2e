"""Hostile input on the dispute pages and API (issue 11): JSON nested 100,000 deep, absurd dates in query
strings and forms, U+0000 and phones that are no phone number in a lead's parties. Each answers 4xx (or
a form error) in Chinese and leaves no row behind."""

from __future__ import annotations

import json

import pytest
import time_machine

from disputes.models import DisputeLead, LeadParty, MediationSession, SessionParticipant
from tests.detainees.conftest import FIXED_NOW

from .test_lead_pages import lead_form
from .test_session_pages import booking, create_url

DEEP = "[" * 100_000 + "]" * 100_000
OUT_OF_RANGE = "日期应在 1900-01-01 至 2199-12-31 之间"
BAD_PHONE = "电话号码格式不正确"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(FIXED_NOW, tick=False):
        yield


def rows() -> tuple[int, int, int, int]:
    return (
        DisputeLead.objects.count(),
        LeadParty.objects.count(),
        MediationSession.objects.count(),
        SessionParticipant.objects.count(),
    )


def post_json(client, url: str, body):
    return client.post(url, body if isinstance(body, str) else json.dumps(body), content_type="application/json")


# --- JSON nested 100,000 deep ------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/api/v1/leads/", "/api/v1/sessions/"])
def test_json_nested_100000_deep_answers_400_in_chinese(client_for, officer_a, url):
    client = client_for(officer_a)
    client.raise_request_exception = False

    response = post_json(client, url, DEEP)

    assert (response.status_code, response.json()) == (400, {"detail": "JSON 嵌套层数过多（最多 32 层）"})
    assert rows() == (0, 0, 0, 0)


# --- absurd dates ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("view", ["week", "day"])
@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_the_calendar_answers_an_absurd_date_with_a_bad_request(client_for, officer_a, rooms, view, day):
    client = client_for(officer_a)
    client.raise_request_exception = False

    response = client.get("/disputes/calendar/", {"view": view, "date": day})

    assert response.status_code == 400
    assert "请求有误" in response.content.decode()


def test_the_calendar_pages_at_the_edge_of_the_range_render(client_for, officer_a, rooms):
    client = client_for(officer_a)

    for view in ("week", "day"):
        for day in ("1900-01-01", "2199-12-31"):
            response = client.get("/disputes/calendar/", {"view": view, "date": day})
            assert response.status_code == 200
            assert response.context["calendar"].view == view


@pytest.mark.parametrize("query", [{"to": "9999-12-31"}, {"from": "0001-01-01"}, {"from": "9999-12-31"}])
def test_the_session_list_refuses_an_absurd_date_filter(client_for, officer_a, query):
    client = client_for(officer_a)
    client.raise_request_exception = False

    response = client.get("/api/v1/sessions/", query)

    assert (response.status_code, response.json()) == (400, {next(iter(query)): [OUT_OF_RANGE]})


@pytest.mark.parametrize("starts_at", ["9999-12-31T23:00:00+08:00", "0001-01-01T00:00:00+08:00"])
def test_a_session_booked_through_the_api_at_an_absurd_time_is_refused(
    client_for, officer_a, ready_lead, rooms, starts_at
):
    client = client_for(officer_a)
    client.raise_request_exception = False
    payload = {
        "lead": ready_lead.pk,
        "mode": "in_person",
        "starts_at": starts_at,
        "ends_at": starts_at,
        "room": rooms["one"].pk,
        "topic": "执行款分期履行",
    }

    response = post_json(client, "/api/v1/sessions/", payload)

    assert response.status_code == 400
    # Year 1 at +08:00 is before year 1 in UTC: DRF's own message says so before the range is checked.
    assert response.json()["starts_at"] in ([OUT_OF_RANGE], ["时间数值超出有效范围。"])
    assert rows()[2:] == (0, 0)


def test_a_session_booked_on_a_page_for_year_9999_is_a_form_error(client_for, officer_a, ready_lead, rooms):
    client = client_for(officer_a)
    client.raise_request_exception = False

    response = client.post(create_url(ready_lead), booking(rooms, day="9999-12-31"))

    assert response.status_code in (200, 400)
    assert OUT_OF_RANGE in response.content.decode()
    assert rows()[2:] == (0, 0)


def test_the_audit_search_refuses_an_absurd_day_with_a_form_error(client_for, audit_admin):
    client = client_for(audit_admin)
    client.raise_request_exception = False

    response = client.get("/audit/events/", {"date_from": "0001-01-01", "date_to": "9999-12-31"})

    assert response.status_code in (200, 400)
    assert OUT_OF_RANGE in response.content.decode()


# --- a lead's parties: U+0000 and phones ------------------------------------------------------------------------------


def lead_body(detention, **party) -> dict:
    return {
        "detention": detention.pk,
        "category": "debt",
        "summary": "欠款",
        "parties": [{"side": "counterparty", "name": "钱秀英", **party}],
    }


@pytest.mark.parametrize("phone", ["hello", "12345", "0574-12345678"])
def test_a_party_phone_that_is_no_phone_number_is_refused_by_the_api(client_for, officer_a, make_detention, phone):
    response = post_json(client_for(officer_a), "/api/v1/leads/", lead_body(make_detention(), phone=phone))

    assert response.status_code == 400
    assert response.json()["parties"]["0"]["phone"][0].startswith(BAD_PHONE)
    assert rows() == (0, 0, 0, 0)


def test_a_full_width_party_phone_is_stored_in_ascii(client_for, officer_a, make_detention):
    response = post_json(
        client_for(officer_a), "/api/v1/leads/", lead_body(make_detention(), phone="１３９　００００　２２２２")
    )

    assert response.status_code == 201, response.content
    assert LeadParty.objects.get().phone == "139 0000 2222"


def test_a_nul_character_in_a_party_is_a_400_naming_the_field(client_for, officer_a, make_detention):
    response = post_json(client_for(officer_a), "/api/v1/leads/", lead_body(make_detention(), address="余姚\x00"))

    assert response.status_code == 400
    assert list(response.json()["parties"]["0"]) == ["address"]
    assert response.json()["parties"]["0"]["address"] == ["不能包含空字符（U+0000）"]
    assert rows() == (0, 0, 0, 0)


def test_a_nul_character_in_a_page_form_is_refused_with_words_that_say_so(client_for, officer_a, make_detention):
    detention = make_detention()

    response = client_for(officer_a).post(
        f"/disputes/new/{detention.pk}/", {"category": "marriage_family", "summary": "夫妻\x00矛盾"}
    )

    assert response.status_code == 200
    assert "不能包含空字符（U+0000）" in response.content.decode()
    assert rows() == (0, 0, 0, 0)


def test_the_lead_page_refuses_a_party_phone_that_is_no_phone_number(client_for, officer_a, make_detention):
    detention = make_detention()

    response = client_for(officer_a).post(f"/disputes/new/{detention.pk}/", lead_form(party_1_phone="请联系家属"))

    assert response.status_code in (200, 400)
    assert BAD_PHONE in response.content.decode()
    assert rows() == (0, 0, 0, 0)


def test_the_lead_page_stores_a_full_width_landline_in_ascii(client_for, officer_a, make_detention):
    detention = make_detention()

    response = client_for(officer_a).post(
        f"/disputes/new/{detention.pk}/", lead_form(party_1_phone="０５７４－６２３４５６７８")
    )

    assert response.status_code == 302
    assert LeadParty.objects.get().phone == "0574-62345678"
