"""Every change to a referral. Each writes an audit row; the person and the worker are told by e-mail
(a link only, never the content). Seats are held and placed through enrolment.services.places, under the
same run lock as sign-ups, and locks are taken in the order enrolment/services/locks.py describes: the person,
then the referral, then the runs. How a referral follows the place it led to is referrals.following."""

import datetime as dt
import statistics

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.people import create_citizen, find_citizen, lock_person
from audit.acting import Acting
from audit.actions import Action, Read
from audit.services import record_access, record_change
from base.refusals import Refusal
from courses.models import Run
from enrolment import eligibility
from enrolment.refusals import EnrolmentRefusal, RunFull
from enrolment.seats import OPEN_TO_WALK_INS, with_seats
from enrolment.services import places
from referrals import tasks
from referrals.following import ACTION_OF_STATUS, record, status_after
from referrals.models import NOTE_MAX_LENGTH, Referral

Status = Referral.Status


def acting_worker(referral, user=None) -> Acting:
    """A health worker of the referral's unit: its referrer, or a colleague reading it (``user``) where the unit
    shares its caseload."""
    return Acting.health_worker(user or referral.referrer, service_unit_id=referral.service_unit_id)


def acting_coordinator(user, referral) -> Acting:
    return Acting.coordinator(user, provider_id=referral.offer.provider_id)


@transaction.atomic(durable=True)
def refer(
    *,
    referrer,
    service_unit,
    offer,
    run: Run | None,
    name: str,
    email: str,
    phone: str,
    birth_date,
    consent_method: str,
    consent_given_at,
    hold_seat: bool,
    adaptation_needs: str = "",
    note: str = "",
    language: str = "nb",
    now=None,
) -> tuple[Referral, bool]:
    """Send a referral. Returns the referral and whether the health worker is told a seat is held.

    Nothing the worker hears depends on what the portal knows of the address they typed: the referral shows what
    they typed; the person's account (found by the address, or made from what was typed) is never changed, and is
    only seen by the person, in their inbox and on their own page, where they confirm the referral. The duplicate
    check covers the unit's own referrals, by the typed address; and the worker is told a seat is held when the run
    had one free, whether or not the person's own circumstances (a place on the run already, the provider's limit)
    let the hold be made: the provider sees those when they answer, as staff."""
    now = now or timezone.now()
    if not consent_method or consent_given_at is None:
        raise Refusal(_("En henvisning trenger personens samtykke: hvordan og når det ble gitt."), code="consent")
    if len(note) > NOTE_MAX_LENGTH or len(adaptation_needs) > NOTE_MAX_LENGTH:
        raise Refusal(_("Notatet kan være høyst %(count)s tegn.") % {"count": NOTE_MAX_LENGTH}, code="note")
    if run is not None and run.offer_id != offer.pk:
        raise Refusal(_("Gjennomføringen hører ikke til dette tilbudet."), code="run")
    # The rules of the offer and the run, with the birth date the worker typed: worded for the worker, at once.
    eligibility.check_referral(offer=offer, run=run, birth_date=birth_date, now=now)
    email = email.strip().lower()
    lock_person(email=email, phone=phone)  # two referrals for one address are checked one after the other
    same_address = Q(email__iexact=email) if email else Q(phone=phone)
    if Referral.objects.open().filter(same_address, service_unit=service_unit, offer=offer).exists():
        raise Refusal(
            _("Dere har allerede sendt en henvisning for denne personen til dette tilbudet."), code="duplicate"
        )
    person = find_citizen(email=email, phone=phone) or create_citizen(
        name=name, email=email, phone=phone, birth_date=birth_date, language=language
    )
    referral = Referral.objects.create(
        offer=offer,
        run=run,
        person=person,
        name=name.strip(),
        email=email,
        phone=phone,
        birth_date=birth_date,
        referrer=referrer,
        service_unit=service_unit,
        consent_method=consent_method,
        consent_given_at=consent_given_at,
        adaptation_needs=adaptation_needs.strip(),
        note=note.strip(),
    )
    acting = acting_worker(referral)
    record(referral, Action.REFERRAL_SENT, acting, offer=offer.pk, run=run.pk if run else None, consent=consent_method)
    if hold_seat and run is not None:
        until = now + dt.timedelta(days=offer.provider.referral_hold_days)
        try:
            with transaction.atomic():
                referral.enrolment = places.hold_seat(run_id=run.pk, person=person, until=until, acting=acting, now=now)
        except RunFull:
            pass
        except EnrolmentRefusal:  # about the person, not the run: the worker hears what they would of anyone
            referral.seat_held_until = until
        else:
            referral.seat_held_until = until
        referral.save(update_fields=["enrolment", "seat_held_until"])
    tasks.tell_after_commit(referral, "new_for_person")
    tasks.tell_after_commit(referral, "new_for_provider")
    return referral, referral.seat_held_until is not None


