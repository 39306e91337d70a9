import datetime as dt
import json
import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, ServiceUnit, User
from audit.acting import Acting
from audit.actions import Read
from audit.models import AuditEvent
from audit.services import record_access
from enrolment.models import Enrolment
from enrolment.seats import count_seats
from mypage.export import FIELDS
from referrals import services as referral_services
from tests import factories
from tests.people import member, person

pytestmark = pytest.mark.django_db
PASSWORD = "Et-langt-passord-2026"


@pytest.fixture
def ida(client):
    user = person("ida@example.org", name="Ida")
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    return user


def reauthenticate(client, response):
    assert response.status_code == 302 and reverse("account_reauthenticate") in response.url
    return client.post(response.url, {"password": PASSWORD})


def test_the_profile_keeps_a_valid_norwegian_or_danish_mobile(client, ida):
    response = client.post(
        reverse("accounts:profile"),
        {"first_name": "Ida", "phone": "912 34 567", "preferred_language": "nn", "contact_preference": "sms"},
    )
    assert response.status_code == 302
    ida.refresh_from_db()
    assert ida.phone == "+4791234567"
    assert ida.preferred_language == "nn"
    client.post(
        reverse("accounts:profile"),
        {"first_name": "Ida", "phone": "+45 20 12 34 56", "preferred_language": "da", "contact_preference": "sms"},
    )
    ida.refresh_from_db()
    assert ida.phone == "+4520123456"
    event = AuditEvent.objects.filter(action="profile.updated").first()
    assert "+45" not in json.dumps(event.detail)  # which fields changed, never the values


def test_an_unknown_mobile_number_is_refused_kindly_and_nothing_changes(client, ida):
    response = client.post(
        reverse("accounts:profile"),
        {"first_name": "Ida", "phone": "123", "preferred_language": "nb", "contact_preference": "email"},
    )
    assert response.status_code == 200
    assert "Vi kjenner ikke igjen mobilnummeret" in response.text
    assert 'value="123"' in response.text  # what was typed is kept
    ida.refresh_from_db()
    assert ida.phone == ""


def test_a_birth_date_in_the_future_is_refused(client, ida):
    response = client.post(
        reverse("accounts:profile"),
        {"first_name": "Ida", "birth_date": "2999-01-01", "preferred_language": "nb", "contact_preference": "email"},
    )
    assert "Sjekk fødselsdatoen" in response.text


def test_downloading_my_data_needs_a_fresh_password_and_gives_everything(client, ida):
    run = factories.run(offer=factories.offer(title="Keramikk"))
    Enrolment.objects.create(run=run, person=ida, status=Enrolment.Status.CONFIRMED)
    response = reauthenticate(client, client.get(reverse("mypage:my_data_json")))
    response = client.get(reverse("mypage:my_data_json"))
    assert response.status_code == 200
    data = response.json()
    assert data["profile"]["email"] == "ida@example.org"
    assert data["enrolments"][0]["offer"] == "Keramikk"
    assert set(data) == {
        "about",
        "profile",
        "enrolments",
        "referrals_about_me",
        "roles",
        "changes_to_my_data",
        "who_has_seen_my_data",
    }
    assert "attachment" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]
    assert "Keramikk" in client.get(reverse("mypage:my_data")).text


def test_deleting_my_account_frees_my_seats_anonymises_and_confirms_by_email(
    client, ida, django_capture_on_commit_callbacks
):
    run = factories.run(offer=factories.offer(), capacity=1)
    Enrolment.objects.create(run=run, person=ida, status=Enrolment.Status.CONFIRMED)
    reauthenticate(client, client.get(reverse("mypage:delete_account")))
    response = client.post(reverse("mypage:delete_account"), {})
    assert response.status_code == 200  # the confirmation box must be ticked
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("mypage:delete_account"), {"confirm": "on"})
    assert response.status_code == 302
    ida.refresh_from_db()
    assert ida.email.endswith("@anonym.invalid") and ida.first_name == "" and not ida.is_active
    assert not User.objects.filter(email="ida@example.org").exists()
    assert Enrolment.objects.get(person=ida).status == Enrolment.Status.CANCELLED

    assert count_seats(run).free == 1
    assert mail.outbox[-1].to == ["ida@example.org"]
    assert client.get(reverse("mypage:my_page")).status_code == 302
    assert AuditEvent.objects.filter(action="account.deleted", subject=ida).exists()


