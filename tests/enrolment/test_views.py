import datetime as dt
import io
import re
import time

import pytest
from django.core import mail
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from openpyxl import load_workbook

from accounts.models import Role, User
from audit.acting import Acting
from audit.models import AccessEvent, AuditEvent
from base import sms
from courses.models import Run, Session
from enrolment import links
from enrolment.models import Attendance, Enrolment, SeatHold
from enrolment.services import places
from tests import factories
from tests.html_forms import form_data
from tests.people import member, person

pytestmark = pytest.mark.django_db
Status = Enrolment.Status


@pytest.fixture
def run():
    return factories.run(offer=factories.offer(title="Mestringstreff", min_age=18), capacity=1, sessions=2)


def sign_up_anonymously(client, run, email, **extra):
    data = {"name": "Kari", "email": email, "phone": "", "birth_date": "1990-05-17", **extra}
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(reverse("enrolment:sign_up", kwargs={"run_id": run.pk}), data)


def code_in(text: str) -> str:
    return re.search(r"\b(\d{6})\b", text).group(1)


def sign_up_and_confirm(client, run, email, **extra):
    """The form, then the code from the e-mail or text message, on the page the form led to: the confirmed place's
    page (a redirect)."""
    held = sign_up_anonymously(client, run, email, **extra)
    assert held.status_code == 302 and "/pamelding/holdt/" in held.url, held
    message = mail.outbox[-1].body if email else sms.LocmemBackend.outbox[-1].text
    page = client.get(held.url)
    token = re.search(r'name="t" value="([^"]+)"', page.text).group(1)
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(held.url.split("?")[0], {"t": token, "code": code_in(message)})


def test_a_person_without_an_account_signs_up_with_name_email_and_birth_date(client, run):
    held = sign_up_anonymously(client, run, "kari@example.org")
    assert held.status_code == 302
    page = client.get(held.url).text
    assert "Vi har holdt av plassen din" in page and "Vi har sendt en e-post til adressen du skrev" in page
    assert not User.objects.filter(email="kari@example.org").exists()  # nobody is made before they confirm
    message = mail.outbox[-1]
    assert message.to == ["kari@example.org"] and "Bekreft plassen din" in message.subject
    assert "/pamelding/holdt/" in message.body and code_in(message.body)
    response = sign_up_and_confirm(client, run, "kari@example.org")  # the second click found the first hold
    enrolment = Enrolment.objects.get()
    assert response.url.startswith(reverse("enrolment:confirmation", kwargs={"public_id": enrolment.public_id}))
    assert "Du er påmeldt!" in client.get(response.url).text
    user = User.objects.get(email="kari@example.org")
    assert (user.first_name, user.birth_date) == ("Kari", dt.date(1990, 5, 17))
    assert not user.has_usable_password()
    assert mail.outbox[-1].to == ["kari@example.org"] and "Du er påmeldt" in mail.outbox[-1].subject


def test_the_link_in_the_e_mail_confirms_too_and_works_once(client, run):
    sign_up_anonymously(client, run, "kari@example.org")
    link = re.search(r"http://\S+/bekreft/\?t=\S+", mail.outbox[-1].body).group(0).split("8000", 1)[1]
    other_browser = client.__class__()
    page = other_browser.get(link)
    assert page.status_code == 200 and "Trykk på knappen, så er plassen din." in page.text
    assert not Enrolment.objects.exists()  # opening the link changes nothing
    token = re.search(r'name="t" value="([^"]+)"', page.text).group(1)
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = other_browser.post(link.split("?")[0], {"t": token})
    assert response.status_code == 302 and Enrolment.objects.get().status == Status.CONFIRMED
    again = other_browser.get(link)
    assert again.status_code == 410 and "Lenken er brukt" in again.text


def test_a_mobile_number_is_enough(client, run, text_messages):
    response = sign_up_and_confirm(client, run, "", phone="912 34 567")
    assert response.status_code == 302
    assert Enrolment.objects.get().person.phone == "+4791234567"
    assert text_messages[0].to == "+4791234567" and "Koden din er" in text_messages[0].text


