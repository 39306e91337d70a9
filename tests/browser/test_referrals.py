"""Referrals in a real browser: a health worker refers a person and holds a seat, the provider's coordinator
takes the person in, and the person follows the link in their e-mail and sees who has read the referral.
Then axe-core on every referral page, in bokmål and English.

E-mail goes to django.core.mail.outbox (the live server runs in this process); background tasks run at once,
after commit.
"""

import re

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import User
from audit.acting import Acting
from courses.models import Offer, Run
from demo.accounts import ACCOUNTS, DEMO_PASSWORD
from enrolment.models import Enrolment
from enrolment.seats import count_seats
from referrals.models import Referral
from tests.browser.support import PREFIXES, assert_axe_clean, check_axe, sign_in, submit

pytestmark = [pytest.mark.browser, pytest.mark.filterwarnings("ignore:No directory at")]

SECRETS = {email: secret for email, _name, _role, _org, secret in ACCOUNTS}
HEALTH_WORKER = "eivind.helsearbeider@demo.example.no"  # Psykisk helse- og rustjenesten, Bydel Grorud
COORDINATOR = "tonje.koordinator@demo.example.no"  # MAS
ADMIN = "andreas.admin@demo.example.no"  # Oslo kommune
OFFER = "mas-keramikk"
PERSON_LINK = re.compile(r"https?://[^/\s]+(?:/[a-z]{2})?(/min-side/henvisninger/[0-9a-f-]{36}/\?t=\S+)")


def spring_run_with_a_free_seat(slug):
    """A spring run of the offer with a seat a referral can hold.

    In the demo data both spring groups of Keramikk are full with a waiting list. If no spring run has a seat
    open to newcomers, the coordinator adds seats to the one with the shortest waiting list, as a coordinator
    would: every waiting person is offered one of the new seats, and one seat is left for the referral.
    """
    runs = list(
        Run.objects.upcoming()
        .filter(offer__slug=slug, semester__slug__startswith="var-")
        .select_related("offer__provider", "semester")
        .order_by("starts_at", "pk")
    )
    assert runs, f"no upcoming spring run of {slug}"
    for run in runs:
        if count_seats(run).open_to_walk_ins:
            return run
    seats = {run.pk: count_seats(run) for run in runs}
    run = min(runs, key=lambda run: seats[run.pk].waiting)
    needed = seats[run.pk]
    coordinator = User.objects.get(email=COORDINATOR)
    runs.edit_run(
        run_id=run.pk,
        fields={"capacity": needed.taken + needed.waiting + 1},
        acting=Acting.coordinator(coordinator, provider_id=run.offer.provider_id),
    )
    run.refresh_from_db()
    assert count_seats(run).open_to_walk_ins, f"{run} still has no free seat"
    return run


def person_link(email, site, prefix=""):
    """The link to the referral in the newest e-mail to the person, pointed at the live server."""
    for message in reversed(mail.outbox):
        if email in message.to:
            match = PERSON_LINK.search(message.body)
            if match:
                return site + prefix + match.group(1)
    raise AssertionError(
        f"no e-mail to {email} with a referral link. Sent: {[(m.to, m.subject) for m in mail.outbox]!r}"
    )


def assert_error_links_lead_to_their_fields(page):
    """Each link in the error summary moves focus to its field (for radio buttons: their fieldset)."""
    links = page.locator(".error-summary a")
    expect(links.first).to_be_visible()
    for link in links.all():
        target = link.get_attribute("href")
        assert page.locator(target).count() == 1, f"the error summary's link {target} leads nowhere"
        link.click()
        focused = page.evaluate("() => document.activeElement.id")
        assert f"#{focused}" == target, f"the error summary's link {target} moved focus to #{focused}"


def fact(page, term):
    """The <dd> next to the <dt> with this text, in the page's first fact list."""
    return page.locator("dl.facts > div").filter(has=page.locator("dt", has_text=term)).locator("dd")


# --- 1–3. refer, take in, and the person sees who has read it -----------------------------------------


