"""Every write to detainees: intake, edits, release, transfer, health checks and the assessment."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organization, User
from accounts.permissions import require
from security.fields import encrypted_lookup, lookup_hash_for
from yaoyao_mediation.file_names import without_controls
from yaoyao_mediation.states import require_transition

from . import document_files, identity
from .deadlines import assessment_due_at
from .escalation import escalation_score
from .models import Detention, Document, FamilyContact, HealthCheck, IntakeAssessment, Movement, Person

# Longest detention the law allows: 15 days, 20 when several administrative penalties are combined;
# judicial detention up to 15 days. A little room for corrections by the platform.
MAX_DETENTION_DAYS = 30


@dataclass
class PersonInput:
    """The person as an intake gives them: the identity (id_type, id_number, unknown_identity_description),
    which finds or creates the Person shared by every centre, and what this centre records about them
    (the rest), which is written on the new detention only (DESIGN.md §3)."""

    id_type: str
    id_number: str = ""
    name: str = ""
    phone: str = ""
    household_address: str = ""
    current_address: str = ""
    employer: str = ""
    unknown_identity_description: str = ""
    family_contacts: list[dict] = field(default_factory=list)  # {"name", "relation", "phone"}


@dataclass
class DetentionInput:
    facility: Organization
    kind: str
    admitted_at: datetime
    detention_days: int | None = None
    scheduled_release_at: datetime | None = None
    released_at: datetime | None = None
    external_ref: str = ""
    decision_number: str = ""
    handling_unit: str = ""
    reason: str = ""
    cell: str = ""
    responsible_officer: User | None = None


def normalize_identity(person: PersonInput, *, now: datetime | None = None) -> tuple[str, dict]:
    """The document number in its stored form, and what it tells (birth date, sex); ValidationError."""
    kind = Person.IdType
    if person.id_type == kind.RESIDENT_ID:
        parsed = identity.parse_resident_id(person.id_number, now=now or timezone.now())
        return parsed.number, {"birth_date": parsed.birth_date, "sex": parsed.sex}
    if person.id_type == kind.HK_MACAU_PERMIT:
        return identity.normalize_hk_macau_permit(person.id_number), {}
    if person.id_type == kind.TAIWAN_PERMIT:
        return identity.normalize_taiwan_permit(person.id_number), {}
    if person.id_type == kind.PASSPORT:
        return identity.normalize_passport(person.id_number), {}
    if person.id_type == kind.UNKNOWN:
        if not person.unknown_identity_description.strip():
            raise ValidationError(_("身份不明时必须填写情况说明"), code="unknown_description")
        return "", {}
    raise ValidationError(_("未知的证件类型"), code="id_type")


def find_person(id_type: str, number: str) -> Person | None:
    if not number:
        return None
    return encrypted_lookup(Person, "id_number", number).filter(id_type=id_type).first()


def find_or_create_person(data: PersonInput) -> tuple[Person, bool]:
    """The person with this document (the same number is the same person, across centres), or a new
    person. An existing person is never changed: what an intake records goes on its own detention.
    Returns (person, created)."""
    number, derived = normalize_identity(data)
    check_recorded_name(data)
    person = find_person(data.id_type, number)
    if person is not None:
        return person, False
    person = new_person(data, number, derived)
    person.save()
    return person, True


def new_person(data: PersonInput, number: str, derived: dict) -> Person:
    """The unsaved identity row that find_or_create_person (and record_intakes) inserts."""
    return Person(
        id_type=data.id_type,
        id_number=number,
        unknown_identity_description=data.unknown_identity_description.strip(),
        **derived,
    )


def check_recorded_name(data: PersonInput) -> None:
    if not data.name.strip():
        raise ValidationError({"name": _("请填写姓名")})


def recorded_values(data: PersonInput) -> dict:
    """What the centre records about the person at this intake, as Detention.RECORDED_FIELDS."""
    return {name: getattr(data, name).strip() for name in Detention.RECORDED_FIELDS}


def family_contacts_of(detention: Detention, data: PersonInput) -> list[FamilyContact]:
    """The unsaved family contacts of an intake, on its detention: one row per name, relation and
    number (the number compared through the keyed hash), however often a form or a row repeats one."""
    contacts, seen = [], set()
    for contact in data.family_contacts:
        name = (contact.get("name") or "").strip()
        relation = (contact.get("relation") or "").strip()
        phone = (contact.get("phone") or "").strip()
        key = (name, relation, lookup_hash_for(FamilyContact, "phone", phone))
        if name and key not in seen:
            seen.add(key)
            contacts.append(FamilyContact(detention=detention, name=name, relation=relation, phone=phone))
    return contacts


def check_detention_times(
    *, admitted_at: datetime, scheduled_release_at: datetime, released_at: datetime | None, now: datetime
) -> None:
    errors: dict[str, str] = {}
    if admitted_at > now:
        errors["admitted_at"] = _("入所时间不能晚于当前时间")
    if scheduled_release_at < admitted_at:
        errors["scheduled_release_at"] = _("预计出所时间不能早于入所时间")
    elif scheduled_release_at - admitted_at > timedelta(days=MAX_DETENTION_DAYS):
        errors["scheduled_release_at"] = _("拘留期限不能超过 %(days)s 天") % {"days": MAX_DETENTION_DAYS}
    if released_at is not None:
        if released_at < admitted_at:
            errors["released_at"] = _("出所时间不能早于入所时间")
        elif released_at > now:
            errors["released_at"] = _("出所时间不能晚于当前时间")
    if errors:
        raise ValidationError(errors)


def scheduled_release(admitted_at: datetime, days: int | None, given: datetime | None) -> datetime:
    if given is not None:
        return given
    if days is None:
        raise ValidationError({"detention_days": _("请填写拘留天数或预计出所时间")})
    if not 1 <= days <= MAX_DETENTION_DAYS:
        raise ValidationError({"detention_days": _("拘留天数应在 1 至 %(days)s 天之间") % {"days": MAX_DETENTION_DAYS}})
    return admitted_at + timedelta(days=days)


def apply_due_time(detention: Detention) -> None:
    """The one place that sets assessment_due_at (its inputs: admission, scheduled and actual release)."""
    detention.assessment_due_at = assessment_due_at(
        admitted_at=detention.admitted_at,
        scheduled_release_at=detention.scheduled_release_at,
        released_at=detention.released_at,
    )


def check_facility(facility: Organization) -> None:
    if facility.kind != Organization.Kind.FACILITY:
        raise ValidationError({"facility": _("只能选择拘留所")})


def record_intake(
    person_data: PersonInput, detention_data: DetentionInput, *, acting_user: User | None, now: datetime | None = None
) -> Detention:
    """A new detention (and the person, found by document number or created)."""
    require(acting_user, "record_intake", detention_data.facility)
    try:
        return _record_intake(person_data, detention_data, now=now or timezone.now())
    except IntegrityError as exc:
        # Two intakes of the same new person or platform reference at the same moment: the checks
        # above both passed, the unique constraints stopped the second. Tell that user, not a 500.
        raise ValidationError(_("同一人员或入所编号正在被同时登记，请刷新后核对"), code="conflict") from exc


@transaction.atomic
def _record_intake(person_data: PersonInput, detention_data: DetentionInput, *, now: datetime) -> Detention:
    check_facility(detention_data.facility)
    scheduled = scheduled_release(
        detention_data.admitted_at, detention_data.detention_days, detention_data.scheduled_release_at
    )
    check_detention_times(
        admitted_at=detention_data.admitted_at,
        scheduled_release_at=scheduled,
        released_at=detention_data.released_at,
        now=now,
    )
    ref = detention_data.external_ref.strip()
    # Unique per centre: another centre's reference answers like one never seen (DESIGN.md §5).
    if ref and Detention.objects.filter(facility=detention_data.facility, external_ref=ref).exists():
        raise ValidationError({"external_ref": _("入所编号 %(ref)s 已存在") % {"ref": ref}})
    person, _created = find_or_create_person(person_data)
    if Detention.objects.filter(person=person, status=Detention.Status.IN_CUSTODY).exists() and (
        detention_data.released_at is None
    ):
        raise ValidationError(_("此人已有一条在所记录，请先办理出所或转所"), code="already_in_custody")
    detention = new_detention(person, person_data, detention_data, scheduled_release_at=scheduled)
    detention.full_clean(exclude=["person", "facility", "responsible_officer"])
    detention.save()
    FamilyContact.objects.bulk_create(family_contacts_of(detention, person_data))
    return detention


def new_detention(
    person: Person, person_data: PersonInput, data: DetentionInput, *, scheduled_release_at: datetime
) -> Detention:
    """The unsaved row that record_intake (and record_intakes) inserts, with what this centre records
    about the person and the due time."""
    detention = Detention(
        person=person,
        **recorded_values(person_data),
        facility=data.facility,
        kind=data.kind,
        external_ref=data.external_ref.strip(),
        decision_number=data.decision_number.strip(),
        handling_unit=data.handling_unit.strip(),
        reason=data.reason.strip(),
        admitted_at=data.admitted_at,
        detention_days=data.detention_days,
        scheduled_release_at=scheduled_release_at,
        released_at=data.released_at,
        cell=data.cell.strip(),
        responsible_officer=data.responsible_officer,
        status=Detention.Status.RELEASED if data.released_at else Detention.Status.IN_CUSTODY,
    )
    apply_due_time(detention)
    return detention


@transaction.atomic
def record_intakes(
    items: list[tuple[PersonInput, DetentionInput]], *, acting_user: User | None, now: datetime | None = None
) -> list[Detention]:
    """record_intake for many rows at once (the platform imports), all or nothing: the same checks and
    the same rows and audit events (the triggers fire for bulk inserts too), with a handful of queries
    for the whole list instead of about eight per row. A known person is only looked up: each row's
    recorded values go on its own new detention. Rows whose person appears twice in the list go through
    record_intake itself, after the others."""
    for facility_id in {detention_data.facility.pk for _person, detention_data in items}:
        require(acting_user, "record_intake", facility_id)
    now = now or timezone.now()
    prepared = []
    for person_data, detention_data in items:
        check_facility(detention_data.facility)
        scheduled = scheduled_release(
            detention_data.admitted_at, detention_data.detention_days, detention_data.scheduled_release_at
        )
        check_detention_times(
            admitted_at=detention_data.admitted_at,
            scheduled_release_at=scheduled,
            released_at=detention_data.released_at,
            now=now,
        )
        number, derived = normalize_identity(person_data, now=now)
        check_recorded_name(person_data)
        number_hash = lookup_hash_for(Person, "id_number", number)
        prepared.append((person_data, detention_data, scheduled, number, number_hash, derived))
    given = [(row[1].facility.pk, ref) for row in prepared if (ref := row[1].external_ref.strip())]
    if len(set(given)) != len(given):
        raise ValidationError({"external_ref": _("入所编号重复")})
    # Unique per centre, as in record_intake. Unordered on purpose: first() would order by id and walk
    # the whole table when no ref is taken.
    refs_of: dict[int, set[str]] = {}
    for facility_id, ref in given:
        refs_of.setdefault(facility_id, set()).add(ref)
    taken = Q(pk__in=[])
    for facility_id, refs in refs_of.items():
        taken |= Q(facility_id=facility_id, external_ref__in=refs)
    taken = list(Detention.objects.filter(taken).values_list("external_ref", flat=True)[:1])
    if taken:
        raise ValidationError({"external_ref": _("入所编号 %(ref)s 已存在") % {"ref": taken[0]}})
    known = {
        (person.id_type, person.id_number_hash): person
        for person in Person.objects.filter(
            id_type__in={row[0].id_type for row in prepared},  # the leading column of the unique index
            id_number_hash__in={row[4] for row in prepared if row[4]},
        )
    }
    one_by_one, rows, new_people, seen = [], [], [], set()
    for person_data, detention_data, scheduled, number, number_hash, derived in prepared:
        key = (person_data.id_type, number_hash)
        if not number_hash or key in seen:
            one_by_one.append((person_data, detention_data))
            continue
        seen.add(key)
        person = known.get(key)
        if person is None:
            person = new_person(person_data, number, derived)
            new_people.append(person)
        rows.append((person, person_data, detention_data, scheduled))
    entering = [person.pk for person, _p, data, _s in rows if person.pk and data.released_at is None]
    if entering and Detention.objects.filter(person_id__in=entering, status=Detention.Status.IN_CUSTODY).exists():
        raise ValidationError(_("此人已有一条在所记录，请先办理出所或转所"), code="already_in_custody")
    Person.objects.bulk_create(new_people)
    detentions = []
    for person, person_data, detention_data, scheduled in rows:
        detention = new_detention(person, person_data, detention_data, scheduled_release_at=scheduled)
        # The constraints were checked above for the whole list (and the database enforces them): only
        # the field checks of record_intake's full_clean remain, without a query per row.
        detention.full_clean(
            exclude=["person", "facility", "responsible_officer"], validate_unique=False, validate_constraints=False
        )
        detentions.append(detention)
    Detention.objects.bulk_create(detentions)
    FamilyContact.objects.bulk_create(
        [
            contact
            for detention, (_person, person_data, _d, _s) in zip(detentions, rows, strict=True)
            for contact in family_contacts_of(detention, person_data)
        ]
    )
    for person_data, detention_data in one_by_one:
        detentions.append(record_intake(person_data, detention_data, acting_user=acting_user, now=now))
    return detentions


@transaction.atomic
def update_detention(detention: Detention, *, changes: dict, acting_user: User | None, now: datetime | None = None):
    """Correct the facts of a detention, or what its centre recorded about the person (an import's update
    of this detention); the due time follows admission and release changes."""
    now = now or timezone.now()
    detention = Detention.objects.select_for_update().get(pk=detention.pk)
    require(acting_user, "change_detention", detention.facility_id)
    unknown = set(changes) - {*Detention.FACT_FIELDS, *Detention.RECORDED_FIELDS}
    if unknown:
        raise ValueError(f"not editable here: {sorted(unknown)}")
    for name, value in changes.items():
        setattr(detention, name, value.strip() if isinstance(value, str) else value)
    # The scheduled release is admission + days unless given: it follows a corrected admission too, and
    # a cleared one (None: "not given") is computed from the days, or refused when there are none.
    release_cleared = "scheduled_release_at" in changes and changes["scheduled_release_at"] is None
    days_apply = {"detention_days", "admitted_at"} & changes.keys() and "scheduled_release_at" not in changes
    if release_cleared or (days_apply and detention.detention_days):
        detention.scheduled_release_at = scheduled_release(detention.admitted_at, detention.detention_days, None)
    check_detention_times(
        admitted_at=detention.admitted_at,
        scheduled_release_at=detention.scheduled_release_at,
        released_at=detention.released_at,
        now=now,
    )
    if detention.external_ref and (
        Detention.objects.filter(facility_id=detention.facility_id, external_ref=detention.external_ref)
        .exclude(pk=detention.pk)
        .exists()
    ):
        raise ValidationError({"external_ref": _("入所编号 %(ref)s 已存在") % {"ref": detention.external_ref}})
    apply_due_time(detention)
    # The same model validation as at intake: an edit must not store a kind outside the choices or a cell
    # too long for its column.
    detention.full_clean(exclude=["person", "facility", "responsible_officer"])
    detention.save()
    return detention


@transaction.atomic
def release_detention(
    detention: Detention, *, released_at: datetime, acting_user: User | None, now: datetime | None = None
) -> Detention:
    now = now or timezone.now()
    detention = Detention.objects.select_for_update().get(pk=detention.pk)
    require(acting_user, "change_detention", detention.facility_id)
    if detention.status == Detention.Status.RELEASED and detention.released_at == released_at:
        return detention  # idempotent: the platform may send the same release twice
    require_transition(detention, Detention.Status.RELEASED, message=_("此人已出所"))
    check_detention_times(
        admitted_at=detention.admitted_at,
        scheduled_release_at=detention.scheduled_release_at,
        released_at=released_at,
        now=now,
    )
    detention.released_at = released_at
    detention.status = Detention.Status.RELEASED
    apply_due_time(detention)
    detention.save(update_fields=["released_at", "status", "assessment_due_at", "updated_at"])
    return detention


@transaction.atomic
def transfer_detention(
    detention: Detention,
    *,
    to_facility: Organization,
    moved_at: datetime,
    acting_user: User | None,
    note: str = "",
    now: datetime | None = None,
) -> Detention:
    """Move the person to another centre: the same detention continues there (never a release plus a
    new admission, which would restart the deadlines and break the KPIs). What other apps hold for the
    detention moves in their own service around this one (disputes.services.transfer_detention), which
    the transfer page calls."""
    now = now or timezone.now()
    detention = Detention.objects.select_for_update().get(pk=detention.pk)
    require(acting_user, "change_detention", detention.facility_id)
    check_facility(to_facility)
    if detention.status != Detention.Status.IN_CUSTODY:
        raise ValidationError(_("已出所的人员不能转所"), code="released")
    if to_facility.pk == detention.facility_id:
        raise ValidationError({"to_facility": _("转入拘留所与当前拘留所相同")})
    if not detention.admitted_at <= moved_at <= now:
        raise ValidationError({"moved_at": _("转所时间应在入所时间与当前时间之间")})
    # The movements form one chain: a transfer dated before the previous one would have the person leave
    # a centre before arriving there.
    last_move = detention.movements.order_by("-moved_at").values_list("moved_at", flat=True).first()
    if last_move is not None and moved_at < last_move:
        raise ValidationError({"moved_at": _("转所时间不能早于上一次转所时间")})
    # References are unique per centre: the receiving centre may already use this one.
    if (
        detention.external_ref
        and Detention.objects.filter(facility=to_facility, external_ref=detention.external_ref).exists()
    ):
        raise ValidationError({"to_facility": _("转入拘留所已有相同入所编号的记录，请先更正入所编号")})
    Movement.objects.create(
        detention=detention,
        from_facility_id=detention.facility_id,
        to_facility=to_facility,
        moved_at=moved_at,
        note=note.strip(),
        acting_user=acting_user,
    )
    detention.facility = to_facility
    # The receiving centre assigns its own officer.
    detention.responsible_officer = None
    detention.save(update_fields=["facility", "responsible_officer", "updated_at"])
    return detention


@transaction.atomic
def complete_assessment(
    detention: Detention,
    *,
    risk_tags: list[str],
    risk_level: str,
    screening_result: str,
    needs: str = "",
    notes: str = "",
    acting_user: User,
    now: datetime | None = None,
) -> IntakeAssessment:
    """Record (or correct) the intake assessment; the first completion time is what the KPI counts."""
    now = now or timezone.now()
    detention = Detention.objects.select_for_update().get(pk=detention.pk)
    require(acting_user, "change_detention", detention.facility_id)
    unknown = set(risk_tags) - set(IntakeAssessment.RiskTag.values)
    if unknown:
        raise ValidationError({"risk_tags": _("未知的风险标签：%(tags)s") % {"tags": ", ".join(sorted(unknown))}})
    if risk_level not in IntakeAssessment.RiskLevel.values:
        raise ValidationError({"risk_level": _("请选择风险等级")})
    if screening_result not in IntakeAssessment.Screening.values:
        raise ValidationError({"screening_result": _("请选择纠纷排查结果")})
    # Scored on the set that is stored: a tag sent twice is stored once and must count once.
    risk_tags = sorted(set(risk_tags))
    score, reasons = escalation_score(risk_tags=risk_tags, risk_level=risk_level, screening_result=screening_result)
    assessment, created = IntakeAssessment.objects.update_or_create(
        detention=detention,
        # completed_by and completed_at both describe the first completion (what the KPI counts), so a
        # correction leaves them alone; who corrected it, and when, is in the audit trail.
        defaults={
            "risk_tags": risk_tags,
            "risk_level": risk_level,
            "screening_result": screening_result,
            "needs": needs.strip(),
            "notes": notes.strip(),
            "escalation_score": score,
            "escalation_reasons": reasons,
        },
        create_defaults={
            "risk_tags": risk_tags,
            "risk_level": risk_level,
            "screening_result": screening_result,
            "needs": needs.strip(),
            "notes": notes.strip(),
            "escalation_score": score,
            "escalation_reasons": reasons,
            "completed_by": acting_user,
            "completed_at": now,
        },
    )
    detention.escalation_score = score
    fields = ["escalation_score", "updated_at"]
    if detention.assessment_completed_at is None:
        detention.assessment_completed_at = now
        fields.append("assessment_completed_at")
    detention.save(update_fields=fields)
    return assessment


@transaction.atomic
def record_health_check(
    detention: Detention,
    *,
    external_ref: str,
    checked_at: datetime,
    conclusion: str,
    findings: str = "",
    history: str = "",
    mental_state: str = "",
) -> tuple[HealthCheck, bool]:
    """Idempotent on the health platform's reference; returns (check, created)."""
    external_ref = external_ref.strip()
    # The reference is the key of the update: a blank one would let every later blank check overwrite
    # the same row.
    if not external_ref:
        raise ValidationError({"external_ref": _("请填写体检编号")})
    if conclusion not in HealthCheck.Conclusion.values:
        raise ValidationError({"conclusion": _("体检结论应为适宜、暂缓或不宜参加调解")})
    check, created = HealthCheck.objects.update_or_create(
        external_ref=external_ref,
        defaults={
            "detention": detention,
            "checked_at": checked_at,
            "conclusion": conclusion,
            "findings": findings.strip(),
            "history": history.strip(),
            "mental_state": mental_state.strip(),
        },
    )
    return check, created


