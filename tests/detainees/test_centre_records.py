"""One centre's record of a person is its own (issue 11, DESIGN.md §3 and §5): the person is the identity
alone, shared by every centre; the name as written, phone, addresses, employer and family contacts a
centre records belong to its detention. Another centre's import or intake of the same ID number changes
none of it and reads none of it, and its refusals say nothing of what exists elsewhere."""

from __future__ import annotations

import json
import re

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from detainees.models import Detention, FamilyContact, Person

from .conftest import ID_MAN, PHONE, resident_id
from .import_files import detention as import_row
from .test_pages_intake import intake_data

pytestmark = pytest.mark.usefixtures("frozen_now")

CENTRE_B = "330282-JLS"
# What 慈溪 claims in its made-up past stay of 余姚's person: every recorded value different.
CIXI_PHONE = "13611112222"
CIXI_ROW = import_row(
    facility_code=CENTRE_B,
    external_ref="CX-2025-0001",
    name="赵建君",
    id_number=ID_MAN,
    phone=CIXI_PHONE,
    household_address="浙江省慈溪市浒山街道伪造路 9 号",
    current_address="浙江省慈溪市坎墩街道伪造路 8 号",
    employer="慈溪市某伪造公司",
    admitted_at="2025-06-01 10:00",
    days="5",
    released_at="2025-06-06 10:00",
)
YUYAO_TEXTS = ("赵建军", "新建路 1 号", "梨洲街道", "余姚市某机械厂", "赵丽")


def api_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def push(user, rows) -> dict:
    response = api_for(user).post(
        "/api/v1/imports/detentions/", json.dumps(rows, ensure_ascii=False), content_type="application/json"
    )
    assert response.status_code == 200, response.content
    return response.json()


