from django.core.management.base import BaseCommand
from django.utils import timezone

from notifications.dispatch import dispatch_due, release_stale_claims


class Command(BaseCommand):
    help = "Send the notifications that are due now (what the beat task does every 30 seconds)."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=100, help="at most this many deliveries")

    def handle(self, *args, limit: int, **options):
        released = release_stale_claims(timezone.now())
        outcome = dispatch_due(timezone.now(), limit=limit)
        self.stdout.write(
            f"released {released} stale claims; sent {outcome['sent']}, "
            f"to retry {outcome['retry']}, failed {outcome['failed']}"
        )
