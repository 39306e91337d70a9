"""The public catalogue: the list with its search and filters, the offer page, the provider page and each run's
calendar file. It stands above the apps whose facts it shows: the catalogue's own (courses), the seats and who
may sign up (enrolment), and how a health worker refers (referrals)."""

from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import is_health_worker
from catalogue.filters import OfferFilter
from catalogue.structured_data import offer_json_ld
from courses import search
from courses.calendar import run_calendar_bytes
from courses.models import Offer, Provider, Run, Session
from enrolment import eligibility
from enrolment.seats import read_seats, with_seats
from referrals import services as referral_services

PAGE_SIZE = 20
# Long columns a list row never shows; the search vector alone is a few kilobytes per offer.
_NOT_ON_CARDS = ("search_vector", "description", "what_happens_next", "provider__description")


def offer_list(request):
    offers = OfferFilter(request.GET, queryset=_for_listing(Offer.objects.published()).defer(*_NOT_ON_CARDS))
    notices = [_filter_error_notice(field, errors) for field, errors in offers.errors.items()]
    matches = offers.qs  # a search counts its matches on the way (offers.match_count)
    page, page_notice = _page(matches, request.GET.get("side"), count=offers.match_count)
    page.object_list = _with_seats_read(page.object_list)
    if page_notice:
        notices.append(page_notice)
    return render(
        request,
        "catalogue/offer_list.html",
        {
            "filter": offers,
            "options": offers.options(),
            "query_max_length": search.MAX_QUERY_LENGTH,
            "page": page,
            "notices": notices,
            "corrected_query": offers.corrected_query,
            "has_filters": any(value for key, value in request.GET.items() if key not in {"side", "sort", "q"}),
        },
    )


def offer_detail(request, slug):
    offer = get_object_or_404(
        Offer.objects.published()
        .select_related("provider", "municipality", "district", "location")
        .defer("search_vector"),  # a few kilobytes the page never shows
        slug=slug,
    )
    now = timezone.now()
    runs = read_seats(
        with_seats(offer.runs.upcoming(now), now=now)
        .select_related("semester")
        .prefetch_related(Prefetch("sessions", queryset=Session.objects.select_related("location")))
        .order_by("starts_at", "pk")
    )
    for run in runs:
        run.offer = offer  # the rules read the run's offer: the one on this page
        run.offers_sign_up = eligibility.offers_sign_up(run, now=now)
    follow_on = list(offer.follow_on.published().only("slug", "title", "summary", "content_language"))
    topics = list(offer.topics.all())
    places = _places(offer, runs)
    can_refer = is_health_worker(request.user) and eligibility.referral_refusal(offer) is None
    return render(
        request,
        "catalogue/offer_detail.html",
        {
            "offer": offer,
            "runs": runs,
            "follow_on": follow_on,
            "topics": topics,
            "places": places,
            "json_ld": offer_json_ld(offer=offer, runs=runs, places=places),
            "can_refer": can_refer,
            "usual_response_days": referral_services.usual_response_days(offer.provider) if can_refer else None,
        },
    )


def run_calendar(request, slug, run_id):
    run = get_object_or_404(
        Run.objects.ever_published().select_related("offer", "offer__provider"),
        pk=run_id,
        offer__slug=slug,
        offer__is_published=True,
    )
    sessions = list(run.sessions.select_related("location"))
    if not sessions:
        raise Http404  # no dates yet: nothing to put in a calendar
    response = HttpResponse(run_calendar_bytes(run=run, sessions=sessions), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{run.offer.slug}-{run.pk}.ics"'
    return response


def provider_detail(request, slug):
    provider = get_object_or_404(Provider.objects.select_related("municipality"), slug=slug)
    offers = _with_seats_read(_for_listing(provider.offers.published()).order_by("title"))
    return render(request, "catalogue/provider_detail.html", {"provider": provider, "offers": offers})


def _for_listing(offers):
    """Everything an offer card shows, in a fixed number of queries: each offer's upcoming runs with their seats
    (``offer.upcoming_runs``)."""
    upcoming = with_seats(Run.objects.upcoming()).order_by("starts_at", "pk")
    return offers.select_related("provider", "municipality", "district").prefetch_related(
        Prefetch("runs", queryset=upcoming, to_attr="upcoming_runs")
    )


def _with_seats_read(offers) -> list[Offer]:
    """The offers (of ``_for_listing``), each upcoming run with its seats to show (``run.seats``)."""
    offers = list(offers)
    for offer in offers:
        read_seats(offer.upcoming_runs)
    return offers


def _places(offer, runs):
    """Every place the offer meets, the fixed place first, each once."""
    places = {}
    if offer.location:
        places[offer.location.pk] = offer.location
    for run in runs:
        for session in run.sessions.all():
            if session.location and session.location.pk not in places:
                places[session.location.pk] = session.location
    return list(places.values())


def _page(queryset, raw_number, *, count=None):
    paginator = Paginator(queryset, PAGE_SIZE)
    if count is not None:
        paginator.count = count  # counted already: no second COUNT query
    if raw_number in (None, ""):
        return paginator.page(1), None
    try:
        number = int(raw_number)
    except ValueError:
        return paginator.page(1), _("Sidetallet «%(page)s» finnes ikke, så vi viser første side.") % {
            "page": raw_number[:20]
        }
    if 1 <= number <= paginator.num_pages:
        return paginator.page(number), None
    last = paginator.num_pages
    return paginator.page(last), _("Det finnes ikke noen side %(page)s. Vi viser side %(last)s, den siste.") % {
        "page": number,
        "last": last,
    }


def _filter_error_notice(field, errors):
    if field == "q":
        return _("Søket var for langt. Prøv med noen få ord.")
    return _("Vi forstod ikke valget i «%(filter)s», så det er ikke brukt.") % {
        "filter": OfferFilter.base_filters[field].label if field in OfferFilter.base_filters else field
    }