def test_without_email_or_mobile_the_form_asks_kindly_and_keeps_what_was_typed(client, run):
    response = sign_up_anonymously(client, run, "")
    assert response.status_code == 200
    assert "Skriv e-postadressen din eller mobilnummeret ditt" in response.text
    assert 'value="Kari"' in response.text
    assert not Enrolment.objects.exists()


def test_an_age_refusal_is_shown_on_the_form(client, run):
    response = sign_up_anonymously(client, run, "ung@example.org", birth_date=str(timezone.localdate()))
    assert response.status_code == 200
    assert "fra 18 år" in response.text
    assert not Enrolment.objects.exists()
    assert not User.objects.filter(email="ung@example.org").exists()  # a refusal keeps nothing, not even an account


def test_a_full_run_keeps_nothing_of_someone_who_did_not_get_a_seat(client, run):
    factories.confirmed(run, 1)
    response = sign_up_anonymously(client, run, "late@example.org")
    assert response.status_code == 200 and "Sett meg på ventelisten" in response.text
    assert not User.objects.filter(email="late@example.org").exists()
    assert not AuditEvent.objects.filter(action="account.created").exists()


def test_a_second_click_holds_nothing_more_and_sends_nothing_more(client, run):
    first, again = (
        sign_up_anonymously(client, run, "Kari@Example.org"),
        sign_up_anonymously(client, run, "kari@example.org"),
    )
    assert first.url.split("?")[0] == again.url.split("?")[0]
    assert SeatHold.objects.count() == 1 and len(mail.outbox) == 1


def test_the_sign_up_page_and_form_need_few_queries(client, run, django_assert_num_queries):
    url = reverse("enrolment:sign_up", kwargs={"run_id": run.pk})
    data = {"name": "Kari", "phone": "", "birth_date": "1990-05-17"}
    with django_assert_num_queries(2):  # the run with its offer, provider and semester; its seats
        assert client.get(url).status_code == 200
    # In one transaction: the client's lock, the run (read with what the pages need of it), an open hold for the
    # same address, the seats, the client's holds this hour, the hold and its audit row. Nobody is looked up.
    # (Inside the test's own transaction, the sign-up's transaction is a savepoint.)
    with django_assert_num_queries(9):
        held = client.post(url, {**data, "email": "first@example.org"})
    assert held.status_code == 302
    # Confirmed from the e-mail's link: the hold (for its token and state); then in one transaction the address, the
    # person's lock, the run, the hold, a look for an account, the new person with their address and audit row, the
    # rules' look at the person's places, the place (on the seat the hold kept: no count) and its audit row, and the
    # hold's new state.
    confirm = reverse("enrolment:hold_confirm", kwargs={"public_id": SeatHold.objects.get().public_id})
    token = links.hold_token_for(SeatHold.objects.get(), "confirm")
    with django_assert_num_queries(15):
        assert client.post(confirm, {"t": token}).status_code == 302
    # Full: the client's lock and the run, an open hold for the address, the seats; nothing is written (and the
    # savepoint is rolled back and released). The page is drawn from the run read under the lock.
    with django_assert_num_queries(7):
        assert client.post(url, {**data, "email": "second@example.org"}).status_code == 200


def test_a_full_run_offers_the_waiting_list_without_losing_the_form(client, run):
    sign_up_and_confirm(client, run, "first@example.org")
    client.session.flush()
    response = sign_up_anonymously(client, run, "second@example.org")
    assert response.status_code == 200
    assert "Sett meg på ventelisten" in response.text
    assert 'value="second@example.org"' in response.text
    response = sign_up_and_confirm(client, run, "second@example.org", waiting_list="on")
    enrolment = Enrolment.objects.get(person__email="second@example.org")
    assert enrolment.status == Status.WAITLISTED
    assert "nummer 1 av 1" in client.get(response.url).text


