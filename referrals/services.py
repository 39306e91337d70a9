"""Every change to a referral. Each writes an audit row; the person and the worker are told by e-mail
(a link only, never the content). Seats are held and placed through enrolment.services, under the
same run lock as sign-ups, and locks are taken in the order enrolment.services describes: the person,
then the referral, then the runs."""

import datetime as dt
import statistics

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import find_or_create_citizen, lock_person
from audit.services import Acting, record_access, record_change
from courses.models import Run
from enrolment import services as enrolment_services
from enrolment.models import Enrolment
from referrals import tasks
from referrals.models import NOTE_MAX_LENGTH, Referral

Status = Referral.Status


class ReferralRefusal(Exception):
    def __init__(self, message: str, *, code: str = "refused"):
        super().__init__(message)
        self.message = message
        self.code = code


def _acting_worker(referral) -> Acting:
    return Acting(user=referral.referrer, role="health_worker", organisation=f"service_unit:{referral.service_unit_id}")


def _record(referral, action, acting, **detail):
    record_change(acting=acting, action=f"referral.{action}", subject=referral.person, obj=referral, detail=detail)


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
    """Send a referral. Returns the referral and whether a seat is being held."""
    now = now or timezone.now()
    if not consent_method or consent_given_at is None:
        raise ReferralRefusal(
            _("En henvisning trenger personens samtykke: hvordan og når det ble gitt."), code="consent"
        )
    if len(note) > NOTE_MAX_LENGTH or len(adaptation_needs) > NOTE_MAX_LENGTH:
        raise ReferralRefusal(_("Notatet kan være høyst %(count)s tegn.") % {"count": NOTE_MAX_LENGTH}, code="note")
    if run is not None and run.offer_id != offer.pk:
        raise ReferralRefusal(_("Gjennomføringen hører ikke til dette tilbudet."), code="run")
    person = find_or_create_citizen(name=name, email=email, phone=phone, birth_date=birth_date, language=language)
    if Referral.objects.open().filter(person=person, offer=offer).exists():
        raise ReferralRefusal(_("Personen har allerede en åpen henvisning til dette tilbudet."), code="duplicate")
    referral = Referral.objects.create(
        offer=offer,
        run=run,
        person=person,
        referrer=referrer,
        service_unit=service_unit,
        consent_method=consent_method,
        consent_given_at=consent_given_at,
        adaptation_needs=adaptation_needs.strip(),
        note=note.strip(),
    )
    acting = _acting_worker(referral)
    _record(referral, "sent", acting, offer=offer.pk, run=run.pk if run else None, consent=consent_method)
    held = False
    if hold_seat and run is not None:
        until = now + dt.timedelta(days=offer.provider.referral_hold_days)
        try:
            with transaction.atomic():
                referral.enrolment = enrolment_services.hold_seat(
                    run_id=run.pk, person=person, until=until, acting=acting, now=now
                )
        except enrolment_services.EnrolmentRefusal:
            held = False
        else:
            referral.save(update_fields=["enrolment"])
            held = True
    transaction.on_commit(lambda: tasks.tell.enqueue(referral.pk, "new_for_person"))
    transaction.on_commit(lambda: tasks.tell.enqueue(referral.pk, "new_for_provider"))
    return referral, held


def log_read(*, referral, user, role: str, organisation: str, action: str = "referral.viewed", reason: str = ""):
    """Every read of a referral is logged, so the person can see who has looked at it."""
    record_access(
        acting=Acting(user=user, role=role, organisation=organisation),
        action=action,
        subject=referral.person,
        obj=referral,
        reason=reason,
    )


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
        _record(referral, "seen", _acting_coordinator(coordinator, referral))
    return referral


def _acting_coordinator(user, referral) -> Acting:
    return Acting(user=user, role="coordinator", organisation=f"provider:{referral.offer.provider_id}")


def _open_for_answer(referral_id) -> Referral:
    referral = Referral.objects.select_for_update(of=("self",)).select_related("offer__provider").get(pk=referral_id)
    if not referral.is_open:
        raise ReferralRefusal(_("Henvisningen er allerede avsluttet."), code="closed")
    return referral


