"""Who came to each session, and how each participant's run ended."""

import datetime as dt

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from audit.acting import Acting
from audit.actions import Action
from audit.services import record_change
from enrolment import following
from enrolment.models import Attendance, Enrolment
from enrolment.refusals import EnrolmentRefusal
from enrolment.services import changes, locks

Status = Enrolment.Status

# The people taking part in a run: on its participant list and its attendance page.
PARTICIPANTS = [Status.CONFIRMED, Status.COMPLETED, Status.DROPPED_OUT]


def attendance_opens_on(session) -> dt.date:
    """Attendance is taken on the day of the session (in the portal's time zone) or after, never before."""
    return timezone.localtime(session.starts_at).date()


def attendance_refusal(session, *, now=None) -> EnrolmentRefusal | None:
    """What stops anyone taking attendance for this session now (the page says so before the form)."""
    opens = attendance_opens_on(session)
    if timezone.localdate(now or timezone.now()) < opens:
        return EnrolmentRefusal(
            _("Du kan registrere oppmøte fra dagen for samlingen, %(date)s.")
            % {"date": date_format(opens, "DAY_MONTH_FORMAT")},
            code="too_early",
        )
    return None


@transaction.atomic(durable=True)
def record_attendance(*, session, marks: dict[int, str], acting: Acting, now=None) -> int:
    """Save present/absent/excused for the participants of one session, from the day of the session."""
    if (refusal := attendance_refusal(session, now=now)) is not None:
        raise refusal
    allowed = set(Enrolment.objects.filter(run_id=session.run_id, status__in=PARTICIPANTS).values_list("pk", flat=True))
    saved = 0
    for enrolment_id, status in marks.items():
        if enrolment_id not in allowed or status not in Attendance.Status.values:
            continue
        Attendance.objects.update_or_create(
            session=session, enrolment_id=enrolment_id, defaults={"status": status, "recorded_by": acting.user}
        )
        saved += 1
    present = [pk for pk, status in marks.items() if pk in allowed and status == Attendance.Status.PRESENT]
    following.attended(present, acting=acting)
    record_change(
        acting=acting,
        action=Action.ATTENDANCE_RECORDED,
        obj=session,
        detail={"run": session.run_id, "marks": saved},
    )
    return saved


def completion_refusal(run, *, completed: bool, now=None) -> EnrolmentRefusal | None:
    """A participant has completed a run once its last session has begun, and can have stopped once its first has
    (before that, they cancel)."""
    now = now or timezone.now()
    if completed:
        last_start = run.sessions.aggregate(last=Max("starts_at"))["last"]
        if last_start is None or now < last_start:
            return EnrolmentRefusal(
                _("Du kan sette «Fullført» når den siste samlingen har begynt."), code="not_finished"
            )
    elif run.starts_at is None or now < run.starts_at:
        return EnrolmentRefusal(
            _("Kurset har ikke begynt ennå. Vil personen ikke være med likevel, melder du hen av."), code="not_started"
        )
    return None


@transaction.atomic(durable=True)
def set_completion(*, enrolment_id: int, completed: bool, acting: Acting, now=None) -> Enrolment:
    """Completed (``completed``) or stopped: how a participant's run ended, which the referral they came through
    shows too."""
    locked = following.lock(enrolment_id)  # the referral shows how it went
    enrolment, run = locks.lock_enrolment(enrolment_id)
    if enrolment.status not in PARTICIPANTS:
        raise EnrolmentRefusal(_("Bare deltakere kan få fullført eller sluttet."), code="not_participant")
    if (refusal := completion_refusal(run, completed=completed, now=now)) is not None:
        raise refusal
    new = Status.COMPLETED if completed else Status.DROPPED_OUT
    if enrolment.status != new:
        changes.change(enrolment, new, acting=acting)
        following.follow(locked, enrolment, acting=acting)
    return enrolment
