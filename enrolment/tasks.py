"""Background work for enrolments: e-mails, offer deadlines and session reminders.

Every task is safe to run twice. An e-mail that cannot be sent is tried again later (base.mail.email_task).
"""

import datetime as dt
import logging
from email.mime.text import MIMEText

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks import task

from accounts.people import find_citizen
from base import mail, sms
from courses.calendar import SessionEvent, run_calendar_bytes
from courses.models import Run, Session
from enrolment import links
from enrolment.models import Enrolment, Interest, SeatHold, SessionReminder

logger = logging.getLogger(__name__)

REMINDER_LEAD = dt.timedelta(hours=24)


def email_after_commit(enrolment: Enrolment, kind: str, *, had_seat: bool = False) -> None:
    """The e-mail about what just happened to the enrolment, queued in the change's transaction (committed with it,
    or rolled back with it: base/tasks.py) and sent once the change is committed."""
    send_enrolment_email.enqueue(enrolment.pk, kind, had_seat)


def _send(*, template: str, person, context: dict, attachments=()) -> None:
    mail.send(
        template=f"enrolment/email/{template}",
        to=person.email,
        language=person.preferred_language,
        context=context,
        attachments=attachments,
    )


def _calendar_attachment(run, sessions, cancelled=()) -> MIMEText | None:
    """The run's calendar file (with `cancelled`, events of deleted sessions, marked cancelled) as an e-mail
    part, or None when it would have no event (a calendar needs at least one). Its bytes travel base64-encoded,
    so the CRLF line endings RFC 5545 asks for arrive as written, whatever the mail system does with line
    endings; and its Content-Type names the method, as RFC 6047 (iCalendar in e-mail) requires:
    text/calendar; method=PUBLISH."""
    if not sessions and not cancelled:
        return None
    part = MIMEText(run_calendar_bytes(run=run, sessions=sessions, cancelled=cancelled).decode(), "calendar", "utf-8")
    part.set_param("method", "PUBLISH", requote=False)
    part.add_header("Content-Disposition", "attachment", filename=f"{run.offer.slug}.ics")
    return part


def _reachable(person) -> bool:
    """An erased account, or an address that stands in for a mobile number, gets no e-mail."""
    return not person.anonymised_at and bool(person.contact_email)


def _context(enrolment):
    run = enrolment.run
    return {
        "enrolment": enrolment,
        "run": run,
        "offer": run.offer,
        "sessions": list(run.sessions.select_related("location")),
        "offer_url": settings.PORTAL_BASE_URL + run.offer.get_absolute_url(),
        "cancel_url": links.action_url(enrolment, "cancel"),
        "accept_url": links.action_url(enrolment, "accept"),
        "decline_url": links.action_url(enrolment, "decline"),
    }


def _carries_calendar(kind: str, *, had_seat: bool) -> bool:
    """A new seat brings the dates; a cancelled run takes them back from everyone who was sent them (people
    on its waiting list never were). The run's file says which it is: each event's STATUS follows the run."""
    return kind == "confirmed" or (kind == "run_cancelled" and had_seat)


# What each e-mail says holds only while the enrolment is in one of these statuses. The task runs after the change
# that queued it (after a failed try, minutes after), and the enrolment may have moved on meanwhile: a seat offered
# to someone queued as waiting, a waiting place given up, an offer taken. Its e-mail would then tell them something
# that is no longer so, while the e-mail about what happened next is on its way or has gone: it is skipped.
# An enrolment that has ended stays ended, so the e-mails about an end always hold.
_STILL_TRUE_WHILE = {
    "confirmed": {"confirmed"},
    "waitlisted": {"waitlisted"},
    "offered": {"offered"},
    "offer_reminder": {"offered"},
    "offer_expired": {"cancelled"},
    "cancelled": {"cancelled"},
    "run_cancelled": {"cancelled"},
}


def _skip(kind: str, enrolment_id: int) -> None:
    logger.info("Skipped the %s e-mail of enrolment %s: it no longer holds", kind, enrolment_id)


