"""Who may see or change enrolments, runs' participant lists and attendance. Views fetch through here."""

from django.db.models import QuerySet

from accounts import access as accounts_access
from accounts.models import Role
from courses.models import Provider, Run, Session
from enrolment.models import Enrolment


def managed_providers(user) -> QuerySet[Provider]:
    if user.is_authenticated and user.is_superuser:
        return Provider.objects.all()
    return accounts_access.coordinated_providers(user)


def managed_runs(user) -> QuerySet[Run]:
    """Runs a coordinator runs: every run of their providers."""
    return Run.objects.filter(offer__provider__in=managed_providers(user))


def facilitated_runs(user) -> QuerySet[Run]:
    return accounts_access.facilitated_runs(user)


def runs_with_participants_visible_to(user) -> QuerySet[Run]:
    """Coordinators see their providers' runs; facilitators see the runs they lead, nothing else."""
    return (managed_runs(user) | facilitated_runs(user)).distinct()


def sessions_for_attendance(user) -> QuerySet[Session]:
    return Session.objects.filter(run__in=runs_with_participants_visible_to(user))


def enrolments_managed_by(user) -> QuerySet[Enrolment]:
    return Enrolment.objects.filter(run__in=managed_runs(user))


# The people taking part in a run: what its facilitators see (the participant list, attendance).
PARTICIPANT_STATUSES = [Enrolment.Status.CONFIRMED, Enrolment.Status.COMPLETED, Enrolment.Status.DROPPED_OUT]


def enrolments_listed_for(user, run) -> QuerySet[Enrolment]:
    """A run's enrolments on its participant list and in its exports, for a user who may see the run.

    Its coordinators see everyone who is not cancelled. A facilitator sees only the participants: never
    the waiting list, a seat offered to someone, or a seat held for a referral (which would tell them
    that a health worker has referred that person).
    """
    enrolments = Enrolment.objects.filter(run=run)
    if managed_runs(user).filter(pk=run.pk).exists():
        return enrolments.exclude(status=Enrolment.Status.CANCELLED)
    return enrolments.filter(status__in=PARTICIPANT_STATUSES)


def own_enrolments(user) -> QuerySet[Enrolment]:
    if not user.is_authenticated:
        return Enrolment.objects.none()
    return Enrolment.objects.filter(person=user)


def is_course_staff(user) -> bool:
    """Coordinators and facilitators: people with runs to look after (the "Kursene mine" pages)."""
    return is_coordinator(user) or runs_with_participants_visible_to(user).exists()


def is_coordinator(user) -> bool:
    return managed_providers(user).exists()


def acting_role_for_run(user, run) -> tuple[str, str]:
    """The role someone acts in for a run: ("coordinator", "provider:3") or ("facilitator", "run:7")."""
    if managed_runs(user).filter(pk=run.pk).exists():
        return Role.COORDINATOR, f"provider:{run.offer.provider_id}"
    return Role.FACILITATOR, f"run:{run.pk}"
