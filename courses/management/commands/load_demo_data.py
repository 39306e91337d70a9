from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from courses.demo.load import load_demo_catalogue


class Command(BaseCommand):
    help = "Fill the database with the demo catalogue from the source documents. Safe to run again."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("Demo data is never loaded in production (DJANGO_ENV=production).")
        counts = load_demo_catalogue()
        self.stdout.write(
            self.style.SUCCESS("Demo data is in place: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
        )
