"""Imports of health checks from the health platform (DESIGN.md §3)."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError

from detainees import imports
from detainees.models import HealthCheck, ImportLog

from .conftest import ID_MAN, ID_WOMAN, local
from .import_files import HEALTH_HEADERS, HEALTH_KEYS, csv_bytes, health_check, table, xlsx_bytes

pytestmark = pytest.mark.usefixtures("frozen_now", "import_storage")


def upload(content: bytes, user, name: str = "体检.csv") -> ImportLog:
    facility = user.memberships.get().organization
    return imports.check_upload(
        io.BytesIO(content), kind=ImportLog.Kind.HEALTH_CHECKS, file_name=name, user=user, facility=facility
    )


def health_table(rows: list[dict], **options) -> list[list[str]]:
    return table(rows, keys=HEALTH_KEYS, headers=HEALTH_HEADERS, **options)


def counts(log: ImportLog) -> tuple[int, int, int, int]:
    return log.new_count, log.updated_count, log.unchanged_count, log.invalid_count


def messages(log: ImportLog) -> list[str]:
    return [error["message"] for error in log.errors]


@pytest.fixture
def admitted(make_detention):
    """JLS-2026-0001 (ID_MAN) and JLS-2026-0002 (ID_WOMAN) in custody at centre A."""
    return [
        make_detention(external_ref="JLS-2026-0001", id_number=ID_MAN),
        make_detention(external_ref="JLS-2026-0002", id_number=ID_WOMAN, name="钱丽"),
    ]


def two_checks() -> list[dict]:
    return [
        health_check(),
        health_check(
            external_ref="TJ-2026-0002",
            detention_ref="JLS-2026-0002",
            id_number=ID_WOMAN,
            checked_at="2026/03/03 10:00",
            conclusion="暂缓",
            findings="",
            history="",
            mental_state="焦虑，需心理疏导",
        ),
    ]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_it_imports_health_checks_from_csv(officer_a, admitted, encoding):
    log = upload(csv_bytes(health_table(two_checks()), encoding=encoding), officer_a)
    assert (counts(log), log.errors, HealthCheck.objects.count()) == ((2, 0, 0, 0), [], 0)

    log = imports.confirm_import(log, only_valid=False)

    first, second = HealthCheck.objects.order_by("external_ref")
    assert (first.detention, first.checked_at, first.conclusion) == (admitted[0], local(2026, 3, 2, 16), "suitable")
    assert (first.findings, first.history, first.mental_state) == ("血压偏高", "高血压病史三年", "情绪稳定")
    assert (second.detention, second.conclusion, second.mental_state) == (admitted[1], "postpone", "焦虑，需心理疏导")
    assert log.status == ImportLog.Status.DONE


def test_it_imports_health_checks_from_xlsx_with_a_title_row(officer_a, admitted):
    log = upload(xlsx_bytes(health_table(two_checks(), title="入所体检结果")), officer_a, name="体检.xlsx")

    assert (counts(log), log.errors) == ((2, 0, 0, 0), [])


def test_a_second_import_finds_the_checks_unchanged_and_a_changed_one_updated(officer_a, admitted):
    rows = two_checks()
    imports.confirm_import(upload(csv_bytes(health_table(rows)), officer_a), only_valid=False)
    events = HealthCheck.pgh_event_model.objects.count()

    again = imports.confirm_import(upload(csv_bytes(health_table(rows)), officer_a), only_valid=False)
    assert counts(again) == (0, 0, 2, 0)
    assert HealthCheck.pgh_event_model.objects.count() == events

    rows[1].update(conclusion="不宜参加调解", findings="心率不齐")
    changed = imports.confirm_import(upload(csv_bytes(health_table(rows)), officer_a), only_valid=False)

    assert counts(changed) == (0, 1, 1, 0)
    check = HealthCheck.objects.get(external_ref="TJ-2026-0002")
    assert (check.conclusion, check.findings) == ("unsuitable", "心率不齐")


@pytest.mark.parametrize(
    "values, message",
    [
        ({"detention_ref": "JLS-2099-9999"}, "第 3 行，入所编号：本所没有入所编号为 JLS-2099-9999 的入所记录"),
        ({"id_number": ID_MAN}, "第 3 行，身份证号：与入所编号 JLS-2026-0002 的被拘留人不一致"),
        ({"id_number": "330281199001011244"}, "第 3 行，身份证号：身份证号码校验位不正确，请核对号码"),
        ({"conclusion": "良好"}, "第 3 行，体检结论：应为“适宜”“暂缓”或“不宜参加调解”"),
        ({"checked_at": "2026-03-11 10:00"}, "第 3 行，体检时间：体检时间不能晚于当前时间"),
        ({"checked_at": "明天"}, "第 3 行，体检时间：时间格式不正确，应为 YYYY-MM-DD HH:MM 或 YYYY/MM/DD HH:MM"),
        (
            {"external_ref": "TJ-2026-0001"},
            "第 3 行，体检编号：体检编号 TJ-2026-0001 与第 2 行重复，同一文件中体检编号不能重复（保留第 2 行）",
        ),
        ({"external_ref": ""}, "第 3 行，体检编号：不能为空"),
    ],
)
def test_a_bad_health_row_is_named_and_nothing_is_saved(officer_a, admitted, values, message):
    rows = two_checks()
    rows[1].update(values)

    log = upload(csv_bytes(health_table(rows)), officer_a)

    assert messages(log) == [message]
    with pytest.raises(ValidationError):
        imports.confirm_import(log, only_valid=False)
    assert HealthCheck.objects.count() == 0


def test_a_detention_of_another_centre_is_as_unknown_as_a_missing_one(officer_b, admitted):
    log = upload(csv_bytes(health_table(two_checks())), officer_b)

    assert messages(log) == [
        "第 2 行，入所编号：本所没有入所编号为 JLS-2026-0001 的入所记录",
        "第 3 行，入所编号：本所没有入所编号为 JLS-2026-0002 的入所记录",
    ]


def test_only_valid_health_rows(officer_a, admitted):
    rows = [*two_checks(), health_check(external_ref="TJ-2026-0003", detention_ref="NONE")]
    log = upload(csv_bytes(health_table(rows)), officer_a)

    log = imports.confirm_import(log, only_valid=True)

    assert (log.status, counts(log)) == (ImportLog.Status.DONE, (2, 0, 0, 1))
    assert sorted(HealthCheck.objects.values_list("external_ref", flat=True)) == ["TJ-2026-0001", "TJ-2026-0002"]


def test_health_notes_never_reach_the_errors(officer_a, admitted):
    rows = two_checks()
    rows[0]["findings"] = "绝密病情" * 600  # too long

    log = upload(csv_bytes(health_table(rows)), officer_a)

    assert messages(log) == ["第 2 行，异常项目：不能超过 2000 个字符"]
