"""What the e-mails about seats read like, in the reader's language."""

import datetime as dt
import re

import pytest
from django.core import mail

from audit.acting import Acting
from enrolment.services import places, waiting_list
from tests import factories
from tests.people import person

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2030, 12, 2)


def sign_up(run, email, **fields):
    who = person(email, name="Kari", birth_date=dt.date(1990, 1, 1), **fields)
    return places.sign_up(run_id=run.pk, person=who, acting=Acting.citizen(who))


@pytest.mark.parametrize(
    ("language", "session"),
    [
        ("nb", "- mandag 2. desember 18:00–20:00"),
        ("nn", "- måndag 2. desember 18:00–20:00"),
        ("da", "- mandag 2. december 18:00–20:00"),
        ("en", "- Monday 2 December 18:00–20:00"),
    ],
)
def test_the_dates_in_a_confirmation_are_written_as_the_reader_writes_them(
    language, session, django_capture_on_commit_callbacks
):
    run = factories.run(offer=factories.offer(), capacity=2, first_session=MONDAY)
    with django_capture_on_commit_callbacks(execute=True):
        sign_up(run, "kari@example.org", preferred_language=language)
    assert session in mail.outbox[-1].body.splitlines()


def test_a_deadline_in_an_english_email_reads_as_english(django_capture_on_commit_callbacks):
    """Django's American "Nov. 30, 2026, 6 p.m." would end the sentence in "p.m.."."""
    run = factories.run(offer=factories.offer(), capacity=1, first_session=MONDAY)
    seated = sign_up(run, "kari@example.org")
    john = person("john@example.org", birth_date=dt.date(1990, 1, 1), preferred_language="en")
    places.join_waiting_list(run_id=run.pk, person=john, acting=Acting.system())
    with django_capture_on_commit_callbacks(execute=True):
        places.cancel(enrolment_id=seated.pk, acting=Acting.citizen(seated.person))
    offered = next(message for message in mail.outbox if message.to == ["john@example.org"])
    assert re.search(r"Please reply by \d{1,2} [A-Z][a-z]+ \d{4} \d\d:\d\d\.\n", offered.body), offered.body
    assert "- Monday 2 December 18:00–20:00" in offered.body


# --- an e-mail whose news is out of date by the time its task runs ------------------------------------------


@pytest.fixture
def failed_tasks():
    """Every task that ended in an error: the test backend records the failure instead of raising it."""
    from django_tasks.base import TaskResultStatus
    from django_tasks.signals import task_finished

    failed = []

    def collect(sender, task_result, **kwargs):
        if task_result.status == TaskResultStatus.FAILED:
            failed.append(task_result)

    task_finished.connect(collect)
    yield failed
    task_finished.disconnect(collect)


def to(address):
    return [message for message in mail.outbox if message.to == [address]]


def test_leaving_the_waiting_list_before_its_email_goes_sends_no_waiting_list_email(
    django_capture_on_commit_callbacks, failed_tasks, caplog
):
    run = factories.run(offer=factories.offer(), capacity=1)
    sign_up(run, "kari@example.org")
    john = person("john@example.org", name="John Doe", birth_date=dt.date(1990, 1, 1))
    with django_capture_on_commit_callbacks() as waitlisted_email:
        waiting = places.join_waiting_list(run_id=run.pk, person=john, acting=Acting.citizen(john))
    with django_capture_on_commit_callbacks(execute=True):
        places.cancel(enrolment_id=waiting.pk, acting=Acting.citizen(john))
    caplog.set_level("INFO", logger="enrolment.tasks")
    for callback in waitlisted_email:
        callback()  # the worker reaches the task only now
    assert failed_tasks == []
    [cancelled] = to("john@example.org")
    assert "Du er meldt av" in cancelled.body
    skipped = [record.getMessage() for record in caplog.records if "Skipped" in record.getMessage()]
    assert skipped == [f"Skipped the waitlisted e-mail of enrolment {waiting.pk}: it no longer holds"]
    assert not any("john" in message.lower() or "doe" in message.lower() for message in skipped)


