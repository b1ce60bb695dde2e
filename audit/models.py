"""The read-access log. (The write trail is pghistory's: one event table per tracked model, next to the
model, registered with audit.tracking.track.)"""

from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AccessLog(models.Model):
    """One read of sensitive data by one user (DESIGN.md §5), written by audit.services.record_access.

    Append-only: a trigger refuses UPDATE and DELETE, so the rows it points to are protected too
    (deleting a user or a content type that has log rows is refused)."""

    class Action(models.TextChoices):
        SHOW_FULL_ID_NUMBER = "show_full_id_number", _("查看完整证件号码")
        SHOW_FULL_PHONE = "show_full_phone", _("查看完整电话号码")
        OPEN_HEALTH_CHECK = "open_health_check", _("查看体检信息")
        DOWNLOAD_DOCUMENT = "download_document", _("下载文书")
        DOWNLOAD_AGREEMENT = "download_agreement", _("下载调解协议书")
        EXPORT = "export", _("导出数据")

    created_at = models.DateTimeField(_("时间"), default=timezone.now, editable=False)
    # Null only if a view logs a read by an anonymous visitor: a bug elsewhere, but a trace is kept.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # covered by accesslog_user_time
    )
    address = models.CharField(_("客户端地址"), max_length=64, blank=True)
    # The path only: a query string may carry search terms (names, ID numbers).
    path = models.CharField(_("请求路径"), max_length=500)
    action = models.CharField(_("操作"), max_length=32, choices=Action.choices)
    # What was read; empty for a read of many records at once (an export of a list).
    content_type = models.ForeignKey(
        ContentType,
        verbose_name=_("记录类型"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # nothing searches by record yet
    )
    object_id = models.CharField(_("记录编号"), max_length=64, blank=True)
    reason = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("敏感信息查阅记录")
        verbose_name_plural = pgettext_lazy("plural", "敏感信息查阅记录")
        indexes = [
            # The access-log page lists newest first, with keyset pagination on (created_at, id),
            # filtered by user or by action.
            models.Index(fields=["created_at", "id"], name="accesslog_time"),
            models.Index(fields=["user", "created_at", "id"], name="accesslog_user_time"),
            models.Index(fields=["action", "created_at", "id"], name="accesslog_action_time"),
        ]
        triggers = [pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete)]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.user} {self.get_action_display()}"
