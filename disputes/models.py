"""Disputes: rooms, dispute leads with their parties and state transitions (plans, sessions and
agreements follow)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Organization, TimeStampedModel, User
from audit.tracking import track
from detainees.models import Detention, IntakeAssessment
from security.fields import EncryptedTextField
from security.normalizers import normalize_phone


@track()
class Room(TimeStampedModel):
    class Kind(models.TextChoices):
        MEDIATION = "mediation", _("调解室")
        VIDEO = "video", _("远程视频调解室")

    facility = models.ForeignKey(
        Organization,
        verbose_name=_("拘留所"),
        on_delete=models.PROTECT,
        related_name="rooms",
        limit_choices_to={"kind": Organization.Kind.FACILITY},
    )
    name = models.CharField(_("名称"), max_length=64)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices, default=Kind.MEDIATION)
    # Family meeting slots have as many places as there are rooms marked here (DESIGN.md §3).
    for_family_meetings = models.BooleanField(_("可用于亲属会见"), default=False)
    capacity = models.PositiveSmallIntegerField(_("容纳人数"), default=6)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("调解室")
        verbose_name_plural = pgettext_lazy("plural", "调解室")
        ordering = ["facility", "name"]
        constraints = [models.UniqueConstraint(fields=["facility", "name"], name="room_unique_name_per_facility")]

    def __str__(self) -> str:
        return f"{self.facility.name} · {self.name}"


@track()
class DisputeLead(TimeStampedModel):
    """A dispute the detained person carries (矛盾线索), found at intake or later."""

    class Category(models.TextChoices):
        COURT_ENFORCEMENT = "court_enforcement", _("法院执行")
        MARRIAGE_FAMILY = "marriage_family", _("婚姻家庭")
        NEIGHBOURS = "neighbours", _("邻里纠纷")
        PUBLIC_SECURITY = "public_security", _("治安纠纷")
        PETITION = "petition", _("信访")
        DRUG_REHABILITATION = "drug_rehabilitation", _("戒毒帮扶")
        RESETTLEMENT = "resettlement", _("安置帮教")
        LABOUR = "labour", _("劳动争议")
        DEBT = "debt", _("债务纠纷")
        OTHER = "other", _("其他")

    class Status(models.TextChoices):
        OPEN = "open", _("待处理")
        PLANNING = "planning", _("制定方案")
        MEDIATING = "mediating", _("调解中")
        RESOLVED = "resolved", _("已化解")
        PARTLY_RESOLVED = "partly_resolved", _("部分化解")
        UNRESOLVED = "unresolved", _("未化解")
        WITHDRAWN = "withdrawn", _("已撤回")

    class Source(models.TextChoices):
        INTAKE_SCREENING = "intake_screening", _("入所排查")
        CONVERSATION = "conversation", _("谈话发现")
        FAMILY = "family", _("家属反映")
        COURT = "court", _("法院推送")
        PUBLIC_APPLICATION = "public_application", _("调解申请")
        OTHER = "other", _("其他")

    # One low/medium/high scale for the whole case: the intake assessment's.
    RiskLevel = IntakeAssessment.RiskLevel

    CLOSED = frozenset({Status.RESOLVED, Status.PARTLY_RESOLVED, Status.UNRESOLVED, Status.WITHDRAWN})
    # The one table of allowed moves; disputes.services checks it inside the locked transaction.
    TRANSITIONS: dict[str, frozenset[str]] = {
        Status.OPEN: frozenset({Status.PLANNING, Status.WITHDRAWN}),
        Status.PLANNING: frozenset({Status.MEDIATING, Status.WITHDRAWN}),
        Status.MEDIATING: frozenset({Status.RESOLVED, Status.PARTLY_RESOLVED, Status.UNRESOLVED, Status.WITHDRAWN}),
        Status.RESOLVED: frozenset(),
        Status.PARTLY_RESOLVED: frozenset(),
        Status.UNRESOLVED: frozenset(),
        Status.WITHDRAWN: frozenset(),
    }

    detention = models.ForeignKey(Detention, verbose_name=_("入所记录"), on_delete=models.PROTECT, related_name="leads")
    category = models.CharField(_("纠纷类别"), max_length=24, choices=Category.choices)
    summary = models.TextField(_("纠纷概况"))
    amount_at_stake = models.DecimalField(_("涉及金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    court_case_number = models.CharField(_("法院案号"), max_length=64, blank=True)
    source = models.CharField(_("线索来源"), max_length=24, choices=Source.choices, default=Source.INTAKE_SCREENING)
    risk_level = models.CharField(_("风险等级"), max_length=8, choices=RiskLevel.choices, default=RiskLevel.LOW)
    assigned_officer = models.ForeignKey(
        User, verbose_name=_("承办民警"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.OPEN)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("矛盾线索")
        verbose_name_plural = pgettext_lazy("plural", "矛盾线索")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_at_stake__isnull=True) | models.Q(amount_at_stake__gte=0),
                name="lead_amount_not_negative",
            ),
        ]
        indexes = [
            # The worklist's open-leads column and the custody-clock flag: open leads per detention.
            models.Index(fields=["detention"], condition=models.Q(closed_at__isnull=True), name="lead_open_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} · {self.detention}"

    @property
    def is_closed(self) -> bool:
        return self.status in self.CLOSED

    def can_move_to(self, status: str) -> bool:
        return status in self.TRANSITIONS[self.status]


@track()
class LeadParty(TimeStampedModel):
    """A party or counterparty of a lead, with the contact details the party agreed to give."""

    class Side(models.TextChoices):
        PARTY = "party", _("当事人一方")
        COUNTERPARTY = "counterparty", _("对方当事人")

    lead = models.ForeignKey(DisputeLead, on_delete=models.CASCADE, related_name="parties")
    side = models.CharField(_("身份"), max_length=16, choices=Side.choices)
    name = models.CharField(_("姓名或名称"), max_length=128)
    relation = models.CharField(_("与被拘留人关系"), max_length=32, blank=True)
    phone = EncryptedTextField(_("联系电话"), blank=True, hash_field="phone_hash", normalizer=normalize_phone)
    phone_hash = models.CharField(max_length=64, blank=True, editable=False)
    address = models.CharField(_("地址"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("当事人")
        verbose_name_plural = pgettext_lazy("plural", "当事人")
        ordering = ["side", "pk"]

    def __str__(self) -> str:
        return self.name


class LeadTransition(models.Model):
    """Every change of a lead's state, for the timeline (permanent; the audit trail keeps the rest)."""

    lead = models.ForeignKey(DisputeLead, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=16, choices=DisputeLead.Status.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=DisputeLead.Status.choices)
    at = models.DateTimeField()
    acting_user = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_status or '∅'} → {self.to_status}"
