import datetime as dt

import pytest
from django.db.models import F
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, ServiceUnit, User
from audit.acting import Acting
from base.refusals import Refusal
from courses import services as course_services
from courses.models import Session
from enrolment.models import Enrolment
from enrolment.refusals import EnrolmentRefusal, RunFull
from enrolment.seats import count_seats
from enrolment.services import places, runs, waiting_list
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
    assert count_seats(run).free == 0
    assert all(isinstance(r, RunFull) for r in results[1:] if not isinstance(r, Enrolment))


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
    assert all(isinstance(r, Refusal) and r.code == "duplicate" for r in results if not isinstance(r, tuple)), results
    assert User.objects.filter(email="ola.ny@example.org").count() == 1
    assert Referral.objects.open().filter(person__email="ola.ny@example.org").count() == 1


def test_two_accepts_whose_runs_cross_both_go_through(refer, run, coordinator, pause_after_the_first_run_lock):
    """Ola (held on the first run) is taken in on the second, Kari (held on the second) on the first, at the
    same moment. An accept locked the run it places on, then the run of the held seat it gives up: the two
    took the runs in opposite orders, and only the offer's and provider's rows, which the referral's lock
    used to take along, kept them apart. Each now locks both runs at once, in id order."""
    first_run, second_run = run, factories.run(offer=run.offer, capacity=2)
    ola, _ = refer(hold_seat=True, email="ola@example.org", run=first_run)
    kari, _ = refer(hold_seat=True, email="kari@example.org", run=second_run)

    def accept(referral, target):
        return lambda: services.accept(referral_id=referral.pk, coordinator=coordinator, run_id=target.pk)

    results = run_together([accept(ola, second_run), accept(kari, first_run)])
    assert all(isinstance(r, Referral) for r in results), results
    for referral, target in ((ola, second_run), (kari, first_run)):
        held = referral.enrolment
        referral.refresh_from_db()
        held.refresh_from_db()
        assert referral.status == Referral.Status.ACCEPTED
        assert referral.enrolment.run_id == target.pk and referral.enrolment.status == Enrolment.Status.CONFIRMED
        assert held.status == Enrolment.Status.CANCELLED


def test_an_accept_and_a_move_across_the_same_two_runs_both_go_through(
    refer, run, coordinator, pause_after_the_first_run_lock
):
    """Ola, held on the first run, is taken in on the second while another coordinator moves Per from the
    first run to the second. The move locks both runs at once, in id order; the accept locked the run it
    places on, and only then the run of the held seat it gives up: the opposite order, a deadlock, a server
    error for one of them. The move starts once the accept holds its first run."""
    first_run, second_run = run, factories.run(offer=run.offer, capacity=2)
    ola, _ = refer(hold_seat=True, email="ola@example.org", run=first_run)
    per = people(1, "per")[0]
    moving = places.sign_up(run_id=first_run.pk, person=per, acting=Acting.citizen(per))

    results = run_together(
        [
            lambda: services.accept(referral_id=ola.pk, coordinator=coordinator, run_id=second_run.pk),
            lambda: (
                pause_after_the_first_run_lock.holds_a_run.wait(5)
                and places.move(
                    enrolment_id=moving.pk,
                    to_run_id=second_run.pk,
                    acting=Acting.coordinator(coordinator, provider_id=None),
                )
            ),
        ]
    )
    assert isinstance(results[0], Referral), results
    assert isinstance(results[1], Enrolment), results
    assert Enrolment.objects.get(person=per, status=Enrolment.Status.CONFIRMED).run_id == second_run.pk
    assert Enrolment.objects.get(person=ola.person, status=Enrolment.Status.CONFIRMED).run_id == second_run.pk


# --- the same races over HTTP: a deadlock would be a server error --------------------------------------------


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_over_http_a_coordinator_accepting_while_another_moves_someone_across_the_same_runs_gets_no_error(
    refer, run, coordinator, pause_after_the_first_run_lock
):
    first_run, second_run = run, factories.run(offer=run.offer, capacity=2)
    ola, _ = refer(hold_seat=True, email="ola@example.org", run=first_run)
    per = people(1, "per")[0]
    moving = places.sign_up(run_id=first_run.pk, person=per, acting=Acting.citizen(per))
    accepting, moving_client = signed_in(coordinator), signed_in(coordinator)

    responses = run_together(
        [
            lambda: accepting.post(
                reverse("referrals:accept", kwargs={"public_id": ola.public_id}), {"run": second_run.pk}
            ),
            lambda: (
                pause_after_the_first_run_lock.holds_a_run.wait(5)
                and moving_client.post(
                    reverse("enrolment:participant_move", kwargs={"enrolment_id": moving.pk}),
                    {"move-to_run": second_run.pk},
                )
            ),
        ]
    )
    assert [getattr(r, "status_code", r) for r in responses] == [302, 302]
    assert Enrolment.objects.get(person=per, status=Enrolment.Status.CONFIRMED).run_id == second_run.pk
    ola.refresh_from_db()
    assert ola.status == Referral.Status.ACCEPTED and ola.enrolment.run_id == second_run.pk


