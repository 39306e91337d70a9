"""Helpers shared by the account and enrolment browser tests: signing in, codes from e-mails, axe, reflow.

Plain functions, no fixtures: each test module keeps its own fixtures, so this file can be imported anywhere.
"""

import re
import time

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time
from django.core import mail
from playwright.sync_api import expect

from tests.browser.conftest import AXE, AXE_TAGS, describe_violations

PREFIXES = {"nb": "", "en": "/en"}

# Codes in allauth's e-mails: a sign-in code ("ABCD-EFGH") or an e-mail verification code ("ABC123").
_CODE = re.compile(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4}|[A-Z0-9]{6,8})\s*$", re.M)
_LINK = re.compile(r"https?://\S+")

# Elements sticking out to the right of the viewport (a table inside its own scroll box may).
_OVERFLOWING = """width => [...document.querySelectorAll('body *')]
  .filter(element => element.getBoundingClientRect().right > width + 0.5)
  .filter(element => !element.closest('.table-scroll') || element.matches('.table-scroll'))
  .map(element => element.outerHTML.slice(0, 120))
  .slice(0, 10)"""


# --- e-mail ----------------------------------------------------------------------------------------


def messages_to(address):
    return [message for message in mail.outbox if address in message.to]


def last_message_to(address, *, containing=""):
    """The newest e-mail to the address (whose body contains the text, if given); fails clearly if none."""
    found = [message for message in messages_to(address) if containing in message.body]
    assert found, (
        f"no e-mail to {address}"
        + (f" containing {containing!r}" if containing else "")
        + ". Sent: "
        + repr([(message.to, message.subject) for message in mail.outbox])
    )
    return found[-1]


def code_in(message):
    match = _CODE.search(message.body)
    assert match, f"no code in the e-mail {message.subject!r}:\n{message.body}"
    return match.group(1)


def link_in(message, path_part, site):
    """The first link in the e-mail whose path contains path_part, pointed at the live server."""
    for url in _LINK.findall(message.body):
        if path_part in url:
            return re.sub(r"^https?://[^/]+", site, url)
    raise AssertionError(f"no link with {path_part!r} in the e-mail {message.subject!r}:\n{message.body}")


# --- signing in ----------------------------------------------------------------------------------------


def totp_code(secret):
    """The authenticator app's current code. Near the end of a 30 s step (a busy machine may take seconds to answer
    the form), wait for the next one."""
    if 30 - time.time() % 30 < 5:
        time.sleep(30 - time.time() % 30 + 0.2)
    return format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))


def submit(page, form="main form.portal-form"):
    """Press the form's submit button and wait for the answer."""
    with page.expect_navigation():
        page.locator(form).locator("[type=submit]").first.click()


def sign_in(page, site, email, password, *, secret=None, prefix="", axe_failures=None):
    """Sign in with e-mail and password (and the TOTP code, for staff). Runs axe on the code page if asked."""
    page.goto(f"{site}{prefix}/konto/login/")
    page.locator("#id_login").fill(email)
    page.locator("#id_password").fill(password)
    submit(page)
    if secret:
        expect(page).to_have_url(re.compile(r"/konto/2fa/authenticate/"))
        if axe_failures is not None:
            check_axe(page, "second factor at sign-in", axe_failures)
        page.locator("#id_code").fill(totp_code(secret))
        submit(page)
    expect(page).not_to_have_url(re.compile(r"/konto/(login|2fa/authenticate)/"))


def reauthenticate_if_asked(page, password, *, axe_failures=None):
    """allauth asks for the password again before sensitive pages; answer if it does."""
    if "/reauthenticate/" not in page.url:
        return False
    if axe_failures is not None:
        check_axe(page, "reauthentication", axe_failures)
    page.locator("#id_password").fill(password)
    submit(page)
    expect(page).not_to_have_url(re.compile(r"/reauthenticate/"))
    return True


# --- checks ----------------------------------------------------------------------------------------


def run_axe(page):
    """Like conftest.run_axe, with axe told to gather only violations: the same findings, less work per page."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    return page.evaluate(
        """tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})
                  .then(result => result.violations)""",
        AXE_TAGS,
    )


def check_axe(page, name, failures):
    """Run axe-core on the page as it is now; collect violations in failures (so one test reports them all)."""
    expect(page.locator("h1").first).to_be_visible()
    started = time.monotonic()
    violations = run_axe(page)
    print(f"[axe {time.monotonic() - started:5.2f}s] {name}")  # shown when a test fails
    if violations:
        failures.append(f"{name} – {page.url}:\n{describe_violations(violations)}")


def assert_axe_clean(failures):
    assert not failures, "axe-core found WCAG 2.1 A/AA violations:\n\n" + "\n\n".join(failures)


def sideways_overflow(page):
    """None if the page fits the viewport's width; else a description of what sticks out."""
    width = page.viewport_size["width"]
    scroll_width = page.evaluate("() => document.documentElement.scrollWidth")
    if scroll_width <= width:
        return None
    wide = page.evaluate(_OVERFLOWING, width)
    return f"{page.url}: scrollWidth {scroll_width}px at {width}px; too wide:\n  " + "\n  ".join(wide)


def assert_no_sideways_scrolling(page, where):
    problem = sideways_overflow(page)
    assert problem is None, f"{where} scrolls sideways: {problem}"
