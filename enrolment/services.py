"""Every change to who has a seat. One locking discipline, as in pretix:

* Anything that can use up a seat runs in one durable transaction and locks the run row (``_lock_runs``)
  before it counts.
* Locks are taken in one order, all those of a kind at once, before what they protect is read. A
  transaction may skip a step but never go back to an earlier one: one that held a run and then wanted a
  referral, or held one run and then wanted another, could wait for a transaction that waits for it (a
  deadlock: PostgreSQL ends one of them, and its request fails with a server error).
  1. The person (``accounts.services.lock_person``), by whatever looks up, creates, enrols or deletes a
     person, so that the same person signing up to two runs at once is looked up, created and counted
     against the provider's limit per semester one request at a time. Then, by what changes the account
     itself, the person's account row, for no-key update: every row written about the person (enrolment,
     referral, audit) share-locks it and must not have to wait for it.
  2. Referral rows (``referrals.services``), several in id order. A referral follows the enrolment it led to
     (``referrals.services.follow_enrolment``), so whatever changes an enrolment locks the referral it came
     from here, before the run (``_lock_referrals``), even when it turns out to need no change.
  3. Every run the transaction will touch, in one ``_lock_runs`` call (id order): placing a referral on one
     run and giving up its seat on another locks both at once.
  Enrolments are read again once their run is locked: their status changes only under it.
* Seats are counted from enrolment rows, never stored: free = capacity - seat-holding enrolments
  - seats held for continuing participants.
* Freeing a seat offers it to the first on the waiting list (priority, then time) in the same
  transaction; a walk-in never takes a seat while someone waits or an offer is pending.
* E-mail and scheduled follow-ups are enqueued after commit.
Refusals are ``EnrolmentRefusal`` exceptions carrying a message for the person.
"""

import datetime as dt
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import acting_self, create_citizen, find_citizen, lock_person
from audit.services import Acting, record_change
from courses import services as course_services
from courses.calendar import SessionEvent
from courses.models import Offer, Run, Session
from enrolment import tasks
from enrolment.models import Attendance, Enrolment, Interest
from recovery_portal.prepared import Prepared

Status = Enrolment.Status
Source = Enrolment.Source


class EnrolmentRefusal(Exception):
    """A rule said no. A refusal of someone's own sign-up also carries the run it read under its lock (``run``),
    so the page that explains the refusal needs no query of its own."""

    run: Run | None = None

    def __init__(self, message: str, *, code: str = "refused"):
        super().__init__(message)
        self.message = message
        self.code = code


class RunFull(EnrolmentRefusal):
    def __init__(self):
        super().__init__(_("Kurset er fullt akkurat nå. Du kan sette deg på ventelisten."), code="full")


class AddressKnown(EnrolmentRefusal):
    """A sign-up without an account gave the address of someone we already know. A form anyone can fill in
    cannot tell who typed it, so it neither shows nor changes anything about that person: they sign in first."""

    def __init__(self):
        super().__init__(_("Logg inn for å melde deg på."), code="address_known")


# --- locking and counting ----------------------------------------------------------------------------


# What the rules, and the sign-up pages that show a run or explain a refusal, read of a run's offer, provider and
# semester: the whole rows took a sixth of a sign-up's time to load. A rule or page that reads another field
# still works, with one query more, which the exact query counts in tests/enrolment/test_views.py catch: add
# the field here.
_RUN_FIELDS_READ = (
    *(field.name for field in Run._meta.concrete_fields),
    *("offer__title", "offer__join_method", "offer__min_age", "offer__max_age", "offer__provider"),
    *("offer__slug", "offer__content_language", "semester__name"),
    *("offer__provider__name", "offer__provider__max_active_per_semester", "offer__provider__seat_offer_hours"),
)


def _as_read(runs):
    return runs.select_related("offer__provider", "semester").only(*_RUN_FIELDS_READ)


def _locked(runs):
    return _as_read(runs).select_for_update(no_key=True, of=("self",))


# Most reads and locks are of one run. Their SQL is built once per process (recovery_portal.prepared): building
# it took a third of the time to read the run.
_PUBLIC_RUN = Prepared(lambda run_id: _as_read(Run.objects.public().filter(pk=run_id)).order_by())
_LOCK_RUN = Prepared(lambda run_id: _locked(Run.objects.filter(pk=run_id)).order_by())
_LOCK_PUBLIC_RUN = Prepared(lambda run_id: _locked(Run.objects.public().filter(pk=run_id)).order_by())


def public_run(run_id: int) -> Run | None:
    """The run for its sign-up page, with what the page and the rules read of it (no lock); None unless it has a
    public sign-up page (``RunQuerySet.public``)."""
    return _PUBLIC_RUN.get(run_id)


def _lock_runs(*run_ids: int, public: bool = False) -> dict[int, Run]:
    """Lock the runs' rows (in id order) for the rest of the transaction: all a transaction needs, in one call.
    With ``public``, runs without a public sign-up page (``RunQuerySet.public``) are left out, unlocked."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Runs can only be locked inside a transaction.")
    run_ids = sorted(set(run_ids))
    if len(run_ids) == 1:
        run = (_LOCK_PUBLIC_RUN if public else _LOCK_RUN).get(run_ids[0])
        return {} if run is None else {run.pk: run}
    runs = _locked(Run.objects.public() if public else Run.objects.all())
    return {run.pk: run for run in runs.filter(pk__in=run_ids).order_by("pk")}


def _lock_public_run(run_id: int) -> Run:
    """The run a person's own sign-up names, locked; Run.DoesNotExist unless it has a public sign-up page."""
    try:
        return _lock_runs(run_id, public=True)[run_id]
    except KeyError:
        raise Run.DoesNotExist from None


