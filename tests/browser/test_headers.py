"""What the browser makes of the portal's headers."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.filterwarnings("ignore:No directory at")]


def test_the_browser_understands_the_permissions_policy(site, page):
    """Chromium warns about each feature name it does not know; one left in the list would turn nothing off."""
    console = []
    page.on("console", lambda message: console.append(message.text))
    page.goto(site + "/")
    assert not [line for line in console if "Permissions-Policy" in line], console
    allows = page.evaluate(
        "names => Object.fromEntries(names.map(name => [name, document.featurePolicy.allowsFeature(name)]))",
        ["camera", "microphone", "geolocation", "payment", "publickey-credentials-get"],
    )
    assert allows == {
        "camera": False,
        "microphone": False,
        "geolocation": False,
        "payment": False,
        "publickey-credentials-get": True,
    }
