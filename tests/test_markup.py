"""Markup rules the Nu HTML checker and screen readers hold us to, checked without a browser."""

import datetime as dt
import re
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django import forms
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from enrolment.models import SeatHold
from recovery_portal.middleware import PostedFormsWithoutControlCharacters
from recovery_portal.templatetags.portal import field_group
from referrals.forms import DeclineForm
from tests import factories
from tests.people import build_world

# HTML's "valid global date and time string": seconds may have at most three decimals.
VALID_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})$")
APPS = ["accounts", "audit", "courses", "enrolment", "referrals", "recovery_portal"]


def test_the_referral_timeline_gives_machine_readable_times_html_accepts():
    """Django's "c" format keeps microseconds (six digits), which the Nu HTML checker refuses."""
    at = dt.datetime(2026, 11, 23, 3, 45, 27, 218396, tzinfo=ZoneInfo("Europe/Oslo"))
    with translation.override("nb"):
        html = render_to_string("referrals/_timeline.html", {"timeline": [{"at": at, "label": "Sendt", "by": ""}]})
    values = re.findall(r'<time datetime="([^"]*)"', html)
    assert values, html
    for value in values:
        assert VALID_DATETIME.match(value), f"{value!r} is not a valid HTML date and time"
    assert values[0].startswith("2026-11-23T03:45:27")


def test_no_field_label_says_optional_itself():
    """The field_group filter adds "(valgfritt)" to every optional field; a label saying it too is read twice."""
    offenders = []
    for app in APPS:
        for path in (Path(settings.BASE_DIR) / app).rglob("*.py"):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                if re.search(r"label=_\(\s*\"[^\"]*\(valgfritt\)", line):
                    offenders.append(f"{path.relative_to(settings.BASE_DIR)}:{number}: {line.strip()}")
    assert not offenders, "Labels that already say (valgfritt):\n" + "\n".join(offenders)


def test_the_decline_forms_optional_text_says_optional_once():
    with translation.override("nb"):
        html = field_group(DeclineForm()["text"])
    label = re.search(r"<label[^>]*>(.*?)</label>", html, re.S).group(1)
    assert label.count("valgfritt") == 1, label


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
def test_date_fields_get_iso_values_in_every_language(language):
    """<input type="date"> and "datetime-local" take ISO 8601 only; Danish dates ("23.11.2026") showed as empty."""
    with translation.override(language):
        date = forms.DateInput(attrs={"type": "date"}).render("d", dt.date(2026, 11, 23))
        moment = forms.DateTimeInput(attrs={"type": "datetime-local"}).render("m", dt.datetime(2026, 11, 23, 18, 30))
    assert 'value="2026-11-23"' in date, date
    assert re.search(r'value="2026-11-23[T ]18:30(:00)?"', moment), moment


@pytest.mark.django_db
def test_the_referral_forms_consent_date_is_filled_in_danish_too(client):
    world = build_world()
    client.force_login(world.people["health_worker"])
    with translation.override("da"):  # the request leaves Danish active; the override puts it back afterwards
        html = client.get(reverse("referrals:refer", kwargs={"slug": world.offer.slug})).text
    assert 'lang="da"' in html
    value = re.search(r'<input type="date" name="consent_given_at" value="([^"]*)"', html).group(1)
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", value), value


@pytest.mark.django_db
def test_the_coordinators_landmarks_have_different_names(client):
    """axe's landmark-unique: the budget section and its table's scroll region were both named by one heading."""
    world = build_world()
    world.provider.yearly_seat_budget = 240
    world.provider.save()
    client.force_login(world.people["coordinator"])
    with translation.override("nb"):
        html = client.get(reverse("enrolment:dashboard")).text
    assert "budsjett 240" in html
    names = re.findall(r'<(?:section|[a-z]+ [^>]*role="region")[^>]*aria-labelledby="([^"]+)"', html)
    assert names
    assert [name for name, count in Counter(names).items() if count > 1] == []


@pytest.mark.django_db
def test_every_column_of_the_sessions_table_has_a_header(client):
    world = build_world()
    client.force_login(world.people["citizen"])
    with translation.override("nb"):
        html = client.get(reverse("usersessions_list")).text
    headers = re.search(r"<thead>(.*?)</thead>", html, re.S).group(1).count("<th")
    rows = re.findall(r"<tr>(.*?)</tr>", re.search(r"<tbody>(.*?)</tbody>", html, re.S).group(1), re.S)
    assert rows
    for row in rows:
        assert row.count("<td") == headers, row


@pytest.mark.django_db
def test_too_many_sign_in_attempts_get_a_whole_page_in_the_readers_language(client):
    """Without templates/429.html allauth answered with a bare English page: no doctype, no lang."""
    with translation.override("en"):
        url = reverse("account_login")
    assert url.startswith("/en/")
    for number in range(40):
        response = client.post(url, {"login": f"p{number}@example.org", "password": "feil"})
        if response.status_code == 429:
            break
    assert response.status_code == 429
    html = response.text
    assert html.lstrip().startswith("<!DOCTYPE html>"), html[:80]
    assert '<html lang="en"' in html
    assert "Too many attempts in a short time" in html


@pytest.mark.parametrize("template", ["404.html", "429.html", "500.html"])
def test_every_error_page_is_a_whole_html_document(template, rf):
    """The pages Django and allauth answer errors with are checked as well; each needs a doctype and a language."""
    with translation.override("nb"):
        html = render_to_string(template, request=rf.get("/"))
    assert html.lstrip().startswith("<!DOCTYPE html>"), html[:80]
    assert re.search(r'<html lang="[a-z]{2}"', html)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url_name", "person", "params"),
    [
        ("catalogue:list", None, {"q": "kera\x00mikk\x01"}),
        (
            "administration:audit_log",
            "municipality_admin",
            {"person": "ida\x00@example.org", "since": "2026-11-01\x1f"},
        ),
    ],
)
def test_control_characters_in_a_link_never_reach_the_page(client, url_name, person, params):
    """HTML allows no control characters (the Nu checker refuses U+0000), and filter forms show their query back."""
    world = build_world()
    if person:
        client.force_login(world.people[person])
    with translation.override("nb"):
        response = client.get(reverse(url_name), params)
    assert response.status_code == 200
    assert not re.search(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]", response.text)
    for value in params.values():
        shown = re.sub(r"[\x00-\x1f]", "", value)
        assert f'value="{shown}"' in response.text


@pytest.mark.django_db
def test_control_characters_in_a_posted_form_never_reach_the_page_and_line_breaks_stay(client, rf):
    """A hand-made POST: the sign-up form with an error shows what it was given back in its fields."""
    run = factories.run(offer=factories.offer(title="Keramikk"), capacity=3)
    url = reverse("enrolment:sign_up", kwargs={"run_id": run.pk})
    with translation.override("nb"):
        response = client.post(url, {"name": "Ka\x00ri\x07", "email": "ikke-en-adresse\x1f", "phone": ""})
    assert response.status_code == 200
    assert not re.search(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]", response.text)
    assert 'value="Kari"' in response.text and 'value="ikke-en-adresse"' in response.text
    assert client.post(url, {"name": "Ka\x00ri", "email": "kari@example.org", "phone": ""}).status_code == 302
    assert SeatHold.objects.get(email="kari@example.org").name == "Kari"

    seen = {}
    middleware = PostedFormsWithoutControlCharacters(lambda request: seen.update(request.POST.dict()))
    middleware(rf.post("/", {"note": "to\tlinjer\r\nher\x00"}))
    assert seen == {"note": "to\tlinjer\r\nher"}
