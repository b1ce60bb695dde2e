"""The JSON push: POST /api/v1/imports/detentions/ and /api/v1/imports/health-checks/ (token auth)."""

from __future__ import annotations

import hashlib
import json

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from detainees.models import Detention, HealthCheck, ImportLog, Person

from .conftest import ID_MAN
from .import_files import CENTRE_A, detention, health_check, three_detentions

pytestmark = pytest.mark.usefixtures("frozen_now")

DETENTIONS = "/api/v1/imports/detentions/"
HEALTH_CHECKS = "/api/v1/imports/health-checks/"
KEYS = {
    "detail",
    "id",
    "kind",
    "status",
    "dry_run",
    "only_valid",
    "total",
    "new",
    "updated",
    "unchanged",
    "invalid",
    "errors",
}


@pytest.fixture
def api_for():
    def make(user) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
        return client

    return make


def push(client: APIClient, body, url: str = DETENTIONS):
    return client.post(url, json.dumps(body, ensure_ascii=False), content_type="application/json")


def counts(answer: dict) -> tuple[int, int, int, int]:
    return answer["new"], answer["updated"], answer["unchanged"], answer["invalid"]


def test_a_pushed_list_is_imported_and_logged(officer_a, api_for):
    rows = three_detentions()

    response = push(api_for(officer_a), rows)

    answer = response.json()
    assert response.status_code == 200 and set(answer) == KEYS
    assert (answer["detail"], answer["status"], counts(answer), answer["errors"]) == (
        "导入完成",
        "done",
        (3, 0, 0, 0),
        [],
    )
    assert Detention.objects.count() == 3
    log = ImportLog.objects.get(pk=answer["id"])
    canonical = json.dumps(rows, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    assert (log.source, log.created_by, log.facility.code) == ("api", officer_a, CENTRE_A)
    assert log.checksum == hashlib.sha256(canonical.encode()).hexdigest()


def test_pushing_the_same_rows_again_changes_nothing(officer_a, api_for):
    client = api_for(officer_a)
    push(client, three_detentions())

    answer = push(client, {"rows": three_detentions()}).json()

    assert counts(answer) == (0, 0, 3, 0)


def test_a_push_with_a_bad_row_saves_nothing_and_names_the_row(officer_a, api_for):
    rows = three_detentions()
    rows[1]["id_number"] = "330281199001011244"

    response = push(api_for(officer_a), rows)

    answer = response.json()
    assert (response.status_code, answer["status"], counts(answer)) == (400, "failed", (2, 0, 0, 1))
    assert answer["errors"] == [
        {"row": 2, "field": "身份证号", "message": "第 2 行，身份证号：身份证号码校验位不正确，请核对号码"}
    ]
    assert (Person.objects.count(), Detention.objects.count()) == (0, 0)


def test_only_valid_imports_the_valid_rows_of_a_push(officer_a, api_for):
    rows = three_detentions()
    rows[1]["admitted_at"] = "2026-03-11 09:00"

    response = push(api_for(officer_a), {"rows": rows, "only_valid": True})

    assert (response.status_code, counts(response.json())) == (200, (2, 0, 0, 1))
    assert sorted(Detention.objects.values_list("external_ref", flat=True)) == ["JLS-2026-0001", "JLS-2026-0003"]


def test_a_dry_run_writes_nothing(officer_a, api_for):
    response = push(api_for(officer_a), {"rows": three_detentions(), "dry_run": True})

    answer = response.json()
    assert (response.status_code, answer["status"], answer["dry_run"], counts(answer)) == (
        200,
        "checked",
        True,
        (3, 0, 0, 0),
    )
    assert Detention.objects.count() == 0


def test_json_values_of_other_types_are_read_or_refused_per_row(officer_a, api_for):
    rows = [
        detention(days=10),  # a number is fine
        {**detention(external_ref="X-2", id_number="330281199001011243"), "name": {"first": "钱"}},
        "not an object",
        {**detention(external_ref="X-4", id_number="33028119630412345X"), "days": None, "scheduled_release_at": None},
    ]

    answer = push(api_for(officer_a), rows).json()

    assert [error["message"] for error in answer["errors"]] == [
        "第 2 行，姓名：应为文字，不能是对象、列表或 true/false",
        "第 3 行：应为一个对象（键值对），不是其他类型的值",
        "第 4 行，拘留天数或预计出所时间：至少填写一项",
    ]
    assert Detention.objects.count() == 0


def test_an_iso_time_with_an_offset_is_understood(officer_a, api_for):
    push(api_for(officer_a), [detention(admitted_at="2026-03-02T07:00:00Z")])

    assert Detention.objects.get().admitted_at.isoformat() == "2026-03-02T07:00:00+00:00"


@pytest.mark.parametrize(
    "body, detail",
    [
        ([], "请求格式不正确"),
        ({"rows": "JLS-1"}, "请求格式不正确"),
        ({"dry_run": True}, "请求格式不正确"),
        ({"rows": [detention()], "dry_run": "perhaps"}, "请求格式不正确"),
        ("JLS-1", "请求格式不正确"),
    ],
)
def test_a_malformed_request_answers_the_same_shape_with_400(officer_a, api_for, body, detail):
    response = push(api_for(officer_a), body)

    answer = response.json()
    assert response.status_code == 400 and set(answer) == KEYS
    assert answer["detail"].startswith(detail) and answer["id"] is None and answer["errors"]
    assert ImportLog.objects.count() == 0


def test_a_body_that_is_no_json_answers_400(officer_a, api_for):
    response = api_for(officer_a).post(DETENTIONS, "[{", content_type="application/json")

    assert (response.status_code, response.json()["detail"]) == (400, "请求体不是有效的 JSON")


def test_a_push_above_the_row_limit_is_refused(officer_a, api_for, settings):
    settings.IMPORT_API_MAX_ROWS = 2

    response = push(api_for(officer_a), three_detentions())

    assert (response.status_code, response.json()["detail"]) == (400, "单次推送不能超过 2 行，请分批推送")
    assert Detention.objects.count() == 0


def test_an_officer_of_another_centre_cannot_import_into_centre_a(officer_b, api_for):
    response = push(api_for(officer_b), three_detentions())

    answer = response.json()
    assert (response.status_code, counts(answer)) == (400, (0, 0, 0, 3))
    assert "监所代码 330281-JLS 与本所（330282-JLS）不符" in answer["errors"][0]["message"]
    assert Detention.objects.count() == 0


@pytest.mark.parametrize(
    "persona", ["court_staff", "justice_clerk", "lawyer", "supervisor", "volunteer", "system_admin"]
)
def test_only_centre_staff_may_push(request, api_for, persona):
    client = api_for(request.getfixturevalue(persona))

    assert [push(client, three_detentions(), url).status_code for url in (DETENTIONS, HEALTH_CHECKS)] == [403, 403]
    assert Detention.objects.count() == 0


def test_without_a_token_the_answer_is_401(orgs):
    assert push(APIClient(), three_detentions()).status_code == 401


def test_health_checks_are_pushed_for_the_centres_detentions(officer_a, officer_b, api_for, make_detention):
    make_detention(external_ref="JLS-2026-0001", id_number=ID_MAN)

    refused = push(api_for(officer_b), [health_check()], HEALTH_CHECKS)
    assert (refused.status_code, refused.json()["errors"][0]["message"]) == (
        400,
        "第 1 行，入所编号：本所没有入所编号为 JLS-2026-0001 的入所记录",
    )

    response = push(api_for(officer_a), [health_check()], HEALTH_CHECKS)
    assert (response.status_code, counts(response.json())) == (200, (1, 0, 0, 0))
    assert HealthCheck.objects.get().conclusion == "suitable"


def test_the_push_endpoints_are_in_the_openapi_schema(client, db):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()

    assert "/api/v1/imports/detentions/" in schema and "/api/v1/imports/health-checks/" in schema
    assert "DetentionImportRow" in schema and "ImportResult" in schema