@transaction.atomic(durable=True)
def accept(*, referral_id: int, coordinator, run_id: int | None = None) -> Referral:
    """Give the person a place (the held seat, a free seat, or the waiting list)."""
    _lock_person_of(referral_id)
    referral = _open_for_answer(referral_id)
    run_id = run_id or referral.run_id or _next_available_run_id(referral.offer)
    if run_id is None:
        raise ReferralRefusal(_("Tilbudet har ingen gjennomføring å ta personen inn på ennå."), code="no_run")
    if not Run.objects.filter(pk=run_id, offer_id=referral.offer_id).exists():
        raise ReferralRefusal(_("Gjennomføringen hører ikke til dette tilbudet."), code="run")
    acting = _acting_coordinator(coordinator, referral)
    try:
        enrolment = enrolment_services.place_from_referral(
            run_id=run_id, person=referral.person, acting=acting, held=referral.enrolment
        )
    except enrolment_services.EnrolmentRefusal as refusal:
        raise ReferralRefusal(refusal.message, code=refusal.code) from refusal
    referral.enrolment = enrolment
    referral.run_id = run_id
    referral.status = status_after(referral, enrolment) or referral.status  # a place, or the waiting list
    referral.answered_at = referral.answered_at or timezone.now()
    referral.save(update_fields=["enrolment", "run", "status", "answered_at"])
    _record(referral, referral.status, acting, run=run_id)
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


def lock_referrals_of(*, enrolment_ids) -> dict[int, Referral]:
    """For a change to enrolments that the referrals they came from follow (follow_enrolment): those referrals'
    locks, in id order, taken before any run's. Keyed by enrolment id; an enrolment no referral came from has
    no key."""
    referrals = Referral.objects.select_for_update().filter(enrolment_id__in=list(enrolment_ids)).order_by("pk")
    return {referral.enrolment_id: referral for referral in referrals}


def lock_referral_of(*, enrolment_id: int) -> Referral | None:
    """The same for one enrolment."""
    return lock_referrals_of(enrolment_ids=[enrolment_id]).get(enrolment_id)


def _next_available_run_id(offer):
    run = (
        Run.objects.upcoming()
        .filter(offer=offer, starts_at__gte=timezone.now())
        .with_seats()
        .order_by("starts_at")
        .first()
    )
    return run.pk if run else None


@transaction.atomic(durable=True)
def decline(*, referral_id: int, coordinator, reason: str, text: str = "") -> Referral:
    if reason not in Referral.DeclineReason.values:
        raise ReferralRefusal(_("Velg en grunn."), code="reason")
    referral = _open_for_answer(referral_id)
    acting = _acting_coordinator(coordinator, referral)
    if referral.enrolment_id:
        enrolment_services.release(enrolment_id=referral.enrolment_id, acting=acting, reason="referral_declined")
    referral.status = Status.DECLINED
    referral.decline_reason = reason
    referral.decline_text = text.strip()[:NOTE_MAX_LENGTH]
    referral.answered_at = referral.answered_at or timezone.now()
    referral.closed_at = timezone.now()
    referral.save(update_fields=["status", "decline_reason", "decline_text", "answered_at", "closed_at"])
    _record(referral, "declined", acting, reason=reason)
    _tell_both(referral)
    return referral


@transaction.atomic(durable=True)
def ask_for_contact(*, referral_id: int, coordinator) -> Referral:
    referral = _open_for_answer(referral_id)
    referral.status = Status.CONTACT_REQUESTED
    referral.answered_at = referral.answered_at or timezone.now()
    referral.save(update_fields=["status", "answered_at"])
    _record(referral, "contact_requested", _acting_coordinator(coordinator, referral))
    _tell_both(referral)
    return referral


def _tell_both(referral):
    transaction.on_commit(lambda: tasks.tell.enqueue(referral.pk, "update_for_person"))
    _tell_worker(referral)


def _tell_worker(referral):
    transaction.on_commit(lambda: tasks.tell.enqueue(referral.pk, "update_for_worker"))


# --- the person ----------------------------------------------------------------------------------------


def _acting_person(referral) -> Acting:
    return Acting(user=referral.person, role="citizen")


@transaction.atomic(durable=True)
def confirm(*, referral_id: int, person) -> Referral:
    referral = Referral.objects.select_for_update().get(pk=referral_id, person=person)
    if referral.person_confirmed_at is None and referral.status not in Referral.CLOSED_STATUSES:
        referral.person_confirmed_at = timezone.now()
        referral.save(update_fields=["person_confirmed_at"])
        _record(referral, "confirmed_by_person", _acting_person(referral))
    return referral


