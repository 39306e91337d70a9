"""How many seats a run has, and who takes them: the one definition, counted from enrolment rows, never stored.

A seat is taken by

* a participant (confirmed, or completed);
* a freed seat offered to the next in line, until it is answered (offered);
* a seat held for a referral while the provider answers it (held);
* a seat held for a sign-up without an account until it is confirmed from the address it names, for half an hour
  (unconfirmed; enrolment.models.SeatHold);
* until the run's ``continuing_until``, each participant of the run it follows who has not answered yet
  (continuing: they have no enrolment on this run, in any status; signing up takes the seat, giving it up
  frees it).

Free seats are the capacity less the seats taken, never below 0. Someone new takes a free seat only while nobody
waits for one (``open_to_walk_ins``): a freed seat goes to the waiting list first.

Every figure is counted by one SQL expression (``SeatFigures``), in one pass over the enrolments of the run and
of the run it follows. The catalogue, the offer page, the coordinator's pages and every service that can take a
seat read it: through ``with_seats`` (a queryset of runs, each with ``seats``) or ``count_seats`` (one run,
after its lock: a new statement, so it sees every seat a transaction that held the lock before took).
"""

from dataclasses import dataclass

from django.contrib.postgres.fields import ArrayField
from django.db import connection
from django.db.models import F, Func, IntegerField, Q, QuerySet
from django.utils import timezone

from courses.models import Run
from enrolment.models import Enrolment, SeatHold

Status = Enrolment.Status

PARTICIPATING = [Status.CONFIRMED, Status.COMPLETED]


@dataclass(frozen=True)
class Seats:
    """A run's seats as ``SeatFigures`` counts them."""

    capacity: int
    participants: int  # confirmed or completed
    offered: int  # freed seats offered, not answered yet
    held: int  # held for referrals
    unconfirmed: int  # held for sign-ups without an account until they are confirmed
    continuing: int  # held for participants of the run before, until they answer or the deadline passes
    waiting: int  # on the waiting list
    taken: int  # participants + offered + held + unconfirmed + continuing
    free: int  # capacity - taken, never below 0
    open_to_walk_ins: bool  # a free seat that nobody on the waiting list is in line for

    @property
    def room_for_continuing(self) -> bool:
        """A seat held for a continuing participant is theirs to take while the others with a place leave room (a
        run set up to hold more seats than it has never seats more people than its capacity)."""
        return self.taken - self.continuing < self.capacity


def _figures_sql(*, run: str, follows: str, capacity: str, until: str, now) -> tuple[str, list]:
    """The figures of ``Seats`` after the capacity, in its order, as one SQL array, for the run whose id, ``follows``
    id, capacity and ``continuing_until`` are the columns named; every figure from one pass over the enrolments of
    the run and of the run it follows."""
    table, holds = Enrolment._meta.db_table, SeatHold._meta.db_table
    person, run_id = Enrolment._meta.get_field("person").column, Enrolment._meta.get_field("run").column
    taken = "(p + o + h + u + c)"
    free = f"GREATEST({capacity} - {taken}, 0)"
    # Only column references and the model's own table and column names are written into the text; every value
    # is a parameter.
    sql = (
        f"(SELECT ARRAY[p, o, h, u, c, w, {taken}, {free}, ({free} > 0 AND w = 0)::int] FROM (SELECT "  # noqa: S608
        f"count(*) FILTER (WHERE e.{run_id} = {run} AND e.status = ANY(%s)) AS p, "
        f"count(*) FILTER (WHERE e.{run_id} = {run} AND e.status = %s) AS o, "
        f"count(*) FILTER (WHERE e.{run_id} = {run} AND e.status = %s) AS h, "
        f"count(*) FILTER (WHERE e.{run_id} = {follows} AND {until} > %s AND e.status = ANY(%s) "
        f"AND NOT EXISTS (SELECT 1 FROM {table} a WHERE a.{run_id} = {run} AND a.{person} = e.{person})) AS c, "
        f"count(*) FILTER (WHERE e.{run_id} = {run} AND e.status = %s) AS w, "
        f"(SELECT count(*) FROM {holds} s WHERE s.{run_id} = {run} AND s.status = %s AND NOT s.waiting_list "
        f"AND s.expires_at > %s) AS u "
        f"FROM {table} e WHERE e.{run_id} = {run} OR e.{run_id} = {follows}) AS seat_counts)"
    )
    participating = [status.value for status in PARTICIPATING]
    params = [participating, Status.OFFERED.value, Status.HELD.value, now, participating, Status.WAITLISTED.value]
    return sql, [*params, SeatHold.Status.HELD.value, now]


class SeatFigures(Func):
    """``_figures_sql`` for each run of a queryset, as an expression the ORM can annotate and filter on.

    Written out in SQL: the ORM would count each figure in a subquery of its own and repeat those inside every
    figure made from them (twelve subqueries, 17 ms to build for one run; bench/README.md).
    """

    output_field = ArrayField(IntegerField())

    def __init__(self, *, now):
        super().__init__(F("pk"), F("follows"), F("capacity"), F("continuing_until"))
        self.now = now

    def as_sql(self, compiler, connection, **extra_context):
        run, follows, capacity, until = (compiler.compile(expression)[0] for expression in self.source_expressions)
        return _figures_sql(run=run, follows=follows, capacity=capacity, until=until, now=self.now)


# For a queryset ``with_seats``: runs with a seat someone new may take now (Seats.open_to_walk_ins, the last figure).
OPEN_TO_WALK_INS = Q(seat_figures__8=1)


def with_seats(runs: QuerySet[Run], *, now=None) -> QuerySet[Run]:
    """The runs, each annotated with ``seat_figures`` (read them with ``seats_of``; filter with OPEN_TO_WALK_INS)."""
    return runs.annotate(seat_figures=SeatFigures(now=now or timezone.now()))


def seats_of(run: Run) -> Seats:
    """The seats of a run read through ``with_seats``."""
    *counts, open_to_walk_ins = run.seat_figures
    return Seats(run.capacity, *counts, bool(open_to_walk_ins))


def read_seats(runs) -> list[Run]:
    """The runs of a queryset ``with_seats``, each with its ``seats`` (a Seats) for a page to show."""
    runs = list(runs)
    for run in runs:
        run.seats = seats_of(run)
    return runs


def count_seats(run: Run, *, now=None) -> Seats:
    """The run's seats now, in a statement of its own (after the run's lock, as every service takes it), written
    from the same SQL as ``SeatFigures`` without the ORM building a query around it (a sixth of a sign-up's time)."""
    figures, params = _figures_sql(
        run="r.id", follows="r.follows_id", capacity="r.capacity", until="r.continuing_until", now=now or timezone.now()
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT r.capacity, {figures} FROM {Run._meta.db_table} r WHERE r.id = %s", [*params, run.pk])  # noqa: S608
        capacity, (*counts, open_to_walk_ins) = cursor.fetchone()
    return Seats(capacity, *counts, bool(open_to_walk_ins))


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
