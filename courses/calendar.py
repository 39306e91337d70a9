"""Calendar files (RFC 5545) for a run: one event per session.

Times are written in UTC ("...Z"), which every calendar program reads the same
way and shows in the reader's own time zone; no VTIMEZONE block is needed.
"""

import datetime as dt
import re
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event

# Control characters (text pasted from a word processor can carry them) are not allowed in iCalendar
# text values and break stricter readers; line breaks and tabs are kept.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# Everything an event shows of its session, as lookups from the session. When one of them changes, the
# event is a new revision and must carry a higher SEQUENCE (RFC 5545, 3.8.7.4): Apple Calendar and Outlook
# keep the copy they imported and ignore a file whose SEQUENCE has not risen. The services that change
# these compare them before and after (courses.services.calendar_snapshot and raise_revised_sequences).
# The description (provider and a link to the offer) is left out: it says nothing about when or where.
SHOWN_IN_CALENDAR = (
    "starts_at",
    "ends_at",
    "theme",
    "location__name",
    "location__street_address",
    "location__postal_code",
    "location__city",
    "run__status",
    "run__offer__title",
)


def _text(value: str) -> str:
    return _CONTROL_CHARACTERS.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


def run_calendar_bytes(*, run, sessions) -> bytes:
    """The run's sessions as a calendar; a calendar needs at least one event, so never call it without."""
    offer = run.offer
    host = urlsplit(settings.PORTAL_BASE_URL).hostname or "localhost"
    url = settings.PORTAL_BASE_URL + offer.get_absolute_url()
    stamp = timezone.now()

    calendar = Calendar()
    calendar.add("prodid", f"-//{settings.PORTAL_NAME}//{host}//NB")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", _text(offer.title))
    for _number, session in enumerate(sessions, start=1):
        event = Event()
        event.add("uid", f"session-{session.pk}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", session.starts_at.astimezone(dt.UTC))
        event.add("dtend", session.ends_at.astimezone(dt.UTC))
        summary = offer.title if not session.theme else f"{offer.title}: {session.theme}"
        event.add("summary", _text(summary))
        if session.location:
            event.add("location", _text(f"{session.location.name}, {session.location.one_line_address}"))
        event.add("description", _text(f"{offer.provider.name}\n{url}"))
        event.add("url", url)
        event.add("status", "CANCELLED" if run.status == run.Status.CANCELLED else "CONFIRMED")
        event.add("sequence", session.sequence)
        calendar.add_component(event)
    return calendar.to_ical()
