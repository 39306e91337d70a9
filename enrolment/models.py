"""A person's place in a run, the waiting list, attendance and interest in the next semester.

Seats are never counted in a column: what is left is the run's capacity minus the enrolments
that hold a seat (confirmed, offered a freed seat, completed). All changes go through
enrolment.services, which locks the run row first.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from courses.models import Run, Session


class EnrolmentQuerySet(models.QuerySet):
    def holding_seats(self):
        return self.filter(status__in=Enrolment.SEAT_HOLDING)

    def active(self):
        return self.filter(status__in=Enrolment.ACTIVE)

    def waiting_in_order(self):
        """The fair order of a waiting list: manual priority first, then who came first."""
        return self.filter(status=Enrolment.Status.WAITLISTED).order_by("-priority", "created_at", "pk")

    def waiting_position(self, enrolment) -> tuple[int, int] | None:
        """(my place, how many wait), e.g. (3, 7) for "nummer 3 av 7"; None for someone not (or no longer)
        waiting. Read in one query, so a status read a moment earlier may be out of date: callers go by this."""
        queue = list(self.filter(run_id=enrolment.run_id).waiting_in_order().values_list("pk", flat=True))
        if enrolment.pk not in queue:
            return None
        return queue.index(enrolment.pk) + 1, len(queue)


class Enrolment(models.Model):
    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Påmeldt")
        WAITLISTED = "waitlisted", _("På venteliste")
        OFFERED = "offered", _("Tilbudt ledig plass")
        HELD = "held", _("Plass holdt av (henvisning)")
        CANCELLED = "cancelled", _("Avmeldt")
        COMPLETED = "completed", _("Fullført")
        DROPPED_OUT = "dropped_out", _("Sluttet")

    class Source(models.TextChoices):
        SELF = "self", _("Meldte seg på selv")
        REFERRAL = "referral", _("Henvist")
        APPLICATION = "application", _("Søknad")
        CONTINUING = "continuing", _("Fortsetter fra forrige semester")
        COORDINATOR = "coordinator", _("Lagt til av koordinator")

    # Statuses that use up a seat in the run.
    SEAT_HOLDING = [Status.CONFIRMED, Status.OFFERED, Status.HELD, Status.COMPLETED]
    ACTIVE = [Status.CONFIRMED, Status.WAITLISTED, Status.OFFERED, Status.HELD]

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    run = models.ForeignKey(
        "courses.Run", on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("gjennomføring")
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("person")
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    source = models.CharField(_("kilde"), max_length=20, choices=Source.choices, default=Source.SELF)
    priority = models.SmallIntegerField(
        _("prioritet på ventelisten"), default=0, help_text=_("Høyere tall kommer først. Endres bare med begrunnelse.")
    )
    offer_expires_at = models.DateTimeField(_("tilbudet gjelder til"), null=True, blank=True)
    offer_reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    wants_reminders = models.BooleanField(_("påminnelse dagen før hver samling"), default=False)
    created_at = models.DateTimeField(_("opprettet"), auto_now_add=True)
    updated_at = models.DateTimeField(_("endret"), auto_now=True)

    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("påmelding")
        verbose_name_plural = _("påmeldinger")
        indexes = [
            models.Index(fields=["run", "status"], name="enrolment_run_status"),
            models.Index(fields=["person", "status"], name="enrolment_person_status"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "person"],
                condition=Q(status__in=["confirmed", "waitlisted", "offered", "held"]),
                name="one_active_enrolment_per_person_per_run",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["offered", "held"], offer_expires_at__isnull=False)
                | ~Q(status__in=["offered", "held"]),
                name="a_seat_offer_or_hold_has_a_deadline",
            ),
        ]

    def __str__(self):
        return f"{self.run} ({self.get_status_display()})"

    @property
    def holds_seat(self) -> bool:
        return self.status in self.SEAT_HOLDING

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE


class Attendance(models.Model):
    class Status(models.TextChoices):
        PRESENT = "present", _("Til stede")
        ABSENT = "absent", _("Borte")
        EXCUSED = "excused", _("Meldt fravær")

    session = models.ForeignKey(
        "courses.Session", on_delete=models.CASCADE, related_name="attendance", verbose_name=_("samling")
    )
    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.CASCADE, related_name="attendance", verbose_name=_("påmelding")
    )
    status = models.CharField(_("oppmøte"), max_length=10, choices=Status.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("registrert av")
    )
    recorded_at = models.DateTimeField(_("registrert"), auto_now=True)

    class Meta:
        verbose_name = _("oppmøte")
        verbose_name_plural = _("oppmøte")
        constraints = [
            models.UniqueConstraint(fields=["session", "enrolment"], name="one_attendance_per_session_and_person"),
        ]

    def __str__(self):
        return f"{self.session} – {self.get_status_display()}"


class Interest(models.Model):
    """ "Tell me next semester": people to tell first when a new run of the offer is published."""

    offer = models.ForeignKey(
        "courses.Offer", on_delete=models.CASCADE, related_name="interests", verbose_name=_("tilbud")
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="interests", verbose_name=_("person")
    )
    created_at = models.DateTimeField(_("meldt"), auto_now_add=True)
    notified_at = models.DateTimeField(_("varslet"), null=True, blank=True)

    class Meta:
        verbose_name = _("interesse")
        verbose_name_plural = _("interesser")
        constraints = [
            models.UniqueConstraint(
                fields=["offer", "person"], condition=Q(notified_at__isnull=True), name="one_open_interest_per_offer"
            ),
        ]

    def __str__(self):
        return str(self.offer)


class SessionReminder(models.Model):
    """A reminder sent the day before a session (for participants who asked for them). Never sent twice."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="+")
    session = models.ForeignKey("courses.Session", on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "session"], name="one_reminder_per_session_and_person"),
        ]

    def __str__(self):
        return f"{self.session} ({self.sent_at:%Y-%m-%d})"

    @classmethod
    def due(cls, *, now, lead):
        sessions = Session.objects.filter(
            starts_at__gt=now, starts_at__lte=now + lead, run__status=Run.Status.PUBLISHED
        ).select_related("run")
        pairs = []
        for session in sessions:
            enrolments = Enrolment.objects.filter(
                run_id=session.run_id, status=Enrolment.Status.CONFIRMED, wants_reminders=True
            ).exclude(pk__in=cls.objects.filter(session=session).values("enrolment_id"))
            pairs.extend((enrolment, session) for enrolment in enrolments)
        return pairs