def test_a_health_worker_refers_the_coordinator_takes_in_and_the_person_sees_who_read_it(demo_accounts, new_page):
    site = demo_accounts
    run = spring_run_with_a_free_seat(OFFER)
    person_email = "sigrid.henvist@example.no"
    today = timezone.localdate()
    mail.outbox.clear()

    # 1. Eivind, a health worker in Bydel Grorud, refers Sigrid to Keramikk and holds a seat on a spring run.
    worker = new_page()
    sign_in(worker, site, HEALTH_WORKER, DEMO_PASSWORD, secret=SECRETS[HEALTH_WORKER])
    worker.goto(f"{site}/tilbud/{OFFER}/")
    box = worker.get_by_role("region", name="For helsearbeidere")
    expect(box).to_be_visible()
    with worker.expect_navigation():
        box.get_by_role("link", name="Henvis en person hit").click()
    expect(worker).to_have_url(f"{site}/henvis/{OFFER}/")
    expect(worker.get_by_role("heading", level=1)).to_have_text("Henvis en person")

    form = worker.locator("main form.portal-form")
    form.get_by_label("Personens navn").fill("Sigrid")
    form.get_by_label("Fødselsdato").fill("1988-02-29")
    form.get_by_label("E-post").fill(person_email)
    form.get_by_label("Personen har sagt ja til at jeg sender denne henvisningen").check()
    form.get_by_role("group", name="Hvordan ble samtykket gitt?").get_by_label("Muntlig").check()
    form.get_by_label("Når ble samtykket gitt?").fill(today.isoformat())
    form.get_by_label("Hvilken gjennomføring").select_option(str(run.pk))
    form.get_by_label("Hold av en plass mens henvisningen behandles").check()
    with worker.expect_navigation():
        form.get_by_role("button", name="Send henvisningen").click()

    referral = Referral.objects.select_related("enrolment", "person").get(person__email=person_email)
    expect(worker).to_have_url(f"{site}/henvisninger/{referral.public_id}/")
    expect(worker.get_by_role("status")).to_contain_text("Henvisningen er sendt")
    expect(fact(worker, "Plass holdt av")).to_have_text(re.compile(r"^Ja, til \d"))
    expect(fact(worker, "Gjennomføring")).to_contain_text(run.semester.name)
    assert referral.run_id == run.pk and referral.status == Referral.Status.SENT
    assert referral.enrolment is not None and referral.enrolment.status == Enrolment.Status.HELD
    assert referral.enrolment.run_id == run.pk
    assert referral.consent_method == Referral.ConsentMethod.SPOKEN
    held = referral.enrolment

    # 2. Tonje, MAS's coordinator, finds it among the referrals waiting and takes Sigrid in.
    coordinator = new_page()
    sign_in(coordinator, site, COORDINATOR, DEMO_PASSWORD, secret=SECRETS[COORDINATOR])
    coordinator.goto(f"{site}/kurs/")
    with coordinator.expect_navigation():
        coordinator.get_by_role("link", name="Henvisninger som venter").click()
    expect(coordinator).to_have_url(f"{site}/kurs/henvisninger/")
    row = coordinator.get_by_role("row").filter(has_text="Keramikk")
    expect(row).to_have_count(1)
    with coordinator.expect_navigation():
        row.get_by_role("link").click()
    expect(coordinator).to_have_url(f"{site}/kurs/henvisninger/{referral.public_id}/")
    expect(fact(coordinator, "Person")).to_have_text("Sigrid")
    expect(fact(coordinator, "Plass holdt av")).to_have_text(re.compile(r"^Ja, til \d"))
    accept = coordinator.get_by_role("button", name=re.compile(r"^Ta inn"))
    expect(coordinator.get_by_label("Gjennomføring")).to_have_value(str(run.pk))
    with coordinator.expect_navigation():
        accept.click()
    expect(coordinator).to_have_url(f"{site}/kurs/henvisninger/")
    expect(coordinator.get_by_role("status")).to_contain_text("Svaret er sendt")
    expect(coordinator.get_by_role("row").filter(has_text="Keramikk")).to_have_count(0)

    referral.refresh_from_db()
    held.refresh_from_db()
    assert referral.status == Referral.Status.ACCEPTED
    assert referral.answered_at is not None and referral.first_seen_at is not None
    assert referral.enrolment_id == held.pk, "the held seat should become the place, not a second enrolment"
    assert held.status == Enrolment.Status.CONFIRMED and held.run_id == run.pk and held.offer_expires_at is None
    assert Enrolment.objects.filter(run=run, person=referral.person).count() == 1

    # 3. Sigrid opens the link in her e-mail (no account needed) and sees that Tonje has read the referral.
    person = new_page()
    person.goto(person_link(person_email, site))
    expect(person.get_by_role("heading", level=1)).to_have_text("Henvisning om deg")
    expect(fact(person, "Tilbud")).to_have_text("Keramikk")
    expect(fact(person, "Sendt av")).to_contain_text("Eivind")
    expect(fact(person, "Status")).to_have_text("Fått plass")
    reads = person.get_by_role("region", name="Hvem har sett henvisningen")
    expect(reads.get_by_role("listitem").filter(has_text="Tonje")).not_to_have_count(0)


# --- 4. axe on every referral page -----------------------------------------------------------------------