@contextmanager
def _refusals_carry(run: Run):
    """Refusals raised inside carry the locked run (``EnrolmentRefusal.run``)."""
    try:
        yield
    except EnrolmentRefusal as refusal:
        refusal.run = run
        raise


def _lock_enrolment(enrolment_id: int) -> tuple[Enrolment, Run]:
    """The enrolment, read again after its run is locked (so its status cannot change under us)."""
    run_id = Enrolment.objects.values_list("run_id", flat=True).get(pk=enrolment_id)
    run = _lock_runs(run_id)[run_id]
    enrolment = Enrolment.objects.select_related("person").get(pk=enrolment_id)
    enrolment.run = run
    return enrolment, run


# referrals.services builds on this module, so it is imported where it is used.


def _lock_referrals(*enrolment_ids: int) -> dict:
    """Step 2 of the order: the referrals these enrolments came from, keyed by enrolment id."""
    from referrals.services import lock_referrals_of

    return lock_referrals_of(enrolment_ids=enrolment_ids)


def _follow(referrals: dict, enrolment: Enrolment, *, acting: Acting, reason: str = "", moved_to=None) -> None:
    """The referral the enrolment came from (if any, locked by _lock_referrals) says what became of it."""
    from referrals.services import follow_enrolment

    follow_enrolment(
        referral=referrals.get(enrolment.pk), enrolment=enrolment, acting=acting, reason=reason, moved_to=moved_to
    )


@dataclass(frozen=True)
class Seats:
    capacity: int
    holding: int
    held_for_continuing: int
    waiting: int

    @property
    def free(self) -> int:
        return max(self.capacity - self.holding - self.held_for_continuing, 0)

    @property
    def open_to_walk_ins(self) -> bool:
        """A free seat nobody on the waiting list is in line for (pending offers already hold theirs)."""
        return self.free > 0 and self.waiting == 0


def count_seats(run: Run, *, now=None) -> Seats:
    now = now or timezone.now()
    holding, waiting = _count_enrolments(run.pk)
    return Seats(
        capacity=run.capacity,
        holding=holding,
        held_for_continuing=len(_continuing_without_answer(run, now=now)),
        waiting=waiting,
    )


# Every seat rule rests on this count, and every sign-up runs it (the form page too). Written out in SQL:
# building it with the ORM took four times as long as running it.
_COUNT_ENROLMENTS_SQL = (
    "SELECT count(*) FILTER (WHERE status = ANY(%s)), count(*) FILTER (WHERE status = %s) "
    "FROM enrolment_enrolment WHERE run_id = %s"
)
_SEAT_HOLDING = [str(status) for status in Enrolment.SEAT_HOLDING]


def _count_enrolments(run_id: int) -> tuple[int, int]:
    """(enrolments holding a seat, enrolments on the waiting list) of a run."""
    with connection.cursor() as cursor:
        cursor.execute(_COUNT_ENROLMENTS_SQL, [_SEAT_HOLDING, str(Status.WAITLISTED), run_id])
        return cursor.fetchone()


def _continuing_without_answer(run: Run, *, now) -> set[int]:
    """People from the previous run whose seat is still held for them (before the deadline)."""
    if not run.follows_id or not run.continuing_until or now >= run.continuing_until:
        return set()
    previous = set(
        Enrolment.objects.filter(run_id=run.follows_id, status__in=[Status.CONFIRMED, Status.COMPLETED]).values_list(
            "person_id", flat=True
        )
    )
    answered = set(Enrolment.objects.filter(run=run, person_id__in=previous).values_list("person_id", flat=True))
    return previous - answered


def is_continuing(run: Run, person) -> bool:
    """Whether the person was on the run this one follows (someone not stored yet never was)."""
    return (
        bool(run.follows_id)
        and person.pk is not None
        and Enrolment.objects.filter(
            run_id=run.follows_id, person=person, status__in=[Status.CONFIRMED, Status.COMPLETED]
        ).exists()
    )


# --- checks ------------------------------------------------------------------------------------------


def sign_up_refusal(*, run: Run, person=None, now=None) -> EnrolmentRefusal | None:
    """What stops this person (None: someone not signed in) from signing up to the run on their own, the seats
    aside: the sign-up page says so before anything is filled in. Only a preview, without locks; the sign-up
    checks everything again. Someone not signed in is checked as a newcomer whose birth date the form asks for."""
    try:
        _check_can_join(run, person or User(), source=Source.SELF, now=now or timezone.now())
    except EnrolmentRefusal as refusal:
        return None if refusal.code == "needs_birth_date" else refusal  # the form asks for it
    return None


