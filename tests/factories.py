"""Small builders for catalogue rows. Defaults make a valid, published offer with one upcoming run."""

import datetime as dt
import itertools

from django.contrib.auth import get_user_model
from django.utils import timezone

from courses import services
from courses.models import District, Location, Municipality, Offer, Provider, Run, Semester, Session, Topic
from enrolment.models import Enrolment

_seq = itertools.count(1)


def municipality(**fields):
    n = next(_seq)
    fields.setdefault("name", f"Kommune {n}")
    fields.setdefault("slug", f"kommune-{n}")
    return Municipality.objects.create(**fields)


def district(*, municipality, **fields):
    n = next(_seq)
    fields.setdefault("name", f"Bydel {n}")
    fields.setdefault("slug", f"bydel-{n}")
    return District.objects.create(municipality=municipality, **fields)


def provider(**fields):
    n = next(_seq)
    fields.setdefault("name", f"Tilbyder {n}")
    fields.setdefault("slug", f"tilbyder-{n}")
    fields.setdefault("kind", Provider.Kind.LEARNING_AND_MASTERY)
    if "municipality" not in fields:
        fields["municipality"] = municipality()
    return Provider.objects.create(**fields)


def location(**fields):
    n = next(_seq)
    fields.setdefault("name", f"Sted {n}")
    fields.setdefault("street_address", f"Gata {n}")
    fields.setdefault("postal_code", "0001")
    fields.setdefault("city", "Oslo")
    if "municipality" not in fields:
        fields["municipality"] = municipality()
    return Location.objects.create(**fields)


def topic(name):
    return Topic.objects.get_or_create(slug=name.lower(), defaults={"name": name})[0]


def semester(*, starts_on=None, **fields):
    n = next(_seq)
    starts_on = starts_on or timezone.localdate() - dt.timedelta(days=30)
    fields.setdefault("name", f"Semester {n}")
    fields.setdefault("slug", f"semester-{n}")
    fields.setdefault("ends_on", starts_on + dt.timedelta(days=180))
    return Semester.objects.create(starts_on=starts_on, **fields)


def offer(*, topics=(), refresh_search=True, **fields):
    n = next(_seq)
    if "provider" not in fields:
        fields["provider"] = provider()
    fields.setdefault("municipality", fields["provider"].municipality)
    fields.setdefault("title", f"Tilbud {n}")
    fields.setdefault("slug", f"tilbud-{n}")
    fields.setdefault("summary", "Et tilbud om læring og mestring.")
    fields.setdefault("description", "Her lærer du noe nytt sammen med andre.")
    fields.setdefault("kind", Offer.Kind.MASTERY_COURSE)
    fields.setdefault("join_method", Offer.JoinMethod.OPEN)
    fields.setdefault("audience", [Offer.Audience.CITIZENS])
    fields.setdefault("languages", [Offer.Language.NORWEGIAN])
    fields.setdefault("is_published", True)
    created = Offer.objects.create(**fields)
    if topics:
        created.topics.set([topic(name) for name in topics])
    if refresh_search:
        services.refresh_offer_search(offer_ids=[created.pk])
    return created


def run(
    *, offer, semester_=None, capacity=10, first_session=None, sessions=1, hours=(18, 20), location_=None, **fields
):
    """A published run whose sessions start at first_session (default: in a week) and repeat weekly."""
    fields.setdefault("status", Run.Status.PUBLISHED)
    if fields["status"] != Run.Status.DRAFT:
        fields.setdefault("published_at", timezone.now())
    created = Run.objects.create(offer=offer, semester=semester_ or semester(), capacity=capacity, **fields)
    local = timezone.get_default_timezone()
    first = first_session or (timezone.localdate() + dt.timedelta(days=7))
    for index in range(sessions):
        day = first + dt.timedelta(days=7 * index)
        Session.objects.create(
            run=created,
            starts_at=timezone.make_aware(dt.datetime.combine(day, dt.time(hours[0])), local),
            ends_at=timezone.make_aware(dt.datetime.combine(day, dt.time(hours[1])), local),
            location=location_,
            theme=f"Tema {index + 1}",
        )
    services.refresh_run_dates(run_ids=[created.pk])
    created.refresh_from_db()
    return created


def person(**fields):
    n = next(_seq)
    fields.setdefault("email", f"person{n}@example.org")
    return get_user_model().objects.create_user(**fields)


def confirmed(run, count):
    """Fill `count` seats of `run` with confirmed enrolments."""
    Enrolment.objects.bulk_create(
        Enrolment(run=run, person=person(), status=Enrolment.Status.CONFIRMED) for _ in range(count)
    )
