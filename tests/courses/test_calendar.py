"""Calendar files stay right after they are handed out: when what an event shows changes, its SEQUENCE rises
(RFC 5545, 3.8.7.4), or a calendar program that imported the file keeps the old version."""

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from icalendar import Calendar

from audit.acting import Acting
from audit.models import AuditEvent
from courses.models import Run
from enrolment.services import places, runs
from tests import factories
from tests.html_forms import edit_run, local, save_in_admin
from tests.people import person

pytestmark = pytest.mark.django_db


@pytest.fixture
def run():
    place = factories.location(name="Huset")
    return factories.run(offer=factories.offer(title="Mestringstreff"), capacity=8, sessions=3, location_=place)


def calendar_url(run):
    return reverse("catalogue:run_calendar", kwargs={"slug": run.offer.slug, "run_id": run.pk})


def events(client, run):
    """The run's events as a calendar program reads them from the public file, in date order."""
    response = client.get(calendar_url(run))
    assert response.status_code == 200
    return sorted(Calendar.from_ical(response.content).walk("VEVENT"), key=lambda event: event.decoded("DTSTART"))


def sequences(client, run):
    return [int(event["SEQUENCE"]) for event in events(client, run)]


def test_moving_a_session_raises_the_sequence_of_that_session_only(client, coordinator, run):
    first = run.sessions.order_by("starts_at").first()
    edit_run(client, run, **{"sessions-0-starts_at": local(first.starts_at + dt.timedelta(hours=1))})
    assert sequences(client, run) == [1, 0, 0]
    edit_run(client, run, **{"sessions-0-ends_at": local(first.ends_at + dt.timedelta(hours=2))})
    assert sequences(client, run) == [2, 0, 0]


def test_a_new_place_or_theme_is_a_new_revision(client, coordinator, run):
    elsewhere = factories.location(name="Biblioteket")
    edit_run(client, run, **{"sessions-1-location": str(elsewhere.pk), "sessions-2-theme": "Søvn og hvile"})
    shown = events(client, run)
    assert [int(event["SEQUENCE"]) for event in shown] == [0, 1, 1]
    assert "Biblioteket" in str(shown[1]["LOCATION"])
    assert str(shown[2]["SUMMARY"]) == "Mestringstreff: Søvn og hvile"


def test_edits_a_calendar_does_not_show_leave_the_sequence_alone(client, coordinator, run):
    edit_run(client, run, **{"run-capacity": "12", "run-facilitators": "Kari, Per", "run-name": "Tirsdagsgruppen"})
    edit_run(client, run)  # saved without changes
    run.refresh_from_db()
    assert (run.capacity, run.name) == (12, "Tirsdagsgruppen")
    assert sequences(client, run) == [0, 0, 0]


def test_a_session_added_later_is_a_new_event_from_revision_zero(client, coordinator, run):
    last = run.sessions.order_by("starts_at").last()
    edit_run(
        client,
        run,
        **{
            "sessions-3-starts_at": local(last.starts_at + dt.timedelta(days=7)),
            "sessions-3-ends_at": local(last.ends_at + dt.timedelta(days=7)),
            "sessions-3-theme": "Avslutning",
        },
    )
    assert sequences(client, run) == [0, 0, 0, 0]


def test_a_cancelled_runs_file_says_every_event_is_cancelled_in_a_new_revision(client, run):
    before = events(client, run)
    assert {str(event["STATUS"]) for event in before} == {"CONFIRMED"}

    runs.cancel_run(run_id=run.pk, acting=Acting.system())

    after = events(client, run)
    assert [str(event["UID"]) for event in after] == [str(event["UID"]) for event in before]
    assert {str(event["STATUS"]) for event in after} == {"CANCELLED"}
    assert [int(event["SEQUENCE"]) for event in after] == [1, 1, 1]
    assert all(event.decoded("DTSTAMP") >= earlier.decoded("DTSTAMP") for event, earlier in zip(after, before))