def test_when_the_last_seat_goes_meanwhile_one_press_joins_the_waiting_list_with_what_was_typed(client, run):
    factories.confirmed(run, 1)
    response = sign_up_anonymously(client, run, "late@example.org", wants_reminders="on")
    assert response.status_code == 200
    assert "Kurset ble fullt akkurat nå" in response.text
    assert "Vi bruker det du skrev: Kari, late@example.org." in response.text
    assert "Noe må rettes" not in response.text  # nothing was wrong with the form
    carried = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', response.text))
    assert carried.pop("csrfmiddlewaretoken")
    assert carried == {
        "name": "Kari",
        "email": "late@example.org",
        "phone": "",
        "birth_date": "1990-05-17",
        "wants_reminders": "True",
        "waiting_list": "on",
        "homepage": "",
    }
    carried.pop("email")
    response = sign_up_and_confirm(client, run, "late@example.org", **carried)
    assert response.status_code == 302
    waiting = Enrolment.objects.select_related("person").get(person__email="late@example.org")
    assert waiting.status == Status.WAITLISTED
    assert (waiting.person.first_name, waiting.person.birth_date) == ("Kari", dt.date(1990, 5, 17))


def test_a_signed_in_citizen_only_confirms(client, run):
    ida = person("ida@example.org", name="Ida", birth_date=dt.date(1980, 1, 1))
    client.force_login(ida)
    page = client.get(reverse("enrolment:sign_up", kwargs={"run_id": run.pk})).text
    assert 'name="email"' not in page and 'name="birth_date"' not in page
    client.post(reverse("enrolment:sign_up", kwargs={"run_id": run.pk}), {"wants_reminders": "on"})
    enrolment = Enrolment.objects.get(person=ida)
    assert enrolment.wants_reminders
    assert "Mestringstreff" in client.get(reverse("mypage:my_page")).text


def test_the_email_link_cancels_without_signing_in_after_a_confirmation(client, run):
    sign_up_and_confirm(client, run, "kari@example.org")
    enrolment = Enrolment.objects.get()
    other_browser = client.__class__()
    url = links.action_url(enrolment, "cancel").split("8000", 1)[1]
    page = other_browser.get(url)
    assert page.status_code == 200 and "Vil du melde deg av?" in page.text
    token = re.search(r'name="t" value="([^"]+)"', page.text).group(1)
    response = other_browser.post(url.split("?")[0], {"t": token})
    assert response.status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.status == Status.CANCELLED


def test_a_link_for_one_action_or_enrolment_does_not_work_for_another(client, run):
    sign_up_and_confirm(client, run, "kari@example.org")
    enrolment = Enrolment.objects.get()
    stranger = client.__class__()
    accept_token = links.token_for(enrolment, "accept")
    cancel_url = reverse("enrolment:cancel", kwargs={"public_id": enrolment.public_id})
    assert stranger.get(cancel_url, {"t": accept_token}).status_code == 404
    assert stranger.get(cancel_url).status_code == 404
    assert stranger.post(cancel_url, {"t": "forged"}).status_code == 404
    enrolment.refresh_from_db()
    assert enrolment.status == Status.CONFIRMED


def test_a_link_stops_working_when_it_expires(client, run, monkeypatch):
    sign_up_and_confirm(client, run, "kari@example.org")
    enrolment = Enrolment.objects.get()
    url = links.action_url(enrolment, "cancel").split("8000", 1)[1]
    stranger = client.__class__()
    assert stranger.get(url).status_code == 200
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + links.MAX_AGE + 60)  # what django.core.signing reads
    assert stranger.get(url).status_code == 404
    assert stranger.post(url.split("?")[0], {"t": url.split("t=", 1)[1]}).status_code == 404
    enrolment.refresh_from_db()
    assert enrolment.status == Status.CONFIRMED


