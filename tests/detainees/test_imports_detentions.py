"""Imports of detentions from the custody platform: formats, encodings, the dry run, idempotence,
updates, the all-or-nothing rule, "only valid rows", batches and the Celery path (DESIGN.md §3)."""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from detainees import imports, tasks
from detainees.models import Detention, HealthCheck, ImportLog, Person

from .conftest import FIXED_NOW, ID_MAN, ID_WOMAN, local, resident_id
from .import_files import (
    CENTRE_B,
    csv_bytes,
    detention,
    json_bytes,
    table,
    three_detentions,
    xlsx_bytes,
)

pytestmark = pytest.mark.usefixtures("frozen_now", "import_storage")


def upload(content: bytes, user, name: str = "入所人员.csv", kind: str = ImportLog.Kind.DETENTIONS) -> ImportLog:
    facility = user.memberships.get().organization
    return imports.check_upload(io.BytesIO(content), kind=kind, file_name=name, user=user, facility=facility)


def counts(log: ImportLog) -> dict[str, int]:
    return {
        "new": log.new_count,
        "updated": log.updated_count,
        "unchanged": log.unchanged_count,
        "invalid": log.invalid_count,
    }


def case_rows() -> tuple[int, int, int]:
    return Person.objects.count(), Detention.objects.count(), HealthCheck.objects.count()


def messages(log: ImportLog) -> list[str]:
    return [error["message"] for error in log.errors]


THREE_NEW = {"new": 3, "updated": 0, "unchanged": 0, "invalid": 0}


# --- formats and encodings ------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_it_reads_csv_in_each_platform_encoding(officer_a, encoding):
    log = upload(csv_bytes(table(three_detentions()), encoding=encoding), officer_a)

    assert (log.status, counts(log), log.errors) == (ImportLog.Status.CHECKED, THREE_NEW, [])
    imports.confirm_import(log, only_valid=False)

    assert sorted(Detention.objects.values_list("name", flat=True)) == ["孙国强", "赵建军", "钱丽"]


def test_the_dry_run_writes_nothing_to_the_case_tables(officer_a):
    before = case_rows()

    log = upload(csv_bytes(table(three_detentions())), officer_a)

    assert log.total_rows == 3 and counts(log) == THREE_NEW
    assert case_rows() == before
    assert log.stored_file  # kept for the confirmation


def test_it_reads_xlsx_with_a_title_row_above_the_header(officer_a):
    lines = table(three_detentions(), title="余姚市拘留所入所人员信息（2026年3月）")
    log = upload(xlsx_bytes(lines), officer_a, name="入所人员.xlsx")

    assert (counts(log), log.errors) == (THREE_NEW, [])
    imports.confirm_import(log, only_valid=False)
    assert Detention.objects.count() == 3


def test_a_title_row_above_a_csv_header_is_fine_and_errors_name_the_row_the_user_sees(officer_a):
    rows = three_detentions()
    rows[1]["id_number"] = ID_WOMAN[:-1] + "0"  # check digit wrong
    log = upload(csv_bytes(table(rows, title="入所人员名单")), officer_a)

    # Title on row 1, header on row 2: the second data row is row 4 of the file.
    assert messages(log) == ["第 4 行，身份证号：身份证号码校验位不正确，请核对号码"]


def test_it_takes_xlsx_date_cells_and_number_cells(officer_a):
    rows = three_detentions()[:1]
    lines = table(rows)
    lines[1][12] = local(2026, 3, 2, 15, 0).replace(tzinfo=None)  # admitted_at as a date cell
    lines[1][13] = 10  # days as a number cell
    log = upload(xlsx_bytes(lines), officer_a, name="入所人员.xlsx")
    imports.confirm_import(log, only_valid=False)

    detention_ = Detention.objects.get()
    assert (detention_.admitted_at, detention_.scheduled_release_at) == (local(2026, 3, 2, 15), local(2026, 3, 12, 15))


def test_it_reads_english_headers_and_ignores_unknown_columns(officer_a):
    lines = table(three_detentions(), headers=None, extra_column="备注")
    log = upload(csv_bytes(lines), officer_a)

    assert (counts(log), log.errors) == (THREE_NEW, [])


