import re
import time

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret, hotp_value, yield_hotp_counters_from_time
from django.core import mail
from django.test import Client
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


def test_five_wrong_passwords_pause_password_sign_in_but_a_code_by_email_still_works(client):
    person("ida@example.org")
    for _ in range(5):
        client.post(reverse("account_login"), {"login": "ida@example.org", "password": "feil"})
    # Even the right password is refused while the limit holds: the guessing stops.
    response = client.post(reverse("account_login"), {"login": "ida@example.org", "password": PASSWORD})
    assert response.status_code == 200
    assert "Det er skrevet feil passord for mange ganger" in response.text
    assert f'<a class="ds-link" href="{reverse("account_request_login_code")}">' in response.text
    assert client.get(reverse("mypage:my_page")).status_code == 302
    # Whoever typed them, the person can still get in, with a code sent to their address.
    response = client.post(reverse("account_request_login_code"), {"email": "ida@example.org"})
    assert response.status_code == 302
    response = client.post(response.url, {"code": code_in(mail.outbox[-1])})
    assert response.status_code == 302
    assert client.get(reverse("mypage:my_page")).status_code == 200


def test_staff_locked_out_of_their_password_get_in_by_code_and_their_second_factor(client):
    coordinator = build_world().people["coordinator"]
    secret = generate_totp_secret()
    coordinator.authenticator_set.all().delete()
    TOTP.activate(coordinator, secret)
    for _ in range(6):
        client.post(reverse("account_login"), {"login": coordinator.email, "password": "feil"})
    response = client.post(reverse("account_request_login_code"), {"email": coordinator.email})
    response = client.post(response.url, {"code": code_in(mail.outbox[-1])})
    assert response.url == reverse("mfa_authenticate")  # the code replaces the password, not the second factor
    code = f"{hotp_value(secret, next(yield_hotp_counters_from_time())):06d}"
    assert client.post(response.url, {"code": code}).url == reverse("enrolment:dashboard")


def test_the_way_round_a_paused_password_keeps_where_the_person_was_going(client):
    person("ida@example.org")
    login = reverse("account_login") + "?next=/min-side/profil/"
    for _ in range(6):
        response = client.post(login, {"login": "ida@example.org", "password": "feil"})
    assert f'href="{reverse("account_request_login_code")}?next=%2Fmin-side%2Fprofil%2F"' in response.text


def test_logins_are_rate_limited_per_address(client):
    statuses = {
        client.post(reverse("account_login"), {"login": f"p{n}@example.org", "password": "feil"}).status_code
        for n in range(31)
    }
    assert 429 in statuses


def sign_in_attempts(client, count, headers):
    """The statuses of `count` sign-ins with wrong passwords, each to another address (so only the limit per client
    address, allauth's 30 a minute, can stop them)."""
    return [
        client.post(
            reverse("account_login"), {"login": f"p{n}@example.org", "password": "feil"}, headers=headers
        ).status_code
        for n in range(count)
    ]


