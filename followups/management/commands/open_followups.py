"""manage.py open_followups: the beat job by hand, e.g. right after an import that released people
with resolved leads."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils import timezone

from audit.context import acting
from followups.deadlines import open_followups


class Command(BaseCommand):
    help = "为已出所且有已化解线索、尚未跟踪回访的人员开启跟踪回访（与定时任务相同）"

    def handle(self, *args, **options) -> None:
        with acting(user=None, source="command:open_followups"):
            count = open_followups(now=timezone.now())
        self.stdout.write(f"opened {count}")
