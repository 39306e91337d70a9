"""One definition of taken and free seats (enrolment.seats), and every page and service saying the same numbers."""

import datetime as dt
import json
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from audit.acting import Acting
from courses.models import Run
from enrolment.models import Enrolment, SeatHold
from enrolment.refusals import EnrolmentRefusal, RunFull
from enrolment.seats import Seats, count_seats, seats_of, with_seats
from enrolment.services import places, runs
from tests import factories
from tests.people import member, person

pytestmark = pytest.mark.django_db

Status = Enrolment.Status


def enrol(run, status, email, **fields):
    if status in (Status.OFFERED, Status.HELD):
        fields.setdefault("offer_expires_at", timezone.now() + dt.timedelta(days=2))
    return Enrolment.objects.create(run=run, person=person(email), status=status, **fields)


@pytest.fixture
def run():
    """Seven seats, taken in every way a seat is taken, two waiting, and rows that take no seat.

    participants 3 (2 confirmed, 1 completed) + offered 1 + held for a referral 1 + held for the 2 of last
    semester's participants who have not answered = 7 taken, 0 free; 2 wait; a cancelled place and one who
    stopped take none."""
    offer = factories.offer(title="Vev")
    last_semester = factories.run(offer=offer, capacity=7, first_session=timezone.localdate() - dt.timedelta(days=120))
    run = factories.run(offer=offer, capacity=7, follows=last_semester)
    Run.objects.filter(pk=run.pk).update(continuing_until=timezone.now() + dt.timedelta(days=10))
    run.refresh_from_db()
    returning = enrol(last_semester, Status.COMPLETED, "tilbake@example.org")
    enrol(last_semester, Status.COMPLETED, "fortsetter1@example.org")
    enrol(last_semester, Status.CONFIRMED, "fortsetter2@example.org")
    enrol(last_semester, Status.DROPPED_OUT, "sluttet-i-fjor@example.org")  # not continuing: holds no seat
    Enrolment.objects.create(run=run, person=returning.person, status=Status.CONFIRMED)
    enrol(run, Status.CONFIRMED, "ny@example.org")
    enrol(run, Status.COMPLETED, "ferdig@example.org")
    enrol(run, Status.OFFERED, "tilbudt@example.org")
    enrol(run, Status.HELD, "henvist@example.org", source=Enrolment.Source.REFERRAL)
    enrol(run, Status.WAITLISTED, "venter1@example.org")
    enrol(run, Status.WAITLISTED, "venter2@example.org")
    enrol(run, Status.CANCELLED, "avmeldt@example.org")
    enrol(run, Status.DROPPED_OUT, "sluttet@example.org")
    return run


EXPECTED = Seats(
    capacity=7,
    participants=3,
    offered=1,
    held=1,
    unconfirmed=0,
    continuing=2,
    waiting=2,
    taken=7,
    free=0,
    open_to_walk_ins=False,
)
STAFF_SUMMARY = (
    "3 deltakere · 1 tilbudt en ledig plass · 1 holdt av for en henvisning · 2 holdt av for dem som fortsetter · "
    "0 ledige av 7 · 2 på ventelisten"
)


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_the_count_under_the_lock_and_the_count_of_a_list_of_runs_are_one_definition(run):
    assert count_seats(run) == EXPECTED
    assert seats_of(with_seats(Run.objects.filter(pk=run.pk)).get()) == EXPECTED
    assert seats_of(with_seats(Run.objects.filter(pk=run.pk), now=run.continuing_until).get()).continuing == 0


def test_the_catalogue_and_the_offer_page_say_the_run_is_full(client, run):
    offer_page = client.get(run.offer.get_absolute_url())
    assert "Fullt – venteliste" in text(offer_page)
    assert "ledig plass" not in text(offer_page)
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', offer_page.text, re.S)[1])
    assert data["hasCourseInstance"][0]["remainingAttendeeCapacity"] == 0
    listing = client.get(reverse("catalogue:list"))
    assert "Fullt – venteliste" in text(listing)
    with_free_seats = client.get(reverse("catalogue:list"), {"free_seats": "true"})
    assert "Vev" not in text(with_free_seats)