def _check_can_join(run: Run, person, *, source: str, now) -> None:
    """Every rule but the seats. A person not stored yet (a first sign-up) has no enrolments to look up."""
    offer = run.offer
    if run.status == Run.Status.CANCELLED:
        raise EnrolmentRefusal(_("Dette kurset er dessverre avlyst."), code="cancelled")
    if run.status != Run.Status.PUBLISHED:
        raise EnrolmentRefusal(_("Denne gjennomføringen tar ikke imot påmeldinger ennå."), code="not_published")
    if run.ends_at and run.ends_at < now:
        raise EnrolmentRefusal(_("Dette kurset er ferdig."), code="ended")
    if offer.join_method == Offer.JoinMethod.DROP_IN:
        raise EnrolmentRefusal(_("Her trenger du ikke melde deg på. Bare kom!"), code="drop_in")
    by_staff = source in (Source.COORDINATOR, Source.REFERRAL)
    if offer.join_method != Offer.JoinMethod.OPEN and not by_staff and not is_continuing(run, person):
        raise EnrolmentRefusal(
            _("Til dette tilbudet blir du med slik: %(how)s. Ta gjerne kontakt for å høre mer.")
            % {"how": offer.get_join_method_display().lower()},
            code="not_open",
        )
    if not by_staff:
        _check_registration_window(run, person, now=now)
    _check_age(offer, person, on=run.starts_at.date() if run.starts_at else now.date())
    if person.pk is None:
        return
    existing = Enrolment.objects.filter(run=run, person=person).active().first()
    if existing is not None:
        if existing.status == Status.WAITLISTED:
            raise EnrolmentRefusal(_("Du står allerede på ventelisten til dette kurset."), code="already")
        raise EnrolmentRefusal(_("Du er allerede påmeldt dette kurset."), code="already")
    _check_semester_limit(run, person)


def _check_registration_window(run: Run, person, *, now) -> None:
    opens, closes = run.registration_opens_at, run.registration_closes_at
    in_continuing_window = run.continuing_until and now < run.continuing_until
    if in_continuing_window and not is_continuing(run, person):
        raise EnrolmentRefusal(
            _("Fram til %(date)s er plassene holdt av for dem som går på kurset nå. Etter det kan alle melde seg på.")
            % {"date": date_format(timezone.localtime(run.continuing_until), "DAY_MONTH_FORMAT")},
            code="continuing_only",
        )
    if opens and now < opens and not (in_continuing_window and is_continuing(run, person)):
        raise EnrolmentRefusal(
            _("Påmeldingen åpner %(date)s.") % {"date": date_format(timezone.localtime(opens), "DATE_FORMAT")},
            code="not_yet_open",
        )
    if closes and now >= closes:
        raise EnrolmentRefusal(
            _("Påmeldingsfristen gikk ut %(date)s. Ta gjerne kontakt, så ser vi om det går likevel.")
            % {"date": date_format(timezone.localtime(closes), "DATE_FORMAT")},
            code="closed",
        )


def age_on(birth_date: dt.date, day: dt.date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def _check_age(offer: Offer, person, *, on: dt.date) -> None:
    if not offer.has_age_limits:
        return
    if person.birth_date is None:
        raise EnrolmentRefusal(
            _("Vi trenger fødselsdatoen din for å se om kurset passer for alderen din."), code="needs_birth_date"
        )
    if not offer.fits_age(age_on(person.birth_date, on)):
        raise EnrolmentRefusal(
            _(
                "Dette kurset er for deg som er %(ages)s, så vi kan dessverre ikke melde deg på. "
                "Spør gjerne kontaktpersonen om andre tilbud som passer."
            )
            % {"ages": offer.age_text.lower()},
            code="age",
        )


def _check_semester_limit(run: Run, person) -> None:
    provider = run.offer.provider
    if not provider.max_active_per_semester:
        return
    taken = (
        Enrolment.objects.filter(person=person, run__semester_id=run.semester_id, run__offer__provider=provider)
        .filter(status__in=[Status.CONFIRMED, Status.OFFERED, Status.HELD, Status.WAITLISTED])
        .count()
    )
    if taken >= provider.max_active_per_semester:
        raise EnrolmentRefusal(
            _(
                "Du kan være med på høyst %(count)s kurs hos %(provider)s i samme semester. "
                "Meld deg av et annet kurs først, eller snakk med koordinatoren."
            )
            % {"count": provider.max_active_per_semester, "provider": provider.name},
            code="limit",
        )


# --- citizen actions ---------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def sign_up(
    *, run_id: int, person, acting: Acting, source: str = Source.SELF, wants_reminders: bool = False, now=None
) -> Enrolment:
    """The person's own seat on a run with a public sign-up page (Run.DoesNotExist for any other run). Raises
    RunFull when there is none to take (then offer the waiting list)."""
    now = now or timezone.now()
    lock_person(user=person)
    run = _lock_public_run(run_id)
    with _refusals_carry(run):
        _check_can_join(run, person, source=source, now=now)
        source = _check_seat_for(run, person, source=source, now=now)
    return _confirm(run, person, acting=acting, source=source, wants_reminders=wants_reminders)


@transaction.atomic(durable=True)
def join_waiting_list(*, run_id: int, person, acting: Acting, source: str = Source.SELF, now=None) -> Enrolment:
    """The person's own place on the waiting list of a run with a public sign-up page."""
    now = now or timezone.now()
    lock_person(user=person)
    run = _lock_public_run(run_id)
    with _refusals_carry(run):
        _check_can_join(run, person, source=source, now=now)
        _check_no_free_seat(run, now=now)
    return _wait(run, person, acting=acting, source=source)


