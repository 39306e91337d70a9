"""Accounts in a real browser: signing up and in by e-mailed code, staff invitations with two-step sign-in,
and axe-core on every account page in bokmål and English.

E-mail goes to django.core.mail.outbox (the live server runs in this process); background tasks run at once,
after commit.
"""

import re

import pytest
from allauth.mfa.models import Authenticator
from playwright.sync_api import expect

from accounts.models import Role, User
from demo.accounts import ACCOUNTS, DEMO_PASSWORD
from tests.browser.conftest import DESKTOP, MOBILE
from tests.browser.support import (
    PREFIXES,
    assert_axe_clean,
    check_axe,
    code_in,
    last_message_to,
    link_in,
    messages_to,
    reauthenticate_if_asked,
    sign_in,
    submit,
    totp_code,
)

pytestmark = [pytest.mark.browser, pytest.mark.filterwarnings("ignore:No directory at")]

SECRETS = {email: secret for email, _name, _role, _org, secret in ACCOUNTS}
ADMIN = "andreas.admin@demo.example.no"
CITIZEN = "ida@demo.example.no"
NEW_PASSWORD = "Et-langt-passord-2026"


def test_a_citizen_signs_up_verifies_the_email_by_code_and_later_signs_in_by_code(site, page):
    email = "kari.nordmann@example.org"
    page.goto(site + "/")
    with page.expect_navigation():
        page.get_by_role("navigation", name="Hovedmeny").get_by_role("link", name="Logg inn").click()
    with page.expect_navigation():
        page.get_by_role("link", name="registrere deg").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Registrer deg")
    page.get_by_label("E-post").fill(email)
    page.get_by_label("Navn").fill("Kari")
    page.get_by_label("Passord", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Passord en gang til").fill(NEW_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Registrer deg").click()

    # Verification by code: the page asks for the code from the e-mail.
    expect(page).to_have_url(re.compile(r"/konto/confirm-email/$"))
    user = User.objects.get(email=email)
    assert user.first_name == "Kari"
    assert not user.emailaddress_set.get().verified
    page.locator("#id_code").fill(code_in(last_message_to(email)))
    submit(page)

    expect(page).to_have_url(site + "/min-side/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hei, Kari")
    assert user.emailaddress_set.get().verified

    # Sign out, and back in with a code instead of the password.
    with page.expect_navigation():
        page.get_by_role("navigation", name="Hovedmeny").get_by_role("link", name="Logg ut").click()
    submit(page)
    expect(page.get_by_role("navigation", name="Hovedmeny").get_by_role("link", name="Logg inn")).to_be_visible()
    with page.expect_navigation():
        page.get_by_role("navigation", name="Hovedmeny").get_by_role("link", name="Logg inn").click()
    with page.expect_navigation():
        page.get_by_role("link", name="Send meg en innloggingskode").click()
    page.get_by_label("E-post").fill(email)
    with page.expect_navigation():
        page.get_by_role("button", name="Send meg koden").click()

    expect(page).to_have_url(re.compile(r"/konto/login/code/confirm/$"))
    verification, sign_in_code = messages_to(email)  # the second e-mail carries the sign-in code
    assert code_in(sign_in_code) != code_in(verification)
    page.locator("#id_code").fill(code_in(sign_in_code))
    submit(page)
    expect(page).to_have_url(site + "/min-side/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hei, Kari")


def test_an_admin_invites_a_coordinator_who_sets_up_two_step_sign_in(demo_accounts, new_page):
    site = demo_accounts
    invitee_email = "nora.koordinator@example.org"
    admin = new_page()
    sign_in(admin, site, ADMIN, DEMO_PASSWORD, secret=SECRETS[ADMIN])
    expect(admin).to_have_url(site + "/forvaltning/ansatte/")
    expect(admin.get_by_role("heading", level=1)).to_have_text("Ansatte og roller")

    invite = admin.get_by_role("region", name="Inviter en ansatt")
    invite.get_by_label("E-postadressen til den du inviterer").fill(invitee_email)
    invite.get_by_label("Rolle").select_option(value=Role.COORDINATOR)
    invite.get_by_label("Tilbyder (for koordinatorer)").select_option(label="MAS – Mestring-Aktivitet-Samspill")
    with admin.expect_navigation():
        invite.get_by_role("button", name="Send invitasjon").click()
    expect(admin.get_by_text("Invitasjonen er sendt.")).to_be_visible()
    expect(admin.get_by_role("region", name="Invitasjoner som venter")).to_contain_text(invitee_email)

    link = link_in(last_message_to(invitee_email), "/invitasjon/", site)
    page = new_page()
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Velkommen – lag kontoen din")
    expect(page.locator("main")).to_contain_text(invitee_email)
    page.get_by_label("Navn").fill("Nora")
    page.get_by_label("Passord", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Passord en gang til").fill(NEW_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Lag konto").click()

    # Led straight to setting up the authenticator app (the password may be asked for once more first).
    reauthenticate_if_asked(page, NEW_PASSWORD)
    expect(page).to_have_url(re.compile(r"/konto/2fa/totp/activate/$"))
    secret = page.locator("#authenticator_secret").input_value()
    assert re.fullmatch(r"[A-Z2-7]{16,}=*", secret), secret
    page.locator("#id_code").fill(totp_code(secret))
    submit(page)
    expect(page).not_to_have_url(re.compile(r"/konto/2fa/totp/activate/$"))
    nora = User.objects.get(email=invitee_email)
    assert Authenticator.objects.filter(user=nora, type=Authenticator.Type.TOTP).exists()

    # With the second factor in place, the staff member gets past the set-up page to Min side.
    with page.expect_navigation():
        page.get_by_role("navigation", name="Hovedmeny").get_by_role("link", name="Min side").click()
    expect(page).to_have_url(site + "/min-side/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hei, Nora")
    expect(page.get_by_role("region", name="Mine roller")).to_contain_text("MAS – Mestring-Aktivitet-Samspill")