def test_the_cancelled_file_is_well_formed_icalendar(client, run):
    """RFC 5545 on the wire: CRLF line endings, lines folded at 75 octets, one VCALENDAR with its events."""
    runs.cancel_run(run_id=run.pk, acting=Acting.system())
    response = client.get(calendar_url(run))
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    body = response.content
    assert body.startswith(b"BEGIN:VCALENDAR\r\n") and body.endswith(b"END:VCALENDAR\r\n")
    lines = body.split(b"\r\n")[:-1]
    assert all(len(line) <= 75 and b"\n" not in line and b"\r" not in line for line in lines)
    assert body.count(b"BEGIN:VEVENT\r\n") == body.count(b"END:VEVENT\r\n") == 3
    assert body.count(b"STATUS:CANCELLED\r\n") == 3 and b"SEQUENCE:1\r\n" in body
    calendar = Calendar.from_ical(body)
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert all(event.errors == [] for event in calendar.walk("VEVENT"))


def test_cancelling_twice_raises_the_sequence_once(client, run):
    for _ in range(2):
        runs.cancel_run(run_id=run.pk, acting=Acting.system())
    assert sequences(client, run) == [1, 1, 1]


def test_a_cancelled_run_without_sessions_has_no_calendar(client):
    bare = factories.run(offer=factories.offer(), sessions=0)
    runs.cancel_run(run_id=bare.pk, acting=Acting.system())
    assert client.get(calendar_url(bare)).status_code == 404


def test_a_draft_still_has_no_calendar(client):
    draft = factories.run(offer=factories.offer(), status=Run.Status.DRAFT)
    assert client.get(calendar_url(draft)).status_code == 404


def test_a_draft_cancelled_before_it_was_ever_published_has_no_calendar(client):
    """Its dates were never public, so no calendar holds them and there is nothing to cancel there."""
    draft = factories.run(offer=factories.offer(), status=Run.Status.DRAFT, sessions=2)
    runs.cancel_run(run_id=draft.pk, acting=Acting.system())
    draft.refresh_from_db()
    assert draft.status == Run.Status.CANCELLED and draft.published_at is None
    assert client.get(calendar_url(draft)).status_code == 404


def test_a_run_published_and_then_cancelled_keeps_its_cancelled_calendar(client):
    draft = factories.run(offer=factories.offer(), status=Run.Status.DRAFT, sessions=2)
    runs.publish_run(run_id=draft.pk, acting=Acting.system())
    runs.cancel_run(run_id=draft.pk, acting=Acting.system())
    assert {str(event["STATUS"]) for event in events(client, draft)} == {"CANCELLED"}


def test_the_offer_page_still_hides_a_cancelled_run(client, run):
    runs.cancel_run(run_id=run.pk, acting=Acting.system())
    assert calendar_url(run) not in client.get(run.offer.get_absolute_url()).text


# --- the same rule when staff edit in the Django admin ----------------------------------------------


def test_a_new_offer_title_in_the_admin_revises_every_event_of_the_offer(client, superuser, run):
    spring = factories.run(offer=run.offer, sessions=2)
    save_in_admin(client, run.offer, title="Mestringstreff for alle")
    assert sequences(client, run) == [1, 1, 1] and sequences(client, spring) == [1, 1]
    assert str(events(client, run)[0]["SUMMARY"]) == "Mestringstreff for alle: Tema 1"


def test_a_new_web_address_for_the_offer_revises_its_events_which_link_to_it(client, superuser, run):
    save_in_admin(client, run.offer, slug="mestringstreff-ny-adresse")
    run.offer.refresh_from_db()
    assert sequences(client, run) == [1, 1, 1]
    assert str(events(client, run)[0]["URL"]).endswith("/tilbud/mestringstreff-ny-adresse/")


def test_a_new_offer_title_or_description_in_the_admin_emails_nobody(
    client, superuser, run, django_capture_on_commit_callbacks
):
    """The e-mail about moved sessions says that their time, place or theme changed, which a title does not."""
    kari = person("kari@example.org", birth_date=dt.date(1990, 1, 1))
    places.sign_up(run_id=run.pk, person=kari, acting=Acting.citizen(kari))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        save_in_admin(client, run.offer, title="Mestringstreff for alle")
        save_in_admin(client, run.offer, description="Seks samlinger om mestring i hverdagen.")
    assert sequences(client, run) == [1, 1, 1]  # the title is in the events; the description is not
    assert mail.outbox == []
    retitled, described = AuditEvent.objects.filter(action="offer.updated").order_by("pk")
    assert retitled.detail["sessions_revised"] == sorted(run.sessions.values_list("pk", flat=True))
    assert (retitled.detail["told"], described.detail["sessions_revised"], described.detail["told"]) == (0, [], 0)


