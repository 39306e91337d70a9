"""Demo referrals so the health worker's list, the coordinator's inbox and Ida's page are not empty.

Never in production. Safe to run again: existing demo referrals are left as they are.
"""

import datetime as dt

from django.conf import settings
from django.utils import timezone

from accounts.models import ServiceUnit, User
from courses.models import Offer, Run
from referrals import services
from referrals.models import Referral

# (person e-mail, name, offer slug, run name or None, how many days ago, answer)
DEMO = [
    ("per@demo.example.no", "Per", "mas-maling", "Ettermiddagsgruppen", 0, None),
    ("ida@demo.example.no", "Ida", "selvhjelpsgruppe-oslo", None, 2, None),
    ("kari@demo.example.no", "Kari", "mas-vev", "Formiddagsgruppen", 12, ("accept", 3)),
    ("nils@demo.example.no", "Nils", "mas-lappesom", "Formiddagsgruppen", 9, ("accept", 2)),
    ("sara@demo.example.no", "Sara", "mas-kreativ-som", "Ettermiddagsgruppen", 7, ("contact", 4)),
]


def load_demo_referrals() -> int:
    if settings.PRODUCTION:
        raise RuntimeError("Demo referrals are never created in production.")
    worker = User.objects.get(email="eivind.helsearbeider@demo.example.no")
    coordinator = User.objects.get(email="tonje.koordinator@demo.example.no")
    unit = ServiceUnit.objects.get(slug="grorud-psykisk-helse")
    made = 0
    for email, name, slug, run_name, days_ago, answer in DEMO:
        offer = Offer.objects.get(slug=slug)
        if Referral.objects.filter(referrer=worker, offer=offer, person__email=email).exists():
            continue
        run = (
            Run.objects.upcoming().filter(offer=offer, name=run_name).order_by("-starts_at").first()
            if run_name
            else None
        )
        referral, _held = services.refer(
            referrer=worker,
            service_unit=unit,
            offer=offer,
            run=run,
            name=name,
            email=email,
            phone="",
            birth_date=dt.date(1984, 6, 1),
            consent_method="spoken",
            consent_given_at=timezone.now() - dt.timedelta(days=days_ago),
            hold_seat=run is not None and not answer,
            note="Vil gjerne prøve noe med hendene." if not answer else "",
        )
        sent = timezone.now() - dt.timedelta(days=days_ago)
        Referral.objects.filter(pk=referral.pk).update(created_at=sent)
        if answer:
            action, after_days = answer
            if action == "accept":
                services.accept(referral_id=referral.pk, coordinator=coordinator)
            else:
                services.ask_for_contact(referral_id=referral.pk, coordinator=coordinator)
            Referral.objects.filter(pk=referral.pk).update(
                answered_at=sent + dt.timedelta(days=after_days), first_seen_at=sent + dt.timedelta(days=1)
            )
        made += 1
    return made
