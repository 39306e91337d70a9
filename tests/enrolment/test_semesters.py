"""Copying a semester: local dates and times kept across summer time, the new semester's end respected, public
holidays left out, and a preview of all of it before anything is saved."""

import datetime as dt
import re
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from audit.acting import Acting
from audit.actions import Action
from audit.models import AuditEvent
from courses import services as course_services
from courses.models import Country, Run, Semester, Session
from enrolment.refusals import EnrolmentRefusal
from enrolment.services.semesters import SkipReason, copy_semester, plan_copy
from tests import factories
from tests.html_forms import form_data
from tests.people import member, person

pytestmark = pytest.mark.django_db

OSLO = zoneinfo.ZoneInfo("Europe/Oslo")
SUMMER, WINTER = dt.timedelta(hours=2), dt.timedelta(hours=1)


def at(day, hour, minute=0):
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=OSLO)


def spring(year):
    return factories.semester(
        name=f"Vår {year}", slug=f"var-{year}", starts_on=dt.date(year, 1, 11), ends_on=dt.date(year, 6, 18)
    )


def autumn(year, ends_on=None):
    return factories.semester(
        name=f"Høst {year}",
        slug=f"host-{year}",
        starts_on=dt.date(year, 8, 17),
        ends_on=ends_on or dt.date(year, 12, 18),
    )


def weekly_run(provider, semester, first, count, *, start=(13, 30), end=(16, 0), **fields):
    """A published run of a new offer of the provider: `count` sessions a week apart from `first`."""
    run = factories.run(offer=factories.offer(provider=provider), semester_=semester, sessions=0, **fields)
    location = factories.location(municipality=provider.municipality)
    for week in range(count):
        day = first + dt.timedelta(weeks=week)
        Session.objects.create(
            run=run, starts_at=at(day, *start), ends_at=at(day, *end), location=location, theme=f"Samling {week + 1}"
        )
    course_services.refresh_run_dates(run_ids=[run.pk])
    return run


def copy(provider, source, target, **kwargs):
    return copy_semester(provider=provider, source=source, target=target, acting=Acting.system(), **kwargs)


def local_days(run):
    return [timezone.localdate(s.starts_at) for s in run.sessions.order_by("starts_at")]


def local_times(run):
    return {(timezone.localtime(s.starts_at).time(), timezone.localtime(s.ends_at).time()) for s in run.sessions.all()}


def offsets(run):
    return {timezone.localtime(s.starts_at).utcoffset() for s in run.sessions.all()}


def skipped(plan):
    return [(timezone.localdate(s.starts_at), s.why) for run in plan.runs for s in run.skipped]


def rows():
    return (Run.objects.count(), Session.objects.count(), AuditEvent.objects.count())


@pytest.fixture
def norway():
    return factories.provider(name="MAS", municipality=factories.municipality(name="Oslo", country=Country.NORWAY))


@pytest.fixture
def denmark():
    return factories.provider(
        name="Recoveryskolen", municipality=factories.municipality(name="Gladsaxe", country=Country.DENMARK)
    )


@pytest.fixture
def coordinator_of_norway(client, norway):
    user = person("koordinator@example.org", mfa=True)
    member(user, Role.COORDINATOR, norway)
    client.force_login(user)
    return user


def preview(client, source, target):
    response = client.get(reverse("enrolment:semester_copy"), {"source": source.pk, "target": target.pk})
    assert response.status_code == 200
    return response.text


def words(page):
    """The page's text, as it reads: without its tags, one space between words."""
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())


def confirm(client, page):
    return client.post(reverse("enrolment:semester_copy"), form_data(page, containing="plan"))


# --- the dates -----------------------------------------------------------------------------------------------


def test_copying_a_semester_keeps_the_local_time_across_the_change_to_winter_time(norway):
    source, target = spring(2027), autumn(2027)
    # Tuesdays at 13:30 from January (winter time) to April (summer time from 28 March).
    original = weekly_run(norway, source, dt.date(2027, 1, 12), 16)
    assert offsets(original) == {WINTER, SUMMER}

    [copied] = copy(norway, source, target)

    # 17 August to 30 November: summer time until 31 October, winter time after; 13:30 all along.
    assert local_days(copied) == [dt.date(2027, 8, 17) + dt.timedelta(weeks=week) for week in range(16)]
    assert local_times(copied) == {(dt.time(13, 30), dt.time(16, 0))}
    assert offsets(copied) == {SUMMER, WINTER}
    assert {day.weekday() for day in local_days(copied)} == {1}


