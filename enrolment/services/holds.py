"""A sign-up without an account: a seat held until someone who reads the address it names confirms it.

The public form cannot tell who typed an address, so it answers every address the same way and looks nobody up:
the seat (or a place on the waiting list) is held (``hold_for_sign_up``), and a message goes to the address
(enrolment.tasks.send_hold_message, which alone looks at whom the address belongs to): a link and a code to
confirm; to an address with an account, to sign in and confirm; to an address already on the run, that it is.
Confirming (``confirm_hold``) makes the person if the portal has never seen the address, and the place. An
unconfirmed hold expires after ``settings.SEAT_HOLD_MINUTES`` (``expire_hold``) and its seat goes on to the
waiting list as any freed seat does. The hold counts against the seats (enrolment.seats) under the run's lock.

Holds per client address and hour are limited (``settings.SEAT_HOLDS_PER_CLIENT_PER_HOUR``), so nobody takes a
run's seats with made-up addresses; the limit is counted from the holds themselves under the client's lock.
"""

import datetime as dt
import hashlib
import hmac

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from accounts.people import add_missing_birth_date, create_citizen, find_citizen, lock_person
from audit.acting import Acting
from audit.actions import Action
from audit.services import record_change
from courses.models import Run
from enrolment import eligibility, tasks
from enrolment.models import Enrolment, SeatHold
from enrolment.refusals import EnrolmentRefusal
from enrolment.services import changes, locks, places
from enrolment.services.waiting_list import offer_free_seats

Status = SeatHold.Status
Source = Enrolment.Source

CODE_DIGITS = 6
MAX_WRONG_CODES = 5
# The first key of a client's advisory lock (pg_advisory_xact_lock(key, hashtext(client))).
_CLIENT_LOCK_KEY = 0x484F4C44  # "HOLD"


def client_key(address: str) -> str:
    """What a hold keeps of the client's network address: a keyed hash, enough to count and nothing to read."""
    return hmac.new(settings.SECRET_KEY.encode(), address.encode(), hashlib.sha256).hexdigest()


def hash_code(hold: SeatHold, code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"{hold.public_id}:{code}".encode(), hashlib.sha256).hexdigest()


def code_for(hold: SeatHold) -> str:
    """The hold's code: drawn from the server's secret and the hold, so a message sent again (its task run again
    after a worker died) carries the same code, and the code is stored nowhere but in its hash."""
    digest = hmac.new(settings.SECRET_KEY.encode(), f"code:{hold.public_id}".encode(), hashlib.sha256).digest()
    return f"{int.from_bytes(digest[:8], 'big') % 10**CODE_DIGITS:0{CODE_DIGITS}d}"


@transaction.atomic(durable=True)
def hold_for_sign_up(
    *,
    run_id: int,
    name: str,
    email: str,
    phone: str,
    birth_date,
    language: str,
    client: str,
    waiting_list: bool = False,
    wants_reminders: bool = False,
    now=None,
) -> SeatHold:
    """Hold a seat (or, with ``waiting_list``, a place on the waiting list) for the person the form describes, for
    ``settings.SEAT_HOLD_MINUTES``, and send the address its message after commit.

    Checked with what was typed only (the rules of the run and the offer, the typed birth date against the age
    limits): the answer is the same whoever the address belongs to. Raises RunFull when there is no seat to hold,
    Run.DoesNotExist for a run without a public sign-up page, and a refusal when this client has held too many
    seats in the last hour. ``client``: the client's network address (as allauth's adapter reads it)."""
    now = now or timezone.now()
    client = client_key(client)
    _lock_client(client)
    run = locks.lock_public_run(run_id)
    birth_date = birth_date if run.offer.has_age_limits else None  # kept only where an age limit needs it
    email = email.strip().lower()
    again = SeatHold.objects.open(now=now).filter(run=run, email=email, phone="" if email else phone).first()
    if again is not None:  # a second click, or the same address from elsewhere: the hold and its message stand
        return again
    with locks.refusals_carry(run):
        eligibility.check(run, User(birth_date=birth_date), source=Source.SELF, now=now)
        places.check_seat_for_newcomer(run, waiting_list=waiting_list, now=now)
        _check_client_limit(client, now=now)
    hold = SeatHold.objects.create(
        run=run,
        waiting_list=waiting_list,
        expires_at=now + dt.timedelta(minutes=settings.SEAT_HOLD_MINUTES),
        channel=SeatHold.Channel.EMAIL if email else SeatHold.Channel.SMS,
        name=name.strip(),
        email=email,
        phone="" if email else phone,
        birth_date=birth_date,
        language=language,
        wants_reminders=wants_reminders,
        client=client,
    )
    record_change(
        acting=Acting.citizen(None),
        action=Action.SEAT_HOLD_CREATED,
        obj=hold,
        detail={"run": run.pk, "waiting_list": waiting_list},
    )
    tasks.send_hold_message.enqueue(hold.pk)  # queued with the hold (base/tasks.py)
    tasks.schedule_hold_expiry(hold.pk, hold.expires_at)
    return hold


