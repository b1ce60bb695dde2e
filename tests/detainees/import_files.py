"""Small platform files for the import tests, built from fixed rows: CSV in any encoding, XLSX, JSON."""

from __future__ import annotations

import csv
import io
import json

import openpyxl

from .conftest import ID_MAN, ID_OTHER, ID_WOMAN

DETENTION_KEYS = [
    "facility_code",
    "external_ref",
    "name",
    "id_number",
    "phone",
    "household_address",
    "current_address",
    "employer",
    "kind",
    "decision_number",
    "handling_unit",
    "reason",
    "admitted_at",
    "days",
    "scheduled_release_at",
    "released_at",
    "cell",
]
# As the custody platform exports them.
DETENTION_HEADERS = {
    "facility_code": "监所代码",
    "external_ref": "入所编号",
    "name": "姓名",
    "id_number": "身份证号",
    "phone": "联系电话",
    "household_address": "户籍地址",
    "current_address": "现住址",
    "employer": "工作单位",
    "kind": "拘留类型",
    "decision_number": "决定书文号",
    "handling_unit": "办案单位",
    "reason": "拘留事由",
    "admitted_at": "入所时间",
    "days": "拘留天数",
    "scheduled_release_at": "预计出所时间",
    "released_at": "出所时间",
    "cell": "监室",
}
HEALTH_KEYS = [
    "external_ref",
    "detention_ref",
    "id_number",
    "checked_at",
    "conclusion",
    "findings",
    "history",
    "mental_state",
]
HEALTH_HEADERS = {
    "external_ref": "体检编号",
    "detention_ref": "入所编号",
    "id_number": "身份证号",
    "checked_at": "体检时间",
    "conclusion": "体检结论",
    "findings": "异常项目",
    "history": "既往病史",
    "mental_state": "精神状况",
}

CENTRE_A = "330281-JLS"
CENTRE_B = "330282-JLS"


def detention(**values: str) -> dict[str, str]:
    """One custody-platform row (English keys): a man admitted 2026-03-02 15:00 for 10 days at centre A."""
    row = {
        "facility_code": CENTRE_A,
        "external_ref": "JLS-2026-0001",
        "name": "赵建军",
        "id_number": ID_MAN,
        "phone": "13812341234",
        "household_address": "浙江省余姚市阳明街道新建路 1 号",
        "current_address": "浙江省余姚市梨洲街道东旱门路 2 号",
        "employer": "余姚市某机械厂",
        "kind": "行政拘留",
        "decision_number": "余公(治)决字〔2026〕101号",
        "handling_unit": "余姚市公安局阳明派出所",
        "reason": "殴打他人",
        "admitted_at": "2026-03-02 15:00",
        "days": "10",
        "scheduled_release_at": "",
        "released_at": "",
        "cell": "3号监室",
    }
    row.update(values)
    return row


def three_detentions() -> list[dict[str, str]]:
    """Three valid rows: one in custody by days, one judicial with a scheduled release in the slash
    format, one already released (with seconds)."""
    return [
        detention(),
        detention(
            external_ref="JLS-2026-0002",
            name="钱丽",
            id_number=ID_WOMAN,
            phone="13900001111",
            kind="司法拘留",
            decision_number="(2026)浙0281司惩12号",
            handling_unit="余姚市人民法院",
            reason="拒不履行生效判决",
            admitted_at="2026/03/03 09:30",
            days="",
            scheduled_release_at="2026-03-18 09:30",
            cell="5号监室",
        ),
        detention(
            external_ref="JLS-2026-0003",
            name="孙国强",
            id_number=ID_OTHER,
            phone="",
            admitted_at="2026-03-01 08:00:00",
            days="5",
            released_at="2026-03-06 08:00",
            cell="1号监室",
        ),
    ]


def health_check(**values: str) -> dict[str, str]:
    row = {
        "external_ref": "TJ-2026-0001",
        "detention_ref": "JLS-2026-0001",
        "id_number": ID_MAN,
        "checked_at": "2026-03-02 16:00",
        "conclusion": "适宜",
        "findings": "血压偏高",
        "history": "高血压病史三年",
        "mental_state": "情绪稳定",
    }
    row.update(values)
    return row


def table(
    rows: list[dict[str, str]],
    *,
    keys: list[str] = DETENTION_KEYS,
    headers: dict[str, str] | None = DETENTION_HEADERS,
    title: str | None = None,
    extra_column: str | None = None,
) -> list[list[str]]:
    """Header and data rows; headers None: the English keys; an optional title row above and an
    unknown extra column at the end."""
    header = [headers[key] if headers else key for key in keys]
    lines = []
    if title:
        lines.append([title] + [""] * (len(keys) - 1))
    lines.append(header + ([extra_column] if extra_column else []))
    for row in rows:
        lines.append([row.get(key, "") for key in keys] + (["备注内容"] if extra_column else []))
    return lines


def csv_bytes(lines: list[list[str]], *, encoding: str = "utf-8") -> bytes:
    text = io.StringIO()
    csv.writer(text, lineterminator="\r\n").writerows(lines)
    return text.getvalue().encode(encoding)


def xlsx_bytes(lines: list[list], *, sheet_title: str = "入所人员") -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = sheet_title
    for line in lines:
        sheet.append(line)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def json_bytes(rows: list[dict]) -> bytes:
    return json.dumps(rows, ensure_ascii=False).encode()
