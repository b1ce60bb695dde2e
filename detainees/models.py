"""Detained persons, their detentions, documents, health checks and intake assessments (DESIGN.md §3)."""

from __future__ import annotations

import uuid

from django.contrib.postgres.fields import ArrayField
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Organization, TimeStampedModel, User
from audit.tracking import track
from security.fields import EncryptedTextField
from security.normalizers import normalize_phone

from .identity import normalize_document_number

# Case files live under MEDIA_ROOT, which no URL pattern and no nginx location serves: they reach a
# browser only through views that check permissions and log the read. No explicit location: the
# storage follows settings.MEDIA_ROOT (also under override_settings) and no machine path enters a
# migration.
private_storage = FileSystemStorage()


@track()
class Person(TimeStampedModel):
    """One human being: the identity alone. The same document number is the same person, in every centre
    of the province; what a centre records about them (name as written, phone, addresses, employer,
    family contacts) belongs to that centre's detention (DESIGN.md §3), so no centre's intake or import
    changes, or reads, what another recorded."""

    class IdType(models.TextChoices):
        RESIDENT_ID = "resident_id", _("居民身份证")
        HK_MACAU_PERMIT = "hk_macau_permit", _("港澳居民来往内地通行证")
        TAIWAN_PERMIT = "taiwan_permit", _("台湾居民来往大陆通行证")
        PASSPORT = "passport", _("护照")
        UNKNOWN = "unknown", _("身份不明")

    class Sex(models.TextChoices):
        MALE = "M", _("男")
        FEMALE = "F", _("女")
        UNKNOWN = "", _("未知")

    id_type = models.CharField(_("证件类型"), max_length=20, choices=IdType.choices)
    id_number = EncryptedTextField(
        _("证件号码"), blank=True, hash_field="id_number_hash", normalizer=normalize_document_number
    )
    id_number_hash = models.CharField(max_length=64, blank=True, editable=False, verbose_name=_("证件号码检索码"))
    unknown_identity_description = models.TextField(
        _("身份不明情况说明"), blank=True, help_text=_("体貌特征、口音、自报信息等")
    )
    # Derived from a resident ID number (services.normalize_identity), blank for other documents.
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices, blank=True)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("被拘留人")
        verbose_name_plural = pgettext_lazy("plural", "被拘留人")
        constraints = [
            # Exact lookup and uniqueness through the keyed hash: the number itself is encrypted.
            models.UniqueConstraint(
                fields=["id_type", "id_number_hash"], condition=~Q(id_number_hash=""), name="person_unique_document"
            ),
            models.CheckConstraint(
                condition=Q(id_type="unknown") | ~Q(id_number_hash=""), name="person_document_number_required"
            ),
        ]

    def __str__(self) -> str:
        # No name: a person has one per detention, as each centre recorded it.
        return f"{self.get_id_type_display()} #{self.pk}"


@track()
class FamilyContact(TimeStampedModel):
    """A family contact as one centre recorded it at one intake."""

    detention = models.ForeignKey(
        "Detention", on_delete=models.CASCADE, related_name="family_contacts", verbose_name=_("入所记录")
    )
    name = models.CharField(_("姓名"), max_length=64)
    relation = models.CharField(_("关系"), max_length=32)
    phone = EncryptedTextField(_("联系电话"), blank=True, hash_field="phone_hash", normalizer=normalize_phone)
    phone_hash = models.CharField(max_length=64, blank=True, editable=False, verbose_name=_("联系电话检索码"))

    class Meta:
        verbose_name = _("家属联系人")
        verbose_name_plural = pgettext_lazy("plural", "家属联系人")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.name}（{self.relation}）"


class DetentionQuerySet(models.QuerySet):
    def in_custody(self) -> DetentionQuerySet:
        return self.filter(status=Detention.Status.IN_CUSTODY)


