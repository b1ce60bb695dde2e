"""Checking the rows of an import, a batch at a time, and applying the valid ones through the services.

Each row ends as one outcome: new, updated, unchanged or invalid, with an error in Chinese naming
the row and the column for each problem. Checking writes nothing; `apply` writes the new and updated
rows of a checked batch through detainees.services (the same functions the officer pages use), so an
import leaves exactly the rows and audit events that typing the same facts in would.

Errors never repeat the values of sensitive columns (ID numbers, phones, health notes): the import log
keeps the errors unencrypted.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Organization, User
from security.fields import lookup_hash_for
from security.normalizers import validate_phone
from yaoyao_mediation.form_fields import validate_date_in_range

from .. import identity, services
from ..models import Detention, HealthCheck, Person
from .parsing import (
    DETENTION_COLUMNS,
    DETENTION_REQUIRED,
    HEALTH_CHECK_COLUMNS,
    HEALTH_CHECK_REQUIRED,
    MALFORMED,
    Column,
)

# The platforms write local time without an offset; they are in Zhejiang.
PLATFORM_TIME_ZONE = ZoneInfo("Asia/Shanghai")
# YYYY-MM-DD HH:MM[:SS] or YYYY/MM/DD HH:MM[:SS] (one separator in a date). A pattern, not strptime:
# strptime costs a tenth of a millisecond a call, on two times a row of a million-row file.
PLATFORM_TIME = re.compile(r"(\d{4})([-/])(\d{1,2})\2(\d{1,2}) (\d{1,2}):(\d{2})(?::(\d{2}))?")


class Outcome:
    NEW = "new"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    INVALID = "invalid"


@dataclass(frozen=True)
class Scope:
    """Who imports for which centre, and when. facility None: any centre (the operators' commands)."""

    facility: Organization | None
    user: User | None
    now: datetime


@dataclass
class Checked:
    row: int
    outcome: str = ""
    errors: list[dict] = field(default_factory=list)  # {"row", "field", "message"}
    data: object = None  # the cleaned values
    target: object = None  # the existing record, for an update
    changes: dict = field(default_factory=dict)

    def fail(self, label: str, message: str) -> None:
        self.outcome = Outcome.INVALID
        if label:
            text = _("第 %(row)s 行，%(field)s：%(message)s") % {"row": self.row, "field": label, "message": message}
        else:
            text = _("第 %(row)s 行：%(message)s") % {"row": self.row, "message": message}
        self.errors.append({"row": self.row, "field": label, "message": text})

    @property
    def is_valid(self) -> bool:
        return self.outcome != Outcome.INVALID


def error_text(error: ValidationError) -> str:
    return "；".join(error.messages)


class SeenKeys:
    """Which keys (platform references, people) earlier rows of one file claimed, and the first row
    that claimed each: for "duplicated in this file" errors. Kept in a temporary table rather than in a
    Python set, so that a file of a million rows does not hold a million strings in the worker."""

    def __enter__(self) -> SeenKeys:
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TEMPORARY TABLE IF NOT EXISTS detainees_import_seen (key text PRIMARY KEY, row integer)"
            )
            cursor.execute("TRUNCATE detainees_import_seen")
        return self

    def __exit__(self, *exc_info) -> None:
        # In an aborted transaction this fails; the next import empties the table before use.
        with contextlib.suppress(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS detainees_import_seen")

    def claim(self, keys: list[tuple[str, int]]) -> list[int | None]:
        """Claims each (key, row); the earlier row for a key claimed before (by an earlier batch or
        earlier in `keys`), None for a first claim. One or two queries however many keys."""
        first_in_batch: dict[str, int] = {}
        for key, row in keys:
            first_in_batch.setdefault(key, row)
        if not first_in_batch:
            return []
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO detainees_import_seen (key, row) SELECT * FROM unnest(%s::text[], %s::integer[])"
                " ON CONFLICT (key) DO NOTHING RETURNING key",
                [list(first_in_batch), list(first_in_batch.values())],
            )
            inserted = {key for (key,) in cursor.fetchall()}
            earlier = {key: row for key, row in first_in_batch.items() if key not in inserted}
            if earlier:
                cursor.execute("SELECT key, row FROM detainees_import_seen WHERE key = ANY(%s)", [list(earlier)])
                earlier.update(cursor.fetchall())
        answers = []
        for key, row in keys:
            first = earlier.get(key, first_in_batch[key])
            answers.append(first if first != row else None)
        return answers


