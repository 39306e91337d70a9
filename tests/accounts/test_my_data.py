import json

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import User
from audit.models import AuditEvent
from enrolment.models import Enrolment
from enrolment.seats import count_seats
from tests import factories
from tests.people import person

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
