"""The detail page of a detention: masked numbers and the logged reveal, the logged health details, the
timeline, earlier detentions (dates and centre only), and the edit and release pages."""

from __future__ import annotations

import pytest
import time_machine

from audit.models import AccessLog
from detainees import services
from detainees.models import Detention
from detainees.selectors import TimelineEntry, detention_timeline

from .conftest import ID_MAN, PHONE, local

MASKED_ID = "330281********1233"
MASKED_PHONE = "138****1234"


@pytest.fixture
def detention(make_detention, officer_a, frozen_now) -> Detention:
    return make_detention(responsible_officer=officer_a, cell="3 号监室", reason="殴打他人")


def html_of(response) -> str:
    return response.content.decode()


def test_the_detail_shows_the_numbers_masked(detention, officer_a, client_for):
    html = html_of(client_for(officer_a).get(f"/detainees/{detention.pk}/"))

    assert MASKED_ID in html and MASKED_PHONE in html
    assert ID_MAN not in html and PHONE not in html
    assert "3 号监室" in html and "殴打他人" in html
    assert not AccessLog.objects.exists()


@pytest.mark.parametrize(
    "field, action, full, masked",
    [
        ("id_number", AccessLog.Action.SHOW_FULL_ID_NUMBER, ID_MAN, MASKED_PHONE),
        ("phone", AccessLog.Action.SHOW_FULL_PHONE, PHONE, MASKED_ID),
    ],
)
def test_revealing_a_number_shows_it_in_that_response_only_and_logs_it(
    detention, officer_a, client_for, field, action, full, masked
):
    client = client_for(officer_a)

    response = client.post(f"/detainees/{detention.pk}/reveal/", {"field": field})

    assert response.status_code == 200
    assert full in html_of(response)
    assert masked in html_of(response)  # the other number stays masked
    assert "no-store" in response["Cache-Control"]
    log = AccessLog.objects.get()
    # The document number is the person's; the phone is the one this centre recorded on the detention.
    owner = detention.person if field == "id_number" else detention
    assert (log.user, log.action, log.object_id, log.path) == (
        officer_a,
        action,
        str(owner.pk),
        f"/detainees/{detention.pk}/reveal/",
    )
    assert log.content_type.model_class() is type(owner)
    # The next page view is masked again, and the worklist never shows the full number.
    assert full not in html_of(client.get(f"/detainees/{detention.pk}/"))
    assert full not in html_of(client.get("/detainees/"))


def test_revealing_through_htmx_returns_only_the_numbers(detention, officer_a, client_for):
    response = client_for(officer_a).post(
        f"/detainees/{detention.pk}/reveal/", {"field": "id_number"}, headers={"HX-Request": "true"}
    )

    html = html_of(response)
    assert html.startswith('<dl id="person-numbers"')
    assert ID_MAN in html and "<html" not in html
    assert AccessLog.objects.count() == 1


def test_reveal_takes_only_post_and_known_fields(detention, officer_a, client_for):
    client = client_for(officer_a)

    assert client.get(f"/detainees/{detention.pk}/reveal/").status_code == 405
    assert client.post(f"/detainees/{detention.pk}/reveal/", {"field": "name"}).status_code == 400
    assert not AccessLog.objects.exists()


def test_health_details_are_on_their_own_page_and_each_opening_is_logged(detention, officer_a, client_for):
    services.record_health_check(
        detention,
        external_ref="TJ-001",
        checked_at=local(2026, 3, 2, 17, 0),
        conclusion="postpone",
        findings="血压 180/110",
        history="高血压十年",
        mental_state="焦虑",
    )
    client = client_for(officer_a)

    detail = html_of(client.get(f"/detainees/{detention.pk}/"))
    assert "暂缓参加调解" in detail
    assert "血压 180/110" not in detail and "高血压十年" not in detail
    assert not AccessLog.objects.exists()

    response = client.get(f"/detainees/{detention.pk}/health/")

    html = html_of(response)
    assert "血压 180/110" in html and "高血压十年" in html and "焦虑" in html
    assert "no-store" in response["Cache-Control"]
    log = AccessLog.objects.get()
    assert (log.action, log.user, log.object_id) == (AccessLog.Action.OPEN_HEALTH_CHECK, officer_a, str(detention.pk))