def test_accepting_a_freed_seat_from_the_email(client, run, django_capture_on_commit_callbacks):
    first = person("first@example.org", birth_date=dt.date(1990, 1, 1))
    waiter = person("waiter@example.org", birth_date=dt.date(1990, 1, 1))
    seated = places.sign_up(run_id=run.pk, person=first, acting=Acting.citizen(first))
    waiting = places.join_waiting_list(run_id=run.pk, person=waiter, acting=Acting.citizen(waiter))
    with django_capture_on_commit_callbacks(execute=True):
        places.cancel(enrolment_id=seated.pk, acting=Acting.citizen(first))
    offer_mail = mail.outbox[-1]
    accept_url = re.search(r"http://\S+/ta-imot/\?t=\S+", offer_mail.body).group(0).split("8000", 1)[1]
    page = client.get(accept_url)
    token = re.search(r'name="t" value="([^"]+)"', page.text).group(1)
    client.post(accept_url.split("?")[0], {"t": token})
    waiting.refresh_from_db()
    assert waiting.status == Status.CONFIRMED


def test_the_confirmation_page_of_an_offered_seat_links_to_accepting_it_without_signing_in(client, run):
    first = person("first@example.org", birth_date=dt.date(1990, 1, 1))
    waiter = person("waiter@example.org", birth_date=dt.date(1990, 1, 1))
    seated = places.sign_up(run_id=run.pk, person=first, acting=Acting.citizen(first))
    waiting = places.join_waiting_list(run_id=run.pk, person=waiter, acting=Acting.citizen(waiter))
    places.cancel(enrolment_id=seated.pk, acting=Acting.citizen(first))
    confirmation = reverse("enrolment:confirmation", kwargs={"public_id": waiting.public_id})
    page = client.get(f"{confirmation}?t={links.token_for(waiting, 'view')}")
    accept_url = re.search(r'href="(/pamelding/[^"]+/ta-imot/\?t=[^"]+)"', page.text).group(1)
    assert client.get(accept_url.replace("&amp;", "&")).status_code == 200


def test_drop_in_offers_have_no_sign_up_button(client):
    from courses.models import Offer

    offer = factories.offer(join_method=Offer.JoinMethod.DROP_IN)
    factories.run(offer=offer)
    page = client.get(offer.get_absolute_url()).text
    assert "/pamelding/" not in page


def test_the_offer_page_links_to_sign_up_or_waiting_list(client, run):
    page = client.get(run.offer.get_absolute_url()).text
    assert reverse("enrolment:sign_up", kwargs={"run_id": run.pk}) in page and "Meld deg på" in page
    factories.confirmed(run, 1)
    places.join_waiting_list(
        run_id=run.pk, person=person("w@example.org", birth_date=dt.date(1990, 1, 1)), acting=Acting.system()
    )
    assert "Sett deg på ventelisten" in client.get(run.offer.get_absolute_url()).text


def test_interest_list_sign_up_needs_an_account(client, run):
    url = reverse("enrolment:interest", kwargs={"slug": run.offer.slug})
    assert reverse("account_login") in client.post(url).url
    ida = person("ida@example.org")
    client.force_login(ida)
    client.post(url)
    assert ida.interests.filter(offer=run.offer).exists()


def test_a_coordinator_copies_a_semester_with_sessions_on_the_same_weekday(client, coordinator, run):
    target = factories.semester(starts_on=run.semester.starts_on + dt.timedelta(days=180))
    url = reverse("enrolment:semester_copy")
    preview = client.get(url, {"source": run.semester.pk, "target": target.pk}).text
    assert not Run.objects.filter(semester=target).exists()  # the preview saves nothing
    confirm = form_data(preview, containing="plan")
    response = client.post(url, confirm)
    assert response.status_code == 302
    copy = Run.objects.get(semester=target)
    assert copy.status == Run.Status.DRAFT and copy.follows == run
    originals = list(run.sessions.order_by("starts_at"))
    copies = list(copy.sessions.order_by("starts_at"))
    left_out = preview.count('class="copy-plan__skipped"')  # a public holiday, on some days the test is run
    assert len(copies) == len(originals) - left_out
    weekday = {timezone.localtime(s.starts_at).weekday() for s in originals}
    assert {timezone.localtime(s.starts_at).weekday() for s in copies} <= weekday
    client.post(url, confirm)
    assert Run.objects.filter(semester=target).count() == 1  # copying twice changes nothing


