"""Hostile input on the detainee endpoints (issue 11): JSON nested 100,000 deep, U+0000 in a row, dates
outside the years the system can mean, phones that are no phone number. Each answers 4xx with a Chinese
message and leaves no case row; a refused import leaves at most a failed log, which the cleanup removes."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from detainees import imports
from detainees.models import Detention, FamilyContact, HealthCheck, ImportLog, Person

from .conftest import FIXED_NOW, ID_WOMAN
from .import_files import detention, health_check

pytestmark = pytest.mark.usefixtures("frozen_now", "import_storage")

DEEP = "[" * 100_000 + "]" * 100_000
JSON_ENDPOINTS = [
    "/api/v1/auth/token/",
    "/api/v1/imports/detentions/",
    "/api/v1/imports/health-checks/",
    "/api/v1/detentions/",
]


def rows() -> dict[str, int]:
    """The rows an import or an intake would have written, and the import logs."""
    return {
        model.__name__: model.objects.count()
        for model in (ImportLog, Person, Detention, HealthCheck, FamilyContact, Token)
    }


@pytest.fixture
def api(officer_a) -> APIClient:
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=officer_a).key}")
    return client


def push(client: APIClient, body, url: str = "/api/v1/imports/detentions/"):
    return client.post(url, json.dumps(body, ensure_ascii=False), content_type="application/json")


def cleanup_after_a_day() -> int:
    return imports.remove_refused_imports(now=FIXED_NOW + timedelta(hours=25))


# --- JSON nested 100,000 deep ----------------------------------------------------------------------------


@pytest.mark.parametrize("url", JSON_ENDPOINTS)
def test_json_nested_100000_deep_answers_400_in_chinese_on_every_json_endpoint(api, url):
    before = rows()

    response = api.post(url, DEEP, content_type="application/json")

    assert response.status_code == 400
    assert "JSON 嵌套层数过多（最多 32 层）" in response.content.decode()
    assert rows() == before


def test_the_token_sign_in_refuses_deep_json_without_credentials(db, anonymous_client):
    anonymous_client.raise_request_exception = False

    response = anonymous_client.post("/api/v1/auth/token/", DEEP, content_type="application/json")

    assert (response.status_code, response.json()) == (400, {"detail": "JSON 嵌套层数过多（最多 32 层）"})
    assert Token.objects.count() == 0


def test_the_import_push_lists_the_parse_error_in_its_usual_shape(api):
    answer = api.post("/api/v1/imports/detentions/", DEEP, content_type="application/json").json()

    assert (answer["detail"], answer["id"], answer["errors"]) == (
        "请求体不是有效的 JSON",
        None,
        [{"row": None, "field": "", "message": "JSON 嵌套层数过多（最多 32 层）"}],
    )
    assert ImportLog.objects.count() == 0


def test_a_body_above_the_size_limit_is_refused_before_parsing(api, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 1024
    before = rows()

    response = api.post("/api/v1/detentions/", json.dumps({"reason": "x" * 2000}), content_type="application/json")

    assert (response.status_code, response.json()) == (400, {"detail": "请求体过大：不能超过 0.000976562 MB"})
    assert rows() == before


def test_an_uploaded_json_file_nested_100000_deep_fails_and_is_cleaned_up(officer_a, client_for):
    client = client_for(officer_a)
    client.raise_request_exception = False
    before = rows()

    response = client.post(
        "/detainees/imports/",
        {"kind": "detentions", "file": SimpleUploadedFile("入所人员.json", DEEP.encode())},
    )

    log = ImportLog.objects.get()
    assert response.status_code == 302
    assert "JSON 嵌套层数过多（最多 32 层）" in client.get(response["Location"]).content.decode()
    assert (log.status, log.stored_file.name) == (ImportLog.Status.FAILED, "")
    assert rows() == {**before, "ImportLog": 1}
    assert cleanup_after_a_day() == 1
    assert rows() == before


# --- U+0000 in a pushed or uploaded row ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "label"), [("external_ref", "入所编号"), ("name", "姓名"), ("facility_code", "监所代码")]
)
def test_a_nul_character_in_a_pushed_row_is_a_400_naming_the_column(api, key, label):
    before = rows()

    response = push(api, [detention(**{key: "JLS\x00-0001"})])

    answer = response.json()
    assert response.status_code == 400
    assert answer["status"] == "failed" and answer["invalid"] == 1
    assert {"row": 1, "field": label, "message": f"第 1 行，{label}：不能包含空字符（U+0000）"} in answer["errors"]
    assert rows() == {**before, "ImportLog": 1}
    assert cleanup_after_a_day() == 1
    assert rows() == before


def test_a_nul_character_in_a_pushed_health_check_is_a_400_naming_the_column(api):
    before = rows()

    response = push(api, [health_check(external_ref="TJ\x00", findings="\x00")], url="/api/v1/imports/health-checks/")

    messages = [error["message"] for error in response.json()["errors"]]
    assert response.status_code == 400
    assert "第 1 行，体检编号：不能包含空字符（U+0000）" in messages
    assert "第 1 行，异常项目：不能包含空字符（U+0000）" in messages
    assert cleanup_after_a_day() == 1
    assert rows() == before


def test_a_nul_character_in_an_uploaded_json_row_is_an_error_of_the_dry_run(officer_a, client_for):
    client = client_for(officer_a)
    client.raise_request_exception = False
    content = json.dumps([detention(external_ref="A\x00", name="赵\x00")]).encode()

    response = client.post(
        "/detainees/imports/", {"kind": "detentions", "file": SimpleUploadedFile("rows.json", content)}
    )

    page = client.get(response["Location"]).content.decode()
    assert "第 1 行，入所编号：不能包含空字符（U+0000）" in page
    assert "第 1 行，姓名：不能包含空字符（U+0000）" in page
    assert (Person.objects.count(), Detention.objects.count()) == (0, 0)


# --- dates the system cannot mean ------------------------------------------------------------------------------


@pytest.mark.parametrize("admitted_at", ["9999-12-31 23:00", "0001-01-01 00:00", "9999-12-31T23:00:00+08:00"])
def test_a_pushed_time_outside_the_possible_years_is_a_row_error(api, admitted_at):
    before = rows()

    response = push(api, [detention(admitted_at=admitted_at)])

    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == "第 1 行，入所时间：日期应在 1900-01-01 至 2199-12-31 之间"
    assert cleanup_after_a_day() == 1
    assert rows() == before


@pytest.mark.parametrize(
    "query",
    [
        {"admitted_after": "0001-01-01T00:00:00+08:00"},
        {"admitted_before": "9999-12-31T23:59:59+08:00"},
    ],
)
def test_the_detention_list_refuses_an_absurd_date_filter(api, query):
    response = api.get("/api/v1/detentions/", query)

    assert response.status_code == 400
    assert response.json() == {next(iter(query)): ["日期应在 1900-01-01 至 2199-12-31 之间"]}


def test_an_intake_through_the_api_with_an_absurd_time_is_refused(api):
    before = rows()
    payload = {
        "person": {"id_number": ID_WOMAN, "name": "钱秀英"},
        "kind": "administrative",
        "admitted_at": "9999-12-31T23:00:00+08:00",
        "detention_days": 10,
    }

    response = api.post("/api/v1/detentions/", json.dumps(payload), content_type="application/json")

    assert (response.status_code, response.json()) == (
        400,
        {"admitted_at": ["日期应在 1900-01-01 至 2199-12-31 之间"]},
    )
    assert rows() == before


# --- phones -----------------------------------------------------------------------------------------------------------


def test_a_full_width_phone_is_stored_in_ascii_and_the_ascii_file_changes_nothing(api):
    assert push(api, [detention(phone="１３８ １２３４ １２３４")]).status_code == 200
    assert Detention.objects.get().phone == "138 1234 1234"

    again = push(api, [detention(phone="13812341234")]).json()

    assert (again["new"], again["updated"], again["unchanged"]) == (0, 0, 1)


def test_a_pushed_phone_that_is_no_phone_number_is_a_row_error(api):
    before = rows()

    response = push(api, [detention(phone="请联系家属")])

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "联系电话"
    assert response.json()["errors"][0]["message"].startswith("第 1 行，联系电话：电话号码格式不正确")
    assert cleanup_after_a_day() == 1
    assert rows() == before


def test_an_intake_through_the_api_checks_and_normalises_the_phone(api):
    payload = {
        "person": {"id_number": ID_WOMAN, "name": "钱秀英", "phone": "12345"},
        "kind": "administrative",
        "admitted_at": "2026-03-09T10:30:00+08:00",
        "detention_days": 10,
    }
    before = rows()

    refused = api.post("/api/v1/detentions/", json.dumps(payload), content_type="application/json")
    assert refused.status_code == 400
    assert refused.json()["person"]["phone"][0].startswith("电话号码格式不正确")
    assert rows() == before

    payload["person"]["phone"] = "（０５７４）６２３４ ５６７８转８０１"
    accepted = api.post("/api/v1/detentions/", json.dumps(payload), content_type="application/json")
    assert accepted.status_code == 201, accepted.content
    assert Detention.objects.get().phone == "(0574)6234 5678转801"


# --- the cleanup ------------------------------------------------------------------------------------------------------


def test_the_cleanup_keeps_what_is_younger_than_a_day_and_what_wrote_rows(api, officer_a):
    push(api, [detention(name="\x00")])
    done = push(api, [detention()]).json()
    refused = ImportLog.objects.get(status=ImportLog.Status.FAILED)
    # A failed apply that had written a batch keeps its log: the audit events of those rows name it.
    wrote = ImportLog.objects.create(
        kind="detentions", source="api", checksum="x", status=ImportLog.Status.FAILED, processed_rows=500
    )

    assert imports.remove_refused_imports(now=FIXED_NOW + timedelta(hours=23)) == 0
    assert cleanup_after_a_day() == 1

    assert not ImportLog.objects.filter(pk=refused.pk).exists()
    assert set(ImportLog.objects.values_list("pk", flat=True)) == {done["id"], wrote.pk}


def test_a_check_that_raises_leaves_a_failed_log_not_a_checked_one(officer_a, orgs, monkeypatch):
    from detainees.imports import validating

    def broken(*args, **kwargs):
        raise RuntimeError("a row nobody foresaw")

    monkeypatch.setattr(validating.DetentionImport, "check", broken)

    log = imports.import_records(
        "detentions",
        [detention()],
        user=officer_a,
        facility=orgs.centre_a,
        checksum="x",
        dry_run=False,
        only_valid=False,
    )

    assert (log.status, log.errors[0]["message"]) == (ImportLog.Status.FAILED, "导入过程中出错，请联系系统管理员")
    assert cleanup_after_a_day() == 1


def test_a_user_phone_is_checked_and_normalised_like_every_other(db):
    from accounts.services import create_user

    with pytest.raises(ValidationError) as error:
        create_user(username="bad_phone", password="x-Long-Password-1", phone="110")
    assert error.value.message_dict["phone"][0].startswith("电话号码格式不正确")

    assert create_user(username="good_phone", password="x-Long-Password-1", phone="１３８１２３４１２３４").phone == (
        "13812341234"
    )


# --- page markers that are digits only to str.isdigit ----------------------------------------------------------------


@pytest.mark.parametrize("url", ["/detainees/imports/?before=%C2%B2", "/disputes/?after=%C2%B2"])
def test_a_page_marker_of_non_ascii_digits_is_a_400_in_chinese(officer_a, client_for, url):
    client = client_for(officer_a)
    client.raise_request_exception = False

    response = client.get(url)

    assert response.status_code == 400
    assert "请求有误" in response.content.decode()
