"""A coordinator's semester: create it, copy last semester's runs into it (a plan first, for the coordinator to
see, then that plan saved), open and close registration."""

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.db import models, transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.acting import Acting
from audit.actions import Action
from audit.services import record_change
from courses import services as course_services
from courses.days_off import days_off
from courses.models import Municipality, Provider, Run, Semester, Session
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


class SkipReason(models.TextChoices):
    AFTER_END = "after_end", gettext_lazy("etter at semesteret slutter")
    DAY_OFF = "day_off", gettext_lazy("fridag")


@dataclass(frozen=True)
class SessionCopy:
    """A session of the run copied from, and where its copy goes (in the portal's time zone)."""

    original: Session
    starts_at: dt.datetime
    ends_at: dt.datetime

    skipped = False


@dataclass(frozen=True)
class SkippedSession:
    """A session of the run copied from that gets no copy: where it would have gone, and why it does not."""

    original: Session
    starts_at: dt.datetime
    ends_at: dt.datetime
    reason: SkipReason
    day_off: str = ""  # the holiday's name, for SkipReason.DAY_OFF

    skipped = True

    @property
    def why(self) -> str:
        return self.day_off or str(self.reason.label)


@dataclass(frozen=True)
class RunCopy:
    original: Run
    sessions: tuple[SessionCopy, ...]
    skipped: tuple[SkippedSession, ...]
    registration_opens_at: dt.datetime | None
    registration_closes_at: dt.datetime | None

    @property
    def in_order(self) -> list[SessionCopy | SkippedSession]:
        """Every session of the run copied from, copied or skipped, in the order they come."""
        return sorted((*self.sessions, *self.skipped), key=lambda s: (s.original.starts_at, s.original.pk))


@dataclass(frozen=True)
class CopyPlan:
    """What copying the provider's runs from ``source`` to ``target`` would write (``runs``), and which runs are
    there already (``already_copied``). The coordinator's preview shows it; ``copy_semester`` writes it."""

    provider: Provider
    source: Semester
    target: Semester
    weeks: int
    runs: tuple[RunCopy, ...]
    already_copied: tuple[Run, ...]

    @property
    def session_count(self) -> int:
        return sum(len(run.sessions) for run in self.runs)

    @property
    def skipped_count(self) -> int:
        return sum(len(run.skipped) for run in self.runs)

    @property
    def fingerprint(self) -> str:
        """Stands for every date the plan writes or skips: a copy confirmed from a preview whose fingerprint is
        not the plan's any more (the semesters or the runs changed in between) is refused, not saved."""
        parts = [self.provider.pk, self.source.pk, self.target.pk, str(self.target.ends_on), self.weeks]
        for run in self.runs:
            parts.append(
                (
                    run.original.pk,
                    [(s.original.pk, _isoformat(s.starts_at), _isoformat(s.ends_at)) for s in run.sessions],
                    [(s.original.pk, str(s.reason)) for s in run.skipped],
                    _isoformat(run.registration_opens_at),
                    _isoformat(run.registration_closes_at),
                )
            )
        parts.append(sorted(run.pk for run in self.already_copied))
        return hashlib.sha256(repr(parts).encode()).hexdigest()


def _isoformat(value: dt.datetime | None) -> str:
    return value.isoformat() if value else ""


