"""manage.py record_reoffences [--since YYYY-MM-DD]: the beat job by hand, e.g. after importing old
detentions (--since reaches re-admissions older than one observation window)."""

from __future__ import annotations

from datetime import date, datetime, time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from audit.context import acting
from followups.deadlines import record_reoffences


class Command(BaseCommand):
    help = "记录观察期内再次入所的重新违法犯罪（与定时任务相同）"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--since", help="查找此日期（本地时间）以来的再次入所，默认一个观察期")

    def handle(self, *args, since: str | None = None, **options) -> None:
        start = None
        if since:
            try:
                start = timezone.make_aware(datetime.combine(date.fromisoformat(since), time.min))
            except ValueError as error:
                raise CommandError(f"--since: {error}") from error
        with acting(user=None, source="command:record_reoffences"):
            count = record_reoffences(now=timezone.now(), since=start)
        self.stdout.write(f"recorded {count}")