class SeatHoldQuerySet(models.QuerySet):
    def open(self, *, now):
        """Holds that still hold their seat (or place on the waiting list): not confirmed, not ended, not expired."""
        return self.filter(status=SeatHold.Status.HELD, expires_at__gt=now)


class SeatHold(models.Model):
    """A sign-up without an account, until someone who reads the address it names confirms it.

    The form anyone can fill in answers every address the same way: the seat (or a place on the waiting list) is
    held here for ``settings.SEAT_HOLD_MINUTES`` and a link and a code go to the address. Nothing about the person
    is looked up or created before they confirm (enrolment.services.holds). What the form said is kept only while
    the hold is open, to make the person and their place when they confirm; it is erased when the hold ends.
    """

    class Status(models.TextChoices):
        HELD = "held", _("Holdt av")
        CONFIRMED = "confirmed", _("Bekreftet")
        EXPIRED = "expired", _("Utløpt")

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-post")
        SMS = "sms", _("SMS")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    run = models.ForeignKey(
        "courses.Run", on_delete=models.PROTECT, related_name="seat_holds", verbose_name=_("gjennomføring")
    )
    waiting_list = models.BooleanField(_("plass på ventelisten"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.HELD)
    expires_at = models.DateTimeField(_("holdes til"))
    channel = models.CharField(_("sendt med"), max_length=5, choices=Channel.choices)
    # What the form said, erased when the hold ends.
    name = models.CharField(_("navn"), max_length=150, blank=True)
    email = models.EmailField(_("e-post"), blank=True)
    phone = models.CharField(_("mobilnummer"), max_length=20, blank=True)
    birth_date = models.DateField(_("fødselsdato"), null=True, blank=True)
    language = models.CharField(_("språk"), max_length=5, blank=True)
    wants_reminders = models.BooleanField(default=False)
    code_hash = models.CharField(max_length=64, blank=True, editable=False)
    # A keyed hash of the client's network address, to count its holds per hour (enrolment.services.holds).
    client = models.CharField(max_length=64, blank=True, editable=False)
    wrong_codes = models.PositiveSmallIntegerField(default=0, editable=False)
    enrolment = models.OneToOneField(
        Enrolment, on_delete=models.SET_NULL, null=True, blank=True, related_name="seat_hold", editable=False
    )
    created_at = models.DateTimeField(_("opprettet"), auto_now_add=True)

    objects = SeatHoldQuerySet.as_manager()

    class Meta:
        verbose_name = _("plass holdt av til bekreftelse")
        verbose_name_plural = _("plasser holdt av til bekreftelse")
        indexes = [
            models.Index(fields=["run", "status", "expires_at"], name="seat_hold_run_open"),
            models.Index(fields=["client", "created_at"], name="seat_hold_client_recent"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="held") | ~Q(email="", phone=""), name="an_open_hold_has_an_address"
            ),
        ]

    def __str__(self):
        return f"{self.run} ({self.get_status_display()})"
