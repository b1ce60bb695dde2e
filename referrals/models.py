"""Work orders to partner agencies (DESIGN.md §3 referrals): the one-click referral of a lead to one or
several partner organizations, each a WorkOrder with its own states, due times (§4, working days), the
consultation thread, the result feedback and the centre's acceptance; the consent a non-state partner
needs; and the calendar of working days the due times count on."""

from __future__ import annotations

import uuid

import pghistory
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from accounts.models import Organization, TimeStampedModel, User
from audit.tracking import track
from detainees.models import Detention, Document, private_storage
from disputes.models import DisputeLead

# --- the calendar ------------------------------------------------------------------------------------


@track()
class WorkingDay(models.Model):
    """One day of the calendar the work-order due times count on (DESIGN.md §4): seeded from the
    `chinese_calendar` package (holidays and make-up working days, 调休), editable by the system
    administrator when the State Council publishes a new year's schedule. A day missing from the table
    counts as a working day from Monday to Friday (referrals.working_days)."""

    class Source(models.TextChoices):
        PACKAGE = "package", _("节假日数据包")
        MANUAL = "manual", _("系统管理员修改")

    day = models.DateField(_("日期"), primary_key=True)
    is_workday = models.BooleanField(_("工作日"))
    note = models.CharField(_("说明"), max_length=64, blank=True)  # 春节, 国庆节调休上班, ...
    source = models.CharField(_("来源"), max_length=16, choices=Source.choices, default=Source.PACKAGE)
    updated_by = models.ForeignKey(
        User, verbose_name=_("修改人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("工作日历")
        verbose_name_plural = pgettext_lazy("plural", "工作日历")
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {'工作日' if self.is_workday else '休息日'}"


class DueTimeDefault(models.Model):
    """How many working days a kind of partner organization has for receipt and for feedback (DESIGN.md
    §4: one and five by default). Data, not code: the system administrator changes a row in the admin
    site; a kind without a row takes the defaults of settings."""

    organization_kind = models.CharField(_("单位类型"), max_length=32, choices=Organization.Kind.choices, unique=True)
    receipt_working_days = models.PositiveSmallIntegerField(
        _("签收期限（工作日）"), validators=[MinValueValidator(1), MaxValueValidator(30)]
    )
    feedback_working_days = models.PositiveSmallIntegerField(
        _("反馈期限（工作日）"), validators=[MinValueValidator(1), MaxValueValidator(90)]
    )

    class Meta:
        verbose_name = _("工单期限设置")
        verbose_name_plural = pgettext_lazy("plural", "工单期限设置")
        ordering = ["organization_kind"]

    def __str__(self) -> str:
        return str(self.get_organization_kind_display())


# --- the referral and its work orders ----------------------------------------------------------------


@track()
class Consent(TimeStampedModel):
    """The party's consent to share their dispute with a non-state organization (DESIGN.md §5): who
    consented, when, and which contact details may be shared. Sending to a law firm, a counselling
    centre or the women's federation needs one."""

    lead = models.ForeignKey(DisputeLead, verbose_name=_("矛盾线索"), on_delete=models.PROTECT, related_name="consents")
    given_by = models.CharField(_("同意人"), max_length=64)
    given_at = models.DateTimeField(_("同意时间"))
    share_phone = models.BooleanField(_("同意提供联系电话"), default=False)
    share_address = models.BooleanField(_("同意提供地址"), default=False)
    note = models.TextField(_("同意内容说明"), blank=True)
    recorded_by = models.ForeignKey(
        User, verbose_name=_("记录人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("当事人同意记录")
        verbose_name_plural = pgettext_lazy("plural", "当事人同意记录")

    def __str__(self) -> str:
        return f"{self.given_by} {self.given_at:%Y-%m-%d}"


class Referral(TimeStampedModel):
    """One one-click referral (一键提请) of a lead: the work orders sent together, one per partner.
    `token` is the form's submission key: a second POST of the same form finds this row and sends
    nothing more."""

    detention = models.ForeignKey(
        Detention, verbose_name=_("入所记录"), on_delete=models.PROTECT, related_name="referrals"
    )
    lead = models.ForeignKey(
        DisputeLead,
        verbose_name=_("矛盾线索"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referrals",
    )
    token = models.UUIDField(_("提交标识"), default=uuid.uuid4, unique=True)
    requested_by = models.ForeignKey(
        User, verbose_name=_("提请人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("提请")
        verbose_name_plural = pgettext_lazy("plural", "提请")

    def __str__(self) -> str:
        return f"{self.pk}"


class WorkOrderQuerySet(models.QuerySet):
    def open(self) -> WorkOrderQuerySet:
        return self.filter(status__in=WorkOrder.OPEN)


# The audit trail's event model is WorkOrderHistory (order.history): WorkOrderEvent, order.events, is
# the transitions table of DESIGN.md §3.
@track(model_name="WorkOrderHistory", obj_field=pghistory.ObjForeignKey(related_name="history"))
class WorkOrder(TimeStampedModel):
    """A request to one partner organization for help with a dispute (工单)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SENT = "sent", _("待签收")
        RECEIVED = "received", _("已签收")
        IN_PROGRESS = "in_progress", _("办理中")
        FEEDBACK_SUBMITTED = "feedback_submitted", _("已反馈")
        CLOSED = "closed", _("已办结")
        RETURNED = "returned", _("已退回")
        CANCELLED = "cancelled", _("已撤销")

    class Kind(models.TextChoices):
        ENFORCEMENT = "enforcement", _("执行协助")
        JUDICIAL_CONFIRMATION = "judicial_confirmation", _("司法确认")
        PEOPLES_MEDIATION = "peoples_mediation", _("人民调解")
        LEGAL_AID = "legal_aid", _("法律援助")
        COUNSELLING = "counselling", _("心理疏导")
        FAMILY_SUPPORT = "family_support", _("婚姻家庭帮扶")
        RESETTLEMENT = "resettlement", _("安置帮教")
        HANDOVER = "handover", _("属地移交")
        OTHER = "other", _("其他协助")

    # DESIGN.md §3: draft → sent → received → in_progress → feedback_submitted → closed;
    # feedback_submitted → in_progress when the centre asks for more; sent → returned (the partner's
    # refusal, with a reason; a received order may be returned too, before work starts); any open
    # state → cancelled.
    TRANSITIONS: dict[str, frozenset[str]] = {
        Status.DRAFT: frozenset({Status.SENT, Status.CANCELLED}),
        Status.SENT: frozenset({Status.RECEIVED, Status.RETURNED, Status.CANCELLED}),
        Status.RECEIVED: frozenset({Status.IN_PROGRESS, Status.RETURNED, Status.CANCELLED}),
        Status.IN_PROGRESS: frozenset({Status.FEEDBACK_SUBMITTED, Status.CANCELLED}),
        Status.FEEDBACK_SUBMITTED: frozenset({Status.CLOSED, Status.IN_PROGRESS, Status.CANCELLED}),
        Status.CLOSED: frozenset(),
        Status.RETURNED: frozenset(),
        Status.CANCELLED: frozenset(),
    }
    OPEN = frozenset({Status.DRAFT, Status.SENT, Status.RECEIVED, Status.IN_PROGRESS, Status.FEEDBACK_SUBMITTED})
    # Where the partner has the next move: the partner's inbox and the nudges.
    WITH_PARTNER = frozenset({Status.SENT, Status.RECEIVED, Status.IN_PROGRESS})
    # What a partner sees at all: a draft is the centre's alone.
    SHOWN_TO_PARTNER = frozenset(set(Status) - {Status.DRAFT})
    FINISHED = frozenset({Status.CLOSED, Status.RETURNED, Status.CANCELLED})

    class Outcome(models.TextChoices):
        RESOLVED = "resolved", _("已化解")
        PARTLY_RESOLVED = "partly_resolved", _("部分化解")
        UNRESOLVED = "unresolved", _("未化解")
        NOT_POSSIBLE = "not_possible", _("无法办理")

    referral = models.ForeignKey(Referral, verbose_name=_("提请"), on_delete=models.PROTECT, related_name="work_orders")
    # The case: the detention always (a hand-over may have no lead); its centre is the sender, and the
    # work order follows it on a transfer (scoped through detention.facility, never copied).
    detention = models.ForeignKey(
        Detention, verbose_name=_("入所记录"), on_delete=models.PROTECT, related_name="work_orders"
    )
    lead = models.ForeignKey(
        DisputeLead,
        verbose_name=_("矛盾线索"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="work_orders",
    )
    # Blank only on a proposed hand-over, until the officer chooses the police station or township.
    partner = models.ForeignKey(
        Organization,
        verbose_name=_("承办单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="work_orders",
        db_index=False,  # workorder_partner_inbox_idx leads with it
    )
    kind = models.CharField(_("协助事项"), max_length=24, choices=Kind.choices)
    summary = models.TextField(_("工单摘要"))
    status = models.CharField(_("状态"), max_length=24, choices=Status.choices, default=Status.DRAFT)
    consent = models.ForeignKey(
        Consent, verbose_name=_("当事人同意"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    documents = models.ManyToManyField(Document, verbose_name=_("附件"), blank=True, related_name="+")
    # A hand-over proposed by the release (属地移交), and why it was proposed.
    is_handover = models.BooleanField(_("属地移交"), default=False)
    proposal_reason = models.CharField(_("提议原因"), max_length=255, blank=True)

    created_by = models.ForeignKey(
        User, verbose_name=_("创建人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    sent_by = models.ForeignKey(
        User, verbose_name=_("发送人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Due times: computed by referrals.deadlines.receipt_due_at / feedback_due_at only, stored here when
    # the order is sent or received (or more work is asked), recomputed when the calendar changes.
    receipt_due_at = models.DateTimeField(_("签收期限"), null=True, blank=True)
    received_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    received_by = models.ForeignKey(
        User, verbose_name=_("签收人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(_("开始办理时间"), null=True, blank=True)
    feedback_due_at = models.DateTimeField(_("反馈期限"), null=True, blank=True)
    feedback_at = models.DateTimeField(_("反馈时间"), null=True, blank=True)
    # The latest feedback (each submission is a WorkOrderFeedback row; this is the one being judged).
    outcome = models.CharField(_("办理结果"), max_length=24, choices=Outcome.choices, blank=True)
    result_summary = models.TextField(_("办理情况"), blank=True)
    agreed_amount = models.DecimalField(_("和解金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    paid_amount = models.DecimalField(_("已履行金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    # The centre's acceptance (验收).
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, verbose_name=_("验收人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rating = models.PositiveSmallIntegerField(
        _("验收评价"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    returned_at = models.DateTimeField(_("退回时间"), null=True, blank=True)
    return_reason = models.TextField(_("退回原因"), blank=True)
    cancelled_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    cancel_reason = models.TextField(_("撤销原因"), blank=True)
    # The partner's last move (receipt, start, a message, feedback): the nudge counts from it.
    partner_activity_at = models.DateTimeField(_("承办单位最近办理时间"), null=True, blank=True)
    nudged_at = models.DateTimeField(_("催办时间"), null=True, blank=True)
    # When the partner stops seeing the order: a configurable time after it closed, was returned or
    # was cancelled (settings.WORK_ORDER_PARTNER_ACCESS_DAYS).
    partner_access_until = models.DateTimeField(_("承办单位查阅截止"), null=True, blank=True)

    objects = WorkOrderQuerySet.as_manager()

    class Meta:
        verbose_name = _("工单")
        verbose_name_plural = pgettext_lazy("plural", "工单")
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft") | Q(partner__isnull=False), name="workorder_sent_has_partner"
            ),
            models.CheckConstraint(
                condition=(Q(agreed_amount__isnull=True) | Q(agreed_amount__gte=0))
                & (Q(paid_amount__isnull=True) | Q(paid_amount__gte=0)),
                name="workorder_amounts_not_negative",
            ),
        ]
        indexes = [
            # A partner's inbox (referrals.selectors.partner_inbox): its orders newest first, keyset on
            # id, optionally by status.
            models.Index(fields=["partner", "-id"], name="workorder_partner_inbox_idx"),
            models.Index(fields=["partner", "status", "-id"], name="workorder_partner_status_idx"),
            # A case's orders (the lead's consolidated state, the detention page).
            models.Index(fields=["lead"], name="workorder_lead_idx"),
            # The receipt sweep (RECEIPT_RULE): sent, not received.
            models.Index(fields=["receipt_due_at"], condition=Q(status="sent"), name="workorder_receipt_due_idx"),
            # The feedback sweep (FEEDBACK_RULE): received or in progress, no feedback yet.
            models.Index(
                fields=["feedback_due_at"],
                condition=Q(status__in=["received", "in_progress"]),
                name="workorder_feedback_due_idx",
            ),
            # The nudge (referrals.deadlines.nudge_idle_work_orders): the partner's move, by its last one.
            models.Index(
                fields=["partner_activity_at"],
                condition=Q(status__in=["sent", "received", "in_progress"]),
                name="workorder_idle_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN


class WorkOrderEvent(models.Model):
    """Every move of a work order: who, when, from which state to which, and the note (DESIGN.md §3)."""

    order = models.ForeignKey(WorkOrder, verbose_name=_("工单"), on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(_("原状态"), max_length=24, choices=WorkOrder.Status.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=24, choices=WorkOrder.Status.choices)
    at = models.DateTimeField(_("时间"))
    acting_user = models.ForeignKey(
        User, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("工单流转记录")
        verbose_name_plural = pgettext_lazy("plural", "工单流转记录")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["order", "at"], name="workorder_event_order_idx")]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.from_status} → {self.to_status}"


@track()
class WorkOrderMessage(models.Model):
    """A message of the consultation thread (会商) between the centre and the partner."""

    order = models.ForeignKey(WorkOrder, verbose_name=_("工单"), on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(User, verbose_name=_("发言人"), null=True, on_delete=models.SET_NULL, related_name="+")
    # Which side wrote it, kept with the message: an author who later changes organization does not
    # move their words to the other side.
    from_partner = models.BooleanField(_("承办单位发言"))
    body = models.TextField(_("内容"))
    created_at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("会商记录")
        verbose_name_plural = pgettext_lazy("plural", "会商记录")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["order", "created_at"], name="workorder_message_order_idx")]

    def __str__(self) -> str:
        return f"{self.order_id} {self.created_at:%Y-%m-%d %H:%M}"


def work_order_file_upload_to(instance: WorkOrderFile, filename: str) -> str:
    # A random name, as for documents: the original may carry a person's name.
    return f"work_orders/{uuid.uuid4().hex}"


@track()
class WorkOrderFile(TimeStampedModel):
    """A file attached to a message of the thread or to a feedback, stored outside the web root and
    delivered only by a permission-checked view."""

    order = models.ForeignKey(WorkOrder, verbose_name=_("工单"), on_delete=models.CASCADE, related_name="files")
    message = models.ForeignKey(
        WorkOrderMessage,
        verbose_name=_("会商记录"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="files",
    )
    feedback = models.ForeignKey(
        "WorkOrderFeedback",
        verbose_name=_("结果反馈"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="files",
    )
    title = models.CharField(_("标题"), max_length=128)
    file = models.FileField(_("文件"), upload_to=work_order_file_upload_to, storage=private_storage)
    content_type = models.CharField(_("文件类型"), max_length=64, editable=False)
    size = models.PositiveIntegerField(_("文件大小（字节）"), editable=False)
    sha256 = models.CharField(_("SHA-256 校验值"), max_length=64, editable=False)
    uploaded_by = models.ForeignKey(
        User, verbose_name=_("上传人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("工单附件")
        verbose_name_plural = pgettext_lazy("plural", "工单附件")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.title


@track()
class WorkOrderFeedback(models.Model):
    """One result feedback (结果反馈) of the partner; a work order sent back for more work gets another."""

    order = models.ForeignKey(WorkOrder, verbose_name=_("工单"), on_delete=models.CASCADE, related_name="feedbacks")
    outcome = models.CharField(_("办理结果"), max_length=24, choices=WorkOrder.Outcome.choices)
    summary = models.TextField(_("办理情况"))
    agreed_amount = models.DecimalField(_("和解金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    paid_amount = models.DecimalField(_("已履行金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    submitted_by = models.ForeignKey(
        User, verbose_name=_("反馈人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(_("反馈时间"))
    # Whether it came in by the feedback due time in force then (the KPI of data flow reads it).
    on_time = models.BooleanField(_("按期反馈"))

    class Meta:
        verbose_name = _("结果反馈")
        verbose_name_plural = pgettext_lazy("plural", "结果反馈")
        ordering = ["submitted_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(agreed_amount__isnull=True) | Q(agreed_amount__gte=0))
                & (Q(paid_amount__isnull=True) | Q(paid_amount__gte=0)),
                name="feedback_amounts_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} {self.get_outcome_display()}"


class PartnerDigest(models.Model):
    """The weekly digest sent to one partner organization for one week: written once (the unique key),
    so a second run of the job sends nothing twice."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("承办单位"), on_delete=models.CASCADE, related_name="+"
    )
    week_start = models.DateField(_("周起始日"))
    sent_at = models.DateTimeField(_("发送时间"))
    open_count = models.PositiveIntegerField(_("在办工单数"))

    class Meta:
        verbose_name = _("每周工单汇总")
        verbose_name_plural = pgettext_lazy("plural", "每周工单汇总")
        constraints = [
            models.UniqueConstraint(fields=["organization", "week_start"], name="partner_digest_once_a_week")
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.week_start}"


class WorkOrderUserObjectPermission(UserObjectPermissionBase):
    """django-guardian's direct foreign-key grant table for work orders: a named person of a partner,
    invited to one work order, gets `view_workorder` on it (DESIGN.md §5)."""

    content_object = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, verbose_name=_("工单"))
    user = models.ForeignKey(User, on_delete=models.CASCADE, verbose_name=_("用户"))
    permission = models.ForeignKey("auth.Permission", on_delete=models.CASCADE, verbose_name=_("权限"))

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("工单授权（用户）")
        verbose_name_plural = pgettext_lazy("plural", "工单授权（用户）")


class WorkOrderGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, verbose_name=_("工单"))
    group = models.ForeignKey("auth.Group", on_delete=models.CASCADE, verbose_name=_("用户组"))
    permission = models.ForeignKey("auth.Permission", on_delete=models.CASCADE, verbose_name=_("权限"))

    class Meta(GroupObjectPermissionBase.Meta):
        verbose_name = _("工单授权（用户组）")
        verbose_name_plural = pgettext_lazy("plural", "工单授权（用户组）")