@transaction.atomic(durable=True)
def withdraw(*, referral_id: int, person) -> Referral:
    """The person withdraws consent: the referral closes, a held seat is freed and the note is erased at once."""
    referral = Referral.objects.select_for_update().get(pk=referral_id, person=person)
    if referral.status == Status.WITHDRAWN:
        return referral
    acting = _acting_person(referral)
    if referral.enrolment_id and referral.status in (
        Status.SENT,
        Status.SEEN,
        Status.CONTACT_REQUESTED,
        Status.WAITLISTED,
    ):
        enrolment_services.release(enrolment_id=referral.enrolment_id, acting=acting, reason="referral_withdrawn")
    referral.status = Status.WITHDRAWN
    referral.note = ""
    referral.adaptation_needs = ""
    referral.closed_at = timezone.now()
    referral.save(update_fields=["status", "note", "adaptation_needs", "closed_at"])
    _record(referral, "withdrawn", acting)
    _tell_worker(referral)
    return referral


@transaction.atomic(durable=True)
def set_sharing(*, referral_id: int, person, share: bool) -> Referral:
    referral = Referral.objects.select_for_update().get(pk=referral_id, person=person)
    if referral.share_progress != share:
        referral.share_progress = share
        referral.save(update_fields=["share_progress"])
        _record(referral, "sharing_changed", _acting_person(referral), share=share)
    return referral


# --- the municipality ----------------------------------------------------------------------------------