def test_it_reads_a_json_file_of_objects_with_the_english_keys(officer_a):
    log = upload(json_bytes(three_detentions()), officer_a, name="detentions.json")

    assert (counts(log), log.errors) == (THREE_NEW, [])


def test_imported_rows_hold_what_the_file_says(officer_a):
    log = upload(csv_bytes(table(three_detentions())), officer_a)
    log = imports.confirm_import(log, only_valid=False)

    by_ref = {d.external_ref: d for d in Detention.objects.select_related("person", "facility")}
    first, judicial, released = by_ref["JLS-2026-0001"], by_ref["JLS-2026-0002"], by_ref["JLS-2026-0003"]
    assert (first.name, first.person.id_number, first.phone) == ("赵建军", ID_MAN, "13812341234")
    assert (first.person.birth_date.isoformat(), first.person.sex) == ("1985-03-15", "M")
    assert (first.facility.code, first.kind, first.detention_days) == ("330281-JLS", "administrative", 10)
    assert (first.admitted_at, first.scheduled_release_at) == (local(2026, 3, 2, 15), local(2026, 3, 12, 15))
    assert first.assessment_due_at == local(2026, 3, 5, 23, 59, 59, 999999)
    assert (first.cell, first.handling_unit, first.status) == ("3号监室", "余姚市公安局阳明派出所", "in_custody")
    assert (judicial.kind, judicial.admitted_at) == ("judicial", local(2026, 3, 3, 9, 30))
    assert (judicial.detention_days, judicial.scheduled_release_at) == (None, local(2026, 3, 18, 9, 30))
    assert (released.status, released.released_at) == ("released", local(2026, 3, 6, 8))
    assert log.status == ImportLog.Status.DONE and counts(log) == THREE_NEW


# --- idempotence and updates --------------------------------------------------------------------------------


def test_importing_the_same_file_again_finds_every_row_unchanged_and_writes_nothing(officer_a):
    content = csv_bytes(table(three_detentions()))
    imports.confirm_import(upload(content, officer_a), only_valid=False)
    events = Detention.pgh_event_model.objects.count(), Person.pgh_event_model.objects.count()

    again = upload(content, officer_a)
    assert counts(again) == {"new": 0, "updated": 0, "unchanged": 3, "invalid": 0}
    again = imports.confirm_import(again, only_valid=False)

    assert (again.status, counts(again)) == (
        ImportLog.Status.DONE,
        {"new": 0, "updated": 0, "unchanged": 3, "invalid": 0},
    )
    assert Detention.objects.count() == 3
    assert (Detention.pgh_event_model.objects.count(), Person.pgh_event_model.objects.count()) == events


def test_a_release_arriving_later_updates_the_detention_through_the_release(officer_a):
    rows = three_detentions()
    imports.confirm_import(upload(csv_bytes(table(rows)), officer_a), only_valid=False)
    rows[0]["released_at"] = "2026-03-09 10:00"

    log = upload(csv_bytes(table(rows)), officer_a)
    assert counts(log) == {"new": 0, "updated": 1, "unchanged": 2, "invalid": 0}
    imports.confirm_import(log, only_valid=False)

    released = Detention.objects.get(external_ref="JLS-2026-0001")
    assert (released.status, released.released_at) == ("released", local(2026, 3, 9, 10))
    # Still the end of the third day: the release came after it.
    assert released.assessment_due_at == local(2026, 3, 5, 23, 59, 59, 999999)


def test_changed_facts_update_the_detention_and_what_it_records_of_the_person(officer_a):
    rows = three_detentions()
    imports.confirm_import(upload(csv_bytes(table(rows)), officer_a), only_valid=False)
    rows[0].update(cell="8号监室", days="15", phone="13700002222", name="赵建君")

    log = imports.confirm_import(upload(csv_bytes(table(rows)), officer_a), only_valid=False)

    assert counts(log) == {"new": 0, "updated": 1, "unchanged": 2, "invalid": 0}
    changed = Detention.objects.select_related("person").get(external_ref="JLS-2026-0001")
    assert (changed.cell, changed.detention_days, changed.scheduled_release_at) == (
        "8号监室",
        15,
        local(2026, 3, 17, 15),
    )
    assert (changed.name, changed.phone) == ("赵建君", "13700002222")


