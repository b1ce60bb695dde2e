"""manage.py import_detentions and import_health_checks: thin wrappers, with exit codes."""

from __future__ import annotations

import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from detainees.models import Detention, HealthCheck, ImportLog

from .conftest import ID_MAN
from .import_files import (
    CENTRE_A,
    HEALTH_HEADERS,
    HEALTH_KEYS,
    csv_bytes,
    detention,
    health_check,
    table,
    three_detentions,
    xlsx_bytes,
)

pytestmark = pytest.mark.usefixtures("frozen_now")


@pytest.fixture
def write(tmp_path):
    def make(content: bytes, name: str = "入所人员.csv") -> str:
        path = tmp_path / name
        path.write_bytes(content)
        return str(path)

    return make


def exit_code(*argv: str) -> int:
    """The exit status manage.py would end with: BaseCommand.run_from_argv exits with the returncode of
    a CommandError (1), else 0. (Run through call_command: run_from_argv closes the test's connection.)"""
    try:
        call_command(*argv)
    except CommandError as error:
        print(error, file=sys.stderr)
        return error.returncode
    return 0


def rows_with_a_bad_one() -> list[dict]:
    return [*three_detentions(), detention(external_ref="BAD-1", id_number="330281199001011244")]


def test_it_imports_a_file_for_a_centre(orgs, write, capsys):
    path = write(xlsx_bytes(table(three_detentions(), title="入所人员")), "入所人员.xlsx")

    assert exit_code("import_detentions", path, "--facility", CENTRE_A) == 0

    out = capsys.readouterr().out
    assert "共 3 行：新增 3，更新 0，未变 0，无效 0" in out and "导入完成" in out
    assert Detention.objects.count() == 3
    log = ImportLog.objects.get()
    assert (log.source, log.facility, log.created_by, log.status) == ("command", orgs.centre_a, None, "done")
    event = Detention.pgh_event_model.objects.first()
    assert event.pgh_context["source"] == f"import:{log.pk}"


def test_a_dry_run_writes_nothing(orgs, write, capsys):
    path = write(csv_bytes(table(three_detentions())))

    assert exit_code("import_detentions", path, "--facility", CENTRE_A, "--dry-run") == 0

    assert "预检完成，未写入任何数据" in capsys.readouterr().out
    assert Detention.objects.count() == 0


def test_invalid_rows_exit_1_and_save_nothing(orgs, write, capsys):
    path = write(csv_bytes(table(rows_with_a_bad_one())))

    assert exit_code("import_detentions", path, "--facility", CENTRE_A) == 1

    captured = capsys.readouterr()
    assert "第 5 行，身份证号：身份证号码校验位不正确，请核对号码" in captured.err
    assert "有 1 行无效，未写入任何数据：请修改文件，或加 --only-valid 仅导入有效行" in captured.err
    assert Detention.objects.count() == 0


def test_a_dry_run_with_invalid_rows_exits_1_too(orgs, write):
    path = write(csv_bytes(table(rows_with_a_bad_one())))

    assert exit_code("import_detentions", path, "--facility", CENTRE_A, "--dry-run") == 1


def test_only_valid_imports_the_valid_rows_and_exits_0(orgs, write, capsys):
    path = write(csv_bytes(table(rows_with_a_bad_one())))

    assert exit_code("import_detentions", path, "--facility", CENTRE_A, "--only-valid") == 0

    assert "共 4 行：新增 3，更新 0，未变 0，无效 1" in capsys.readouterr().out
    assert Detention.objects.count() == 3


def test_rows_of_another_centre_are_invalid(orgs, write):
    path = write(csv_bytes(table(three_detentions())))

    with pytest.raises(CommandError, match="有 3 行无效"):
        call_command("import_detentions", path, "--facility", "330282-JLS")


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--facility", "330999-JLS"], "未知的监所代码：330999-JLS"),
        (["--facility", "330281-FY"], "未知的监所代码：330281-FY"),  # the court: no facility
    ],
)
def test_an_unknown_facility_is_refused(orgs, write, argv, message):
    path = write(csv_bytes(table(three_detentions())))

    with pytest.raises(CommandError, match=message):
        call_command("import_detentions", path, *argv)


def test_the_facility_is_required_for_detentions(orgs, write):
    path = write(csv_bytes(table(three_detentions())))

    with pytest.raises(CommandError, match="--facility"):
        call_command("import_detentions", path)


def test_a_missing_file_is_reported(orgs, tmp_path):
    with pytest.raises(CommandError, match="无法打开文件"):
        call_command("import_detentions", str(tmp_path / "nowhere.csv"), "--facility", CENTRE_A)


def test_an_unreadable_file_is_reported_and_exits_1(orgs, write, capsys):
    path = write("监所代码,入所编号\n".encode("utf-16"))

    assert exit_code("import_detentions", path, "--facility", CENTRE_A) == 1

    assert "文件编码无法识别，请使用 UTF-8 或 GB18030" in capsys.readouterr().err
    assert ImportLog.objects.get().status == ImportLog.Status.FAILED


def test_health_checks_are_imported_for_any_centre_without_a_facility(orgs, write, make_detention, capsys):
    make_detention(facility=orgs.centre_b, external_ref="JLS-2026-0001", id_number=ID_MAN)
    path = write(csv_bytes(table([health_check()], keys=HEALTH_KEYS, headers=HEALTH_HEADERS)), "体检.csv")

    with pytest.raises(CommandError):
        call_command("import_health_checks", path, "--facility", CENTRE_A)
    assert exit_code("import_health_checks", path) == 0

    assert HealthCheck.objects.count() == 1