def _lock_client(client: str) -> None:
    """One hold at a time per client, so its count of holds in the hour is exact under concurrency."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [_CLIENT_LOCK_KEY, client])


def _check_client_limit(client: str, *, now) -> None:
    limit = settings.SEAT_HOLDS_PER_CLIENT_PER_HOUR
    recent = SeatHold.objects.filter(client=client, created_at__gt=now - dt.timedelta(hours=1)).exclude(
        status=Status.CONFIRMED
    )
    if recent.count() >= limit:
        raise EnrolmentRefusal(
            _(
                "Det er holdt av mange plasser fra denne nettverksadressen den siste timen, så vi venter litt med "
                "flere. Prøv igjen senere, eller logg inn og meld deg på derfra."
            ),
            code="too_many_holds",
        )


def confirm_with_code(*, hold_id: int, code: str, user=None, now=None) -> Enrolment:
    """Confirm from the page the form led to, with the code the message carried. A wrong code is counted (and
    committed) before the refusal says so; after MAX_WRONG_CODES only the link in the message confirms."""
    now = now or timezone.now()
    refusal = _count_wrong_code(hold_id=hold_id, code=code)
    if refusal is not None:
        raise refusal
    return confirm_hold(hold_id=hold_id, user=user, now=now)


@transaction.atomic(durable=True)
def _count_wrong_code(*, hold_id: int, code: str) -> EnrolmentRefusal | None:
    hold = SeatHold.objects.select_for_update().get(pk=hold_id)
    if hold.wrong_codes >= MAX_WRONG_CODES:
        return EnrolmentRefusal(
            _("Koden er skrevet feil for mange ganger. Bruk lenken i meldingen vi sendte, eller meld deg på på nytt."),
            code="too_many_codes",
        )
    if hold.code_hash and hmac.compare_digest(hold.code_hash, hash_code(hold, code.strip())):
        return None
    hold.wrong_codes += 1
    hold.save(update_fields=["wrong_codes"])
    left = MAX_WRONG_CODES - hold.wrong_codes
    return EnrolmentRefusal(
        ngettext(
            "Koden stemmer ikke. Sjekk den og prøv igjen (du har %(count)s forsøk til).",
            "Koden stemmer ikke. Sjekk den og prøv igjen (du har %(count)s forsøk til).",
            left,
        )
        % {"count": left},
        code="wrong_code",
    )


def confirm_hold(*, hold_id: int, user=None, now=None) -> Enrolment:
    """The person who reads the address confirms: the person is made if the portal has never seen the address, and
    the hold becomes their place (a seat, or a place on the waiting list). An address with an account confirms
    signed in as that account (``user``); a mobile number confirms by the code it was sent.

    A rule that says no now (already on the run, the provider's limit) ends the hold, so its seat goes on, and is
    committed before the refusal tells the person (who reads their own address: the refusal tells them only
    about themselves)."""
    now = now or timezone.now()
    outcome = _confirm_or_end(hold_id=hold_id, user=user, now=now)
    if isinstance(outcome, EnrolmentRefusal):
        raise outcome
    return outcome


@transaction.atomic(durable=True)
def _confirm_or_end(*, hold_id: int, user, now) -> Enrolment | EnrolmentRefusal:
    address = SeatHold.objects.values("email", "phone", "run_id").get(pk=hold_id)
    lock_person(email=address["email"], phone=address["phone"])
    run = locks.lock_run(address["run_id"])
    hold = SeatHold.objects.get(pk=hold_id)  # holds change only under their run's lock
    if hold.status == Status.CONFIRMED:
        return EnrolmentRefusal(_("Plassen er allerede bekreftet."), code="confirmed")
    if hold.status == Status.EXPIRED or hold.expires_at <= now:
        _end(hold, run, now=now)
        return EnrolmentRefusal(
            _("Plassen var holdt av i %(minutes)s minutter, og tiden gikk ut. Meld deg gjerne på igjen.")
            % {"minutes": settings.SEAT_HOLD_MINUTES},
            code="expired",
        )
    person = find_citizen(email=hold.email, phone=hold.phone)
    if person is not None and hold.channel == SeatHold.Channel.EMAIL and (user is None or user.pk != person.pk):
        raise EnrolmentRefusal(
            _("Denne e-postadressen har en konto hos oss. Logg inn for å bekrefte plassen."), code="sign_in"
        )
    if person is None:
        person = create_citizen(
            name=hold.name, email=hold.email, phone=hold.phone, birth_date=hold.birth_date, language=hold.language
        )
    elif person.birth_date is None and hold.birth_date:
        add_missing_birth_date(user=person, birth_date=hold.birth_date)
    try:
        eligibility.check(run, person, source=Source.SELF, now=now)
    except EnrolmentRefusal as refusal:
        _end(hold, run, now=now)
        return refusal
    status = Enrolment.Status.WAITLISTED if hold.waiting_list else Enrolment.Status.CONFIRMED
    enrolment = changes.place(
        run, person, status, source=Source.SELF, acting=Acting.citizen(person), wants_reminders=hold.wants_reminders
    )
    hold.status, hold.enrolment = Status.CONFIRMED, enrolment
    _erase(hold)
    hold.save()
    return enrolment


@transaction.atomic(durable=True)
def expire_hold(*, hold_id: int, now=None) -> bool:
    """Run by the worker when a hold's time is up (and by the sweep, as a safety net). Safe to run twice."""
    now = now or timezone.now()
    run_id = SeatHold.objects.filter(pk=hold_id).values_list("run_id", flat=True).first()
    if run_id is None:
        return False
    run = locks.lock_run(run_id)
    hold = SeatHold.objects.get(pk=hold_id)
    if hold.status != Status.HELD or hold.expires_at > now:
        return False
    _end(hold, run, now=now)
    return True


def _end(hold: SeatHold, run: Run, *, now) -> None:
    """The hold ends unconfirmed: what the form said is erased, and a seat it held goes to the waiting list."""
    if hold.status == Status.HELD:
        hold.status = Status.EXPIRED
        _erase(hold)
        hold.save()
        record_change(acting=Acting.system(), action=Action.SEAT_HOLD_EXPIRED, obj=hold, detail={"run": run.pk})
        if not hold.waiting_list:
            offer_free_seats(run, now=now)


def _erase(hold: SeatHold) -> None:
    hold.name = hold.email = hold.phone = hold.language = hold.code_hash = ""
    hold.birth_date = None