def test_behind_the_trusted_proxy_each_client_has_its_own_limit(client, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1  # the municipality's proxy appends the client's address
    assert 429 in sign_in_attempts(client, 31, {"X-Forwarded-For": "203.0.113.7"})
    # Someone else behind the same proxy (the same connecting address) is not stopped by the first one.
    assert set(sign_in_attempts(Client(), 3, {"X-Forwarded-For": "198.51.100.20"})) == {200}
    # What a client writes into the header itself counts for nothing: the proxy's own entry is the last one.
    assert 429 in sign_in_attempts(Client(), 1, {"X-Forwarded-For": "198.51.100.99, 203.0.113.7"})


def test_behind_a_proxy_that_names_the_client_in_a_header_of_its_own(client, settings):
    settings.ALLAUTH_TRUSTED_CLIENT_IP_HEADER = "X-Real-IP"
    assert 429 in sign_in_attempts(client, 31, {"X-Real-IP": "203.0.113.7"})
    assert set(sign_in_attempts(Client(), 3, {"X-Real-IP": "198.51.100.20"})) == {200}


def test_without_a_trusted_proxy_the_forwarding_headers_are_ignored(client, settings):
    assert settings.ALLAUTH_TRUSTED_PROXY_COUNT == 0 and settings.ALLAUTH_TRUSTED_CLIENT_IP_HEADER is None
    assert 429 in sign_in_attempts(client, 31, {"X-Forwarded-For": "203.0.113.7", "X-Real-IP": "203.0.113.7"})
    # Anyone could send any address in them, so the connecting address is all that counts.
    assert 429 in sign_in_attempts(Client(), 1, {"X-Forwarded-For": "198.51.100.20", "X-Real-IP": "198.51.100.20"})


def test_sessions_record_the_clients_address_behind_the_proxy(client, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    user = person("ida@example.org")
    client.post(
        reverse("account_login"),
        {"login": "ida@example.org", "password": PASSWORD},
        headers={"X-Forwarded-For": "203.0.113.7"},
    )
    assert user.usersession_set.get().ip == "203.0.113.7"


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


def sign_in_with_second_factor(client, user, *, next_url=""):
    """Sign in with password and TOTP; the answer to the TOTP step (where the person is sent)."""
    secret = generate_totp_secret()
    user.authenticator_set.all().delete()
    TOTP.activate(user, secret)
    login = reverse("account_login") + (f"?next={next_url}" if next_url else "")
    response = client.post(login, {"login": user.email, "password": PASSWORD})
    assert response.url.startswith(reverse("mfa_authenticate"))
    code = f"{hotp_value(secret, next(yield_hotp_counters_from_time())):06d}"
    return client.post(response.url, {"code": code})


@pytest.mark.parametrize(
    ("role", "landing"),
    [
        ("coordinator", "enrolment:dashboard"),
        ("facilitator", "enrolment:dashboard"),
        ("health_worker", "referrals:list"),
        ("municipality_admin", "administration:staff_list"),
        ("superuser", "administration:staff_list"),
        ("citizen", "mypage:my_page"),
    ],
)
def test_everyone_lands_on_their_own_work_page_after_signing_in(client, role, landing):
    world = build_world()
    user = world.people[role]
    if role == "citizen":
        response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    else:
        response = sign_in_with_second_factor(client, user)
    assert response.status_code == 302
    assert response.url == reverse(landing)
    assert client.get(response.url).status_code == 200


def test_someone_with_several_roles_lands_where_the_days_work_is(client):
    world = build_world()
    admin = world.people["municipality_admin"]
    member(admin, Role.HEALTH_WORKER, world.unit)
    assert sign_in_with_second_factor(client, admin).url == reverse("referrals:list")
    client.logout()
    member(admin, Role.COORDINATOR, world.provider)
    assert sign_in_with_second_factor(client, admin).url == reverse("enrolment:dashboard")


def test_a_next_address_still_wins_over_the_landing_page(client):
    world = build_world()
    response = sign_in_with_second_factor(client, world.people["coordinator"], next_url="/min-side/profil/")
    assert response.url == "/min-side/profil/"


def test_the_signed_in_message_stays_in_the_session_not_in_a_cookie(client):
    person("ida@example.org")
    response = client.post(reverse("account_login"), {"login": "ida@example.org", "password": PASSWORD})
    assert "messages" not in response.cookies
    page = client.get(response.url)
    assert "Du er logget inn som ida@example.org" in page.text
    assert "ida@example.org" not in "".join(morsel.value for morsel in page.cookies.values())
    assert "messages" not in client.cookies


def test_with_a_client_address_header_configured_a_sign_in_without_it_is_refused(client, settings):
    """Only a request that bypassed the proxy lacks the header: allauth will not fall back to the proxy's address."""
    settings.ALLAUTH_TRUSTED_CLIENT_IP_HEADER = "X-Real-IP"
    person("ida@example.org")
    response = client.post(reverse("account_login"), {"login": "ida@example.org", "password": PASSWORD})
    assert response.status_code == 403