@transaction.atomic(durable=True)
def sign_up_without_account(
    *,
    run_id: int,
    name: str,
    email: str,
    phone: str,
    birth_date,
    language: str,
    waiting_list: bool = False,
    wants_reminders: bool = False,
    now=None,
) -> Enrolment:
    """The sign-up form of someone who is not signed in: a seat (or a place on the waiting list) for the
    person with this e-mail address or mobile number, who is created if we have never seen them.

    Only for addresses we have never seen: an address that belongs to an account raises AddressKnown, since
    answering "already signed up", "too old" or "over the limit" would tell anyone who types an address
    about that person's courses (the person signs in, with an e-mailed code, and signs up from there).

    One transaction, locked as every seat is: the person's address first (so a second click, or the same
    person signing up to another run at the same moment, waits for the first and finds its person), then
    the run; then the person is looked up; then the checks; and only then the writes. A refusal (full, too
    young) writes nothing at all, not even a new account. A run without a public sign-up page raises
    Run.DoesNotExist.
    """
    now = now or timezone.now()
    source = Source.SELF
    lock_person(email=email, phone=phone)
    run = _lock_public_run(run_id)
    # No more than the offer needs: a birth date is kept only where there is an age limit to check it against.
    birth_date = birth_date if run.offer.has_age_limits else None
    with _refusals_carry(run):
        if find_citizen(email=email, phone=phone) is not None:
            raise AddressKnown()
        # Someone we have never seen: no enrolments, no history. Checked as the account that will be stored.
        _check_can_join(run, User(birth_date=birth_date), source=source, now=now)
        if waiting_list:
            _check_no_free_seat(run, now=now)
        else:
            source = _check_seat_for(run, None, source=source, now=now)
    person = create_citizen(name=name, email=email, phone=phone, birth_date=birth_date, language=language)
    if waiting_list:
        return _wait(run, person, acting=acting_self(person), source=source)
    return _confirm(run, person, acting=acting_self(person), source=source, wants_reminders=wants_reminders)


def _check_seat_for(run: Run, person, *, source: str, now) -> str:
    """Raises RunFull unless a seat is free for walk-ins or held for this person (continuing from the
    previous run); returns the source the seat is taken with."""
    held_for_me = person is not None and person.pk in _continuing_without_answer(run, now=now)
    if held_for_me:
        return Source.CONTINUING if source == Source.SELF else source
    if not count_seats(run, now=now).open_to_walk_ins:
        raise RunFull()
    return source


def _check_no_free_seat(run: Run, *, now) -> None:
    """The waiting list is for full runs: with a seat free for walk-ins, sign up instead."""
    if count_seats(run, now=now).open_to_walk_ins:
        raise EnrolmentRefusal(_("Det er ledige plasser, så du kan melde deg på med en gang."), code="seats_free")


def _confirm(run: Run, person, *, acting: Acting, source: str, wants_reminders: bool) -> Enrolment:
    enrolment = _create(run, person, Status.CONFIRMED, source=source, wants_reminders=wants_reminders)
    record_change(
        acting=acting,
        action="enrolment.confirmed",
        subject=person,
        obj=enrolment,
        detail={"run": run.pk, "source": source},
    )
    _after_commit_email(enrolment, "confirmed")
    return enrolment


def _wait(run: Run, person, *, acting: Acting, source: str) -> Enrolment:
    enrolment = _create(run, person, Status.WAITLISTED, source=source)
    record_change(
        acting=acting,
        action="enrolment.waitlisted",
        subject=person,
        obj=enrolment,
        detail={"run": run.pk, "source": source},
    )
    _after_commit_email(enrolment, "waitlisted")
    return enrolment


def _create(run, person, status, *, source, wants_reminders=False, expires_at=None) -> Enrolment:
    """The enrolment row. No savepoint of its own: a refusal ends the whole transaction, so a caller that goes on
    after one wraps its call in a savepoint (as referrals.services.refer does around hold_seat)."""
    try:
        return Enrolment.objects.create(
            run=run,
            person=person,
            status=status,
            source=source,
            wants_reminders=wants_reminders,
            offer_expires_at=expires_at,
        )
    except IntegrityError as error:
        if "one_active_enrolment_per_person_per_run" not in str(error):
            raise
        # the unique constraint caught a double click that got past the check
        raise EnrolmentRefusal(_("Du er allerede påmeldt dette kurset."), code="already") from error


@transaction.atomic(durable=True)
def cancel(*, enrolment_id: int, acting: Acting, reason: str = "cancelled", now=None) -> Enrolment:
    """Leave a run or its waiting list (no reason asked). A freed seat goes to the next in line."""
    now = now or timezone.now()
    referrals = _lock_referrals(enrolment_id)
    enrolment, run = _lock_enrolment(enrolment_id)
    if not enrolment.is_active:
        raise EnrolmentRefusal(_("Du er allerede meldt av."), code="not_active")
    _end(enrolment, Status.CANCELLED, acting=acting, reason=reason)
    _follow(referrals, enrolment, acting=acting, reason=reason)
    _after_commit_email(enrolment, "cancelled")
    _offer_free_seats(run, now=now)
    return enrolment


def accept_offer(*, enrolment_id: int, acting: Acting, now=None) -> Enrolment:
    """Take the seat offered. An offer found past its deadline is expired, and the seat offered to the next
    in line, before the refusal says so (the expiry is committed, not rolled back with the refusal)."""
    enrolment = _accept_offer_or_expire(enrolment_id=enrolment_id, acting=acting, now=now or timezone.now())
    if enrolment is None:
        raise EnrolmentRefusal(
            _("Fristen for å ta imot plassen gikk dessverre ut, og plassen er gitt videre."), code="expired"
        )
    return enrolment