def test_nobody_new_takes_a_seat_no_referral_holds_one_and_a_coordinator_adds_to_the_waiting_list(run):
    newcomer = person("nykommer@example.org")
    with pytest.raises(EnrolmentRefusal) as refusal:  # the seats are held for those continuing until the deadline
        places.sign_up(run_id=run.pk, person=newcomer, acting=Acting.citizen(newcomer))
    assert refusal.value.code == "continuing_only"
    with pytest.raises(RunFull):
        places.hold_seat(
            run_id=run.pk, person=newcomer, until=timezone.now() + dt.timedelta(days=7), acting=Acting.system()
        )
    assert count_seats(run) == EXPECTED
    added = places.add_by_coordinator(run_id=run.pk, person=newcomer, acting=Acting.system())
    assert added.status == Status.WAITLISTED
    assert count_seats(run).waiting == 3


def test_a_continuing_participant_takes_the_seat_held_for_them(run):
    coming_back = Enrolment.objects.get(person__email="fortsetter1@example.org").person
    enrolment = places.sign_up(run_id=run.pk, person=coming_back, acting=Acting.citizen(coming_back))
    assert enrolment.source == Enrolment.Source.CONTINUING
    seats = count_seats(run)
    assert (seats.participants, seats.continuing, seats.taken, seats.free) == (4, 1, 7, 0)


def test_the_sign_up_page_tells_a_newcomer_the_seats_are_held_until_the_deadline(client, run):
    page = text(client.get(reverse("enrolment:sign_up", kwargs={"run_id": run.pk})))
    assert "Fram til" in page  # seats are held for those continuing: newcomers are told when they may sign up


def test_the_coordinators_pages_show_every_kind_of_taken_seat_and_the_same_numbers(client, run):
    coordinator = person("koordinator@example.org", mfa=True)
    member(coordinator, Role.COORDINATOR, run.offer.provider)
    client.force_login(coordinator)
    for url in (
        reverse("enrolment:dashboard"),
        reverse("enrolment:participants", kwargs={"run_id": run.pk}),
        reverse("enrolment:run_edit", kwargs={"run_id": run.pk}),
    ):
        assert STAFF_SUMMARY in text(client.get(url)), url


def test_a_facilitator_sees_the_participants_and_not_who_is_held_or_waiting(client, run):
    facilitator = person("kursholder@example.org", mfa=True)
    member(facilitator, Role.FACILITATOR, run)
    client.force_login(facilitator)
    for url in (reverse("enrolment:dashboard"), reverse("enrolment:participants", kwargs={"run_id": run.pk})):
        page = text(client.get(url))
        assert "3 deltakere av 7 plasser" in page, url
        assert "holdt av" not in page and "ventelisten" not in page, url


def test_more_seats_go_to_the_waiting_list_and_every_count_follows(run):
    runs.edit_run(run_id=run.pk, fields={"capacity": 9}, acting=Acting.system())
    assert count_seats(run) == Seats(
        capacity=9,
        participants=3,
        offered=3,
        held=1,
        unconfirmed=0,
        continuing=2,
        waiting=0,
        taken=9,
        free=0,
        open_to_walk_ins=False,
    )


def test_once_the_deadline_for_those_continuing_passes_their_seats_are_free(run):
    Run.objects.filter(pk=run.pk).update(continuing_until=timezone.now() - dt.timedelta(minutes=1))
    run.refresh_from_db()
    seats = count_seats(run)
    assert (seats.continuing, seats.taken, seats.free, seats.open_to_walk_ins) == (0, 5, 2, False)  # two wait