# --- values ------------------------------------------------------------------------------------------


class BadValue(Exception):
    pass


def parse_time(value) -> datetime:
    """A platform time, local to Asia/Shanghai: "2026-03-02 15:00[:00]", "2026/03/02 15:00", an XLSX
    date cell, or (from the JSON push) ISO 8601, with or without an offset."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        raise BadValue(_("应填写到时分，例如 2026-03-02 15:00"))
    else:
        text = str(value).strip()
        moment = None
        match = PLATFORM_TIME.fullmatch(text)
        if match:  # a local time: made aware below
            year, _separator, month, day, hour, minute, second = match.groups()
            try:
                moment = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0))
            except ValueError:
                moment = None
        if moment is None and "T" in text:
            try:
                moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                moment = None
        if moment is None:
            raise BadValue(_("时间格式不正确，应为 YYYY-MM-DD HH:MM 或 YYYY/MM/DD HH:MM"))
    try:
        validate_date_in_range(moment)
    except ValidationError as error:
        raise BadValue(error_text(error)) from None
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=PLATFORM_TIME_ZONE)
    return moment


def parse_days(value) -> int:
    text = str(value).strip()
    if not text.isdigit():
        raise BadValue(_("应为整数天数"))
    return int(text)


DETENTION_KINDS = {
    "行政拘留": Detention.Kind.ADMINISTRATIVE,
    "司法拘留": Detention.Kind.JUDICIAL,
    "administrative": Detention.Kind.ADMINISTRATIVE,
    "judicial": Detention.Kind.JUDICIAL,
}
CONCLUSIONS = {
    "适宜": HealthCheck.Conclusion.SUITABLE,
    "适宜参加调解": HealthCheck.Conclusion.SUITABLE,
    "暂缓": HealthCheck.Conclusion.POSTPONE,
    "暂缓参加调解": HealthCheck.Conclusion.POSTPONE,
    "不宜": HealthCheck.Conclusion.UNSUITABLE,
    "不宜参加调解": HealthCheck.Conclusion.UNSUITABLE,
    "suitable": HealthCheck.Conclusion.SUITABLE,
    "postpone": HealthCheck.Conclusion.POSTPONE,
    "unsuitable": HealthCheck.Conclusion.UNSUITABLE,
}


# PostgreSQL text cannot hold U+0000; a value with one never reaches a query (RowReader.text, and the
# raw references claimed for the duplicate checks, see claimable_ref).
NUL = "\x00"
NUL_MESSAGE = gettext_lazy("不能包含空字符（U+0000）")


def claimable_ref(raw, key: str = "external_ref") -> str:
    """The raw row's reference, stripped, for the "duplicated in this file" checks; "" when there is
    none or when it cannot be stored (RowReader.text has said why)."""
    ref = raw.get(key) if isinstance(raw, dict) else None
    if not isinstance(ref, str) or NUL in ref:
        return ""
    return ref.strip()


class RowReader:
    """Reads one raw row's values, collecting an error per bad column."""

    def __init__(self, item: Checked, raw, columns: tuple[Column, ...], required: tuple[str, ...]) -> None:
        self.item = item
        self.columns = {column.key: column for column in columns}
        self.raw = raw if isinstance(raw, dict) else {}
        self.malformed = not isinstance(raw, dict)
        if self.malformed:
            item.fail("", _("应为一个对象（键值对），不是其他类型的值"))
            required = ()
        for key in required:
            if self.blank(key):
                self.fail(key, _("不能为空"))

    def label(self, key: str) -> str:
        return self.columns[key].label

    def fail(self, key: str, message: str) -> None:
        self.item.fail(self.label(key) if key else "", message)

    def blank(self, key: str) -> bool:
        return self.raw.get(key) in (None, "")

    def text(self, key: str) -> str:
        value = self.raw.get(key)
        if value is MALFORMED:
            self.fail(key, _("应为文字，不能是对象、列表或 true/false"))
            return ""
        if value is None:
            return ""
        text = value if isinstance(value, str) else str(value)
        if NUL in text:  # PostgreSQL refuses the string: the row is invalid, not the import
            self.fail(key, NUL_MESSAGE)
            return ""
        text = text.strip()
        limit = self.columns[key].max_length
        if limit and len(text) > limit:
            self.fail(key, _("不能超过 %(n)s 个字符") % {"n": limit})
        return text

    def convert(self, key: str, convert: Callable):
        """convert(value) for a non-blank column, None for a blank one or a bad value (with its error)."""
        value = self.raw.get(key)
        if value in (None, ""):
            return None
        if value is MALFORMED:
            self.fail(key, _("值的类型不正确"))
            return None
        try:
            return convert(value)
        except BadValue as error:
            self.fail(key, str(error))
        except ValidationError as error:
            self.fail(key, error_text(error))
        return None

    def choice(self, key: str, choices: dict, message: str):
        text = self.text(key)
        if not text:
            return None
        value = choices.get(text) or choices.get(text.lower())
        if value is None:
            self.fail(key, message)
        return value

    def phone(self, key: str) -> str:
        """The number as it is to be stored (security.normalizers.validate_phone), or "" with an error.
        The message never repeats the number (the log keeps errors unencrypted)."""
        text = self.text(key)
        try:
            return validate_phone(text)
        except ValidationError as error:
            self.fail(key, error_text(error))
            return ""

    def resident_id(self, key: str, *, now: datetime) -> tuple[str, str]:
        """(the 18-character number, its lookup hash), or ("", "") with an error."""
        parsed = self.convert(key, lambda value: identity.parse_resident_id(str(value), now=now))
        if parsed is None:
            return "", ""
        return parsed.number, lookup_hash_for(Person, "id_number", parsed.number)