@transaction.atomic(durable=True)
def _accept_offer_or_expire(*, enrolment_id: int, acting: Acting, now) -> Enrolment | None:
    referrals = _lock_referrals(enrolment_id)
    enrolment, run = _lock_enrolment(enrolment_id)
    if enrolment.status != Status.OFFERED:
        raise EnrolmentRefusal(_("Dette tilbudet om plass gjelder ikke lenger."), code="not_offered")
    if enrolment.offer_expires_at <= now:
        _expire(enrolment, run, referrals, now=now, acting=acting)
        return None
    enrolment.status = Status.CONFIRMED
    enrolment.save(update_fields=["status", "updated_at"])
    record_change(
        acting=acting,
        action="enrolment.offer_accepted",
        subject=enrolment.person,
        obj=enrolment,
        detail={"run": run.pk},
    )
    _follow(referrals, enrolment, acting=acting, reason="offer_accepted")
    _after_commit_email(enrolment, "confirmed")
    return enrolment


@transaction.atomic(durable=True)
def decline_offer(*, enrolment_id: int, acting: Acting, now=None) -> Enrolment:
    """Say no to a freed seat. No penalty: the person may join the list again any time."""
    now = now or timezone.now()
    referrals = _lock_referrals(enrolment_id)
    enrolment, run = _lock_enrolment(enrolment_id)
    if enrolment.status != Status.OFFERED:
        raise EnrolmentRefusal(_("Dette tilbudet om plass gjelder ikke lenger."), code="not_offered")
    _end(enrolment, Status.CANCELLED, acting=acting, reason="offer_declined")
    _follow(referrals, enrolment, acting=acting, reason="offer_declined")
    _offer_free_seats(run, now=now)
    return enrolment


@transaction.atomic(durable=True)
def expire_offer(*, enrolment_id: int, now=None) -> bool:
    """Run by the worker when an offer's time is up. Safe to run more than once."""
    now = now or timezone.now()
    if not Enrolment.objects.filter(pk=enrolment_id).exists():
        return False
    referrals = _lock_referrals(enrolment_id)
    enrolment, run = _lock_enrolment(enrolment_id)
    if enrolment.status not in (Status.OFFERED, Status.HELD) or enrolment.offer_expires_at > now:
        return False
    _expire(enrolment, run, referrals, now=now, acting=Acting.system())
    return True


def _expire(enrolment, run, referrals, *, now, acting) -> None:
    held = enrolment.status == Status.HELD
    reason = "hold_expired" if held else "offer_expired"
    _end(enrolment, Status.CANCELLED, acting=acting, reason=reason)
    _follow(referrals, enrolment, acting=acting, reason=reason)
    if not held:  # a hold belongs to a referral, whose own messages tell the person
        _after_commit_email(enrolment, "offer_expired")
    _offer_free_seats(run, now=now)


def _end(enrolment: Enrolment, status: str, *, acting: Acting, reason: str) -> None:
    previous = enrolment.status
    enrolment.status = status
    enrolment.offer_expires_at = None
    enrolment.save(update_fields=["status", "offer_expires_at", "updated_at"])
    record_change(
        acting=acting,
        action=f"enrolment.{status}",
        subject=enrolment.person,
        obj=enrolment,
        detail={"run": enrolment.run_id, "from": previous, "reason": reason},
    )


def _offer_free_seats(run: Run, *, now) -> list[Enrolment]:
    """Offer every free seat to the next in line, for the time the provider sets. Run must be locked."""
    offered = []
    seats = count_seats(run, now=now)
    free = seats.free
    hours = run.offer.provider.seat_offer_hours
    for enrolment in Enrolment.objects.filter(run=run).waiting_in_order().select_related("person")[:free]:
        enrolment.status = Status.OFFERED
        enrolment.offer_expires_at = now + dt.timedelta(hours=hours)
        enrolment.save(update_fields=["status", "offer_expires_at", "updated_at"])
        record_change(
            acting=Acting.system(),
            action="enrolment.offered",
            subject=enrolment.person,
            obj=enrolment,
            detail={"run": run.pk, "expires_at": enrolment.offer_expires_at.isoformat()},
        )
        _after_commit_email(enrolment, "offered")
        transaction.on_commit(lambda e=enrolment: tasks.schedule_offer_follow_ups(e.pk, e.offer_expires_at))
        offered.append(enrolment)
    return offered


def waiting_position(enrolment: Enrolment) -> tuple[int, int] | None:
    """(my place, how many wait), e.g. (3, 7) for "nummer 3 av 7"; None for someone not (or no longer) waiting.
    Read in one query, so a status read a moment earlier may be out of date: callers go by this answer."""
    queue = list(Enrolment.objects.filter(run_id=enrolment.run_id).waiting_in_order().values_list("pk", flat=True))
    if enrolment.pk not in queue:
        return None
    return queue.index(enrolment.pk) + 1, len(queue)


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
            action="enrolment.reminders_on" if wants else "enrolment.reminders_off",
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
        place = waiting_position(enrolment) if enrolment.status == Status.WAITLISTED else None
        rows.append((enrolment, place))
    return rows


@transaction.atomic(durable=True)
def register_interest(*, offer: Offer, person, acting: Acting) -> Interest:
    interest, created = Interest.objects.get_or_create(offer=offer, person=person, notified_at=None)
    if created:
        record_change(
            acting=acting, action="interest.registered", subject=person, obj=interest, detail={"offer": offer.pk}
        )
    return interest


