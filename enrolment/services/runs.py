"""A run's life: made, edited, published, cancelled. The coordinator's run page and the Django admin both call
these, so a run changes one way whoever changes it: under its lock, in one transaction, with one audit row, and
with everyone whose dates moved told once."""

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from audit.acting import Acting
from audit.actions import Action
from audit.services import record_change
from courses import services as course_services
from courses.calendar import SessionEvent
from courses.models import Run, Session
from enrolment import following, tasks
from enrolment.models import Enrolment, Interest
from enrolment.refusals import EnrolmentRefusal
from enrolment.seats import count_seats
from enrolment.services import changes, locks
from enrolment.services.waiting_list import offer_free_seats

Status = Enrolment.Status


@transaction.atomic(durable=True)
def create_run(*, run: Run, sessions, acting: Acting) -> Run:
    """A new run (an unsaved instance, as a form made it), always a draft, with its sessions (a bound, valid
    session formset for it). Nobody holds a seat on it yet, so nobody is told anything."""
    run.status = Run.Status.DRAFT
    run.published_at = None
    run.save()
    sessions.instance = run
    sessions.save()
    course_services.refresh_run_dates(run_ids=[run.pk])
    record_change(
        acting=acting,
        action=Action.RUN_CREATED,
        obj=run,
        detail={"capacity": run.capacity, "sessions": {"added": [session.pk for session in sessions.new_objects]}},
    )
    return run


@transaction.atomic(durable=True)
def edit_run(*, run_id: int, fields: dict, sessions=None, acting: Acting, now=None) -> int:
    """Save an edit of a run: its own fields (``fields``, as a form cleaned them; the number of seats among them
    or not) and its sessions (``sessions``, a bound, valid session formset of the run, or None).

    The run is locked first, so the seats cannot change while the new number is checked against them: it may
    not be lower than the seats taken (enrolment.seats). Seats that an edit frees (more seats, an earlier end to
    those held for continuing participants) go to the waiting list. Calendar events whose time, place or theme
    changed, or whose session was deleted, get a new revision, and everyone with a place or an offered seat hears
    of them in one e-mail (``revise_calendar_events``). One audit row names what changed (never the values, but
    the number of seats); an edit that changes nothing writes none. Returns how many people are told."""
    now = now or timezone.now()
    run = locks.lock_run(run_id)
    changed = [name for name, value in fields.items() if getattr(run, name) != value]
    sessions_changed = sessions is not None and sessions.has_changed()
    if not changed and not sessions_changed:
        if sessions is not None:
            sessions.save()  # saves nothing, and says so to whoever reads the formset after (the admin's history)
        return 0
    calendar_before = course_services.calendar_snapshot(Session.objects.filter(run=run))
    detail: dict = {"fields": changed}
    if "capacity" in changed:
        taken = count_seats(run, now=now).taken
        if fields["capacity"] < taken:
            raise EnrolmentRefusal(
                ngettext(
                    "%(count)s plass er allerede i bruk (en deltaker, et tilbud om ledig plass eller en plass som er "
                    "holdt av), så antall plasser kan ikke bli lavere enn %(count)s. Flytt eller meld av noen først.",
                    "%(count)s plasser er allerede i bruk (deltakere, tilbud om ledig plass og plasser som er holdt "
                    "av), så antall plasser kan ikke bli lavere enn %(count)s. Flytt eller meld av noen først.",
                    taken,
                )
                % {"count": taken},
                code="below_taken",
            )
        detail["capacity"] = {"from": run.capacity, "to": fields["capacity"]}
    for name in changed:
        setattr(run, name, fields[name])
    if changed:
        run.save(update_fields=changed)
    deleted = (
        course_services.events_to_cancel(session_ids=course_services.deleted_session_ids(sessions))
        if (sessions_changed)
        else []
    )
    if sessions is not None:
        sessions.save()  # saves nothing when nothing changed, and says so to whoever reads the formset after
    if sessions_changed:
        course_services.refresh_run_dates(run_ids=[run.pk])
        rows = {
            "added": [session.pk for session in sessions.new_objects],
            "changed": {str(session.pk): list(names) for session, names in sessions.changed_objects},
            "deleted": [event.pk for event in deleted],
        }
        detail["sessions"] = {what: pks for what, pks in rows.items() if pks}
    revised, told = revise_calendar_events(before=calendar_before, deleted=deleted, now=now)
    detail.update(sessions_revised=revised, told=told)
    offer_free_seats(run, now=now)
    record_change(acting=acting, action=Action.RUN_UPDATED, obj=run, detail=detail)
    return told