@mail.email_task
def send_enrolment_email(enrolment_id: int, kind: str, had_seat: bool = False) -> None:
    """`had_seat`: the person held a seat when this happened (the enrolment's status may have moved on)."""
    enrolment = Enrolment.objects.select_related("person", "run__offer__provider").filter(pk=enrolment_id).first()
    if enrolment is None or enrolment.status not in _STILL_TRUE_WHILE[kind]:
        _skip(kind, enrolment_id)
        return
    person = enrolment.person
    if not _reachable(person):
        return
    context = _context(enrolment)
    if kind == "waitlisted":
        place = Enrolment.objects.waiting_position(enrolment)
        if place is None:  # offered a seat, or gone, since the status was read
            _skip(kind, enrolment_id)
            return
        context["position"], context["waiting"] = place
    calendar = (
        _calendar_attachment(enrolment.run, context["sessions"]) if _carries_calendar(kind, had_seat=had_seat) else None
    )
    context["calendar_attached"] = calendar is not None
    _send(template=kind, person=person, context=context, attachments=[calendar] if calendar is not None else [])


@mail.email_task
def send_sessions_moved_email(enrolment_id: int, session_ids: list[int], cancelled: list[dict] | None = None) -> None:
    """The sessions still to come, as they are now, with the changed ones (`session_ids`) marked, the deleted
    ones (`cancelled`: courses.calendar.SessionEvent as JSON, as the rows are gone) listed as cancelled, and
    the run's calendar file, whose revised and cancelled events carry a higher SEQUENCE so calendar programs
    take them."""
    enrolment = (
        Enrolment.objects.select_related("person", "run__offer__provider", "run__semester")
        .filter(pk=enrolment_id)
        .first()
    )
    if enrolment is None or not (enrolment.is_active and enrolment.holds_seat):
        _skip("sessions_moved", enrolment_id)  # left the run, or the run was cancelled: the dates are not theirs
        return
    person = enrolment.person
    if not _reachable(person):
        return
    context = _context(enrolment)
    now = timezone.now()
    upcoming = [session for session in context["sessions"] if session.ends_at > now]
    for session in upcoming:
        session.moved = session.pk in session_ids
    gone = [SessionEvent.from_json(event) for event in cancelled or []]
    calendar = _calendar_attachment(enrolment.run, context["sessions"], gone)
    context.update(
        sessions=upcoming,
        cancelled=gone,
        moved=any(session.moved for session in upcoming),
        calendar_attached=calendar is not None,
    )
    _send(
        template="sessions_moved",
        person=person,
        context=context,
        attachments=[calendar] if calendar is not None else [],
    )


def schedule_offer_follow_ups(enrolment_id: int, expires_at) -> None:
    """A reminder before a seat offer runs out, and the expiry itself, at their own times."""
    remind_at = expires_at - min(dt.timedelta(hours=12), (expires_at - timezone.now()) / 2)
    for task_, when in ((remind_offer, remind_at), (expire_offer, expires_at)):
        deferred = mail.later(task_, when)
        if deferred is not None:  # without a waiting backend, the sweep catches expired offers
            deferred.enqueue(enrolment_id)


@task()
def remind_offer(enrolment_id: int) -> None:
    with transaction.atomic():
        enrolment = (
            Enrolment.objects.select_for_update()
            .filter(pk=enrolment_id, status=Enrolment.Status.OFFERED, offer_reminded_at__isnull=True)
            .first()
        )
        if enrolment is None:
            return
        enrolment.offer_reminded_at = timezone.now()
        enrolment.save(update_fields=["offer_reminded_at"])
        send_enrolment_email.enqueue(enrolment_id, "offer_reminder")


@task()
def expire_offer(enrolment_id: int) -> None:
    # The services enqueue this module's tasks, so they are imported when a task runs, not before.
    from enrolment.services.waiting_list import expire_offer as expire

    expire(enrolment_id=enrolment_id)


@mail.email_task
def send_interest_email(interest_id: int, run_id: int) -> None:
    interest = Interest.objects.select_related("person", "offer").filter(pk=interest_id).first()
    if interest is None:
        return
    run = Run.objects.select_related("semester").filter(pk=run_id, status=Run.Status.PUBLISHED).first()
    if run is None:  # cancelled (or deleted) since it was published: there are no new dates to tell of
        logger.info("Skipped the interest_new_run e-mail of interest %s: run %s is not published", interest_id, run_id)
        return
    _send(
        template="interest_new_run",
        person=interest.person,
        context={
            "offer": interest.offer,
            "run": run,
            "offer_url": settings.PORTAL_BASE_URL + interest.offer.get_absolute_url(),
        },
    )


