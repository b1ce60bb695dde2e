"""The follow-up after release (DESIGN.md §3 followups): the follow-up of a released person's resolved
leads, its effectiveness evaluation (due per §4), the visits and the further visits scheduled, and
re-offending within the observation window."""

from __future__ import annotations

import uuid

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Organization, TimeStampedModel, User
from audit.tracking import track
from detainees.models import Detention, private_storage
from disputes.models import DisputeLead

SATISFACTION_CHOICES = [(n, str(n)) for n in range(1, 6)]


def satisfaction_field(label, **options) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        label, choices=SATISFACTION_CHOICES, validators=[MinValueValidator(1), MaxValueValidator(5)], **options
    )


class FollowUpQuerySet(models.QuerySet):
    def active(self) -> FollowUpQuerySet:
        return self.exclude(status=FollowUp.Status.CLOSED)


@track()
class FollowUp(TimeStampedModel):
    """The follow-up of one release for the leads it follows: opened at the release for the resolved
    and partly resolved leads, or when a released person's lead is resolved later (a follow-up of its
    own). A lead is followed once (FollowUpLead.lead is unique)."""

    class Status(models.TextChoices):
        OPEN = "open", _("待评估")
        EVALUATED = "evaluated", _("已评估")
        CLOSED = "closed", _("已结束")

    class CloseReason(models.TextChoices):
        SETTLED = "settled", _("案结事了")
        REOFFENDED = "reoffended", _("重新违法犯罪")
        UNREACHABLE = "unreachable", _("无法联系")
        OTHER = "other", _("其他")

    # Evaluated once; closed only after the evaluation, with a reason. Closed is final.
    TRANSITIONS: dict[str, frozenset[str]] = {
        Status.OPEN: frozenset({Status.EVALUATED}),
        Status.EVALUATED: frozenset({Status.CLOSED}),
        Status.CLOSED: frozenset(),
    }

    detention = models.ForeignKey(
        Detention, verbose_name=_("入所记录"), on_delete=models.PROTECT, related_name="followups"
    )
    # The centre that released the person, whose staff follow up (the list is one index range).
    facility = models.ForeignKey(Organization, verbose_name=_("拘留所"), on_delete=models.PROTECT, related_name="+")
    leads = models.ManyToManyField(DisputeLead, through="FollowUpLead", related_name="+", verbose_name=_("矛盾线索"))
    opened_at = models.DateTimeField(_("开始时间"))
    # The latest resolution of its leads: with the release, the input of the due time.
    resolved_at = models.DateTimeField(_("化解时间"))
    # followups.deadlines.evaluation_due_at; written only by followups.services.open_followup.
    evaluation_due_at = models.DateTimeField(_("评估期限"))
    evaluated_at = models.DateTimeField(_("评估时间"), null=True, blank=True)
    # What is due next (the evaluation while open, then the next scheduled visit; null when nothing is):
    # the list's "due soon and overdue first" order. Kept by followups.services.apply_next_due.
    next_due_at = models.DateTimeField(_("下次到期"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.OPEN)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    close_reason = models.CharField(_("结束原因"), max_length=16, choices=CloseReason.choices, blank=True)
    close_note = models.TextField(_("结束说明"), blank=True)
    closed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("结束人")
    )

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        verbose_name = _("跟踪回访")
        verbose_name_plural = pgettext_lazy("plural", "跟踪回访")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="closed") | (Q(closed_at__isnull=False) & ~Q(close_reason="")),
                name="followup_closed_with_reason",
            ),
        ]
        indexes = [
            # The evaluation sweep (sweeps: the 7-day rule) and the evaluation reminders: open evaluations
            # in due order, found with the current time passed in.
            models.Index(fields=["evaluation_due_at"], condition=Q(status="open"), name="followup_evaluation_due_idx"),
            # The centre's follow-up list (followups.selectors.followup_list): what is due first.
            models.Index(
                fields=["facility", "next_due_at", "id"], condition=~Q(status="closed"), name="followup_active_idx"
            ),
            models.Index(fields=["detention"], name="followup_detention_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.detention.name} · {self.opened_at:%Y-%m-%d}"


@track()
class FollowUpLead(models.Model):
    """Which leads a follow-up follows; a lead is followed once, whatever opens it twice."""

    followup = models.ForeignKey(
        FollowUp, on_delete=models.CASCADE, related_name="lead_links", verbose_name=_("跟踪回访")
    )
    lead = models.OneToOneField(
        DisputeLead, on_delete=models.PROTECT, related_name="followup_link", verbose_name=_("矛盾线索")
    )

    class Meta:
        verbose_name = _("跟踪的线索")
        verbose_name_plural = pgettext_lazy("plural", "跟踪的线索")

    def __str__(self) -> str:
        return f"{self.followup_id} · {self.lead_id}"


@track()
class Evaluation(TimeStampedModel):
    """The effectiveness evaluation (成效评估), one per follow-up."""

    class Stability(models.TextChoices):
        STABLE = "stable", _("稳定")
        AT_RISK = "at_risk", _("有风险")
        RELAPSED = "relapsed", _("矛盾复发")

    followup = models.OneToOneField(
        FollowUp, on_delete=models.CASCADE, related_name="evaluation", verbose_name=_("跟踪回访")
    )
    stability = models.CharField(_("稳定情况"), max_length=16, choices=Stability.choices)
    satisfaction = satisfaction_field(_("当事人满意度"))
    notes = models.TextField(_("评估说明"), blank=True)
    evaluated_by = models.ForeignKey(User, verbose_name=_("评估人"), on_delete=models.PROTECT, related_name="+")
    evaluated_at = models.DateTimeField(_("评估时间"))

    class Meta:
        verbose_name = _("成效评估")
        verbose_name_plural = pgettext_lazy("plural", "成效评估")
        constraints = [
            models.CheckConstraint(
                condition=Q(satisfaction__gte=1, satisfaction__lte=5), name="evaluation_satisfaction_1_5"
            )
        ]


@track()
class ScheduledVisit(TimeStampedModel):
    """A further visit planned when the follow-up opens (settings.FOLLOWUP_VISIT_DAYS), until a visit is
    recorded for it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待回访")
        DONE = "done", _("已回访")
        CANCELLED = "cancelled", _("已取消")

    # Done by the first visit recorded after the previous one; cancelled when the follow-up closes.
    TRANSITIONS: dict[str, frozenset[str]] = {
        Status.PENDING: frozenset({Status.DONE, Status.CANCELLED}),
        Status.DONE: frozenset(),
        Status.CANCELLED: frozenset(),
    }

    followup = models.ForeignKey(
        FollowUp, on_delete=models.CASCADE, related_name="scheduled_visits", verbose_name=_("跟踪回访")
    )
    days = models.PositiveSmallIntegerField(_("出所后天数"))
    # followups.deadlines.visit_due_at.
    due_at = models.DateTimeField(_("回访期限"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING)
    visit = models.OneToOneField(
        "Visit", null=True, blank=True, on_delete=models.SET_NULL, related_name="scheduled", verbose_name=_("回访记录")
    )

    class Meta:
        verbose_name = _("回访计划")
        verbose_name_plural = pgettext_lazy("plural", "回访计划")
        ordering = ["due_at", "pk"]
        indexes = [
            # The visit reminders (sweeps) and the follow-up's next due time: pending visits in due order.
            models.Index(fields=["due_at"], condition=Q(status="pending"), name="scheduled_visit_due_idx"),
        ]


@track()
class Visit(TimeStampedModel):
    """A follow-up visit (跟踪回访) as it happened."""

    class Channel(models.TextChoices):
        HOME = "home", _("上门走访")
        PHONE = "phone", _("电话")
        WECHAT = "wechat", _("微信")
        QQ = "qq", _("QQ")

    class Contact(models.TextChoices):
        PARTY = "party", _("当事人")
        INFORMED = "informed", _("知情人")

    followup = models.ForeignKey(FollowUp, on_delete=models.CASCADE, related_name="visits", verbose_name=_("跟踪回访"))
    channel = models.CharField(_("回访方式"), max_length=16, choices=Channel.choices)
    visited_at = models.DateTimeField(_("回访时间"))
    officer = models.ForeignKey(User, verbose_name=_("回访民警"), on_delete=models.PROTECT, related_name="+")
    contact = models.CharField(_("回访对象"), max_length=16, choices=Contact.choices)
    contact_name = models.CharField(_("对象姓名"), max_length=64, blank=True)
    notes = models.TextField(_("回访情况"))
    satisfaction = satisfaction_field(_("满意度"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        User, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("登记人")
    )

    class Meta:
        verbose_name = _("回访记录")
        verbose_name_plural = pgettext_lazy("plural", "回访记录")
        ordering = ["-visited_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(satisfaction__isnull=True) | Q(satisfaction__gte=1, satisfaction__lte=5),
                name="visit_satisfaction_1_5",
            )
        ]


def evidence_upload_to(instance: VisitEvidence, filename: str) -> str:
    # A random name, as for case documents: the sender's name may carry a person's name.
    return f"followups/{uuid.uuid4().hex}"


@track()
class VisitEvidence(TimeStampedModel):
    """A photo or scan proving a visit, checked as case documents are (detainees.services) and kept in
    the same private storage, reached only through the permission-checked download."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="evidence", verbose_name=_("回访记录"))
    file = models.FileField(_("文件"), upload_to=evidence_upload_to, storage=private_storage)
    content_type = models.CharField(max_length=64, editable=False, verbose_name=_("文件类型"))
    size = models.PositiveIntegerField(editable=False, verbose_name=_("文件大小"))
    sha256 = models.CharField(max_length=64, editable=False, verbose_name=_("SHA-256 校验值"))

    class Meta:
        verbose_name = _("回访佐证材料")
        verbose_name_plural = pgettext_lazy("plural", "回访佐证材料")
        ordering = ["pk"]


@track()
class Reoffence(TimeStampedModel):
    """Re-offending (重新违法犯罪) after one release: a re-admission anywhere in the province within the
    observation window (found by followups.deadlines.record_reoffences), or recorded by hand. One per
    release; the release's leads and their outcomes are the release detention's. A correction that
    finds it was none retracts it (the row stays, so the automatic job never records it again)."""

    class Source(models.TextChoices):
        AUTOMATIC = "automatic", _("再次入所自动记录")
        MANUAL = "manual", _("人工登记")

    class Status(models.TextChoices):
        RECORDED = "recorded", _("已记录")
        RETRACTED = "retracted", _("已撤销")

    TRANSITIONS: dict[str, frozenset[str]] = {
        Status.RECORDED: frozenset({Status.RECORDED, Status.RETRACTED}),
        Status.RETRACTED: frozenset({Status.RECORDED}),
    }

    release = models.OneToOneField(
        Detention, verbose_name=_("出所记录"), on_delete=models.PROTECT, related_name="reoffence"
    )
    # The centre that released the person, whose staff see and correct it.
    facility = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_("拘留所"))
    readmission = models.ForeignKey(
        Detention, verbose_name=_("再次入所记录"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    occurred_on = models.DateField(_("发生日期"))
    source = models.CharField(_("来源"), max_length=16, choices=Source.choices)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.RECORDED)
    description = models.TextField(_("情况说明"), blank=True)
    recorded_at = models.DateTimeField(_("记录时间"))
    recorded_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("登记人")
    )
    corrected_at = models.DateTimeField(_("更正时间"), null=True, blank=True)
    corrected_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("更正人")
    )

    class Meta:
        verbose_name = _("重新违法犯罪")
        verbose_name_plural = pgettext_lazy("plural", "重新违法犯罪")
        indexes = [models.Index(fields=["facility", "occurred_on"], name="reoffence_facility_idx")]
