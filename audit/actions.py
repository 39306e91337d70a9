"""Every action the audit trail records, with the words people read for it: the one list.

Changes (``AuditEvent``) are sentences ("Personen fikk plass"); reads (``AccessEvent``) finish one that starts
with who read ("Eivind (Helsearbeider) åpnet henvisningen"). The values are what the rows store, so a value is
never renamed: rows written years ago must still read as words.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    ACCOUNT_CREATED = "account.created", _("Konto opprettet")
    ACCOUNT_SUSPENDED = "account.suspended", _("Konto sperret")
    ACCOUNT_REACTIVATED = "account.reactivated", _("Konto åpnet igjen")
    ACCOUNT_DELETED = "account.deleted", _("Konto slettet")
    PROFILE_UPDATED = "profile.updated", _("Profil endret")
    INVITATION_SENT = "invitation.sent", _("Invitasjon sendt")
    INVITATION_REVOKED = "invitation.revoked", _("Invitasjon trukket tilbake")
    MEMBERSHIP_STARTED = "membership.started", _("Rolle startet")
    MEMBERSHIP_ENDED = "membership.ended", _("Rolle avsluttet")

    ENROLMENT_CONFIRMED = "enrolment.confirmed", _("Fikk plass")
    ENROLMENT_WAITLISTED = "enrolment.waitlisted", _("Satt på ventelisten")
    ENROLMENT_OFFERED = "enrolment.offered", _("Fikk tilbud om en ledig plass")
    ENROLMENT_HELD = "enrolment.held", _("Fikk en plass holdt av (henvisning)")
    ENROLMENT_OFFER_ACCEPTED = "enrolment.offer_accepted", _("Tok imot en ledig plass")
    ENROLMENT_CANCELLED = "enrolment.cancelled", _("Påmelding avmeldt")
    ENROLMENT_COMPLETED = "enrolment.completed", _("Fullførte kurset")
    ENROLMENT_DROPPED_OUT = "enrolment.dropped_out", _("Sluttet på kurset")
    ENROLMENT_MOVED = "enrolment.moved", _("Flyttet til en annen gjennomføring")
    ENROLMENT_PRIORITY_CHANGED = "enrolment.priority_changed", _("Rekkefølgen på ventelisten endret")
    ENROLMENT_REMINDERS_ON = "enrolment.reminders_on", _("Påminnelser slått på")
    ENROLMENT_REMINDERS_OFF = "enrolment.reminders_off", _("Påminnelser slått av")
    INTEREST_REGISTERED = "interest.registered", _("Ba om beskjed om nye datoer")
    INTEREST_WITHDRAWN = "interest.withdrawn", _("Ba ikke lenger om beskjed om nye datoer")
    ATTENDANCE_RECORDED = "attendance.recorded", _("Oppmøte registrert")
    SEAT_HOLD_CREATED = "seat_hold.created", _("Plass holdt av til den blir bekreftet")
    SEAT_HOLD_EXPIRED = "seat_hold.expired", _("Plass holdt av ble ikke bekreftet i tide")

    RUN_CREATED = "run.created", _("Gjennomføring opprettet")
    RUN_UPDATED = "run.updated", _("Gjennomføring endret")
    RUN_DELETED = "run.deleted", _("Gjennomføring slettet")
    RUN_PUBLISHED = "run.published", _("Gjennomføring publisert")
    RUN_CANCELLED = "run.cancelled", _("Gjennomføring avlyst")
    # Written until a run's edit became one row (run.updated, with the old and new number of seats).
    RUN_CAPACITY_CHANGED = "run.capacity_changed", _("Antall plasser endret")
    OFFER_CREATED = "offer.created", _("Tilbud opprettet")
    OFFER_UPDATED = "offer.updated", _("Tilbud endret")
    OFFER_DELETED = "offer.deleted", _("Tilbud slettet")
    PROVIDER_CREATED = "provider.created", _("Tilbyder opprettet")
    PROVIDER_UPDATED = "provider.updated", _("Tilbyder endret")
    PROVIDER_DELETED = "provider.deleted", _("Tilbyder slettet")
    LOCATION_CREATED = "location.created", _("Sted opprettet")
    LOCATION_UPDATED = "location.updated", _("Sted endret")
    LOCATION_DELETED = "location.deleted", _("Sted slettet")
    SEMESTER_CREATED = "semester.created", _("Semester opprettet")
    SEMESTER_COPIED = "semester.copied", _("Semester kopiert")
    SEMESTER_REGISTRATION_SET = "semester.registration_set", _("Påmeldingen satt for semesteret")
    SEMESTER_REGISTRATION_CLOSED = "semester.registration_closed", _("Påmeldingen stengt for semesteret")

    REFERRAL_SENT = "referral.sent", _("Henvisningen ble sendt")
    REFERRAL_SEEN = "referral.seen", _("Tilbyderen så henvisningen")
    REFERRAL_CONTACT_REQUESTED = "referral.contact_requested", _("Tilbyderen vil snakke med personen")
    REFERRAL_ACCEPTED = "referral.accepted", _("Personen fikk plass")
    REFERRAL_WAITLISTED = "referral.waitlisted", _("Personen kom på venteliste")
    REFERRAL_DECLINED = "referral.declined", _("Tilbyderen sa nei")
    REFERRAL_WITHDRAWN = "referral.withdrawn", _("Personen trakk henvisningen tilbake")
    REFERRAL_CONFIRMED_BY_PERSON = "referral.confirmed_by_person", _("Personen bekreftet henvisningen")
    REFERRAL_SHARING_CHANGED = "referral.sharing_changed", _("Personen endret hva helsearbeideren får se")
    REFERRAL_STARTED = "referral.started", _("Personen har startet")
    REFERRAL_COMPLETED = "referral.completed", _("Personen har fullført")
    REFERRAL_STOPPED = "referral.stopped", _("Personen har sluttet")
    REFERRAL_CANCELLED = "referral.cancelled", _("Personen ble meldt av")
    REFERRAL_RUN_CANCELLED = "referral.run_cancelled", _("Tilbyderen avlyste kurset")
    REFERRAL_MOVED = "referral.moved", _("Personen ble flyttet til en annen gjennomføring")
    REFERRAL_ERASED = "referral.erased", _("Personopplysningene ble slettet")


class Read(models.TextChoices):
    """Reads of sensitive records (``AccessEvent``), as the end of a sentence that starts with who read."""

    REFERRAL_VIEWED = "referral.viewed", _("åpnet henvisningen")
    REFERRAL_LISTED = "referral.listed", _("så den i en liste")
    REFERRAL_BREAK_GLASS = "referral.break_glass", _("åpnet henvisningen med begrunnelse")
    PARTICIPANTS_VIEWED = "participants.viewed", _("så deltakerlisten")
    PARTICIPANTS_EXPORTED_CSV = "participants.exported.csv", _("lastet ned deltakerlisten (CSV)")
    PARTICIPANTS_EXPORTED_XLSX = "participants.exported.xlsx", _("lastet ned deltakerlisten (Excel)")
    ATTENDANCE_VIEWED = "attendance.viewed", _("så oppmøtelisten")
    AUDIT_LOG_VIEWED = "audit_log.viewed", _("så endringsloggen")