def apply_one(item: Checked, write: Callable[[], object]) -> None:
    """One row's writes in a savepoint: a row that fails now (its data changed since it was checked)
    becomes invalid, and the rest of the batch goes on."""
    try:
        with transaction.atomic():
            write()
    except ValidationError as error:
        item.fail("", error_text(error))
    except IntegrityError:
        item.fail("", _("与库中已有记录冲突，请重新核对后再导入"))


# --- detentions (公安监管综合平台) ---------------------------------------------------------------


@dataclass
class DetentionRow:
    facility_code: str
    external_ref: str
    id_hash: str
    person: services.PersonInput
    kind: str
    admitted_at: datetime
    detention_days: int | None
    given_scheduled_release_at: datetime | None
    scheduled_release_at: datetime
    released_at: datetime | None
    decision_number: str
    handling_unit: str
    reason: str
    cell: str

    def detention_input(self, facility: Organization) -> services.DetentionInput:
        return services.DetentionInput(
            facility=facility,
            kind=self.kind,
            admitted_at=self.admitted_at,
            detention_days=self.detention_days,
            scheduled_release_at=self.given_scheduled_release_at,
            released_at=self.released_at,
            external_ref=self.external_ref,
            decision_number=self.decision_number,
            handling_unit=self.handling_unit,
            reason=self.reason,
            cell=self.cell,
        )


# The services name the columns of their errors by model field; the import by its column keys.
SERVICE_FIELDS = {"detention_days": "days"}


