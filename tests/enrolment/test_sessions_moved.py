"""When a coordinator moves or deletes a session, everyone with a seat on the run is told, with the updated calendar
file, so nobody turns up at the old time or on a cancelled date. People on the waiting list have no dates, so they
are not told."""

import datetime as dt
from email import message_from_bytes

import icalendar
import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from audit.acting import Acting
from audit.models import AuditEvent
from courses.models import Run
from enrolment.models import Enrolment
from enrolment.services import places, runs
from tests import factories
from tests.html_forms import edit_run, form_data, local
from tests.people import person

pytestmark = pytest.mark.django_db


@pytest.fixture
def run():
    place = factories.location(name="Huset")
    offer = factories.offer(title="Mestringstreff")
    return factories.run(offer=offer, capacity=2, sessions=3, location_=place)


def sign_up(run, email, **fields):
    who = person(email, name=email.split("@")[0].title(), birth_date=dt.date(1990, 1, 1), **fields)
    return places.sign_up(run_id=run.pk, person=who, acting=Acting.citizen(who))


def calendar_events(message):
    raw = message.message().as_bytes(linesep="\n")
    part = next(p for p in message_from_bytes(raw).walk() if p.get_content_type() == "text/calendar")
    return {
        str(event["UID"]).split("@")[0]: event
        for event in icalendar.Calendar.from_ical(part.get_payload(decode=True)).walk("VEVENT")
    }


@pytest.fixture
def people_on_the_run(run):
    """Two with a seat (one reads English), and one on the waiting list."""
    kari = sign_up(run, "kari@example.org")
    john = sign_up(run, "john@example.org", preferred_language="en")
    waiting = places.join_waiting_list(
        run_id=run.pk, person=person("vente@example.org", birth_date=dt.date(1990, 1, 1)), acting=Acting.system()
    )
    mail.outbox.clear()
    return kari, john, waiting


def test_moving_a_session_emails_everyone_with_a_seat_once_with_the_updated_calendar(
    client, coordinator, run, people_on_the_run, django_capture_on_commit_callbacks
):
    kari, john, _waiting = people_on_the_run
    second = run.sessions.order_by("starts_at")[1]
    later = second.starts_at + dt.timedelta(hours=1)

    with django_capture_on_commit_callbacks(execute=True):
        response = edit_run(
            client,
            run,
            **{"sessions-1-starts_at": local(later), "sessions-1-ends_at": local(later + dt.timedelta(hours=2))},
        )
    assert "Endringene er lagret. 2 deltakere får e-post om endringene." in client.get(response.url).text

    told = {message.to[0]: message for message in mail.outbox}
    assert len(mail.outbox) == 2
    assert set(told) == {kari.person.email, john.person.email}

    norwegian, english = told[kari.person.email], told[john.person.email]
    assert norwegian.subject == "Endringer i samlingene: Mestringstreff"
    assert "Vi har endret tid, sted eller tema for en eller flere samlinger i Mestringstreff" in norwegian.body
    assert "19:00–21:00, Huset" in norwegian.body and "(endret)" in norwegian.body
    assert norwegian.body.count("(endret)") == 1
    assert "Meld deg av her" in norwegian.body
    assert english.subject == "Changes to the sessions: Mestringstreff"
    assert "(changed)" in english.body

    for message in (norwegian, english):
        events = calendar_events(message)
        moved = events[f"session-{second.pk}"]
        assert int(moved["SEQUENCE"]) == 1
        assert moved.decoded("DTSTART") == later
        assert sorted(int(event["SEQUENCE"]) for event in events.values()) == [0, 0, 1]

    audit = AuditEvent.objects.filter(action="run.updated").latest("pk")
    assert audit.detail["sessions_revised"] == [second.pk]
    assert audit.detail["told"] == 2