def today(session):
    """The session, moved to begin an hour ago: attendance is taken from the day of the session."""
    now = timezone.now()
    Session.objects.filter(pk=session.pk).update(
        starts_at=now - dt.timedelta(hours=1), ends_at=now + dt.timedelta(hours=1)
    )
    return session


def test_a_coordinator_takes_attendance_and_exports_it(client, coordinator, run):
    enrolment = Enrolment.objects.create(run=run, person=person("p@example.org", name="Per"), status=Status.CONFIRMED)
    session = today(run.sessions.first())
    url = reverse("enrolment:attendance", kwargs={"session_id": session.pk})
    assert "Per" in client.get(url).text
    client.post(url, {f"e{enrolment.pk}": "present"})
    assert Attendance.objects.get().status == "present"
    csv_response = client.get(reverse("enrolment:export", kwargs={"run_id": run.pk, "fmt": "csv"}))
    text = csv_response.content.decode("utf-8-sig")
    assert "Per;p@example.org" in text and "Til stede" in text
    xlsx = client.get(reverse("enrolment:export", kwargs={"run_id": run.pk, "fmt": "xlsx"}))
    import io

    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet["A2"].value == "Per"
    assert AccessEvent.objects.filter(action="participants.exported.csv").exists()


def test_attendance_for_a_session_next_week_waits_for_its_day(client, coordinator, run):
    enrolment = Enrolment.objects.create(run=run, person=person("p@example.org", name="Per"), status=Status.CONFIRMED)
    session = run.sessions.order_by("starts_at").first()  # a week from today
    url = reverse("enrolment:attendance", kwargs={"session_id": session.pk})
    page = client.get(url).text
    assert "Du kan registrere oppmøte fra dagen for samlingen" in page
    assert 'name="e' not in page  # no form to fill in
    response = client.post(url, {f"e{enrolment.pk}": "present"}, follow=True)
    assert "Du kan registrere oppmøte fra dagen for samlingen" in response.text
    assert not Attendance.objects.exists()


def test_exports_never_run_formulas_from_names(client, coordinator, run):
    Enrolment.objects.create(run=run, person=person("x@example.org", name="=HYPERLINK(1)"), status=Status.CONFIRMED)
    text = client.get(reverse("enrolment:export", kwargs={"run_id": run.pk, "fmt": "csv"})).content.decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in text


def test_capacity_below_the_confirmed_count_is_refused_with_an_explanation(client, coordinator, run):
    factories.confirmed(run, 1)
    data = {
        "run-name": "",
        "run-capacity": "0",
        "run-facilitators": "",
        "sessions-TOTAL_FORMS": "0",
        "sessions-INITIAL_FORMS": "0",
    }
    response = client.post(reverse("enrolment:run_edit", kwargs={"run_id": run.pk}), data)
    assert response.status_code == 200
    assert "1 plass er allerede i bruk" in response.text
    run.refresh_from_db()
    assert run.capacity == 1


def test_a_coordinator_names_a_run_and_its_facilitators_and_the_change_is_saved(client, coordinator, run):
    url = reverse("enrolment:run_edit", kwargs={"run_id": run.pk})
    data = form_data(client.get(url).text, containing="run-capacity")
    data.update({"run-name": "Tirsdagsgruppen", "run-facilitators": "Kari, Per"})
    assert client.post(url, data).status_code == 302
    run.refresh_from_db()
    assert (run.name, run.facilitator_names) == ("Tirsdagsgruppen", ["Kari", "Per"])
    assert AuditEvent.objects.get(action="run.updated").detail["fields"] == ["name", "facilitators"]


def test_the_participant_list_shows_status_and_source_and_logs_the_reading(client, coordinator, run):
    Enrolment.objects.create(
        run=run,
        person=person("p@example.org", name="Per"),
        status=Status.CONFIRMED,
        source=Enrolment.Source.COORDINATOR,
    )
    text = client.get(reverse("enrolment:participants", kwargs={"run_id": run.pk})).text
    assert "Per" in text and "Lagt til av koordinator" in text
    assert AccessEvent.objects.filter(actor=coordinator, action="participants.viewed").exists()


