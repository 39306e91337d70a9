"""The change log as the municipality admin reads it: words for actions and roles, names for organisations, and
people named only where they are staff the admin looks after."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from audit.acting import ActingRole
from audit.actions import Action
from courses.organisations import organisation_names


@dataclass(frozen=True)
class LogRow:
    at: object
    action: str
    actor: str
    role: str
    subject: str
    request_id: str


def log_rows(events, *, staff) -> list[LogRow]:
    """The events as rows of the change log. ``staff``: the people the admin looks after (accounts.access), the
    only ones named; anyone else a change was about reads as "en innbygger", who did it as their role."""
    events = list(events)
    people = {event.actor_id for event in events} | {event.subject_id for event in events}
    named = set(staff.filter(pk__in=people - {None}).values_list("pk", flat=True))
    organisations = organisation_names(event.acting_organisation for event in events)
    rows = []
    for event in events:
        role = _label(ActingRole, event.acting_role)
        where = organisations.get(event.acting_organisation, "")
        rows.append(
            LogRow(
                at=event.at,
                action=_label(Action, event.action),
                actor=event.actor.email if event.actor_id in named else "–",
                role=f"{role}, {where}" if role and where else role,
                subject=(
                    event.subject.email
                    if event.subject_id in named
                    else (_("En innbygger") if event.subject_id else "–")
                ),
                request_id=event.request_id[:8],
            )
        )
    return rows


def _label(choices, value: str) -> str:
    return str(choices(value).label) if value in choices.values else value