def test_copying_a_semester_keeps_the_local_time_across_the_change_to_summer_time(norway):
    source, target = autumn(2026), spring(2027)
    # Wednesdays at 13:30 from 19 August (summer time) to 2 December (winter time from 25 October).
    weekly_run(norway, source, dt.date(2026, 8, 19), 16)

    [copied] = copy(norway, source, target)

    # 13 January to 28 April 2027: winter time until 28 March, summer time after; 13:30 all along.
    assert local_days(copied) == [dt.date(2027, 1, 13) + dt.timedelta(weeks=week) for week in range(16)]
    assert local_times(copied) == {(dt.time(13, 30), dt.time(16, 0))}
    assert offsets(copied) == {WINTER, SUMMER}


def test_the_registration_dates_move_by_the_same_weeks_in_local_time(norway):
    source, target = spring(2027), autumn(2027)
    weekly_run(
        norway,
        source,
        dt.date(2027, 1, 12),
        4,
        registration_opens_at=at(dt.date(2026, 12, 1), 9),
        registration_closes_at=at(dt.date(2027, 1, 8), 23, 59),
    )
    [copied] = copy(norway, source, target)
    assert timezone.localtime(copied.registration_opens_at) == at(dt.date(2027, 7, 6), 9)
    assert timezone.localtime(copied.registration_closes_at) == at(dt.date(2027, 8, 13), 23, 59)


def test_sessions_past_the_end_of_the_new_semester_are_not_copied(norway):
    source, target = spring(2027), autumn(2027)
    # MAS's spring: 20 Tuesdays from 12 January. Moved to autumn they would run to 28 December.
    weekly_run(norway, source, dt.date(2027, 1, 12), 20)

    plan = plan_copy(provider=norway, source=source, target=target)
    assert skipped(plan) == [
        (dt.date(2027, 12, 21), "etter at semesteret slutter"),
        (dt.date(2027, 12, 28), "etter at semesteret slutter"),
    ]
    [copied] = copy(norway, source, target)
    assert len(local_days(copied)) == 18
    assert max(local_days(copied)) == dt.date(2027, 12, 14) <= target.ends_on


def test_copying_onto_a_spring_with_easter_skips_the_public_holidays(norway):
    source, target = spring(2026), spring(2027)
    mondays = weekly_run(norway, source, dt.date(2026, 1, 12), 20)
    thursdays = weekly_run(norway, source, dt.date(2026, 1, 15), 20)
    fridays = weekly_run(norway, source, dt.date(2026, 1, 16), 20)

    plan = plan_copy(provider=norway, source=source, target=target)
    assert sorted(skipped(plan)) == [
        (dt.date(2027, 3, 25), "Skjærtorsdag"),
        (dt.date(2027, 3, 26), "Langfredag"),
        (dt.date(2027, 3, 29), "Andre påskedag"),
        (dt.date(2027, 5, 6), "Kristi himmelfartsdag"),
        (dt.date(2027, 5, 17), "Andre pinsedag; Grunnlovsdag"),
    ]
    assert {s.reason for run in plan.runs for s in run.skipped} == {SkipReason.DAY_OFF}

    copy(norway, source, target)
    copies = {run.follows_id: run for run in Run.objects.filter(semester=target)}
    assert len(local_days(copies[mondays.pk])) == 18
    assert len(local_days(copies[thursdays.pk])) == 18
    assert len(local_days(copies[fridays.pk])) == 19
    assert {dt.date(2027, 3, 22), dt.date(2027, 4, 5)} <= set(local_days(copies[mondays.pk]))


def test_christmas_eve_and_new_years_eve_are_days_off_too(norway):
    source, target = spring(2027), autumn(2027, ends_on=dt.date(2028, 1, 10))
    weekly_run(norway, source, dt.date(2027, 1, 15), 20)  # Fridays, to 31 December when moved to autumn
    plan = plan_copy(provider=norway, source=source, target=target)
    assert skipped(plan) == [(dt.date(2027, 12, 24), "Julaften"), (dt.date(2027, 12, 31), "Nyttårsaften")]


