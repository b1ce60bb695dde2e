"""Counting days on the local calendar (Asia/Shanghai), not in 24-hour steps: "leaves in 2 days"
means two midnights from now, whatever the hour."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone


def days_until(moment: datetime, *, now: datetime) -> int:
    """Calendar days from today to the day of `moment`, local time (0 on the day itself)."""
    return (timezone.localtime(moment).date() - timezone.localtime(now).date()).days