def test_a_blank_column_does_not_wipe_what_is_recorded(officer_a):
    rows = three_detentions()
    imports.confirm_import(upload(csv_bytes(table(rows)), officer_a), only_valid=False)
    rows[0].update(cell="", phone="", employer="")

    log = upload(csv_bytes(table(rows)), officer_a)

    assert counts(log)["unchanged"] == 3


def test_a_detention_already_in_the_system_is_matched_by_its_platform_reference(officer_a, make_detention):
    make_detention(external_ref="JLS-2026-0001", cell="3号监室", admitted_at=local(2026, 3, 2, 15))

    log = upload(csv_bytes(table(three_detentions())), officer_a)

    assert counts(log) == {"new": 2, "updated": 1, "unchanged": 0, "invalid": 0}  # the decision number is new


def test_import_events_carry_the_import_and_its_user(officer_a):
    log = imports.confirm_import(upload(csv_bytes(table(three_detentions())), officer_a), only_valid=False)

    contexts = [event.pgh_context for event in Detention.pgh_event_model.objects.all()]
    assert len(contexts) == 3
    assert all(c["source"] == f"import:{log.pk}" and c["user"] == officer_a.pk for c in contexts)


def test_the_log_records_who_when_the_checksum_and_the_counts(officer_a):
    content = csv_bytes(table(three_detentions()))
    log = imports.confirm_import(upload(content, officer_a, name="2026年3月入所.csv"), only_valid=False)

    assert (log.created_by, log.file_name, log.checksum) == (
        officer_a,
        "2026年3月入所.csv",
        hashlib.sha256(content).hexdigest(),
    )
    assert (log.kind, log.source, log.facility.code) == ("detentions", "upload", "330281-JLS")
    assert log.created_at is not None and log.finished_at is not None
    assert (log.total_rows, log.processed_rows, counts(log)) == (3, 3, THREE_NEW)
    assert not log.stored_file  # deleted once applied


# --- bad rows: a clear message each, and nothing saved -------------------------------------------------


def bad(**values: str) -> list[dict]:
    rows = three_detentions()
    rows[1].update(values)
    return rows


@pytest.mark.parametrize(
    "rows, message",
    [
        (bad(id_number="330281199001011244"), "第 3 行，身份证号：身份证号码校验位不正确，请核对号码"),
        (bad(id_number="12345"), "第 3 行，身份证号：身份证号码应为 18 位（最后一位可为 X）或旧式 15 位数字"),
        (
            bad(released_at="2026-03-03 09:00"),
            "第 3 行，出所时间：出所时间不能早于入所时间",
        ),
        (bad(admitted_at="2026-03-10 09:01"), "第 3 行，入所时间：入所时间不能晚于当前时间"),
        (bad(facility_code="330999-JLS"), "第 3 行，监所代码：未知的监所代码 330999-JLS"),
        (
            bad(facility_code=CENTRE_B),
            "第 3 行，监所代码：监所代码 330282-JLS 与本所（330281-JLS）不符，只能导入本所的入所记录",
        ),
        (bad(name=""), "第 3 行，姓名：不能为空"),
        (bad(kind="刑事拘留"), "第 3 行，拘留类型：应为“行政拘留”或“司法拘留”"),
        (
            bad(admitted_at="2026年3月3日"),
            "第 3 行，入所时间：时间格式不正确，应为 YYYY-MM-DD HH:MM 或 YYYY/MM/DD HH:MM",
        ),
        (bad(days="", scheduled_release_at=""), "第 3 行，拘留天数或预计出所时间：至少填写一项"),
        (bad(days="ten", scheduled_release_at=""), "第 3 行，拘留天数：应为整数天数"),
        (bad(days="40", scheduled_release_at=""), "第 3 行，拘留天数：拘留天数应在 1 至 30 天之间"),
        (bad(cell="监" * 40), "第 3 行，监室：不能超过 32 个字符"),
    ],
)
def test_a_bad_row_is_named_with_its_column_and_nothing_is_saved(officer_a, rows, message):
    before = case_rows()
    log = upload(csv_bytes(table(rows)), officer_a)

    assert messages(log) == [message]
    assert counts(log) == {"new": 2, "updated": 0, "unchanged": 0, "invalid": 1}
    with pytest.raises(ValidationError):
        imports.confirm_import(log, only_valid=False)
    assert case_rows() == before
    log.refresh_from_db()
    assert log.status == ImportLog.Status.CHECKED