def test_facilitators_see_their_runs_and_nothing_else(client, run):
    other = factories.run(offer=factories.offer(provider=run.offer.provider))
    facilitator = person("f@example.org", mfa=True)
    member(facilitator, Role.FACILITATOR, run)
    client.force_login(facilitator)
    assert client.get(reverse("enrolment:participants", kwargs={"run_id": run.pk})).status_code == 200
    assert client.get(reverse("enrolment:participants", kwargs={"run_id": other.pk})).status_code == 404
    assert client.get(reverse("enrolment:run_edit", kwargs={"run_id": run.pk})).status_code == 404


def test_facilitators_see_the_participants_but_not_the_waiting_list_offers_or_seats_held_for_referrals(client):
    run = factories.run(offer=factories.offer(), capacity=3, sessions=1)
    in_future = timezone.now() + dt.timedelta(days=2)
    rows = {
        "Deltaker": Status.CONFIRMED,
        "Holdtav": Status.HELD,
        "Tilbudtplass": Status.OFFERED,
        "Venterpaliste": Status.WAITLISTED,
    }
    for name, status in rows.items():
        Enrolment.objects.create(
            run=run,
            person=person(f"{name.lower()}@example.org", name=name),
            status=status,
            source=Enrolment.Source.REFERRAL if status == Status.HELD else Enrolment.Source.SELF,
            offer_expires_at=in_future if status in (Status.HELD, Status.OFFERED) else None,
        )
    facilitator = person("f@example.org", mfa=True)
    member(facilitator, Role.FACILITATOR, run)
    coordinator = person("k@example.org", mfa=True)
    member(coordinator, Role.COORDINATOR, run.offer.provider)
    pages = {
        "participants": reverse("enrolment:participants", kwargs={"run_id": run.pk}),
        "csv": reverse("enrolment:export", kwargs={"run_id": run.pk, "fmt": "csv"}),
    }

    client.force_login(facilitator)
    for url in pages.values():
        text = client.get(url).content.decode("utf-8-sig")
        assert "Deltaker" in text
        assert not {"Holdtav", "Tilbudtplass", "Venterpaliste"} & set(re.findall(r"\w+", text)), url
    assert 'id="waiting-heading"' not in client.get(pages["participants"]).text  # no waiting list, not even empty
    workbook = load_workbook(io.BytesIO(client.get(pages["csv"].replace(".csv", ".xlsx")).content))
    assert [row[0] for row in workbook.active.iter_rows(min_row=2, values_only=True)] == ["Deltaker"]

    client.force_login(coordinator)  # the run's coordinators still see everyone
    for url in pages.values():
        text = client.get(url).content.decode("utf-8-sig")
        assert all(name in text for name in rows), url


def test_a_full_runs_form_joins_the_waiting_list_with_one_press(client, run):
    factories.confirmed(run, 1)
    page = client.get(reverse("enrolment:sign_up", kwargs={"run_id": run.pk})).text
    hidden = re.search(r'<input type="hidden" name="waiting_list" value="([^"]*)"', page).group(1)
    response = sign_up_and_confirm(client, run, "w@example.org", waiting_list=hidden)
    assert response.status_code == 302
    assert Enrolment.objects.get(person__email="w@example.org").status == Status.WAITLISTED


def _page(client, run):
    return client.get(reverse("enrolment:sign_up", kwargs={"run_id": run.pk}))


def test_a_run_one_joins_by_referral_says_so_before_anything_is_filled_in(client):
    run = factories.run(offer=factories.offer(join_method="referral"))
    page = _page(client, run).text
    assert "Til dette tilbudet blir du med slik: henvisning trengs." in page
    assert 'name="name"' not in page and "Logg inn, så kan du melde deg på" not in page


