import pytest

from catalogue.filters import OfferFilter
from courses import search
from courses.models import Offer
from tests import factories

pytestmark = pytest.mark.django_db


def find(**params):
    return list(OfferFilter(params, queryset=Offer.objects.published()).qs)


def test_norwegian_search_finds_inflected_forms():
    ceramics = factories.offer(title="Keramikk for nybegynnere", description="Vi former leire og lager kopper.")
    factories.offer(title="Vev", description="Vi vever tepper.")
    assert find(q="koppene") == [ceramics]


def test_danish_offers_are_found_with_danish_stemming():
    writing = factories.offer(
        title="Skriveværksted", description="Vi skriver korte tekster sammen.", content_language="da"
    )
    assert find(q="tekst") == [writing]


def test_a_search_matches_topics_and_provider_names():
    mas = factories.provider(name="MAS Mestring-Aktivitet-Samspill")
    knitting = factories.offer(title="Maskin", provider=mas, topics=["Maskinstrikk"])
    assert find(q="maskinstrikk") == [knitting]
    assert find(q="samspill") == [knitting]


def test_unpublished_offers_are_never_found():
    factories.offer(title="Hemmelig keramikk", is_published=False)
    assert find(q="keramikk") == []


def test_a_misspelled_word_is_corrected_to_a_word_in_the_catalogue():
    ceramics = factories.offer(title="Keramikk", summary="Form leire.")
    results = OfferFilter({"q": "keramik"}, queryset=Offer.objects.published())
    assert list(results.qs) == [ceramics]
    assert results.corrected_query == "keramikk"


def test_a_search_with_hits_is_not_corrected():
    factories.offer(title="Keramikk")
    results = OfferFilter({"q": "keramikk"}, queryset=Offer.objects.published())
    assert len(results.qs) == 1
    assert results.corrected_query is None


def test_nonsense_finds_nothing_and_suggests_nothing():
    factories.offer(title="Keramikk")
    results = OfferFilter({"q": "zzqqxx"}, queryset=Offer.objects.published())
    assert list(results.qs) == []
    assert results.corrected_query is None


def test_search_syntax_characters_do_not_break_the_query():
    factories.offer(title="Maling")
    assert find(q="maling & | ! ( ) : * ' \"") == find(q="maling")


def test_refreshing_the_search_data_picks_up_changed_titles():
    offer = factories.offer(title="Vev")
    Offer.objects.filter(pk=offer.pk).update(title="Lappesøm")
    search.refresh_search_vectors(offer_ids=[offer.pk])
    assert find(q="lappesøm") == [offer]
