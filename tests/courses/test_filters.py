import datetime as dt

import pytest
from django.utils import timezone

from catalogue.filters import OfferFilter
from courses.models import Offer
from tests import factories

pytestmark = pytest.mark.django_db


def titles(**params):
    return [offer.title for offer in OfferFilter(params, queryset=Offer.objects.published()).qs]


def next_weekday(weekday):
    """The first date from next week that falls on `weekday` (Monday = 0)."""
    start = timezone.localdate() + dt.timedelta(days=7)
    return start + dt.timedelta(days=(weekday - start.weekday()) % 7)


def test_kind_filter_accepts_several_kinds():
    factories.offer(title="Keramikk", kind=Offer.Kind.CRAFT_COURSE)
    factories.offer(title="Mestringstreff", kind=Offer.Kind.MASTERY_COURSE)
    factories.offer(title="Seminar", kind=Offer.Kind.LECTURE)
    assert sorted(titles(kind=["craft_course", "lecture"])) == ["Keramikk", "Seminar"]


def test_municipality_and_district_filters_use_slugs():
    oslo = factories.municipality(name="Oslo", slug="oslo")
    grorud = factories.district(municipality=oslo, name="Bydel Grorud", slug="grorud")
    factories.offer(title="I Grorud", municipality=oslo, district=grorud)
    factories.offer(title="Ellers i Oslo", municipality=oslo)
    factories.offer(title="Bærum", municipality=factories.municipality(slug="baerum"))
    assert sorted(titles(kommune="oslo")) == ["Ellers i Oslo", "I Grorud"]
    assert titles(bydel="grorud") == ["I Grorud"]


def test_audience_filter_matches_any_chosen_audience():
    factories.offer(title="For pårørende", audience=[Offer.Audience.RELATIVES])
    factories.offer(title="For alle", audience=[Offer.Audience.CITIZENS, Offer.Audience.RELATIVES])
    factories.offer(title="For ansatte", audience=[Offer.Audience.STAFF])
    assert sorted(titles(audience=["relatives"])) == ["For alle", "For pårørende"]


def test_join_method_filter():
    factories.offer(title="Kom innom", join_method=Offer.JoinMethod.DROP_IN)
    factories.offer(title="Søk", join_method=Offer.JoinMethod.APPLICATION)
    assert titles(join=["drop_in"]) == ["Kom innom"]


def test_fits_my_age_respects_both_limits_and_open_ends():
    factories.offer(title="18-67", min_age=18, max_age=67)
    factories.offer(title="Fra 18", min_age=18)
    factories.offer(title="Alle")
    assert sorted(titles(age="70")) == ["Alle", "Fra 18"]
    assert sorted(titles(age="16")) == ["Alle"]
    assert sorted(titles(age="30")) == ["18-67", "Alle", "Fra 18"]


def test_language_filter():
    factories.offer(title="Dansk", languages=[Offer.Language.DANISH])
    factories.offer(title="Norsk og engelsk", languages=[Offer.Language.NORWEGIAN, Offer.Language.ENGLISH])
    assert titles(language="en") == ["Norsk og engelsk"]


def test_free_of_charge_filter():
    factories.offer(title="Gratis", price=0)
    factories.offer(title="Koster", price=300)
    assert titles(free="true") == ["Gratis"]


def test_free_seats_filter_counts_confirmed_enrolments():
    full = factories.offer(title="Fullt")
    factories.confirmed(factories.run(offer=full, capacity=2), 2)
    open_ = factories.offer(title="Ledig")
    factories.confirmed(factories.run(offer=open_, capacity=2), 1)
    factories.offer(title="Uten datoer")
    assert titles(free_seats="true") == ["Ledig"]


def test_weekday_and_time_of_day_must_hold_for_the_same_run():
    both = factories.offer(title="Tirsdag kveld")
    factories.run(offer=both, first_session=next_weekday(1), hours=(18, 20))
    split = factories.offer(title="Tirsdag formiddag, torsdag kveld")
    factories.run(offer=split, first_session=next_weekday(1), hours=(10, 12))
    factories.run(offer=split, first_session=next_weekday(3), hours=(18, 20))
    assert titles(weekday=["2"], time="evening") == ["Tirsdag kveld"]
    assert sorted(titles(weekday=["2"])) == ["Tirsdag formiddag, torsdag kveld", "Tirsdag kveld"]


def test_semester_filter_looks_at_upcoming_runs_only():
    spring = factories.semester(slug="var-2027")
    in_spring = factories.offer(title="Til våren")
    factories.run(offer=in_spring, semester_=spring)
    ended = factories.offer(title="Ferdig")
    factories.run(offer=ended, semester_=spring, first_session=timezone.localdate() - dt.timedelta(days=60))
    assert titles(semester="var-2027") == ["Til våren"]


def test_sort_soonest_puts_offers_without_dates_last():
    later = factories.offer(title="B senere")
    factories.run(offer=later, first_session=timezone.localdate() + dt.timedelta(days=30))
    sooner = factories.offer(title="C snart")
    factories.run(offer=sooner, first_session=timezone.localdate() + dt.timedelta(days=3))
    factories.offer(title="A uten datoer")
    assert titles(sort="soonest") == ["C snart", "B senere", "A uten datoer"]
    assert titles(sort="title") == ["A uten datoer", "B senere", "C snart"]
    assert titles(sort="newest") == ["A uten datoer", "C snart", "B senere"]


def test_unknown_filter_values_are_ignored_and_reported():
    factories.offer(title="Alt")
    results = OfferFilter({"kind": ["nope"], "kommune": "atlantis", "age": "old"}, queryset=Offer.objects.all())
    assert [offer.title for offer in results.qs] == ["Alt"]
    assert set(results.errors) == {"kind", "kommune", "age"}