@mail.email_task
def send_hold_message(hold_id: int) -> None:
    """The message to the address a sign-up without an account named: the one place that looks at whom the address
    belongs to, so the page the form led to says the same to everyone. A link and a code to confirm; to an e-mail
    address with an account, to sign in and confirm; to an address already on the run, that it is. The code is
    drawn here from the server's secret (holds.code_for), so it is in the message and nowhere else, and a message
    sent again carries the same one."""
    from enrolment.services.holds import code_for, hash_code  # see expire_offer

    hold = SeatHold.objects.select_related("run__offer", "run__semester").filter(pk=hold_id).first()
    if hold is None or hold.status != SeatHold.Status.HELD:
        _skip("hold", hold_id)
        return
    person = find_citizen(email=hold.email, phone=hold.phone)
    context = {
        "run": hold.run,
        "offer": hold.run.offer,
        "hold": hold,
        "minutes": settings.SEAT_HOLD_MINUTES,
        "offer_url": settings.PORTAL_BASE_URL + hold.run.offer.get_absolute_url(),
        "confirm_url": links.hold_url(hold, "confirm"),
    }
    if person is not None and Enrolment.objects.filter(run=hold.run, person=person).active().exists():
        kind = "already"
    elif person is not None and hold.channel == SeatHold.Channel.EMAIL:
        kind = "sign_in"
    else:
        kind = "confirm"
        context["code"] = code = code_for(hold)
        SeatHold.objects.filter(pk=hold.pk).update(code_hash=hash_code(hold, code))
    if hold.channel == SeatHold.Channel.EMAIL:
        mail.send(template=f"enrolment/email/hold_{kind}", to=hold.email, language=hold.language, context=context)
    else:
        sms.send_template(template=f"enrolment/sms/hold_{kind}", to=hold.phone, language=hold.language, context=context)


def schedule_hold_expiry(hold_id: int, expires_at) -> None:
    deferred = mail.later(expire_hold, expires_at)
    if deferred is not None:  # without a waiting backend, the sweep catches expired holds
        deferred.enqueue(hold_id)


@task()
def expire_hold(hold_id: int) -> None:
    from enrolment.services.holds import expire_hold as expire  # see expire_offer

    expire(hold_id=hold_id)


def do_due_work(*, now) -> None:
    """The enrolment app's part of the recurring sweep (recovery_portal.tasks.sweep): expire overdue offers and
    holds (a safety net under their own deadlines' tasks), forget which client held seats more than an hour ago,
    and queue the session reminders that are due."""
    from enrolment.services.holds import expire_hold as expire_seat_hold  # see expire_offer
    from enrolment.services.waiting_list import expire_offer as expire  # see expire_offer

    for enrolment_id in Enrolment.objects.filter(
        status__in=[Enrolment.Status.OFFERED, Enrolment.Status.HELD], offer_expires_at__lte=now
    ).values_list("pk", flat=True):
        expire(enrolment_id=enrolment_id, now=now)
    for hold_id in SeatHold.objects.filter(status=SeatHold.Status.HELD, expires_at__lte=now).values_list(
        "pk", flat=True
    ):
        expire_seat_hold(hold_id=hold_id, now=now)
    SeatHold.objects.filter(created_at__lte=now - dt.timedelta(hours=1)).exclude(client="").update(client="")
    for enrolment, session in SessionReminder.due(now=now, lead=REMINDER_LEAD):
        try:
            with transaction.atomic():
                SessionReminder.objects.create(enrolment=enrolment, session=session)
                send_session_reminder.enqueue(enrolment.pk, session.pk)
        except IntegrityError:
            continue


@mail.email_task
def send_session_reminder(enrolment_id: int, session_id: int) -> None:
    enrolment = Enrolment.objects.select_related("person", "run__offer").filter(pk=enrolment_id).first()
    session = (
        Session.objects.select_related("location")
        .filter(pk=session_id, run_id=getattr(enrolment, "run_id", None), run__status=Run.Status.PUBLISHED)
        .first()
    )
    # Left the run, the run was cancelled, or the session deleted, since the reminder was queued.
    if enrolment is None or enrolment.status != Enrolment.Status.CONFIRMED or session is None:
        _skip("session_reminder", enrolment_id)
        return
    person, context = enrolment.person, {**_context(enrolment), "session": session}
    if person.reminder_channel == "sms":
        sms.send_template(
            template="enrolment/sms/session_reminder",
            to=person.phone,
            language=person.preferred_language,
            context=context,
        )
    elif person.reminder_channel == "email":
        _send(template="session_reminder", person=person, context=context)