@pytest.mark.parametrize("language", PREFIXES)
def test_referral_pages_have_no_wcag_violations(demo_accounts, new_page, language):
    """Every referral page for the health worker, the coordinator, the municipality admin and the person."""
    site, prefix, failures = demo_accounts, PREFIXES[language], []
    offer = Offer.objects.get(slug=OFFER)
    person_email = f"astrid.{language}@example.no"

    def visit(page, path, name):
        response = page.goto(site + prefix + path)
        assert response.ok, f"{path} answered {response.status}"
        assert page.locator("html").get_attribute("lang") == language
        check_axe(page, name, failures)

    # The health worker: the offer page with its box for health workers, the form, its errors, the result.
    worker = new_page(bypass_csp=True)  # axe is injected as a script; the CSP would block it
    sign_in(worker, site, HEALTH_WORKER, DEMO_PASSWORD, secret=SECRETS[HEALTH_WORKER], prefix=prefix)
    visit(worker, f"/tilbud/{OFFER}/", "offer page for a health worker")
    expect(worker.locator("section.refer-box")).to_be_visible()
    visit(worker, "/henvisninger/", "my referrals, none yet")
    visit(worker, f"/henvis/{OFFER}/", "referral form")
    worker.locator("#id_consent_given_at").fill("")
    worker.locator("#id_hold_seat").check()
    submit(worker)
    expect(worker.locator(".error-summary")).to_be_visible()
    assert_error_links_lead_to_their_fields(worker)
    check_axe(worker, "referral form with every error", failures)
    worker.locator("#id_hold_seat").uncheck()
    worker.locator("#id_consent_given_at").fill(timezone.localdate().isoformat())
    worker.locator("#id_name").fill("Astrid")
    worker.locator("#id_birth_date").fill("1975-06-01")
    worker.locator("#id_email").fill(person_email)
    worker.locator("#id_consent_method_1").check()
    worker.locator("#id_note").fill("Liker å jobbe med hendene.")
    submit(worker)
    expect(worker.locator(".error-summary")).to_be_visible()
    expect(worker.locator("#id_consent_error")).to_be_visible()
    assert not Referral.objects.exists()
    check_axe(worker, "referral form with errors (no consent)", failures)
    worker.locator("#id_consent").check()
    submit(worker)
    referral = Referral.objects.get(person__email=person_email, offer=offer)
    # (the fragment from the error summary's last link survives the redirect)
    expect(worker).to_have_url(re.compile(rf"^{site}{prefix}/henvisninger/{referral.public_id}/(#.*)?$"))
    check_axe(worker, "the worker's referral page", failures)
    visit(worker, "/henvisninger/", "my referrals")
    expect(worker.locator("main table tbody tr")).to_have_count(1)

    # The coordinator: the inbox and the referral in it.
    coordinator = new_page(bypass_csp=True)
    sign_in(coordinator, site, COORDINATOR, DEMO_PASSWORD, secret=SECRETS[COORDINATOR], prefix=prefix)
    visit(coordinator, "/kurs/henvisninger/", "coordinator's inbox")
    expect(coordinator.locator("main table tbody tr")).to_have_count(1)
    visit(coordinator, f"/kurs/henvisninger/{referral.public_id}/", "coordinator's referral")

    # The municipality admin: the list, the break-glass form (empty, with errors) and what it opens.
    admin = new_page(bypass_csp=True)
    sign_in(admin, site, ADMIN, DEMO_PASSWORD, secret=SECRETS[ADMIN], prefix=prefix)
    visit(admin, "/forvaltning/henvisninger/", "break-glass list")
    with admin.expect_navigation():
        admin.locator(f"main a[href$='/{referral.public_id}/innsyn/']").click()
    check_axe(admin, "break-glass form", failures)
    submit(admin)
    expect(admin.locator(".error-summary")).to_be_visible()
    check_axe(admin, "break-glass form with errors", failures)
    admin.locator("#id_reason").fill("Personen er savnet, og politiet ber om kontaktopplysninger.")
    submit(admin)
    expect(admin.locator(".ds-alert[data-color=danger]")).to_be_visible()
    check_axe(admin, "referral opened with break-glass", failures)

    # The person, from the e-mail's link: the referral, who has read it (the admin with the reason).
    person = new_page(bypass_csp=True)
    response = person.goto(person_link(person_email, site, prefix))
    assert response.ok
    assert person.locator("html").get_attribute("lang") == language
    expect(person.locator("section[aria-labelledby=reads-heading]")).to_contain_text("politiet ber om")
    check_axe(person, "the person's referral page", failures)

    assert_axe_clean(failures)