def test_earlier_detentions_show_only_dates_and_centre(make_detention, officer_a, orgs, client_for, frozen_now):
    make_detention(
        facility=orgs.centre_b,
        admitted_at=local(2025, 7, 1, 10, 0),
        released_at=local(2025, 7, 6, 10, 0),
        detention_days=5,
        reason="寻衅滋事",
        decision_number="慈公（治）决字〔2025〕第 77 号",
        cell="9 号监室",
        external_ref="CX-2025-0077",
    )
    current = make_detention(reason="殴打他人")

    html = html_of(client_for(officer_a).get(f"/detainees/{current.pk}/"))

    section = html[html.index('id="earlier-heading"') :]
    assert "2025-07-01" in section and "2025-07-06" in section and "慈溪市拘留所" in section
    for secret in ("寻衅滋事", "慈公（治）决字", "9 号监室", "CX-2025-0077"):
        assert secret not in html


def test_the_timeline_lists_what_happened_in_order(detention, officer_a, orgs, private_media):
    services.record_health_check(
        detention, external_ref="TJ-9", checked_at=local(2026, 3, 2, 17, 0), conclusion="suitable"
    )
    with time_machine.travel(local(2026, 3, 3, 9, 0), tick=False):
        services.complete_assessment(
            detention, risk_tags=[], risk_level="low", screening_result="none_found", acting_user=officer_a
        )
    services.release_detention(detention, released_at=local(2026, 3, 9, 15, 0), acting_user=officer_a)
    detention.refresh_from_db()

    entries = detention_timeline(detention)

    assert [(entry.at, entry.title) for entry in entries] == [
        (local(2026, 3, 2, 15, 0), "入所"),
        (local(2026, 3, 2, 17, 0), "体检"),
        (local(2026, 3, 3, 9, 0), "完成入所评估"),
        (local(2026, 3, 9, 15, 0), "出所"),
    ]
    assert all(isinstance(entry, TimelineEntry) for entry in entries)


def test_the_detention_page_puts_other_apps_entries_in_order(detention, monkeypatch):
    from casework import selectors

    extra = TimelineEntry(local(2026, 3, 2, 16, 0), "发现矛盾线索", "婚姻家庭", "lead")
    monkeypatch.setattr(selectors, "disputes_timeline", lambda d: [extra])

    assert [entry.title for entry in selectors.detention_timeline(detention)] == ["入所", "发现矛盾线索"]


def test_an_officer_corrects_the_admission_and_the_due_time_follows(detention, officer_a, client_for):
    client = client_for(officer_a)
    form = html_of(client.get(f"/detainees/{detention.pk}/edit/"))
    assert 'value="2026-03-02T15:00"' in form

    response = client.post(
        f"/detainees/{detention.pk}/edit/",
        {
            "kind": "administrative",
            "admitted_at": "2026-03-01T23:30",
            "detention_days": "10",
            "scheduled_release_at": "2026-03-12T15:00",  # unchanged: follows the admission and the days
            "cell": "5 号监室",
            "responsible_officer": officer_a.pk,
        },
    )

    assert response.status_code == 302
    detention.refresh_from_db()
    assert detention.admitted_at == local(2026, 3, 1, 23, 30)
    assert detention.scheduled_release_at == local(2026, 3, 11, 23, 30)
    assert detention.assessment_due_at == local(2026, 3, 4, 23, 59, 59, 999999)
    assert detention.cell == "5 号监室"
    assert detention.reason == ""  # cleared in the form: a correction may clear a field


def test_an_edit_with_a_release_before_admission_is_refused(detention, officer_a, client_for):
    response = client_for(officer_a).post(
        f"/detainees/{detention.pk}/edit/",
        {
            "kind": "administrative",
            "admitted_at": "2026-03-02T15:00",
            "detention_days": "",
            "scheduled_release_at": "2026-03-01T15:00",
        },
    )

    assert response.status_code == 200
    assert "预计出所时间不能早于入所时间" in response.context["form"].errors["scheduled_release_at"][0]
    detention.refresh_from_db()
    assert detention.scheduled_release_at == local(2026, 3, 12, 15, 0)


def test_an_officer_releases_a_person(detention, officer_a, client_for):
    client = client_for(officer_a)

    refused = client.post(f"/detainees/{detention.pk}/release/", {"released_at": "2026-03-01T09:00"})
    assert "出所时间不能早于入所时间" in html_of(refused)
    response = client.post(f"/detainees/{detention.pk}/release/", {"released_at": "2026-03-09T08:00"})

    assert response.status_code == 302
    detention.refresh_from_db()
    assert (detention.status, detention.released_at) == ("released", local(2026, 3, 9, 8, 0))
    html = html_of(client.get(f"/detainees/{detention.pk}/"))
    assert "已出所" in html
    assert f"/detainees/{detention.pk}/release/" not in html  # no release button any more