def test_a_run_whose_registration_has_closed_says_so_and_not_how_many_seats_are_free(client):
    run = factories.run(offer=factories.offer(title="Keramikk"), capacity=8)
    factories.confirmed(run, 7)
    Run.objects.filter(pk=run.pk).update(
        registration_opens_at=timezone.now() - dt.timedelta(days=30),
        registration_closes_at=timezone.now() - dt.timedelta(days=1),
    )
    for url in (run.offer.get_absolute_url(), reverse("catalogue:list"), reverse("home")):
        page = text(client.get(url))
        assert "Påmeldingen er stengt" in page, url
        assert "ledig plass" not in page, url


def counted_one_by_one(run, now) -> Seats:
    """The rule in enrolment.seats' docstring, counted row by row in Python: the oracle the SQL is held to."""
    rows = list(Enrolment.objects.filter(run=run).values_list("person_id", "status"))
    count = {status: sum(1 for _person, s in rows if s == status) for status in Status.values}
    continuing = 0
    if run.follows_id and run.continuing_until and now < run.continuing_until:
        answered = {person for person, _status in rows}
        before = Enrolment.objects.filter(run_id=run.follows_id, status__in=[Status.CONFIRMED, Status.COMPLETED])
        continuing = sum(1 for person in before.values_list("person_id", flat=True) if person not in answered)
    participants = count[Status.CONFIRMED] + count[Status.COMPLETED]
    unconfirmed = sum(
        1
        for hold in SeatHold.objects.filter(run=run)
        if hold.status == SeatHold.Status.HELD and not hold.waiting_list and hold.expires_at > now
    )
    taken = participants + count[Status.OFFERED] + count[Status.HELD] + unconfirmed + continuing
    free = max(run.capacity - taken, 0)
    waiting = count[Status.WAITLISTED]
    return Seats(
        run.capacity,
        participants,
        count[Status.OFFERED],
        count[Status.HELD],
        unconfirmed,
        continuing,
        waiting,
        taken,
        free,
        free > 0 and waiting == 0,
    )


def test_the_seat_figures_agree_with_counting_rows_one_by_one_in_many_states():
    import random

    rng = random.Random(20261201)
    people = [person(f"p{n}@example.org") for n in range(14)]
    offer = factories.offer()
    now = timezone.now()
    earlier = None
    runs_made = []
    for index in range(40):
        follows = earlier if earlier is not None and rng.random() < 0.6 else None
        window = rng.choice([None, now + dt.timedelta(days=3), now - dt.timedelta(days=3)])
        run = factories.run(offer=offer, capacity=rng.randint(0, 9), follows=follows)
        Run.objects.filter(pk=run.pk).update(continuing_until=window)
        for who in rng.sample(people, rng.randint(0, len(people))):
            status = rng.choice(Status.values)
            expires = now + dt.timedelta(days=1) if status in (Status.OFFERED, Status.HELD) else None
            Enrolment.objects.create(run=run, person=who, status=status, offer_expires_at=expires)
        for _hold in range(rng.randint(0, 3)):
            SeatHold.objects.create(
                run=run,
                email="holdt@example.org",
                channel=SeatHold.Channel.EMAIL,
                status=rng.choice(SeatHold.Status.values),
                waiting_list=rng.random() < 0.3,
                expires_at=now + dt.timedelta(minutes=rng.choice([-5, 20])),
            )
        earlier = run
        runs_made.append(run.pk)
    listed = {run.pk: seats_of(run) for run in with_seats(Run.objects.filter(pk__in=runs_made), now=now)}
    for run in Run.objects.filter(pk__in=runs_made):
        expected = counted_one_by_one(run, now)
        assert count_seats(run, now=now) == expected, run.pk
        assert listed[run.pk] == expected, run.pk
    assert len({seats.continuing > 0 for seats in listed.values()}) == 2  # the states include held seats and none
    assert len({seats.taken > seats.capacity for seats in listed.values()}) == 2  # and runs set up to hold too many
