"""The in-app inbox, the outbox of deliveries to other channels, and where those deliveries go.

An event writes, in its own transaction (services.notify): one InboxMessage per recipient, and one
Delivery row per recipient and enabled outside channel (e-mail, SMS) or per organization webhook.
The inbox lives in this database, so its row *is* the delivery: it cannot fail and needs no dispatch.
Deliveries are sent after commit by dispatch.dispatch_due and retried from their own row.
"""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Organization


class Channel(models.TextChoices):
    INBOX = "inbox", _("站内消息")
    EMAIL = "email", _("电子邮件")
    SMS = "sms", _("短信")
    WEBHOOK = "webhook", _("机构消息接口")


# Channels a user may switch on or off, with their defaults. The inbox is always on; the webhook
# belongs to an organization, not to a user.
USER_CHANNEL_DEFAULTS: dict[str, bool] = {Channel.EMAIL.value: True, Channel.SMS.value: False}


class InboxMessage(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("收件人"), on_delete=models.CASCADE, related_name="inbox_messages"
    )
    kind = models.CharField(_("事件类型"), max_length=64)
    subject = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    # A path inside this site; the page behind it makes its own access check.
    link = models.CharField(_("链接"), max_length=500, blank=True)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)
    # A notice that asks for an action names it here ("disputes.plan_review:12"); the service that does
    # the action marks every notice asking for it done (services.mark_done), read or not.
    asks_for = models.CharField(_("待办事项"), max_length=100, blank=True)
    done_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("站内消息")
        verbose_name_plural = pgettext_lazy("plural", "站内消息")
        indexes = [
            # The unread count in every page header (context_processors.unread_count).
            models.Index(fields=["user", "read_at"], name="inbox_user_read_idx"),
            # The inbox list, newest first, paged by id (views.inbox).
            models.Index(fields=["user", "-id"], name="inbox_user_newest_idx"),
            # services.mark_done: the open notices asking for one action.
            models.Index(
                fields=["asks_for"], condition=~Q(asks_for="") & Q(done_at__isnull=True), name="inbox_open_request_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.subject

    @property
    def is_unread(self) -> bool:
        return self.read_at is None

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class ChannelPreference(models.Model):
    """A user's choice for one channel; without a row, USER_CHANNEL_DEFAULTS applies."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="channel_preferences", verbose_name=_("用户")
    )
    channel = models.CharField(
        _("渠道"),
        max_length=16,
        choices=[(Channel.EMAIL.value, Channel.EMAIL.label), (Channel.SMS.value, Channel.SMS.label)],
    )
    enabled = models.BooleanField(_("启用"))

    class Meta:
        verbose_name = _("通知渠道设置")
        verbose_name_plural = pgettext_lazy("plural", "通知渠道设置")
        constraints = [models.UniqueConstraint(fields=["user", "channel"], name="channel_preference_unique")]

    def __str__(self) -> str:
        return f"{self.user} · {self.channel} · {self.enabled}"


class WebhookEndpoint(models.Model):
    """An organization's receiving address for JSON notices (a 浙政钉 group robot, a partner system)."""

    organization = models.OneToOneField(
        Organization, verbose_name=_("组织机构"), on_delete=models.CASCADE, related_name="webhook_endpoint"
    )
    url = models.URLField(_("接收地址"), max_length=500, validators=[URLValidator(schemes=["http", "https"])])
    secret = models.CharField(
        _("签名密钥"),
        max_length=128,
        help_text=_("用于 HMAC-SHA256 签名（请求头 X-Signature），由接收方核验"),
    )
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("机构消息接口")
        verbose_name_plural = pgettext_lazy("plural", "机构消息接口")

    def __str__(self) -> str:
        return f"{self.organization} → {self.url}"


class Delivery(models.Model):
    """One notice to one recipient on one outside channel: the outbox row the dispatcher sends."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENDING = "sending", _("发送中")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")

    # pending → sending (claimed by one dispatcher: a conditional UPDATE) → sent, or back to pending
    # with a later next_attempt_at, or failed after the last attempt. A claim left by a dead worker
    # goes back to pending (dispatch.release_stale_claims); an administrator may retry a failed row.
    # Every move is one conditional UPDATE whose status filter is the "from" side of this table, so the
    # database enforces it for many rows at once; the sweep does not check rows one by one in Python.
    TRANSITIONS: dict[str, frozenset[str]] = {
        Status.PENDING: frozenset({Status.SENDING}),
        Status.SENDING: frozenset({Status.SENT, Status.PENDING, Status.FAILED}),
        Status.SENT: frozenset(),
        Status.FAILED: frozenset({Status.PENDING}),
    }

    kind = models.CharField(_("事件类型"), max_length=64)
    channel = models.CharField(
        _("渠道"), max_length=16, choices=[(c.value, c.label) for c in Channel if c != Channel.INBOX]
    )
    # A user for e-mail and SMS (the address is read when sending: phone numbers stay encrypted on the
    # user, never copied here); an organization for its webhook.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("收件人"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("接收机构"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    subject = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    # Built for this recipient alone (services.notify): only what the recipient may see.
    payload = models.JSONField(_("数据"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("已尝试次数"), default=0)
    max_attempts = models.PositiveSmallIntegerField(_("最多尝试次数"))
    next_attempt_at = models.DateTimeField(_("下次尝试时间"))
    claimed_at = models.DateTimeField(_("领取时间"), null=True, blank=True)
    last_error = models.TextField(_("最近错误"), blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("通知投递")
        verbose_name_plural = pgettext_lazy("plural", "通知投递")
        indexes = [
            # The dispatcher's sweep (dispatch.dispatch_due): due pending rows in next_attempt_at order.
            models.Index(fields=["next_attempt_at"], condition=Q(status="pending"), name="delivery_due_idx"),
            # dispatch.release_stale_claims: claims older than the claim timeout.
            models.Index(fields=["claimed_at"], condition=Q(status="sending"), name="delivery_claimed_idx"),
            # The administrators' list of failed deliveries, newest first (views.failed).
            models.Index(fields=["-id"], condition=Q(status="failed"), name="delivery_failed_idx"),
        ]
        constraints = [
            # A user's channel has a user; a webhook has an organization.
            models.CheckConstraint(
                condition=(Q(channel="webhook", organization__isnull=False, recipient__isnull=True))
                | (~Q(channel="webhook") & Q(recipient__isnull=False, organization__isnull=True)),
                name="delivery_has_its_recipient",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} · {self.channel} · {self.status}"

    @property
    def recipient_display(self) -> str:
        return str(self.recipient or self.organization)
