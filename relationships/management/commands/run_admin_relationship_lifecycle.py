from django.core.management.base import BaseCommand

from relationships.services import lifecycle_run


class Command(BaseCommand):
    help = "Run the daily admin relationship job once (for cron, when beat is not run)."

    def handle(self, *args, **options):
        done = lifecycle_run()
        self.stdout.write(", ".join(f"{name}: {count}" for name, count in done.items()))