class DetentionImport:
    columns = DETENTION_COLUMNS
    required = DETENTION_REQUIRED

    column_labels = {column.key: column.label for column in DETENTION_COLUMNS}

    def __init__(self) -> None:
        self.facilities: dict[str, Organization | None] = {}  # by code, for the length of one import

    def clean(self, item: Checked, raw, *, now: datetime) -> DetentionRow | None:
        read = RowReader(item, raw, self.columns, self.required)
        if read.malformed:
            return None
        if read.blank("days") and read.blank("scheduled_release_at"):
            item.fail(_("拘留天数或预计出所时间"), _("至少填写一项"))
        texts = {
            key: read.text(key)
            for key in (
                "facility_code",
                "external_ref",
                "name",
                "household_address",
                "current_address",
                "employer",
                "decision_number",
                "handling_unit",
                "reason",
                "cell",
            )
        }
        texts["phone"] = read.phone("phone")
        number, id_hash = read.resident_id("id_number", now=now)
        kind = read.choice("kind", DETENTION_KINDS, _("应为“行政拘留”或“司法拘留”"))
        admitted_at = read.convert("admitted_at", parse_time)
        days = read.convert("days", parse_days)
        given_scheduled = read.convert("scheduled_release_at", parse_time)
        released_at = read.convert("released_at", parse_time)
        if not item.is_valid:
            return None
        try:
            scheduled = services.scheduled_release(admitted_at, days, given_scheduled)
            services.check_detention_times(
                admitted_at=admitted_at, scheduled_release_at=scheduled, released_at=released_at, now=now
            )
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                read.fail(SERVICE_FIELDS.get(name, name), "；".join(messages))
            return None
        person = services.PersonInput(
            id_type=Person.IdType.RESIDENT_ID,
            id_number=number,
            name=texts["name"],
            phone=texts["phone"],
            household_address=texts["household_address"],
            current_address=texts["current_address"],
            employer=texts["employer"],
        )
        return DetentionRow(
            facility_code=texts["facility_code"],
            external_ref=texts["external_ref"],
            id_hash=id_hash,
            person=person,
            kind=kind,
            admitted_at=admitted_at,
            detention_days=days,
            given_scheduled_release_at=given_scheduled,
            scheduled_release_at=scheduled,
            released_at=released_at,
            decision_number=texts["decision_number"],
            handling_unit=texts["handling_unit"],
            reason=texts["reason"],
            cell=texts["cell"],
        )

    def check(self, rows: list[tuple[int, object]], scope: Scope, seen: SeenKeys) -> list[Checked]:
        items = []
        for number, raw in rows:
            item = Checked(row=number)
            item.data = self.clean(item, raw, now=scope.now)
            items.append(item)
        self._check_duplicates(items, rows, seen)
        self._check_facilities([item for item in items if item.is_valid], scope)
        valid = [item for item in items if item.is_valid]
        existing = self._existing(valid)
        new = []
        for item in valid:
            detention = existing.get((self.facility_of(item).pk, item.data.external_ref))
            if detention is None:
                item.outcome = Outcome.NEW
                new.append(item)
            else:
                self._compare(item, detention, scope)
        self._check_custody(new, seen)
        return items

    def _check_duplicates(self, items: list[Checked], rows: list, seen: SeenKeys) -> None:
        keyed = []
        for item, (_number, raw) in zip(items, rows, strict=True):
            ref = claimable_ref(raw)
            if ref:
                keyed.append((item, ref))
        earlier = seen.claim([(f"ref:{ref}", item.row) for item, ref in keyed])
        for (item, ref), first in zip(keyed, earlier, strict=True):
            if first is not None:
                item.fail(
                    _("入所编号"),
                    _("入所编号 %(ref)s 与第 %(first)s 行重复，同一文件中入所编号不能重复（保留第 %(first)s 行）")
                    % {"ref": ref, "first": first},
                )

    def _check_facilities(self, items: list[Checked], scope: Scope) -> None:
        missing = {item.data.facility_code for item in items} - set(self.facilities)
        if missing:
            found = {
                facility.code: facility
                for facility in Organization.objects.filter(code__in=missing, kind=Organization.Kind.FACILITY)
            }
            self.facilities.update({code: found.get(code) for code in missing})
        for item in items:
            facility = self.facilities[item.data.facility_code]
            if facility is None:
                item.fail(_("监所代码"), _("未知的监所代码 %(code)s") % {"code": item.data.facility_code})
            elif scope.facility is not None and facility.pk != scope.facility.pk:
                item.fail(
                    _("监所代码"),
                    _("监所代码 %(code)s 与本所（%(own)s）不符，只能导入本所的入所记录")
                    % {"code": item.data.facility_code, "own": scope.facility.code},
                )

    def facility_of(self, item: Checked) -> Organization:
        return self.facilities[item.data.facility_code]

    def _existing(self, items: list[Checked]) -> dict[tuple[int, str], Detention]:
        """The detentions these rows update, by (centre, reference): references are unique per centre, and
        one another centre holds is none of this import's business (DESIGN.md §5)."""
        refs_of: dict[int, set[str]] = {}
        for item in items:
            refs_of.setdefault(self.facility_of(item).pk, set()).add(item.data.external_ref)
        if not refs_of:
            return {}
        condition = Q()
        for facility_id, refs in refs_of.items():
            condition |= Q(facility_id=facility_id, external_ref__in=refs)
        return {
            (detention.facility_id, detention.external_ref): detention
            for detention in Detention.objects.filter(condition)
            .select_related("person")
            .defer("person__id_number", "phone")
        }

    def _compare(self, item: Checked, detention: Detention, scope: Scope) -> None:
        data: DetentionRow = item.data
        person = detention.person
        if person.id_type != Person.IdType.RESIDENT_ID or person.id_number_hash != data.id_hash:
            item.fail(_("身份证号"), _("与入所编号 %(ref)s 已登记的被拘留人不一致") % {"ref": data.external_ref})
            return
        changes = {}
        if data.kind != detention.kind:
            changes["kind"] = data.kind
        # A blank column is no news: it never wipes what an officer entered.
        for name in ("decision_number", "handling_unit", "reason", "cell"):
            value = getattr(data, name)
            if value and value != getattr(detention, name):
                changes[name] = value
        days = data.detention_days if data.detention_days is not None else detention.detention_days
        if (data.admitted_at, days, data.scheduled_release_at) != (
            detention.admitted_at,
            detention.detention_days,
            detention.scheduled_release_at,
        ):
            # All three, so that update_detention does not derive the release from the days again.
            changes.update(
                admitted_at=data.admitted_at, detention_days=days, scheduled_release_at=data.scheduled_release_at
            )
        release = None
        if data.released_at is not None:
            if detention.released_at is None:
                release = data.released_at
            elif detention.released_at != data.released_at:
                registered = timezone.localtime(detention.released_at, PLATFORM_TIME_ZONE)
                item.fail(
                    _("出所时间"),
                    _("与已登记的出所时间 %(at)s 不一致，出所时间不能通过导入更改")
                    % {"at": registered.strftime("%Y-%m-%d %H:%M")},
                )
                return
        try:
            services.check_detention_times(
                admitted_at=data.admitted_at,
                scheduled_release_at=data.scheduled_release_at,
                released_at=release or detention.released_at,
                now=scope.now,
            )
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                column = self.column_labels.get(SERVICE_FIELDS.get(name, name), "")
                item.fail(column, "；".join(messages))
            return
        changes.update(self._recorded_changes(detention, data.person))
        item.target = detention
        item.changes = {"detention": changes, "release": release}
        item.outcome = Outcome.UPDATED if (changes or release) else Outcome.UNCHANGED

    @staticmethod
    def _recorded_changes(detention: Detention, data: services.PersonInput) -> dict:
        """What the row changes of what this centre recorded about the person on this detention (never
        on the person, shared by every centre, nor on another detention of theirs)."""
        changes = {}
        if data.name != detention.name:
            changes["name"] = data.name
        # The number is compared through the keyed hash: the rows were read without decrypting it.
        if data.phone and lookup_hash_for(Detention, "phone", data.phone) != detention.phone_hash:
            changes["phone"] = data.phone
        for name in ("household_address", "current_address", "employer"):
            value = getattr(data, name)
            if value and value != getattr(detention, name):
                changes[name] = value
        return changes

    def _check_custody(self, new: list[Checked], seen: SeenKeys) -> None:
        """record_intake refuses a second detention in custody for one person: in the database, or
        from an earlier row of this file."""
        entering = [item for item in new if item.data.released_at is None]
        hashes = {item.data.id_hash for item in entering}
        in_custody = set(
            Detention.objects.filter(
                person__id_type=Person.IdType.RESIDENT_ID,
                person__id_number_hash__in=hashes,
                status=Detention.Status.IN_CUSTODY,
            ).values_list("person__id_number_hash", flat=True)
        )
        for item in entering:
            if item.data.id_hash in in_custody:
                item.fail(_("身份证号"), _("此人已有一条在所记录，请先办理出所或转所"))
        entering = [item for item in entering if item.is_valid]
        earlier = seen.claim([(f"custody:{item.data.id_hash}", item.row) for item in entering])
        for item, first in zip(entering, earlier, strict=True):
            if first is not None:
                item.fail(_("身份证号"), _("此人在本文件第 %(first)s 行已有一条在所记录") % {"first": first})

    def apply(self, items: list[Checked], scope: Scope) -> None:
        new = [item for item in items if item.outcome == Outcome.NEW]
        if new:
            try:
                with transaction.atomic():
                    services.record_intakes(
                        [(item.data.person, item.data.detention_input(self.facility_of(item))) for item in new],
                        acting_user=scope.user,
                        now=scope.now,
                    )
            except (ValidationError, IntegrityError):
                # Something changed since the check: row by row, to tell which.
                for item in new:
                    apply_one(item, lambda item=item: self._create(item, scope))
        for item in items:
            if item.outcome == Outcome.UPDATED:
                apply_one(item, lambda item=item: self._update(item, scope))

    def _create(self, item: Checked, scope: Scope) -> None:
        services.record_intake(
            item.data.person,
            item.data.detention_input(self.facility_of(item)),
            acting_user=scope.user,
            now=scope.now,
        )

    def _update(self, item: Checked, scope: Scope) -> None:
        if item.changes["detention"]:
            services.update_detention(
                item.target, changes=item.changes["detention"], acting_user=scope.user, now=scope.now
            )
        if item.changes["release"]:
            services.release_detention(
                item.target, released_at=item.changes["release"], acting_user=scope.user, now=scope.now
            )


