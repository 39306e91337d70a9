"""The benchmark catalogue: 10,000 published offers with 30,000 runs, built with bulk_create.

``ensure_dataset()`` is idempotent: a row in the ``bench_meta`` table records which version of
the data set was generated on which day, and the data is only (re)built when that row is missing,
stale (older than ``MAX_AGE_DAYS``, since runs are placed around "today") or ``force`` is given.
Everything is written in one transaction, so an interrupted load leaves nothing half-done.
"""

import datetime as dt
import itertools
import random
import time
from collections import defaultdict
from zoneinfo import ZoneInfo

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from bench import words
from courses import services
from courses.models import District, Location, Municipality, Offer, Provider, Run, Semester, Session, Topic
from enrolment.models import Enrolment

DATA_VERSION = "3"
SEED = 20261122
N_OFFERS = 10_000
N_RUNS = 30_000
N_USERS = 3_000
MAX_AGE_DAYS = 14
BATCH = 5_000
TZ = ZoneInfo("Europe/Oslo")

KIND_WEIGHTS = {
    Offer.Kind.CRAFT_COURSE: 18,
    Offer.Kind.MASTERY_COURSE: 24,
    Offer.Kind.RECOVERY_SCHOOL: 14,
    Offer.Kind.SELF_HELP_GROUP: 14,
    Offer.Kind.MENTOR_SUPPORT: 6,
    Offer.Kind.VOLUNTEER_TRAINING: 8,
    Offer.Kind.LECTURE: 12,
    Offer.Kind.EDUCATION: 4,
}
JOIN_WEIGHTS = {
    Offer.JoinMethod.OPEN: 45,
    Offer.JoinMethod.REFERRAL: 15,
    Offer.JoinMethod.APPLICATION: 10,
    Offer.JoinMethod.DROP_IN: 20,
    Offer.JoinMethod.CONTACT: 10,
}
# Sessions start at these hours (morning, afternoon and evening are all represented).
START_HOURS = [9, 10, 10, 11, 12, 13, 14, 16, 17, 18, 18, 19]
WEEKDAY_WEIGHTS = [18, 20, 20, 20, 12, 6, 4]  # Monday..Sunday


_META_TABLE = "CREATE TABLE IF NOT EXISTS bench_meta (key text PRIMARY KEY, value text NOT NULL)"


def meta_get():
    with connection.cursor() as cursor:
        cursor.execute(_META_TABLE)
        cursor.execute("SELECT key, value FROM bench_meta")
        return dict(cursor.fetchall())


def meta_set(values):
    with connection.cursor() as cursor:
        cursor.execute(_META_TABLE)
        for key, value in values.items():
            cursor.execute(
                "INSERT INTO bench_meta (key, value) VALUES (%s, %s) "
                "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                [key, value],
            )


def dataset_is_current(today):
    meta = meta_get()
    if meta.get("version") != DATA_VERSION or "generated_on" not in meta:
        return False
    generated = dt.date.fromisoformat(meta["generated_on"])
    if (today - generated).days > MAX_AGE_DAYS:
        return False
    return Offer.objects.filter(is_published=True).count() == N_OFFERS and Run.objects.count() == N_RUNS


def ensure_dataset(*, force=False, log=print):
    today = timezone.localdate()
    if not force and dataset_is_current(today):
        log("data: already loaded, reusing it (use --reload to rebuild)")
        return summary()
    started = time.monotonic()
    log("data: building the benchmark catalogue (takes a minute or two the first time)")
    with transaction.atomic():
        _wipe()
        _Builder(today=today, log=log).build()
        meta_set({"version": DATA_VERSION, "generated_on": today.isoformat()})
    with connection.cursor() as cursor:
        # Outside the transaction: fresh planner statistics and a visibility map, as in production.
        cursor.execute("VACUUM ANALYZE")
    log(f"data: built in {time.monotonic() - started:.0f} s")
    return summary()


def summary():
    return {
        "offers": Offer.objects.filter(is_published=True).count(),
        "runs": Run.objects.count(),
        "upcoming_runs": Run.objects.upcoming().count(),
        "sessions": Session.objects.count(),
        "enrolments": Enrolment.objects.count(),
        "users": get_user_model().objects.count(),
        "providers": Provider.objects.count(),
        "municipalities": Municipality.objects.count(),
        "districts": District.objects.count(),
        "topics": Topic.objects.count(),
    }