def test_the_email_address_can_be_used_again_after_deletion(client, ida, django_capture_on_commit_callbacks):
    reauthenticate(client, client.get(reverse("mypage:delete_account")))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("mypage:delete_account"), {"confirm": "on"})
    client.post(
        reverse("account_signup"),
        {"email": "ida@example.org", "first_name": "Ida", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert User.objects.filter(email="ida@example.org", is_active=True).exists()


@pytest.fixture
def compiled_translations(settings):
    call_command("compile_translations", verbosity=0)
    settings.LOCALE_PATHS = list(settings.LOCALE_PATHS)  # Django reads its catalogues again


NOVEMBER_30 = timezone.make_aware(dt.datetime(2026, 11, 30, 18, 5))


@pytest.fixture
def everything(ida):
    """Ida with something in every part of her data: an enrolment, a referral, a role, a change and a read."""
    ida.birth_date = dt.date(1990, 5, 17)
    ida.save(update_fields=["birth_date"])
    provider = factories.provider(name="MAS")
    run = factories.run(offer=factories.offer(title="Keramikk", provider=provider))
    enrolment = Enrolment.objects.create(run=run, person=ida, status=Enrolment.Status.CONFIRMED)
    Enrolment.objects.filter(pk=enrolment.pk).update(created_at=NOVEMBER_30)
    unit = ServiceUnit.objects.create(name="Bydel Grorud", slug="grorud", municipality=provider.municipality)
    worker = person("eivind@example.org", name="Eivind", mfa=True)
    member(worker, Role.HEALTH_WORKER, unit)
    referral_services.refer(
        referrer=worker,
        service_unit=unit,
        offer=run.offer,
        run=None,
        name="Ida",
        email=ida.email,
        phone="",
        birth_date=ida.birth_date,
        consent_method="spoken",
        consent_given_at=NOVEMBER_30,
        hold_seat=False,
        note="Ringer helst etter klokka ti",
    )
    role = member(ida, Role.FACILITATOR, run)
    role.ended_at = NOVEMBER_30  # a role she held once (staff who hold one now sign in with a second factor)
    role.save(update_fields=["ended_at"])
    record_access(
        acting=Acting.coordinator(factories.person(), provider_id=provider.pk),
        action=Read.PARTICIPANTS_VIEWED,
        subject=ida,
    )
    return ida


def test_my_data_page_shows_words_in_my_language_and_dates_as_people_write_them(client, everything):
    reauthenticate(client, client.get(reverse("mypage:my_data")))
    page = client.get(reverse("mypage:my_data")).text
    for words in [
        "Norsk bokmål",  # the language, not "nb"
        "E-post",  # how to be contacted, not "email"
        "17. mai 1990",  # the birth date
        "30. november 2026",  # the enrolment's and the referral's date
        "Påmeldt",  # the enrolment's status, not "confirmed"
        "Meldte seg på selv",  # how, not "self"
        "Muntlig",  # the consent, not "spoken"
        "Ringer helst etter klokka ti",
        "Kursholder",  # the role, not "facilitator"
        "Henvisningen ble sendt",  # a change, not "referral.sent"
        "Koordinator (MAS) så deltakerlisten",  # a read: who, for whom, what; not "provider:3"
    ]:
        assert words in page, words
    for code in ["confirmed", "spoken", "referral.sent", "participants.viewed", "facilitator", "provider:"]:
        assert code not in page, code
    assert not re.search(r"\d{4}-\d\d-\d\d", page), "an ISO date on the page"


def test_my_data_page_speaks_the_readers_language(client, everything, compiled_translations):
    reauthenticate(client, client.get(reverse("mypage:my_data")))
    with_english = client.get("/en" + reverse("mypage:my_data")).text
    assert "Signed up" in with_english
    assert "30 November 2026" in with_english
    assert "Påmeldt" not in with_english


def test_my_data_file_keeps_the_codes_and_iso_times_and_says_what_each_field_holds(
    client, everything, compiled_translations
):
    reauthenticate(client, client.get(reverse("mypage:my_data_json")))
    data = client.get(reverse("mypage:my_data_json")).json()
    assert data["profile"]["preferred_language"] == "nb"
    assert data["profile"]["birth_date"] == "1990-05-17"
    assert data["enrolments"][0]["status"] == "confirmed"
    assert dt.datetime.fromisoformat(data["enrolments"][0]["created"]) == NOVEMBER_30
    assert data["referrals_about_me"][0]["consent"]["method"] == "spoken"
    assert data["who_has_seen_my_data"][0]["organisation"].startswith("provider:")
    assert data["who_has_seen_my_data"][0]["organisation_name"] == "MAS"
    # Each code in the file, with its words (in English, like the field names and their descriptions).
    assert data["about"]["codes"]["enrolments.status"] == {"confirmed": "Signed up"}
    assert data["about"]["codes"]["referrals_about_me.consent.method"] == {"spoken": "Spoken"}
    assert data["about"]["codes"]["who_has_seen_my_data.action"] == {
        "participants.viewed": "looked at the participant list"
    }

    def paths(value, path=""):
        if isinstance(value, dict):
            for key, item in value.items():
                yield f"{path}.{key}" if path else key
                yield from paths(item, f"{path}.{key}" if path else key)
        elif isinstance(value, list):
            for item in value:
                yield from paths(item, path)

    in_the_file = set(paths({key: value for key, value in data.items() if key != "about"})) | {"about"}
    assert in_the_file == set(data["about"]["fields"]) == set(FIELDS), "every field described, and only those"
