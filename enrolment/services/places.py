"""A person's place on a run: signing up, the waiting list, leaving, being added, moved or placed by a referral.

Every service here locks as enrolment/services/locks.py describes: the person, what follows their enrolments,
then the runs; then it checks the rules (enrolment.eligibility) and the seats (enrolment.seats), and only then
writes.
"""

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.people import add_missing_birth_date, create_citizen, find_citizen, lock_person
from audit.acting import Acting
from audit.actions import Action
from audit.services import record_change
from courses.models import Run, Session
from enrolment import eligibility, following, tasks
from enrolment.models import Enrolment
from enrolment.refusals import EnrolmentRefusal, RunFull
from enrolment.seats import continuing_seat_held_for, count_seats
from enrolment.services import changes, locks
from enrolment.services.waiting_list import offer_free_seats

Status = Enrolment.Status
Source = Enrolment.Source


# --- the person's own ----------------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def sign_up(*, run_id: int, person, acting: Acting, wants_reminders: bool = False, now=None) -> Enrolment:
    """The person's own seat on a run with a public sign-up page (Run.DoesNotExist for any other run). Raises
    RunFull when there is none to take (then offer the waiting list)."""
    now = now or timezone.now()
    lock_person(user=person)
    run = locks.lock_public_run(run_id)
    with locks.refusals_carry(run):
        eligibility.check(run, person, source=Source.SELF, now=now)
        source = _take_seat(run, person, now=now)
    return changes.place(run, person, Status.CONFIRMED, source=source, acting=acting, wants_reminders=wants_reminders)


@transaction.atomic(durable=True)
def join_waiting_list(*, run_id: int, person, acting: Acting, now=None) -> Enrolment:
    """The person's own place on the waiting list of a run with a public sign-up page."""
    now = now or timezone.now()
    lock_person(user=person)
    run = locks.lock_public_run(run_id)
    with locks.refusals_carry(run):
        eligibility.check(run, person, source=Source.SELF, now=now)
        check_seat_for_newcomer(run, waiting_list=True, now=now)
    return changes.place(run, person, Status.WAITLISTED, source=Source.SELF, acting=acting)


def _take_seat(run: Run, person, *, now) -> str:
    """Raises RunFull unless a seat is free for walk-ins or held for this person (continuing from the
    previous run); returns the source the seat is taken with."""
    if continuing_seat_held_for(run, person, now=now):
        if not count_seats(run, now=now).room_for_continuing:
            raise RunFull()
        return Source.CONTINUING
    check_seat_for_newcomer(run, waiting_list=False, now=now)
    return Source.SELF


def check_seat_for_newcomer(run: Run, *, waiting_list: bool, now) -> None:
    """A seat is for when one is free and nobody waits (RunFull otherwise); the waiting list is for full runs."""
    seats = count_seats(run, now=now)
    if waiting_list and seats.open_to_walk_ins:
        raise EnrolmentRefusal(_("Det er ledige plasser, så du kan melde deg på med en gang."), code="seats_free")
    if not waiting_list and not seats.open_to_walk_ins:
        raise RunFull()


@transaction.atomic(durable=True)
def cancel(*, enrolment_id: int, acting: Acting, reason: str = "cancelled", now=None) -> Enrolment:
    """Leave a run or its waiting list (no reason asked). A freed seat goes to the next in line."""
    now = now or timezone.now()
    locked = following.lock(enrolment_id)
    enrolment, run = locks.lock_enrolment(enrolment_id)
    if not enrolment.is_active:
        raise EnrolmentRefusal(_("Du er allerede meldt av."), code="not_active")
    changes.end(enrolment, acting=acting, reason=reason)
    following.follow(locked, enrolment, acting=acting, reason=reason)
    tasks.email_after_commit(enrolment, "cancelled")
    offer_free_seats(run, now=now)
    return enrolment


@transaction.atomic(durable=True)
def set_reminders(*, enrolment_id: int, wants: bool, acting: Acting) -> Enrolment:
    """An e-mail the day before each session (tasks.send_session_reminder), on or off, while the person is on
    the run or its waiting list. Seats are not touched, so no run is locked; only this one field is written."""
    enrolment = Enrolment.objects.select_related("person").get(pk=enrolment_id)
    if not enrolment.is_active:
        raise EnrolmentRefusal(_("Du er allerede meldt av."), code="not_active")
    if enrolment.wants_reminders != wants:
        enrolment.wants_reminders = wants
        enrolment.save(update_fields=["wants_reminders", "updated_at"])
        record_change(
            acting=acting,
            action=Action.ENROLMENT_REMINDERS_ON if wants else Action.ENROLMENT_REMINDERS_OFF,
            subject=enrolment.person,
            obj=enrolment,
        )
    return enrolment