def test_edits_a_calendar_does_not_show_tell_nobody(
    client, coordinator, run, people_on_the_run, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = edit_run(client, run, **{"run-capacity": "3", "run-facilitators": "Kari, Per"})
    assert "får e-post" not in client.get(response.url).text
    assert not [message for message in mail.outbox if "Endringer i samlingene" in message.subject]
    assert AuditEvent.objects.filter(action="run.updated").latest("pk").detail["told"] == 0


def test_a_correction_to_a_session_that_is_over_tells_nobody(django_capture_on_commit_callbacks):
    run = factories.run(offer=factories.offer(), sessions=3, first_session=timezone.localdate() - dt.timedelta(days=14))
    factories.confirmed(run, 2)
    past = run.sessions.order_by("starts_at").first()
    with django_capture_on_commit_callbacks(execute=True):
        assert runs.tell_about_moved_sessions(session_ids=[past.pk]) == 0
    assert mail.outbox == []


@pytest.mark.parametrize("status", [Run.Status.CANCELLED, Run.Status.DRAFT])
def test_a_cancelled_or_draft_run_tells_nobody(run, status, django_capture_on_commit_callbacks):
    factories.confirmed(run, 2)
    Run.objects.filter(pk=run.pk).update(status=status)
    with django_capture_on_commit_callbacks(execute=True):
        assert runs.tell_about_moved_sessions(session_ids=list(run.sessions.values_list("pk", flat=True))) == 0
    assert mail.outbox == []


def test_someone_offered_a_freed_seat_is_told_too(run, django_capture_on_commit_callbacks):
    factories.confirmed(run, 1)
    Enrolment.objects.create(
        run=run,
        person=person("tilbudt@example.org"),
        status=Enrolment.Status.OFFERED,
        offer_expires_at=timezone.now() + dt.timedelta(days=1),
    )
    session = run.sessions.order_by("starts_at").last()
    with django_capture_on_commit_callbacks(execute=True):
        assert runs.tell_about_moved_sessions(session_ids=[session.pk]) == 2
    assert "tilbudt@example.org" in {message.to[0] for message in mail.outbox}


def test_a_seat_held_for_an_unanswered_referral_is_not_told(run, django_capture_on_commit_callbacks):
    """The seat is not the person's until the referral is answered; the answer brings the dates."""
    factories.confirmed(run, 1)
    places.hold_seat(
        run_id=run.pk,
        person=person("henvist@example.org"),
        until=timezone.now() + dt.timedelta(days=7),
        acting=Acting.system(),
    )
    session = run.sessions.order_by("starts_at").last()
    with django_capture_on_commit_callbacks(execute=True):
        assert runs.tell_about_moved_sessions(session_ids=[session.pk]) == 1
    assert "henvist@example.org" not in {message.to[0] for message in mail.outbox}


def test_a_move_made_in_the_admin_tells_the_same_people(
    client, superuser, run, people_on_the_run, django_capture_on_commit_callbacks
):
    kari, john, _waiting = people_on_the_run
    url = reverse("admin:courses_run_change", args=[run.pk])
    data = form_data(client.get(url).text, form_id="run_form")
    data["sessions-0-theme"] = "Søvn og hvile"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data)
    assert response.status_code == 302, response.text
    assert sorted(message.to[0] for message in mail.outbox) == sorted([kari.person.email, john.person.email])


def form_index(client, run, session):
    """Which form of the run page's session formset holds `session`."""
    data = form_data(
        client.get(reverse("enrolment:run_edit", kwargs={"run_id": run.pk})).text, containing="run-capacity"
    )
    return next(key.split("-")[1] for key, value in data.items() if key.endswith("-id") and value == str(session.pk))


def test_deleting_an_upcoming_session_tells_everyone_with_a_seat_once_and_cancels_it_in_their_calendar(
    client, coordinator, run, people_on_the_run, django_capture_on_commit_callbacks
):
    import vobject

    kari, john, _waiting = people_on_the_run
    first, second, third = run.sessions.order_by("starts_at")
    with django_capture_on_commit_callbacks(execute=True):
        response = edit_run(client, run, **{f"sessions-{form_index(client, run, second)}-DELETE": "on"})
    assert "2 deltakere får e-post" in client.get(response.url).text
    assert not run.sessions.filter(pk=second.pk).exists()

    told = {message.to[0]: message for message in mail.outbox}
    assert len(mail.outbox) == 2
    assert set(told) == {kari.person.email, john.person.email}
    norwegian, english = told[kari.person.email], told[john.person.email]
    cancelled_on = timezone.localtime(second.starts_at)
    assert norwegian.subject == "Endringer i samlingene: Mestringstreff"
    assert "Vi må dessverre avlyse en eller flere samlinger i Mestringstreff" in norwegian.body
    assert f"Avlyst: {date_format(cancelled_on, 'WEEKDAY_DATETIME_FORMAT')}–20:00, Huset" in norwegian.body
    assert "(endret)" not in norwegian.body
    assert norwegian.body.count(", Huset, ") == 2  # the two sessions left, as they are now
    assert "Cancelled: " in english.body and "(changed)" not in english.body

    for message in (norwegian, english):
        events = calendar_events(message)
        assert set(events) == {f"session-{s.pk}" for s in (first, second, third)}
        gone = events[f"session-{second.pk}"]
        assert str(gone["STATUS"]) == "CANCELLED"
        assert int(gone["SEQUENCE"]) == second.sequence + 1
        assert gone.decoded("DTSTART") == second.starts_at
        for kept in (first, third):
            assert str(events[f"session-{kept.pk}"]["STATUS"]) == "CONFIRMED"
            assert int(events[f"session-{kept.pk}"]["SEQUENCE"]) == 0

    raw = norwegian.message().as_bytes(linesep="\n")
    part = next(p for p in message_from_bytes(raw).walk() if p.get_content_type() == "text/calendar")
    read_by_vobject = {
        event.uid.value.split("@")[0]: event
        for event in vobject.readOne(part.get_payload(decode=True).decode()).vevent_list
    }
    assert read_by_vobject[f"session-{second.pk}"].status.value == "CANCELLED"
    assert int(read_by_vobject[f"session-{second.pk}"].sequence.value) == 1
    assert read_by_vobject[f"session-{second.pk}"].dtstart.value == second.starts_at
    assert read_by_vobject[f"session-{first.pk}"].status.value == "CONFIRMED"

    audit = AuditEvent.objects.filter(action="run.updated").latest("pk")
    assert audit.detail["sessions"]["deleted"] == [second.pk]
    assert audit.detail["told"] == 2