def test_a_danish_provider_skips_danish_holidays_and_not_norwegian_ones(norway, denmark):
    source, target = spring(2025), spring(2026)
    # Thursdays and Fridays from January. In 2026, 1 May (a Friday) is a public holiday in Norway, not in
    # Denmark, where it would have been Store Bededag had that not been abolished from 2024.
    for provider in (norway, denmark):
        weekly_run(provider, source, dt.date(2025, 1, 16), 20)
        weekly_run(provider, source, dt.date(2025, 1, 17), 20)

    danish = plan_copy(provider=denmark, source=source, target=target)
    assert sorted(skipped(danish)) == [
        (dt.date(2026, 4, 2), "Skærtorsdag"),
        (dt.date(2026, 4, 3), "Langfredag"),
        (dt.date(2026, 5, 14), "Kristi himmelfartsdag"),
    ]
    norwegian = plan_copy(provider=norway, source=source, target=target)
    assert sorted(skipped(norwegian)) == [
        (dt.date(2026, 4, 2), "Skjærtorsdag"),
        (dt.date(2026, 4, 3), "Langfredag"),
        (dt.date(2026, 5, 1), "Arbeidernes dag"),
        (dt.date(2026, 5, 14), "Kristi himmelfartsdag"),
    ]

    copy(denmark, source, target)
    fridays = Run.objects.get(semester=target, follows__sessions__starts_at=at(dt.date(2025, 1, 17), 13, 30))
    assert dt.date(2026, 5, 1) in local_days(fridays)


# --- what is copied ------------------------------------------------------------------------------------------


def test_copies_are_drafts_that_follow_their_originals_with_their_places_and_themes(norway):
    source, target = spring(2027), autumn(2027)
    original = weekly_run(norway, source, dt.date(2027, 1, 12), 3, capacity=12, name="Tirsdagsgruppen")
    cancelled = weekly_run(norway, source, dt.date(2027, 1, 13), 3, status=Run.Status.CANCELLED)
    weekly_run(factories.provider(), source, dt.date(2027, 1, 14), 3)  # another provider's

    [copied] = copy(norway, source, target)

    assert (copied.follows, copied.status, copied.capacity, copied.name) == (
        original,
        Run.Status.DRAFT,
        12,
        "Tirsdagsgruppen",
    )
    assert not Run.objects.filter(follows=cancelled).exists()
    assert [(s.theme, s.location_id) for s in copied.sessions.order_by("starts_at")] == [
        (s.theme, s.location_id) for s in original.sessions.order_by("starts_at")
    ]
    copied.refresh_from_db()
    assert (copied.starts_at, copied.ends_at) == (at(dt.date(2027, 8, 17), 13, 30), at(dt.date(2027, 8, 31), 16))
    event = AuditEvent.objects.get(action=Action.SEMESTER_COPIED)
    assert event.object_id == str(target.pk)
    assert event.detail == {"provider": norway.pk, "from": source.pk, "runs": [copied.pk], "sessions": 3, "skipped": 0}


def test_copying_twice_changes_nothing(norway):
    source, target = spring(2027), autumn(2027)
    weekly_run(norway, source, dt.date(2027, 1, 12), 20)
    copy(norway, source, target)
    before = rows()

    assert copy(norway, source, target) == []
    assert rows() == before
    plan = plan_copy(provider=norway, source=source, target=target)
    assert plan.runs == () and len(plan.already_copied) == 1


def test_a_copy_confirmed_from_another_plan_saves_nothing(norway):
    source, target = spring(2027), autumn(2027)
    weekly_run(norway, source, dt.date(2027, 1, 12), 20)
    shown = plan_copy(provider=norway, source=source, target=target).fingerprint
    Semester.objects.filter(pk=target.pk).update(ends_on=dt.date(2027, 11, 30))
    before = rows()

    with pytest.raises(EnrolmentRefusal) as refusal:
        copy(norway, source, target, previewed=shown)
    assert refusal.value.code == "plan_changed"
    assert rows() == before


# --- the coordinator's page ----------------------------------------------------------------------------------


def test_the_preview_shows_every_session_with_its_new_date_and_saves_nothing(client, coordinator_of_norway, norway):
    source, target = spring(2026), spring(2027)
    weekly_run(norway, source, dt.date(2026, 1, 15), 20)  # Thursdays
    before = rows()

    page = preview(client, source, target)

    assert rows() == before
    text = words(page)
    assert "Samlinger som blir kopiert 18 Samlinger som ikke blir med 2" in text
    assert "Vår 2026 Vår 2027 Blir med?" in text
    assert "tor 15. jan 2026, 13:30–16:00 tor 14. jan 2027, 13:30–16:00 Ja" in text
    assert "tor 26. mar 2026, 13:30–16:00 tor 25. mar 2027, 13:30–16:00 Nei: Skjærtorsdag" in text
    assert "tor 7. mai 2026, 13:30–16:00 tor 6. mai 2027, 13:30–16:00 Nei: Kristi himmelfartsdag" in text
    assert "Kopier 1 gjennomføring" in page

    # Posting the semesters without the plan shown is a preview too.
    response = client.post(reverse("enrolment:semester_copy"), {"source": source.pk, "target": target.pk})
    assert response.status_code == 200 and "Kopier 1 gjennomføring" in response.text
    assert rows() == before


