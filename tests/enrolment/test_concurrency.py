"""Races against real PostgreSQL: threads with their own connections, started together by a barrier.

The control test at the end removes the lock and shows that the same race then overbooks,
so a green run here means the lock works, not that no race happened.
"""

import datetime as dt
import threading
import time

import pytest
from django.db import connection

from accounts.models import User
from audit.acting import Acting
from courses.models import Run
from enrolment.models import Enrolment, SeatHold
from enrolment.refusals import EnrolmentRefusal, RunFull
from enrolment.seats import count_seats
from enrolment.services import holds, locks, places, runs, semesters, waiting_list
from tests import factories
from tests.people import person

pytestmark = pytest.mark.django_db(transaction=True)
Status = Enrolment.Status


def run_together(functions, timeout=60):
    barrier = threading.Barrier(len(functions))
    results = [None] * len(functions)

    def worker(index, function):
        try:
            barrier.wait(timeout=timeout)
            results[index] = function()
        except Exception as error:
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, f)) for i, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    return results


def people(count, prefix):
    return [person(f"{prefix}{n}@example.org", birth_date=dt.date(1990, 1, 1)) for n in range(count)]


def acting(who):
    return Acting.citizen(who)


def holding(run):
    return Enrolment.objects.filter(run=run).holding_seats().count()


def sign_up_call(run, who):
    return lambda: places.sign_up(run_id=run.pk, person=who, acting=acting(who))


def test_simultaneous_sign_ups_never_overbook():
    run = factories.run(offer=factories.offer(), capacity=5)
    crowd = people(20, "crowd")
    results = run_together([sign_up_call(run, who) for who in crowd])
    assert sum(isinstance(r, Enrolment) for r in results) == 5
    assert all(isinstance(r, RunFull) for r in results if not isinstance(r, Enrolment))
    assert holding(run) == 5


def test_the_same_person_clicking_twice_gets_one_place():
    run = factories.run(offer=factories.offer(), capacity=5)
    who = people(1, "double")[0]
    results = run_together([sign_up_call(run, who) for _ in range(6)])
    assert sum(isinstance(r, Enrolment) for r in results) == 1
    assert Enrolment.objects.filter(run=run, person=who).active().count() == 1


def hold_call(run, email, *, client="192.0.2.1", **fields):
    return lambda: holds.hold_for_sign_up(
        run_id=run.pk, name="Ny", email=email, phone="", birth_date=None, language="nb", client=client, **fields
    )


def test_someone_new_clicking_twice_holds_one_seat():
    run = factories.run(offer=factories.offer(), capacity=5)
    results = run_together([hold_call(run, "ny@example.org") for _ in range(4)])
    assert {type(r) for r in results} == {SeatHold}, results
    assert len({r.pk for r in results}) == 1
    assert count_seats(run).unconfirmed == 1


def test_simultaneous_newcomers_never_overbook_and_nobody_is_made_before_they_confirm():
    run = factories.run(offer=factories.offer(), capacity=3)
    results = run_together([hold_call(run, f"ny{n}@example.org", client=f"192.0.2.{n}") for n in range(12)])
    assert sum(isinstance(r, SeatHold) for r in results) == 3
    assert all(isinstance(r, RunFull) for r in results if not isinstance(r, SeatHold)), results
    assert count_seats(run).taken == 3
    assert not User.objects.filter(email__startswith="ny").exists()
    confirmed = run_together(
        [(lambda h=h: holds.confirm_hold(hold_id=h.pk)) for h in results if isinstance(h, SeatHold)]
    )
    assert all(isinstance(r, Enrolment) for r in confirmed), confirmed
    assert holding(run) == 3 and count_seats(run).taken == 3
    assert User.objects.filter(email__startswith="ny").count() == 3


def test_cancellations_racing_sign_ups_never_overbook_and_never_skip_the_waiting_list():
    run = factories.run(offer=factories.offer(), capacity=4)
    seated = people(4, "seated")
    for who in seated:
        places.sign_up(run_id=run.pk, person=who, acting=acting(who))
    waiting = people(3, "waiting")
    for who in waiting:
        places.join_waiting_list(run_id=run.pk, person=who, acting=acting(who))
    walk_ins = people(10, "walkin")
    cancels = [
        (lambda e=e: places.cancel(enrolment_id=e.pk, acting=acting(e.person)))
        for e in Enrolment.objects.filter(run=run, status=Status.CONFIRMED)[:3]
    ]
    run_together(cancels + [sign_up_call(run, who) for who in walk_ins])
    assert holding(run) <= 4
    # the three freed seats went to the three who waited, never to a walk-in
    assert Enrolment.objects.filter(run=run, person__in=waiting, status=Status.OFFERED).count() == 3
    assert not Enrolment.objects.filter(run=run, person__in=walk_ins).holding_seats().exists()


