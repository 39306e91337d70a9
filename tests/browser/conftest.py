"""Fixtures for the browser tests: Debian's chromium through Playwright, against pytest-django's live server.

The browser is started once per session; each test gets a fresh context and page. The demo catalogue is
loaded for each test, because live_server needs transactional_db, which empties the database after every test.
"""

import json
import os
import time
from pathlib import Path

import pytest

# Playwright's sync API keeps an asyncio loop in this thread; Django would then refuse ORM calls made here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from playwright.sync_api import expect, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = Path(__file__).resolve().parents[2] / "static" / "vendor" / "axe" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

# Generous limits: the machine may be busy (two CPUs, a dev server, other test runs); failures stay fast anyway
# because every wait is for something specific.
TIMEOUT_MS = 15_000
expect.set_options(timeout=TIMEOUT_MS)

DESKTOP = {"width": 1280, "height": 900}
MOBILE = {"width": 360, "height": 740}


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        # CI sets BROWSER_TESTS_REQUIRED: there a missing browser must turn the run red, not skip quietly.
        (pytest.fail if os.environ.get("BROWSER_TESTS_REQUIRED") else pytest.skip)(
            f"{CHROMIUM} is not installed (apt-get install chromium)"
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def catalogue(transactional_db):
    """The demo catalogue (22 offers in Oslo, Bærum, Bergen and Gladsaxe)."""
    from demo.catalogue import load_demo_catalogue

    return load_demo_catalogue()


@pytest.fixture
def site(live_server, catalogue):
    """The base URL of the running site, with the demo catalogue in it."""
    return live_server.url


@pytest.fixture(autouse=True)
def _fresh_cache(transactional_db):
    """Rate limits and used TOTP codes live in the database cache, which outlives each test's flush."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def demo_accounts(site):
    """The demo accounts (one per role, see demo/accounts.py) on top of the demo catalogue."""
    from demo.accounts import load_demo_accounts

    load_demo_accounts()
    return site


def _new_page(browser, **context_options):
    context = browser.new_context(locale="nb-NO", timezone_id="Europe/Oslo", **context_options)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # The page's traffic goes to stdout, which pytest shows only when a test fails.
    started = time.monotonic()

    def log(event, request, extra=""):
        print(f"[{time.monotonic() - started:6.2f}s] {event:9} {request.method} {request.url} {extra}")

    page.on("request", lambda request: log("request", request))
    page.on("response", lambda response: log("response", response.request, response.status))
    page.on("requestfailed", lambda request: log("failed", request, request.failure))
    page.on("framenavigated", lambda frame: frame == page.main_frame and print(f"  navigated to {frame.url}"))
    return context, page, errors


@pytest.fixture
def page(browser):
    """A desktop-sized page with JavaScript on and the site's CSP enforced."""
    context, page, errors = _new_page(browser, viewport=DESKTOP)
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def new_page(browser):
    """Open extra pages with their own context options, e.g. new_page(viewport=MOBILE, java_script_enabled=False)."""
    contexts, errors = [], []

    def make(**context_options):
        context, page, page_errors = _new_page(browser, **{"viewport": DESKTOP, **context_options})
        contexts.append(context)
        errors.append(page_errors)
        return page

    yield make
    for context in contexts:
        context.close()
    assert not any(errors), f"JavaScript errors on the page: {errors}"


@pytest.fixture
def axe():
    """axe(page) runs axe-core on the page and returns its WCAG 2.1 A/AA violations."""
    return run_axe


@pytest.fixture
def describe():
    """describe(violations) turns axe violations into a readable failure message."""
    return describe_violations


def run_axe(page):
    """Inject axe-core (the context must bypass the CSP) and return the WCAG 2.1 A/AA violations."""
    assert AXE.exists(), f"{AXE} is missing: run `bin/dev setup`, which copies it from node_modules"
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    return page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}}).then(result => result.violations)",
        AXE_TAGS,
    )


def describe_violations(violations):
    """A readable list: one block per rule, with every failing node's selector, HTML and axe's own summary."""
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        lines.append(f"  {violation['helpUrl']}")
        for node in violation["nodes"]:
            lines.append(f"    target: {json.dumps(node['target'], ensure_ascii=False)}")
            lines.append(f"    html:   {node['html'][:300]}")
            summary = (node.get("failureSummary") or "").replace("\n", "\n            ")
            if summary:
                lines.append(f"    why:    {summary}")
    return "\n".join(lines)
