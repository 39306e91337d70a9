"""A sign-up without an account: the same answer for every address, a seat held until the address confirms it."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from audit.acting import Acting
from enrolment import links
from enrolment.models import Enrolment, SeatHold
from enrolment.refusals import EnrolmentRefusal
from enrolment.seats import count_seats
from enrolment.services import holds, places
from enrolment.tasks import do_due_work
from tests import factories
from tests.people import person

pytestmark = pytest.mark.django_db
Status = Enrolment.Status


@pytest.fixture
def run():
    return factories.run(offer=factories.offer(title="Mestringstreff", min_age=18), capacity=3, sessions=2)


def post_form(run, *, email="", phone="", client=None, **extra):
    client = client or Client()
    data = {"name": "Kari", "email": email, "phone": phone, "birth_date": "1990-05-17", **extra}
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client, client.post(reverse("enrolment:sign_up", kwargs={"run_id": run.pk}), data)


_CHANGING = [
    (re.compile(r"/pamelding/holdt/[0-9a-f-]{36}/"), "/pamelding/holdt/HOLD/"),
    (re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"'), 'name="csrfmiddlewaretoken" value="CSRF"'),
    (re.compile(r'name="t" value="[^"]+"'), 'name="t" value="TOKEN"'),
    (re.compile(r"\?t=[\w:-]+"), "?t=TOKEN"),
    (re.compile(r"klokka \d\d:\d\d"), "klokka HH:MM"),
]


def answer(run, **address) -> tuple[int, str]:
    """What the form answers an address: the redirect's status, and the page it leads to, tokens masked."""
    client, response = post_form(run, **address)
    assert response.status_code == 302, response
    page = client.get(response.url).content.decode()
    for pattern, stand_in in _CHANGING:
        page = pattern.sub(stand_in, page)
    return response.status_code, page


def test_every_address_gets_the_very_same_answer_whoever_it_belongs_to(run, text_messages):
    """An address with an account, with only an earlier sign-up, with only a referral, or already on the run answers
    as an address nobody has: a seat held, and a look in the inbox. The inbox says the rest."""
    run = factories.run(offer=run.offer, capacity=20)
    person("konto@example.org", name="Konto", birth_date=dt.date(1985, 1, 1))
    post_form(factories.run(offer=factories.offer(), capacity=5), email="tidligere@example.org")
    holds.confirm_hold(hold_id=SeatHold.objects.get(email="tidligere@example.org").pk)
    from referrals.models import Referral  # an account made by a referral: the person never signed in

    referred = person("henvist@example.org", birth_date=dt.date(1980, 1, 1))
    Referral.objects.create(
        offer=run.offer,
        person=referred,
        referrer=person("worker@example.org"),
        service_unit=_unit(),
        consent_method="spoken",
        consent_given_at=timezone.now(),
    )
    on_the_run = person("paamelt@example.org", birth_date=dt.date(1990, 1, 1))
    places.sign_up(run_id=run.pk, person=on_the_run, acting=Acting.citizen(on_the_run))
    mobile_only = factories.person(
        email="mobil-4791234567@mobil.invalid", phone="+4791234567", birth_date=dt.date(1990, 1, 1)
    )
    places.sign_up(run_id=run.pk, person=mobile_only, acting=Acting.citizen(mobile_only))
    before = {user.pk: (user.first_name, user.birth_date) for user in User.objects.all()}
    mail.outbox.clear()

    by_email = [
        answer(run, email=address)
        for address in (
            "ny@example.org",
            "konto@example.org",
            "tidligere@example.org",
            "henvist@example.org",
            "paamelt@example.org",
        )
    ]
    assert len(set(by_email)) == 1, "every e-mail address gets the very same answer"
    assert "Vi har sendt en e-post til adressen du skrev" in by_email[0][1]
    by_mobile = [answer(run, phone=number) for number in ("913 45 678", "912 34 567")]
    assert len(set(by_mobile)) == 1, "every mobile number gets the very same answer"
    assert "Vi har sendt en SMS til mobilnummeret du skrev" in by_mobile[0][1]

    inbox = {message.to[0]: message for message in mail.outbox}
    assert "Bekreft plassen din" in inbox["ny@example.org"].subject
    for known in ("konto@example.org", "tidligere@example.org", "henvist@example.org"):
        assert "Logg inn for å bekrefte" in inbox[known].subject, known
    assert "Du er allerede med" in inbox["paamelt@example.org"].subject
    texts = {message.to: message.text for message in text_messages}
    assert "Koden din er" in texts["+4791345678"]
    assert "Du er allerede med" in texts["+4791234567"]
    # Nobody was made, signed up or changed: the held seats wait for their owners.
    assert {user.pk: (user.first_name, user.birth_date) for user in User.objects.all()} == before
    assert not User.objects.filter(email="ny@example.org").exists()
    assert Enrolment.objects.filter(run=run).count() == 2
    assert count_seats(run).unconfirmed == 7  # every answer held a seat, whoever the address belongs to


