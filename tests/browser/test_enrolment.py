"""Signing up for a course in a real browser: on a phone, by keyboard only, through the waiting list and an
e-mailed offer; a coordinator's semester copy and attendance on a tablet; axe-core on every enrolment page.

E-mail goes to django.core.mail.outbox (the live server runs in this process); background tasks run at once,
after commit.
"""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from audit.acting import Acting
from courses.models import Run, Semester
from demo.accounts import ACCOUNTS, DEMO_PASSWORD
from demo.catalogue import semesters_around
from enrolment import links
from enrolment.models import Attendance, Enrolment
from enrolment.seats import count_seats
from enrolment.services import places, waiting_list
from tests import factories
from tests.browser.conftest import DESKTOP, MOBILE
from tests.browser.support import (
    PREFIXES,
    assert_axe_clean,
    assert_no_sideways_scrolling,
    check_axe,
    code_in,
    last_message_to,
    link_in,
    sign_in,
    submit,
)

pytestmark = [pytest.mark.browser, pytest.mark.filterwarnings("ignore:No directory at")]

Status = Enrolment.Status
SECRETS = {email: secret for email, _name, _role, _org, secret in ACCOUNTS}
COORDINATOR = "tonje.koordinator@demo.example.no"  # MAS
CITIZEN = "ida@demo.example.no"
TABLET = {"width": 800, "height": 1200}


def only_run(slug):
    return Run.objects.select_related("offer", "semester").get(offer__slug=slug)


def demo_semesters():
    """(current, next, after) semesters of the demo catalogue."""
    slugs = [slug for slug, _name, _starts, _ends in semesters_around(timezone.localdate())]
    return [Semester.objects.get(slug=slug) for slug in slugs]


def free_seats(run):
    return count_seats(run).free


def fill_sign_up_form(page, *, name, email, birth_date="1990-05-17"):
    page.get_by_label("Navn").fill(name)
    page.get_by_label("E-post").fill(email)
    page.get_by_label("Fødselsdato").fill(birth_date)


def confirm_from_inbox(page, email, *, press=lambda button: button.click()):
    """Types the code from the e-mail that holds the seat, the way someone reading it on their phone would."""
    expect(page.get_by_role("heading", level=1)).to_have_text("Vi har holdt av plassen din")
    page.get_by_label("Koden fra e-posten eller SMS-en").fill(code_in(last_message_to(email, containing="Bekreft")))
    with page.expect_navigation():
        press(page.get_by_role("button", name="Bekreft plassen"))


def adult_not_on(run):
    """A demo participant with no enrolment on the run, old enough for any course."""
    from accounts.models import User

    person = (
        User.objects.filter(email__endswith="@deltaker.example.no")
        .exclude(enrolments__run=run)
        .order_by("email")
        .first()
    )
    person.birth_date = dt.date(1980, 1, 1)
    person.save(update_fields=["birth_date"])
    return person


# --- 4. a phone, 360 px -------------------------------------------------------------------------------


def test_signing_up_without_an_account_on_a_360px_phone(site, new_page):
    run = only_run("gladsaxe-livshistorie")
    assert run.offer.join_method == "open" and free_seats(run) > 0
    page = new_page(viewport=MOBILE, has_touch=True, is_mobile=True)

    page.goto(site + "/tilbud/gladsaxe-livshistorie/")
    assert_no_sideways_scrolling(page, "the offer page")
    sign_up = page.locator(f"#run-{run.pk}").get_by_role("link", name=re.compile(r"^Meld deg på"))
    sign_up.scroll_into_view_if_needed()
    with page.expect_navigation():
        sign_up.tap()
    expect(page).to_have_url(site + f"/pamelding/{run.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Meld deg på")
    assert_no_sideways_scrolling(page, "the sign-up form")

    # A slip first: nothing filled in. The errors are listed, and the page still fits.
    with page.expect_navigation():
        page.get_by_role("button", name="Meld meg på").tap()
    expect(page.get_by_role("alert")).to_contain_text("Noe må rettes før du kan gå videre")
    assert_no_sideways_scrolling(page, "the sign-up form with errors")

    fill_sign_up_form(page, name="Mette", email="mette@example.dk")
    with page.expect_navigation():
        page.get_by_role("button", name="Meld meg på").tap()
    # The seat is held while Mette fetches the code from her inbox; nobody else can take it meanwhile.
    assert_no_sideways_scrolling(page, "the page that holds the seat")
    assert not Enrolment.objects.filter(person__email="mette@example.dk").exists()
    confirm_from_inbox(page, "mette@example.dk", press=lambda button: button.tap())
    expect(page.get_by_role("heading", level=1)).to_have_text("Du er påmeldt!")
    expect(page.locator("main")).to_contain_text("Livshistorie")
    assert_no_sideways_scrolling(page, "the confirmation")

    enrolment = Enrolment.objects.get(run=run, person__email="mette@example.dk")
    assert enrolment.status == Status.CONFIRMED
    assert last_message_to("mette@example.dk").attachments, "the confirmation e-mail has a calendar file"


