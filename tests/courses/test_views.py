import datetime as dt
import json
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar
from pytest_django.asserts import assertContains

from courses.models import Offer, Run
from enrolment.refusals import EnrolmentRefusal
from enrolment.services import places
from tests import factories

pytestmark = pytest.mark.django_db


def make_catalogue(count, *, with_runs=True):
    oslo = factories.municipality(name="Oslo")
    for index in range(count):
        offer = factories.offer(title=f"Keramikk {index}", municipality=oslo, topics=["Keramikk"])
        if with_runs:
            run = factories.run(offer=offer, sessions=2, location_=factories.location(municipality=oslo))
            factories.confirmed(run, 1)
        offer.follow_on.add(factories.offer(title=f"Neste steg {index}"))


def test_list_shows_result_count_and_offers(client):
    make_catalogue(3)
    response = client.get(reverse("catalogue:list"), {"q": "keramikk"})
    assert response.status_code == 200
    assert "3 tilbud" in response.text
    assert "Keramikk 0" in response.text


def test_list_filter_state_lives_in_the_url(client):
    make_catalogue(1)
    place = Offer.objects.first().municipality
    response = client.get(
        reverse("catalogue:list"),
        {
            "kind": "mastery_course",
            "free": "true",
            "q": "keramikk",
            "kommune": place.slug,
            "time": "evening",
            "age": "30",
        },
    )
    for element in [
        '<input type="checkbox" name="kind" value="mastery_course" class="ds-input" id="id_kind_1" checked>',
        '<input type="checkbox" name="kind" value="craft_course" class="ds-input" id="id_kind_0">',
        f'<option value="{place.slug}" selected>{place.name}</option>',
        '<option value="evening" selected>Kveld (etter kl. 17)</option>',
        '<input type="checkbox" name="free" class="ds-input" id="id_free" checked>',
        '<input type="search" name="q" value="keramikk" autocomplete="off" maxlength="200" class="ds-input" id="id_q">',
        '<input type="number" name="age" value="30" inputmode="numeric" min="0" max="120" aria-describedby="age-hint"'
        ' step="any" class="ds-input" id="id_age">',
    ]:
        assertContains(response, element, html=True)


def test_a_choice_the_list_cannot_use_is_marked_and_not_echoed(client):
    make_catalogue(1)
    response = client.get(reverse("catalogue:list"), {"kind": "nope", "age": "old"})
    assertContains(
        response,
        '<input type="checkbox" name="kind" value="craft_course" class="ds-input" id="id_kind_0" aria-invalid="true">',
        html=True,
    )
    assertContains(
        response,
        '<input type="number" name="age" inputmode="numeric" min="0" max="120" aria-describedby="age-hint" step="any"'
        ' class="ds-input" id="id_age" aria-invalid="true">',
        html=True,
    )


def test_offer_cards_show_the_last_seat_going_and_a_new_title_at_once(client):
    offer = factories.offer(title="Keramikk for alle", join_method=Offer.JoinMethod.OPEN)
    run = factories.run(offer=offer, capacity=1)
    assertContains(client.get(reverse("catalogue:list")), "1 ledig plass")
    factories.confirmed(run, 1)
    assertContains(client.get(reverse("catalogue:list")), "Fullt – venteliste")
    offer.title = "Keramikk og glasur"
    offer.save()
    assertContains(client.get(reverse("catalogue:list")), "Keramikk og glasur")


