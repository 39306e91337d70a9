"""How many seats a run has, and who takes them: the one definition, counted from enrolment rows, never stored.

A seat is taken by

* a participant (confirmed, or completed);
* a freed seat offered to the next in line, until it is answered (offered);
* a seat held for a referral while the provider answers it (held);
* until the run's ``continuing_until``, each participant of the run it follows who has not answered yet
  (continuing: they have no enrolment on this run, in any status; signing up takes the seat, giving it up
  frees it).

Free seats are the capacity less the seats taken, never below 0. Someone new takes a free seat only while nobody
waits for one (``Seats.open_to_walk_ins``): a freed seat goes to the waiting list first.

The catalogue, the offer page, the coordinator's pages and every service that can take a seat read the seats
through ``with_seats`` (a queryset of runs) or ``count_seats`` (one run, after its lock: a new statement, so it
sees every seat taken by a transaction that held the lock before).
"""

from dataclasses import dataclass

from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from courses.models import Run
from enrolment.models import Enrolment

Status = Enrolment.Status

PARTICIPATING = [Status.CONFIRMED, Status.COMPLETED]


@dataclass(frozen=True)
class Seats:
    """A run's seats as ``with_seats`` counts them (every figure comes from that one query)."""

    capacity: int
    participants: int  # confirmed or completed
    offered: int  # freed seats offered, not answered yet
    held: int  # held for referrals
    continuing: int  # held for participants of the run before, until they answer or the deadline passes
    waiting: int  # on the waiting list
    taken: int
    free: int
    open_to_walk_ins: bool  # a free seat that nobody on the waiting list is in line for


def _count(enrolments) -> Coalesce:
    return Coalesce(
        Subquery(enrolments.order_by().values("run").annotate(n=Count("pk")).values("n"), output_field=IntegerField()),
        Value(0),
    )


def _of_run(statuses) -> Coalesce:
    return _count(Enrolment.objects.filter(run=OuterRef("pk"), status__in=statuses))


def _continuing(now) -> Case:
    """Participants of the run this one follows with no enrolment on this one, while their seats are held."""
    answered = Enrolment.objects.filter(run=OuterRef(OuterRef("pk")), person=OuterRef("person"))
    unanswered = Enrolment.objects.filter(run=OuterRef("follows"), status__in=PARTICIPATING).filter(~Exists(answered))
    return Case(
        When(follows__isnull=False, continuing_until__gt=now, then=_count(unanswered)),
        default=Value(0),
        output_field=IntegerField(),
    )


_ANNOTATIONS = (
    "seats_participants",
    "seats_offered",
    "seats_held",
    "seats_continuing",
    "waiting",
    "seats_taken",
    "seats_free",
    "open_to_walk_ins",
)


def with_seats(runs: QuerySet[Run], *, now=None) -> QuerySet[Run]:
    """The runs, each annotated with its seats: ``seats_participants``, ``seats_offered``, ``seats_held``,
    ``seats_continuing``, ``waiting``, and from them ``seats_taken``, ``seats_free`` and ``open_to_walk_ins``
    (a free seat nobody on the waiting list is in line for), which pages show and queries may filter on;
    ``seats_of`` reads them as one ``Seats``."""
    now = now or timezone.now()
    return (
        runs.annotate(
            seats_participants=_of_run(PARTICIPATING),
            seats_offered=_of_run([Status.OFFERED]),
            seats_held=_of_run([Status.HELD]),
            seats_continuing=_continuing(now),
            waiting=_of_run([Status.WAITLISTED]),
        )
        .annotate(seats_taken=F("seats_participants") + F("seats_offered") + F("seats_held") + F("seats_continuing"))
        .annotate(seats_free=Greatest(F("capacity") - F("seats_taken"), Value(0)))
        .annotate(open_to_walk_ins=ExpressionWrapper(Q(seats_free__gt=0, waiting=0), output_field=BooleanField()))
    )


def seats_of(run: Run) -> Seats:
    """The seats of a run read through ``with_seats``."""
    return Seats(run.capacity, *(getattr(run, name) for name in _ANNOTATIONS))


def count_seats(run: Run, *, now=None) -> Seats:
    """The run's seats now, in a query of their own (after the run's lock, as every service takes it)."""
    return Seats(*with_seats(Run.objects.filter(pk=run.pk), now=now).values_list("capacity", *_ANNOTATIONS).get())


def is_continuing(run: Run, person) -> bool:
    """Whether the person took part in the run this one follows (someone not stored yet never did)."""
    return (
        bool(run.follows_id)
        and person.pk is not None
        and Enrolment.objects.filter(run_id=run.follows_id, person=person, status__in=PARTICIPATING).exists()
    )


def continuing_seat_held_for(run: Run, person, *, now) -> bool:
    """Whether one of the run's continuing seats (as counted above) is held for this person."""
    return (
        run.continuing_window_open_at(now)
        and is_continuing(run, person)
        and not Enrolment.objects.filter(run=run, person=person).exists()
    )
