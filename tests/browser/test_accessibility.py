"""WCAG 2.1 A/AA checks in a real browser: axe-core on every public page, keyboard use, reflow at 360 px."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, MOBILE

pytestmark = [pytest.mark.browser, pytest.mark.filterwarnings("ignore:No directory at")]

# (what, path without a language prefix)
PAGES = [
    ("home", "/"),
    ("list", "/tilbud/"),
    ("list with filters", "/tilbud/?kind=craft_course&kommune=oslo&free_seats=on"),
    ("list without results", "/tilbud/?q=zzzqqqxxx"),
    ("offer", "/tilbud/mas-keramikk/"),
    ("offer in Danish", "/tilbud/gladsaxe-livshistorie/"),
    ("provider", "/tilbydere/mas/"),
    ("privacy", "/personvern/"),
    ("accessibility statement", "/tilgjengelighet/"),
]
# At 360 px: the pages whose layout changes most on a phone.
NARROW_PAGES = ["home", "list", "list with filters", "list without results", "offer", "offer in Danish"]
PREFIXES = {"nb": "", "en": "/en"}


WIDTHS = {"desktop": (DESKTOP, [name for name, _ in PAGES]), "360px": (MOBILE, NARROW_PAGES)}


@pytest.mark.parametrize("language", PREFIXES)
@pytest.mark.parametrize("width", WIDTHS)
def test_axe_finds_no_wcag_violations(site, new_page, axe, describe, language, width):
    """Every page, in bokmål and English; at 360 px the pages that change most on a phone.

    One test visits several pages (the demo catalogue takes a while to load); the failure lists them all.
    """
    viewport, pages = WIDTHS[width]
    page = new_page(viewport=viewport, bypass_csp=True)  # axe is injected as a script; the CSP would block it
    failures = []
    for name, path in PAGES:
        if name not in pages:
            continue
        url = site + PREFIXES[language] + path
        response = page.goto(url)
        assert response.ok, f"{url} answered {response.status}"
        assert page.locator("html").get_attribute("lang") == language
        violations = axe(page)
        if violations:
            failures.append(f"{name} – {url} ({width}):\n{describe(violations)}")
    assert not failures, "axe-core found WCAG 2.1 A/AA violations:\n\n" + "\n\n".join(failures)


FOCUSED = """() => {
  const element = document.activeElement;
  const style = getComputedStyle(element);
  return {
    tag: element.tagName.toLowerCase(),
    id: element.id,
    href: element.getAttribute('href') || '',
    html: element.outerHTML.slice(0, 200),
    inResults: !!element.closest('.offer-list'),
    inRun: !!element.closest('section.run'),
    outlineStyle: style.outlineStyle,
    outlineWidth: parseFloat(style.outlineWidth) || 0,
    boxShadow: style.boxShadow,
  };
}"""


def focused(page):
    return page.evaluate(FOCUSED)


def assert_focus_visible(page, where):
    focus = focused(page)
    assert focus["outlineStyle"] != "none" and focus["outlineWidth"] >= 2, (
        f"{where}: the focused element has no visible focus outline: {focus}"
    )
    return focus


def tab_until(page, wanted, what, limit=80):
    """Press Tab until wanted(focus) holds; fail with the path taken if it never does."""
    path = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        focus = focused(page)
        if wanted(focus):
            return focus
        path.append(focus["html"][:80])
    pytest.fail(f"{limit} presses of Tab never reached {what}. Focus went through:\n" + "\n".join(path))


def test_keyboard_only_from_home_to_an_offers_run(site, page):
    page.goto(site + "/")

    page.keyboard.press("Tab")
    skip = assert_focus_visible(page, "skip link")
    assert skip["href"] == "#main", f"the first Tab should reach the skip link, not {skip['html']}"
    page.keyboard.press("Enter")
    # Following a link to #main is done by the browser after the key press returns: wait for it (under load the
    # page's address had not changed yet when it was read at once).
    expect(page).to_have_url(re.compile(r"/#main$"))
    expect(page.locator("main")).to_be_focused()

    page.keyboard.press("Tab")
    search = assert_focus_visible(page, "search box")
    assert search["id"] == "home-search", f"after the skip link, Tab should reach the search box, not {search['html']}"
    page.keyboard.type("keramikk")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/tilbud/?q=keramikk" in page.url
    assert page.locator("#result-count").inner_text() == "1 tilbud"

    tab_until(page, lambda focus: focus["tag"] == "a" and focus["inResults"], "a link in the results")
    result = assert_focus_visible(page, "result link")
    assert result["href"] == "/tilbud/mas-keramikk/"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == site + "/tilbud/mas-keramikk/"
    assert page.locator("h1").inner_text() == "Keramikk"

    calendar = tab_until(
        page, lambda focus: focus["inRun"] and focus["href"].endswith(".ics"), "a run's calendar link", limit=120
    )
    assert_focus_visible(page, "calendar link")
    assert re.fullmatch(r"/tilbud/mas-keramikk/kalender/\d+\.ics", calendar["href"]), calendar
    with page.expect_download() as download_info:
        page.keyboard.press("Enter")
    assert download_info.value.suggested_filename.endswith(".ics")


OVERFLOWING = """width => [...document.querySelectorAll('body *')]
  .filter(element => element.getBoundingClientRect().right > width + 0.5)
  .filter(element => !element.closest('.table-scroll') || element.matches('.table-scroll'))
  .map(element => element.outerHTML.slice(0, 120))
  .slice(0, 10)"""


def test_no_horizontal_scrolling_at_360px(site, new_page):
    page = new_page(viewport=MOBILE)
    failures = []
    for name, path in PAGES:
        if name not in NARROW_PAGES:
            continue
        for prefix in PREFIXES.values():
            url = site + prefix + path
            page.goto(url)
            scroll_width = page.evaluate("() => document.documentElement.scrollWidth")
            if scroll_width > MOBILE["width"]:
                wide = page.evaluate(OVERFLOWING, MOBILE["width"])
                failures.append(f"{name} – {url}: scrollWidth {scroll_width}px; too wide:\n  " + "\n  ".join(wide))
    assert not failures, f"Pages scroll sideways at {MOBILE['width']} px:\n" + "\n".join(failures)
