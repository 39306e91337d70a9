import re
import time

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret, hotp_value, yield_hotp_counters_from_time
from django.core import mail
from django.urls import reverse

from accounts.models import Role, User
from tests.people import build_world, member, person

pytestmark = pytest.mark.django_db

PASSWORD = "Et-langt-passord-2026"


def code_in(message) -> str:
    return re.search(r"^\s*([A-Z0-9]{4}-?[A-Z0-9]{4}|[A-Z0-9]{6})\s*$", message.body, re.M).group(1)


def test_sign_up_asks_only_name_email_password_and_verifies_the_email_by_code(client):
    response = client.post(
        reverse("account_signup"),
        {"email": "Ny@Example.org", "first_name": "Kari", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    user = User.objects.get(email="ny@example.org")
    assert user.first_name == "Kari"
    assert not user.emailaddress_set.get().verified
    assert len(mail.outbox) == 1
    response = client.post(response.url, {"code": code_in(mail.outbox[0])})
    assert response.status_code == 302
    assert user.emailaddress_set.get().verified
    assert client.get(reverse("mypage:my_page")).status_code == 200


def test_a_wrong_verification_code_is_refused(client):
    response = client.post(
        reverse("account_signup"),
        {"email": "ny@example.org", "first_name": "Kari", "password1": PASSWORD, "password2": PASSWORD},
    )
    response = client.post(response.url, {"code": "WRONG1"})
    assert response.status_code == 200
    assert not User.objects.get(email="ny@example.org").emailaddress_set.get().verified


def test_weak_passwords_are_refused_with_a_message(client):
    response = client.post(
        reverse("account_signup"),
        {"email": "ny@example.org", "first_name": "Kari", "password1": "12345678", "password2": "12345678"},
    )
    assert response.status_code == 200
    assert not User.objects.filter(email="ny@example.org").exists()
    assert "minst 12 tegn" in response.text


def test_citizens_can_sign_in_with_a_code_sent_by_email(client):
    person("ida@example.org", name="Ida")
    response = client.post(reverse("account_request_login_code"), {"email": "ida@example.org"})
    assert response.status_code == 302
    response = client.post(response.url, {"code": code_in(mail.outbox[-1])})
    assert response.status_code == 302
    assert client.get(reverse("mypage:my_page")).status_code == 200


def test_password_reset_sends_a_link(client):
    person("ida@example.org")
    client.post(reverse("account_reset_password"), {"email": "ida@example.org"})
    assert len(mail.outbox) == 1
    assert "/konto/password/reset/key/" in mail.outbox[0].body


def test_failed_logins_are_rate_limited_per_email(client):
    person("ida@example.org")
    for _ in range(5):
        client.post(reverse("account_login"), {"login": "ida@example.org", "password": "feil"})
    # Even the right password is refused while the limit holds.
    response = client.post(reverse("account_login"), {"login": "ida@example.org", "password": PASSWORD})
    assert response.status_code == 200
    assert "For mange innloggingsforsøk" in response.text
    assert client.get(reverse("mypage:my_page")).status_code == 302


def test_logins_are_rate_limited_per_address(client):
    statuses = {
        client.post(reverse("account_login"), {"login": f"p{n}@example.org", "password": "feil"}).status_code
        for n in range(31)
    }
    assert 429 in statuses


def test_the_django_admin_login_goes_through_the_rate_limited_sign_in(client):
    response = client.get(reverse("admin:login"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


@pytest.mark.parametrize("role", ["health_worker", "coordinator", "facilitator", "municipality_admin", "superuser"])
def test_staff_without_a_second_factor_are_led_to_set_it_up(client, role):
    world = build_world(mfa=False)
    client.post(reverse("account_login"), {"login": world.people[role].email, "password": PASSWORD})
    for url in [reverse("mypage:my_page"), reverse("home"), "/admin/"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url == reverse("mfa_activate_totp"), url
    # allauth asks for the password once more before a second factor is added
    response = client.get(reverse("mfa_activate_totp"))
    assert response.url.startswith(reverse("account_reauthenticate"))
    client.post(response.url, {"password": PASSWORD})
    assert client.get(reverse("mfa_activate_totp")).status_code == 200


def test_staff_with_a_second_factor_get_in(client):
    world = build_world(mfa=True)
    client.force_login(world.people["municipality_admin"])
    assert client.get(reverse("administration:staff_list")).status_code == 200


def test_citizens_need_no_second_factor(client):
    client.force_login(person("ida@example.org"))
    assert client.get(reverse("mypage:my_page")).status_code == 200


def test_a_staff_member_signs_in_with_password_and_totp(client):
    user = person("new.worker@example.org")
    member(user, Role.HEALTH_WORKER, build_world().unit)
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    response = client.post(reverse("account_login"), {"login": "new.worker@example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == reverse("mfa_authenticate")
    code = f"{hotp_value(secret, next(yield_hotp_counters_from_time())):06d}"
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 302
    assert client.get(reverse("mypage:my_page")).status_code == 200


def test_staff_sessions_end_after_the_idle_timeout(client, settings):
    world = build_world()
    client.force_login(world.people["coordinator"])
    assert client.get(reverse("mypage:my_page")).status_code == 200
    session = client.session
    session["staff_session_last_seen_at"] = time.time() - settings.STAFF_SESSION_IDLE_SECONDS - 5
    session.save()
    response = client.get(reverse("mypage:my_page"))
    assert response.status_code == 302
    assert reverse("account_login") in response.url
    assert client.get(reverse("mypage:my_page")).status_code == 302  # really signed out


def test_staff_sessions_end_after_the_absolute_lifetime_even_when_active(client, settings):
    world = build_world()
    client.force_login(world.people["coordinator"])
    client.get(reverse("mypage:my_page"))
    session = client.session
    session["staff_session_started_at"] = time.time() - settings.STAFF_SESSION_MAX_SECONDS - 5
    session.save()
    assert client.get(reverse("mypage:my_page")).status_code == 302


def test_citizen_sessions_have_no_staff_timeout(client, settings):
    client.force_login(person("ida@example.org"))
    session = client.session
    session["staff_session_last_seen_at"] = time.time() - settings.STAFF_SESSION_IDLE_SECONDS - 5
    session.save()
    assert client.get(reverse("mypage:my_page")).status_code == 200


def test_my_sessions_page_lists_sessions(client):
    user = person("ida@example.org")
    client.post(reverse("account_login"), {"login": "ida@example.org", "password": PASSWORD})
    response = client.get(reverse("usersessions_list"))
    assert response.status_code == 200
    assert user.usersession_set.count() == 1
