"""The Django admin cannot go around the enrolment services: a run is published and cancelled by its actions,
which call the same services as the coordinator's pages, never by editing its status. Every edit made there
leaves an audit row, as the services' edits do."""

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from audit.acting import Acting
from audit.models import AuditEvent
from courses.models import Run
from enrolment.models import Enrolment, Interest
from enrolment.services import places, runs
from tests import factories
from tests.html_forms import form_data, save_in_admin
from tests.people import person

pytestmark = pytest.mark.django_db


@pytest.fixture
def run():
    return factories.run(offer=factories.offer(title="Mestringstreff"), capacity=2, sessions=2)


def someone(n=[0]):
    n[0] += 1
    return person(f"deltaker{n[0]}@example.org", birth_date=dt.date(1990, 1, 1))


def taking_part(run):
    """Two in the seats and one on the waiting list."""
    enrolments = [
        places.sign_up(run_id=run.pk, person=who, acting=Acting.citizen(who)) for who in (someone(), someone())
    ]
    waiting = someone()
    enrolments.append(places.join_waiting_list(run_id=run.pk, person=waiting, acting=Acting.citizen(waiting)))
    return enrolments


def changelist():
    return reverse("admin:courses_run_changelist")


def choose_action(client, action, *runs, **extra):
    """Staff tick the runs on the list, choose the action and press the button."""
    data = {"action": action, "index": 0, "_selected_action": [run.pk for run in runs], **extra}
    return client.post(changelist(), data)


def test_editing_a_runs_status_in_the_admin_does_not_cancel_it(client, superuser, run):
    enrolments = taking_part(run)
    url = reverse("admin:courses_run_change", args=[run.pk])
    page = client.get(url).text
    data = form_data(page, form_id="run_form")
    assert "status" not in data  # shown, not editable
    data.update(status=Run.Status.CANCELLED, facilitators="Kari", _save="Lagre")
    assert client.post(url, data).status_code == 302
    run.refresh_from_db()
    assert run.status == Run.Status.PUBLISHED and run.facilitators == "Kari"
    assert all(e.is_active for e in Enrolment.objects.filter(pk__in=[e.pk for e in enrolments]))


def test_editing_a_runs_status_on_its_offers_admin_page_does_not_cancel_it(client, superuser, run):
    taking_part(run)
    url = reverse("admin:courses_offer_change", args=[run.offer.pk])
    data = form_data(client.get(url).text, form_id="offer_form")
    assert "runs-0-status" not in data
    data.update({"runs-0-status": Run.Status.CANCELLED, "_save": "Lagre"})
    response = client.post(url, data)
    assert response.status_code == 302, response.text
    run.refresh_from_db()
    assert run.status == Run.Status.PUBLISHED
    assert Enrolment.objects.filter(run=run).active().count() == 3


def test_a_run_made_in_the_admin_starts_as_a_draft(client, superuser, run):
    url = reverse("admin:courses_run_add")
    data = form_data(client.get(url).text, form_id="run_form")
    data.update(
        offer=str(run.offer.pk),
        semester=str(run.semester.pk),
        capacity="12",
        status=Run.Status.PUBLISHED,
        _save="Lagre",
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.text
    made = Run.objects.exclude(pk=run.pk).get()
    assert made.status == Run.Status.DRAFT and made.capacity == 12


def test_cancelling_in_the_admin_asks_first(client, superuser, run):
    taking_part(run)
    response = choose_action(client, "cancel", run)
    assert response.status_code == 200
    assert "Det kan ikke angres" in response.text and "3 får beskjed" in response.text
    run.refresh_from_db()
    assert run.status == Run.Status.PUBLISHED
    assert Enrolment.objects.filter(run=run).active().count() == 3


def test_cancelling_in_the_admin_goes_through_the_service(client, superuser, run, django_capture_on_commit_callbacks):
    """As on the coordinator's page: everyone on the run and its waiting list is told, their places end, and
    the audit trail says who did it."""
    enrolments = taking_part(run)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = choose_action(client, "cancel", run, confirm="yes")
    assert response.status_code == 302
    run.refresh_from_db()
    assert run.status == Run.Status.CANCELLED
    assert set(Enrolment.objects.filter(run=run).values_list("status", flat=True)) == {Enrolment.Status.CANCELLED}
    assert {m.to[0] for m in mail.outbox if "Avlyst" in m.subject} == {e.person.email for e in enrolments}
    event = AuditEvent.objects.get(action="run.cancelled")
    assert (event.actor, event.acting_role) == (superuser, "superuser")
    assert event.acting_organisation == f"provider:{run.offer.provider_id}"
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == ["Avlyst: 1. 3 deltakere og ventende får beskjed."]


def test_cancelling_a_cancelled_run_in_the_admin_changes_nothing(client, superuser, run):
    runs.cancel_run(run_id=run.pk, acting=Acting.system())
    response = choose_action(client, "cancel", run, confirm="yes")
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="run.cancelled").count() == 1


def test_publishing_in_the_admin_goes_through_the_service(client, superuser, django_capture_on_commit_callbacks):
    draft = factories.run(offer=factories.offer(), status=Run.Status.DRAFT)
    interested = someone()
    Interest.objects.create(offer=draft.offer, person=interested)
    with django_capture_on_commit_callbacks(execute=True):
        response = choose_action(client, "publish", draft)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Run.Status.PUBLISHED
    assert [m.to for m in mail.outbox] == [[interested.email]]
    assert AuditEvent.objects.get(action="run.published").actor == superuser
    assert [str(m) for m in response.wsgi_request._messages] == ["Publisert: 1. 1 som ba om beskjed, får e-post."]


