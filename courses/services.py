"""State changes of the catalogue that must keep derived columns in step."""

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Max, Min

from courses import search
from courses.models import Run


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


def refresh_offer_search(*, offer_ids: Iterable[int] | None = None) -> None:
    """Rebuild the full-text search data after offers, topics or providers change."""
    search.refresh_search_vectors(offer_ids=offer_ids)


@transaction.atomic(durable=True)
def update_run(*, run, fields: dict, sessions, acting) -> None:
    """Save a coordinator's edits of a run and its sessions (capacity goes through enrolment.services)."""
    from audit.services import record_change

    # Compared with the stored row: a validated ModelForm has already copied its values onto `run`.
    stored = Run.objects.values(*fields).get(pk=run.pk)
    changed = [name for name, value in fields.items() if stored[name] != value]
    for name in changed:
        setattr(run, name, fields[name])
    if changed:
        run.save(update_fields=changed)
    sessions.save()
    refresh_run_dates(run_ids=[run.pk])
    record_change(
        acting=acting,
        action="run.updated",
        obj=run,
        detail={"fields": changed, "sessions_changed": sessions.has_changed()},
    )
