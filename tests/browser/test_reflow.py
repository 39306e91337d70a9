"""Reflow (WCAG 1.4.10) for every role: the signed-in pages fit a 360 px phone without sideways scrolling.

test_accessibility.py covers the public catalogue; this covers what is behind the sign-in, where the wide things
are: the second-factor page's long heading, participant tables with visually hidden texts, the run form's session
fieldsets, a select with long options, a textarea's cols, long e-mail addresses and long tags.
"""

import re

import pytest
from django.db.models import Count, Q
from playwright.sync_api import expect

from courses.models import Run
from demo.accounts import ACCOUNTS, DEMO_PASSWORD
from enrolment.models import Enrolment
from tests.browser.conftest import MOBILE
from tests.browser.support import PREFIXES, sideways_overflow, submit, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.filterwarnings("ignore:No directory at")]

SECRETS = {email: secret for email, _name, _role, _org, secret in ACCOUNTS}
HEALTH_WORKER = "eivind.helsearbeider@demo.example.no"
COORDINATOR = "tonje.koordinator@demo.example.no"  # MAS
ADMIN = "andreas.admin@demo.example.no"


@pytest.fixture
def demo_world(demo_accounts):
    from demo.referrals import load_demo_referrals

    load_demo_referrals()
    return demo_accounts


class Reflow:
    def __init__(self, site, prefix):
        self.site, self.prefix, self.problems = site, prefix, []

    def check(self, page, what, path=None):
        if path is not None:
            response = page.goto(self.site + self.prefix + path)
            assert response.ok, f"{path} answered {response.status}"
        expect(page.locator("h1").first).to_be_visible()
        problem = sideways_overflow(page)
        if problem:
            self.problems.append(f"{what}: {problem}")

    def sign_in(self, page, email):
        """Sign in as staff, checking the second-factor page on the way."""
        page.goto(f"{self.site}{self.prefix}/konto/login/")
        page.locator("#id_login").fill(email)
        page.locator("#id_password").fill(DEMO_PASSWORD)
        submit(page)
        expect(page).to_have_url(re.compile(r"/konto/2fa/authenticate/"))
        self.check(page, "the second-factor page")
        page.locator("#id_code").fill(totp_code(SECRETS[email]))
        submit(page)
        expect(page).not_to_have_url(re.compile(r"/konto/(login|2fa/authenticate)/"))


@pytest.mark.parametrize("language", PREFIXES)
def test_every_roles_pages_fit_a_360px_phone(demo_world, new_page, language):
    reflow = Reflow(demo_world, PREFIXES[language])

    anonymous = new_page(viewport=MOBILE)
    reflow.check(anonymous, "a provider with a long kind", "/tilbydere/mestring-baerum/")

    coordinator = new_page(viewport=MOBILE)
    reflow.sign_in(coordinator, COORDINATOR)
    busiest = (
        Run.objects.filter(offer__provider__slug="mas", status=Run.Status.PUBLISHED)
        .annotate(
            confirmed=Count("enrolments", filter=Q(enrolments__status=Enrolment.Status.CONFIRMED)),
            waiting=Count("enrolments", filter=Q(enrolments__status=Enrolment.Status.WAITLISTED)),
        )
        .filter(confirmed__gt=0)
        .order_by("-waiting", "-confirmed")
        .first()
    )
    reflow.check(coordinator, "participants (hidden texts in a table)", f"/kurs/gjennomforing/{busiest.pk}/deltakere/")
    reflow.check(coordinator, "the run form (a fieldset per session)", f"/kurs/gjennomforing/{busiest.pk}/")
    reflow.check(coordinator, "the referral inbox", "/kurs/henvisninger/")
    with coordinator.expect_navigation():
        coordinator.locator("main a[href*='/kurs/henvisninger/']").first.click()
    reflow.check(coordinator, "a referral in the inbox (a textarea)")

    worker = new_page(viewport=MOBILE)
    reflow.sign_in(worker, HEALTH_WORKER)
    run = Run.objects.filter(offer__slug="mestringstreff-baerum", status=Run.Status.PUBLISHED).first()
    reflow.check(worker, "the referral form (a select with long options)", "/henvis/mestringstreff-baerum/")
    reflow.check(worker, "signing up while signed in (a long e-mail address)", f"/pamelding/{run.pk}/")

    admin = new_page(viewport=MOBILE)
    reflow.sign_in(admin, ADMIN)
    reflow.check(admin, "staff and roles", "/forvaltning/ansatte/")
    reflow.check(admin, "referrals in the municipality", "/forvaltning/henvisninger/")
    with admin.expect_navigation():
        admin.locator("main a[href$='/innsyn/']").first.click()
    reflow.check(admin, "the break-glass form (a textarea)")

    assert not reflow.problems, f"Pages scroll sideways at {MOBILE['width']} px:\n" + "\n".join(reflow.problems)
