import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import Role, ServiceUnit
from tests import factories
from tests.people import member, person


@pytest.fixture
def unit():
    return ServiceUnit.objects.create(name="Bydel Grorud", slug="grorud", municipality=factories.municipality())


@pytest.fixture
def worker(unit):
    user = person("worker@example.org", name="Eivind", mfa=True)
    member(user, Role.HEALTH_WORKER, unit)
    return user


@pytest.fixture
def run():
    return factories.run(offer=factories.offer(title="Keramikk", min_age=18, max_age=67), capacity=2, sessions=2)


@pytest.fixture
def coordinator(run):
    user = person("coordinator@example.org", name="Tonje", mfa=True)
    member(user, Role.COORDINATOR, run.offer.provider)
    return user


@pytest.fixture
def refer(worker, unit, run):
    from referrals import services

    def make(*, hold_seat=False, email="ola@example.org", note="", **extra):
        fields = {
            "referrer": worker,
            "service_unit": unit,
            "offer": run.offer,
            "run": run,
            "name": "Ola",
            "email": email,
            "phone": "",
            "birth_date": dt.date(1980, 5, 17),
            "consent_method": "spoken",
            "consent_given_at": timezone.now(),
            "hold_seat": hold_seat,
            "note": note,
        }
        fields.update(extra)
        return services.refer(**fields)

    return make
