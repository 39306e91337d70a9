"""What the e-mails about seats read like, in the reader's language."""

import datetime as dt
import re

import pytest
from django.core import mail

from audit.services import Acting
from enrolment import services
from tests import factories
from tests.people import person

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2030, 12, 2)


def sign_up(run, email, **fields):
    who = person(email, name="Kari", birth_date=dt.date(1990, 1, 1), **fields)
    return services.sign_up(run_id=run.pk, person=who, acting=Acting(user=who, role="citizen"))


@pytest.mark.parametrize(
    ("language", "session"),
    [
        ("nb", "- mandag 2. desember 18:00–20:00"),
        ("nn", "- måndag 2. desember 18:00–20:00"),
        ("da", "- mandag 2. december 18:00–20:00"),
        ("en", "- Monday 2 December 18:00–20:00"),
    ],
)
def test_the_dates_in_a_confirmation_are_written_as_the_reader_writes_them(
    language, session, django_capture_on_commit_callbacks
):
    run = factories.run(offer=factories.offer(), capacity=2, first_session=MONDAY)
    with django_capture_on_commit_callbacks(execute=True):
        sign_up(run, "kari@example.org", preferred_language=language)
    assert session in mail.outbox[-1].body.splitlines()


def test_a_deadline_in_an_english_email_reads_as_english(django_capture_on_commit_callbacks):
    """Django's American "Nov. 30, 2026, 6 p.m." would end the sentence in "p.m.."."""
    run = factories.run(offer=factories.offer(), capacity=1, first_session=MONDAY)
    seated = sign_up(run, "kari@example.org")
    john = person("john@example.org", birth_date=dt.date(1990, 1, 1), preferred_language="en")
    services.join_waiting_list(run_id=run.pk, person=john, acting=Acting.system())
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel(enrolment_id=seated.pk, acting=Acting(user=seated.person, role="citizen"))
    offered = next(message for message in mail.outbox if message.to == ["john@example.org"])
    assert re.search(r"Please reply by \d{1,2} [A-Z][a-z]+ \d{4} \d\d:\d\d\.\n", offered.body), offered.body
    assert "- Monday 2 December 18:00–20:00" in offered.body
