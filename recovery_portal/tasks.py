"""The recurring sweep: every quarter of an hour, each app's time-driven work, above every app it calls."""

import datetime as dt

from django.utils import timezone
from django_tasks import task

from base import mail
from enrolment import tasks as enrolment_tasks
from referrals import services as referral_services

SWEEP_EVERY = dt.timedelta(minutes=15)


@task()
def sweep() -> None:
    """Expire overdue seat offers and holds (a safety net), send session reminders, remind coordinators of
    unanswered referrals, erase referrals past their retention time and forget what the e-mail tasks no longer
    need; then queue the next sweep."""
    now = timezone.now()
    try:
        enrolment_tasks.do_due_work(now=now)
        referral_services.remind_unanswered(now=now)
        referral_services.erase_expired(now=now)
        mail.forget_old(now=now)
    finally:  # a sweep that fails still queues the next one
        ensure_sweep_scheduled(after=now + SWEEP_EVERY)


def ensure_sweep_scheduled(*, after=None) -> None:
    """Keep exactly one future sweep in the queue (with the database backend; others cannot wait)."""
    deferred = mail.later(sweep, after or timezone.now())
    if deferred is None:
        return
    from django_tasks_db.models import DBTaskResult  # only where the database backend is in use

    if DBTaskResult.objects.filter(task_path=sweep.module_path, status="READY").exists():
        return
    deferred.enqueue()