def test_a_duplicate_reference_in_one_file_makes_the_later_row_invalid(officer_a):
    rows = [*three_detentions(), detention(name="赵某", id_number=resident_id(1))]

    log = upload(csv_bytes(table(rows)), officer_a)

    assert messages(log) == [
        "第 5 行，入所编号：入所编号 JLS-2026-0001 与第 2 行重复，同一文件中入所编号不能重复（保留第 2 行）"
    ]
    assert counts(log) == {"new": 3, "updated": 0, "unchanged": 0, "invalid": 1}


def test_a_duplicate_reference_is_found_across_batches(officer_a, settings):
    settings.IMPORT_BATCH_SIZE = 2
    rows = [*three_detentions(), detention(external_ref="JLS-2026-0002", id_number=resident_id(1))]

    log = upload(csv_bytes(table(rows)), officer_a)

    assert [error["row"] for error in log.errors] == [5]


def test_a_second_admission_of_one_person_in_one_file_is_refused(officer_a):
    rows = [*three_detentions(), detention(external_ref="JLS-2026-0009", admitted_at="2026-03-04 10:00")]

    log = upload(csv_bytes(table(rows)), officer_a)

    assert messages(log) == ["第 5 行，身份证号：此人在本文件第 2 行已有一条在所记录"]


def test_a_person_in_custody_cannot_be_admitted_again(officer_a, make_detention):
    make_detention(external_ref="SELF-1")

    log = upload(csv_bytes(table(three_detentions())), officer_a)

    assert messages(log) == ["第 2 行，身份证号：此人已有一条在所记录，请先办理出所或转所"]


def test_a_detention_of_another_centre_is_not_changed(officer_a, make_detention, orgs):
    """A reference another centre holds answers like one never seen: the row is new here (references
    are unique per centre), and the other centre's detention stays as it was (DESIGN.md §5)."""
    elsewhere = make_detention(
        facility=orgs.centre_b, external_ref="JLS-2026-0001", id_number=resident_id(7), name="钱卫国", cell="B1"
    )
    before = Detention.objects.filter(pk=elsewhere.pk).values().get()

    log = upload(csv_bytes(table(three_detentions())), officer_a)
    assert (counts(log), log.errors) == (THREE_NEW, [])
    imports.confirm_import(log, only_valid=False)

    assert Detention.objects.filter(pk=elsewhere.pk).values().get() == before
    assert Detention.objects.filter(external_ref="JLS-2026-0001").count() == 2


def test_another_person_under_a_known_reference_is_refused(officer_a):
    imports.confirm_import(upload(csv_bytes(table(three_detentions())), officer_a), only_valid=False)
    rows = three_detentions()
    rows[0]["id_number"] = resident_id(7)

    log = upload(csv_bytes(table(rows)), officer_a)

    assert messages(log) == ["第 2 行，身份证号：与入所编号 JLS-2026-0001 已登记的被拘留人不一致"]


def test_a_release_time_cannot_be_changed_by_an_import(officer_a):
    rows = three_detentions()
    imports.confirm_import(upload(csv_bytes(table(rows)), officer_a), only_valid=False)
    rows[2]["released_at"] = "2026-03-06 09:00"

    log = upload(csv_bytes(table(rows)), officer_a)

    assert messages(log) == ["第 4 行，出所时间：与已登记的出所时间 2026-03-06 08:00 不一致，出所时间不能通过导入更改"]


