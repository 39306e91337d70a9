"""Append-only logs. The database itself refuses UPDATE and DELETE on both tables.

AuditEvent: every change to accounts, roles, memberships, enrolments and referrals.
AccessEvent: every read of a sensitive record ("who has seen my referral").
Rows hold ids and small details, never free text a person wrote.
"""

import pgtrigger
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class _Event(models.Model):
    at = models.DateTimeField(_("tidspunkt"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("utført av"),
    )
    acting_role = models.CharField(_("i rollen"), max_length=40, blank=True)
    acting_organisation = models.CharField(_("for"), max_length=200, blank=True)
    action = models.CharField(_("handling"), max_length=60, db_index=True)
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("gjelder"),
    )
    object_type = models.CharField(_("type"), max_length=60, blank=True)
    object_id = models.CharField(_("id"), max_length=64, blank=True)
    request_id = models.CharField(_("forespørsel"), max_length=32, blank=True)

    class Meta:
        abstract = True
        ordering = ["-at", "-pk"]


class AuditEvent(_Event):
    detail = models.JSONField(_("detaljer"), default=dict, blank=True)

    class Meta(_Event.Meta):
        verbose_name = _("endring")
        verbose_name_plural = _("endringslogg")
        triggers = [
            pgtrigger.Protect(name="audit_event_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
        ]
        indexes = [models.Index(fields=["subject", "-at"], name="audit_event_subject")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"


class AccessEvent(_Event):
    reason = models.CharField(_("begrunnelse"), max_length=500, blank=True)

    class Meta(_Event.Meta):
        verbose_name = _("innsyn")
        verbose_name_plural = _("innsynslogg")
        triggers = [
            pgtrigger.Protect(name="access_event_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
        ]
        indexes = [models.Index(fields=["subject", "-at"], name="access_event_subject")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"
