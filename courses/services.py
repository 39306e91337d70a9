"""State changes of the catalogue that must keep derived columns in step: a run's dates, its sessions' calendar
revisions, the offers' search data. Who is told of a change is the enrolment app's (enrolment.services.runs)."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Max, Min, QuerySet

from courses import search
from courses.calendar import SHOWN_IN_CALENDAR, TIME_PLACE_AND_THEME, SessionEvent
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


@dataclass(frozen=True)
class Revision:
    revised: list[int]  # sessions whose event shows something else now: their SEQUENCE rose
    moved: list[int]  # of those, the ones whose time, place or theme changed: news for the people with a seat


def raise_revised_sequences(*, before: dict[int, tuple]) -> Revision:
    """Raise the calendar SEQUENCE of every session in the snapshot whose event now shows something else, and say
    which of them moved (courses.calendar.TIME_PLACE_AND_THEME), for enrolment.services.runs.revise_calendar_events.

    Comparing what is shown, rather than trusting each caller to know which of its edits a calendar shows or an
    e-mail should tell of, keeps both rules in one place (courses.calendar). Sessions added since the snapshot
    are new events with their own UID and rightly start at 0; deleted ones are gone.
    """
    after = calendar_snapshot(Session.objects.filter(pk__in=list(before)))
    revised = sorted(pk for pk, shown in after.items() if shown != before[pk])
    if revised:
        Session.objects.filter(pk__in=revised).update(sequence=F("sequence") + 1)
    own = len(TIME_PLACE_AND_THEME)  # the snapshot's first columns (SHOWN_IN_CALENDAR starts with them)
    moved = [pk for pk in revised if after[pk][:own] != before[pk][:own]]
    return Revision(revised=revised, moved=moved)


def events_to_cancel(*, session_ids: Iterable[int]) -> list[SessionEvent]:
    """The calendar events of sessions about to be deleted, read from the stored rows (a validated form has
    already copied its own values onto its instance), to hand to enrolment.services.runs.revise_calendar_events."""
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