def test_empty_result_shows_a_kind_message(client):
    make_catalogue(1)
    response = client.get(reverse("catalogue:list"), {"q": "zzqqxx"})
    assert response.status_code == 200
    assert "Vi fant ingen tilbud som passer" in response.text


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"side": "999"}, "Det finnes ikke noen side 999"),
        ({"side": "-3"}, "Det finnes ikke noen side -3"),
        ({"side": "abc"}, "Sidetallet «abc» finnes ikke"),
        ({"q": "keramikk " * 100}, "Søket var for langt"),
        ({"kommune": "atlantis"}, "Vi forstod ikke valget i «Kommune»"),
        ({"age": "-5"}, "Vi forstod ikke valget i «Passer for min alder»"),
        ({"kind": "x" * 5000}, "Vi forstod ikke valget i «Type tilbud»"),
        ({"sort": "price"}, "Vi forstod ikke valget i «Sorter»"),
    ],
)
def test_bad_input_gets_a_normal_page_with_a_clear_message(client, params, message):
    make_catalogue(2)
    response = client.get(reverse("catalogue:list"), params)
    assert response.status_code == 200
    assert message in response.text


def test_a_nul_byte_in_the_query_is_refused_kindly(client):
    response = client.get(reverse("catalogue:list"), {"q": "kera\x00mikk"})
    assert response.status_code == 200


def test_list_page_query_count_does_not_grow_with_rows(client, django_assert_num_queries):
    # the count (it also tells whether a corrected spelling is needed), three choice lists
    # (municipalities, districts, semesters), the page, its runs
    make_catalogue(2)
    with django_assert_num_queries(6) as small:
        client.get(reverse("catalogue:list"), {"q": "keramikk", "free_seats": "true"})
    oslo = factories.municipality()
    for index in range(8):
        offer = factories.offer(title=f"Keramikk ekstra {index}", municipality=oslo)
        factories.run(offer=offer, sessions=3)
    with django_assert_num_queries(len(small.captured_queries)):
        client.get(reverse("catalogue:list"), {"q": "keramikk", "free_seats": "true"})


def test_list_page_reads_the_filter_choices_once_and_shows_a_new_semester_at_once(client, django_assert_num_queries):
    make_catalogue(2)
    client.get(reverse("catalogue:list"))
    with django_assert_num_queries(3):  # count, page, runs: the choice lists are kept
        client.get(reverse("catalogue:list"), {"q": "keramikk"})
    factories.semester(name="Høst 2031", slug="host-2031")
    response = client.get(reverse("catalogue:list"))
    assertContains(response, '<option value="host-2031">Høst 2031</option>', html=True)


def test_detail_page_query_count_does_not_grow_with_runs_and_sessions(client, django_assert_num_queries):
    offer = factories.offer(topics=["Keramikk"])
    factories.run(offer=offer, sessions=1, location_=factories.location())
    url = offer.get_absolute_url()
    with django_assert_num_queries(5) as small:
        client.get(url)
    for _ in range(4):
        run = factories.run(offer=offer, sessions=5, location_=factories.location())
        factories.confirmed(run, 2)
    offer.topics.add(factories.topic("Leire"))
    offer.follow_on.add(factories.offer(), factories.offer())
    with django_assert_num_queries(len(small.captured_queries)):
        client.get(url)


def test_home_and_provider_query_counts_do_not_grow(client, django_assert_num_queries):
    make_catalogue(2)
    provider = Offer.objects.first().provider
    with django_assert_num_queries(2) as home:
        client.get(reverse("home"))
    with django_assert_num_queries(3) as provider_page:
        client.get(provider.get_absolute_url())
    make_catalogue(5)
    for index in range(3):
        factories.run(offer=factories.offer(provider=provider, title=f"Mer {index}"), sessions=2)
    with django_assert_num_queries(len(home.captured_queries)):
        client.get(reverse("home"))
    with django_assert_num_queries(len(provider_page.captured_queries)):
        client.get(provider.get_absolute_url())


