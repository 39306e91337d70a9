"""State changes of enrolments. Anything that can change seats locks the run rows first."""

from django.db import transaction

from audit.services import Acting, record_change
from courses.models import Run
from enrolment.models import Enrolment


def cancel_all_for_person(*, person, acting: Acting) -> int:
    """Cancel every active enrolment of a person (when they delete their account). Part of the caller's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("cancel_all_for_person must run inside the caller's transaction")
    active = Enrolment.objects.filter(person=person, status__in=Enrolment.ACTIVE)
    run_ids = sorted(set(active.values_list("run_id", flat=True)))
    list(Run.objects.select_for_update(no_key=True).filter(pk__in=run_ids).order_by("pk"))
    cancelled = 0
    for enrolment in active.select_related(None):
        previous = enrolment.status
        enrolment.status = Enrolment.Status.CANCELLED
        enrolment.save(update_fields=["status"])
        record_change(
            acting=acting,
            action="enrolment.cancelled",
            subject=person,
            obj=enrolment,
            detail={"run": enrolment.run_id, "from": previous, "reason": "account_deleted"},
        )
        cancelled += 1
    return cancelled
