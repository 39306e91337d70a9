from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = _("Henvisninger")

    def ready(self):
        from enrolment import following
        from referrals.following import ReferralsFollow

        # A referral follows the place it led to: the enrolment app's one hook (enrolment.following).
        following.register(ReferralsFollow())