def _unit():
    from accounts.models import ServiceUnit

    return ServiceUnit.objects.create(name="Enhet", slug="enhet", municipality=factories.municipality())


def test_an_address_with_an_account_confirms_signed_in_as_it(run):
    owner = person("konto@example.org", name="Konto", birth_date=dt.date(1985, 1, 1))
    post_form(run, email="konto@example.org")
    link = re.search(r"http://\S+/bekreft/\?t=\S+", mail.outbox[-1].body).group(0).split("8000", 1)[1]
    stranger = Client()
    page = stranger.get(link)
    token = re.search(r'name="t" value="([^"]+)"', page.text).group(1)
    refused = stranger.post(link.split("?")[0], {"t": token})
    assert refused.status_code == 200 and "Logg inn for å bekrefte plassen" in refused.text
    assert "/konto/login/code/?next=" in refused.text
    assert not Enrolment.objects.exists()
    signed_in = Client()
    signed_in.force_login(owner)
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = signed_in.post(link.split("?")[0], {"t": token})
    assert response.status_code == 302
    assert Enrolment.objects.get().person == owner
    assert SeatHold.objects.get().email == ""  # what the form said is gone once the hold ends


def test_an_unconfirmed_hold_expires_and_its_seat_goes_to_the_waiting_list(run):
    factories.confirmed(run, 2)
    post_form(run, email="sen@example.org")
    waiter = person("venter@example.org", birth_date=dt.date(1990, 1, 1))
    waiting = places.join_waiting_list(run_id=run.pk, person=waiter, acting=Acting.citizen(waiter))
    hold = SeatHold.objects.get()
    assert count_seats(run).free == 0
    with TestCase.captureOnCommitCallbacks(execute=True):
        do_due_work(now=hold.expires_at + dt.timedelta(seconds=1))
    hold.refresh_from_db()
    waiting.refresh_from_db()
    assert hold.status == SeatHold.Status.EXPIRED and hold.email == "" and hold.name == ""
    assert waiting.status == Status.OFFERED
    with pytest.raises(EnrolmentRefusal) as refusal:
        holds.confirm_hold(hold_id=hold.pk)
    assert refusal.value.code == "expired"
    assert not User.objects.filter(email="sen@example.org").exists()


def test_a_hold_counts_while_it_holds_and_not_after_its_time(run):
    post_form(run, email="kari@example.org")
    hold = SeatHold.objects.get()
    assert count_seats(run).unconfirmed == 1
    assert count_seats(run, now=hold.expires_at + dt.timedelta(seconds=1)).unconfirmed == 0


def test_a_wrong_code_is_counted_and_five_of_them_leave_only_the_link(run):
    client, response = post_form(run, email="kari@example.org")
    page = client.get(response.url).text
    token = re.search(r'name="t" value="([^"]+)"', page).group(1)
    url = response.url.split("?")[0]
    for left in (4, 3, 2, 1, 0):
        wrong = client.post(url, {"t": token, "code": "000000"})
        assert f"du har {left} forsøk til" in wrong.text
    right = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    last = client.post(url, {"t": token, "code": right})
    assert last.status_code == 200 and "Koden er skrevet feil for mange ganger" in last.text
    assert not Enrolment.objects.exists()


def test_the_page_the_form_led_to_says_nothing_once_the_hold_has_ended(run):
    client, response = post_form(run, email="kari@example.org")
    holds.confirm_hold(hold_id=SeatHold.objects.get().pk)
    page = client.get(response.url).text
    assert "Denne siden viser ikke noe mer" in page and 'name="code"' not in page


def test_the_held_page_needs_its_link(run):
    post_form(run, email="kari@example.org")
    hold = SeatHold.objects.get()
    assert Client().get(reverse("enrolment:held", kwargs={"public_id": hold.public_id})).status_code == 404
    confirm = reverse("enrolment:hold_confirm", kwargs={"public_id": hold.public_id})
    assert Client().get(confirm, {"t": links.hold_token_for(hold, "view")}).status_code == 404


def test_a_filled_in_trap_field_holds_nothing(run):
    _client, response = post_form(run, email="robot@example.org", homepage="https://spam.example")
    assert response.status_code == 200 and "La dette feltet stå tomt" in response.text
    assert not SeatHold.objects.exists() and mail.outbox == []
