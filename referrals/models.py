"""Referrals from health workers to an offer or a run, with the person's consent and in their control.

Personal data here is health-adjacent: the note is short, optional and never a diagnosis; it and the
adaptation needs are erased when the person withdraws, and everything personal is erased from closed
referrals after the municipality's retention time. Every read is logged (audit.AccessEvent).
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

NOTE_MAX_LENGTH = 300
CONSENT_TEXT_VERSION = "2026-11"


class ReferralQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=Referral.OPEN_STATUSES)


class Referral(models.Model):
    class Status(models.TextChoices):
        SENT = "sent", _("Sendt")
        SEEN = "seen", _("Sett av tilbyderen")
        CONTACT_REQUESTED = "contact_requested", _("Tilbyderen vil ha kontakt")
        ACCEPTED = "accepted", _("Fått plass")
        WAITLISTED = "waitlisted", _("På venteliste")
        DECLINED = "declined", _("Ikke tatt inn")
        WITHDRAWN = "withdrawn", _("Trukket tilbake av personen")
        STARTED = "started", _("Startet")
        COMPLETED = "completed", _("Fullført")
        STOPPED = "stopped", _("Avsluttet")
        CANCELLED = "cancelled", _("Meldt av")
        RUN_CANCELLED = "run_cancelled", _("Kurset ble avlyst")

    class ConsentMethod(models.TextChoices):
        SPOKEN = "spoken", _("Muntlig")
        WRITTEN = "written", _("Skriftlig")
        DIGITAL = "digital", _("Digitalt")

    class DeclineReason(models.TextChoices):
        FULL = "full", _("Ingen ledige plasser")
        NOT_A_MATCH = "not_a_match", _("Tilbudet passer ikke for personen")
        AGE = "age", _("Utenfor aldersgrensen")
        NOT_REACHED = "not_reached", _("Vi fikk ikke kontakt med personen")
        OTHER = "other", _("Annet")

    OPEN_STATUSES = [Status.SENT, Status.SEEN, Status.CONTACT_REQUESTED, Status.WAITLISTED]
    ANSWERED_STATUSES = [Status.CONTACT_REQUESTED, Status.ACCEPTED, Status.WAITLISTED, Status.DECLINED]
    CLOSED_STATUSES = [
        Status.DECLINED,
        Status.WITHDRAWN,
        Status.COMPLETED,
        Status.STOPPED,
        Status.CANCELLED,
        Status.RUN_CANCELLED,
    ]

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    offer = models.ForeignKey(
        "courses.Offer", on_delete=models.PROTECT, related_name="referrals", verbose_name=_("tilbud")
    )
    run = models.ForeignKey(
        "courses.Run",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
        verbose_name=_("gjennomføring"),
        help_text=_("Tomt betyr første ledige gjennomføring."),
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals_about_me",
        verbose_name=_("personen"),
    )
    # Who the referral is about, as the health worker typed it. Staff see these, never the account the address may
    # belong to (``person``, the account the seat and the place are kept for, which only the person sees).
    name = models.CharField(_("navn"), max_length=150, blank=True)
    email = models.EmailField(_("e-post"), blank=True)
    phone = models.CharField(_("mobilnummer"), max_length=20, blank=True)
    birth_date = models.DateField(_("fødselsdato"), null=True, blank=True)
    referrer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="referrals_made", verbose_name=_("henvist av")
    )
    service_unit = models.ForeignKey(
        "accounts.ServiceUnit", on_delete=models.PROTECT, related_name="referrals", verbose_name=_("tjenesteenhet")
    )
    consent_method = models.CharField(_("samtykke gitt"), max_length=10, choices=ConsentMethod.choices)
    consent_given_at = models.DateTimeField(_("samtykke gitt"))
    consent_text_version = models.CharField(_("samtykketekst"), max_length=20, default=CONSENT_TEXT_VERSION)
    adaptation_needs = models.CharField(_("tilrettelegging"), max_length=NOTE_MAX_LENGTH, blank=True)
    note = models.CharField(_("kort notat"), max_length=NOTE_MAX_LENGTH, blank=True)
    share_progress = models.BooleanField(_("helsearbeideren får se om jeg har startet og fullført"), default=True)
    # Until when the health worker was told a seat is held: from the run's free seats when the referral was sent, not
    # from whether the person's own circumstances let the hold be made (the provider sees that when they answer).
    seat_held_until = models.DateTimeField(_("plass holdt av til"), null=True, blank=True)
    enrolment = models.OneToOneField(
        "enrolment.Enrolment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="referral",
        verbose_name=_("påmelding"),
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.SENT)
    decline_reason = models.CharField(_("grunn"), max_length=20, choices=DeclineReason.choices, blank=True)
    decline_text = models.CharField(_("mer om grunnen"), max_length=NOTE_MAX_LENGTH, blank=True)
    person_confirmed_at = models.DateTimeField(_("bekreftet av personen"), null=True, blank=True)
    created_at = models.DateTimeField(_("sendt"), auto_now_add=True)
    first_seen_at = models.DateTimeField(_("først sett av tilbyderen"), null=True, blank=True)
    answered_at = models.DateTimeField(_("besvart"), null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(_("avsluttet"), null=True, blank=True)
    erased_at = models.DateTimeField(_("personopplysninger slettet"), null=True, blank=True)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("henvisning")
        verbose_name_plural = _("henvisninger")
        indexes = [models.Index(fields=["status", "created_at"], name="referral_status_created")]
        constraints = [
            models.CheckConstraint(
                condition=Q(erased_at__isnull=False) | Q(person__isnull=False),
                name="referral_has_a_person_until_erased",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["declined", "withdrawn", "completed", "stopped", "cancelled", "run_cancelled"])
                | Q(closed_at__isnull=False),
                name="closed_referrals_have_a_closing_time",
            ),
        ]

    def __str__(self):
        return f"{self.offer} ({self.get_status_display()})"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    # What the person decides whether the referrer may see: whether they started, finished, stopped or gave up
    # their place. A cancelled run is the provider's doing and says nothing about the person, so it always shows.
    PROGRESS_STATUSES = (Status.STARTED, Status.COMPLETED, Status.STOPPED, Status.CANCELLED)

    @property
    def referrer_sees_status(self) -> bool:
        """The referrer sees how it went (PROGRESS_STATUSES) only if the person agreed to share that."""
        return self.share_progress or self.status not in self.PROGRESS_STATUSES

    @property
    def seat_held_for_referrer(self):
        """Until when the referrer sees a seat held: while the referral is open and the time has not passed."""
        if self.is_open and self.seat_held_until and self.seat_held_until > timezone.now():
            return self.seat_held_until
        return None

    @property
    def status_for_referrer(self) -> str:
        return self.get_status_display() if self.referrer_sees_status else str(_("Besvart"))
