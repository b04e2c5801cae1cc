from django.core.management.base import BaseCommand

from portal.outbox import outbound_email_relay


class Command(BaseCommand):
    help = "Hand queued outbox emails older than the relay delay to Celery (for cron, when beat is not run)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than", type=int, default=None, help="seconds (default: setting)"
        )

    def handle(self, *args, older_than, **options):
        count = outbound_email_relay(older_than_seconds=older_than)
        self.stdout.write(f"{count} queued email(s) handed to the broker.")