def test_detail_page_shows_everything_a_citizen_needs(client):
    oslo = factories.municipality(name="Oslo", slug="oslo")
    place = factories.location(
        name="MAS-huset", municipality=oslo, transport="T-bane til Økern.", step_free=True, hearing_loop=True
    )
    offer = factories.offer(
        title="Keramikk",
        municipality=oslo,
        min_age=18,
        max_age=67,
        location=place,
        join_method=Offer.JoinMethod.REFERRAL,
        contact_email="inntak@example.no",
    )
    full = factories.run(offer=offer, capacity=2, sessions=3, location_=place, facilitators="Kari, Ahmed")
    factories.confirmed(full, 2)
    few = factories.run(offer=offer, capacity=5, sessions=2, location_=place)
    factories.confirmed(few, 3)
    offer.follow_on.add(factories.offer(title="Selvhjelpsgruppe"))
    text = client.get(offer.get_absolute_url()).text
    for expected in [
        "Keramikk",
        "18–67 år",
        "Henvisning trengs",
        "Fullt – venteliste",
        "Bare 2 ledige plasser",
        "Tema 1",
        "MAS-huset",
        "T-bane til Økern.",
        "Trinnfri adkomst",
        "Teleslynge i rommet",
        "inntak@example.no",
        "Selvhjelpsgruppe",
        "Kari, Ahmed",
        "3 samlinger",
    ]:
        assert expected in text, expected


def test_drop_in_offers_say_no_sign_up_is_needed(client):
    offer = factories.offer(join_method=Offer.JoinMethod.DROP_IN)
    factories.run(offer=offer)
    text = client.get(offer.get_absolute_url()).text
    assert "Du trenger ikke melde deg på" in text
    assert "ledige plasser" not in text


def test_unpublished_offers_are_not_found(client):
    offer = factories.offer(is_published=False)
    assert client.get(offer.get_absolute_url()).status_code == 404


def test_detail_page_carries_schema_org_course_data(client):
    offer = factories.offer(title="Keramikk </script><b>")
    run = factories.run(offer=offer, capacity=8, sessions=2, facilitators="Kari")
    factories.confirmed(run, 3)
    text = client.get(offer.get_absolute_url()).text
    raw = re.search(r'<script type="application/ld\+json">(.*?)</script>', text, re.S).group(1)
    assert "</script><b>" not in raw
    data = json.loads(raw)
    assert data["@type"] == "Course"
    assert data["name"] == "Keramikk </script><b>"
    instance = data["hasCourseInstance"][0]
    assert instance["@type"] == "CourseInstance"
    assert instance["remainingAttendeeCapacity"] == 5
    assert instance["instructor"] == [{"@type": "Person", "name": "Kari"}]
    assert len(instance["subEvent"]) == 2


def test_run_calendar_has_every_session_in_local_time(client):
    offer = factories.offer(title="Mestringstreff")
    run = factories.run(offer=offer, sessions=6, hours=(17, 19), location_=factories.location(name="Huset"))
    response = client.get(reverse("catalogue:run_calendar", kwargs={"slug": offer.slug, "run_id": run.pk}))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    calendar = Calendar.from_ical(response.content)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 6
    assert {str(event["UID"]) for event in events} == {f"session-{s.pk}@127.0.0.1" for s in run.sessions.all()}
    first = min(event.decoded("DTSTART") for event in events)
    assert first.astimezone(timezone.get_default_timezone()).hour == 17
    assert b"DTSTART:" in response.content and b"Z\r\n" in response.content  # UTC, readable everywhere
    assert b"\r\n" in response.content
    assert "Huset" in str(events[0]["LOCATION"])


def test_run_calendar_leaves_out_control_characters_pasted_into_a_theme(client):
    offer = factories.offer(title="Mestringstreff")
    run = factories.run(offer=offer, sessions=1)
    run.sessions.update(theme="Søvn\x0bog\x07 hvile\r\nmed te")
    response = client.get(reverse("catalogue:run_calendar", kwargs={"slug": offer.slug, "run_id": run.pk}))
    assert not set(response.content.decode()) & {chr(c) for c in range(32) if c not in (9, 10, 13)}
    event = Calendar.from_ical(response.content).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == "Mestringstreff: Søvnog hvile\nmed te"


