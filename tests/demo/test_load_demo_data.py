import io
import re

import pytest
from django.core.management import call_command

from accounts.models import User
from courses.models import Offer, Run, Session
from enrolment.models import Enrolment
from referrals.models import Referral

pytestmark = pytest.mark.django_db

# README, "Demo accounts"
DEMO_ACCOUNTS = [
    "ida@demo.example.no",
    "eivind.helsearbeider@demo.example.no",
    "oda.helsearbeider@demo.example.no",
    "tonje.koordinator@demo.example.no",
    "line.kursholder@demo.example.no",
    "andreas.admin@demo.example.no",
]


def load_and_read_the_summary():
    out = io.StringIO()
    call_command("load_demo_data", stdout=out)
    pairs = re.findall(r"(\d+) (offers|runs|sessions|enrolments|referrals|demo accounts)\b", out.getvalue())
    return {what: int(n) for n, what in pairs}


def what_the_database_holds():
    return {
        "offers": Offer.objects.count(),
        "runs": Run.objects.count(),
        "sessions": Session.objects.count(),
        "enrolments": Enrolment.objects.count(),
        "referrals": Referral.objects.count(),
        "demo accounts": User.objects.filter(email__in=DEMO_ACCOUNTS).count(),
    }


def test_the_summary_counts_what_the_database_holds_after_every_demo_loader():
    reported = load_and_read_the_summary()
    assert reported == what_the_database_holds()
    assert reported["demo accounts"] == 6
    # Ida's seats and the referred people's are among the enrolments counted, not only the catalogue's.
    assert Enrolment.objects.filter(person__email="ida@demo.example.no").exists()
    assert Enrolment.objects.filter(person__email__in=["kari@demo.example.no", "nils@demo.example.no"]).exists()


def test_loading_again_reports_the_same_counts():
    first = load_and_read_the_summary()
    assert load_and_read_the_summary() == first == what_the_database_holds()
