"""Reading the platforms' files: CSV (UTF-8, UTF-8 with BOM, GB18030), XLSX and JSON, into rows of
{key: value} under the English keys of DESIGN.md §3, each with the row number a user sees in the file.

Everything streams: a file is read in chunks (once to learn its encoding, once for the rows), never
held in memory whole, so a file of a million rows costs no more memory than one of a thousand.
Whatever is wrong with the file as a whole (its type, its encoding, no header row) raises
ImportFileError with a message for the user; what is wrong with one row is the validator's business.
"""

from __future__ import annotations

import codecs
import csv
import io
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import PurePath
from typing import BinaryIO

from django.utils.translation import gettext as _

from yaoyao_mediation.json_input import JSONInputError, JSONTooDeep, load_json

from ..models import Detention, HealthCheck

CHUNK = 1 << 16
# The header row is looked for among the first rows: a title row or two above it is fine.
HEADER_SEARCH_ROWS = 20
# A row is the header when at least this many of its cells are known column names.
HEADER_MIN_MATCHES = 3


class ImportFileError(Exception):
    """The file as a whole cannot be read; the message is for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Column:
    key: str  # the English key, also the JSON key
    label: str  # the header the platform exports, in Chinese
    max_length: int | None = None
    aliases: tuple[str, ...] = ()

    @property
    def names(self) -> set[str]:
        return {header_name(name) for name in (self.key, self.label, *self.aliases)}


def _length(model, name: str) -> int | None:
    return model._meta.get_field(name).max_length


DETENTION_COLUMNS = (
    Column("facility_code", "监所代码", 32),
    Column("external_ref", "入所编号", _length(Detention, "external_ref")),
    Column("name", "姓名", _length(Detention, "name")),
    Column("id_number", "身份证号", 32, aliases=("身份证号码", "公民身份号码")),
    Column("phone", "联系电话", 32),
    Column("household_address", "户籍地址", _length(Detention, "household_address")),
    Column("current_address", "现住址", _length(Detention, "current_address")),
    Column("employer", "工作单位", _length(Detention, "employer")),
    Column("kind", "拘留类型"),
    Column("decision_number", "决定书文号", _length(Detention, "decision_number")),
    Column("handling_unit", "办案单位", _length(Detention, "handling_unit")),
    Column("reason", "拘留事由", 2000),
    Column("admitted_at", "入所时间"),
    Column("days", "拘留天数"),
    Column("scheduled_release_at", "预计出所时间"),
    Column("released_at", "出所时间"),
    Column("cell", "监室", _length(Detention, "cell")),
)
DETENTION_REQUIRED = ("facility_code", "external_ref", "name", "id_number", "kind", "admitted_at")

HEALTH_CHECK_COLUMNS = (
    Column("external_ref", "体检编号", _length(HealthCheck, "external_ref")),
    Column("detention_ref", "入所编号", _length(Detention, "external_ref")),
    Column("id_number", "身份证号", 32, aliases=("身份证号码", "公民身份号码")),
    Column("checked_at", "体检时间"),
    Column("conclusion", "体检结论"),
    Column("findings", "异常项目", 2000),
    Column("history", "既往病史", 2000),
    Column("mental_state", "精神状况", 2000),
)
HEALTH_CHECK_REQUIRED = ("external_ref", "detention_ref", "id_number", "checked_at", "conclusion")


def header_name(text: str) -> str:
    """ "入所 编号", "入所编号 " and "External_Ref" all name the column they look like."""
    return "".join(unicodedata.normalize("NFKC", text).split()).lower()


def column_index(columns: Iterable[Column]) -> dict[str, str]:
    """{normalised header name: key}."""
    return {name: column.key for column in columns for name in column.names}


# First bytes of files people upload by mistake: (signature, what to call it).
FOREIGN_SIGNATURES = (
    (b"\x89PNG", "PNG 图片"),
    (b"\xff\xd8\xff", "JPEG 图片"),
    (b"GIF8", "GIF 图片"),
    (b"%PDF", "PDF 文档"),
    (b"\x1f\x8b", "GZIP 压缩包"),
    (b"Rar!", "RAR 压缩包"),
    (b"7z\xbc\xaf", "7z 压缩包"),
    (b"\xd0\xcf\x11\xe0", "旧版 Office 文件（.xls / .doc）"),
)
ZIP_SIGNATURE = b"PK\x03\x04"


def detect_format(file: BinaryIO, file_name: str) -> str:
    """ "csv", "xlsx" or "json", from the content (the name only breaks a tie between CSV and JSON)."""
    file.seek(0)
    head = file.read(8)
    file.seek(0)
    suffix = PurePath(file_name or "").suffix.lower()
    if head.startswith(ZIP_SIGNATURE):
        return "xlsx"
    for signature, what in FOREIGN_SIGNATURES:
        if head.startswith(signature):
            raise ImportFileError(
                _("文件内容是%(what)s，不是 CSV、XLSX 或 JSON 表格，请上传平台导出的数据文件") % {"what": what}
            )
    if suffix == ".xlsx":
        raise ImportFileError(_("XLSX 文件已损坏或不是有效的 XLSX 文件，请重新导出后上传"))
    if not head:
        raise ImportFileError(_("文件是空的"))
    if suffix == ".json":
        return "json"
    return "csv"


def detect_encoding(file: BinaryIO) -> str:
    """utf-8-sig when the file starts with a BOM; else utf-8 when it decodes strictly as UTF-8; else
    gb18030 (which GBK and GB2312 files are subsets of). A text with NUL characters is no CSV (UTF-16
    looks like that), whatever decodes it."""
    file.seek(0)
    head = file.read(4)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ImportFileError(_("文件编码无法识别，请使用 UTF-8 或 GB18030（文件是 UTF-16 编码）"))
    for encoding in ("utf-8", "gb18030"):
        if _decodes(file, encoding):
            return encoding
    raise ImportFileError(_("文件编码无法识别，请使用 UTF-8 或 GB18030"))


def _decodes(file: BinaryIO, encoding: str) -> bool:
    file.seek(0)
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    try:
        for chunk in iter(lambda: file.read(CHUNK), b""):
            if "\x00" in decoder.decode(chunk):
                return False
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    finally:
        file.seek(0)
    return True


def read_rows(file: BinaryIO, *, file_name: str, columns: tuple[Column, ...]) -> Iterator[tuple[int, dict]]:
    """(row number, {key: value}) for every non-blank data row of a CSV, XLSX or JSON file. Values are
    stripped strings, or datetimes where an XLSX cell holds a date. Raises ImportFileError, possibly
    after some rows (a damaged XLSX may fail half-way)."""
    kind = detect_format(file, file_name)
    if kind == "json":
        yield from json_rows(_load_json(file), columns=columns)
        return
    cells = _xlsx_cells(file) if kind == "xlsx" else _csv_cells(file)
    yield from _table_rows(cells, columns)


def _load_json(file: BinaryIO):
    # The same bounded reader as the API's request bodies: a file nested 100,000 deep is a bad file,
    # not a RecursionError.
    try:
        return load_json(file.read().decode(detect_encoding(file)))
    except JSONTooDeep as error:
        raise ImportFileError(error.message) from None
    except JSONInputError:
        raise ImportFileError(_("JSON 文件格式不正确")) from None


def json_rows(data, *, columns: tuple[Column, ...]) -> Iterator[tuple[int, dict]]:
    """Rows of a JSON list of objects under the English keys (the Chinese headers work too); the row
    number is the position in the list, from 1."""
    if not isinstance(data, list):
        raise ImportFileError(_("JSON 数据应为由对象组成的列表"))
    index = column_index(columns)
    for number, item in enumerate(data, 1):
        if not isinstance(item, dict):
            yield number, MALFORMED
            continue
        row = {}
        for name, value in item.items():
            key = index.get(header_name(str(name)))
            if key is not None and key not in row:
                row[key] = _json_value(value)
        yield number, row


def _json_value(value):
    if value is None:
        return ""
    if isinstance(value, bool | dict | list):
        return MALFORMED
    if isinstance(value, int | float):
        return cell_text(value)
    return str(value).strip()


class _Malformed:
    """A value of the wrong JSON type (an object, a list, true/false): the validator says so."""

    def __repr__(self) -> str:
        return "MALFORMED"


MALFORMED = _Malformed()


def _table_rows(cells: Iterator[tuple[int, list]], columns: tuple[Column, ...]) -> Iterator[tuple[int, dict]]:
    index = column_index(columns)
    header: list[str | None] | None = None
    for number, values in cells:
        if header is None:
            names = [index.get(header_name(cell_text(value))) if value is not None else None for value in values]
            if sum(1 for name in names if name) >= HEADER_MIN_MATCHES:
                # A column named twice: the first one counts.
                seen: set[str] = set()
                header = [name if name and not (name in seen or seen.add(name)) else None for name in names]
                continue
            if number >= HEADER_SEARCH_ROWS:
                break
            continue
        row = {}
        for key, value in zip(header, values, strict=False):
            if key is not None:
                row[key] = value if isinstance(value, datetime | date) else cell_text(value)
        if any(value not in ("", None) for value in row.values()):
            yield number, row
    if header is None:
        labels = "、".join(column.label for column in columns[:4])
        raise ImportFileError(
            _("未找到表头行：前 %(n)s 行中没有一行包含%(labels)s等列名，请确认导入类型和文件是否正确")
            % {"n": HEADER_SEARCH_ROWS, "labels": labels}
        )


def cell_text(value) -> str:
    """A cell as text: 15.0 → "15" (spreadsheets store whole numbers as floats), None → ""."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date | time):
        return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    return str(value).strip()


