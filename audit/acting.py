"""Who does something, in which role, for which organisation: what every audit row says of its actor."""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class ActingRole(models.TextChoices):
    """The role someone acts in. The first four are the staff roles (accounts.models.Role takes them from here)."""

    HEALTH_WORKER = "health_worker", _("Helsearbeider")
    COORDINATOR = "coordinator", _("Koordinator")
    FACILITATOR = "facilitator", _("Kursholder")
    MUNICIPALITY_ADMIN = "municipality_admin", _("Administrator i kommunen")
    CITIZEN = "citizen", _("Personen selv")
    SUPERUSER = "superuser", _("Superbruker")
    ADMIN_STAFF = "staff", _("Bruker av Django-admin")
    SYSTEM = "system", _("Kurskatalogen")


def organisation_label(kind: str, pk: int) -> str:
    """How an audit row names an organisation: "provider:3", "service_unit:2", "run:7", "municipality:1"."""
    return f"{kind}:{pk}"


@dataclass(frozen=True)
class Acting:
    """Who does something, and in which role for which organisation. Built by the constructors below, so every
    role and organisation is named the same way wherever it is written."""

    user: object | None
    role: str
    organisation: str = ""

    @classmethod
    def citizen(cls, user) -> "Acting":
        """Someone acting for themselves; ``None`` for a form anyone can fill in without signing in."""
        return cls(user, ActingRole.CITIZEN)

    @classmethod
    def health_worker(cls, user, *, service_unit_id: int) -> "Acting":
        return cls(user, ActingRole.HEALTH_WORKER, organisation_label("service_unit", service_unit_id))

    @classmethod
    def coordinator(cls, user, *, provider_id: int | None) -> "Acting":
        """For a provider; ``None`` for what coordinators share (a new semester)."""
        return cls(user, ActingRole.COORDINATOR, organisation_label("provider", provider_id) if provider_id else "")

    @classmethod
    def facilitator(cls, user, *, run_id: int) -> "Acting":
        return cls(user, ActingRole.FACILITATOR, organisation_label("run", run_id))

    @classmethod
    def municipality_admin(cls, user, *, municipality_id: int | None) -> "Acting":
        organisation = organisation_label("municipality", municipality_id) if municipality_id else ""
        return cls(user, ActingRole.MUNICIPALITY_ADMIN, organisation)

    @classmethod
    def in_role(cls, user, *, role: str, organisation: str) -> "Acting":
        """A staff role held in an organisation (an accepted invitation's), named by ``organisation_label``."""
        return cls(user, ActingRole(role), organisation)

    @classmethod
    def django_admin(cls, user, *, organisation: str = "") -> "Acting":
        """A user of the Django admin (superusers, and staff users given model permissions)."""
        return cls(user, ActingRole.SUPERUSER if user.is_superuser else ActingRole.ADMIN_STAFF, organisation)

    @classmethod
    def system(cls) -> "Acting":
        """The portal itself: the worker's sweep, an offer's deadline."""
        return cls(None, ActingRole.SYSTEM)
