"""Who may see or change enrolments, runs' participant lists and attendance. Views fetch through here."""

from django.db.models import QuerySet

from audit.acting import Acting
from courses import access as courses_access
from courses.models import Provider, Run, Session
from enrolment.models import Enrolment
from enrolment.services.attendance import PARTICIPANTS


def managed_providers(user) -> QuerySet[Provider]:
    if user.is_authenticated and user.is_superuser:
        return Provider.objects.all()
    return courses_access.coordinated_providers(user)


def managed_runs(user) -> QuerySet[Run]:
    """Runs a coordinator runs: every run of their providers."""
    return Run.objects.filter(offer__provider__in=managed_providers(user))


def runs_with_participants_visible_to(user) -> QuerySet[Run]:
    """Coordinators see their providers' runs; facilitators see the runs they lead, nothing else."""
    return (managed_runs(user) | courses_access.facilitated_runs(user)).distinct()


def sessions_for_attendance(user) -> QuerySet[Session]:
    return Session.objects.filter(run__in=runs_with_participants_visible_to(user))


def enrolments_managed_by(user) -> QuerySet[Enrolment]:
    return Enrolment.objects.filter(run__in=managed_runs(user))


def enrolments_listed_for(user, run) -> QuerySet[Enrolment]:
    """A run's enrolments on its participant list and in its exports, for a user who may see the run.

    Its coordinators see everyone who is not cancelled. A facilitator sees only the participants: never
    the waiting list, a seat offered to someone, or a seat held for a referral (which would tell them
    that a health worker has referred that person).
    """
    enrolments = Enrolment.objects.filter(run=run)
    if is_managed(user, run):
        return enrolments.exclude(status=Enrolment.Status.CANCELLED)
    return enrolments.filter(status__in=PARTICIPANTS)


def is_managed(user, run) -> bool:
    """Whether the user coordinates the run's provider (facilitators lead a run; they do not manage it)."""
    return managed_runs(user).filter(pk=run.pk).exists()


def is_course_staff(user) -> bool:
    """Coordinators and facilitators: people with runs to look after (the "Kursene mine" pages)."""
    return is_coordinator(user) or runs_with_participants_visible_to(user).exists()


def is_coordinator(user) -> bool:
    return managed_providers(user).exists()


def acting_for_run(user, run) -> Acting:
    """The role someone acts in for a run: its provider's coordinator, or its facilitator."""
    if is_managed(user, run):
        return Acting.coordinator(user, provider_id=run.offer.provider_id)
    return Acting.facilitator(user, run_id=run.pk)
