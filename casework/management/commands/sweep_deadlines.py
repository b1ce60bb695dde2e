from django.core.management.base import BaseCommand
from django.utils import timezone

from audit.context import acting
from casework.deadlines import RULES, sweep_all


class Command(BaseCommand):
    help = "Record overdue and soon-due deadlines and notify them (what beat runs every few minutes)."

    def add_arguments(self, parser):
        parser.add_argument("--rule", action="append", choices=sorted(RULES), help="only this rule (repeatable)")

    def handle(self, *args, rule=None, **options):
        with acting(user=None, source="command:sweep_deadlines"):
            results = sweep_all(timezone.now(), names=rule)
        for name, counts in results.items():
            self.stdout.write(
                f"{name}: {counts['breaches']} overdue, {counts['reminders']} due soon, {counts['notified']} notified"
            )