def test_accepting_offers_racing_sign_ups_never_overbook():
    run = factories.run(offer=factories.offer(), capacity=2)
    first, second = people(2, "first")
    places.sign_up(run_id=run.pk, person=first, acting=acting(first))
    places.sign_up(run_id=run.pk, person=second, acting=acting(second))
    waiter = people(1, "waiter")[0]
    offered = places.join_waiting_list(run_id=run.pk, person=waiter, acting=acting(waiter))
    places.cancel(enrolment_id=Enrolment.objects.get(person=first).pk, acting=acting(first))
    walk_ins = people(8, "late")
    run_together(
        [lambda: waiting_list.accept_offer(enrolment_id=offered.pk, acting=acting(waiter))]
        + [sign_up_call(run, who) for who in walk_ins]
    )
    offered.refresh_from_db()
    assert offered.status == Status.CONFIRMED
    assert holding(run) == 2


def test_lowering_capacity_racing_sign_ups_never_leaves_more_seated_than_seats():
    run = factories.run(offer=factories.offer(), capacity=10)
    crowd = people(12, "shrink")
    shrink = [lambda: runs.edit_run(run_id=run.pk, fields={"capacity": 3}, acting=Acting.system())]
    results = run_together(shrink + [sign_up_call(run, who) for who in crowd])
    run.refresh_from_db()
    assert holding(run) <= run.capacity
    if isinstance(results[0], EnrolmentRefusal):  # the sign-ups won: capacity stayed
        assert run.capacity == 10
    else:
        assert run.capacity == 3


def test_control_without_the_lock_the_same_race_overbooks(monkeypatch):
    """Proves the tests above would catch an unlocked version."""
    run = factories.run(offer=factories.offer(), capacity=3)
    crowd = people(12, "control")

    def no_lock(*run_ids, public=False):
        runs = (Run.objects.public() if public else Run.objects.all()).select_related("offer__provider", "semester")
        return {r.pk: r for r in runs.filter(pk__in=run_ids)}

    real_count = count_seats

    def slow_count(run_, **kwargs):
        seats = real_count(run_, **kwargs)
        time.sleep(0.2)  # widen the window between counting and writing
        return seats

    monkeypatch.setattr(locks, "lock_runs", no_lock)
    monkeypatch.setattr(places, "count_seats", slow_count)
    run_together([sign_up_call(run, who) for who in crowd])
    assert holding(run) > run.capacity


def test_someone_new_confirming_seats_on_several_runs_at_once_gets_one_account():
    """Each confirmation finds nobody with the address and makes the person: without the person's lock all but one
    failed on the unique e-mail (a server error). With it the later ones find the first one's account; those
    confirm signed in (as the e-mail to an address with an account asks), here as the person."""
    runs = [factories.run(offer=factories.offer(), capacity=5) for _ in range(4)]
    held = [hold_call(run, "Samtidig@example.org")() for run in runs]
    results = run_together([(lambda h=h: holds.confirm_hold(hold_id=h.pk)) for h in held])
    assert not [r for r in results if not isinstance(r, Enrolment | EnrolmentRefusal)], results
    assert User.objects.filter(email__iexact="samtidig@example.org").count() == 1
    person = User.objects.get(email__iexact="samtidig@example.org")
    assert all(r.code == "sign_in" for r in results if isinstance(r, EnrolmentRefusal))
    for hold in held:
        if not Enrolment.objects.filter(run_id=hold.run_id, person=person).exists():
            holds.confirm_hold(hold_id=hold.pk, user=person)
    assert Enrolment.objects.filter(person=person).count() == 4


def test_one_client_holding_seats_with_made_up_addresses_stops_at_the_limit_and_others_go_on(settings):
    settings.SEAT_HOLDS_PER_CLIENT_PER_HOUR = 5
    run = factories.run(offer=factories.offer(), capacity=100)
    results = run_together([hold_call(run, f"oppdiktet{n}@example.org") for n in range(15)])
    assert sum(isinstance(r, SeatHold) for r in results) == 5
    assert {r.code for r in results if isinstance(r, EnrolmentRefusal)} == {"too_many_holds"}
    assert isinstance(hold_call(run, "naboen@example.org", client="198.51.100.7")(), SeatHold)
    assert count_seats(run).unconfirmed == 6


def test_the_limit_per_semester_holds_when_one_person_signs_up_to_several_runs_at_once():
    provider = factories.provider(max_active_per_semester=1)
    semester = factories.semester()
    runs = [factories.run(offer=factories.offer(provider=provider), semester_=semester) for _ in range(4)]
    who = people(1, "limit")[0]
    results = run_together([sign_up_call(run, who) for run in runs])
    assert sum(isinstance(r, Enrolment) for r in results) == 1
    assert all(r.code == "limit" for r in results if not isinstance(r, Enrolment)), results
    assert Enrolment.objects.filter(person=who).active().count() == 1


def test_a_semester_copied_twice_at_once_is_copied_once():
    provider = factories.provider()
    source = factories.semester(starts_on=dt.date(2027, 1, 11), ends_on=dt.date(2027, 6, 18))
    target = factories.semester(starts_on=dt.date(2027, 8, 17), ends_on=dt.date(2027, 12, 18))
    for _ in range(3):
        factories.run(
            offer=factories.offer(provider=provider), semester_=source, first_session=dt.date(2027, 1, 12), sessions=4
        )

    def copy():
        return semesters.copy_semester(provider=provider, source=source, target=target, acting=Acting.system())

    results = run_together([copy, copy])
    assert sorted(len(result) for result in results) == [0, 3]
    assert Run.objects.filter(semester=target).count() == 3