def at_phone_width(page, name, failures):
    """Run axe once more at 360 px, where wide tables scroll sideways (and must be reachable by keyboard)."""
    page.set_viewport_size(MOBILE)
    check_axe(page, f"{name} at {MOBILE['width']} px", failures)
    page.set_viewport_size(DESKTOP)


@pytest.mark.parametrize("language", PREFIXES)
def test_account_pages_have_no_wcag_violations(demo_accounts, new_page, language):
    """Every account page, signed out, as a citizen and as a municipality admin, with the forms' error states."""
    from accounts import services
    from courses.models import Provider

    site, prefix, failures = demo_accounts, PREFIXES[language], []
    # The sign-up and profile forms' error states in both languages; the other forms' (same markup) in bokmål.
    more_error_states = language == "nb"

    def visit(page, path, name):
        response = page.goto(site + prefix + path)
        assert response.ok, f"{path} answered {response.status}"
        assert page.locator("html").get_attribute("lang") == language
        check_axe(page, name, failures)

    # Signed out.
    page = new_page(bypass_csp=True)
    visit(page, "/konto/login/", "login")
    submit(page)
    check_axe(page, "login with errors", failures)
    visit(page, "/konto/signup/", "sign-up")
    page.locator("#id_email").fill("not-an-address")
    page.locator("#id_password1").fill("kort")
    page.locator("#id_password2").fill("annet")
    submit(page)
    expect(page.locator(".error-summary")).to_be_visible()
    check_axe(page, "sign-up with errors", failures)
    visit(page, "/konto/password/reset/", "password reset")
    page.locator("#id_email").fill(CITIZEN)
    submit(page)
    check_axe(page, "password reset sent", failures)

    invitation = services.invite_staff(
        by=User.objects.get(email=ADMIN),
        email=f"ny.{language}@example.org",
        role=Role.COORDINATOR,
        organisation=Provider.objects.get(slug="mas"),
    )
    link = link_in(last_message_to(invitation.email), "/invitasjon/", site)
    page.goto(link.replace(site, site + prefix, 1))
    check_axe(page, "invitation sign-up", failures)
    if more_error_states:
        page.locator("#id_password1").fill(NEW_PASSWORD)
        page.locator("#id_password2").fill(NEW_PASSWORD + "x")
        submit(page)
        expect(page.locator(".error-summary")).to_be_visible()
        check_axe(page, "invitation sign-up with errors", failures)

    codes = new_page(bypass_csp=True)
    visit(codes, "/konto/login/code/", "request a sign-in code")
    codes.locator("#id_email").fill(CITIZEN)
    submit(codes)
    expect(codes).to_have_url(re.compile(r"/konto/login/code/confirm/$"))
    check_axe(codes, "confirm the sign-in code", failures)
    if more_error_states:
        codes.locator("#id_code").fill("FEIL-KODE")
        submit(codes)
        check_axe(codes, "confirm the sign-in code with errors", failures)

    # A citizen.
    page = new_page(bypass_csp=True)
    sign_in(page, site, CITIZEN, DEMO_PASSWORD, prefix=prefix)
    visit(page, "/min-side/", "Min side")
    visit(page, "/min-side/profil/", "profile")
    page.locator("#id_first_name").fill("")
    page.locator("#id_phone").fill("123")
    page.locator("#id_birth_date").fill("2999-01-01")
    submit(page)
    expect(page.locator(".error-summary")).to_be_visible()
    check_axe(page, "profile with errors", failures)
    page.goto(site + prefix + "/min-side/mine-data/")
    assert reauthenticate_if_asked(page, DEMO_PASSWORD, axe_failures=failures), "my data should ask for the password"
    check_axe(page, "my data", failures)
    at_phone_width(page, "my data", failures)
    visit(page, "/min-side/slett-konto/", "delete account")
    if more_error_states:
        submit(page)
        expect(page.locator(".error-summary")).to_be_visible()
        check_axe(page, "delete account with errors", failures)
    visit(page, "/konto/2fa/", "second factor")
    page.goto(site + prefix + "/konto/2fa/totp/activate/")
    reauthenticate_if_asked(page, DEMO_PASSWORD, axe_failures=failures)
    expect(page).to_have_url(re.compile(r"/konto/2fa/totp/activate/$"))
    check_axe(page, "activate TOTP", failures)
    visit(page, "/konto/sessions/", "sessions")

    # A municipality admin (who signs in with a second factor).
    page = new_page(bypass_csp=True)
    sign_in(page, site, ADMIN, DEMO_PASSWORD, secret=SECRETS[ADMIN], prefix=prefix, axe_failures=failures)
    expect(page).to_have_url(site + prefix + "/forvaltning/ansatte/")  # where an admin lands after signing in
    check_axe(page, "staff list", failures)
    if more_error_states:
        page.locator("#id_role").select_option(value=Role.COORDINATOR)
        submit(page)
        expect(page.locator(".error-summary")).to_be_visible()
        check_axe(page, "staff list with errors", failures)
    visit(page, "/forvaltning/logg/", "audit log")
    at_phone_width(page, "audit log", failures)

    assert_axe_clean(failures)
