"""The catalogue: who offers what, where and when. How many seats a run has left is the enrolment app's to
count (enrolment.seats), from the enrolments themselves."""

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Country(models.TextChoices):
    NORWAY = "NO", _("Norge")
    DENMARK = "DK", _("Danmark")


class Municipality(models.Model):
    name = models.CharField(_("navn"), max_length=100)
    slug = models.SlugField(_("kortnavn"), unique=True)
    country = models.CharField(_("land"), max_length=2, choices=Country.choices, default=Country.NORWAY)
    referral_retention_days = models.PositiveSmallIntegerField(
        _("dager før avsluttede henvisninger slettes"),
        default=183,
        help_text=_("Personopplysninger i avsluttede henvisninger slettes etter så mange dager. Tallene blir igjen."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("kommune")
        verbose_name_plural = _("kommuner")

    def __str__(self):
        return self.name


class District(models.Model):
    """A city district (bydel), e.g. Bydel Grorud in Oslo."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="districts", verbose_name=_("kommune")
    )
    name = models.CharField(_("navn"), max_length=100)
    slug = models.SlugField(_("kortnavn"), unique=True)

    class Meta:
        ordering = ["municipality__name", "name"]
        verbose_name = _("bydel")
        verbose_name_plural = _("bydeler")

    def __str__(self):
        return f"{self.name} ({self.municipality})"


class Provider(models.Model):
    class Kind(models.TextChoices):
        FOUNDATION = "foundation", _("Ideell stiftelse")
        LEARNING_AND_MASTERY = "learning_mastery", _("Kommunalt lærings- og mestringstilbud")
        RECOVERY_SCHOOL = "recovery_school", _("Recoveryskole")
        VOLUNTEER_CENTRE = "volunteer_centre", _("Frivilligsentral")
        SELF_HELP = "self_help", _("Selvhjelpsorganisasjon")
        MUNICIPAL_SERVICE = "municipal_service", _("Kommunal tjeneste")

    name = models.CharField(_("navn"), max_length=200)
    slug = models.SlugField(_("kortnavn"), unique=True)
    kind = models.CharField(_("type"), max_length=30, choices=Kind.choices)
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="providers", verbose_name=_("kommune")
    )
    description = models.TextField(_("beskrivelse"), blank=True)
    content_language = models.CharField(
        _("språk i teksten"),
        max_length=2,
        choices=[("nb", "norsk"), ("da", "dansk")],
        default="nb",
        help_text=_("Språket beskrivelsen er skrevet på."),
    )
    website = models.URLField(_("nettside"), blank=True)
    email = models.EmailField(_("e-post"), blank=True)
    phone = models.CharField(_("telefon"), max_length=30, blank=True)
    seat_offer_hours = models.PositiveSmallIntegerField(
        _("timer til å svare på en ledig plass"),
        default=48,
        help_text=_("Så lenge får den neste på ventelisten til å ta imot en plass som er blitt ledig."),
    )
    max_active_per_semester = models.PositiveSmallIntegerField(
        _("høyst antall kurs per person per semester"),
        null=True,
        blank=True,
        help_text=_("Tomt betyr ingen grense."),
    )
    yearly_seat_budget = models.PositiveIntegerField(
        _("plasser per år"), null=True, blank=True, help_text=_("For eksempel rundt 240 elevplasser hos MAS.")
    )
    referral_hold_days = models.PositiveSmallIntegerField(
        _("dager en henvist kan få holdt av en plass"),
        default=7,
        help_text=_("Så lenge holdes en plass av for en person som er henvist, mens henvisningen behandles."),
    )
    referral_response_days = models.PositiveSmallIntegerField(
        _("svarfrist for henvisninger (dager)"),
        default=5,
        help_text=_("Vi minner koordinatorene på henvisninger som ikke er besvart innen fristen."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("tilbyder")
        verbose_name_plural = _("tilbydere")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("catalogue:provider", kwargs={"slug": self.slug})


class Location(models.Model):
    name = models.CharField(_("navn på stedet"), max_length=200)
    street_address = models.CharField(_("adresse"), max_length=200)
    postal_code = models.CharField(_("postnummer"), max_length=10)
    city = models.CharField(_("poststed"), max_length=100)
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="locations", verbose_name=_("kommune")
    )
    district = models.ForeignKey(
        District, on_delete=models.SET_NULL, null=True, blank=True, related_name="locations", verbose_name=_("bydel")
    )
    transport = models.TextField(_("slik kommer du dit"), blank=True)
    step_free = models.BooleanField(_("trinnfri adkomst"), default=False)
    hearing_loop = models.BooleanField(_("teleslynge"), default=False)
    accessible_toilet = models.BooleanField(_("tilrettelagt toalett"), default=False)
    accessibility_notes = models.TextField(_("mer om tilgjengelighet"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("sted")
        verbose_name_plural = _("steder")

    def __str__(self):
        return f"{self.name}, {self.street_address}"

    @property
    def one_line_address(self):
        return f"{self.street_address}, {self.postal_code} {self.city}"


class Topic(models.Model):
    name = models.CharField(_("navn"), max_length=80)
    slug = models.SlugField(_("kortnavn"), unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("emne")
        verbose_name_plural = _("emner")

    def __str__(self):
        return self.name


class Semester(models.Model):
    name = models.CharField(_("navn"), max_length=50)
    slug = models.SlugField(_("kortnavn"), unique=True)
    starts_on = models.DateField(_("starter"))
    ends_on = models.DateField(_("slutter"))

    class Meta:
        ordering = ["starts_on"]
        verbose_name = _("semester")
        verbose_name_plural = _("semestre")
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gt=F("starts_on")), name="semester_ends_after_start"),
        ]

    def __str__(self):
        return self.name


class OfferQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)

    def kind_counts(self):
        """[(kind value, label, number of offers)] for every kind, in the order of Offer.Kind."""
        counts = dict(self.order_by().values_list("kind").annotate(n=Count("pk")))
        return [(kind.value, kind.label, counts.get(kind.value, 0)) for kind in Offer.Kind]

    def with_next_start(self):
        """The start of the offer's next run that has not started yet (for "starting soonest")."""
        next_run = (
            Run.objects.published()
            .filter(offer=OuterRef("pk"), starts_at__gte=timezone.now())
            .order_by("starts_at")
            .values("starts_at")[:1]
        )
        return self.annotate(next_start=Subquery(next_run))


class Offer(models.Model):
    class Kind(models.TextChoices):
        CRAFT_COURSE = "craft_course", _("Håndverkskurs")
        MASTERY_COURSE = "mastery_course", _("Mestringskurs")
        RECOVERY_SCHOOL = "recovery_school", _("Recoveryskole")
        SELF_HELP_GROUP = "self_help_group", _("Selvhjelpsgruppe")
        MENTOR_SUPPORT = "mentor_support", _("Mentor og besøksvenn")
        VOLUNTEER_TRAINING = "volunteer_training", _("Opplæring for frivillige")
        LECTURE = "lecture", _("Foredrag og seminar")
        EDUCATION = "education", _("Utdanning")

    class JoinMethod(models.TextChoices):
        OPEN = "open", _("Åpen påmelding")
        REFERRAL = "referral", _("Henvisning trengs")
        APPLICATION = "application", _("Søknad")
        DROP_IN = "drop_in", _("Kom når du vil")
        CONTACT = "contact", _("Ta kontakt først")

    class Audience(models.TextChoices):
        CITIZENS = "citizens", _("Deg som ønsker et tilbud selv")
        RELATIVES = "relatives", _("Pårørende")
        VOLUNTEERS = "volunteers", _("Frivillige")
        STAFF = "staff", _("Ansatte")

    class Language(models.TextChoices):
        NORWEGIAN = "no", _("Norsk")
        DANISH = "da", _("Dansk")
        ENGLISH = "en", _("Engelsk")
        SWEDISH = "sv", _("Svensk")

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="offers", verbose_name=_("tilbyder"))
    title = models.CharField(_("tittel"), max_length=200)
    slug = models.SlugField(_("kortnavn"), max_length=220, unique=True)
    summary = models.CharField(_("kort om tilbudet"), max_length=300)
    description = models.TextField(_("beskrivelse"))
    what_happens_next = models.TextField(
        _("slik blir du med"), blank=True, help_text=_("Hva skjer etter påmelding, søknad eller henvisning.")
    )
    content_language = models.CharField(
        _("språk i teksten"), max_length=2, choices=[("nb", "norsk"), ("da", "dansk")], default="nb"
    )
    kind = models.CharField(_("type tilbud"), max_length=30, choices=Kind.choices)
    audience = ArrayField(
        models.CharField(max_length=20, choices=Audience.choices), verbose_name=_("for hvem"), default=list
    )
    join_method = models.CharField(_("slik blir du med"), max_length=20, choices=JoinMethod.choices)
    min_age = models.PositiveSmallIntegerField(_("laveste alder"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(_("høyeste alder"), null=True, blank=True)
    languages = ArrayField(
        models.CharField(max_length=2, choices=Language.choices), verbose_name=_("språk"), default=list
    )
    price = models.PositiveIntegerField(_("pris"), default=0, help_text=_("0 betyr gratis."))
    cost_note = models.CharField(_("om prisen"), max_length=200, blank=True)
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="offers", verbose_name=_("kommune")
    )
    district = models.ForeignKey(
        District, on_delete=models.SET_NULL, null=True, blank=True, related_name="offers", verbose_name=_("bydel")
    )
    location = models.ForeignKey(
        Location,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="offers",
        verbose_name=_("fast sted"),
        help_text=_("Stedet der tilbudet vanligvis holdes."),
    )
    contact_name = models.CharField(_("kontaktperson"), max_length=100, blank=True)
    contact_email = models.EmailField(_("e-post"), blank=True)
    contact_phone = models.CharField(_("telefon"), max_length=30, blank=True)
    topics = models.ManyToManyField(Topic, blank=True, related_name="offers", verbose_name=_("emner"))
    follow_on = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="leads_from",
        verbose_name=_("neste steg"),
        help_text=_("Tilbud det er naturlig å gå videre til etterpå."),
    )
    is_published = models.BooleanField(_("publisert"), default=False)
    created_at = models.DateTimeField(_("opprettet"), auto_now_add=True)
    updated_at = models.DateTimeField(_("endret"), auto_now=True)
    search_vector = SearchVectorField(null=True, editable=False)

    objects = OfferQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        verbose_name = _("tilbud")
        verbose_name_plural = _("tilbud")
        indexes = [
            GinIndex(fields=["search_vector"], name="offer_search_gin"),
            GinIndex(fields=["audience"], name="offer_audience_gin"),
            GinIndex(fields=["languages"], name="offer_languages_gin"),
            models.Index(fields=["is_published", "kind"], name="offer_published_kind"),
            models.Index(fields=["-created_at"], name="offer_newest"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_age__isnull=True) | Q(max_age__isnull=True) | Q(max_age__gte=F("min_age")),
                name="offer_max_age_not_below_min_age",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("catalogue:detail", kwargs={"slug": self.slug})

    @property
    def is_free(self):
        return self.price == 0

    @property
    def needs_sign_up(self):
        return self.join_method != self.JoinMethod.DROP_IN

    @property
    def audience_labels(self) -> list[str]:
        return [str(self.Audience(value).label) for value in self.audience]

    @property
    def language_labels(self) -> list[str]:
        return [str(self.Language(value).label) for value in self.languages]

    @property
    def age_text(self) -> str:
        if self.min_age is not None and self.max_age is not None:
            return _("%(min)s–%(max)s år") % {"min": self.min_age, "max": self.max_age}
        if self.min_age is not None:
            return _("Fra %(min)s år") % {"min": self.min_age}
        if self.max_age is not None:
            return _("Opp til %(max)s år") % {"max": self.max_age}
        return ""

    @property
    def currency(self) -> str:
        return "DKK" if self.municipality.country == Country.DENMARK else "NOK"

    @property
    def join_explanation(self) -> str:
        return JOIN_EXPLANATIONS[self.join_method]

    @property
    def has_age_limits(self) -> bool:
        """Whether joining needs the person's birth date (it is asked for only then)."""
        return self.min_age is not None or self.max_age is not None

    def fits_age(self, age: int) -> bool:
        return (self.min_age is None or age >= self.min_age) and (self.max_age is None or age <= self.max_age)


JOIN_EXPLANATIONS = {
    Offer.JoinMethod.OPEN: _("Du melder deg på selv. Du trenger ikke henvisning eller diagnose."),
    Offer.JoinMethod.REFERRAL: _(
        "En helsearbeider, for eksempel i kommunen eller bydelen din, sender en henvisning sammen med deg. "
        "Du kan også ta kontakt selv for å høre mer."
    ),
    Offer.JoinMethod.APPLICATION: _(
        "Du sender en søknad. Etterpå blir du kanskje invitert til en samtale, og så får du svar."
    ),
    Offer.JoinMethod.DROP_IN: _("Du trenger ikke melde deg på. Bare kom når det passer for deg."),
    Offer.JoinMethod.CONTACT: _("Ta kontakt, så finner dere ut sammen om tilbudet passer og hvordan du blir med."),
}


class RunQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Run.Status.PUBLISHED)

    def ever_published(self):
        """Runs the public has seen: published ones, and cancelled ones that were published, whose calendar file
        and sign-up page are how people who kept them learn they are off. A draft cancelled before it was
        published never handed out its dates, so it has nothing to correct and keeps them to itself."""
        return self.filter(status__in=[Run.Status.PUBLISHED, Run.Status.CANCELLED], published_at__isnull=False)

    def public(self):
        """Runs with a public sign-up page: ever published, of an offer that is shown. Nobody signs up to
        another on their own, whatever a hand-made form names."""
        return self.ever_published().filter(offer__is_published=True)

    def upcoming(self, now=None):
        """Published runs that have not ended yet (ongoing runs included)."""
        return self.published().filter(ends_at__gte=now or timezone.now())


class Run(models.Model):
    """One run of an offer in a semester, with its own seats and sessions."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Utkast")
        PUBLISHED = "published", _("Publisert")
        CANCELLED = "cancelled", _("Avlyst")

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="runs", verbose_name=_("tilbud"))
    semester = models.ForeignKey(Semester, on_delete=models.PROTECT, related_name="runs", verbose_name=_("semester"))
    name = models.CharField(
        _("navn på gruppen"), max_length=100, blank=True, help_text=_("For eksempel «Tirsdagsgruppen».")
    )
    capacity = models.PositiveIntegerField(_("antall plasser"))
    registration_opens_at = models.DateTimeField(_("påmeldingen åpner"), null=True, blank=True)
    registration_closes_at = models.DateTimeField(_("påmeldingsfrist"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    # Set when the run is published (enrolment.services.runs.publish_run) and kept when it is cancelled: whether its
    # dates were ever public decides whether a cancelled run still has a calendar file (ever_published).
    published_at = models.DateTimeField(_("publisert"), null=True, blank=True, editable=False)
    facilitators = models.CharField(
        _("kursholdere"), max_length=300, blank=True, help_text=_("Navnene slik de skal vises, skilt med komma.")
    )
    follows = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="followed_by",
        verbose_name=_("fortsetter fra"),
        help_text=_("Deltakerne på forrige gjennomføring får melde seg på først."),
    )
    continuing_until = models.DateTimeField(
        _("plasser holdes for dem som fortsetter, til"),
        null=True,
        blank=True,
        help_text=_("Før dette kan bare deltakere fra forrige gjennomføring melde seg på."),
    )
    # First and last session, kept in step with the sessions by courses.services.refresh_run_dates.
    starts_at = models.DateTimeField(_("første samling"), null=True, blank=True, editable=False)
    ends_at = models.DateTimeField(_("siste samling slutter"), null=True, blank=True, editable=False)

    objects = RunQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "pk"]
        verbose_name = _("gjennomføring")
        verbose_name_plural = _("gjennomføringer")
        indexes = [
            models.Index(fields=["offer", "status", "ends_at"], name="run_offer_upcoming"),
            models.Index(fields=["status", "starts_at"], name="run_starting_soon"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gte=0), name="run_capacity_not_negative"),
            models.CheckConstraint(
                condition=Q(registration_opens_at__isnull=True)
                | Q(registration_closes_at__isnull=True)
                | Q(registration_closes_at__gt=F("registration_opens_at")),
                name="run_registration_closes_after_it_opens",
            ),
            models.CheckConstraint(
                condition=Q(starts_at__isnull=True) | Q(ends_at__gt=F("starts_at")),
                name="run_ends_after_start",
            ),
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False),
                name="run_published_has_published_at",
            ),
        ]

    def __str__(self):
        return f"{self.offer} – {self.semester}" + (f" – {self.name}" if self.name else "")

    @property
    def registration_phase(self) -> str:
        """ "not_yet", "open" or "closed", for what the offer page says about signing up."""
        now = timezone.now()
        if self.registration_opens_at and now < self.registration_opens_at:
            return "not_yet"
        if self.registration_closes_at and now >= self.registration_closes_at:
            return "closed"
        return "open"

    @property
    def is_ongoing(self) -> bool:
        now = timezone.now()
        return bool(self.starts_at and self.ends_at and self.starts_at <= now < self.ends_at)

    @property
    def continuing_window_open(self) -> bool:
        return self.continuing_window_open_at(timezone.now())

    def continuing_window_open_at(self, now) -> bool:
        """Whether seats are still held for the participants of the run this one follows (enrolment.seats)."""
        return bool(self.follows_id and self.continuing_until and now < self.continuing_until)

    @property
    def facilitator_names(self) -> list[str]:
        return [name.strip() for name in self.facilitators.split(",") if name.strip()]


class Session(models.Model):
    """One gathering (samling) of a run."""

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("gjennomføring"))
    starts_at = models.DateTimeField(_("starter"))
    ends_at = models.DateTimeField(_("slutter"))
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, null=True, blank=True, related_name="sessions", verbose_name=_("sted")
    )
    theme = models.CharField(pgettext_lazy("session", "tema"), max_length=200, blank=True)
    # The revision of the session's calendar event (RFC 5545 SEQUENCE), raised by
    # courses.services.raise_revised_sequences whenever what a calendar shows of it changes.
    sequence = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("samling")
        verbose_name_plural = _("samlinger")
        indexes = [
            models.Index(fields=["run", "starts_at"], name="session_run_start"),
            # The catalogue's weekday and time-of-day filters, in local time (TIME_ZONE, as the filters
            # use it). Without it PostgreSQL has no statistics for these expressions, guesses that almost
            # no session matches, and computes the time zone conversion for every session instead.
            models.Index(
                ExtractIsoWeekDay("starts_at"), ExtractHour("starts_at"), F("run"), name="session_local_weekday_hour"
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="session_ends_after_start"),
        ]

    def __str__(self):
        return f"{self.run} {self.starts_at:%Y-%m-%d %H:%M}"