def log_read(*, referral, acting: Acting, action: Read = Read.REFERRAL_VIEWED, reason: str = "") -> None:
    """Every read of a referral is logged, so the person can see who has looked at it."""
    record_access(acting=acting, action=action, subject=referral.person, obj=referral, reason=reason)


@transaction.atomic(durable=True)
def mark_seen(*, referral_id: int, coordinator) -> Referral:
    referral = Referral.objects.select_for_update().get(pk=referral_id)
    if referral.first_seen_at is None:
        referral.first_seen_at = timezone.now()
        fields = ["first_seen_at"]
        if referral.status == Status.SENT:
            referral.status = Status.SEEN
            fields.append("status")
        referral.save(update_fields=fields)
        record(referral, Action.REFERRAL_SEEN, acting_coordinator(coordinator, referral))
    return referral


def _open_for_answer(referral_id) -> Referral:
    referral = Referral.objects.select_for_update(of=("self",)).select_related("offer__provider").get(pk=referral_id)
    if not referral.is_open:
        raise Refusal(_("Henvisningen er allerede avsluttet."), code="closed")
    return referral


@transaction.atomic(durable=True)
def accept(*, referral_id: int, coordinator, run_id: int | None = None) -> Referral:
    """Give the person a place (the held seat, a free seat, or the waiting list)."""
    _lock_person_of(referral_id)
    referral = _open_for_answer(referral_id)
    run_id = run_id or referral.run_id or _next_available_run_id(referral.offer)
    if run_id is None:
        raise Refusal(_("Tilbudet har ingen gjennomføring å ta personen inn på ennå."), code="no_run")
    if not Run.objects.filter(pk=run_id, offer_id=referral.offer_id).exists():
        raise Refusal(_("Gjennomføringen hører ikke til dette tilbudet."), code="run")
    acting = acting_coordinator(coordinator, referral)
    enrolment = places.place_from_referral(
        run_id=run_id, person=referral.person, acting=acting, held=referral.enrolment
    )
    referral.enrolment = enrolment
    referral.run_id = run_id
    referral.status = status_after(referral, enrolment) or referral.status  # a place, or the waiting list
    referral.answered_at = referral.answered_at or timezone.now()
    referral.save(update_fields=["enrolment", "run", "status", "answered_at"])
    record(referral, ACTION_OF_STATUS[referral.status], acting, run=run_id)
    # The person hears of the answer from place_from_referral's e-mail about the place or the waiting list, which
    # carries what they need (the dates, the calendar file, their number in the queue, the link to cancel); a
    # second e-mail saying only "there is news, look here" would be the same news twice.
    _tell_worker(referral)
    return referral


def _lock_person_of(referral_id) -> None:
    """The person's lock, taken before the referral's. Read without a lock, which cannot go stale for an open
    referral: only erasing a closed one changes its person."""
    person = User.objects.filter(referrals_about_me=referral_id).first()
    if person is not None:
        lock_person(user=person)