def enrolments_of(person) -> list[tuple[Enrolment, tuple[int, int] | None]]:
    """Min side's list: each enrolment, with (place, of how many) for those on a waiting list, and its run's
    sessions that have not ended (run.upcoming_sessions)."""
    upcoming = Session.objects.filter(ends_at__gte=timezone.now()).select_related("location").order_by("starts_at")
    rows = []
    for enrolment in (
        Enrolment.objects.filter(person=person)
        .select_related("run__offer", "run__semester")
        .prefetch_related(Prefetch("run__sessions", queryset=upcoming, to_attr="upcoming_sessions"))
        .order_by("-created_at")
    ):
        place = Enrolment.objects.waiting_position(enrolment) if enrolment.status == Status.WAITLISTED else None
        rows.append((enrolment, place))
    return rows


# --- the coordinator's -------------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def add_by_coordinator(
    *, run_id: int, person: User | None = None, new_person: dict | None = None, acting: Acting, now=None
) -> Enrolment:
    """A coordinator adds someone (after a phone call): ``person``, or the person a form describes (``new_person``:
    name, email, phone, birth_date, language), found by their address or created, in this same transaction, so
    a refusal leaves no new account behind. The waiting list is still respected: with nobody's seat free, the
    person waits."""
    now = now or timezone.now()
    if person is None:
        lock_person(email=new_person["email"], phone=new_person["phone"])
        run = locks.lock_run(run_id)
        person = find_citizen(email=new_person["email"], phone=new_person["phone"])
        stand_in = person or User(birth_date=new_person["birth_date"])
    else:
        lock_person(user=person)
        run = locks.lock_run(run_id)
        stand_in = person
    eligibility.check(run, stand_in, source=Source.COORDINATOR, now=now)
    if person is None:
        person = create_citizen(**new_person)
    elif person.birth_date is None and new_person and new_person.get("birth_date"):
        add_missing_birth_date(user=person, birth_date=new_person["birth_date"])
    seats = count_seats(run, now=now)
    held = continuing_seat_held_for(run, person, now=now) and seats.room_for_continuing
    status = Status.CONFIRMED if held or seats.open_to_walk_ins else Status.WAITLISTED
    return changes.place(run, person, status, source=Source.COORDINATOR, acting=acting)


@transaction.atomic(durable=True)
def move(*, enrolment_id: int, to_run_id: int, acting: Acting, now=None) -> Enrolment:
    """Move a participant to another run of the same provider, keeping how they came. What followed them there
    (the referral they came through) follows them to the new run."""
    now = now or timezone.now()
    enrolment = Enrolment.objects.select_related("person").get(pk=enrolment_id)
    lock_person(user=enrolment.person)  # it enrols the person on the other run
    locked = following.lock(enrolment_id)
    runs = locks.lock_runs(enrolment.run_id, to_run_id)
    source_run, target = runs[enrolment.run_id], runs[to_run_id]
    enrolment.refresh_from_db()
    if target.offer.provider_id != source_run.offer.provider_id:
        raise EnrolmentRefusal(_("Du kan bare flytte til en annen gjennomføring hos samme tilbyder."), code="provider")
    if not enrolment.is_active:
        raise EnrolmentRefusal(_("Personen er ikke lenger påmeldt."), code="not_active")
    if enrolment.status == Status.HELD:
        # A held seat becomes a place only by answering the referral, which can place the person on any run.
        raise EnrolmentRefusal(
            _("Plassen er holdt av for en henvisning. Svar på henvisningen for å gi personen plass."), code="held"
        )
    if Enrolment.objects.filter(run=target, person=enrolment.person).active().exists():
        raise EnrolmentRefusal(_("Personen er allerede påmeldt den andre gjennomføringen."), code="already")
    if target.status != Run.Status.PUBLISHED:
        raise EnrolmentRefusal(_("Den andre gjennomføringen er ikke åpen."), code="not_published")
    if not count_seats(target, now=now).open_to_walk_ins:
        raise EnrolmentRefusal(_("Det er ingen ledig plass på den andre gjennomføringen."), code="full")
    changes.end(enrolment, acting=acting, reason=f"moved_to_run_{target.pk}")
    moved = Enrolment.objects.create(
        run=target,
        person=enrolment.person,
        status=Status.CONFIRMED,
        source=enrolment.source,
        wants_reminders=enrolment.wants_reminders,
    )
    record_change(
        acting=acting,
        action=Action.ENROLMENT_MOVED,
        subject=enrolment.person,
        obj=moved,
        detail={"from_run": source_run.pk, "to_run": target.pk},
    )
    following.follow(locked, enrolment, acting=acting, reason="moved", moved_to=moved)
    tasks.email_after_commit(moved, "confirmed")
    offer_free_seats(source_run, now=now)
    return moved


