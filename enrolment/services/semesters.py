"""A coordinator's semester: create it, copy last semester's runs into it, open and close registration."""

import datetime as dt

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from audit.acting import Acting
from audit.actions import Action
from audit.services import record_change
from courses import services as course_services
from courses.models import Run, Semester, Session
from enrolment.refusals import EnrolmentRefusal
from enrolment.services.runs import publish_run


@transaction.atomic(durable=True)
def create_semester(*, name: str, starts_on: dt.date, ends_on: dt.date, acting: Acting) -> Semester:
    slug = slugify(name)
    if Semester.objects.filter(slug=slug).exists():
        raise EnrolmentRefusal(_("Det finnes allerede et semester med dette navnet."), code="exists")
    semester = Semester.objects.create(name=name, slug=slug, starts_on=starts_on, ends_on=ends_on)
    record_change(acting=acting, action=Action.SEMESTER_CREATED, obj=semester)
    return semester


def _whole_weeks_between(source: Semester, target: Semester) -> dt.timedelta:
    """Move dates by whole weeks, so a Tuesday group stays on Tuesdays."""
    days = (target.starts_on - source.starts_on).days
    return dt.timedelta(weeks=round(days / 7))


@transaction.atomic(durable=True)
def copy_semester(*, provider, source: Semester, target: Semester, acting: Acting) -> list[Run]:
    """Copy the provider's runs (with their sessions, moved to the new dates) as drafts.

    Each copy follows the run it came from, so its participants can be given first claim.
    Runs already copied are skipped, so copying twice changes nothing.
    """
    shift = _whole_weeks_between(source, target)
    copies = []
    originals = Run.objects.filter(offer__provider=provider, semester=source).exclude(status=Run.Status.CANCELLED)
    already = set(Run.objects.filter(semester=target, follows__in=originals).values_list("follows_id", flat=True))
    for original in originals.prefetch_related("sessions").order_by("pk"):
        if original.pk in already:
            continue
        copy = Run.objects.create(
            offer_id=original.offer_id,
            semester=target,
            name=original.name,
            capacity=original.capacity,
            facilitators=original.facilitators,
            status=Run.Status.DRAFT,
            follows=original,
            registration_opens_at=_moved(original.registration_opens_at, shift),
            registration_closes_at=_moved(original.registration_closes_at, shift),
        )
        Session.objects.bulk_create(
            Session(
                run=copy,
                starts_at=s.starts_at + shift,
                ends_at=s.ends_at + shift,
                location_id=s.location_id,
                theme=s.theme,
            )
            for s in original.sessions.all()
        )
        copies.append(copy)
    course_services.refresh_run_dates(run_ids=[run.pk for run in copies])
    record_change(
        acting=acting,
        action=Action.SEMESTER_COPIED,
        obj=target,
        detail={"provider": provider.pk, "from": source.pk, "runs": [run.pk for run in copies]},
    )
    return copies


def _moved(value, shift):
    return value + shift if value else None


def open_registration(*, provider, semester: Semester, opens_at, closes_at, continuing_until, acting: Acting) -> int:
    """Set the registration window of every run the provider has in the semester, and publish drafts."""
    with transaction.atomic(durable=True):
        runs = list(
            Run.objects.filter(offer__provider=provider, semester=semester).exclude(status=Run.Status.CANCELLED)
        )
        for run in runs:
            run.registration_opens_at = opens_at
            run.registration_closes_at = closes_at
            run.continuing_until = continuing_until if run.follows_id else None
            run.save(update_fields=["registration_opens_at", "registration_closes_at", "continuing_until"])
        record_change(
            acting=acting,
            action=Action.SEMESTER_REGISTRATION_SET,
            obj=semester,
            detail={"provider": provider.pk, "runs": [run.pk for run in runs]},
        )
        drafts = [run.pk for run in runs if run.status == Run.Status.DRAFT]
    for run_id in drafts:
        publish_run(run_id=run_id, acting=acting)
    return len(runs)


@transaction.atomic(durable=True)
def close_registration(*, provider, semester: Semester, closes_at, acting: Acting) -> int:
    runs = Run.objects.filter(offer__provider=provider, semester=semester, status=Run.Status.PUBLISHED)
    count = runs.update(registration_closes_at=closes_at)
    record_change(
        acting=acting, action=Action.SEMESTER_REGISTRATION_CLOSED, obj=semester, detail={"provider": provider.pk}
    )
    return count