def plan_copy(*, provider: Provider, source: Semester, target: Semester) -> CopyPlan:
    """Where each session of the provider's runs in ``source`` goes in ``target``, without saving anything.

    Runs that are cancelled, or already copied into ``target``, are left out. A session is moved by whole weeks
    (``_whole_weeks_between``) and keeps its weekday and its local start and end time in the portal's time zone
    (TIME_ZONE; Denmark keeps the same clock), so 13:30 stays 13:30 on either side of a change to or from
    summer time. A session that would land after the target semester ends, or on a day off in the provider's
    country (courses.days_off), is skipped, and the plan says why. The registration dates move the same way."""
    zone = timezone.get_default_timezone()
    shift = _whole_weeks_between(source, target)
    originals = list(
        Run.objects.filter(offer__provider=provider, semester=source)
        .exclude(status=Run.Status.CANCELLED)
        .select_related("offer")
        .prefetch_related(
            Prefetch("sessions", queryset=Session.objects.select_related("location").order_by("starts_at", "pk"))
        )
        .order_by("pk")
    )
    copied = set(
        Run.objects.filter(semester=target, follows__in=[run.pk for run in originals]).values_list(
            "follows_id", flat=True
        )
    )
    country = Municipality.objects.values_list("country", flat=True).get(providers=provider)
    off = days_off(country, years=range(target.starts_on.year - 1, target.ends_on.year + 1))
    runs = []
    for original in originals:
        if original.pk in copied:
            continue
        sessions, skipped = [], []
        for session in original.sessions.all():
            starts_at, ends_at = _moved(session.starts_at, shift, zone), _moved(session.ends_at, shift, zone)
            day = timezone.localdate(starts_at, zone)
            if day > target.ends_on:
                skipped.append(SkippedSession(session, starts_at, ends_at, SkipReason.AFTER_END))
            elif day in off:
                skipped.append(SkippedSession(session, starts_at, ends_at, SkipReason.DAY_OFF, off[day]))
            else:
                sessions.append(SessionCopy(session, starts_at, ends_at))
        runs.append(
            RunCopy(
                original=original,
                sessions=tuple(sessions),
                skipped=tuple(skipped),
                registration_opens_at=_moved(original.registration_opens_at, shift, zone),
                registration_closes_at=_moved(original.registration_closes_at, shift, zone),
            )
        )
    return CopyPlan(
        provider=provider,
        source=source,
        target=target,
        weeks=shift.days // 7,
        runs=tuple(runs),
        already_copied=tuple(run for run in originals if run.pk in copied),
    )


def _moved(value: dt.datetime | None, shift: dt.timedelta, zone) -> dt.datetime | None:
    """The same wall-clock time ``shift`` later: an instant moved across a change of summer time would show an
    hour off."""
    if value is None:
        return None
    local = timezone.localtime(value, zone).replace(tzinfo=None)
    return timezone.make_aware(local + shift, zone)


@transaction.atomic(durable=True)
def copy_semester(
    *, provider: Provider, source: Semester, target: Semester, acting: Acting, previewed: str | None = None
) -> list[Run]:
    """Copy the provider's runs as ``plan_copy`` plans them: drafts with the planned sessions, each following
    the run it came from, so its participants can be given first claim. Runs already copied are left out, so
    copying twice changes nothing (and writes no audit row).

    ``previewed`` is the fingerprint of the plan the coordinator saw: if the plan is not that any more, nothing
    is saved and the refusal says so, so they can look again."""
    # One copy into a semester at a time: a second (a double click) waits, then finds the runs copied.
    target = Semester.objects.select_for_update(no_key=True).get(pk=target.pk)
    source = Semester.objects.get(pk=source.pk)
    plan = plan_copy(provider=provider, source=source, target=target)
    if previewed is not None and previewed != plan.fingerprint:
        raise EnrolmentRefusal(
            _("Noe er endret siden du så oversikten. Se over den nye oversikten før du kopierer."),
            code="plan_changed",
        )
    if not plan.runs:
        return []
    copies = Run.objects.bulk_create(
        Run(
            offer_id=planned.original.offer_id,
            semester=target,
            name=planned.original.name,
            capacity=planned.original.capacity,
            facilitators=planned.original.facilitators,
            status=Run.Status.DRAFT,
            follows=planned.original,
            registration_opens_at=planned.registration_opens_at,
            registration_closes_at=planned.registration_closes_at,
        )
        for planned in plan.runs
    )
    Session.objects.bulk_create(
        Session(
            run=copy,
            starts_at=session.starts_at,
            ends_at=session.ends_at,
            location_id=session.original.location_id,
            theme=session.original.theme,
        )
        for copy, planned in zip(copies, plan.runs, strict=True)
        for session in planned.sessions
    )
    course_services.refresh_run_dates(run_ids=[run.pk for run in copies])
    record_change(
        acting=acting,
        action=Action.SEMESTER_COPIED,
        obj=target,
        detail={
            "provider": provider.pk,
            "from": source.pk,
            "runs": [run.pk for run in copies],
            "sessions": plan.session_count,
            "skipped": plan.skipped_count,
        },
    )
    return copies


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