@track()
class Detention(TimeStampedModel):
    """One stay of one person, from admission to release; transfers between centres stay inside it."""

    class Kind(models.TextChoices):
        ADMINISTRATIVE = "administrative", _("行政拘留")
        JUDICIAL = "judicial", _("司法拘留")

    class Status(models.TextChoices):
        IN_CUSTODY = "in_custody", _("在所")
        RELEASED = "released", _("已出所")

    # A release is final (a person detained again is a new detention); a transfer moves the person
    # between centres inside "in custody" and is not a change of status.
    TRANSITIONS: dict[str, frozenset[str]] = {
        Status.IN_CUSTODY: frozenset({Status.RELEASED}),
        Status.RELEASED: frozenset(),
    }

    person = models.ForeignKey(Person, verbose_name=_("被拘留人"), on_delete=models.PROTECT, related_name="detentions")
    facility = models.ForeignKey(
        Organization,
        verbose_name=_("拘留所"),
        on_delete=models.PROTECT,
        related_name="detentions",
        limit_choices_to={"kind": Organization.Kind.FACILITY},
    )
    # What this centre recorded about the person at this intake (DESIGN.md §3): the person row holds
    # the identity only, shared by every centre; these are this detention's own and are never written
    # or read through another centre's detention of the same person.
    name = models.CharField(_("姓名"), max_length=64, help_text=_("入所时登记的姓名"))
    phone = EncryptedTextField(_("联系电话"), blank=True, hash_field="phone_hash", normalizer=normalize_phone)
    phone_hash = models.CharField(max_length=64, blank=True, editable=False, verbose_name=_("联系电话检索码"))
    household_address = models.CharField(_("户籍地址"), max_length=255, blank=True)
    current_address = models.CharField(_("现住址"), max_length=255, blank=True)
    employer = models.CharField(_("工作单位"), max_length=128, blank=True)
    kind = models.CharField(_("拘留类型"), max_length=16, choices=Kind.choices)
    external_ref = models.CharField(_("入所编号"), max_length=64, blank=True, help_text=_("公安监管综合平台的入所编号"))
    decision_number = models.CharField(_("决定书文号"), max_length=64, blank=True)
    handling_unit = models.CharField(_("办案单位"), max_length=128, blank=True)
    reason = models.TextField(_("拘留事由"), blank=True)
    admitted_at = models.DateTimeField(_("入所时间"))
    detention_days = models.PositiveSmallIntegerField(_("拘留天数"), null=True, blank=True)
    scheduled_release_at = models.DateTimeField(_("预计出所时间"))
    released_at = models.DateTimeField(_("出所时间"), null=True, blank=True)
    cell = models.CharField(_("监室"), max_length=32, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.IN_CUSTODY)
    responsible_officer = models.ForeignKey(
        User, verbose_name=_("责任民警"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # detainees.deadlines.assessment_due_at; recomputed only by the services that change its inputs.
    assessment_due_at = models.DateTimeField(_("评估期限"))
    assessment_completed_at = models.DateTimeField(_("评估完成时间"), null=True, blank=True)
    # Copied from the assessment (detainees.escalation) so the worklist can order by it without a join.
    escalation_score = models.PositiveSmallIntegerField(_("矛盾激化风险分"), default=0)

    # The facts of a detention as entered at intake and corrected later, in the order the pages show
    # them: the intake and edit forms, services.update_detention and the detentions API read this list.
    FACT_FIELDS = (
        "kind",
        "external_ref",
        "decision_number",
        "handling_unit",
        "reason",
        "admitted_at",
        "detention_days",
        "scheduled_release_at",
        "cell",
        "responsible_officer",
    )
    # What the centre recorded about the person at this intake, in the order the intake form shows
    # them: services.update_detention corrects them (an import's update of this same detention does).
    RECORDED_FIELDS = ("name", "phone", "household_address", "current_address", "employer")

    objects = DetentionQuerySet.as_manager()

    class Meta:
        verbose_name = _("入所记录")
        verbose_name_plural = pgettext_lazy("plural", "入所记录")
        constraints = [
            # Per centre: a reference another centre holds must answer like one never seen (DESIGN.md
            # §5), so an import or intake at this centre cannot be refused because of it.
            models.UniqueConstraint(
                fields=["facility", "external_ref"], condition=~Q(external_ref=""), name="detention_unique_ref"
            ),
            models.CheckConstraint(
                condition=Q(released_at__isnull=True) | Q(released_at__gte=models.F("admitted_at")),
                name="detention_release_after_admission",
            ),
            models.CheckConstraint(
                condition=Q(scheduled_release_at__gte=models.F("admitted_at")),
                name="detention_scheduled_release_after_admission",
            ),
        ]
        indexes = [
            # The worklist and the assessment sweep: open assessments in due order, per centre.
            models.Index(
                fields=["facility", "assessment_due_at"],
                condition=Q(assessment_completed_at__isnull=True),
                name="detention_assessment_due_idx",
            ),
            # The worklist of people in custody, keyset-paginated by (scheduled release, id).
            models.Index(
                fields=["facility", "scheduled_release_at", "id"],
                condition=Q(status="in_custody"),
                name="detention_in_custody_idx",
            ),
            # The province-wide assessment sweep (sweeps.selectors.overdue / due_soon with
            # detainees.deadlines.ASSESSMENT_RULE): WHERE assessment_completed_at IS NULL AND
            # assessment_due_at < %(now)s, one range of this index instead of every centre's part of
            # detention_assessment_due_idx read whole (its first column is the centre).
            models.Index(
                fields=["assessment_due_at"],
                condition=Q(assessment_completed_at__isnull=True),
                name="detention_assessment_sweep_idx",
            ),
            # The re-offence job (followups.deadlines.record_reoffences): releases WHERE released_at IS NOT
            # NULL AND released_at BETWEEN %(since)s - window AND %(now)s, a range of the released rows only.
            models.Index(fields=["released_at"], condition=Q(released_at__isnull=False), name="detention_released_idx"),
            models.Index(fields=["person", "admitted_at"], name="detention_person_idx"),
            # The detentions API: a centre's detentions, newest admission first (keyset pagination).
            models.Index(fields=["facility", "-admitted_at", "-id"], name="detention_admitted_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} · {self.admitted_at:%Y-%m-%d}"

    @property
    def is_in_custody(self) -> bool:
        return self.status == self.Status.IN_CUSTODY


@track()
class Movement(TimeStampedModel):
    """A transfer between centres inside one detention."""

    detention = models.ForeignKey(
        Detention, on_delete=models.CASCADE, related_name="movements", verbose_name=_("入所记录")
    )
    from_facility = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_("原拘留所")
    )
    to_facility = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_("转入拘留所")
    )
    moved_at = models.DateTimeField(_("转所时间"))
    note = models.CharField(_("说明"), max_length=255, blank=True)
    acting_user = models.ForeignKey(
        User, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("经办人")
    )

    class Meta:
        verbose_name = _("转所记录")
        verbose_name_plural = pgettext_lazy("plural", "转所记录")
        ordering = ["moved_at", "pk"]


@track()
class HealthCheck(TimeStampedModel):
    """From the health platform. Sensitive: centre staff and the court only (DESIGN.md §5)."""

    class Conclusion(models.TextChoices):
        SUITABLE = "suitable", _("适宜参加调解")
        POSTPONE = "postpone", _("暂缓参加调解")
        UNSUITABLE = "unsuitable", _("不宜参加调解")

    detention = models.ForeignKey(
        Detention, on_delete=models.CASCADE, related_name="health_checks", verbose_name=_("入所记录")
    )
    external_ref = models.CharField(_("体检编号"), max_length=64, unique=True)
    checked_at = models.DateTimeField(_("体检时间"))
    conclusion = models.CharField(_("体检结论"), max_length=16, choices=Conclusion.choices)
    findings = EncryptedTextField(_("异常项目"), blank=True)
    history = EncryptedTextField(_("既往病史"), blank=True)
    mental_state = EncryptedTextField(_("精神状况"), blank=True)

    class Meta:
        verbose_name = _("体检记录")
        verbose_name_plural = pgettext_lazy("plural", "体检记录")
        ordering = ["-checked_at", "-pk"]


@track()
class IntakeAssessment(TimeStampedModel):
    """The intake profile (画像) and dispute screening, due within 3 days (detainees.deadlines)."""

    class RiskTag(models.TextChoices):
        SELF_HARM = "self_harm", _("自伤自杀风险")
        FAMILY_CONFLICT = "family_conflict", _("家庭矛盾")
        ENFORCEMENT_DEBTOR = "enforcement_debtor", _("法院执行被执行人")
        PETITIONER = "petitioner", _("信访人员")
        DRUG_USE = "drug_use", _("涉毒")
        MENTAL_HEALTH = "mental_health", _("精神心理问题")
        CHILDREN_WITHOUT_CARE = "children_without_care", _("子女无人照料")
        VIOLENCE = "violence", _("有暴力倾向")

    class RiskLevel(models.TextChoices):
        LOW = "low", _("低")
        MEDIUM = "medium", _("中")
        HIGH = "high", _("高")

    class Screening(models.TextChoices):
        LEADS_FOUND = "leads_found", _("发现矛盾纠纷线索")
        NONE_FOUND = "none_found", _("未发现矛盾纠纷")

    detention = models.OneToOneField(
        Detention, on_delete=models.CASCADE, related_name="assessment", verbose_name=_("入所记录")
    )
    risk_tags = ArrayField(
        models.CharField(max_length=32, choices=RiskTag.choices), default=list, blank=True, verbose_name=_("风险标签")
    )
    risk_level = models.CharField(_("风险等级"), max_length=8, choices=RiskLevel.choices)
    needs = models.TextField(_("需求"), blank=True, help_text=_("本人及家庭的帮扶需求"))
    screening_result = models.CharField(_("纠纷排查结果"), max_length=16, choices=Screening.choices)
    notes = models.TextField(_("评估说明"), blank=True)
    escalation_score = models.PositiveSmallIntegerField(_("矛盾激化风险分"), default=0)
    escalation_reasons = models.JSONField(_("评分依据"), default=list, blank=True)
    completed_at = models.DateTimeField(_("完成时间"))
    completed_by = models.ForeignKey(User, verbose_name=_("评估人"), on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("入所评估")
        verbose_name_plural = pgettext_lazy("plural", "入所评估")


def document_upload_to(instance: Document, filename: str) -> str:
    # A random name: the original one may carry a person's name, and names must not be guessable.
    return f"documents/{uuid.uuid4().hex}"


@track()
class Document(TimeStampedModel):
    """An uploaded or imported file. Stored under MEDIA_ROOT (outside the web root, never served by the
    web server) and delivered only by a permission-checked view."""

    class Kind(models.TextChoices):
        DECISION_NOTICE = "decision_notice", _("拘留决定书")
        LEGAL_DOCUMENT = "legal_document", _("法律文书")
        HEALTH_REPORT = "health_report", _("体检报告")
        AGREEMENT = "agreement", _("调解协议书")
        OTHER = "other", _("其他材料")

    detention = models.ForeignKey(
        Detention, on_delete=models.CASCADE, related_name="documents", verbose_name=_("入所记录")
    )
    kind = models.CharField(_("材料类型"), max_length=24, choices=Kind.choices)
    title = models.CharField(_("标题"), max_length=128)
    file = models.FileField(_("文件"), upload_to=document_upload_to, storage=private_storage)
    content_type = models.CharField(max_length=64, editable=False, verbose_name=_("文件类型"))
    size = models.PositiveIntegerField(editable=False, verbose_name=_("文件大小（字节）"))
    sha256 = models.CharField(max_length=64, editable=False, verbose_name=_("SHA-256 校验值"))
    uploaded_by = models.ForeignKey(
        User, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("上传人")
    )

    class Meta:
        verbose_name = _("材料")
        verbose_name_plural = pgettext_lazy("plural", "材料")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class ImportLog(TimeStampedModel):
    """One import of a platform file or push: who, when, the file's checksum and the counts."""

    class Kind(models.TextChoices):
        DETENTIONS = "detentions", _("入所记录（公安监管综合平台）")
        HEALTH_CHECKS = "health_checks", _("体检记录（全民健康信息平台）")

    class Source(models.TextChoices):
        UPLOAD = "upload", _("上传文件")
        API = "api", _("接口推送")
        COMMAND = "command", _("命令行")

    class Status(models.TextChoices):
        CHECKED = "checked", _("已预检")
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("导入中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")
        DISCARDED = "discarded", _("已放弃")

    # A log starts "checked" and the dry run writes its result into it (checked → checked). An upload
    # waits there for the user: confirmed (queued, for a worker) or discarded. A push or a command is
    # applied at once (checked → running). A worker's claim takes queued → running, and running →
    # running when its task is delivered again; a file whose rows changed since the dry run goes back
    # to checked for the user to decide again. The moves in conditional UPDATEs (imports/applying.py:
    # confirm, discard, the claim) are enforced by their status filter; the others by require_transition.
    TRANSITIONS: dict[str, frozenset[str]] = {
        Status.CHECKED: frozenset({Status.CHECKED, Status.QUEUED, Status.RUNNING, Status.FAILED, Status.DISCARDED}),
        Status.QUEUED: frozenset({Status.RUNNING, Status.CHECKED}),
        Status.RUNNING: frozenset({Status.RUNNING, Status.DONE, Status.FAILED, Status.CHECKED}),
        Status.DONE: frozenset(),
        Status.FAILED: frozenset(),
        Status.DISCARDED: frozenset(),
    }

    kind = models.CharField(_("导入类型"), max_length=16, choices=Kind.choices)
    source = models.CharField(_("来源"), max_length=8, choices=Source.choices)
    facility = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("拘留所")
    )
    file_name = models.CharField(_("文件名"), max_length=255, blank=True)
    checksum = models.CharField(_("文件校验值 (SHA-256)"), max_length=64)
    # Kept until the import is done, so a Celery task can read it; deleted afterwards.
    stored_file = models.FileField(
        upload_to="imports/", storage=private_storage, blank=True, verbose_name=_("暂存文件")
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.CHECKED)
    only_valid_rows = models.BooleanField(_("仅导入有效行"), default=False)
    total_rows = models.PositiveIntegerField(default=0, verbose_name=_("总行数"))
    processed_rows = models.PositiveIntegerField(default=0, verbose_name=_("已处理行数"))
    new_count = models.PositiveIntegerField(_("新增"), default=0)
    updated_count = models.PositiveIntegerField(_("更新"), default=0)
    unchanged_count = models.PositiveIntegerField(_("未变"), default=0)
    invalid_count = models.PositiveIntegerField(_("无效"), default=0)
    errors = models.JSONField(_("错误"), default=list, blank=True)  # [{"row": n, "message": "..."}]
    created_by = models.ForeignKey(
        User, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("导入人")
    )
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("完成时间"))

    class Meta:
        verbose_name = _("导入记录")
        verbose_name_plural = pgettext_lazy("plural", "导入记录")
        ordering = ["-created_at", "-pk"]
