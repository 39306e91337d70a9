"""Calendar files (RFC 5545) for a run: one event per session.

Times are written in UTC ("...Z"), which every calendar program reads the same
way and shows in the reader's own time zone; no VTIMEZONE block is needed.
"""

import datetime as dt
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event


def run_calendar_bytes(*, run, sessions) -> bytes:
    offer = run.offer
    host = urlsplit(settings.PORTAL_BASE_URL).hostname or "localhost"
    url = settings.PORTAL_BASE_URL + offer.get_absolute_url()
    stamp = timezone.now()

    calendar = Calendar()
    calendar.add("prodid", f"-//{settings.PORTAL_NAME}//{host}//NB")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", offer.title)
    for _number, session in enumerate(sessions, start=1):
        event = Event()
        event.add("uid", f"session-{session.pk}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", session.starts_at.astimezone(dt.UTC))
        event.add("dtend", session.ends_at.astimezone(dt.UTC))
        summary = offer.title if not session.theme else f"{offer.title}: {session.theme}"
        event.add("summary", summary)
        if session.location:
            event.add("location", f"{session.location.name}, {session.location.one_line_address}")
        event.add("description", f"{offer.provider.name}\n{url}")
        event.add("url", url)
        event.add("status", "CANCELLED" if run.status == run.Status.CANCELLED else "CONFIRMED")
        event.add("sequence", 0)
        calendar.add_component(event)
    return calendar.to_ical()
