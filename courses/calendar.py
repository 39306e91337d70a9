"""Calendar files (RFC 5545) for a run: one event per session, with the local time zone."""

from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event


def run_calendar_bytes(*, run, sessions) -> bytes:
    offer = run.offer
    host = urlsplit(settings.PORTAL_BASE_URL).hostname or "localhost"
    url = settings.PORTAL_BASE_URL + offer.get_absolute_url()
    local = timezone.get_default_timezone()
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
        event.add("dtstart", session.starts_at.astimezone(local))
        event.add("dtend", session.ends_at.astimezone(local))
        summary = offer.title if not session.theme else f"{offer.title}: {session.theme}"
        event.add("summary", summary)
        if session.location:
            event.add("location", f"{session.location.name}, {session.location.one_line_address}")
        event.add("description", f"{offer.provider.name}\n{url}")
        event.add("url", url)
        event.add("status", "CANCELLED" if run.status == run.Status.CANCELLED else "CONFIRMED")
        event.add("sequence", 0)
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