# The file types a case document may have, told by their content (never by the name or the type the
# browser declares, both chosen by the sender): document_files parses the whole file as the type its
# first bytes claim.
DOCUMENT_EXTENSIONS = document_files.EXTENSIONS


def document_content_type(head: bytes) -> str | None:
    """The content type a file starting with `head` claims, or None when it is not a PDF, JPEG or PNG."""
    return document_files.claimed_type(head)


def check_document_file(upload: UploadedFile) -> str:
    """The content type of an upload; ValidationError when it is too large, of another type, or not a
    complete, clean file of the type it claims (a polyglot, a damaged file, data after its end)."""
    limit = settings.DOCUMENT_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(_("文件过大：不能超过 %(size)s") % {"size": filesizeformat(limit)}, code="too_large")
    upload.seek(0)
    data = upload.read(limit + 1)  # the whole file: its size is checked above
    upload.seek(0)
    content_type = document_content_type(data[:16])
    if content_type is None:
        raise ValidationError(_("只能上传 PDF、JPEG 或 PNG 文件（按文件内容判断，而非扩展名）"), code="file_type")
    try:
        document_files.check(data, content_type)
    except document_files.NotADocument:
        raise ValidationError(
            _("文件不是完整有效的 %(type)s 文件（已损坏或夹带其他内容），未保存")
            % {"type": document_files.NAMES[content_type]},
            code="file_content",
        ) from None
    return content_type


@transaction.atomic
def add_document(
    detention: Detention, *, kind: str, title: str, upload: UploadedFile, acting_user: User | None
) -> Document:
    """Store an uploaded file with the detention, under a random name in the private storage."""
    require(acting_user, "change_detention", detention.facility_id)
    if kind not in Document.Kind.values:
        raise ValidationError({"kind": _("请选择材料类型")})
    # The title becomes the download's file name: no character may disguise it (file_names).
    title = without_controls(title)
    if not title:
        raise ValidationError({"title": _("请填写标题")})
    content_type = check_document_file(upload)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    document = Document(
        detention=detention,
        kind=kind,
        title=title,
        content_type=content_type,
        size=upload.size,
        sha256=digest.hexdigest(),
        uploaded_by=acting_user,
    )
    # The name is random (models.document_upload_to); the sender's file name is not kept.
    document.file.save("upload", upload, save=False)
    # A failed INSERT must not leave the file behind.
    try:
        document.save()
    except Exception:
        document.file.delete(save=False)
        raise
    return document
