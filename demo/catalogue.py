"""Fill the database with the demo catalogue. Safe to run again: it updates what is there."""

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from courses import services
from courses.days_off import days_off
from courses.models import District, Location, Municipality, Offer, Provider, Run, Semester, Session, Topic
from demo import content
from enrolment.models import Enrolment

DEMO_PARTICIPANT_DOMAIN = "deltaker.example.no"
DEMO_PARTICIPANTS = 220


@dataclass(frozen=True)
class Semesters:
    current: Semester
    next: Semester
    after: Semester


def semesters_around(today: dt.date) -> tuple[tuple[str, str, dt.date, dt.date], ...]:
    """The current semester and the two after it, as (slug, name, starts_on, ends_on)."""

    def spring(year):
        return (f"var-{year}", f"Vår {year}", dt.date(year, 1, 11), dt.date(year, 6, 18))

    def autumn(year):
        return (f"host-{year}", f"Høst {year}", dt.date(year, 8, 17), dt.date(year, 12, 18))

    year = today.year
    if today.month >= 8:
        return autumn(year), spring(year + 1), autumn(year + 1)
    return spring(year), autumn(year), spring(year + 1)


def load_demo_catalogue(*, today: dt.date | None = None) -> dict[str, int]:
    today = today or timezone.localdate()
    with transaction.atomic():
        loader = _Loader(today)
        loader.run()
    services.refresh_offer_search()
    return {
        "offers": Offer.objects.count(),
        "runs": Run.objects.count(),
        "sessions": Session.objects.count(),
        "enrolments": Enrolment.objects.count(),
    }