def test_an_officer_of_another_centre_gets_every_row_refused(officer_b):
    log = upload(csv_bytes(table(three_detentions())), officer_b)

    assert counts(log) == {"new": 0, "updated": 0, "unchanged": 0, "invalid": 3}
    assert all("与本所（330282-JLS）不符" in message for message in messages(log))


def test_errors_never_repeat_an_id_number(officer_a):
    rows = three_detentions()
    rows[0]["id_number"] = ID_MAN[:-1] + "9"
    rows[1]["kind"] = ID_WOMAN

    log = upload(csv_bytes(table(rows)), officer_a)

    assert log.invalid_count == 2
    assert ID_MAN[:-1] not in str(log.errors) and ID_WOMAN not in str(log.errors)


def test_the_stored_errors_are_capped_with_a_note(officer_a, monkeypatch):
    monkeypatch.setattr(imports.applying, "MAX_STORED_ERRORS", 2)
    rows = [detention(external_ref=f"X-{n}", id_number="1") for n in range(4)]

    log = upload(csv_bytes(table(rows)), officer_a)

    assert log.invalid_count == 4
    assert messages(log)[-1] == "另有 2 条错误未列出（只保存前 2 条）"


# --- bad files: a clear message, a failed log, nothing saved -------------------------------------------


def xlsx_of_three() -> bytes:
    return xlsx_bytes(table(three_detentions()))