def test_a_run_without_dates_has_no_calendar(client):
    offer = factories.offer()
    run = factories.run(offer=offer, sessions=0)
    url = reverse("catalogue:run_calendar", kwargs={"slug": offer.slug, "run_id": run.pk})
    assert client.get(url).status_code == 404
    assert url not in client.get(offer.get_absolute_url()).text


def test_calendar_of_a_run_of_another_offer_is_not_found(client):
    run = factories.run(offer=factories.offer())
    other = factories.offer()
    url = reverse("catalogue:run_calendar", kwargs={"slug": other.slug, "run_id": run.pk})
    assert client.get(url).status_code == 404


def test_calendar_of_a_draft_run_is_not_found(client):
    offer = factories.offer()
    run = factories.run(offer=offer, status=Run.Status.DRAFT)
    url = reverse("catalogue:run_calendar", kwargs={"slug": offer.slug, "run_id": run.pk})
    assert client.get(url).status_code == 404


def test_provider_page_lists_only_published_offers(client):
    provider = factories.provider(name="MAS")
    factories.offer(provider=provider, title="Vev")
    factories.offer(provider=provider, title="Hemmelig", is_published=False)
    text = client.get(provider.get_absolute_url()).text
    assert "Vev" in text
    assert "Hemmelig" not in text


def test_home_shows_kinds_and_what_starts_soon(client):
    offer = factories.offer(title="Snart i gang", kind=Offer.Kind.CRAFT_COURSE)
    factories.run(offer=offer, first_session=timezone.localdate() + dt.timedelta(days=3))
    text = client.get(reverse("home")).text
    assert "Håndverkskurs" in text
    assert "Snart i gang" in text
    assert 'type="search"' in text


@pytest.mark.parametrize("name", ["privacy", "accessibility"])
def test_static_pages_answer(client, name):
    assert client.get(reverse(name)).status_code == 200


def test_pages_send_security_headers(client):
    response = client.get(reverse("home"))
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_english_pages_and_refusals_write_the_day_before_the_month_without_a_full_stop(client):
    """The Norwegian "30. november" read "30. November" in English; English readers get "30 November"."""
    from django.utils import translation
    from django.utils.formats import date_format

    from audit.acting import Acting
    from tests.people import person

    offer = factories.offer(title="Keramikk")
    ongoing = factories.run(offer=offer, first_session=timezone.localdate() - dt.timedelta(days=14), sessions=4)
    kept_until = timezone.now() + dt.timedelta(days=5)
    following = factories.run(
        offer=offer,
        first_session=timezone.localdate() + dt.timedelta(days=60),
        follows=ongoing,
        continuing_until=kept_until,
    )
    with translation.override("en"):
        list_page = client.get(reverse("catalogue:list")).content.decode()
        detail_page = client.get(offer.get_absolute_url()).content.decode()
        started = date_format(timezone.localtime(ongoing.starts_at), "j F")
        kept = date_format(timezone.localtime(kept_until), "j F")
        assert f"Under way (started {started})" in list_page
        assert f"Until {kept}, places are kept for people continuing from last term." in detail_page
        newcomer = person("john@example.org", birth_date=dt.date(1990, 1, 1))
        with pytest.raises(EnrolmentRefusal) as refusal:
            places.sign_up(run_id=following.pk, person=newcomer, acting=Acting.citizen(newcomer))
        assert refusal.value.message.startswith(f"Until {kept}, ")


def test_pages_turn_off_the_browser_features_the_portal_does_not_use(client):
    policy = dict(item.strip().split("=", 1) for item in client.get(reverse("home"))["Permissions-Policy"].split(","))
    for feature in ["camera", "microphone", "geolocation", "payment", "usb", "display-capture", "browsing-topics"]:
        assert policy[feature] == "()", feature
    # Passkeys (allauth's WebAuthn pages) stay on, for our own pages only.
    assert policy["publickey-credentials-get"] == policy["publickey-credentials-create"] == "(self)"
