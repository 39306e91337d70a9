"""The waiting list: a freed seat offered to the next in line for a limited time, taken, declined or let go."""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.acting import Acting
from audit.actions import Action
from audit.services import record_change
from enrolment import following, tasks
from enrolment.models import Enrolment
from enrolment.refusals import EnrolmentRefusal
from enrolment.seats import count_seats
from enrolment.services import changes, locks

Status = Enrolment.Status


def offer_free_seats(run, *, now) -> list[Enrolment]:
    """Offer every free seat to the next in line (manual priority, then time), for the time the provider sets.
    The run must be locked."""
    offered = []
    free = count_seats(run, now=now).free
    hours = run.offer.provider.seat_offer_hours
    for enrolment in Enrolment.objects.filter(run=run).waiting_in_order().select_related("person")[:free]:
        expires_at = now + dt.timedelta(hours=hours)
        changes.change(enrolment, Status.OFFERED, acting=Acting.system(), offer_expires_at=expires_at)
        tasks.email_after_commit(enrolment, "offered")
        tasks.schedule_offer_follow_ups(enrolment.pk, enrolment.offer_expires_at)
        offered.append(enrolment)
    return offered


def accept_offer(*, enrolment_id: int, acting: Acting, now=None) -> Enrolment:
    """Take the seat offered. An offer found past its deadline is expired, and the seat offered to the next
    in line, before the refusal says so (the expiry is committed, not rolled back with the refusal)."""
    enrolment = _accept_offer_or_expire(enrolment_id=enrolment_id, acting=acting, now=now or timezone.now())
    if enrolment is None:
        raise EnrolmentRefusal(
            _("Fristen for å ta imot plassen gikk dessverre ut, og plassen er gitt videre."), code="expired"
        )
    return enrolment


@transaction.atomic(durable=True)
def _accept_offer_or_expire(*, enrolment_id: int, acting: Acting, now) -> Enrolment | None:
    locked = following.lock(enrolment_id)
    enrolment, run = locks.lock_enrolment(enrolment_id)
    if enrolment.status != Status.OFFERED:
        raise EnrolmentRefusal(_("Dette tilbudet om plass gjelder ikke lenger."), code="not_offered")
    if enrolment.offer_expires_at <= now:
        _expire(enrolment, run, locked, now=now, acting=acting)
        return None
    enrolment.status = Status.CONFIRMED
    enrolment.save(update_fields=["status", "updated_at"])
    record_change(
        acting=acting,
        action=Action.ENROLMENT_OFFER_ACCEPTED,
        subject=enrolment.person,
        obj=enrolment,
        detail={"run": run.pk},
    )
    following.follow(locked, enrolment, acting=acting, reason="offer_accepted")
    tasks.email_after_commit(enrolment, "confirmed")
    return enrolment


@transaction.atomic(durable=True)
def decline_offer(*, enrolment_id: int, acting: Acting, now=None) -> Enrolment:
    """Say no to a freed seat. No penalty: the person may join the list again any time."""
    now = now or timezone.now()
    locked = following.lock(enrolment_id)
    enrolment, run = locks.lock_enrolment(enrolment_id)
    if enrolment.status != Status.OFFERED:
        raise EnrolmentRefusal(_("Dette tilbudet om plass gjelder ikke lenger."), code="not_offered")
    changes.end(enrolment, acting=acting, reason="offer_declined")
    following.follow(locked, enrolment, acting=acting, reason="offer_declined")
    offer_free_seats(run, now=now)
    return enrolment


@transaction.atomic(durable=True)
def expire_offer(*, enrolment_id: int, now=None) -> bool:
    """Run by the worker when an offer's or a hold's time is up. Safe to run more than once."""
    now = now or timezone.now()
    if not Enrolment.objects.filter(pk=enrolment_id).exists():
        return False
    locked = following.lock(enrolment_id)
    enrolment, run = locks.lock_enrolment(enrolment_id)
    if enrolment.status not in (Status.OFFERED, Status.HELD) or enrolment.offer_expires_at > now:
        return False
    _expire(enrolment, run, locked, now=now, acting=Acting.system())
    return True


def _expire(enrolment, run, locked, *, now, acting) -> None:
    held = enrolment.status == Status.HELD
    reason = "hold_expired" if held else "offer_expired"
    changes.end(enrolment, acting=acting, reason=reason)
    following.follow(locked, enrolment, acting=acting, reason=reason)
    if not held:  # a hold belongs to a referral, whose own messages tell the person
        tasks.email_after_commit(enrolment, "offer_expired")
    offer_free_seats(run, now=now)


@transaction.atomic(durable=True)
def change_priority(*, enrolment_id: int, priority: int, reason: str, acting: Acting) -> Enrolment:
    reason = reason.strip()
    if not reason:
        raise EnrolmentRefusal(_("Skriv en begrunnelse for å endre rekkefølgen på ventelisten."), code="reason")
    enrolment, _run = locks.lock_enrolment(enrolment_id)
    if enrolment.status != Status.WAITLISTED:
        raise EnrolmentRefusal(_("Bare de som står på ventelisten har en plass i rekkefølgen."), code="not_waiting")
    previous = enrolment.priority
    enrolment.priority = priority
    enrolment.save(update_fields=["priority", "updated_at"])
    record_change(
        acting=acting,
        action=Action.ENROLMENT_PRIORITY_CHANGED,
        subject=enrolment.person,
        obj=enrolment,
        detail={"from": previous, "to": priority, "reason": reason[:500]},
    )
    return enrolment