@transaction.atomic(durable=True)
def withdraw_interest(*, interest: Interest, acting: Acting) -> None:
    record_change(
        acting=acting,
        action="interest.withdrawn",
        subject=interest.person,
        obj=interest,
        detail={"offer": interest.offer_id},
    )
    interest.delete()


# --- coordinator actions -----------------------------------------------------------------------------


@transaction.atomic(durable=True)
def change_capacity(*, run_id: int, capacity: int, acting: Acting, now=None) -> Run:
    now = now or timezone.now()
    run = _lock_runs(run_id)[run_id]
    holding = Enrolment.objects.filter(run=run).holding_seats().count()
    if capacity < holding:
        raise EnrolmentRefusal(
            _(
                "Det er %(count)s påmeldte, så antall plasser kan ikke bli lavere enn %(count)s. "
                "Flytt eller meld av noen først."
            )
            % {"count": holding},
            code="below_confirmed",
        )
    previous = run.capacity
    run.capacity = capacity
    run.save(update_fields=["capacity"])
    record_change(acting=acting, action="run.capacity_changed", obj=run, detail={"from": previous, "to": capacity})
    if capacity > previous:
        _offer_free_seats(run, now=now)
    return run


class _ReferralArrived(Exception):
    """A referral placed someone on the run after its referrals were locked and before the run was."""


def cancel_run(*, run_id: int, acting: Acting) -> int:
    """Cancel a run: everyone on it and on its waiting list is told, and the calendar events of its sessions
    become a new revision that says they are cancelled. The referrals they came from say so too."""
    for _attempt in range(3):
        try:
            return _cancel_run(run_id=run_id, acting=acting)
        except _ReferralArrived:
            continue  # nothing was written: read the referrals to lock again, and lock them first
    raise EnrolmentRefusal(_("Noen endret påmeldingene akkurat nå. Prøv å avlyse igjen."), code="busy")


@transaction.atomic(durable=True)
def _cancel_run(*, run_id: int, acting: Acting) -> int:
    # Whose referrals to lock is read before the run is locked: one that places someone on the run in between
    # has no lock of ours, and taking it now, after the run's, could deadlock. Start again instead.
    referrals = _lock_referrals(*Enrolment.objects.filter(run_id=run_id).active().values_list("pk", flat=True))
    run = _lock_runs(run_id)[run_id]
    if run.status == Run.Status.CANCELLED:
        return 0
    enrolments = list(Enrolment.objects.filter(run=run).active().select_related("person"))
    referred = Enrolment.objects.filter(pk__in=[e.pk for e in enrolments], referral__isnull=False)
    if referred.exclude(pk__in=list(referrals)).exists():
        raise _ReferralArrived
    calendar_before = course_services.calendar_snapshot(Session.objects.filter(run=run))
    run.status = Run.Status.CANCELLED
    run.save(update_fields=["status"])
    course_services.raise_revised_sequences(before=calendar_before)
    record_change(acting=acting, action="run.cancelled", obj=run)
    count = 0
    for enrolment in enrolments:
        enrolment.run = run
        # Only someone with a seat was sent the dates, so only they need the file that cancels them.
        had_seat = enrolment.holds_seat
        _end(enrolment, Status.CANCELLED, acting=acting, reason="run_cancelled")
        _follow(referrals, enrolment, acting=acting, reason="run_cancelled")
        _after_commit_email(enrolment, "run_cancelled", had_seat=had_seat)
        count += 1
    return count


@transaction.atomic(durable=True)
def publish_run(*, run_id: int, acting: Acting) -> int:
    """Publish a run; people who asked to hear about the offer's next semester are told first."""
    run = _lock_runs(run_id)[run_id]
    if run.status != Run.Status.DRAFT:
        return 0
    run.status = Run.Status.PUBLISHED
    run.published_at = timezone.now()
    # No new calendar revision: a draft's file was never handed out, so no calendar holds an older one.
    run.save(update_fields=["status", "published_at"])
    record_change(acting=acting, action="run.published", obj=run)
    interests = list(Interest.objects.filter(offer_id=run.offer_id, notified_at__isnull=True))
    Interest.objects.filter(pk__in=[i.pk for i in interests]).update(notified_at=timezone.now())
    for interest in interests:
        transaction.on_commit(lambda i=interest: tasks.send_interest_email.enqueue(i.pk, run.pk))
    return len(interests)