# --- for referrals, inside the referral service's own transaction ---------------------------------------------


def hold_seat(*, run_id: int, person, until, acting: Acting, now=None) -> Enrolment:
    """Hold a seat for a referred person until a deadline. Raises RunFull if there is none to hold, before any rule
    about the person is asked (the referral tells the health worker the one, never the other)."""
    now = now or timezone.now()
    lock_person(user=person)
    run = locks.lock_run(run_id)
    if not count_seats(run, now=now).open_to_walk_ins:
        raise RunFull()
    eligibility.check(run, person, source=Source.REFERRAL, now=now)
    return changes.create(
        run,
        person,
        Status.HELD,
        source=Source.REFERRAL,
        acting=acting,
        expires_at=until,
        detail={"until": until.isoformat()},
    )


def place_from_referral(*, run_id: int, person, acting: Acting, held: Enrolment | None = None, now=None) -> Enrolment:
    """A coordinator accepts a referral: the held seat becomes a place, or a free seat is taken, or the person
    joins the waiting list. A seat or place the referral had on another run (`held`) is then given up, to the
    next in line there: both runs are locked at once."""
    now = now or timezone.now()
    lock_person(user=person)
    runs = locks.lock_runs(run_id, *([held.run_id] if held is not None else []))
    run = runs[run_id]
    if held is not None:
        held.refresh_from_db()
        if held.status == Status.HELD and held.run_id == run.pk:
            changes.change(held, Status.CONFIRMED, acting=acting, reason="referral_accepted", offer_expires_at=None)
            tasks.email_after_commit(held, "confirmed")
            return held
    eligibility.check(run, person, source=Source.REFERRAL, now=now)
    status = Status.CONFIRMED if count_seats(run, now=now).open_to_walk_ins else Status.WAITLISTED
    enrolment = changes.place(run, person, status, source=Source.REFERRAL, acting=acting)
    if held is not None and held.is_active:
        changes.end(held, acting=acting, reason="referral_placed")
        offer_free_seats(runs[held.run_id], now=now)
    return enrolment


def release(*, enrolment_id: int, acting: Acting, reason: str, now=None) -> None:
    """Give up a referral's seat or place (withdrawn, declined): it goes to the next in line."""
    now = now or timezone.now()
    enrolment, run = locks.lock_enrolment(enrolment_id)
    if enrolment.is_active:
        changes.end(enrolment, acting=acting, reason=reason)
        offer_free_seats(run, now=now)


# --- for deleting an account (mypage.services.delete_account) ------------------------------------------------


def cancel_all_for_person(*, person, acting: Acting) -> int:
    """Cancel every active enrolment of a person (their account is being deleted).

    Runs inside the caller's transaction, which holds the person's lock, so no enrolment of theirs can start
    meanwhile (nor be placed by a referral); what follows their enrolments is locked (delete_account has locked
    the referrals already), then their runs together, and the enrolments read again under the locks (one may
    have ended while we waited). Freed seats go to the waiting lists.
    """
    ids_and_runs = list(Enrolment.objects.filter(person=person).active().values_list("pk", "run_id"))
    locked = following.lock(*(pk for pk, _run_id in ids_and_runs))
    runs = locks.lock_runs(*(run_id for _pk, run_id in ids_and_runs)) if ids_and_runs else {}
    active = list(Enrolment.objects.filter(person=person, run_id__in=runs).active())
    now = timezone.now()
    for enrolment in active:
        enrolment.run = runs[enrolment.run_id]
        changes.end(enrolment, acting=acting, reason="account_deleted")
        following.follow(locked, enrolment, acting=acting, reason="account_deleted")
    for run in runs.values():
        offer_free_seats(run, now=now)
    return len(active)
