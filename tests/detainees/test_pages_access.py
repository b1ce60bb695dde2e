"""Who may open the officer pages: the officers and leaders of the detention's centre. Another centre's
officer gets 404 on every URL of a detention, other roles 403, anonymous visitors the sign-in page."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Role
from audit.models import AccessLog
from detainees import services
from detainees.models import Document, HealthCheck, Movement
from tests.conftest import PERSONA_OF_ROLE

from . import document_files
from .conftest import local

PDF = document_files.pdf()  # a whole, valid PDF: uploads are parsed


@pytest.fixture
def detention_a(make_detention, officer_a, private_media, frozen_now):
    """A detention of centre A with a health check and a document."""
    detention = make_detention(responsible_officer=officer_a)
    services.record_health_check(
        detention,
        external_ref="TJ-001",
        checked_at=local(2026, 3, 2, 17, 0),
        conclusion="suitable",
        findings="血压偏高",
    )
    services.add_document(
        detention,
        kind="decision_notice",
        title="拘留决定书",
        upload=SimpleUploadedFile("a.pdf", PDF, content_type="application/pdf"),
        acting_user=officer_a,
    )
    return detention


def detention_urls(detention) -> list[tuple[str, str, dict]]:
    """(method, url, data) of every page of one detention; the POSTs carry valid data, so a refusal
    is the access check's and not the form's."""
    pk = detention.pk
    document = Document.objects.get(detention=detention)
    return [
        ("get", f"/detainees/{pk}/", {}),
        ("post", f"/detainees/{pk}/reveal/", {"field": "id_number"}),
        ("post", f"/detainees/{pk}/reveal/", {"field": "phone"}),
        ("get", f"/detainees/{pk}/edit/", {}),
        (
            "post",
            f"/detainees/{pk}/edit/",
            {"kind": "judicial", "admitted_at": "2026-03-02T15:00", "detention_days": 5},
        ),
        ("get", f"/detainees/{pk}/release/", {}),
        ("post", f"/detainees/{pk}/release/", {"released_at": "2026-03-09T09:00"}),
        ("get", f"/detainees/{pk}/transfer/", {}),
        ("get", f"/detainees/{pk}/assessment/", {}),
        ("post", f"/detainees/{pk}/assessment/", {"risk_level": "low", "screening_result": "none_found"}),
        ("get", f"/detainees/{pk}/health/", {}),
        (
            "post",
            f"/detainees/{pk}/documents/",
            {"kind": "other", "title": "x", "file": SimpleUploadedFile("b.pdf", PDF)},
        ),
        ("get", f"/detainees/{pk}/documents/{document.pk}/", {}),
    ]


def test_an_officer_of_another_centre_gets_404_on_every_url_of_the_detention(detention_a, officer_b, client_for):
    client = client_for(officer_b)
    before = (AccessLog.objects.count(), Document.objects.count(), HealthCheck.objects.count())

    responses = {
        (method, url, str(data.get("field", ""))): getattr(client, method)(url, data)
        for method, url, data in detention_urls(detention_a)
    }

    assert {key: response.status_code for key, response in responses.items()} == dict.fromkeys(responses, 404)
    detention_a.refresh_from_db()
    assert detention_a.is_in_custody and detention_a.kind == "administrative"
    assert detention_a.assessment_completed_at is None
    assert (AccessLog.objects.count(), Document.objects.count(), HealthCheck.objects.count()) == before


def test_a_detention_that_does_not_exist_is_404_too(officer_a, client_for):
    assert client_for(officer_a).get("/detainees/999999/").status_code == 404


@pytest.mark.parametrize("persona", ["officer_a", "leader_a"])
def test_the_officers_and_leaders_of_the_centre_use_every_url(request, detention_a, client_for, persona):
    # The same requests that are 404 for another centre's officer: so that test cannot pass on a typo.
    client = client_for(request.getfixturevalue(persona))

    statuses = [
        (url, getattr(client, method)(url, data).status_code) for method, url, data in detention_urls(detention_a)
    ]

    assert [(url, status) for url, status in statuses if status not in {200, 302}] == []
    detention_a.refresh_from_db()
    assert not detention_a.is_in_custody  # the release went through


@pytest.mark.parametrize("role", [role for role in Role if role not in {Role.OFFICER, Role.CENTRE_LEADER}], ids=str)
def test_every_other_role_is_refused_with_403(request, detention_a, client_for, role):
    client = client_for(request.getfixturevalue(PERSONA_OF_ROLE[role]))

    assert client.get("/detainees/").status_code == 403
    assert client.post("/detainees/", {"q": "赵建军"}).status_code == 403
    assert client.get("/detainees/new/").status_code == 403
    assert client.post("/detainees/new/", {}).status_code == 403
    assert client.get(f"/detainees/{detention_a.pk}/").status_code == 403
    assert client.post(f"/detainees/{detention_a.pk}/reveal/", {"field": "id_number"}).status_code == 403
    assert not AccessLog.objects.exists()


def test_an_anonymous_visitor_is_sent_to_sign_in(detention_a, anonymous_client):
    for url in [
        "/detainees/",
        "/detainees/new/",
        f"/detainees/{detention_a.pk}/",
        f"/detainees/{detention_a.pk}/health/",
    ]:
        response = anonymous_client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/login/?next=")
    assert anonymous_client.post(f"/detainees/{detention_a.pk}/reveal/", {"field": "id_number"}).status_code == 302
    assert not AccessLog.objects.exists()


def test_the_navigation_of_officers_and_leaders_leads_to_the_worklist_and_intake(officer_a, leader_a, client_for):
    for persona in (officer_a, leader_a):
        html = client_for(persona).get("/detainees/").content.decode()
        assert '<a href="/detainees/" aria-current="page">工作清单</a>' in html
        assert '<a href="/detainees/new/">新建入所</a>' in html


def test_a_transfer_keeps_one_detention_and_moves_who_sees_it(detention_a, officer_a, officer_b, orgs, client_for):
    client_a = client_for(officer_a)

    form = client_a.get(f"/detainees/{detention_a.pk}/transfer/")
    assert orgs.centre_b.name in form.content.decode()
    response = client_a.post(
        f"/detainees/{detention_a.pk}/transfer/",
        {"to_facility": orgs.centre_b.pk, "moved_at": "2026-03-09T10:00", "note": "异地羁押"},
    )

    assert response.status_code == 302
    detention_a.refresh_from_db()
    assert detention_a.facility == orgs.centre_b
    assert detention_a.is_in_custody
    assert detention_a.person.detentions.count() == 1
    assert Movement.objects.get().to_facility == orgs.centre_b
    assert client_a.get(f"/detainees/{detention_a.pk}/").status_code == 404
    client_b = client_for(officer_b)
    detail = client_b.get(f"/detainees/{detention_a.pk}/")
    assert detail.status_code == 200
    html = detail.content.decode()
    assert "由余姚市拘留所转至慈溪市拘留所" in html  # the timeline
    assert "余姚市拘留所，行政拘留" in html  # admitted at the first centre
    assert detention_a.name in client_b.get("/detainees/").content.decode()
