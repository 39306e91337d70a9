from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo.accounts import ACCOUNTS


class Command(BaseCommand):
    help = "Print the current sign-in code (TOTP) of a demo staff account. Not available in production."

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email, **options):
        if settings.PRODUCTION:
            raise CommandError("Demo accounts do not exist in production.")
        secrets = {address: secret for address, _name, _role, _org, secret in ACCOUNTS if secret}
        if email not in secrets:
            raise CommandError(f"No demo staff account {email}. Choose one of: {', '.join(secrets)}")
        counter = next(yield_hotp_counters_from_time())
        self.stdout.write(format_hotp_value(hotp_value(secrets[email], counter)))
