"""State changes of the catalogue that must keep derived columns in step."""

from collections.abc import Iterable

from django.db import transaction
from django.db.models import F, Max, Min, QuerySet

from courses import search
from courses.calendar import SHOWN_IN_CALENDAR, SessionEvent
from courses.models import Run, Session


def refresh_run_dates(*, run_ids: Iterable[int]) -> None:
    """Copy each run's first session start and last session end onto the run.

    Runs without sessions get no dates and so never show as upcoming.
    """
    run_ids = list(run_ids)
    spans = {
        row["pk"]: row
        for row in Run.objects.filter(pk__in=run_ids)
        .annotate(first=Min("sessions__starts_at"), last=Max("sessions__ends_at"))
        .values("pk", "first", "last")
    }
    with transaction.atomic():
        for run in Run.objects.filter(pk__in=run_ids).only("pk", "starts_at", "ends_at"):
            span = spans[run.pk]
            if (run.starts_at, run.ends_at) != (span["first"], span["last"]):
                run.starts_at, run.ends_at = span["first"], span["last"]
                run.save(update_fields=["starts_at", "ends_at"])


def calendar_snapshot(sessions: QuerySet[Session]) -> dict[int, tuple]:
    """What a calendar shows of each of these sessions, to hand to ``raise_revised_sequences`` after a change."""
    return {row[0]: row[1:] for row in sessions.order_by().values_list("pk", *SHOWN_IN_CALENDAR)}


def raise_revised_sequences(*, before: dict[int, tuple]) -> list[int]:
    """Raise the calendar SEQUENCE of every session in the snapshot whose event now shows something else.

    Comparing what is shown, rather than trusting each caller to know which of its edits a calendar shows,
    keeps that rule in one place (courses.calendar.SHOWN_IN_CALENDAR). Sessions added since the snapshot are
    new events with their own UID and rightly start at 0; deleted ones are gone.
    """
    after = calendar_snapshot(Session.objects.filter(pk__in=list(before)))
    revised = sorted(pk for pk, shown in after.items() if shown != before[pk])
    if revised:
        Session.objects.filter(pk__in=revised).update(sequence=F("sequence") + 1)
    return revised


def events_to_cancel(*, session_ids: Iterable[int]) -> list[SessionEvent]:
    """The calendar events of sessions about to be deleted, read from the stored rows (a validated form has
    already copied its own values onto its instance), to hand to enrolment.services.tell_about_moved_sessions."""
    return [
        SessionEvent.of(session)
        for session in Session.objects.filter(pk__in=list(session_ids)).select_related("location").order_by("starts_at")
    ]


def deleted_session_ids(formset) -> list[int]:
    """The stored sessions a bound, valid session formset (the run page's, the admin's inline) will delete."""
    return [form.instance.pk for form in formset.deleted_forms if form.instance.pk is not None]


def refresh_offer_search(*, offer_ids: Iterable[int] | None = None) -> None:
    """Rebuild the full-text search data after offers, topics or providers change."""
    search.refresh_search_vectors(offer_ids=offer_ids)


@transaction.atomic(durable=True)
def update_run(*, run, fields: dict, sessions, acting) -> int:
    """Save a coordinator's edits of a run and its sessions (capacity goes through enrolment.services).
    Everyone with a seat is told about sessions whose time, place or theme changed or that were deleted;
    returns how many."""
    from audit.services import record_change
    from enrolment import services as enrolment_services  # enrolment.services imports this module

    calendar_before = calendar_snapshot(run.sessions.all())
    deleted = events_to_cancel(session_ids=deleted_session_ids(sessions))
    # Compared with the stored row: a validated ModelForm has already copied its values onto `run`.
    stored = Run.objects.values(*fields).get(pk=run.pk)
    changed = [name for name, value in fields.items() if stored[name] != value]
    for name in changed:
        setattr(run, name, fields[name])
    if changed:
        run.save(update_fields=changed)
    sessions.save()
    revised = raise_revised_sequences(before=calendar_before)
    refresh_run_dates(run_ids=[run.pk])
    told = enrolment_services.tell_about_moved_sessions(session_ids=revised, deleted=deleted)
    record_change(
        acting=acting,
        action="run.updated",
        obj=run,
        detail={
            "fields": changed,
            "sessions_changed": sessions.has_changed(),
            "sessions_revised": revised,
            "sessions_deleted": [event.pk for event in deleted],
            "told": told,
        },
    )
    return told