def break_glass(*, referral, admin, reason: str) -> None:
    """An admin opens a referral in an emergency: only with a written reason, logged, shown to the person."""
    reason = reason.strip()
    if len(reason) < 10:
        raise ReferralRefusal(_("Skriv en begrunnelse på minst ti tegn."), code="reason")
    log_read(
        referral=referral,
        user=admin,
        role="municipality_admin",
        organisation=f"municipality:{referral.service_unit.municipality_id}",
        action="referral.break_glass",
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
        referral.note = ""
        referral.adaptation_needs = ""
        referral.decline_text = ""
        referral.erased_at = now
        referral.save(update_fields=["person", "note", "adaptation_needs", "decline_text", "erased_at"])
        record_change(acting=Acting.system(), action="referral.erased", subject=person, obj=referral)
        erased += 1
    return erased


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


# --- following the enrolment a referral led to --------------------------------------------------------------

# Closed by the person or by the provider's answer, not by the enrolment: what becomes of the enrolment after
# that is no longer the referral's story.
_NOT_FOLLOWING = (Status.WITHDRAWN, Status.DECLINED)
_UNANSWERED = (Status.SENT, Status.SEEN, Status.CONTACT_REQUESTED)


def status_after(referral: Referral, enrolment, *, attended: bool = False) -> str | None:
    """What a referral says once the enrolment it led to has changed, or None if it says what it said. The one
    place this rule lives; accepting a referral and every enrolment service that changes an enrolment a referral
    may have led to go through follow_enrolment (or mark_started), which apply it.

    ==========================================  =====================================  ==============
    the enrolment is now                        the referral said                      it says
    ==========================================  =====================================  ==============
    confirmed (accepted, a freed seat taken,    sent, seen, contact_requested,         accepted
    moved to another run)                       waitlisted
    waitlisted (accepted onto a full run)       sent, seen, contact_requested          waitlisted
    offered a freed seat; a seat held           anything                               (unchanged)
    cancelled, with its run cancelled           accepted, waitlisted, started          run_cancelled
    cancelled (by the person or coordinator,    accepted, waitlisted                   cancelled
    a freed seat declined or not taken in time)
    cancelled                                   started                                stopped
    completed                                   anything                               completed
    dropped out                                 anything                               stopped
    marked present at a session                 accepted                               started
    ==========================================  =====================================  ==============

    Never followed: a withdrawn or declined referral (_NOT_FOLLOWING). An unanswered referral changes only by
    getting a place: a held seat that ends (expired, cancelled) is no answer, the coordinator still gives one.
    A seat offered from the waiting list is not a place until the person takes it, which is also why offering
    one (under the run's lock, from many services) never writes a referral. The stored status is the truth;
    what the referrer sees of it, and hears of by e-mail, is the person's choice (Referral.referrer_sees_status)."""
    current = referral.status
    if current in _NOT_FOLLOWING:
        return None
    Enrolled = Enrolment.Status
    if attended:
        new = Status.STARTED if current == Status.ACCEPTED else None
    elif enrolment.status == Enrolled.CONFIRMED:
        new = Status.ACCEPTED if current in (*_UNANSWERED, Status.WAITLISTED) else None
    elif enrolment.status == Enrolled.WAITLISTED:
        new = Status.WAITLISTED if current in _UNANSWERED else None
    elif enrolment.status == Enrolled.CANCELLED:
        if current not in (Status.ACCEPTED, Status.WAITLISTED, Status.STARTED):
            new = None
        elif enrolment.run.status == Run.Status.CANCELLED:
            new = Status.RUN_CANCELLED
        else:
            new = Status.STOPPED if current == Status.STARTED else Status.CANCELLED
    elif enrolment.status == Enrolled.COMPLETED:
        new = Status.COMPLETED
    elif enrolment.status == Enrolled.DROPPED_OUT:
        new = Status.STOPPED
    else:
        new = None
    return new if new != current else None


def follow_enrolment(*, referral: Referral | None, enrolment, acting: Acting, reason: str = "", moved_to=None) -> None:
    """Bring the referral the enrolment came from in line with it (status_after), with an audit row.

    `referral` is what lock_referrals_of returned: its caller locked it before any run, as every path that writes
    a referral does. A person moved to another run (`moved_to`, the new enrolment) takes the referral along."""
    if referral is None or referral.status in _NOT_FOLLOWING:
        return
    fields = []
    detail = {"reason": reason} if reason else {}
    if moved_to is not None:
        detail.update(from_run=referral.run_id, run=moved_to.run_id)
        referral.enrolment, referral.run_id = moved_to, moved_to.run_id
        fields += ["enrolment", "run"]
        enrolment = moved_to
    new = status_after(referral, enrolment)
    if new is not None:
        detail["from"] = referral.status
        referral.status = new
        fields.append("status")
        if new in Referral.CLOSED_STATUSES:
            referral.closed_at = referral.closed_at or timezone.now()
            fields.append("closed_at")
    if fields:
        referral.save(update_fields=fields)
        _record(referral, new or "moved", acting, **detail)
    if new is not None:
        _tell_worker_of_news(referral)


def _tell_worker_of_news(referral: Referral) -> None:
    """A referral's status followed its enrolment: the referrer hears that there is news (a link, nothing more), if
    the new status is one the person lets them see (Referral.referrer_sees_status); otherwise the e-mail itself
    would tell them that something happened. The person is not told here: they did it themselves, or the e-mail
    about their enrolment told them."""
    if referral.referrer_sees_status:
        _tell_worker(referral)


def mark_started(*, enrolment_ids, acting: Acting) -> int:
    """The first time a referred person is marked present, their referral shows "started". Written without the
    referral's lock: attendance holds no run's lock, so nothing here waits in the wrong order."""
    started = 0
    for referral in Referral.objects.filter(enrolment_id__in=enrolment_ids).select_related("enrolment"):
        new = status_after(referral, referral.enrolment, attended=True)
        if new is not None:
            referral.status = new
            referral.save(update_fields=["status"])
            _record(referral, new, acting)
            _tell_worker_of_news(referral)
            started += 1
    return started


def withdraw_all_for_person(*, person) -> int:
    """Part of deleting an account: every referral about the person closes and its note is erased.

    The referrals are locked together, after the person and before any run; the seats and places they hold
    are given up with the person's others by enrolment.services.cancel_all_for_person, which locks the runs
    (accounts.services.delete_account calls it next)."""
    count = 0
    referrals = Referral.objects.select_for_update().filter(person=person).exclude(status=Status.WITHDRAWN)
    for referral in referrals.order_by("pk"):
        referral.status = Status.WITHDRAWN if referral.is_open else referral.status
        referral.note = ""
        referral.adaptation_needs = ""
        referral.closed_at = referral.closed_at or timezone.now()
        referral.save(update_fields=["status", "note", "adaptation_needs", "closed_at"])
        _record(referral, "withdrawn", _acting_person(referral), reason="account_deleted")
        count += 1
    return count