class _Loader:
    def __init__(self, today):
        self.today = today
        self.tz = timezone.get_default_timezone()
        self.touched_runs = []
        self.days_off = {}

    def run(self):
        self.municipalities, self.districts = self._places()
        self.topics = {
            slug: Topic.objects.update_or_create(slug=slug, defaults={"name": name})[0] for slug, name in content.TOPICS
        }
        self.providers = {p["slug"]: self._provider(p) for p in content.PROVIDERS}
        self.locations = {loc["key"]: self._location(loc) for loc in content.LOCATIONS}
        slugs, names, starts, ends = zip(*semesters_around(self.today), strict=True)
        sems = [
            Semester.objects.update_or_create(slug=s, defaults={"name": n, "starts_on": a, "ends_on": b})[0]
            for s, n, a, b in zip(slugs, names, starts, ends, strict=True)
        ]
        self.sem = Semesters(*sems)
        self.participants = self._participants()

        self_help = self._self_help_groups()
        self._mas()
        self._mestringstreff(follow_on=self_help)
        self._gladsaxe()
        self._baerum_seminar()
        self._bergen_education()
        services.refresh_run_dates(run_ids=[run.pk for run in self.touched_runs])

    # --- building blocks -------------------------------------------------------------------------
    def _places(self):
        municipalities, districts = {}, {}
        for slug, name, country, district_list in content.MUNICIPALITIES:
            municipality = Municipality.objects.update_or_create(
                slug=slug, defaults={"name": name, "country": country}
            )[0]
            municipalities[slug] = municipality
            for d_slug, d_name in district_list:
                districts[d_slug] = District.objects.update_or_create(
                    slug=d_slug, defaults={"name": d_name, "municipality": municipality}
                )[0]
        return municipalities, districts

    def _provider(self, data):
        data = dict(data)
        slug = data.pop("slug")
        data["municipality"] = self.municipalities[data["municipality"]]
        return Provider.objects.update_or_create(slug=slug, defaults=data)[0]

    def _location(self, data):
        data = dict(data)
        data.pop("key")
        data["municipality"] = self.municipalities[data["municipality"]]
        data["district"] = self.districts.get(data.pop("district", None))
        return Location.objects.update_or_create(
            name=data["name"], street_address=data["street_address"], defaults=data
        )[0]

    def _participants(self):
        User = get_user_model()
        existing = set(
            User.objects.filter(email__endswith="@" + DEMO_PARTICIPANT_DOMAIN).values_list("email", flat=True)
        )
        new = []
        for number in range(1, DEMO_PARTICIPANTS + 1):
            email = f"deltaker{number:03d}@{DEMO_PARTICIPANT_DOMAIN}"
            if email not in existing:
                user = User(email=email, first_name=f"Deltaker {number}")
                user.set_unusable_password()
                new.append(user)
        User.objects.bulk_create(new)
        return list(User.objects.filter(email__endswith="@" + DEMO_PARTICIPANT_DOMAIN).order_by("email"))

    def _offer(self, *, slug, provider, topics=(), follow_on=(), **fields):
        fields.setdefault("is_published", True)
        offer = Offer.objects.update_or_create(slug=slug, defaults={"provider": self.providers[provider], **fields})[0]
        offer.topics.set([self.topics[t] for t in topics])
        if follow_on:
            offer.follow_on.set(follow_on)
        return offer

    def _run(
        self,
        offer,
        semester,
        *,
        name="",
        capacity,
        sessions,
        confirmed=0,
        opens=None,
        closes=None,
        facilitators="",
        location=None,
        waiting=0,
        follows=None,
        continuing_until=None,
    ):
        run = Run.objects.update_or_create(
            offer=offer,
            semester=semester,
            name=name,
            defaults={
                "capacity": capacity,
                "status": Run.Status.PUBLISHED,
                "published_at": timezone.now(),
                "registration_opens_at": self._at(opens, 9) if opens else None,
                "registration_closes_at": self._at(closes, 23, 59) if closes else None,
                "facilitators": facilitators,
                "follows": follows,
                "continuing_until": self._at(continuing_until, 9) if continuing_until else None,
            },
        )[0]
        location = location or offer.location
        for starts_at, ends_at, theme in sessions:
            Session.objects.update_or_create(
                run=run, starts_at=starts_at, defaults={"ends_at": ends_at, "theme": theme, "location": location}
            )
        # Dates follow today's date; sessions from an earlier load on another day go.
        run.sessions.exclude(starts_at__in=[starts_at for starts_at, _end, _theme in sessions]).delete()
        self._fill(run, confirmed, waiting)
        self.touched_runs.append(run)
        return run

    def _fill(self, run, confirmed, waiting=0):
        """Seed seats and a waiting list with demo participants (up to the numbers given)."""
        for status, wanted in ((Enrolment.Status.CONFIRMED, confirmed), (Enrolment.Status.WAITLISTED, waiting)):
            have = Enrolment.objects.filter(run=run, status=status).count()
            if have >= wanted:
                continue
            taken = set(Enrolment.objects.filter(run=run).values_list("person_id", flat=True))
            free_people = [p for p in self.participants if p.pk not in taken][: wanted - have]
            Enrolment.objects.bulk_create(
                Enrolment(run=run, person=person, status=status, source=Enrolment.Source.SELF) for person in free_people
            )

    def _at(self, day, hour, minute=0):
        return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)), self.tz)

    def _days_off(self, country):
        """The country's days off (courses.days_off), from last year to three years on: no session is on one."""
        if country not in self.days_off:
            self.days_off[country] = days_off(country, range(self.today.year - 1, self.today.year + 4))
        return self.days_off[country]

    def _weekly(self, first_day, count, *, country, start=(10, 0), end=(14, 0), themes=None, every=7):
        """`count` sessions `every` days apart from first_day. A day off is passed over (as a course takes a
        break at Easter), so the run still has `count` sessions."""
        off = self._days_off(country)
        sessions, day = [], first_day
        while len(sessions) < count:
            if day not in off:
                index = len(sessions)
                theme = themes[index] if themes and index < len(themes) else ""
                sessions.append((self._at(day, *start), self._at(day, *end), theme))
            day += dt.timedelta(days=every)
        return sessions

    def _working_day(self, day, country, *, days=1):
        """The day, or the same weekday a week later, and so on, until none of the `days` days from it is off."""
        off = self._days_off(country)
        while any(day + dt.timedelta(days=n) in off for n in range(days)):
            day += dt.timedelta(weeks=1)
        return day

    def _weekday_on_or_after(self, day, weekday):
        return day + dt.timedelta(days=(weekday - day.weekday()) % 7)

    # --- the offers -----------------------------------------------------------------------------
    def _mas(self):
        cur, nxt = self.sem.current, self.sem.next
        # 6 courses x 2 groups x 10 places x 2 semesters = 240 places a year.
        spring_fill = {
            "keramikk": (10, 8),
            "maling": (8, 7),
            "vev": (4, 6),
            "maskinstrikk": (9, 5),
            "kreativ-som": (6, 3),
            "lappesom": (5, 4),
        }
        for index, (slug, title, summary, topics) in enumerate(content.MAS_COURSES):
            offer = self._offer(
                slug=f"mas-{slug}",
                provider="mas",
                title=title,
                summary=summary,
                description=content.MAS_DESCRIPTION.format(title=title),
                what_happens_next=content.MAS_NEXT,
                kind=Offer.Kind.CRAFT_COURSE,
                audience=[Offer.Audience.CITIZENS],
                join_method=Offer.JoinMethod.REFERRAL,
                min_age=18,
                max_age=67,
                languages=[Offer.Language.NORWEGIAN],
                price=0,
                cost_note="Materialer er inkludert.",
                municipality=self.municipalities["oslo"],
                district=self.districts["alna"],
                location=self.locations["mas"],
                contact_name="Inntak MAS",
                contact_email="inntak@mas.example.no",
                contact_phone="22 00 10 11",
                topics=topics,
            )
            teachers = ["Kari Nordmann, Ahmed Ali", "Ingrid Berg", "Tonje Dahl, Per Hansen"][index % 3]
            country = offer.municipality.country
            for group, weekday, hours in (
                ("Formiddagsgruppen", index % 4, ((10, 0), (13, 0))),
                ("Ettermiddagsgruppen", (index + 2) % 4, ((13, 30), (16, 0))),
            ):
                autumn_first = self._weekday_on_or_after(cur.starts_on + dt.timedelta(days=1), weekday)
                autumn = self._run(
                    offer,
                    cur,
                    name=group,
                    capacity=10,
                    sessions=self._weekly(autumn_first, 16, country=country, start=hours[0], end=hours[1]),
                    confirmed=10 if group == "Formiddagsgruppen" else 9,
                    opens=cur.starts_on - dt.timedelta(days=90),
                    closes=cur.starts_on - dt.timedelta(days=14),
                    facilitators=teachers,
                )
                spring_first = self._weekday_on_or_after(nxt.starts_on + dt.timedelta(days=1), weekday)
                fill = spring_fill[slug][0 if group == "Formiddagsgruppen" else 1]
                self._run(
                    offer,
                    nxt,
                    name=group,
                    capacity=10,
                    sessions=self._weekly(spring_first, 20, country=country, start=hours[0], end=hours[1]),
                    confirmed=fill,
                    waiting=3 if fill == 10 else 0,
                    opens=self.today + dt.timedelta(days=10),
                    closes=nxt.starts_on - dt.timedelta(days=5),
                    facilitators=teachers,
                    # this semester's students have first claim on their seats for ten days
                    follows=autumn,
                    continuing_until=self.today + dt.timedelta(days=10),
                )

    def _self_help_groups(self):
        offers = []
        for key, municipality, district, location in (
            ("oslo", "oslo", "grorud", "grorud"),
            ("baerum", "baerum", None, "baerum-lms"),
            ("bergen", "bergen", None, "bergen"),
        ):
            name = self.municipalities[municipality].name
            offer = self._offer(
                slug=f"selvhjelpsgruppe-{key}",
                provider="selvhjelp-norge",
                title=f"Selvhjelpsgruppe i {name}",
                summary="Møt andre i en liten gruppe som styrer seg selv, og bruk egne erfaringer til å komme videre.",
                description=(
                    "I en selvhjelpsgruppe møtes fem til åtte personer fast for å dele erfaringer og støtte "
                    "hverandre. Gruppen har ingen leder; Selvhjelp Norge hjelper dere i gang og er der hvis dere "
                    "trenger noe. Mange begynner i en gruppe etter Mestringstreff."
                ),
                what_happens_next=(
                    "Ta kontakt med distriktskontoret. Vi tar en prat om hva du ønsker, og finner en gruppe som "
                    "passer, eller starter en ny."
                ),
                kind=Offer.Kind.SELF_HELP_GROUP,
                audience=[Offer.Audience.CITIZENS, Offer.Audience.RELATIVES],
                join_method=Offer.JoinMethod.CONTACT,
                min_age=18,
                languages=[Offer.Language.NORWEGIAN],
                municipality=self.municipalities[municipality],
                district=self.districts.get(district),
                location=self.locations[location],
                contact_name="Distriktskontoret",
                contact_email=f"{key}@selvhjelp.example.no",
                contact_phone="22 00 50 51",
                topics=["selvhjelp", "fellesskap"],
            )
            first = self._weekday_on_or_after(self.today + dt.timedelta(days=10), 2)
            self._run(
                offer,
                self.sem.next if first >= self.sem.next.starts_on else self.sem.current,
                name="Ny gruppe",
                capacity=8,
                sessions=self._weekly(first, 8, country=offer.municipality.country, start=(18, 0), end=(19, 30)),
                confirmed=3,
            )
            offers.append(offer)
        return offers

    def _mestringstreff(self, *, follow_on):
        plans = [
            # slug key, provider, municipality, district, location, when, capacity, confirmed
            ("grorud", "lms-grorud", "oslo", "grorud", "grorud", "next", 14, 11),
            ("baerum", "mestring-baerum", "baerum", None, "baerum-lms", "soon", 12, 12),
            ("bergen", "mestring-bergen", "bergen", None, "bergen", "soon", 15, 6),
        ]
        for key, provider, municipality, district, location, when, capacity, confirmed in plans:
            name = self.districts[district].name if district else self.municipalities[municipality].name
            offer = self._offer(
                slug=f"mestringstreff-{key}",
                provider=provider,
                title=f"Mestringstreff – {name}",
                summary=(
                    "Et kurs over seks samlinger der du møter andre, lærer mestringsverktøy og finner egne ressurser."
                ),
                description=content.MESTRINGSTREFF_DESCRIPTION,
                what_happens_next=(
                    "Meld deg på her, eller be en helsearbeider om å henvise deg. Før første samling ringer "
                    "en av kursholderne deg for en kort prat, så du vet hva du kommer til."
                ),
                kind=Offer.Kind.MASTERY_COURSE,
                audience=[Offer.Audience.CITIZENS],
                join_method=Offer.JoinMethod.OPEN,
                min_age=18,
                languages=[Offer.Language.NORWEGIAN],
                municipality=self.municipalities[municipality],
                district=self.districts.get(district),
                location=self.locations[location],
                contact_name="Kursholderne for Mestringstreff",
                contact_email=f"mestringstreff.{key}@example.no",
                contact_phone="23 00 20 21",
                topics=["mestring", "selvhjelp", "fellesskap"],
                follow_on=[o for o in follow_on if o.municipality_id == self.municipalities[municipality].pk],
            )
            if when == "soon":
                first = self._weekday_on_or_after(self.today + dt.timedelta(days=4), 3)
                semester = self.sem.current
                opens, closes = self.today - dt.timedelta(days=30), first - dt.timedelta(days=1)
            else:
                first = self._weekday_on_or_after(self.sem.next.starts_on + dt.timedelta(days=7), 1)
                semester = self.sem.next
                opens, closes = self.today - dt.timedelta(days=7), first - dt.timedelta(days=3)
            self._run(
                offer,
                semester,
                capacity=capacity,
                confirmed=confirmed,
                opens=opens,
                closes=closes,
                sessions=self._weekly(
                    first,
                    6,
                    country=offer.municipality.country,
                    start=(17, 30),
                    end=(20, 0),
                    themes=content.MESTRINGSTREFF_THEMES,
                ),
                facilitators="Line Aas (erfaringskonsulent), Jonas Moe",
            )

    def _gladsaxe(self):
        common = {
            "provider": "recoveryskolen-gladsaxe",
            "content_language": "da",
            "kind": Offer.Kind.RECOVERY_SCHOOL,
            "audience": [
                Offer.Audience.CITIZENS,
                Offer.Audience.RELATIVES,
                Offer.Audience.VOLUNTEERS,
                Offer.Audience.STAFF,
            ],
            "min_age": 18,
            "languages": [Offer.Language.DANISH],
            "municipality": self.municipalities["gladsaxe"],
            "location": self.locations["gladsaxe"],
            "contact_name": "Recoverykonsulenten",
            "contact_email": "recoveryskolen@gladsaxe.example.dk",
            "contact_phone": "39 00 60 61",
        }
        follow = {}
        for index, course in enumerate(content.GLADSAXE_COURSES):
            offer = self._offer(
                slug=f"gladsaxe-{course['slug']}",
                title=course["title"],
                summary=course["summary"],
                description=course["description"] + "\n\nKurset er uvisiteret og åbent for alle, der vil arbejde med "
                "deres egen recoveryproces og/eller støtte andres.",
                what_happens_next=(
                    "Kom bare forbi."
                    if course["join"] == "drop_in"
                    else "Tilmeld dig her. Du får en bekræftelse på mail, og vi glæder os til at se dig."
                ),
                join_method=course["join"],
                topics=course["topics"],
                **common,
            )
            follow[course["slug"]] = offer
            first = self._weekday_on_or_after(self.sem.next.starts_on + dt.timedelta(days=7 + index), index % 5)
            count = 12 if course["join"] == "drop_in" else 6
            self._run(
                offer,
                self.sem.next,
                capacity=25 if course["join"] == "drop_in" else 12,
                confirmed=[0, 0, 12, 4, 9][index],
                waiting=[0, 0, 2, 0, 0][index],
                opens=self.today - dt.timedelta(days=10),
                closes=first - dt.timedelta(days=1),
                facilitators="Frivillige peers fra Recoveryskolen",
                sessions=self._weekly(first, count, country=offer.municipality.country, start=(13, 0), end=(15, 30)),
            )
        mentor = self._offer(
            slug="gladsaxe-mentor-og-besogsven",
            title="Mentor og besøgsven",
            summary=(
                "En frivillig mentor eller besøgsven, som selv kender til psykisk sårbarhed, mødes med dig én til én."
            ),
            description=(
                "Føler du dig ensom eller isoleret, kan du få en frivillig mentor eller besøgsven. I mødes fast og "
                "finder på noget sammen – en gåtur, en kop kaffe, eller at komme med i et fællesskab. Mange af vores "
                "mentorer har selv været i behandling i psykiatrien, og deres erfaring er en ressource.\n\n"
                "40 borgere har fået støtte, og de fortæller om større livskvalitet, mere mod på social kontakt og "
                "et større netværk."
            ),
            what_happens_next=(
                "Kontakt recoverykonsulenten. Vi tager en snak om, hvad du ønsker, og finder en mentor eller "
                "besøgsven, der passer til dig."
            ),
            join_method=Offer.JoinMethod.CONTACT,
            topics=["recovery", "fellesskap", "frivillighet"],
            **{**common, "kind": Offer.Kind.MENTOR_SUPPORT, "audience": [Offer.Audience.CITIZENS]},
        )
        mentor_course = self._offer(
            slug="gladsaxe-recovery-mentor-kursus",
            title="Recovery-mentorkursus (20 timer)",
            summary="Bliv uddannet som recovery-mentor og brug dine egne erfaringer til at støtte andre.",
            description=(
                "Kurset for recovery-mentorer er på 20 timer fordelt på fem gange. Du lærer om recovery, om at "
                "lytte og støtte, og om din rolle som frivillig. 70 mentorer er uddannet indtil nu, og 32 er "
                "blevet frivillige bagefter.\n\nKurset er fortrinsvis for dig med egen erfaring fra psykiatrien."
            ),
            what_happens_next="Tilmeld dig her. Vi ringer dig op inden kursusstart for en kort snak.",
            join_method=Offer.JoinMethod.OPEN,
            topics=["recovery", "frivillighet", "erfaringskompetanse"],
            follow_on=[mentor],
            **{**common, "kind": Offer.Kind.VOLUNTEER_TRAINING, "audience": [Offer.Audience.VOLUNTEERS]},
        )
        first = self._weekday_on_or_after(self.sem.next.starts_on + dt.timedelta(days=21), 1)
        self._run(
            mentor_course,
            self.sem.next,
            capacity=16,
            confirmed=13,
            opens=self.today - dt.timedelta(days=14),
            closes=first - dt.timedelta(days=7),
            facilitators="Recoverykonsulent og peermedarbejder",
            sessions=self._weekly(first, 5, country=mentor_course.municipality.country, start=(9, 0), end=(13, 0)),
        )
        lecture = self._offer(
            slug="gladsaxe-foredrag-og-netvaerk",
            title="Foredrag og netværksmøde: Recovery i hverdagen",
            summary="Et åbent foredrag og netværksmøde for borgere, pårørende, frivillige og medarbejdere.",
            description=(
                "Vi inviterer til foredrag og netværksmøde om recovery i hverdagen – med oplæg fra frivillige "
                "mentorer og tid til at møde hinanden på tværs af kommune og region."
            ),
            what_happens_next="Tilmeld dig, så vi ved, hvor meget kaffe vi skal lave.",
            join_method=Offer.JoinMethod.OPEN,
            topics=["recovery", "fellesskap"],
            **{**common, "kind": Offer.Kind.LECTURE},
        )
        day = self._working_day(
            self._weekday_on_or_after(self.today + dt.timedelta(days=16), 3), lecture.municipality.country
        )
        self._run(
            lecture,
            self.sem.current if day <= self.sem.current.ends_on else self.sem.next,
            capacity=60,
            confirmed=22,
            opens=self.today - dt.timedelta(days=20),
            closes=day - dt.timedelta(days=1),
            sessions=[(self._at(day, 17, 0), self._at(day, 19, 30), "Recovery i hverdagen")],
        )
        follow["livshistorie"].follow_on.set([follow["recoverycafe"], mentor])

    def _baerum_seminar(self):
        offer = self._offer(
            slug="recoveryseminar-baerum",
            provider="psykisk-helse-rus-baerum",
            title="Recoveryseminar i Bærum",
            summary="To dager om recovery: når personen selv er sjef i eget liv. For ansatte, brukere og pårørende.",
            description=(
                "Bærum kommune samler rundt 200 deltakere til et seminar om recoveryorientert praksis. Recovery "
                "handler om å skape seg et meningsfullt liv, slik personen selv definerer det, med og uten "
                "symptomer. Det er ikke et behandlingstilbud.\n\n"
                "Du møter forskere, erfaringskonsulenter og brukerorganisasjoner, med tid til refleksjon rundt "
                "bordene og i pausene."
            ),
            what_happens_next="Meld deg på her. Du får program og praktisk informasjon på e-post en uke før.",
            kind=Offer.Kind.LECTURE,
            audience=[Offer.Audience.STAFF, Offer.Audience.CITIZENS, Offer.Audience.RELATIVES],
            join_method=Offer.JoinMethod.OPEN,
            min_age=18,
            languages=[Offer.Language.NORWEGIAN],
            municipality=self.municipalities["baerum"],
            location=self.locations["sandvika"],
            contact_name="Seksjon psykisk helse og rus",
            contact_email="recovery@baerum.example.no",
            contact_phone="67 00 30 41",
            topics=["recovery", "erfaringskompetanse"],
        )
        day = self._working_day(
            self._weekday_on_or_after(self.sem.next.starts_on + dt.timedelta(days=14), 2),
            offer.municipality.country,
            days=2,
        )
        self._run(
            offer,
            self.sem.next,
            capacity=200,
            confirmed=188,
            opens=self.today - dt.timedelta(days=30),
            closes=day - dt.timedelta(days=7),
            sessions=[
                (self._at(day, 9, 0), self._at(day, 16, 0), "Hva er recovery?"),
                (
                    self._at(day + dt.timedelta(days=1), 9, 0),
                    self._at(day + dt.timedelta(days=1), 15, 0),
                    "Recoveryorientert praksis i hverdagen",
                ),
            ],
        )

    def _bergen_education(self):
        offer = self._offer(
            slug="medarbeider-med-brukererfaring-bergen",
            provider="bergen-kommune-helse",
            title="Medarbeider med brukererfaring – ettårig utdanning",
            summary=(
                "Et år med teori, praksis og en skriftlig oppgave, for deg som vil bruke egen erfaring til å "
                "hjelpe andre."
            ),
            description=(
                "Utdanningen gjør egen erfaring som bruker av psykiske helsetjenester om til kompetanse som "
                "hjelper. Året har tre deler som henger sammen: 10 uker og 140 timer teori (psykologi, "
                "kommunikasjon, veiledning, juss, profesjonell rolle og taushetsplikt), 14 uker praksis med "
                "veiledning, og en skriftlig oppgave der du kobler egen erfaring med ny kunnskap.\n\n"
                "Av de første kullene fullførte 29 av 48, og 28 jobber nå i psykiske helsetjenester."
            ),
            what_happens_next=(
                "Send en søknad med et motivasjonsbrev før fristen. Noen blir invitert til intervju, og 15 blir "
                "tatt opp i kullet. Alle får svar."
            ),
            kind=Offer.Kind.EDUCATION,
            audience=[Offer.Audience.CITIZENS],
            join_method=Offer.JoinMethod.APPLICATION,
            min_age=20,
            languages=[Offer.Language.NORWEGIAN],
            municipality=self.municipalities["bergen"],
            location=self.locations["bergen"],
            contact_name="Spesialrådgiver for psykisk helse",
            contact_email="mb-utdanning@bergen.example.no",
            contact_phone="55 00 40 51",
            topics=["erfaringskompetanse", "recovery"],
        )
        first = self._weekday_on_or_after(self.sem.after.starts_on + dt.timedelta(days=7), 0)
        off = self._days_off(offer.municipality.country)
        sessions = []
        for week in range(10):
            for weekday, start, end in ((0, (9, 0), (16, 0)), (2, (9, 0), (16, 0))):
                day = first + dt.timedelta(days=7 * week + weekday)
                if day in off:
                    continue
                sessions.append((self._at(day, *start), self._at(day, *end), f"Teori, uke {week + 1}"))
        self._run(
            offer,
            self.sem.after,
            name="Kull " + str(self.sem.after.starts_on.year),
            capacity=15,
            confirmed=0,
            opens=self.today - dt.timedelta(days=5),
            closes=self.sem.next.starts_on + dt.timedelta(days=80),
            facilitators="Audun Pedersen",
            sessions=sessions,
        )