# --- 5. the waiting list and an e-mailed offer ---------------------------------------------------------


def test_a_citizen_waits_and_takes_a_freed_seat_from_the_offer_email(site, new_page):
    run = only_run("mestringstreff-baerum")
    assert free_seats(run) == 0, "the demo's Mestringstreff in Bærum is full"
    first_in_line = adult_not_on(run)
    places.join_waiting_list(run_id=run.pk, person=first_in_line, acting=Acting.citizen(first_in_line))
    email = "vente@example.org"

    page = new_page()
    page.goto(site + "/tilbud/mestringstreff-baerum/")
    with page.expect_navigation():
        page.locator(f"#run-{run.pk}").get_by_role("link", name=re.compile(r"^Sett deg på ventelisten")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sett deg på ventelisten")
    expect(page.locator(".ds-alert")).to_contain_text("Kurset er fullt akkurat nå")
    fill_sign_up_form(page, name="Vera", email=email)
    with page.expect_navigation():
        page.get_by_role("button", name="Sett meg på ventelisten").click()
    confirm_from_inbox(page, email)
    expect(page.get_by_role("heading", level=1)).to_have_text("Du står på ventelisten")
    expect(page.locator("main")).to_contain_text("Du er nummer 2 av 2.")
    mine = Enrolment.objects.get(run=run, person__email=email)
    assert mine.status == Status.WAITLISTED
    assert "nummer 2 av 2" in last_message_to(email).body

    # A participant leaves: the seat goes to the first in line, who says no thanks; then it is offered to Vera.
    leaving = Enrolment.objects.filter(run=run, status=Status.CONFIRMED).select_related("person").first()
    places.cancel(enrolment_id=leaving.pk, acting=Acting.citizen(leaving.person))
    first = Enrolment.objects.get(run=run, person=first_in_line)
    assert first.status == Status.OFFERED
    mine.refresh_from_db()
    assert mine.status == Status.WAITLISTED
    waiting_list.decline_offer(enrolment_id=first.pk, acting=Acting.citizen(first_in_line))
    mine.refresh_from_db()
    assert mine.status == Status.OFFERED

    # The offer e-mail's link works on another device, without signing in.
    offer_email = last_message_to(email, containing="/ta-imot/")
    phone = new_page(viewport=MOBILE)
    phone.goto(link_in(offer_email, "/ta-imot/", site))
    expect(phone.get_by_role("heading", level=1)).to_have_text("En plass er ledig til deg")
    expect(phone.locator("main")).to_contain_text("Mestringstreff – Bærum")
    with phone.expect_navigation():
        phone.get_by_role("button", name="Ja, jeg tar plassen").click()
    expect(phone).to_have_url(site + "/tilbud/mestringstreff-baerum/")
    expect(phone.get_by_text("Så fint! Plassen er din.")).to_be_visible()

    mine.refresh_from_db()
    assert mine.status == Status.CONFIRMED
    assert free_seats(run) == 0
    assert last_message_to(email).attachments, "the confirmation e-mail has a calendar file"


# --- 6. a coordinator's semester copy and attendance -----------------------------------------------------


def test_a_coordinator_copies_a_semester_and_takes_attendance_on_a_tablet(demo_accounts, page):
    site = demo_accounts
    current, _next, after = demo_semesters()
    assert not Run.objects.filter(semester=after, offer__provider__slug="mas").exists()

    sign_in(page, site, COORDINATOR, DEMO_PASSWORD, secret=SECRETS[COORDINATOR])
    with page.expect_navigation():
        page.get_by_role("navigation", name="Hovedmeny").get_by_role("link", name="Kursene mine").click()
    expect(page).to_have_url(site + "/kurs/")

    with page.expect_navigation():
        page.get_by_role("link", name="Kopier et semester").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kopier et semester")
    page.get_by_label("Kopier fra").select_option(label=current.name)
    page.get_by_label("Til").select_option(label=after.name)
    with page.expect_navigation():
        page.get_by_role("button", name="Vis hva som blir kopiert").click()

    # The preview: every run and session, with its new date; nothing is saved yet.
    expect(page.get_by_role("heading", level=2, name=f"Fra {current.name} til {after.name}")).to_be_visible()
    expect(page.get_by_role("heading", level=3)).to_have_count(12)
    assert not Run.objects.filter(semester=after, offer__provider__slug="mas").exists()
    page.set_viewport_size(MOBILE)
    assert_no_sideways_scrolling(page, "the semester copy's preview on a phone")
    page.set_viewport_size(DESKTOP)
    with page.expect_navigation():
        page.get_by_role("button", name="Kopier 12 gjennomføringer").click()

    expect(page).to_have_url(site + "/kurs/")
    expect(page.get_by_text("12 gjennomføringer er kopiert som utkast")).to_be_visible()
    copies = page.get_by_role("region", name=after.name).locator("tbody tr")
    expect(copies).to_have_count(12)
    expect(copies.locator("td:nth-child(2)")).to_have_text(["Utkast"] * 12)
    assert Run.objects.filter(semester=after, offer__provider__slug="mas", status=Run.Status.DRAFT).count() == 12

    # Attendance, on a tablet.
    page.set_viewport_size(TABLET)
    run = Run.objects.get(offer__slug="mas-keramikk", semester=current, name="Formiddagsgruppen")
    session = run.sessions.order_by("starts_at").first()
    with page.expect_navigation():
        page.get_by_role("region", name=current.name).get_by_role(
            "link", name=re.compile(r"^Deltakere\s*: Keramikk Formiddagsgruppen$")
        ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Deltakere: Keramikk")
    with page.expect_navigation():
        page.get_by_role("region", name="Oppmøte per samling").get_by_role("link").first.click()
    expect(page).to_have_url(site + f"/kurs/samling/{session.pk}/oppmote/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Oppmøte")
    assert_no_sideways_scrolling(page, "the attendance page on a tablet")

    rows = page.locator("fieldset.attendance-row")
    expect(rows).to_have_count(10)
    marks = ["Til stede", "Borte", "Meldt fravær", "Til stede"]
    names = [rows.nth(index).locator("legend").inner_text() for index in range(len(marks))]
    for index, label in enumerate(marks):
        rows.nth(index).get_by_label(label).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Lagre oppmøtet").click()

    expect(page.get_by_text("Oppmøtet er lagret for 4 deltakere.")).to_be_visible()
    for _ in range(2):  # as the save answered, and once more after a reload
        for index, label in enumerate(marks):
            expect(page.get_by_role("group", name=names[index], exact=True).get_by_label(label)).to_be_checked()
        expect(page.locator("fieldset.attendance-row input:checked")).to_have_count(len(marks))
        page.reload()
    assert Attendance.objects.filter(session=session).count() == len(marks)


# --- 7. keyboard only ------------------------------------------------------------------------------


FOCUSED = """() => {
  const element = document.activeElement;
  const style = getComputedStyle(element);
  return {
    tag: element.tagName.toLowerCase(),
    id: element.id,
    type: element.getAttribute('type') || '',
    href: element.getAttribute('href') || '',
    text: element.innerText || '',
    html: element.outerHTML.slice(0, 160),
    outline: style.outlineStyle !== 'none' && (parseFloat(style.outlineWidth) || 0) >= 2,
  };
}"""


def tab_to(page, wanted, what, limit=80):
    """Press Tab until wanted(focus) holds; the element reached must show where focus is."""
    path = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        focus = page.evaluate(FOCUSED)
        if wanted(focus):
            assert focus["outline"], f"{what} has focus but no visible focus outline: {focus['html']}"
            return focus
        path.append(focus["html"][:80])
    pytest.fail(f"{limit} presses of Tab never reached {what}. Focus went through:\n" + "\n".join(path))


def test_keyboard_only_sign_up_from_an_offer_page(site, page):
    run = only_run("mestringstreff-bergen")
    assert free_seats(run) > 0
    page.goto(site + "/tilbud/mestringstreff-bergen/")

    tab_to(page, lambda focus: focus["href"] == f"/pamelding/{run.pk}/", "the sign-up button", limit=120)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Meld deg på")

    tab_to(page, lambda focus: focus["id"] == "id_name", "the name field")
    page.keyboard.type("Kåre")
    tab_to(page, lambda focus: focus["id"] == "id_email", "the e-mail field", limit=1)
    page.keyboard.type("kare@example.org")
    tab_to(page, lambda focus: focus["id"] == "id_birth_date", "the birth date field", limit=3)
    # The date field moves on by itself from day to month to year. Day and month are the same number, so the
    # date comes out right whether the browser shows dd.mm.åååå or mm/dd/yyyy.
    page.keyboard.type("05051990")
    expect(page.locator("#id_birth_date")).to_have_value("1990-05-05")
    tab_to(page, lambda focus: focus["id"] == "id_wants_reminders", "the reminders checkbox", limit=5)
    page.keyboard.press("Space")
    expect(page.locator("#id_wants_reminders")).to_be_checked()
    tab_to(page, lambda focus: focus["tag"] == "button" and focus["type"] == "submit", "the sign-up button", limit=3)
    with page.expect_navigation():
        page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Vi har holdt av plassen din")
    tab_to(page, lambda focus: focus["id"] == "id_code", "the code field", limit=40)
    page.keyboard.type(code_in(last_message_to("kare@example.org")))
    tab_to(page, lambda focus: focus["tag"] == "button" and focus["type"] == "submit", "the confirm button", limit=3)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Du er påmeldt!")
    enrolment = Enrolment.objects.get(run=run, person__email="kare@example.org")
    assert enrolment.status == Status.CONFIRMED
    assert enrolment.wants_reminders
    assert enrolment.person.first_name == "Kåre"
    assert enrolment.person.birth_date == dt.date(1990, 5, 5)


# --- 3. axe on every enrolment page ----------------------------------------------------------------------


@pytest.mark.parametrize("language", PREFIXES)
def test_enrolment_pages_have_no_wcag_violations(demo_accounts, new_page, language):
    """Every enrolment page, for someone without an account, a signed-in citizen and a coordinator."""
    site, prefix, failures = demo_accounts, PREFIXES[language], []
    open_run, full_run = only_run("mestringstreff-bergen"), only_run("mestringstreff-baerum")

    def visit(page, path, name):
        response = page.goto(site + prefix + path)
        assert response.ok, f"{path} answered {response.status}"
        assert page.locator("html").get_attribute("lang") == language
        check_axe(page, name, failures)

    # Without an account: the form, its errors, the confirmation and cancelling.
    page = new_page(bypass_csp=True)
    visit(page, f"/pamelding/{open_run.pk}/", "sign-up form")
    submit(page)
    expect(page.locator(".error-summary")).to_be_visible()
    check_axe(page, "sign-up form with errors", failures)
    page.locator("#id_name").fill("Kari")
    page.locator("#id_email").fill(f"kari.{language}@example.org")
    page.locator("#id_birth_date").fill("1990-05-17")
    submit(page)
    expect(page).to_have_url(re.compile(r"/pamelding/holdt/[0-9a-f-]{36}/(\?t=[^/]+)?$"))
    check_axe(page, "the seat held until the code is typed", failures)
    page.locator("#id_code").fill("000000")
    submit(page)
    expect(page.locator(".error-summary")).to_be_visible()
    check_axe(page, "the seat held, a wrong code", failures)
    held_url = page.url
    page.goto(link_in(last_message_to(f"kari.{language}@example.org"), "/bekreft/", site))
    check_axe(page, "confirm the held seat from the e-mail's link", failures)
    submit(page)
    expect(page).to_have_url(re.compile(r"/pamelding/[0-9a-f-]{36}/(\?t=[^/]+)?$"))
    check_axe(page, "confirmation", failures)
    confirmation_url = page.url
    page.goto(held_url)
    check_axe(page, "the held seat's page once the seat is confirmed", failures)
    page.goto(confirmation_url)
    with page.expect_navigation():
        page.locator("main a[href*='/avmeld/']").click()
    check_axe(page, "cancel confirmation", failures)
    visit(page, f"/pamelding/{full_run.pk}/", "sign-up form for a full run")

    # The last seat goes while the form is filled in: the page asks about the waiting list instead.
    page.goto(site + prefix + f"/pamelding/{open_run.pk}/")
    page.locator("#id_name").fill("Per")
    page.locator("#id_email").fill(f"per.{language}@example.org")
    page.locator("#id_birth_date").fill("1990-05-17")
    factories.confirmed(open_run, free_seats(open_run))
    submit(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile("^(Kurset ble fullt akkurat nå|The course has just filled up)$")
    )
    check_axe(page, "the last seat went while the form was filled in", failures)
    submit(page)
    page.locator("#id_code").fill(code_in(last_message_to(f"per.{language}@example.org")))
    submit(page)
    assert Enrolment.objects.get(person__email=f"per.{language}@example.org").status == Status.WAITLISTED

    # A freed seat offered to the first on the waiting list, with the e-mail's links.
    waiter = adult_not_on(full_run)
    waiting = places.join_waiting_list(run_id=full_run.pk, person=waiter, acting=Acting.citizen(waiter))
    leaving = Enrolment.objects.filter(run=full_run, status=Status.CONFIRMED).select_related("person").first()
    places.cancel(enrolment_id=leaving.pk, acting=Acting.citizen(leaving.person))
    waiting.refresh_from_db()
    assert waiting.status == Status.OFFERED
    for action, name in (("accept", "accept a seat"), ("decline", "decline a seat")):
        page.goto(re.sub(r"^https?://[^/]+", site + prefix, links.action_url(waiting, action)))
        check_axe(page, name, failures)

    # A signed-in citizen: the form asks only for confirmation; confirmed and waiting-list confirmations.
    page = new_page(bypass_csp=True)
    sign_in(page, site, CITIZEN, DEMO_PASSWORD, prefix=prefix)
    visit(page, f"/pamelding/{open_run.pk}/", "sign-up form, signed in")
    ida = Enrolment.objects.filter(person__email=CITIZEN)
    confirmed = ida.get(status=Status.CONFIRMED)
    waitlisted = ida.get(status=Status.WAITLISTED)
    visit(page, f"/pamelding/{confirmed.public_id}/", "confirmation, signed in")
    visit(page, f"/pamelding/{waitlisted.public_id}/", "confirmation on the waiting list")
    expect(page.locator("main")).to_contain_text(re.compile(r"(nummer|number) 3 (av|of) 3"))
    visit(page, f"/pamelding/{waitlisted.public_id}/avmeld/", "leave the waiting list")

    # A coordinator.
    current, _next, after = demo_semesters()
    run = Run.objects.get(offer__slug="mas-keramikk", semester=current, name="Formiddagsgruppen")
    session = run.sessions.order_by("starts_at").first()
    page = new_page(bypass_csp=True)
    sign_in(page, site, COORDINATOR, DEMO_PASSWORD, secret=SECRETS[COORDINATOR], prefix=prefix)
    visit(page, "/kurs/", "coordinator dashboard")
    page.set_viewport_size(MOBILE)  # where the wide tables scroll sideways, and must be reachable by keyboard
    check_axe(page, f"coordinator dashboard at {MOBILE['width']} px", failures)
    page.set_viewport_size(DESKTOP)
    visit(page, f"/kurs/gjennomforing/{run.pk}/", "run edit")
    if language == "nb":  # the error state once; its markup is the same in every language
        page.locator("#id_run-capacity").fill("2")
        submit(page)
        expect(page.locator(".error-summary")).to_be_visible()
        check_axe(page, "run edit with errors", failures)
    visit(page, f"/kurs/gjennomforing/{run.pk}/deltakere/", "participants")
    visit(page, f"/kurs/samling/{session.pk}/oppmote/", "attendance")
    visit(page, "/kurs/semester/kopier/", "semester copy")
    visit(page, f"/kurs/semester/kopier/?source={current.pk}&target={after.pk}", "semester copy's preview")
    visit(page, f"/kurs/semester/{current.slug}/pamelding/", "semester registration")

    assert_axe_clean(failures)
