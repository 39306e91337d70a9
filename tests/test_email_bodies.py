"""Every kind of e-mail the portal sends reads cleanly as plain text, whatever its template's conditions chose:
no run of blank lines where a condition left nothing out, and no blank line before the greeting or after the
signature."""

import datetime as dt

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from accounts import services as account_services
from accounts.models import Role, ServiceUnit
from audit.acting import Acting
from courses.calendar import SessionEvent
from courses.models import Run
from enrolment import tasks as enrolment_tasks
from enrolment.services import interests, places, runs, waiting_list
from mypage import services as mypage_services
from referrals import services as referral_services
from tests import factories
from tests.people import member, person

pytestmark = pytest.mark.django_db


def itself(who):
    return Acting.citizen(who)


def every_kind_of_email(language: str):
    """Each step sends e-mails of a kind, with and without their optional parts, through the services and
    tasks that send them. The steps are committed (and their e-mails sent) one by one, as in the portal."""
    municipality = factories.municipality()
    provider = factories.provider(municipality=municipality)
    offer = factories.offer(provider=provider, title="Keramikk")
    run = factories.run(offer=offer, capacity=1, sessions=3, location_=factories.location(name="Huset"))
    bare = factories.run(offer=offer, capacity=5, sessions=0)
    draft = factories.run(offer=offer, status=Run.Status.DRAFT)
    kari, ola, per = (
        person(f"{name}@example.org", name=name, birth_date=dt.date(1990, 1, 1), preferred_language=language)
        for name in ("kari", "ola", "per")
    )
    # confirmed with a calendar file and without one (a run with no sessions yet); waitlisted
    first = places.sign_up(run_id=run.pk, person=kari, acting=itself(kari))
    places.sign_up(run_id=bare.pk, person=kari, acting=itself(kari))
    waiting = places.join_waiting_list(run_id=run.pk, person=ola, acting=itself(ola))
    yield
    # cancelled; the freed seat offered, then a reminder, then expired
    places.cancel(enrolment_id=first.pk, acting=itself(kari))
    yield
    enrolment_tasks.remind_offer.enqueue(waiting.pk)
    yield
    waiting.refresh_from_db()
    waiting_list.expire_offer(enrolment_id=waiting.pk, now=waiting.offer_expires_at + dt.timedelta(minutes=1))
    yield
    # a session reminder; sessions moved, cancelled, and both
    seated = places.sign_up(run_id=run.pk, person=kari, acting=itself(kari))
    one, two, three = run.sessions.order_by("starts_at")
    yield
    enrolment_tasks.send_session_reminder.enqueue(seated.pk, one.pk)
    runs.tell_about_moved_sessions(session_ids=[one.pk])
    runs.tell_about_moved_sessions(session_ids=[], deleted=[SessionEvent.of(three)])
    runs.tell_about_moved_sessions(session_ids=[one.pk], deleted=[SessionEvent.of(two)])
    yield
    # a cancelled run: with the calendar file for a seat, without it for the waiting list
    places.join_waiting_list(run_id=run.pk, person=per, acting=itself(per))
    yield
    runs.cancel_run(run_id=run.pk, acting=Acting.system())
    yield
    # a new semester, to those who asked to hear of it
    interests.register_interest(offer=offer, person=per, acting=itself(per))
    runs.publish_run(run_id=draft.pk, acting=Acting.system())
    yield
    # referrals: to the person, the provider and the worker, and the provider's reminder
    unit = ServiceUnit.objects.create(name="Bydel Grorud", slug="grorud", municipality=municipality)
    worker = person("worker@example.org", preferred_language=language)
    member(worker, Role.HEALTH_WORKER, unit)
    coordinator = person("coordinator@example.org")
    member(coordinator, Role.COORDINATOR, provider)
    referrals = [
        referral_services.refer(
            referrer=worker,
            service_unit=unit,
            offer=offer,
            run=None,
            name=email.split("@")[0],
            email=email,
            phone="",
            birth_date=dt.date(1980, 5, 17),
            consent_method="spoken",
            consent_given_at=timezone.now(),
            hold_seat=False,
            language=language,
        )[0]
        for email in ("lise@example.org", "nils@example.org")
    ]
    yield
    referral_services.accept(referral_id=referrals[0].pk, coordinator=coordinator, run_id=bare.pk)
    referral_services.ask_for_contact(referral_id=referrals[1].pk, coordinator=coordinator)
    yield
    referral_services.remind_unanswered(now=timezone.now() + dt.timedelta(days=60))
    yield
    # accounts: an invitation, a deleted account, and allauth's sign-in code
    admin = person("admin@example.org")
    member(admin, Role.MUNICIPALITY_ADMIN, municipality)
    with translation.override(language):
        account_services.invite_staff(by=admin, email="new@example.org", role=Role.COORDINATOR, organisation=provider)
    yield
    mypage_services.delete_account(user=per)
    yield
    Client().post(reverse("account_request_login_code"), {"email": "ola@example.org"})


@pytest.mark.parametrize("language", ["nb", "en"])
def test_no_email_has_a_run_of_blank_lines_or_a_blank_line_around_it(language, django_capture_on_commit_callbacks):
    steps = every_kind_of_email(language)
    while True:
        with django_capture_on_commit_callbacks(execute=True):
            if next(steps, "done") == "done":
                break
    subjects = {message.subject for message in mail.outbox}
    assert (len(mail.outbox), len(subjects)) == (27, 15), sorted(subjects)  # every step sent what it should
    for message in mail.outbox:
        body = message.body
        assert "\n\n\n" not in body, f"{message.subject}:\n{body}"
        assert body == body.lstrip(), f"{message.subject} starts with a blank:\n{body}"
        assert not body.endswith("\n\n"), f"{message.subject} ends with a blank line:\n{body}"