def _wipe():
    tables = []
    for label in ("courses", "enrolment", "accounts", "referrals"):
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            tables.append(connection.ops.quote_name(model._meta.db_table))
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        cursor.execute("DELETE FROM bench_meta WHERE key <> 'migrations'")


def semesters_for(today):
    """The semester before today's, and the three from today's on: (slug, name, starts_on, ends_on)."""
    terms = []
    for year in range(today.year - 1, today.year + 3):
        terms.append((f"var-{year}", f"Vår {year}", dt.date(year, 1, 11), dt.date(year, 6, 18)))
        terms.append((f"host-{year}", f"Høst {year}", dt.date(year, 8, 17), dt.date(year, 12, 18)))
    first_open = next(i for i, term in enumerate(terms) if term[3] >= today)
    return terms[first_open - 1 : first_open + 3]


class _Builder:
    def __init__(self, *, today, log):
        self.today = today
        self.log = log
        self.rng = random.Random(SEED)
        self.provider_numbers = itertools.count(1)
        n = len(words.SUBJECTS)
        # Zipf-like: the k-th subject is about 1/k^0.9 as common as the first.
        self.subject_weights = [1 / (k + 1) ** 0.9 for k in range(n)]

    # --- helpers ------------------------------------------------------------------------------
    def pick(self, weights: dict):
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def subject(self, lang):
        pair = self.rng.choices(words.SUBJECTS, weights=self.subject_weights)[0]
        return pair[1] if lang == "da" else pair[0]

    def fill(self, template, lang, place, s=None):
        s = s or self.subject(lang)
        t = self.subject(lang)
        audiences = words.DA_AUDIENCES if lang == "da" else words.NB_AUDIENCES
        text = template.format(s=s, S=s[:1].upper() + s[1:], t=t, p=place, a=self.rng.choice(audiences))
        return text, s

    # --- building -----------------------------------------------------------------------------
    def build(self):
        self._places()
        self._topics()
        self._semesters()
        self._providers_and_locations()
        self._users()
        self._offers()
        self._runs_and_sessions()
        self._enrolments()
        self._refresh()

    def _places(self):
        municipalities, districts = [], []
        for slug, name, country, _districts in words.MUNICIPALITIES:
            municipalities.append(Municipality(slug=slug, name=name, country=country))
        Municipality.objects.bulk_create(municipalities)
        by_slug = {m.slug: m for m in municipalities}
        for slug, _name, _country, district_names in words.MUNICIPALITIES:
            for district_name in district_names:
                districts.append(
                    District(
                        municipality=by_slug[slug],
                        name=f"Bydel {district_name}" if by_slug[slug].country == "NO" else district_name,
                        slug=f"{slug}-{slugify(district_name)}",
                    )
                )
        District.objects.bulk_create(districts)
        self.municipalities = municipalities
        self.districts_of = defaultdict(list)
        for district in districts:
            self.districts_of[district.municipality_id].append(district)

    def _topics(self):
        self.topics = Topic.objects.bulk_create(Topic(name=name, slug=slugify(name)) for name in words.TOPICS)

    def _semesters(self):
        self.semesters = Semester.objects.bulk_create(
            Semester(slug=slug, name=name, starts_on=a, ends_on=b) for slug, name, a, b in semesters_for(self.today)
        )

    def _providers_and_locations(self):
        rng = self.rng
        providers, owners = [], []
        for municipality in self.municipalities:
            danish = municipality.country == "DK"
            patterns = words.DA_PROVIDER_PATTERNS if danish else words.NB_PROVIDER_PATTERNS
            places = [(municipality.name, None)] + [
                (d.name.removeprefix("Bydel "), d) for d in self.districts_of[municipality.pk]
            ]
            for kind, pattern in patterns:
                providers.append(self._provider(kind, pattern, municipality, places[0], danish))
            for place in places[1:]:  # a volunteer centre and a recovery school in every district
                for kind, pattern in patterns[1:3]:
                    providers.append(self._provider(kind, pattern, municipality, place, danish))
        Provider.objects.bulk_create(providers)
        self.providers = providers
        # Big cities have more offers.
        size = {"oslo": 6, "kobenhavn": 4, "bergen": 3, "trondheim": 2, "stavanger": 2, "aarhus": 2}
        self.provider_weights = [size.get(p._municipality_slug, 1) / 1 for p in providers]

        locations = []
        for provider in providers:
            for index in range(rng.randint(1, 3)):
                district = provider._district or (
                    rng.choice(self.districts_of[provider.municipality_id])
                    if self.districts_of[provider.municipality_id] and rng.random() < 0.7
                    else None
                )
                danish = provider.content_language == "da"
                locations.append(
                    Location(
                        name=f"{provider.name}, {'lokale' if danish else 'rom'} {index + 1}",
                        street_address=f"{rng.choice(['Storgata', 'Kirkeveien', 'Torvet', 'Skolegade', 'Parkvej'])} "
                        f"{rng.randint(1, 120)}",
                        postal_code=f"{rng.randint(1000, 9990)}",
                        city=provider.municipality.name,
                        municipality=provider.municipality,
                        district=district,
                        transport=("Bus til døren." if danish else "Buss eller trikk til døra.")
                        if rng.random() < 0.6
                        else "",
                        step_free=rng.random() < 0.75,
                        hearing_loop=rng.random() < 0.4,
                        accessible_toilet=rng.random() < 0.6,
                    )
                )
                owners.append(provider)
        Location.objects.bulk_create(locations)
        self.locations_of = defaultdict(list)
        for location, provider in zip(locations, owners, strict=True):
            self.locations_of[provider.pk].append(location)

    def _provider(self, kind, pattern, municipality, place, danish):
        place_name, district = place
        name = pattern.format(p=place_name)
        provider = Provider(
            name=name,
            slug=f"{slugify(name)[:40]}-{next(self.provider_numbers)}",
            kind=kind,
            municipality=municipality,
            description=name,
            content_language="da" if danish else "nb",
            email=f"post@{slugify(place_name)}.example.{'dk' if danish else 'no'}",
        )
        provider._district = district
        provider._municipality_slug = municipality.slug
        return provider

    def _users(self):
        User = get_user_model()
        users = [
            User(email=f"bench-{n:05d}@deltaker.example.no", first_name=f"Deltaker {n}", password="!bench")
            for n in range(1, N_USERS + 1)
        ]
        self.user_ids = [u.pk for u in User.objects.bulk_create(users, batch_size=BATCH)]

    def _offers(self):
        rng = self.rng
        offers = []
        topic_links = []
        for n in range(1, N_OFFERS + 1):
            provider = rng.choices(self.providers, weights=self.provider_weights)[0]
            lang = provider.content_language
            danish = lang == "da"
            municipality = provider.municipality
            place = (provider._district.name if provider._district else municipality.name).removeprefix("Bydel ")
            title, subject = self.fill(rng.choice(words.DA_TITLES if danish else words.NB_TITLES), lang, place)
            summary, _ = self.fill(
                rng.choice(words.DA_SUMMARIES if danish else words.NB_SUMMARIES), lang, place, subject
            )
            sentences = words.DA_SENTENCES if danish else words.NB_SENTENCES
            paragraphs = []
            for _p in range(rng.randint(1, 3)):
                picked = rng.sample(sentences, rng.randint(2, 4))
                paragraphs.append(
                    " ".join(self.fill(s, lang, place, subject if rng.random() < 0.5 else None)[0] for s in picked)
                )
            district = provider._district
            if district is None and self.districts_of[municipality.pk] and rng.random() < 0.6:
                district = rng.choice(self.districts_of[municipality.pk])
            min_age = rng.choice([None, None, None, 16, 18, 18, 25, 60])
            max_age = rng.choice([None, None, None, 30, 67, 99]) if min_age is None or min_age < 30 else None
            if max_age is not None and min_age is not None and max_age < min_age:
                max_age = None
            languages = ["da" if danish else "no"]
            if rng.random() < 0.25:
                languages.append("en")
            if rng.random() < 0.05:
                languages.append("sv")
            audience = rng.sample([a.value for a in Offer.Audience], k=rng.choices([1, 2, 3], weights=[60, 30, 10])[0])
            locations = self.locations_of[provider.pk]
            offers.append(
                Offer(
                    provider=provider,
                    title=title[:200],
                    slug=f"{slugify(title)[:180]}-{n}",
                    summary=summary[:300],
                    description="\n\n".join(paragraphs),
                    what_happens_next=(
                        "Vi ringer deg innen en uke etter påmelding."
                        if not danish
                        else "Vi ringer til dig inden for en uge."
                    )
                    if rng.random() < 0.5
                    else "",
                    content_language=lang,
                    kind=self.pick(KIND_WEIGHTS),
                    audience=audience,
                    join_method=self.pick(JOIN_WEIGHTS),
                    min_age=min_age,
                    max_age=max_age,
                    languages=languages,
                    price=0 if rng.random() < 0.65 else rng.choice([50, 100, 200, 350, 500, 900, 1500, 2500]),
                    cost_note="Materialer kommer i tillegg." if rng.random() < 0.1 else "",
                    municipality=municipality,
                    district=district,
                    location=rng.choice(locations) if rng.random() < 0.85 else None,
                    contact_name=rng.choice(words.FACILITATORS) if rng.random() < 0.7 else "",
                    contact_email=provider.email,
                    contact_phone=" ".join(str(rng.randint(10, 99)) for _ in range(4)),
                    is_published=True,
                )
            )
        Offer.objects.bulk_create(offers, batch_size=BATCH)
        Through = Offer.topics.through
        for offer in offers:
            for topic in rng.sample(self.topics, rng.randint(1, 3)):
                topic_links.append(Through(offer_id=offer.pk, topic_id=topic.pk))
        Through.objects.bulk_create(topic_links, batch_size=BATCH)
        by_provider = defaultdict(list)
        for offer in offers:
            by_provider[offer.provider_id].append(offer)
        follow = []
        FollowOn = Offer.follow_on.through
        for offer in offers:
            siblings = by_provider[offer.provider_id]
            if rng.random() < 0.08 and len(siblings) > 2:
                for other in rng.sample(siblings, 2):
                    if other.pk != offer.pk:
                        follow.append(FollowOn(from_offer_id=offer.pk, to_offer_id=other.pk))
        FollowOn.objects.bulk_create(follow, batch_size=BATCH, ignore_conflicts=True)
        with connection.cursor() as cursor:
            # Spread creation dates over two years, so "newest" sorts something real.
            cursor.execute(
                "UPDATE courses_offer SET created_at = now() - ((id * 7919) %% 730) * interval '1 day', "
                "updated_at = now() - ((id * 7919) %% 365) * interval '1 day'",
                [],
            )
        self.offers = offers
        self.log(f"data: {len(offers)} offers, {len(topic_links)} topic links, {len(follow)} follow-ons")

    def _runs_and_sessions(self):
        rng = self.rng
        # Every offer gets at least one run; the rest are spread at random (so 1..~9 runs per offer).
        counts = [1] * N_OFFERS
        for _ in range(N_RUNS - N_OFFERS):
            counts[rng.randrange(N_OFFERS)] += 1
        semester_weights = [10, 30, 42, 18][: len(self.semesters)]
        runs, plans = [], []
        for offer, count in zip(self.offers, counts, strict=True):
            for index in range(count):
                semester = rng.choices(self.semesters, weights=semester_weights)[0]
                sessions = self._plan_sessions(semester)
                first = sessions[0][0]
                registration = rng.random() < 0.6 and offer.join_method != Offer.JoinMethod.DROP_IN
                runs.append(
                    Run(
                        offer=offer,
                        semester=semester,
                        name=rng.choice(["", "", "Tirsdagsgruppen", "Kveldsgruppen", "Gruppe 2", "Dagtid"])
                        if index
                        else "",
                        capacity=rng.choice([6, 8, 10, 12, 12, 15, 20, 25, 30]),
                        registration_opens_at=first - dt.timedelta(days=45) if registration else None,
                        registration_closes_at=first - dt.timedelta(days=2) if registration else None,
                        status=Run.Status.PUBLISHED,
                        published_at=first - dt.timedelta(days=60),
                        facilitators=", ".join(rng.sample(words.FACILITATORS, rng.randint(0, 2))),
                    )
                )
                plans.append((offer, sessions))
        Run.objects.bulk_create(runs, batch_size=BATCH)
        session_rows = []
        for run, (offer, sessions) in zip(runs, plans, strict=True):
            themes = words.THEMES_DA if offer.content_language == "da" else words.THEMES_NB
            other_locations = self.locations_of[offer.provider_id]
            for i, (starts_at, ends_at) in enumerate(sessions):
                location = offer.location_id
                if location is None or rng.random() < 0.1:
                    location = rng.choice(other_locations).pk
                session_rows.append(
                    Session(
                        run=run,
                        starts_at=starts_at,
                        ends_at=ends_at,
                        location_id=location,
                        theme=themes[i] if i < len(themes) and rng.random() < 0.5 else "",
                    )
                )
        Session.objects.bulk_create(session_rows, batch_size=BATCH)
        self.runs = runs
        self.log(f"data: {len(runs)} runs, {len(session_rows)} sessions")

    def _plan_sessions(self, semester):
        rng = self.rng
        count = rng.randint(3, 6)
        every = 14 if rng.random() < 0.15 else 7
        span = (semester.ends_on - semester.starts_on).days - every * (count - 1)
        start_day = semester.starts_on + dt.timedelta(days=rng.randrange(max(span, 1)))
        if semester.starts_on <= self.today <= semester.ends_on and rng.random() < 0.75:
            # Most runs of the semester under way are still going or about to start.
            start_day = max(semester.starts_on, self.today + dt.timedelta(days=rng.randint(-21, 14)))
        weekday = rng.choices(range(7), weights=WEEKDAY_WEIGHTS)[0]
        start_day += dt.timedelta(days=(weekday - start_day.weekday()) % 7)
        hour = rng.choice(START_HOURS)
        minute = rng.choice([0, 0, 30])
        duration = dt.timedelta(minutes=rng.choice([90, 120, 120, 150, 180]))
        # Some runs meet twice a week: the second gathering two days later, at another time.
        twice = rng.random() < 0.15
        sessions = []
        for i in range(count):
            if twice:
                day = start_day + dt.timedelta(days=7 * (i // 2) + (2 if i % 2 else 0))
                h = hour if i % 2 == 0 else min(hour + 6, 20) if hour < 14 else max(hour - 8, 9)
            else:
                day = start_day + dt.timedelta(days=every * i)
                h = hour
            starts_at = dt.datetime(day.year, day.month, day.day, h, minute, tzinfo=TZ)
            sessions.append((starts_at, starts_at + duration))
        return sessions

    def _enrolments(self):
        rng = self.rng
        now = timezone.now()
        rows = []
        S = Enrolment.Status
        has_offer_deadline = any(f.name == "offer_expires_at" for f in Enrolment._meta.get_fields())
        for run in self.runs:
            if run.semester_id == self.semesters[0].pk:
                continue  # past runs: their seats no longer show anywhere
            roll = rng.random()
            capacity = run.capacity
            if roll < 0.35:
                confirmed = 0
            elif roll < 0.75:
                confirmed = rng.randint(1, max(capacity - 4, 1))
            elif roll < 0.9:
                confirmed = rng.randint(max(capacity - 3, 0), capacity)  # 0-3 seats left
            else:
                confirmed = capacity  # full, with a waiting list
            waitlisted = rng.randint(1, 5) if confirmed == capacity else 0
            cancelled = rng.randint(0, 2) if confirmed else 0
            people = rng.sample(self.user_ids, confirmed + waitlisted + cancelled)
            statuses = [S.CONFIRMED] * confirmed + [S.WAITLISTED] * waitlisted + [S.CANCELLED] * cancelled
            if confirmed > 2 and rng.random() < 0.2:
                statuses[0] = S.OFFERED
            for person, status in zip(people, statuses, strict=True):
                extra = {}
                if status == S.OFFERED and has_offer_deadline:
                    extra["offer_expires_at"] = now + dt.timedelta(days=2)  # an offered seat has a deadline
                rows.append(
                    Enrolment(
                        run_id=run.pk,
                        person_id=person,
                        status=status,
                        source=rng.choice([Enrolment.Source.SELF, Enrolment.Source.SELF, Enrolment.Source.REFERRAL]),
                        created_at=now,
                        **extra,
                    )
                )
        Enrolment.objects.bulk_create(rows, batch_size=BATCH)
        self.log(f"data: {len(rows)} enrolments from {N_USERS} users")

    def _refresh(self):
        # Same effect as courses.services.refresh_run_dates(run_ids=...) for every run, in one statement.
        with connection.cursor() as cursor:
            cursor.execute(
                """
                UPDATE courses_run AS r SET starts_at = s.first, ends_at = s.last
                FROM (SELECT run_id, min(starts_at) AS first, max(ends_at) AS last
                      FROM courses_session GROUP BY run_id) AS s
                WHERE s.run_id = r.id
                """
            )
        services.refresh_offer_search()