# --- health checks (全民健康信息平台) -----------------------------------------------------------


@dataclass
class HealthCheckRow:
    external_ref: str
    detention_ref: str
    id_hash: str
    checked_at: datetime
    conclusion: str
    findings: str
    history: str
    mental_state: str


class HealthCheckImport:
    columns = HEALTH_CHECK_COLUMNS
    required = HEALTH_CHECK_REQUIRED
    # Checks are made at intake; a clock a little ahead on the health platform's side is no error.
    CLOCK_SKEW = timedelta(minutes=5)

    def clean(self, item: Checked, raw, *, now: datetime) -> HealthCheckRow | None:
        read = RowReader(item, raw, self.columns, self.required)
        if read.malformed:
            return None
        texts = {
            key: read.text(key) for key in ("external_ref", "detention_ref", "findings", "history", "mental_state")
        }
        _number, id_hash = read.resident_id("id_number", now=now)
        checked_at = read.convert("checked_at", parse_time)
        conclusion = read.choice("conclusion", CONCLUSIONS, _("应为“适宜”“暂缓”或“不宜参加调解”"))
        if checked_at is not None and checked_at > now + self.CLOCK_SKEW:
            read.fail("checked_at", _("体检时间不能晚于当前时间"))
        if not item.is_valid:
            return None
        return HealthCheckRow(
            external_ref=texts["external_ref"],
            detention_ref=texts["detention_ref"],
            id_hash=id_hash,
            checked_at=checked_at,
            conclusion=conclusion,
            findings=texts["findings"],
            history=texts["history"],
            mental_state=texts["mental_state"],
        )

    def check(self, rows: list[tuple[int, object]], scope: Scope, seen: SeenKeys) -> list[Checked]:
        items = []
        for number, raw in rows:
            item = Checked(row=number)
            item.data = self.clean(item, raw, now=scope.now)
            items.append(item)
        keyed = [(item, claimable_ref(raw)) for item, (_number, raw) in zip(items, rows, strict=True)]
        keyed = [(item, ref) for item, ref in keyed if ref]
        for (item, ref), first in zip(
            keyed, seen.claim([(f"check:{ref}", item.row) for item, ref in keyed]), strict=True
        ):
            if first is not None:
                item.fail(
                    _("体检编号"),
                    _("体检编号 %(ref)s 与第 %(first)s 行重复，同一文件中体检编号不能重复（保留第 %(first)s 行）")
                    % {"ref": ref, "first": first},
                )
        valid = [item for item in items if item.is_valid]
        detentions = Detention.objects.filter(external_ref__in={item.data.detention_ref for item in valid})
        if scope.facility is not None:
            detentions = detentions.filter(facility=scope.facility)
        # References are unique per centre: an operator's command (no centre) may find one at several
        # centres, and takes the detention of the row's person.
        found: dict[str, list[Detention]] = {}
        for detention in detentions.select_related("person").defer("person__id_number", "phone"):
            found.setdefault(detention.external_ref, []).append(detention)
        hash_of_ref = {item.data.detention_ref: item.data.id_hash for item in valid}
        detentions = {
            ref: next((d for d in candidates if d.person.id_number_hash == hash_of_ref[ref]), candidates[0])
            for ref, candidates in found.items()
        }
        checks = {
            check.external_ref: check
            for check in HealthCheck.objects.filter(
                external_ref__in=[item.data.external_ref for item in valid]
            ).select_related("detention")
        }
        for item in valid:
            self._compare(item, detentions.get(item.data.detention_ref), checks.get(item.data.external_ref), scope)
        return items

    def _compare(self, item: Checked, detention: Detention | None, check: HealthCheck | None, scope: Scope) -> None:
        data: HealthCheckRow = item.data
        if detention is None:
            # The same answer whether the detention is unknown or another centre's: nothing leaks.
            where = _("本所") if scope.facility is not None else ""
            item.fail(
                _("入所编号"),
                _("%(where)s没有入所编号为 %(ref)s 的入所记录") % {"where": where, "ref": data.detention_ref},
            )
            return
        if detention.person.id_number_hash != data.id_hash:
            item.fail(_("身份证号"), _("与入所编号 %(ref)s 的被拘留人不一致") % {"ref": data.detention_ref})
            return
        if check is not None and scope.facility is not None and check.detention.facility_id != scope.facility.pk:
            item.fail(_("体检编号"), _("体检编号 %(ref)s 已被使用，不能由本所更新") % {"ref": data.external_ref})
            return
        item.target = detention
        if check is None:
            item.outcome = Outcome.NEW
            return
        # record_health_check writes every column, blank ones too: compare them all.
        same = (
            check.detention_id == detention.pk
            and check.checked_at == data.checked_at
            and check.conclusion == data.conclusion
            and (check.findings, check.history, check.mental_state) == (data.findings, data.history, data.mental_state)
        )
        item.outcome = Outcome.UNCHANGED if same else Outcome.UPDATED

    def apply(self, items: list[Checked], scope: Scope) -> None:
        for item in items:
            if item.outcome in (Outcome.NEW, Outcome.UPDATED):
                apply_one(item, lambda item=item: self._write(item))

    @staticmethod
    def _write(item: Checked) -> None:
        data: HealthCheckRow = item.data
        services.record_health_check(
            item.target,
            external_ref=data.external_ref,
            checked_at=data.checked_at,
            conclusion=data.conclusion,
            findings=data.findings,
            history=data.history,
            mental_state=data.mental_state,
        )