def test_while_seats_are_held_for_those_continuing_they_sign_in_to_sign_up_and_get_the_form(client):
    offer = factories.offer(join_method="referral")
    autumn = factories.run(offer=offer, first_session=timezone.localdate() - dt.timedelta(days=60), sessions=10)
    regular = person("regular@example.org", name="Reidun")
    Enrolment.objects.create(run=autumn, person=regular, status=Status.CONFIRMED)
    spring = factories.run(offer=offer, follows=autumn, continuing_until=timezone.now() + dt.timedelta(days=5))
    page = _page(client, spring).text
    assert "Går du på kurset nå og vil fortsette? Logg inn, så kan du melde deg på." in page
    assert 'name="name"' not in page
    client.force_login(regular)
    page = _page(client, spring).text
    assert "Du melder deg på som Reidun" in page and "henvisning trengs" not in page
    client.force_login(person("someone.else@example.org"))
    assert "henvisning trengs" in _page(client, spring).text


def test_someone_already_on_the_run_is_told_so_with_a_way_to_min_side(client, run):
    kari = person("kari@example.org", name="Kari", birth_date=dt.date(1990, 5, 17))
    Enrolment.objects.create(run=run, person=kari, status=Status.CONFIRMED)
    client.force_login(kari)
    page = _page(client, run).text
    assert "Du er allerede påmeldt dette kurset." in page
    assert reverse("mypage:my_page") in page and 'name="wants_reminders"' not in page


def test_a_cancelled_runs_sign_up_page_says_it_is_cancelled_and_a_drafts_is_not_there(client, run):
    Run.objects.filter(pk=run.pk).update(status=Run.Status.CANCELLED)
    assert "Dette kurset er dessverre avlyst." in _page(client, run).text
    draft = factories.run(offer=run.offer, status=Run.Status.DRAFT)
    assert _page(client, draft).status_code == 404
    Run.objects.filter(pk=draft.pk).update(status=Run.Status.CANCELLED)
    assert _page(client, draft).status_code == 404  # cancelled before it was ever published


def test_a_posted_sign_up_to_a_run_without_a_public_page_finds_nothing_and_writes_nothing(client, run):
    draft = factories.run(offer=run.offer, status=Run.Status.DRAFT)
    hidden = factories.run(offer=factories.offer(title="Skjult", is_published=False))
    for target in (draft, hidden, Run(pk=987654), Run(pk=10**25)):
        assert _page(client, target).status_code == 404
        assert sign_up_anonymously(client, target, "kari@example.org").status_code == 404
        assert sign_up_anonymously(client, target, "").status_code == 404  # the form's errors are not shown either
    assert not Enrolment.objects.exists() and not User.objects.filter(email="kari@example.org").exists()


def test_a_sign_up_posted_without_the_birth_date_an_age_limit_needs_asks_for_it_at_its_field(client, run):
    data = {"name": "Kari", "email": "kari@example.org", "phone": ""}  # a hand-made form, or an older page
    response = client.post(reverse("enrolment:sign_up", kwargs={"run_id": run.pk}), data)
    assert response.status_code == 200
    assert 'id="id_birth_date_error"' in response.text and 'name="birth_date"' in response.text
    assert 'value="kari@example.org"' in response.text
    assert not Enrolment.objects.exists() and not User.objects.filter(email="kari@example.org").exists()


def test_a_birth_date_is_not_kept_where_no_age_limit_needs_it(client):
    run = factories.run(offer=factories.offer(title="Åpen kafé", min_age=None, max_age=None), capacity=3)
    assert 'name="birth_date"' not in _page(client, run).text
    assert sign_up_and_confirm(client, run, "kari@example.org").status_code == 302  # a birth date posted anyway
    assert User.objects.get(email="kari@example.org").birth_date is None


def test_reminders_are_turned_on_and_off_from_min_side_and_leave_an_audit_row(client, run):
    kari = person("kari@example.org", name="Kari", birth_date=dt.date(1990, 5, 17))
    enrolment = Enrolment.objects.create(run=run, person=kari, status=Status.CONFIRMED)
    client.force_login(kari)
    assert "Ja, send meg påminnelser" in client.get(reverse("mypage:my_page")).text
    url = reverse("enrolment:reminders", kwargs={"public_id": enrolment.public_id})
    response = client.post(url, {"wants": "on"}, follow=True)
    assert "Du får en påminnelse på e-post dagen før hver samling." in response.text
    assert "Slå av påminnelser" in response.text
    enrolment.refresh_from_db()
    assert enrolment.wants_reminders
    client.post(url, {"wants": ""})
    enrolment.refresh_from_db()
    assert not enrolment.wants_reminders
    assert list(
        AuditEvent.objects.filter(object_id=str(enrolment.pk)).order_by("pk").values_list("action", flat=True)
    ) == [
        "enrolment.reminders_on",
        "enrolment.reminders_off",
    ]


