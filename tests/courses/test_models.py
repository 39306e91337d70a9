import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from courses.models import Run, Semester, Session
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_database_refuses_negative_capacity():
    offer = factories.offer()
    with pytest.raises(IntegrityError), transaction.atomic():
        Run.objects.create(offer=offer, semester=factories.semester(), capacity=-1)


def test_the_database_refuses_a_session_that_ends_before_it_starts():
    run = factories.run(offer=factories.offer())
    start = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        Session.objects.create(run=run, starts_at=start, ends_at=start - dt.timedelta(hours=1))


def test_the_database_refuses_a_max_age_below_the_min_age():
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.offer(min_age=30, max_age=20)


def test_the_database_refuses_a_semester_that_ends_before_it_starts():
    with pytest.raises(IntegrityError), transaction.atomic():
        Semester.objects.create(name="Feil", slug="feil", starts_on=dt.date(2027, 6, 1), ends_on=dt.date(2027, 1, 1))


def test_the_database_refuses_a_registration_that_closes_before_it_opens():
    opens = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        Run.objects.create(
            offer=factories.offer(),
            semester=factories.semester(),
            capacity=5,
            registration_opens_at=opens,
            registration_closes_at=opens - dt.timedelta(days=1),
        )


def test_the_database_refuses_a_published_run_without_the_time_it_was_published():
    draft = factories.run(offer=factories.offer(), status=Run.Status.DRAFT)
    with pytest.raises(IntegrityError), transaction.atomic():
        Run.objects.filter(pk=draft.pk).update(status=Run.Status.PUBLISHED)


def test_run_dates_follow_the_sessions():
    run = factories.run(offer=factories.offer(), sessions=3, first_session=dt.date(2027, 2, 2))
    sessions = list(run.sessions.order_by("starts_at"))
    assert run.starts_at == sessions[0].starts_at
    assert run.ends_at == sessions[-1].ends_at


def test_upcoming_runs_exclude_drafts_cancelled_and_ended_runs():
    offer = factories.offer()
    upcoming = factories.run(offer=offer)
    factories.run(offer=offer, status=Run.Status.DRAFT)
    factories.run(offer=offer, status=Run.Status.CANCELLED)
    factories.run(offer=offer, first_session=timezone.localdate() - dt.timedelta(days=30))
    assert list(Run.objects.upcoming()) == [upcoming]
