"""Deleting an account while staff act on the same person, against real PostgreSQL (see
tests/enrolment/test_concurrency.py for how the races are run). A deadlock would be a server error."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, ServiceUnit
from audit.acting import Acting
from enrolment.models import Enrolment
from enrolment.services import places
from mypage import services as mypage_services
from referrals import services as referral_services
from referrals.models import Referral
from tests import factories
from tests.enrolment.test_concurrency import run_together
from tests.people import member, person

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "Et-langt-passord-2026"


@pytest.fixture
def run():
    return factories.run(offer=factories.offer(), capacity=2)


@pytest.fixture
def coordinator(run):
    user = person("coordinator@example.org", mfa=True)
    member(user, Role.COORDINATOR, run.offer.provider)
    client = Client()
    client.force_login(user)
    user.client = client
    return user


@pytest.fixture
def ola():
    """Signed in with her password just now, as deleting an account asks for."""
    user = person("ola@example.org", name="Ola", birth_date=dt.date(1980, 5, 17))
    client = Client()
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    response = client.get(reverse("mypage:delete_account"))
    client.post(response.url, {"password": PASSWORD})
    assert client.get(reverse("mypage:delete_account")).status_code == 200
    user.client = client
    return user


def delete_account(who):
    return lambda: who.client.post(reverse("mypage:delete_account"), {"confirm": "on"})


def test_a_coordinator_signing_someone_off_while_they_delete_their_account_gets_no_error(
    run, coordinator, ola, pause_after_the_first_run_lock
):
    """Signing Ola off locks the run, then writes an audit row about her, which waits for her account row. The
    deletion used to lock her account row for update first and the run after it."""
    enrolment = places.sign_up(run_id=run.pk, person=ola, acting=Acting.citizen(ola))
    sign_off = reverse("enrolment:participant_cancel", kwargs={"enrolment_id": enrolment.pk})

    responses = run_together(
        [
            lambda: coordinator.client.post(sign_off),
            lambda: pause_after_the_first_run_lock.holds_a_run.wait(5) and delete_account(ola)(),
        ]
    )
    assert [getattr(r, "status_code", r) for r in responses] == [302, 302]
    ola.refresh_from_db()
    assert ola.anonymised_at is not None
    assert Enrolment.objects.get(person=ola).status == Enrolment.Status.CANCELLED


def refer(who, run):
    """A health worker refers `who` to the run, with a seat held."""
    unit = ServiceUnit.objects.create(name="Enhet", slug="enhet", municipality=run.offer.municipality)
    worker = person("worker@example.org")
    member(worker, Role.HEALTH_WORKER, unit)
    referral, held = referral_services.refer(
        referrer=worker,
        service_unit=unit,
        offer=run.offer,
        run=run,
        name="Ola",
        email=who.email,
        phone="",
        birth_date=who.birth_date,
        consent_method="spoken",
        consent_given_at=timezone.now(),
        hold_seat=True,
    )
    assert held
    return referral


def test_a_coordinator_declining_a_referral_while_the_person_deletes_their_account_gets_no_error(
    run, coordinator, ola, pause_after_the_first_run_lock
):
    """The deletion used to lock the run of the seat held for Ola, then write her referral; declining the referral
    locks it, then the run."""
    referral = refer(ola, run)
    decline = reverse("referrals:decline", kwargs={"public_id": referral.public_id})

    responses = run_together(
        [
            delete_account(ola),
            lambda: (
                pause_after_the_first_run_lock.holds_a_run.wait(5)
                and coordinator.client.post(decline, {"reason": "full"})
            ),
        ]
    )
    assert [getattr(r, "status_code", r) for r in responses] == [302, 302]
    referral.refresh_from_db()
    ola.refresh_from_db()
    assert ola.anonymised_at is not None
    assert referral.status == Referral.Status.WITHDRAWN
    assert referral.enrolment.status == Enrolment.Status.CANCELLED


def test_a_person_moved_to_another_run_while_deleting_their_account_keeps_no_place(
    run, coordinator, ola, pause_after_the_first_run_lock
):
    """The move enrols Ola on the other run: it takes her lock first, so the deletion waits for it and then
    finds (and cancels) the new place instead of the one the move ended."""
    other_run = factories.run(offer=run.offer, capacity=2)
    enrolment = places.sign_up(run_id=run.pk, person=ola, acting=Acting.citizen(ola))

    results = run_together(
        [
            lambda: places.move(
                enrolment_id=enrolment.pk,
                to_run_id=other_run.pk,
                acting=Acting.coordinator(coordinator, provider_id=None),
            ),
            lambda: pause_after_the_first_run_lock.holds_a_run.wait(5) and mypage_services.delete_account(user=ola),
        ]
    )
    assert isinstance(results[0], Enrolment) and results[1] is None, results
    assert not Enrolment.objects.filter(person=ola).active().exists()


def test_a_coordinator_cancelling_a_run_while_a_referred_person_on_it_deletes_their_account_gets_no_error(
    run, coordinator, ola, pause_after_the_first_run_lock
):
    """Ola has a place through her referral. Cancelling the run writes her referral too, and so does deleting her
    account: both lock it before the run."""
    referral = refer(ola, run)
    referral_services.accept(referral_id=referral.pk, coordinator=coordinator)
    cancel = reverse("enrolment:run_cancel", kwargs={"run_id": run.pk})

    responses = run_together(
        [
            lambda: coordinator.client.post(cancel, {"confirm": "yes"}),
            lambda: pause_after_the_first_run_lock.holds_a_run.wait(5) and delete_account(ola)(),
        ]
    )
    assert [getattr(r, "status_code", r) for r in responses] == [302, 302]
    referral.refresh_from_db()
    ola.refresh_from_db()
    assert ola.anonymised_at is not None
    assert referral.enrolment.status == Enrolment.Status.CANCELLED
    assert referral.status in (Referral.Status.RUN_CANCELLED, Referral.Status.CANCELLED)
    assert referral.closed_at is not None