def test_over_http_recording_a_result_while_the_person_withdraws_the_referral_gets_no_error(
    refer, run, coordinator, pause_after_the_first_run_lock
):
    """Ola was put on the waiting list through her referral, was offered a freed seat and took it, before a
    referral followed a freed seat: it still says waiting list (open), so withdrawing it gives up her place.
    Recording her result used to lock the run, then write the referral; her withdrawal locks the referral, then
    the run."""
    factories.confirmed(run, 2)
    ola, _ = refer(email="ola@example.org")
    services.accept(referral_id=ola.pk, coordinator=coordinator)
    ola.refresh_from_db()
    assert ola.status == Referral.Status.WAITLISTED
    leaving = Enrolment.objects.filter(run=run, status=Enrolment.Status.CONFIRMED).first()
    places.cancel(enrolment_id=leaving.pk, acting=Acting.system())
    waiting_list.accept_offer(enrolment_id=ola.enrolment_id, acting=Acting.citizen(ola.person))
    Referral.objects.filter(pk=ola.pk).update(status=Referral.Status.WAITLISTED)  # as such a referral was left
    # A result is recorded once the last session has begun: the run is moved to have ended last week.
    Session.objects.filter(run=run).update(
        starts_at=F("starts_at") - dt.timedelta(weeks=8), ends_at=F("ends_at") - dt.timedelta(weeks=8)
    )
    course_services.refresh_run_dates(run_ids=[run.pk])
    staff, person_client = signed_in(coordinator), signed_in(ola.person)

    responses = run_together(
        [
            lambda: staff.post(
                reverse("enrolment:participant_completion", kwargs={"enrolment_id": ola.enrolment_id}),
                {"completed": "1"},
            ),
            lambda: (
                pause_after_the_first_run_lock.holds_a_run.wait(5)
                and person_client.post(
                    reverse("referrals:about_me_answer", kwargs={"public_id": ola.public_id, "action": "withdraw"})
                )
            ),
        ]
    )
    assert [getattr(r, "status_code", r) for r in responses] == [302, 302]
    ola.refresh_from_db()
    assert ola.enrolment.status == Enrolment.Status.COMPLETED
    assert ola.status == Referral.Status.WITHDRAWN and ola.note == ""


# --- the referral follows its enrolment, locked before the run ----------------------------------------------


def test_a_coordinator_cancelling_a_run_while_a_referred_person_withdraws_gets_no_error(
    refer, run, coordinator, pause_after_the_first_run_lock
):
    """Ola waits for a seat through her referral. Cancelling the run now writes her referral too; done after the
    run's lock, it would wait for her withdrawal, which holds the referral and waits for the run."""
    factories.confirmed(run, 2)
    ola, _ = refer(email="ola@example.org")
    services.accept(referral_id=ola.pk, coordinator=coordinator)

    results = run_together(
        [
            lambda: runs.cancel_run(run_id=run.pk, acting=Acting.coordinator(coordinator, provider_id=None)),
            lambda: services.withdraw(referral_id=ola.pk, person=ola.person),
        ]
    )
    assert isinstance(results[0], int) and isinstance(results[1], Referral), results
    ola.refresh_from_db()
    assert ola.status in (Referral.Status.WITHDRAWN, Referral.Status.RUN_CANCELLED)
    assert ola.enrolment.status == Enrolment.Status.CANCELLED


def test_a_referred_person_taking_a_freed_seat_while_withdrawing_the_referral_gets_no_error(
    refer, run, coordinator, pause_after_the_first_run_lock
):
    factories.confirmed(run, 2)
    ola, _ = refer(email="ola@example.org")
    services.accept(referral_id=ola.pk, coordinator=coordinator)
    leaving = Enrolment.objects.filter(run=run, status=Enrolment.Status.CONFIRMED).first()
    places.cancel(enrolment_id=leaving.pk, acting=Acting.system())
    ola.refresh_from_db()
    assert ola.enrolment.status == Enrolment.Status.OFFERED

    results = run_together(
        [
            lambda: waiting_list.accept_offer(enrolment_id=ola.enrolment_id, acting=Acting.citizen(ola.person)),
            lambda: services.withdraw(referral_id=ola.pk, person=ola.person),
        ]
    )
    assert isinstance(results[1], Referral), results
    assert isinstance(results[0], Enrolment) or (
        isinstance(results[0], EnrolmentRefusal) and results[0].code == "not_offered"
    ), results
    ola.refresh_from_db()
    assert ola.status == Referral.Status.WITHDRAWN


def test_a_referral_placed_on_a_run_while_it_is_being_cancelled_says_the_run_was_cancelled(
    refer, run, coordinator, pause_after_the_first_run_lock
):
    """The cancellation reads whose referrals to lock before it locks the run; Ola's accept places her on the
    run in between. Locking her referral after the run could deadlock, so the cancellation starts again, and
    her referral does not go on saying she has a place on a cancelled run."""
    ola, _ = refer(email="ola@example.org")

    results = run_together(
        [
            lambda: services.accept(referral_id=ola.pk, coordinator=coordinator, run_id=run.pk),
            lambda: (
                pause_after_the_first_run_lock.holds_a_run.wait(5)
                and runs.cancel_run(run_id=run.pk, acting=Acting.coordinator(coordinator, provider_id=None))
            ),
        ]
    )
    assert isinstance(results[0], Referral) and results[1] == 1, results
    ola.refresh_from_db()
    assert ola.enrolment.status == Enrolment.Status.CANCELLED
    assert ola.status == Referral.Status.RUN_CANCELLED
