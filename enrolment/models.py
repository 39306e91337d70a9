"""A person's place in a run.

The enrolment services (seat-taking under a row lock, waiting lists, seat
offers) arrive with the enrolment issue; the catalogue already counts seats
from these rows.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Enrolment(models.Model):
    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Påmeldt")
        WAITLISTED = "waitlisted", _("På venteliste")
        OFFERED = "offered", _("Tilbudt ledig plass")
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
    SEAT_HOLDING = [Status.CONFIRMED, Status.OFFERED, Status.COMPLETED]
    ACTIVE = [Status.CONFIRMED, Status.WAITLISTED, Status.OFFERED]

    run = models.ForeignKey(
        "courses.Run", on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("gjennomføring")
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("person")
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    source = models.CharField(_("kilde"), max_length=20, choices=Source.choices, default=Source.SELF)
    created_at = models.DateTimeField(_("opprettet"), auto_now_add=True)

    class Meta:
        verbose_name = _("påmelding")
        verbose_name_plural = _("påmeldinger")
        indexes = [models.Index(fields=["run", "status"], name="enrolment_run_status")]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "person"],
                condition=Q(status__in=["confirmed", "waitlisted", "offered"]),
                name="one_active_enrolment_per_person_per_run",
            ),
        ]

    def __str__(self):
        return f"{self.run} ({self.get_status_display()})"
