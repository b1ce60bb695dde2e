"""What the deadline sweeps recorded: each reminder and each breach once, for good (DESIGN.md §4).

A row is written by sweeps.sweep with INSERT ... ON CONFLICT DO NOTHING on its unique key, so a
deadline is recorded once however many sweeps run, and is then claimed for notifying by a conditional
UPDATE of notified_at (the only column that ever changes, once). Triggers refuse any other change and
every delete: the board's breach history is the record of what was missed.
"""

from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Organization


class Breach(models.Model):
    """One deadline of one object, reminded (before its due time) or breached (after it)."""

    class Kind(models.TextChoices):
        REMINDER = "reminder", _("到期提醒")
        BREACH = "breach", _("逾期")

    rule = models.CharField(_("期限规则"), max_length=64)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    # The object the deadline belongs to: its model ("detainees.detention") and primary key. The rule
    # names the model too; the type is kept so that a row reads on its own.
    object_type = models.CharField(_("对象类型"), max_length=64)
    object_id = models.BigIntegerField(_("对象编号"))
    facility = models.ForeignKey(
        Organization, verbose_name=_("拘留所"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    due_at = models.DateTimeField(_("期限"))
    # When the sweep saw it: the breach time of a breach, the reminder time of a reminder.
    recorded_at = models.DateTimeField(_("记录时间"))
    # Who was responsible then (the detention's officer, the lead's assigned officer), and the leaders
    # told with them: a later reassignment does not rewrite who was told.
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("责任人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    escalated_to = ArrayField(models.BigIntegerField(), verbose_name=_("报告所领导"), default=list, blank=True)
    notified_at = models.DateTimeField(_("通知时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("期限记录")
        verbose_name_plural = pgettext_lazy("plural", "期限记录")
        constraints = [
            # One reminder and one breach per deadline: the conflict target of the sweep's INSERT, and
            # the index of its NOT EXISTS (what is already recorded is not offered again). A due time
            # that moves (an earlier release) is a new deadline.
            models.UniqueConstraint(
                fields=["rule", "kind", "object_type", "object_id", "due_at"], name="breach_once_per_deadline"
            ),
        ]
        indexes = [
            # sweeps.notify_recorded: what is recorded but nobody has been told of yet, oldest first.
            models.Index(
                fields=["rule", "recorded_at"], condition=Q(notified_at__isnull=True), name="breach_unnotified_idx"
            ),
            # The board's history: a centre's (leaders, and per centre for a supervisor), newest first.
            models.Index(fields=["facility", "-recorded_at", "-id"], name="breach_facility_idx"),
            # The board's history of an officer's own deadlines.
            models.Index(fields=["responsible", "-recorded_at", "-id"], name="breach_responsible_idx"),
        ]
        triggers = [
            pgtrigger.Protect(name="breach_no_delete", operation=pgtrigger.Delete),
            # The facts never change; notified_at is set once, by the claim.
            pgtrigger.Protect(
                name="breach_facts_fixed",
                operation=pgtrigger.Update,
                condition=pgtrigger.Condition(
                    "((to_jsonb(OLD.*) - 'notified_at') IS DISTINCT FROM (to_jsonb(NEW.*) - 'notified_at')"
                    " OR OLD.notified_at IS NOT NULL)"
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule} · {self.get_kind_display()} · {self.object_type}#{self.object_id}"
