import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import Role, ServiceUnit, User
from enrolment import services as enrolment_services
from enrolment.models import Enrolment
from referrals import services
from referrals.models import Referral
from tests import factories
from tests.enrolment.test_concurrency import people, run_together, sign_up_call
from tests.people import member, person

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_held_seat_is_never_double_counted_under_concurrent_sign_ups():
    run = factories.run(offer=factories.offer(), capacity=3)
    unit = ServiceUnit.objects.create(name="Enhet", slug="enhet", municipality=run.offer.municipality)
    worker = person("worker@example.org")
    member(worker, Role.HEALTH_WORKER, unit)
    crowd = people(10, "c")

    def refer_with_hold():
        return services.refer(
            referrer=worker,
            service_unit=unit,
            offer=run.offer,
            run=run,
            name="Ola",
            email="ola@example.org",
            phone="",
            birth_date=dt.date(1980, 1, 1),
            consent_method="written",
            consent_given_at=timezone.now(),
            hold_seat=True,
        )

    results = run_together([refer_with_hold] + [sign_up_call(run, who) for who in crowd])
    held = results[0][1] if isinstance(results[0], tuple) else False
    holding = Enrolment.objects.filter(run=run).holding_seats().count()
    assert holding == 3
    signed_up = sum(isinstance(r, Enrolment) for r in results[1:])
    assert signed_up == (2 if held else 3)
    assert enrolment_services.count_seats(run).free == 0
    assert all(isinstance(r, enrolment_services.RunFull) for r in results[1:] if not isinstance(r, Enrolment))


def test_two_workers_referring_the_same_new_person_at_once_make_one_person_and_one_open_referral():
    """Both used to find nobody: one failed on the unique e-mail (a server error), or, for someone already
    known, both passed the "already an open referral" check. The person's lock lets one through at a time."""
    offer = factories.offer()
    unit = ServiceUnit.objects.create(name="Enhet", slug="enhet", municipality=offer.municipality)
    workers = [person(f"worker{n}@example.org") for n in range(4)]
    for worker in workers:
        member(worker, Role.HEALTH_WORKER, unit)

    def refer_by(worker):
        return lambda: services.refer(
            referrer=worker,
            service_unit=unit,
            offer=offer,
            run=None,
            name="Ola",
            email="ola.ny@example.org",
            phone="",
            birth_date=dt.date(1980, 1, 1),
            consent_method="written",
            consent_given_at=timezone.now(),
            hold_seat=False,
        )

    results = run_together([refer_by(worker) for worker in workers])
    assert sum(isinstance(r, tuple) for r in results) == 1
    assert all(
        isinstance(r, services.ReferralRefusal) and r.code == "duplicate" for r in results if not isinstance(r, tuple)
    ), results
    assert User.objects.filter(email="ola.ny@example.org").count() == 1
    assert Referral.objects.open().filter(person__email="ola.ny@example.org").count() == 1
