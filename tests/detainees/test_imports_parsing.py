"""Reading platform files into rows, and the time format of the platforms (no database needed)."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest

from detainees.imports.parsing import DETENTION_COLUMNS, ImportFileError, detect_encoding, read_rows
from detainees.imports.validating import BadValue, parse_time

from .conftest import local
from .import_files import csv_bytes, xlsx_bytes


def rows_of(content: bytes, name: str = "f.csv") -> list[tuple[int, dict]]:
    return list(read_rows(io.BytesIO(content), file_name=name, columns=DETENTION_COLUMNS))


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2026-03-02 15:00", local(2026, 3, 2, 15, 0)),
        ("2026-03-02 15:00:30", local(2026, 3, 2, 15, 0, 30)),
        ("2026/03/02 15:00", local(2026, 3, 2, 15, 0)),
        ("2026/3/2 8:05", local(2026, 3, 2, 8, 5)),
        (" 2026-03-02 15:00 ", local(2026, 3, 2, 15, 0)),
        ("2026-03-02T07:00:00Z", datetime.fromisoformat("2026-03-02T15:00:00+08:00")),
        ("2026-03-02T15:00", local(2026, 3, 2, 15, 0)),
        (datetime(2026, 3, 2, 15, 0), local(2026, 3, 2, 15, 0)),
    ],
)
def test_platform_times_are_local_to_shanghai(text, expected):
    assert parse_time(text) == expected


@pytest.mark.parametrize(
    "text",
    ["2026-03-02", "2026-02-30 10:00", "2026-03-02 24:00", "2026-03/02 10:00", "02/03/2026 10:00", "明天", ""],
)
def test_other_times_are_refused(text):
    with pytest.raises(BadValue):
        parse_time(text)


def test_a_date_cell_without_a_time_is_refused():
    with pytest.raises(BadValue, match="应填写到时分"):
        parse_time(date(2026, 3, 2))


def test_gbk_text_is_read_as_gb18030_and_a_bom_as_utf8_sig():
    assert detect_encoding(io.BytesIO("监所代码".encode("gbk"))) == "gb18030"
    assert detect_encoding(io.BytesIO("监所代码".encode("utf-8-sig"))) == "utf-8-sig"
    assert detect_encoding(io.BytesIO("监所代码".encode())) == "utf-8"


def test_headers_are_matched_however_spaced_and_cased_and_the_first_of_two_counts():
    content = csv_bytes([[" 监所 代码", "EXTERNAL_REF", "姓名", "姓名"], ["A", "R-1", "甲", "乙"]])

    assert rows_of(content) == [(2, {"facility_code": "A", "external_ref": "R-1", "name": "甲"})]


def test_blank_rows_are_skipped_and_rows_are_counted_as_a_spreadsheet_shows_them():
    content = csv_bytes(
        [
            ["监所代码", "入所编号", "姓名", "拘留事由"],
            ["A", "R-1", "甲", "第一行\n第二行"],
            ["", "", "", ""],
            ["A", "R-2", "乙", ""],
        ]
    )

    assert [(number, row["external_ref"]) for number, row in rows_of(content)] == [(2, "R-1"), (4, "R-2")]
    assert rows_of(content)[0][1]["reason"] == "第一行\n第二行"


def test_the_header_must_be_within_the_first_rows():
    lines = [["说明"]] * 25 + [["监所代码", "入所编号", "姓名"], ["A", "R-1", "甲"]]

    with pytest.raises(ImportFileError, match="未找到表头行"):
        rows_of(csv_bytes(lines))


def test_xlsx_rows_keep_their_sheet_row_numbers_across_empty_rows():
    content = xlsx_bytes([["名单"], [], ["监所代码", "入所编号", "姓名"], ["A", "R-1", "甲"], [], ["A", "R-2", 15.0]])

    assert rows_of(content, "f.xlsx") == [
        (4, {"facility_code": "A", "external_ref": "R-1", "name": "甲"}),
        (6, {"facility_code": "A", "external_ref": "R-2", "name": "15"}),
    ]