def test_the_copy_writes_exactly_the_sessions_of_the_preview(client, coordinator_of_norway, norway):
    source, target = spring(2026), spring(2027)
    weekly_run(norway, source, dt.date(2026, 1, 12), 20)
    weekly_run(norway, source, dt.date(2026, 1, 16), 24)  # Fridays to 25 June 2027: Good Friday, and one past the end
    page = preview(client, source, target)
    plan = plan_copy(provider=norway, source=source, target=target)

    response = confirm(client, page)

    assert response.status_code == 302 and response.url == reverse("enrolment:dashboard")
    for planned in plan.runs:
        copied = Run.objects.get(follows=planned.original, semester=target)
        assert [(s.starts_at, s.ends_at) for s in copied.sessions.order_by("starts_at")] == [
            (s.starts_at, s.ends_at) for s in planned.sessions
        ]
    assert Session.objects.filter(run__semester=target).count() == plan.session_count == 18 + 22
    assert AuditEvent.objects.filter(action=Action.SEMESTER_COPIED).count() == 1
    assert "2 gjennomføringer er kopiert som utkast" in client.get(response.url).text


def test_confirming_the_same_copy_twice_copies_once(client, coordinator_of_norway, norway):
    source, target = spring(2027), autumn(2027)
    weekly_run(norway, source, dt.date(2027, 1, 12), 20)
    page = preview(client, source, target)
    assert confirm(client, page).status_code == 302
    before = rows()

    response = confirm(client, page)

    assert response.status_code == 200
    assert rows() == before
    assert "Noe er endret siden du så oversikten" in response.text
    assert "Det er ingenting å kopiere." in response.text
    assert "Disse er allerede kopiert, og blir ikke kopiert igjen:" in response.text


def test_a_stale_preview_is_shown_again_not_saved(client, coordinator_of_norway, norway):
    source, target = spring(2027), autumn(2027)
    weekly_run(norway, source, dt.date(2027, 1, 12), 20)
    page = preview(client, source, target)
    # Someone shortens the autumn semester before the coordinator confirms.
    Semester.objects.filter(pk=target.pk).update(ends_on=dt.date(2027, 11, 30))
    before = rows()

    response = confirm(client, page)

    assert response.status_code == 200 and rows() == before
    assert "Noe er endret siden du så oversikten" in response.text
    assert "Samlinger som blir kopiert 16" in words(response.text)
    tampered = form_data(page, containing="plan") | {"plan": "0" * 64}
    assert client.post(reverse("enrolment:semester_copy"), tampered).status_code == 200
    assert rows() == before

    assert confirm(client, response.text).status_code == 302
    [copied] = Run.objects.filter(semester=target)
    assert max(local_days(copied)) == dt.date(2027, 11, 30)


def test_choosing_the_same_semester_twice_is_refused_kindly(client, coordinator_of_norway, norway):
    source = spring(2027)
    response = client.get(reverse("enrolment:semester_copy"), {"source": source.pk, "target": source.pk})
    assert response.status_code == 200
    assert "Velg et annet semester enn det du kopierer fra." in response.text
    assert 'name="plan"' not in response.text


def test_the_preview_takes_as_many_queries_for_many_runs_as_for_one(client, coordinator_of_norway, norway):
    source, target = spring(2027), autumn(2027)
    weekly_run(norway, source, dt.date(2027, 1, 12), 20)
    preview(client, source, target)  # the first page of a sign-in also notes the browser's session
    with CaptureQueriesContext(connection) as one:
        preview(client, source, target)
    for first in (dt.date(2027, 1, 13), dt.date(2027, 1, 14), dt.date(2027, 1, 15)):
        weekly_run(norway, source, first, 20)
    with CaptureQueriesContext(connection) as four:
        preview(client, source, target)
    assert len(four) == len(one)