def test_a_new_theme_in_the_admin_tells_the_people_with_a_seat(
    client, superuser, run, django_capture_on_commit_callbacks
):
    kari = person("kari@example.org", birth_date=dt.date(1990, 1, 1))
    places.sign_up(run_id=run.pk, person=kari, acting=Acting.citizen(kari))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        save_in_admin(client, run, **{"sessions-0-theme": "Ny start"})
    [moved] = mail.outbox
    assert moved.to == ["kari@example.org"] and "Vi har endret tid, sted eller tema" in moved.body
    assert AuditEvent.objects.get(action="run.updated").detail["told"] == 1


def test_a_new_address_in_the_admin_revises_the_events_held_there(client, superuser, run):
    other = factories.run(offer=factories.offer(), sessions=1)
    place = run.sessions.first().location
    save_in_admin(client, place, street_address="Storgata 1")
    assert sequences(client, run) == [1, 1, 1]
    assert sequences(client, other) == [0]


def test_a_provider_renamed_in_the_admin_revises_the_events_of_its_sessions_without_an_email(
    client, superuser, run, django_capture_on_commit_callbacks
):
    """The description of each event names the provider."""
    kari = person("kari@example.org", birth_date=dt.date(1990, 1, 1))
    places.sign_up(run_id=run.pk, person=kari, acting=Acting.citizen(kari))
    elsewhere = factories.run(offer=factories.offer(), sessions=1)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        save_in_admin(client, run.offer.provider, name="Mestringssenteret")
    assert sequences(client, run) == [1, 1, 1] and sequences(client, elsewhere) == [0]
    assert str(events(client, run)[0]["DESCRIPTION"]).startswith("Mestringssenteret\n")
    assert mail.outbox == []
    renamed = AuditEvent.objects.get(action="provider.updated")
    assert renamed.detail == {
        "fields": ["name"],
        "sessions_revised": sorted(run.sessions.values_list("pk", flat=True)),
        "told": 0,
    }
    save_in_admin(client, run.offer.provider, phone="22 00 00 00")  # not in the calendar
    assert sequences(client, run) == [1, 1, 1]


def test_a_new_theme_or_cancelling_in_the_admin_revises_the_events_and_other_edits_do_not(client, superuser, run):
    save_in_admin(client, run, **{"sessions-0-theme": "Ny start"})
    assert sequences(client, run) == [1, 0, 0]
    cancelled = client.post(
        reverse("admin:courses_run_changelist"),
        {"action": "cancel", "index": 0, "_selected_action": [run.pk], "confirm": "yes"},
    )
    assert cancelled.status_code == 302
    assert sequences(client, run) == [2, 1, 1]
    save_in_admin(client, run, facilitators="Kari")
    assert sequences(client, run) == [2, 1, 1]


@pytest.mark.parametrize("cancelled", [False, True], ids=["published", "cancelled"])
def test_other_calendar_readers_read_the_same_events(client, run, cancelled):
    """The file is written with icalendar; vobject (used by CalDAV servers such as Radicale) and ics read it
    the same way: every session once, at the same moment, with its UID, revision and status."""
    import ics
    import vobject

    if cancelled:
        runs.cancel_run(run_id=run.pk, acting=Acting.system())
    body = client.get(calendar_url(run)).content
    sessions = {f"session-{s.pk}@127.0.0.1": s for s in run.sessions.all()}
    status = "CANCELLED" if cancelled else "CONFIRMED"

    read_by_vobject = vobject.readOne(body.decode())
    assert {event.uid.value for event in read_by_vobject.vevent_list} == set(sessions)
    for event in read_by_vobject.vevent_list:
        session = sessions[event.uid.value]
        assert (event.dtstart.value, event.dtend.value) == (session.starts_at, session.ends_at)
        assert event.status.value == status
        assert int(event.sequence.value) == (1 if cancelled else 0)
        assert event.summary.value == f"Mestringstreff: {session.theme}"
        assert event.location.value.startswith("Huset, ")

    read_by_ics = ics.Calendar(body.decode())
    assert {event.uid for event in read_by_ics.events} == set(sessions)
    for event in read_by_ics.events:
        session = sessions[event.uid]
        assert (event.begin.datetime, event.end.datetime) == (session.starts_at, session.ends_at)
        assert event.status == status
        assert event.name == f"Mestringstreff: {session.theme}"
