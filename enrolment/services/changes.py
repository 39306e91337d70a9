"""The ways an enrolment row is written, each with its audit row (and, where the person should hear of it, the
e-mail after commit): the steps the services are made of. They run inside a service's transaction, under the
lock of the enrolment's run."""

from django.db import IntegrityError

from audit.acting import Acting
from audit.actions import Action
from audit.services import record_change
from enrolment import eligibility, tasks
from enrolment.models import Enrolment

Status = Enrolment.Status

ACTION_OF_STATUS = {
    Status.CONFIRMED: Action.ENROLMENT_CONFIRMED,
    Status.WAITLISTED: Action.ENROLMENT_WAITLISTED,
    Status.OFFERED: Action.ENROLMENT_OFFERED,
    Status.HELD: Action.ENROLMENT_HELD,
    Status.CANCELLED: Action.ENROLMENT_CANCELLED,
    Status.COMPLETED: Action.ENROLMENT_COMPLETED,
    Status.DROPPED_OUT: Action.ENROLMENT_DROPPED_OUT,
}


def create(
    run, person, status: str, *, source: str, acting: Acting, wants_reminders=False, expires_at=None, detail=None
):
    """The enrolment row and its audit row. No savepoint of its own: a refusal ends the whole transaction, so a
    caller that goes on after one wraps its call in a savepoint (as referrals.services.refer does around
    hold_seat)."""
    try:
        enrolment = Enrolment.objects.create(
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
        raise eligibility.already_on(source) from error
    record_change(
        acting=acting,
        action=ACTION_OF_STATUS[status],
        subject=person,
        obj=enrolment,
        detail={"run": run.pk, "source": source, **(detail or {})},
    )
    return enrolment


def place(run, person, status: str, *, source: str, acting: Acting, wants_reminders=False):
    """A seat (confirmed) or a place on the waiting list, and the e-mail that tells the person which."""
    enrolment = create(run, person, status, source=source, acting=acting, wants_reminders=wants_reminders)
    tasks.email_after_commit(enrolment, "confirmed" if status == Status.CONFIRMED else "waitlisted")
    return enrolment


def change(enrolment: Enrolment, status: str, *, acting: Acting, reason: str = "", **fields) -> None:
    """A new status (and the fields given), with its audit row: from what, and why."""
    previous = enrolment.status
    enrolment.status = status
    for name, value in fields.items():
        setattr(enrolment, name, value)
    enrolment.save(update_fields=["status", *fields, "updated_at"])
    detail = {"run": enrolment.run_id, "from": previous}
    if reason:
        detail["reason"] = reason
    record_change(
        acting=acting, action=ACTION_OF_STATUS[status], subject=enrolment.person, obj=enrolment, detail=detail
    )


def end(enrolment: Enrolment, *, acting: Acting, reason: str) -> None:
    """Cancelled: the person leaves the run or its waiting list, or their offered or held seat goes."""
    change(enrolment, Status.CANCELLED, acting=acting, reason=reason, offer_expires_at=None)