def html_of(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def reveal_phone(client, detention: Detention) -> str:
    return html_of(client.post(f"/detainees/{detention.pk}/reveal/", {"field": "phone"}))


@pytest.fixture
def yuyao(officer_a, client_for) -> Detention:
    """余姚's detention of the man, entered through the intake page, with a family contact."""
    response = client_for(officer_a).post("/detainees/new/", intake_data())
    assert response.status_code == 302
    return Detention.objects.get(facility__code="330281-JLS")


def page_of_record(html: str) -> str:
    """A detention page without its CSRF tokens (new in every response) and without the person's stays
    elsewhere (dates and centre, which another centre's new stay rightly adds to)."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)
    return re.sub(r'<section class="card" aria-labelledby="earlier-heading">.*?</section>', "", html, flags=re.S)


def yuyao_views(client, detention: Detention) -> tuple:
    """Everything 余姚 sees of its record: the page, the full phone, the API's JSON, the contacts."""
    return (
        page_of_record(html_of(client.get(f"/detainees/{detention.pk}/"))),
        PHONE in reveal_phone(client, detention),
        client.get(f"/api/v1/detentions/{detention.pk}/").json(),
        list(FamilyContact.objects.filter(detention=detention).values_list("name", "relation", "phone")),
    )


def test_another_centres_import_of_the_same_id_number_changes_nothing_of_what_yuyao_recorded(
    yuyao, officer_a, officer_b, client_for
):
    client_a = client_for(officer_a)
    before = yuyao_views(client_a, yuyao)
    stored = Detention.objects.filter(pk=yuyao.pk).values().get()

    answer = push(officer_b, [CIXI_ROW])

    assert (answer["status"], answer["new"], answer["errors"]) == ("done", 1, [])
    assert yuyao_views(client_a, yuyao) == before
    assert Detention.objects.filter(pk=yuyao.pk).values().get() == stored
    cixi = Detention.objects.get(facility__code=CENTRE_B)
    assert cixi.person_id == yuyao.person_id  # one ID number, one person
    assert Person.objects.count() == 1


def test_another_centres_import_reads_nothing_of_what_yuyao_recorded(yuyao, officer_b, client_for):
    push(officer_b, [{**CIXI_ROW, "phone": "", "household_address": "", "current_address": "", "employer": ""}])
    cixi = Detention.objects.get(facility__code=CENTRE_B)
    client_b = client_for(officer_b)

    page = html_of(client_b.get(f"/detainees/{cixi.pk}/"))
    revealed = reveal_phone(client_b, cixi)
    api = client_b.get(f"/api/v1/detentions/{cixi.pk}/")

    for text in YUYAO_TEXTS:
        assert text not in page
    assert "赵建君" in page
    # No phone recorded by 慈溪: nothing to reveal, and never 余姚's number, full or masked.
    assert PHONE not in revealed and "138****1234" not in revealed and "138****1234" not in page
    assert (api.json()["person"]["name"], api.json()["person"]["phone_masked"]) == ("赵建君", "")
    # Of 余姚's stay, 慈溪 sees dates and the centre only (DESIGN.md §5).
    assert "余姚市拘留所" in page and "2026-03-02" in page


def test_another_centres_page_and_reveal_show_its_own_record(yuyao, officer_b, client_for):
    push(officer_b, [CIXI_ROW])
    cixi = Detention.objects.get(facility__code=CENTRE_B)
    client_b = client_for(officer_b)

    page = html_of(client_b.get(f"/detainees/{cixi.pk}/"))
    revealed = reveal_phone(client_b, cixi)

    assert "伪造路 9 号" in page and "慈溪市某伪造公司" in page
    assert "新建路 1 号" not in page and "余姚市某机械厂" not in page
    assert CIXI_PHONE in revealed and PHONE not in revealed


def test_another_centres_api_intake_changes_and_reads_nothing_of_what_yuyao_recorded(
    yuyao, officer_a, officer_b, client_for
):
    client_a = client_for(officer_a)
    before = yuyao_views(client_a, yuyao)
    payload = {
        "person": {"id_number": ID_MAN, "name": "赵建君", "phone": CIXI_PHONE, "employer": "慈溪市某伪造公司"},
        "kind": "administrative",
        "admitted_at": "2025-06-01T10:00:00+08:00",
        "detention_days": 5,
        "released_at": "2025-06-06T10:00:00+08:00",
    }

    response = client_for(officer_b).post("/api/v1/detentions/", payload, content_type="application/json")

    assert response.status_code == 201, response.content
    assert response.json()["person"]["name"] == "赵建君"
    assert response.json()["person"]["phone_masked"] == "136****2222"
    assert yuyao_views(client_a, yuyao) == before


def test_an_import_updating_its_own_detention_changes_that_detention_only(yuyao, officer_b, client_for):
    """慈溪 corrects its own stay of the person: 余姚's record of the same person stays as it was."""
    push(officer_b, [CIXI_ROW])
    stored = Detention.objects.filter(pk=yuyao.pk).values().get()

    answer = push(officer_b, [{**CIXI_ROW, "name": "赵建国", "employer": "慈溪市另一家公司"}])

    assert (answer["updated"], answer["errors"]) == (1, [])
    cixi = Detention.objects.get(facility__code=CENTRE_B)
    assert (cixi.name, cixi.employer) == ("赵建国", "慈溪市另一家公司")
    assert Detention.objects.filter(pk=yuyao.pk).values().get() == stored


# --- refusals say nothing of another centre --------------------------------------------------------------


def without_ids(answer: dict) -> dict:
    return {key: value for key, value in answer.items() if key != "id"}


def test_a_reference_used_at_another_centre_answers_like_a_reference_never_seen(make_detention, orgs, officer_b):
    make_detention(facility=orgs.centre_a, external_ref="JLS-2026-0100", id_number=resident_id(1), name="钱卫国")
    used_elsewhere = {**CIXI_ROW, "external_ref": "JLS-2026-0100", "id_number": resident_id(2)}
    never_seen = {**CIXI_ROW, "external_ref": "JLS-2026-0200", "id_number": resident_id(3)}

    answers = [push(officer_b, [row]) for row in (used_elsewhere, never_seen)]

    assert without_ids(answers[0]) == without_ids(answers[1])
    assert answers[0]["errors"] == [] and answers[0]["new"] == 1
    assert "其他拘留所" not in json.dumps(answers[0], ensure_ascii=False)