def test_reminders_can_be_turned_on_from_the_confirmation_link_without_an_account(client, run):
    response = sign_up_and_confirm(client, run, "kari@example.org")
    confirmation = client.get(response.url).text
    assert "Ja, send meg påminnelser" in confirmation
    token = re.search(r'name="t" value="([^"]+)"', confirmation).group(1)
    enrolment = Enrolment.objects.get()
    url = reverse("enrolment:reminders", kwargs={"public_id": enrolment.public_id})
    assert client.post(url, {"wants": "on"}).status_code == 404  # no link, no change
    response = client.post(url, {"wants": "on", "t": token})
    assert response.status_code == 302 and response.url.startswith(
        reverse("enrolment:confirmation", kwargs={"public_id": enrolment.public_id})
    )
    enrolment.refresh_from_db()
    assert enrolment.wants_reminders


def test_someone_signed_up_with_a_mobile_number_only_is_offered_reminders_by_text_message(client, run):
    response = sign_up_and_confirm(client, run, "", phone="912 34 567")
    page = client.get(response.url).text.split("<main", 1)[1]
    assert "Vil du ha en påminnelse på SMS dagen før hver samling?" in page
    assert "e-post dagen før" not in page


def test_min_side_shows_each_course_s_next_session_and_calendar_file_in_the_same_number_of_queries(
    client, django_assert_max_num_queries
):
    kari = person("kari@example.org", name="Kari")
    client.force_login(kari)
    runs = []

    def add_course():
        run = factories.run(offer=factories.offer(), sessions=3)
        Enrolment.objects.create(run=run, person=kari, status=Status.CONFIRMED)
        runs.append(run)

    add_course()
    with django_assert_max_num_queries(50) as one:
        page = client.get(reverse("mypage:my_page")).text
    first = runs[0].sessions.order_by("starts_at").first()
    assert "Neste samling: " + date_format(timezone.localtime(first.starts_at), "WEEKDAY_DATETIME_FORMAT") in page
    assert reverse("catalogue:run_calendar", kwargs={"slug": runs[0].offer.slug, "run_id": runs[0].pk}) in page
    add_course()
    add_course()
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get(reverse("mypage:my_page"))


def test_a_coordinator_adding_someone_the_rules_refuse_leaves_no_new_account_behind(client, coordinator, run):
    """The person was created, and committed, before the enrolment could be refused: now both are one transaction."""
    before = User.objects.count()
    response = client.post(
        reverse("enrolment:participant_add", kwargs={"run_id": run.pk}),
        {"add-name": "Ung", "add-email": "ung@example.org", "add-phone": "", "add-birth_date": "2015-03-01"},
        follow=True,
    )
    assert "Tilbudet er for dem som er fra 18 år, og personen er utenfor aldersgrensen." in response.text
    assert User.objects.count() == before
    assert not User.objects.filter(email="ung@example.org").exists()


def test_a_coordinator_adds_someone_new_who_gets_the_seat_and_an_account(client, coordinator, run):
    response = client.post(
        reverse("enrolment:participant_add", kwargs={"run_id": run.pk}),
        {"add-name": "Voksen", "add-email": "voksen@example.org", "add-phone": "", "add-birth_date": "1980-03-01"},
        follow=True,
    )
    assert "Voksen er lagt til: påmeldt." in response.text
    enrolment = Enrolment.objects.get(person__email="voksen@example.org")
    assert (enrolment.status, enrolment.source) == (Status.CONFIRMED, Enrolment.Source.COORDINATOR)
