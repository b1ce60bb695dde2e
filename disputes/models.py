"""Disputes. This issue brings only the rooms a centre mediates in; leads, plans and sessions follow."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Organization, TimeStampedModel
from audit.tracking import track


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