def test_the_number_of_seats_of_an_existing_run_is_not_edited_in_the_admin(client, superuser, run):
    """Fewer seats than people holding one would overbook the run, and more would not reach the waiting list:
    the coordinator's run page changes it, through enrolment.services.runs.edit_run."""
    taking_part(run)
    for url, form_id, field in [
        (reverse("admin:courses_run_change", args=[run.pk]), "run_form", "capacity"),
        (reverse("admin:courses_offer_change", args=[run.offer.pk]), "offer_form", "runs-0-capacity"),
    ]:
        data = form_data(client.get(url).text, form_id=form_id)
        assert field not in data
        data.update({field: "1", "_save": "Lagre"})
        assert client.post(url, data).status_code == 302
        run.refresh_from_db()
        assert run.capacity == 2


# --- every edit in the admin leaves an audit row, as the services' edits do ---------------------------------


def test_editing_a_run_and_its_sessions_in_the_admin_is_in_the_audit_trail_by_field_name(client, superuser, run):
    first = run.sessions.order_by("starts_at").first()
    save_in_admin(client, run, facilitators="Kari Nordmann", **{"sessions-0-theme": "Søvn og hvile"})
    event = AuditEvent.objects.get(action="run.updated")
    assert (event.actor, event.acting_role) == (superuser, "superuser")
    assert event.acting_organisation == f"provider:{run.offer.provider_id}"
    assert (event.object_type, event.object_id) == ("courses.run", str(run.pk))
    assert event.detail == {
        "fields": ["facilitators"],
        "sessions": {"changed": {str(first.pk): ["theme"]}},
        "sessions_revised": [first.pk],
        "told": 0,
    }
    assert "Kari" not in str(event.detail) and "Søvn" not in str(event.detail)


def test_adding_and_deleting_sessions_in_the_admin_names_them_in_the_audit_row(client, superuser, run):
    first, second = run.sessions.order_by("starts_at")
    url = reverse("admin:courses_run_change", args=[run.pk])
    data = form_data(client.get(url).text, form_id="run_form")
    index = next(key.split("-")[1] for key, value in data.items() if key.endswith("-id") and value == str(second.pk))
    new = int(data["sessions-TOTAL_FORMS"]) - 1  # the empty extra row
    starts = timezone.localtime(second.starts_at + dt.timedelta(days=7))
    save_in_admin(
        client,
        run,
        **{
            f"sessions-{index}-DELETE": "on",
            f"sessions-{new}-starts_at_0": starts.strftime("%d.%m.%Y"),
            f"sessions-{new}-starts_at_1": starts.strftime("%H:%M:%S"),
            f"sessions-{new}-ends_at_0": starts.strftime("%d.%m.%Y"),
            f"sessions-{new}-ends_at_1": (starts + dt.timedelta(hours=2)).strftime("%H:%M:%S"),
        },
    )
    added = run.sessions.exclude(pk=first.pk).get()
    assert AuditEvent.objects.get(action="run.updated").detail == {
        "fields": [],
        "sessions": {"added": [added.pk], "deleted": [second.pk]},
        "sessions_revised": [],
        "told": 0,
    }


def test_editing_a_place_in_the_admin_is_in_the_audit_trail(client, superuser, run):
    place = factories.location(name="Huset")
    save_in_admin(client, place, street_address="Storgata 1", step_free="on")
    event = AuditEvent.objects.get(action="location.updated")
    assert event.actor == superuser and event.acting_organisation == f"municipality:{place.municipality_id}"
    assert (event.object_type, event.object_id) == ("courses.location", str(place.pk))
    assert event.detail == {"fields": ["street_address", "step_free"], "sessions_revised": [], "told": 0}


def test_editing_an_offer_and_a_provider_in_the_admin_is_in_the_audit_trail(client, superuser, run):
    """The offer's runs are listed on its page to read: a run is edited on its own page, by the run services."""
    save_in_admin(client, run.offer, summary="Seks samlinger om mestring.", **{"runs-0-name": "Tirsdagsgruppen"})
    offer_event = AuditEvent.objects.get(action="offer.updated")
    assert offer_event.detail == {"fields": ["summary"], "sessions_revised": [], "told": 0}
    run.refresh_from_db()
    assert run.name != "Tirsdagsgruppen"
    save_in_admin(client, run.offer.provider, phone="22 00 00 00")
    provider_event = AuditEvent.objects.get(action="provider.updated")
    assert provider_event.acting_organisation == f"provider:{run.offer.provider_id}"
    assert provider_event.detail == {"fields": ["phone"], "sessions_revised": [], "told": 0}


def test_saving_in_the_admin_without_changes_leaves_no_audit_row(client, superuser, run):
    save_in_admin(client, run)
    save_in_admin(client, factories.location())
    assert not AuditEvent.objects.exists()


def test_adding_and_deleting_in_the_admin_is_in_the_audit_trail(client, superuser, run):
    url = reverse("admin:courses_run_add")
    data = form_data(client.get(url).text, form_id="run_form")
    data.update(offer=str(run.offer.pk), semester=str(run.semester.pk), capacity="12", _save="Lagre")
    assert client.post(url, data).status_code == 302
    made = Run.objects.exclude(pk=run.pk).get()
    assert made.status == Run.Status.DRAFT
    created = AuditEvent.objects.get(action="run.created")
    assert created.object_id == str(made.pk) and created.detail == {"capacity": 12, "sessions": {"added": []}}

    unused = factories.location()
    response = client.post(reverse("admin:courses_location_delete", args=[unused.pk]), {"post": "yes"})
    assert response.status_code == 302
    deleted = AuditEvent.objects.get(action="location.deleted")
    assert (deleted.actor, deleted.object_id) == (superuser, str(unused.pk))
