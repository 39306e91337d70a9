"""A referral follows the place it led to: the one rule (``status_after``), and the follower the enrolment app
calls whenever it changes an enrolment (enrolment.following, registered in ReferralsConfig.ready)."""

from collections.abc import Collection

from django.utils import timezone

from audit.acting import Acting
from audit.actions import Action
from audit.services import record_change
from courses.models import Run
from enrolment.models import Enrolment
from referrals import tasks
from referrals.models import Referral

Status = Referral.Status

# The action each status is written with when a referral comes to say it.
ACTION_OF_STATUS = {
    Status.SEEN: Action.REFERRAL_SEEN,
    Status.CONTACT_REQUESTED: Action.REFERRAL_CONTACT_REQUESTED,
    Status.ACCEPTED: Action.REFERRAL_ACCEPTED,
    Status.WAITLISTED: Action.REFERRAL_WAITLISTED,
    Status.DECLINED: Action.REFERRAL_DECLINED,
    Status.WITHDRAWN: Action.REFERRAL_WITHDRAWN,
    Status.STARTED: Action.REFERRAL_STARTED,
    Status.COMPLETED: Action.REFERRAL_COMPLETED,
    Status.STOPPED: Action.REFERRAL_STOPPED,
    Status.CANCELLED: Action.REFERRAL_CANCELLED,
    Status.RUN_CANCELLED: Action.REFERRAL_RUN_CANCELLED,
}


def record(referral, action: Action, acting: Acting, **detail) -> None:
    """A referral's audit row: about its person, with a small detail."""
    record_change(acting=acting, action=action, subject=referral.person, obj=referral, detail=detail)


# Closed by the person or by the provider's answer, not by the enrolment: what becomes of the enrolment after
# that is no longer the referral's story.
_NOT_FOLLOWING = (Status.WITHDRAWN, Status.DECLINED)
_UNANSWERED = (Status.SENT, Status.SEEN, Status.CONTACT_REQUESTED)


def status_after(referral: Referral, enrolment, *, attended: bool = False) -> str | None:
    """What a referral says once the enrolment it led to has changed, or None if it says what it said. The one
    place this rule lives; accepting a referral and every enrolment service that changes an enrolment a referral
    may have led to go through follow_enrolment (or mark_started), which apply it.

    ==========================================  =====================================  ==============
    the enrolment is now                        the referral said                      it says
    ==========================================  =====================================  ==============
    confirmed (accepted, a freed seat taken,    sent, seen, contact_requested,         accepted
    moved to another run)                       waitlisted
    waitlisted (accepted onto a full run)       sent, seen, contact_requested          waitlisted
    offered a freed seat; a seat held           anything                               (unchanged)
    cancelled, with its run cancelled           accepted, waitlisted, started          run_cancelled
    cancelled (by the person or coordinator,    accepted, waitlisted                   cancelled
    a freed seat declined or not taken in time)
    cancelled                                   started                                stopped
    completed                                   anything                               completed
    dropped out                                 anything                               stopped
    marked present at a session                 accepted                               started
    ==========================================  =====================================  ==============

    Never followed: a withdrawn or declined referral (_NOT_FOLLOWING). An unanswered referral changes only by
    getting a place: a held seat that ends (expired, cancelled) is no answer, the coordinator still gives one.
    A seat offered from the waiting list is not a place until the person takes it, which is also why offering
    one (under the run's lock, from many services) never writes a referral. The stored status is the truth;
    what the referrer sees of it, and hears of by e-mail, is the person's choice (Referral.referrer_sees_status)."""
    current = referral.status
    if current in _NOT_FOLLOWING:
        return None
    Enrolled = Enrolment.Status
    if attended:
        new = Status.STARTED if current == Status.ACCEPTED else None
    elif enrolment.status == Enrolled.CONFIRMED:
        new = Status.ACCEPTED if current in (*_UNANSWERED, Status.WAITLISTED) else None
    elif enrolment.status == Enrolled.WAITLISTED:
        new = Status.WAITLISTED if current in _UNANSWERED else None
    elif enrolment.status == Enrolled.CANCELLED:
        if current not in (Status.ACCEPTED, Status.WAITLISTED, Status.STARTED):
            new = None
        elif enrolment.run.status == Run.Status.CANCELLED:
            new = Status.RUN_CANCELLED
        else:
            new = Status.STOPPED if current == Status.STARTED else Status.CANCELLED
    elif enrolment.status == Enrolled.COMPLETED:
        new = Status.COMPLETED
    elif enrolment.status == Enrolled.DROPPED_OUT:
        new = Status.STOPPED
    else:
        new = None
    return new if new != current else None


