from django.core.management.base import BaseCommand

from recovery_portal.tasks import ensure_sweep_scheduled


class Command(BaseCommand):
    help = (
        "Make sure the recurring sweep (expired seat offers, session reminders) is queued. "
        "Safe to run any number of times; run it once after each deploy."
    )

    def handle(self, *args, **options):
        ensure_sweep_scheduled()
        self.stdout.write("The sweep is scheduled.")
