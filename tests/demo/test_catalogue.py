import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from courses.days_off import days_off
from courses.models import Offer, Run, Session
from demo.catalogue import load_demo_catalogue, semesters_around
from enrolment.seats import read_seats, with_seats

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 22)


@pytest.fixture
def demo():
    return load_demo_catalogue(today=TODAY)


def test_loading_twice_changes_nothing(demo):
    assert load_demo_catalogue(today=TODAY) == demo


def test_the_command_loads_the_catalogue():
    call_command("load_demo_data")
    assert Offer.objects.published().count() >= 20


def test_mas_has_six_craft_courses_for_18_to_67_with_240_places_a_year(demo):
    mas = Offer.objects.filter(provider__slug="mas")
    assert sorted(mas.values_list("title", flat=True)) == sorted(
        ["Maskinstrikk", "Vev", "Kreativ søm", "Lappesøm", "Keramikk", "Maling"]
    )
    assert set(mas.values_list("min_age", "max_age")) == {(18, 67)}
    places = sum(Run.objects.filter(offer__provider__slug="mas").values_list("capacity", flat=True))
    assert places == 240


def test_mestringstreff_runs_in_several_municipalities_with_six_themed_gatherings(demo):
    offers = Offer.objects.filter(slug__startswith="mestringstreff-")
    assert offers.values("municipality").distinct().count() >= 3
    for run in Run.objects.filter(offer__in=offers):
        themes = list(run.sessions.values_list("theme", flat=True))
        assert len(themes) == 6 and all(themes)
    assert all(offer.follow_on.filter(kind=Offer.Kind.SELF_HELP_GROUP).exists() for offer in offers)


def test_gladsaxe_offers_are_danish_and_open_to_all(demo):
    gladsaxe = Offer.objects.filter(provider__slug="recoveryskolen-gladsaxe")
    assert set(gladsaxe.values_list("content_language", flat=True)) == {"da"}
    assert gladsaxe.filter(kind=Offer.Kind.RECOVERY_SCHOOL).count() == 5
    assert gladsaxe.get(slug="gladsaxe-recoverycafe").join_method == Offer.JoinMethod.DROP_IN
    assert gladsaxe.filter(kind=Offer.Kind.VOLUNTEER_TRAINING, title__contains="20 timer").exists()
    assert gladsaxe.filter(kind=Offer.Kind.MENTOR_SUPPORT).exists()


def test_the_seminar_seats_200_and_the_peer_education_takes_applications(demo):
    assert Run.objects.get(offer__slug="recoveryseminar-baerum").capacity == 200
    education = Offer.objects.get(slug="medarbeider-med-brukererfaring-bergen")
    assert education.join_method == Offer.JoinMethod.APPLICATION
    assert education.runs.get().capacity == 15


def test_some_runs_are_full_and_some_have_few_seats(demo):
    seats = [run.seats.free for run in read_seats(with_seats(Run.objects.upcoming()))]
    assert 0 in seats
    assert any(1 <= left <= 3 for left in seats)


def test_semesters_follow_the_calendar():
    assert [s[0] for s in semesters_around(dt.date(2026, 11, 22))] == ["host-2026", "var-2027", "host-2027"]
    assert [s[0] for s in semesters_around(dt.date(2027, 3, 1))] == ["var-2027", "host-2027", "var-2028"]


@pytest.mark.parametrize("today", [TODAY, dt.date(2027, 3, 1)])
def test_no_session_is_on_a_public_holiday_christmas_eve_or_new_years_eve(today):
    load_demo_catalogue(today=today)
    sessions = Session.objects.values_list("starts_at", "run__offer__provider__municipality__country")
    days = {(timezone.localdate(starts_at), country) for starts_at, country in sessions}
    off = {country: days_off(country, range(2026, 2030)) for country in ("NO", "DK")}
    assert sorted((day, country, off[country][day]) for day, country in days if day in off[country]) == []
    # The demo runs over Christmas and Easter, so this says something.
    assert any(day.month == 12 and day.day > 20 for day, _country in days)
    assert any(dt.date(2027, 3, 20) <= day <= dt.date(2027, 4, 5) for day, _country in days)