def _csv_cells(file: BinaryIO) -> Iterator[tuple[int, list]]:
    encoding = detect_encoding(file)
    file.seek(0)
    text = io.TextIOWrapper(file, encoding=encoding, newline="")
    try:
        # Rows are counted as records, as a spreadsheet shows them (a quoted cell may span lines).
        yield from enumerate(csv.reader(text), 1)
    except csv.Error as error:
        raise ImportFileError(_("CSV 文件格式不正确（%(error)s）") % {"error": error}) from None
    finally:
        # Leave the file open for its owner: the wrapper would close it when collected.
        text.detach()


def _xlsx_cells(file: BinaryIO) -> Iterator[tuple[int, list]]:
    import openpyxl  # only XLSX imports need it

    broken = _("XLSX 文件已损坏或不是有效的 XLSX 文件，请重新导出后上传")
    try:
        workbook = openpyxl.load_workbook(file, read_only=True, data_only=True)
    # A damaged file fails in the zip reader, the XML parser or openpyxl itself, each with its own
    # exception types: whatever it is, the user needs the same answer.
    except Exception:
        raise ImportFileError(broken) from None
    try:
        sheet = workbook.worksheets[0]
        # The dimension a writer records may be wrong; read what is there.
        sheet.reset_dimensions()
        for row in sheet.iter_rows():
            number = next((cell.row for cell in row if getattr(cell, "row", None)), None)
            if number is None:
                continue
            yield number, [cell.value for cell in row]
    except Exception:
        raise ImportFileError(broken) from None
    finally:
        workbook.close()