def tell_about_moved_sessions(*, session_ids: list[int], deleted: Sequence[SessionEvent] = (), now=None) -> int:
    """After an edit that changed the time, place or theme of these sessions (courses.services.Revision.moved), or
    deleted sessions (`deleted`, their events as they were; courses.services.update_run, the admin): everyone with
    a place or an offered seat on a published run whose changed or deleted session has not ended yet gets one
    e-mail per run, after commit, with the updated calendar file, in which each deleted session's event is
    cancelled. The waiting list has no dates
    to correct, and a seat held for a referral is not the person's until the referral is answered (the answer
    brings the dates); a correction to, or deletion of, a session that is over tells nobody. Runs inside the
    caller's transaction; returns how many are told."""
    now = now or timezone.now()
    moved = Session.objects.filter(pk__in=session_ids, ends_at__gt=now, run__status=Run.Status.PUBLISHED)
    moved_by_run: dict[int, list[int]] = {}
    for session_id, run_id in moved.order_by("starts_at", "pk").values_list("pk", "run_id"):
        moved_by_run.setdefault(run_id, []).append(session_id)
    upcoming = [event for event in deleted if event.ends_at > now]
    published = set(
        Run.objects.filter(pk__in={event.run_id for event in upcoming}, status=Run.Status.PUBLISHED).values_list(
            "pk", flat=True
        )
    )
    cancelled_by_run: dict[int, list[dict]] = {}
    for event in sorted(upcoming, key=lambda event: (event.starts_at, event.pk)):
        if event.run_id in published:
            cancelled_by_run.setdefault(event.run_id, []).append(event.as_json())
    told = 0
    for run_id in sorted(moved_by_run.keys() | cancelled_by_run.keys()):
        moved_ids, cancelled = moved_by_run.get(run_id, []), cancelled_by_run.get(run_id, [])
        for enrolment_id in Enrolment.objects.filter(
            run_id=run_id, status__in=[Status.CONFIRMED, Status.OFFERED]
        ).values_list("pk", flat=True):
            transaction.on_commit(
                lambda e=enrolment_id, s=moved_ids, c=cancelled: tasks.send_sessions_moved_email.enqueue(e, s, c)
            )
            told += 1
    return told


@transaction.atomic(durable=True)
def add_by_coordinator(
    *, run_id: int, person, acting: Acting, waiting_list_if_full: bool = True, now=None
) -> Enrolment:
    """A coordinator adds someone (after a phone call). The waiting list is still respected."""
    now = now or timezone.now()
    lock_person(user=person)
    run = _lock_runs(run_id)[run_id]
    _check_can_join(run, person, source=Source.COORDINATOR, now=now)
    if count_seats(run, now=now).open_to_walk_ins or person.pk in _continuing_without_answer(run, now=now):
        status = Status.CONFIRMED
    elif waiting_list_if_full:
        status = Status.WAITLISTED
    else:
        raise RunFull()
    enrolment = _create(run, person, status, source=Source.COORDINATOR)
    record_change(
        acting=acting,
        action=f"enrolment.{status}",
        subject=person,
        obj=enrolment,
        detail={"run": run.pk, "source": Source.COORDINATOR},
    )
    _after_commit_email(enrolment, "confirmed" if status == Status.CONFIRMED else "waitlisted")
    return enrolment


@transaction.atomic(durable=True)
def move(*, enrolment_id: int, to_run_id: int, acting: Acting, now=None) -> Enrolment:
    """Move a participant to another run of the same provider, keeping how they came. The referral they came
    through (if any) follows them to the new run."""
    now = now or timezone.now()
    enrolment = Enrolment.objects.select_related("person").get(pk=enrolment_id)
    lock_person(user=enrolment.person)  # it enrols the person on the other run
    referrals = _lock_referrals(enrolment_id)
    runs = _lock_runs(enrolment.run_id, to_run_id)
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
    _end(enrolment, Status.CANCELLED, acting=acting, reason=f"moved_to_run_{target.pk}")
    moved = Enrolment.objects.create(
        run=target,
        person=enrolment.person,
        status=Status.CONFIRMED,
        source=enrolment.source,
        wants_reminders=enrolment.wants_reminders,
    )
    record_change(
        acting=acting,
        action="enrolment.moved",
        subject=enrolment.person,
        obj=moved,
        detail={"from_run": source_run.pk, "to_run": target.pk},
    )
    _follow(referrals, enrolment, acting=acting, reason="moved", moved_to=moved)
    _after_commit_email(moved, "confirmed")
    _offer_free_seats(source_run, now=now)
    return moved


@transaction.atomic(durable=True)
def change_priority(*, enrolment_id: int, priority: int, reason: str, acting: Acting) -> Enrolment:
    reason = reason.strip()
    if not reason:
        raise EnrolmentRefusal(_("Skriv en begrunnelse for å endre rekkefølgen på ventelisten."), code="reason")
    enrolment, _run = _lock_enrolment(enrolment_id)
    if enrolment.status != Status.WAITLISTED:
        raise EnrolmentRefusal(_("Bare de som står på ventelisten har en plass i rekkefølgen."), code="not_waiting")
    previous = enrolment.priority
    enrolment.priority = priority
    enrolment.save(update_fields=["priority", "updated_at"])
    record_change(
        acting=acting,
        action="enrolment.priority_changed",
        subject=enrolment.person,
        obj=enrolment,
        detail={"from": previous, "to": priority, "reason": reason[:500]},
    )
    return enrolment


@transaction.atomic(durable=True)
def record_attendance(*, session, marks: dict[int, str], acting: Acting) -> int:
    """Save present/absent/excused for the participants of one session."""
    allowed = set(
        Enrolment.objects.filter(
            run_id=session.run_id, status__in=[Status.CONFIRMED, Status.COMPLETED, Status.DROPPED_OUT]
        ).values_list("pk", flat=True)
    )
    saved = 0
    for enrolment_id, status in marks.items():
        if enrolment_id not in allowed or status not in Attendance.Status.values:
            continue
        Attendance.objects.update_or_create(
            session=session, enrolment_id=enrolment_id, defaults={"status": status, "recorded_by": acting.user}
        )
        saved += 1
    from referrals.services import mark_started  # the referral shows that the person has started

    present = [pk for pk, status in marks.items() if pk in allowed and status == "present"]
    mark_started(enrolment_ids=present, acting=acting)
    record_change(
        acting=acting, action="attendance.recorded", obj=session, detail={"run": session.run_id, "marks": saved}
    )
    return saved


