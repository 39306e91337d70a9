"""Calendar files (RFC 5545) for a run: one event per session.

Times are written in UTC ("...Z"), which every calendar program reads the same
way and shows in the reader's own time zone; no VTIMEZONE block is needed.
"""

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
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
# The provider's name is in the description, so a renamed provider is a new revision too.
# Of those, what the session itself is: its time, place and theme. A change to one of these is news for the people
# with a seat (enrolment.services.runs.revise_calendar_events, whose e-mail says that time, place or theme changed);
# a new offer title or provider name, or a cancelled run (which has its own e-mail), is a new revision only.
TIME_PLACE_AND_THEME = (
    "starts_at",
    "ends_at",
    "theme",
    "location__name",
    "location__street_address",
    "location__postal_code",
    "location__city",
)
SHOWN_IN_CALENDAR = (
    *TIME_PLACE_AND_THEME,
    "run__status",
    "run__offer__title",
    "run__offer__slug",  # in the event's URL and description
    "run__offer__provider__name",
)


def _text(value: str) -> str:
    return _CONTROL_CHARACTERS.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


@dataclass(frozen=True)
class SessionEvent:
    """What a session's calendar event shows. ``run_calendar_bytes`` writes every event from one of these; for a
    deleted session it outlives the row, so the event can be written once more, cancelled, and calendar programs
    that imported it remove it or mark it cancelled. It travels to e-mail tasks as JSON (``as_json``,
    ``from_json``)."""

    pk: int
    run_id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    sequence: int
    theme: str = ""
    place: str = ""
    address: str = ""

    @classmethod
    def of(cls, session) -> "SessionEvent":
        location = session.location
        return cls(
            pk=session.pk,
            run_id=session.run_id,
            starts_at=session.starts_at,
            ends_at=session.ends_at,
            sequence=session.sequence,
            theme=session.theme,
            place=location.name if location else "",
            address=location.one_line_address if location else "",
        )

    def as_json(self) -> dict:
        return {**asdict(self), "starts_at": self.starts_at.isoformat(), "ends_at": self.ends_at.isoformat()}

    @classmethod
    def from_json(cls, data: dict) -> "SessionEvent":
        return cls(
            **{
                **data,
                "starts_at": dt.datetime.fromisoformat(data["starts_at"]),
                "ends_at": dt.datetime.fromisoformat(data["ends_at"]),
            }
        )


def run_calendar_bytes(*, run, sessions, cancelled: Sequence[SessionEvent] = ()) -> bytes:
    """The run's sessions as a calendar, and the events of deleted sessions (``cancelled``) as cancelled ones.
    A calendar needs at least one event, so never call it without either."""
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

    def add_event(shown: SessionEvent, *, status: str, sequence: int) -> None:
        event = Event()
        event.add("uid", f"session-{shown.pk}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", shown.starts_at.astimezone(dt.UTC))
        event.add("dtend", shown.ends_at.astimezone(dt.UTC))
        event.add("summary", _text(f"{offer.title}: {shown.theme}" if shown.theme else offer.title))
        if shown.place:
            event.add("location", _text(f"{shown.place}, {shown.address}"))
        event.add("description", _text(f"{offer.provider.name}\n{url}"))
        event.add("url", url)
        event.add("status", status)
        event.add("sequence", sequence)
        calendar.add_component(event)

    status = "CANCELLED" if run.status == run.Status.CANCELLED else "CONFIRMED"
    for session in sessions:
        add_event(SessionEvent.of(session), status=status, sequence=session.sequence)
    for gone in cancelled:
        # Cancelling is a new revision of the event the calendar holds (RFC 5545, 3.8.7.4).
        add_event(gone, status="CANCELLED", sequence=gone.sequence + 1)
    return calendar.to_ical()
