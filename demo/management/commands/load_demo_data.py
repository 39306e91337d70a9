from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo.accounts import load_demo_accounts
from demo.catalogue import load_demo_catalogue
from demo.referrals import load_demo_referrals


class Command(BaseCommand):
    help = "Fill the database with the demo catalogue and one demo account per role. Safe to run again."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("Demo data is never loaded in production (DJANGO_ENV=production).")
        counts = load_demo_catalogue()
        counts["demo accounts"] = load_demo_accounts()
        counts["new demo referrals"] = load_demo_referrals()
        self.stdout.write(
            self.style.SUCCESS("Demo data is in place: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
        )