def _next_available_run_id(offer) -> int | None:
    """The offer's first run that has not started, with a seat free for someone new if one has; else its first run
    that has not started (the person waits there)."""
    now = timezone.now()
    runs = with_seats(Run.objects.upcoming(now).filter(offer=offer, starts_at__gte=now), now=now).order_by(
        "starts_at", "pk"
    )
    return (
        runs.filter(OPEN_TO_WALK_INS).values_list("pk", flat=True).first() or runs.values_list("pk", flat=True).first()
    )


@transaction.atomic(durable=True)
def decline(*, referral_id: int, coordinator, reason: str, text: str = "") -> Referral:
    if reason not in Referral.DeclineReason.values:
        raise Refusal(_("Velg en grunn."), code="reason")
    referral = _open_for_answer(referral_id)
    acting = acting_coordinator(coordinator, referral)
    if referral.enrolment_id:
        places.release(enrolment_id=referral.enrolment_id, acting=acting, reason="referral_declined")
    referral.status = Status.DECLINED
    referral.decline_reason = reason
    referral.decline_text = text.strip()[:NOTE_MAX_LENGTH]
    referral.answered_at = referral.answered_at or timezone.now()
    referral.closed_at = timezone.now()
    referral.save(update_fields=["status", "decline_reason", "decline_text", "answered_at", "closed_at"])
    record(referral, Action.REFERRAL_DECLINED, acting, reason=reason)
    _tell_both(referral)
    return referral


@transaction.atomic(durable=True)
def ask_for_contact(*, referral_id: int, coordinator) -> Referral:
    referral = _open_for_answer(referral_id)
    referral.status = Status.CONTACT_REQUESTED
    referral.answered_at = referral.answered_at or timezone.now()
    referral.save(update_fields=["status", "answered_at"])
    record(referral, Action.REFERRAL_CONTACT_REQUESTED, acting_coordinator(coordinator, referral))
    _tell_both(referral)
    return referral


def _tell_both(referral):
    tasks.tell_after_commit(referral, "update_for_person")
    _tell_worker(referral)


def _tell_worker(referral):
    tasks.tell_after_commit(referral, "update_for_worker")


# --- the person ----------------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def confirm(*, referral_id: int, person) -> Referral:
    referral = Referral.objects.select_for_update().get(pk=referral_id, person=person)
    if referral.person_confirmed_at is None and referral.status not in Referral.CLOSED_STATUSES:
        referral.person_confirmed_at = timezone.now()
        referral.save(update_fields=["person_confirmed_at"])
        record(referral, Action.REFERRAL_CONFIRMED_BY_PERSON, Acting.citizen(referral.person))
    return referral


@transaction.atomic(durable=True)
def withdraw(*, referral_id: int, person) -> Referral:
    """The person withdraws consent: the referral closes, a held seat is freed and the note is erased at once."""
    referral = Referral.objects.select_for_update().get(pk=referral_id, person=person)
    if referral.status == Status.WITHDRAWN:
        return referral
    acting = Acting.citizen(referral.person)
    if referral.enrolment_id and referral.status in (
        Status.SENT,
        Status.SEEN,
        Status.CONTACT_REQUESTED,
        Status.WAITLISTED,
    ):
        places.release(enrolment_id=referral.enrolment_id, acting=acting, reason="referral_withdrawn")
    referral.status = Status.WITHDRAWN
    referral.note = ""
    referral.adaptation_needs = ""
    referral.closed_at = timezone.now()
    referral.save(update_fields=["status", "note", "adaptation_needs", "closed_at"])
    record(referral, Action.REFERRAL_WITHDRAWN, acting)
    _tell_worker(referral)
    return referral


@transaction.atomic(durable=True)
def set_sharing(*, referral_id: int, person, share: bool) -> Referral:
    referral = Referral.objects.select_for_update().get(pk=referral_id, person=person)
    if referral.share_progress != share:
        referral.share_progress = share
        referral.save(update_fields=["share_progress"])
        record(referral, Action.REFERRAL_SHARING_CHANGED, Acting.citizen(referral.person), share=share)
    return referral


# --- the municipality ----------------------------------------------------------------------------------


