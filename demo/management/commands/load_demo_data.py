from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from courses.models import Offer, Run, Session
from demo.accounts import ACCOUNTS, load_demo_accounts
from demo.catalogue import load_demo_catalogue
from demo.referrals import load_demo_referrals
from enrolment.models import Enrolment
from referrals.models import Referral


class Command(BaseCommand):
    help = "Fill the database with the demo catalogue and one demo account per role. Safe to run again."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("Demo data is never loaded in production (DJANGO_ENV=production).")
        load_demo_catalogue()
        load_demo_accounts()
        load_demo_referrals()
        # Counted once every loader has run: the demo accounts and the referrals take seats of their own.
        held = {
            "offers": Offer.objects.count(),
            "runs": Run.objects.count(),
            "sessions": Session.objects.count(),
            "enrolments": Enrolment.objects.count(),
            "referrals": Referral.objects.count(),
            "demo accounts": User.objects.filter(email__in=[email for email, *_ in ACCOUNTS]).count(),
        }
        self.stdout.write(
            self.style.SUCCESS(
                "Demo data is in place. The database holds " + ", ".join(f"{n} {what}" for what, n in held.items())
            )
        )
