import logging

from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from courses.models import Offer, Run
from enrolment.seats import read_seats, with_seats

logger = logging.getLogger(__name__)

STARTING_SOON_COUNT = 6


def home(request):
    kinds = Offer.objects.published().kind_counts()
    now = timezone.now()
    starting_soon = read_seats(
        with_seats(Run.objects.upcoming(now).filter(starts_at__gte=now, offer__is_published=True), now=now)
        .select_related("offer", "offer__provider", "offer__municipality")
        .order_by("starts_at", "pk")[:STARTING_SOON_COUNT]
    )
    return render(request, "home.html", {"kinds": kinds, "starting_soon": starting_soon})


def privacy(request):
    return render(request, "pages/privacy.html")


def accessibility(request):
    return render(request, "pages/accessibility.html")


@never_cache
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.exception("Health check: the database did not answer")
        return JsonResponse({"status": "unavailable", "database": "down"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