def truncated_zip() -> bytes:
    content = xlsx_of_three()
    return content[: len(content) // 2]


def zip_without_a_workbook() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    return buffer.getvalue()


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
ENCODING = "文件编码无法识别，请使用 UTF-8 或 GB18030"
BROKEN_XLSX = "XLSX 文件已损坏或不是有效的 XLSX 文件，请重新导出后上传"


@pytest.mark.parametrize(
    "content, name, message",
    [
        (b"abc,\x80\xff,def\n", "rows.csv", ENCODING),
        ("监所代码,入所编号,姓名\n".encode("utf-16"), "rows.csv", ENCODING + "（文件是 UTF-16 编码）"),
        ("监所代码,入所编号,姓名\n".encode("utf-16-le"), "rows.csv", ENCODING),
        (bytes(range(256)) * 4, "rows.xlsx", BROKEN_XLSX),
        (truncated_zip(), "rows.xlsx", BROKEN_XLSX),
        (zip_without_a_workbook(), "rows.xlsx", BROKEN_XLSX),
        (PNG, "rows.csv", "文件内容是PNG 图片，不是 CSV、XLSX 或 JSON 表格，请上传平台导出的数据文件"),
        (b"%PDF-1.7\n", "rows.csv", "文件内容是PDF 文档，不是 CSV、XLSX 或 JSON 表格，请上传平台导出的数据文件"),
        (b"", "rows.csv", "文件是空的"),
        (b"[1, 2", "rows.json", "JSON 文件格式不正确"),
        (b'{"rows": []}', "rows.json", "JSON 数据应为由对象组成的列表"),
    ],
)
def test_a_file_that_cannot_be_read_fails_with_a_clear_message(officer_a, content, name, message):
    before = case_rows()

    log = upload(content, officer_a, name=name)

    assert (log.status, messages(log)) == (ImportLog.Status.FAILED, [message])
    assert not log.stored_file
    with pytest.raises(ValidationError):
        imports.confirm_import(log, only_valid=True)
    assert case_rows() == before


def test_a_file_without_the_header_row_says_which_columns_it_looked_for(officer_a):
    content = csv_bytes([["甲", "乙", "丙"], ["1", "2", "3"]])

    log = upload(content, officer_a)

    assert messages(log) == [
        "未找到表头行：前 20 行中没有一行包含监所代码、入所编号、姓名、身份证号等列名，请确认导入类型和文件是否正确"
    ]


def test_a_health_platform_file_uploaded_as_detentions_is_refused(officer_a):
    from .import_files import HEALTH_HEADERS, HEALTH_KEYS, health_check

    content = csv_bytes(table([health_check()], keys=HEALTH_KEYS, headers=HEALTH_HEADERS))

    log = upload(content, officer_a)

    assert log.status == ImportLog.Status.FAILED


# --- only the valid rows ------------------------------------------------------------------------------


def test_only_valid_rows_imports_exactly_the_valid_ones(officer_a):
    rows = [
        *three_detentions(),
        detention(external_ref="BAD-1", id_number="330281199001011244"),
        detention(external_ref="BAD-2", admitted_at="2026-03-11 08:00", id_number=resident_id(2)),
    ]
    log = upload(csv_bytes(table(rows)), officer_a)
    assert counts(log) == {"new": 3, "updated": 0, "unchanged": 0, "invalid": 2}

    log = imports.confirm_import(log, only_valid=True)

    assert (log.status, log.only_valid_rows, counts(log)) == (
        ImportLog.Status.DONE,
        True,
        {"new": 3, "updated": 0, "unchanged": 0, "invalid": 2},
    )
    assert sorted(Detention.objects.values_list("external_ref", flat=True)) == [
        "JLS-2026-0001",
        "JLS-2026-0002",
        "JLS-2026-0003",
    ]


def test_a_confirmation_that_finds_more_invalid_rows_than_accepted_asks_again(officer_a, make_detention):
    rows = [*three_detentions(), detention(external_ref="BAD-1", id_number="1")]
    log = upload(csv_bytes(table(rows)), officer_a)
    # Meanwhile an officer admits the first man by hand: his row is now refused too.
    make_detention(external_ref="BY-HAND")

    log = imports.confirm_import(log, only_valid=True)

    assert (log.status, log.invalid_count, log.only_valid_rows) == (ImportLog.Status.CHECKED, 2, False)
    assert Detention.objects.count() == 1


def test_a_confirmation_cannot_run_twice(officer_a):
    log = upload(csv_bytes(table(three_detentions())), officer_a)
    imports.confirm_import(log, only_valid=False)

    with pytest.raises(ValidationError):
        imports.confirm_import(log, only_valid=False)
    assert Detention.objects.count() == 3


def test_a_discarded_import_saves_nothing_and_drops_its_file(officer_a, import_storage):
    log = upload(csv_bytes(table(three_detentions())), officer_a)
    name = log.stored_file.name

    assert imports.discard_import(log)

    log.refresh_from_db()
    assert (log.status, import_storage.exists(name), Detention.objects.count()) == (
        ImportLog.Status.DISCARDED,
        False,
        0,
    )
    with pytest.raises(ValidationError):
        imports.confirm_import(log, only_valid=False)


# --- large files: a Celery task, batches, progress ---------------------------------------------------


def many_rows(n: int, start: int = 0) -> list[dict]:
    return [
        detention(external_ref=f"JLS-2026-{1000 + i}", id_number=resident_id(i, birth="19770707"), name=f"人员{i}")
        for i in range(start, start + n)
    ]


def test_a_large_file_is_queued_for_a_worker_that_applies_it_in_batches_with_progress(officer_a, settings, monkeypatch):
    settings.IMPORT_SYNC_MAX_ROWS = 10
    settings.IMPORT_BATCH_SIZE = 5
    queued = []
    monkeypatch.setattr(tasks.apply_import, "delay", lambda pk: queued.append(pk))
    log = upload(csv_bytes(table(many_rows(12))), officer_a)

    log = imports.confirm_import(log, only_valid=False)

    assert (log.status, queued, Detention.objects.count()) == (ImportLog.Status.QUEUED, [log.pk], 0)
    with CaptureQueriesContext(connection) as queries:
        tasks.apply_import(log.pk)
    progress = [q["sql"] for q in queries if 'UPDATE "detainees_importlog" SET "processed_rows"' in q["sql"]]
    log.refresh_from_db()
    assert (log.status, log.processed_rows, log.new_count, Detention.objects.count()) == (
        ImportLog.Status.DONE,
        12,
        12,
        12,
    )
    assert len(progress) == 3  # after each batch of 5, 5 and 2 rows


def test_a_task_delivered_again_after_its_worker_died_finishes_the_import(officer_a, settings, monkeypatch):
    settings.IMPORT_SYNC_MAX_ROWS = 0
    monkeypatch.setattr(tasks.apply_import, "delay", lambda pk: None)
    log = imports.confirm_import(upload(csv_bytes(table(three_detentions())), officer_a), only_valid=False)
    # The first worker applied one row and died with the import marked running.
    imports.import_records(
        ImportLog.Kind.DETENTIONS,
        three_detentions()[:1],
        user=officer_a,
        facility=log.facility,
        checksum="0" * 64,
        dry_run=False,
        only_valid=False,
    )
    ImportLog.objects.filter(pk=log.pk).update(status=ImportLog.Status.RUNNING, processed_rows=1)

    tasks.apply_import(log.pk)

    log.refresh_from_db()
    assert (log.status, counts(log)) == (ImportLog.Status.DONE, {"new": 2, "updated": 0, "unchanged": 1, "invalid": 0})
    assert Detention.objects.count() == 3


def test_a_task_for_a_finished_import_does_nothing(officer_a):
    log = imports.confirm_import(upload(csv_bytes(table(three_detentions())), officer_a), only_valid=False)

    tasks.apply_import(log.pk)

    log.refresh_from_db()
    assert (log.status, Detention.objects.count()) == (ImportLog.Status.DONE, 3)


def test_when_the_broker_is_down_the_import_waits_to_be_confirmed_again(officer_a, settings, monkeypatch):
    settings.IMPORT_SYNC_MAX_ROWS = 0

    def broker_down(pk):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(tasks.apply_import, "delay", broker_down)
    log = upload(csv_bytes(table(three_detentions())), officer_a)

    with pytest.raises(ValidationError, match="后台任务队列暂时不可用"):
        imports.confirm_import(log, only_valid=False)

    log.refresh_from_db()
    assert (log.status, Detention.objects.count()) == (ImportLog.Status.CHECKED, 0)


def test_many_new_rows_take_a_bounded_number_of_queries_per_batch(officer_a, settings):
    settings.IMPORT_BATCH_SIZE = 50

    def queries_for(n: int, start: int) -> int:
        log = upload(csv_bytes(table(many_rows(n, start))), officer_a)
        with CaptureQueriesContext(connection) as queries:
            log = imports.confirm_import(log, only_valid=False)
        assert log.new_count == n
        return len(queries)

    assert queries_for(10, start=0) == queries_for(40, start=100)


# --- the sweep: lost tasks queued again, unconfirmed uploads expire ---------------------------------------


def test_the_sweep_queues_again_an_import_whose_task_was_lost_and_only_once(officer_a, settings, monkeypatch):
    settings.IMPORT_SYNC_MAX_ROWS = 0
    queued = []
    monkeypatch.setattr(tasks.apply_import, "delay", queued.append)
    log = imports.confirm_import(upload(csv_bytes(table(three_detentions())), officer_a), only_valid=False)
    limit = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 5 * 60)

    assert imports.sweep_imports(now=FIXED_NOW + limit - timedelta(seconds=1)) == (0, 0)
    assert imports.sweep_imports(now=FIXED_NOW + limit + timedelta(seconds=1)) == (1, 0)
    assert imports.sweep_imports(now=FIXED_NOW + limit + timedelta(seconds=2)) == (0, 0)
    assert queued == [log.pk, log.pk]

    tasks.apply_import(log.pk)
    log.refresh_from_db()
    assert (log.status, Detention.objects.count()) == (ImportLog.Status.DONE, 3)


def test_the_sweep_discards_uploads_left_unconfirmed_with_their_files(officer_a, settings, import_storage):
    old = upload(csv_bytes(table(three_detentions())), officer_a)
    name = old.stored_file.name
    later = FIXED_NOW + timedelta(hours=settings.IMPORT_UNCONFIRMED_HOURS)
    with time_machine.travel(later - timedelta(minutes=1), tick=False):
        recent = upload(csv_bytes(table(three_detentions())), officer_a)

    assert imports.sweep_imports(now=later + timedelta(seconds=1)) == (0, 1)

    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.status, import_storage.exists(name)) == (ImportLog.Status.DISCARDED, False)
    assert recent.status == ImportLog.Status.CHECKED and recent.stored_file