def test_deleting_a_session_that_is_over_tells_nobody(
    client, coordinator, run, people_on_the_run, django_capture_on_commit_callbacks
):
    first = run.sessions.order_by("starts_at").first()
    first.starts_at -= dt.timedelta(days=21)
    first.ends_at -= dt.timedelta(days=21)
    first.save(update_fields=["starts_at", "ends_at"])
    with django_capture_on_commit_callbacks(execute=True):
        response = edit_run(client, run, **{f"sessions-{form_index(client, run, first)}-DELETE": "on"})
    assert not run.sessions.filter(pk=first.pk).exists()
    assert "får e-post" not in client.get(response.url).text
    assert mail.outbox == []


def test_moving_one_session_and_deleting_another_sends_one_email_each_covering_both(
    client, coordinator, run, people_on_the_run, django_capture_on_commit_callbacks
):
    kari, john, waiting = people_on_the_run
    first, second, third = run.sessions.order_by("starts_at")
    later = third.starts_at + dt.timedelta(hours=1)
    moving, deleting = form_index(client, run, third), form_index(client, run, first)
    with django_capture_on_commit_callbacks(execute=True):
        response = edit_run(
            client,
            run,
            **{
                f"sessions-{moving}-starts_at": local(later),
                f"sessions-{moving}-ends_at": local(later + dt.timedelta(hours=2)),
                f"sessions-{deleting}-DELETE": "on",
            },
        )
    assert "2 deltakere får e-post" in client.get(response.url).text
    assert sorted(message.to[0] for message in mail.outbox) == sorted([kari.person.email, john.person.email])
    assert waiting.person.email not in {message.to[0] for message in mail.outbox}

    norwegian = next(message for message in mail.outbox if message.to[0] == kari.person.email)
    assert "Vi har endret tid, sted eller tema for noen samlinger i Mestringstreff" in norwegian.body
    assert norwegian.body.count("Avlyst: ") == 1 and norwegian.body.count("(endret)") == 1
    events = calendar_events(norwegian)
    assert (str(events[f"session-{first.pk}"]["STATUS"]), int(events[f"session-{first.pk}"]["SEQUENCE"])) == (
        "CANCELLED",
        1,
    )
    assert int(events[f"session-{third.pk}"]["SEQUENCE"]) == 1
    assert events[f"session-{third.pk}"].decoded("DTSTART") == later
    assert int(events[f"session-{second.pk}"]["SEQUENCE"]) == 0


def test_a_deletion_made_in_the_admin_tells_the_same_people(
    client, superuser, run, people_on_the_run, django_capture_on_commit_callbacks
):
    kari, john, _waiting = people_on_the_run
    last = run.sessions.order_by("starts_at").last()
    url = reverse("admin:courses_run_change", args=[run.pk])
    data = form_data(client.get(url).text, form_id="run_form")
    index = next(key.split("-")[1] for key, value in data.items() if key.endswith("-id") and value == str(last.pk))
    data[f"sessions-{index}-DELETE"] = "on"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data)
    assert response.status_code == 302, response.text
    assert sorted(message.to[0] for message in mail.outbox) == sorted([kari.person.email, john.person.email])
    events = calendar_events(mail.outbox[0])
    assert str(events[f"session-{last.pk}"]["STATUS"]) == "CANCELLED"