@transaction.atomic(durable=True)
def set_completion(*, enrolment_id: int, completed: bool, acting: Acting) -> Enrolment:
    referrals = _lock_referrals(enrolment_id)  # the referral shows how it went
    enrolment, _run = _lock_enrolment(enrolment_id)
    if enrolment.status not in (Status.CONFIRMED, Status.COMPLETED, Status.DROPPED_OUT):
        raise EnrolmentRefusal(_("Bare deltakere kan få fullført eller sluttet."), code="not_participant")
    new = Status.COMPLETED if completed else Status.DROPPED_OUT
    if enrolment.status != new:
        previous = enrolment.status
        enrolment.status = new
        enrolment.save(update_fields=["status", "updated_at"])
        record_change(
            acting=acting,
            action=f"enrolment.{new}",
            subject=enrolment.person,
            obj=enrolment,
            detail={"run": enrolment.run_id, "from": previous},
        )
        _follow(referrals, enrolment, acting=acting)
    return enrolment


# --- used by referrals, inside the referral service's own transaction -----------------------------------


def hold_seat(*, run_id: int, person, until, acting: Acting, now=None) -> Enrolment:
    """Hold a seat for a referred person until a deadline. Raises RunFull if there is none to hold."""
    now = now or timezone.now()
    lock_person(user=person)
    run = _lock_runs(run_id)[run_id]
    _check_can_join(run, person, source=Source.REFERRAL, now=now)
    if not count_seats(run, now=now).open_to_walk_ins:
        raise RunFull()
    enrolment = _create(run, person, Status.HELD, source=Source.REFERRAL, expires_at=until)
    record_change(
        acting=acting,
        action="enrolment.held",
        subject=person,
        obj=enrolment,
        detail={"run": run.pk, "until": until.isoformat()},
    )
    return enrolment


def place_from_referral(*, run_id: int, person, acting: Acting, held: Enrolment | None = None, now=None) -> Enrolment:
    """A coordinator accepts a referral: the held seat becomes a place, or a free seat is taken, or the person
    joins the waiting list. A seat or place the referral had on another run (`held`) is then given up, to the
    next in line there: both runs are locked at once."""
    now = now or timezone.now()
    lock_person(user=person)
    runs = _lock_runs(run_id, *([held.run_id] if held is not None else []))
    run = runs[run_id]
    if held is not None:
        held.refresh_from_db()
        if held.status == Status.HELD and held.run_id == run.pk:
            held.status = Status.CONFIRMED
            held.offer_expires_at = None
            held.save(update_fields=["status", "offer_expires_at", "updated_at"])
            record_change(
                acting=acting,
                action="enrolment.confirmed",
                subject=person,
                obj=held,
                detail={"run": run.pk, "source": Source.REFERRAL, "from": Status.HELD},
            )
            _after_commit_email(held, "confirmed")
            return held
    _check_can_join(run, person, source=Source.REFERRAL, now=now)
    status = Status.CONFIRMED if count_seats(run, now=now).open_to_walk_ins else Status.WAITLISTED
    enrolment = _create(run, person, status, source=Source.REFERRAL)
    record_change(
        acting=acting,
        action=f"enrolment.{status}",
        subject=person,
        obj=enrolment,
        detail={"run": run.pk, "source": Source.REFERRAL},
    )
    _after_commit_email(enrolment, "confirmed" if status == Status.CONFIRMED else "waitlisted")
    if held is not None and held.is_active:
        _end(held, Status.CANCELLED, acting=acting, reason="referral_placed")
        _offer_free_seats(runs[held.run_id], now=now)
    return enrolment


def release(*, enrolment_id: int, acting: Acting, reason: str, now=None) -> None:
    """Give up a referral's seat or place (withdrawn, declined): it goes to the next in line."""
    now = now or timezone.now()
    enrolment, run = _lock_enrolment(enrolment_id)
    if enrolment.is_active:
        _end(enrolment, Status.CANCELLED, acting=acting, reason=reason)
        _offer_free_seats(run, now=now)


def cancel_all_for_person(*, person, acting: Acting) -> int:
    """Cancel every active enrolment of a person (their account is being deleted).

    Runs inside the caller's transaction, which holds the person's lock, so no enrolment of theirs can start
    meanwhile (nor be placed by a referral); the referrals they came from are locked (delete_account has
    locked them already), then their runs together, and the enrolments read again under the locks (one may
    have ended while we waited). Freed seats go to the waiting lists.
    """
    ids_and_runs = list(Enrolment.objects.filter(person=person).active().values_list("pk", "run_id"))
    referrals = _lock_referrals(*(pk for pk, _run_id in ids_and_runs))
    runs = _lock_runs(*(run_id for _pk, run_id in ids_and_runs)) if ids_and_runs else {}
    active = list(Enrolment.objects.filter(person=person, run_id__in=runs).active())
    now = timezone.now()
    for enrolment in active:
        enrolment.run = runs[enrolment.run_id]
        _end(enrolment, Status.CANCELLED, acting=acting, reason="account_deleted")
        _follow(referrals, enrolment, acting=acting, reason="account_deleted")
    for run in runs.values():
        _offer_free_seats(run, now=now)
    return len(active)


def _after_commit_email(enrolment: Enrolment, kind: str, *, had_seat: bool = False) -> None:
    transaction.on_commit(lambda: tasks.send_enrolment_email.enqueue(enrolment.pk, kind, had_seat))