def follow_enrolment(*, referral: Referral | None, enrolment, acting: Acting, reason: str = "", moved_to=None) -> None:
    """Bring the referral the enrolment came from in line with it (status_after), with an audit row.

    `referral` is what ReferralsFollow.lock returned: its caller locked it before any run, as every path that
    writes a referral does. A person moved to another run (`moved_to`, the new enrolment) takes the referral
    along."""
    if referral is None or referral.status in _NOT_FOLLOWING:
        return
    fields = []
    detail = {"reason": reason} if reason else {}
    if moved_to is not None:
        detail.update(from_run=referral.run_id, run=moved_to.run_id)
        referral.enrolment, referral.run_id = moved_to, moved_to.run_id
        fields += ["enrolment", "run"]
        enrolment = moved_to
    new = status_after(referral, enrolment)
    if new is not None:
        detail["from"] = referral.status
        referral.status = new
        fields.append("status")
        if new in Referral.CLOSED_STATUSES:
            referral.closed_at = referral.closed_at or timezone.now()
            fields.append("closed_at")
    if fields:
        referral.save(update_fields=fields)
        record(referral, ACTION_OF_STATUS[new] if new else Action.REFERRAL_MOVED, acting, **detail)
    if new is not None:
        _tell_worker_of_news(referral)


def _tell_worker_of_news(referral: Referral) -> None:
    """A referral's status followed its enrolment: the referrer hears that there is news (a link, nothing more), if
    the new status is one the person lets them see (Referral.referrer_sees_status); otherwise the e-mail itself
    would tell them that something happened. The person is not told here: they did it themselves, or the e-mail
    about their enrolment told them."""
    if referral.referrer_sees_status:
        tasks.tell_after_commit(referral, "update_for_worker")


def mark_started(*, enrolment_ids, acting: Acting) -> int:
    """The first time a referred person is marked present, their referral shows "started". Written without the
    referral's lock: attendance holds no run's lock, so nothing here waits in the wrong order."""
    started = 0
    for referral in Referral.objects.filter(enrolment_id__in=enrolment_ids).select_related("enrolment"):
        new = status_after(referral, referral.enrolment, attended=True)
        if new is not None:
            referral.status = new
            referral.save(update_fields=["status"])
            record(referral, ACTION_OF_STATUS[new], acting)
            _tell_worker_of_news(referral)
            started += 1
    return started


def lock_referrals_of(enrolment_ids: Collection[int]) -> dict[int, Referral]:
    """For a change to enrolments that the referrals they came from follow: those referrals' locks, in id order,
    taken before any run's. Keyed by enrolment id; an enrolment no referral came from has no key."""
    referrals = Referral.objects.select_for_update().filter(enrolment_id__in=list(enrolment_ids)).order_by("pk")
    return {referral.enrolment_id: referral for referral in referrals}


class ReferralsFollow:
    """The referrals app's follower of enrolments (enrolment.following)."""

    def lock(self, enrolment_ids: Collection[int]) -> dict[int, Referral]:
        return lock_referrals_of(enrolment_ids)

    def follow(self, locked: dict[int, Referral], enrolment, *, acting, reason: str, moved_to) -> None:
        follow_enrolment(
            referral=locked.get(enrolment.pk), enrolment=enrolment, acting=acting, reason=reason, moved_to=moved_to
        )

    def follows_any(self, enrolment_ids: Collection[int]) -> bool:
        return Referral.objects.filter(enrolment_id__in=list(enrolment_ids)).exists()

    def attended(self, enrolment_ids: Collection[int], *, acting) -> None:
        mark_started(enrolment_ids=enrolment_ids, acting=acting)