def test_being_offered_a_seat_before_the_waiting_list_email_goes_sends_only_the_offer(
    django_capture_on_commit_callbacks, failed_tasks
):
    run = factories.run(offer=factories.offer(), capacity=1)
    seated = sign_up(run, "kari@example.org")
    john = person("john@example.org", birth_date=dt.date(1990, 1, 1))
    with django_capture_on_commit_callbacks() as waitlisted_email:
        places.join_waiting_list(run_id=run.pk, person=john, acting=Acting.citizen(john))
    with django_capture_on_commit_callbacks(execute=True):
        places.cancel(enrolment_id=seated.pk, acting=Acting.citizen(seated.person))
    for callback in waitlisted_email:
        callback()
    assert failed_tasks == []
    [offer] = to("john@example.org")
    assert "En plass er blitt ledig" in offer.body


def test_a_seat_given_up_before_its_confirmation_goes_sends_only_the_cancellation(
    django_capture_on_commit_callbacks, failed_tasks
):
    run = factories.run(offer=factories.offer(), capacity=1)
    kari = person("kari@example.org", birth_date=dt.date(1990, 1, 1))
    with django_capture_on_commit_callbacks() as confirmation:
        seated = places.sign_up(run_id=run.pk, person=kari, acting=Acting.citizen(kari))
    with django_capture_on_commit_callbacks(execute=True):
        places.cancel(enrolment_id=seated.pk, acting=Acting.citizen(kari))
    for callback in confirmation:
        callback()
    assert failed_tasks == []
    [cancelled] = to("kari@example.org")
    assert "Du er meldt av" in cancelled.body and cancelled.attachments == []


def test_an_offer_taken_before_its_reminder_goes_sends_no_reminder(django_capture_on_commit_callbacks, failed_tasks):
    from enrolment import tasks

    run = factories.run(offer=factories.offer(), capacity=1)
    seated = sign_up(run, "kari@example.org")
    john = person("john@example.org", birth_date=dt.date(1990, 1, 1))
    waiting = places.join_waiting_list(run_id=run.pk, person=john, acting=Acting.citizen(john))
    places.cancel(enrolment_id=seated.pk, acting=Acting.citizen(seated.person))
    waiting_list.accept_offer(enrolment_id=waiting.pk, acting=Acting.citizen(john))
    mail.outbox.clear()
    tasks.send_enrolment_email.enqueue(waiting.pk, "offer_reminder")
    tasks.send_enrolment_email.enqueue(waiting.pk, "offered")
    assert failed_tasks == [] and mail.outbox == []


def test_a_session_reminder_for_someone_who_has_left_or_a_deleted_session_is_not_sent(failed_tasks):
    from enrolment import tasks

    run = factories.run(offer=factories.offer(), capacity=2, sessions=2)
    first, second = run.sessions.order_by("starts_at")
    kari, ola = sign_up(run, "kari@example.org"), sign_up(run, "ola@example.org")
    places.cancel(enrolment_id=kari.pk, acting=Acting.citizen(kari.person))
    deleted_pk = second.pk
    second.delete()
    mail.outbox.clear()
    tasks.send_session_reminder.enqueue(kari.pk, first.pk)
    tasks.send_session_reminder.enqueue(ola.pk, deleted_pk)
    assert failed_tasks == [] and mail.outbox == []
    tasks.send_session_reminder.enqueue(ola.pk, first.pk)
    assert [message.to for message in mail.outbox] == [["ola@example.org"]]


def test_a_session_reminder_goes_by_text_message_to_whoever_asked_for_them_or_gave_only_a_mobile_number(
    text_messages, failed_tasks
):
    from accounts.people import mobile_only_address
    from enrolment import tasks

    run = factories.run(offer=factories.offer(title="Mestringskurs"), capacity=3, sessions=1)
    session = run.sessions.get()
    by_email = sign_up(run, "kari@example.org", phone="+4791111111")
    asked_for_sms = sign_up(run, "ola@example.org", phone="+4792222222", contact_preference="sms")
    mobile_only = sign_up(run, mobile_only_address("+4793333333"), phone="+4793333333")
    mail.outbox.clear()
    for enrolment in (by_email, asked_for_sms, mobile_only):
        tasks.send_session_reminder.enqueue(enrolment.pk, session.pk)
    assert failed_tasks == []
    assert [message.to for message in mail.outbox] == [["kari@example.org"]]
    assert [message.to for message in text_messages] == ["+4792222222", "+4793333333"]
    assert all(message.text.startswith("En påminnelse: Mestringskurs er ") for message in text_messages)