def revise_calendar_events(*, before: dict[int, tuple], deleted: Sequence[SessionEvent] = (), now=None):
    """After an edit of sessions, or of what their events show (a run's, an offer's, a place's, a provider's
    fields): each event that now shows something else gets a new revision (courses.services), and the people
    whose dates moved are told (``tell_about_moved_sessions``). Only a new time, place or theme is news; a new
    title or name revises the events without an e-mail (the next file fetched carries it). Runs inside the
    caller's transaction; returns (the revised sessions, how many people are told)."""
    revision = course_services.raise_revised_sequences(before=before)
    return revision.revised, tell_about_moved_sessions(session_ids=revision.moved, deleted=deleted, now=now)


def tell_about_moved_sessions(*, session_ids: list[int], deleted: Sequence[SessionEvent] = (), now=None) -> int:
    """Everyone with a place or an offered seat on a published run whose moved (``session_ids``) or deleted
    (``deleted``: their events as they were) session has not ended gets one e-mail per run, after commit, with the
    sessions as they are now and the updated calendar file, in which each deleted session's event comes once
    more, cancelled. The waiting list has no dates to correct, and a seat held for a referral is not the person's
    until the referral is answered (the answer brings the dates); a correction to, or deletion of, a session
    that is over tells nobody. Returns how many are told."""
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
            tasks.send_sessions_moved_email.enqueue(enrolment_id, moved_ids, cancelled)
            told += 1
    return told


@transaction.atomic(durable=True)
def publish_run(*, run_id: int, acting: Acting) -> int:
    """Publish a run; people who asked to hear about the offer's next semester are told first."""
    run = locks.lock_run(run_id)
    if run.status != Run.Status.DRAFT:
        return 0
    run.status = Run.Status.PUBLISHED
    run.published_at = timezone.now()
    # No new calendar revision: a draft's file was never handed out, so no calendar holds an older one.
    run.save(update_fields=["status", "published_at"])
    record_change(acting=acting, action=Action.RUN_PUBLISHED, obj=run)
    interests = list(Interest.objects.filter(offer_id=run.offer_id, notified_at__isnull=True))
    Interest.objects.filter(pk__in=[i.pk for i in interests]).update(notified_at=timezone.now())
    for interest in interests:
        tasks.send_interest_email.enqueue(interest.pk, run.pk)
    return len(interests)


class _SomeoneArrived(Exception):
    """Someone was placed on the run, with something following their place, after the followers were locked and
    before the run was."""


def cancel_run(*, run_id: int, acting: Acting) -> int:
    """Cancel a run: everyone on it and on its waiting list is told, and the calendar events of its sessions
    become a new revision that says they are cancelled. What followed their places (the referrals they came
    through) says so too. Returns how many people are told."""
    for _attempt in range(3):
        try:
            return _cancel_run(run_id=run_id, acting=acting)
        except _SomeoneArrived:
            continue  # nothing was written: read whose followers to lock again, and lock them first
    raise EnrolmentRefusal(_("Noen endret påmeldingene akkurat nå. Prøv å avlyse igjen."), code="busy")


@transaction.atomic(durable=True)
def _cancel_run(*, run_id: int, acting: Acting) -> int:
    # Whose followers to lock is read before the run is locked: someone placed on the run in between (a referral
    # accepted) has no lock of ours, and taking theirs now, after the run's, could deadlock. Start again instead.
    before = set(Enrolment.objects.filter(run_id=run_id).active().values_list("pk", flat=True))
    locked = following.lock(*before)
    run = locks.lock_run(run_id)
    if run.status == Run.Status.CANCELLED:
        return 0
    enrolments = list(Enrolment.objects.filter(run=run).active().select_related("person"))
    if following.follows_any(*({enrolment.pk for enrolment in enrolments} - before)):
        raise _SomeoneArrived
    calendar_before = course_services.calendar_snapshot(Session.objects.filter(run=run))
    run.status = Run.Status.CANCELLED
    run.save(update_fields=["status"])
    course_services.raise_revised_sequences(before=calendar_before)
    record_change(acting=acting, action=Action.RUN_CANCELLED, obj=run)
    for enrolment in enrolments:
        enrolment.run = run
        # Only someone with a seat was sent the dates, so only they need the file that cancels them.
        had_seat = enrolment.holds_seat
        changes.end(enrolment, acting=acting, reason="run_cancelled")
        following.follow(locked, enrolment, acting=acting, reason="run_cancelled")
        tasks.email_after_commit(enrolment, "run_cancelled", had_seat=had_seat)
    return len(enrolments)