def break_glass(*, referral, admin, reason: str) -> None:
    """An admin opens a referral in an emergency: only with a written reason, logged, shown to the person."""
    reason = reason.strip()
    if len(reason) < 10:
        raise Refusal(_("Skriv en begrunnelse på minst ti tegn."), code="reason")
    log_read(
        referral=referral,
        acting=Acting.municipality_admin(admin, municipality_id=referral.service_unit.municipality_id),
        action=Read.REFERRAL_BREAK_GLASS,
        reason=reason[:500],
    )


# --- time-driven work (called by the sweep) ------------------------------------------------------------


def remind_unanswered(*, now=None) -> int:
    """Remind coordinators of referrals not answered within the provider's promised time (once)."""
    now = now or timezone.now()
    count = 0
    for referral in Referral.objects.filter(
        status__in=[Status.SENT, Status.SEEN], reminded_at__isnull=True
    ).select_related("offer__provider"):
        if referral.created_at + dt.timedelta(days=referral.offer.provider.referral_response_days) <= now:
            with transaction.atomic():  # marked reminded only with the reminder queued
                Referral.objects.filter(pk=referral.pk).update(reminded_at=now)
                tasks.tell.enqueue(referral.pk, "reminder_for_provider")
            count += 1
    return count


@transaction.atomic(durable=True)
def erase_expired(*, now=None) -> int:
    """Erase personal data from referrals closed longer than the municipality's retention time.
    The row (offer, unit, dates, status) stays, so the figures for reports survive."""
    now = now or timezone.now()
    erased = 0
    candidates = (
        Referral.objects.select_for_update(of=("self",))
        .filter(closed_at__isnull=False, erased_at__isnull=True)
        .select_related("service_unit__municipality")
        .order_by("pk")
    )
    for referral in candidates:
        days = referral.service_unit.municipality.referral_retention_days
        if referral.closed_at + dt.timedelta(days=days) > now:
            continue
        person = referral.person
        referral.person = None
        _erase_typed(referral)
        referral.decline_text = ""
        referral.erased_at = now
        referral.save(update_fields=["person", *TYPED, "decline_text", "erased_at"])
        record_change(acting=Acting.system(), action=Action.REFERRAL_ERASED, subject=person, obj=referral)
        erased += 1
    return erased


# What a referral holds about the person, as typed: erased with the account, and after the retention time.
TYPED = ("name", "email", "phone", "birth_date", "note", "adaptation_needs")


def _erase_typed(referral) -> None:
    for field in TYPED:
        setattr(referral, field, None if field == "birth_date" else "")


def usual_response_days(provider) -> int | None:
    """How many days the provider usually takes to answer (the median of its last 50 answers)."""
    answered = (
        Referral.objects.filter(offer__provider=provider, answered_at__isnull=False)
        .order_by("-answered_at")
        .values_list("created_at", "answered_at")[:50]
    )
    days = [max((answered_at - created_at).total_seconds() / 86400, 0) for created_at, answered_at in answered]
    if len(days) < 3:
        return None
    return max(round(statistics.median(days)), 1)


def withdraw_all_for_person(*, person) -> int:
    """Part of deleting an account: every referral about the person closes and its note is erased.

    The referrals are locked together, after the person and before any run; the seats and places they hold
    are given up with the person's others by enrolment.services.places.cancel_all_for_person, which locks the
    runs (mypage.services.delete_account calls it next)."""
    count = 0
    for referral in Referral.objects.select_for_update().filter(person=person).order_by("pk"):
        withdrawn_before = referral.status == Status.WITHDRAWN
        referral.status = Status.WITHDRAWN if referral.is_open else referral.status
        _erase_typed(referral)
        referral.closed_at = referral.closed_at or timezone.now()
        referral.save(update_fields=["status", *TYPED, "closed_at"])
        if not withdrawn_before:
            record(referral, Action.REFERRAL_WITHDRAWN, Acting.citizen(referral.person), reason="account_deleted")
            count += 1
    return count
