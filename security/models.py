"""Rate-limit counters: one row per key and fixed window, kept in PostgreSQL (DESIGN.md §7).

In the database rather than a cache so that limits hold across every web process, need no Redis,
and survive a Redis outage. security.ratelimit writes them with one atomic upsert.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class RateLimitCounter(models.Model):
    key = models.CharField(_("键"), max_length=200)
    window_start = models.DateTimeField(_("时间窗起点"))
    count = models.PositiveIntegerField(_("次数"), default=0)

    class Meta:
        verbose_name = _("限流计数")
        verbose_name_plural = pgettext_lazy("plural", "限流计数")
        constraints = [
            # The conflict target of the upsert in security.ratelimit.hit.
            models.UniqueConstraint(fields=["key", "window_start"], name="ratelimit_unique_key_window"),
        ]
        indexes = [
            # For prune_rate_limit_counters, which deletes by window_start alone.
            models.Index(fields=["window_start"], name="ratelimit_window_start_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.key} @ {self.window_start:%Y-%m-%d %H:%M:%S}: {self.count}"
