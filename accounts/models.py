"""People who sign in, the organisations staff belong to, and invitations into them.

A citizen's profile is deliberately small: a name (a first name or chosen name is
enough), how to reach them, a birth date only to check age limits, and language.
Nothing about health or diagnoses is ever stored.
"""

import hashlib

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.acting import ActingRole, organisation_label


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person who signs in. The e-mail address is the only identifier."""

    class ContactPreference(models.TextChoices):
        EMAIL = "email", _("E-post")
        SMS = "sms", _("SMS")
        PHONE = "phone", _("Telefonsamtale")

    username = None
    email = models.EmailField(_("e-postadresse"), unique=True)
    first_name = models.CharField(_("navn"), max_length=150, blank=True)
    phone = models.CharField(_("mobilnummer"), max_length=20, blank=True)
    birth_date = models.DateField(_("fødselsdato"), null=True, blank=True)
    preferred_language = models.CharField(
        _("språk"), max_length=5, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    contact_preference = models.CharField(
        _("slik vil jeg bli kontaktet"),
        max_length=10,
        choices=ContactPreference.choices,
        default=ContactPreference.EMAIL,
    )
    suspended_at = models.DateTimeField(_("sperret"), null=True, blank=True)
    anonymised_at = models.DateTimeField(_("anonymisert"), null=True, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        verbose_name = _("bruker")
        verbose_name_plural = _("brukere")
        indexes = [
            # People are matched by e-mail regardless of case (email__iexact: UPPER(email) = UPPER(...)),
            # on every sign-up without an account; without this index each one reads the whole table.
            models.Index(Upper("email"), name="user_email_upper"),
        ]

    def __str__(self):
        return self.email

    @property
    def display_name(self) -> str:
        return self.first_name or self.email.split("@")[0]

    @property
    def contact_email(self) -> str:
        """The address to show and to write to: empty where the stored one only stands in for a mobile number or
        an erased account (accounts.services), whose ".invalid" domain can receive nothing."""
        return "" if self.email.endswith(".invalid") else self.email

    @property
    def reminder_channel(self) -> str:
        """How reminders reach this person: "sms" where they asked for text messages or gave only a mobile number,
        "email" otherwise, "" where neither can (an erased account)."""
        if self.anonymised_at:
            return ""
        if self.phone and (self.contact_preference == self.ContactPreference.SMS or not self.contact_email):
            return "sms"
        return "email" if self.contact_email else ""


class ServiceUnit(models.Model):
    """Where health workers work, e.g. "Psykisk helse- og rustjenesten, Bydel Grorud"."""

    name = models.CharField(_("navn"), max_length=200)
    slug = models.SlugField(_("kortnavn"), unique=True)
    municipality = models.ForeignKey(
        "courses.Municipality", on_delete=models.PROTECT, related_name="service_units", verbose_name=_("kommune")
    )
    district = models.ForeignKey(
        "courses.District",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="service_units",
        verbose_name=_("bydel"),
    )
    shares_caseload = models.BooleanField(
        _("deler henvisninger i enheten"),
        default=False,
        help_text=_("Helsearbeiderne i enheten ser hverandres henvisninger."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("tjenesteenhet")
        verbose_name_plural = _("tjenesteenheter")

    def __str__(self):
        return self.name


class Role(models.TextChoices):
    """The staff roles, each held in one organisation (ROLE_SCOPE). They are acting roles too (audit.acting)."""

    HEALTH_WORKER = ActingRole.HEALTH_WORKER.value, ActingRole.HEALTH_WORKER.label
    COORDINATOR = ActingRole.COORDINATOR.value, ActingRole.COORDINATOR.label
    FACILITATOR = ActingRole.FACILITATOR.value, ActingRole.FACILITATOR.label
    MUNICIPALITY_ADMIN = ActingRole.MUNICIPALITY_ADMIN.value, ActingRole.MUNICIPALITY_ADMIN.label


# Which organisation field each role is tied to.
ROLE_SCOPE = {
    Role.HEALTH_WORKER: "service_unit",
    Role.COORDINATOR: "provider",
    Role.FACILITATOR: "run",
    Role.MUNICIPALITY_ADMIN: "municipality",
}
_SCOPE_FIELDS = ("service_unit", "provider", "run", "municipality")


def _exactly_the_scope_of_each_role():
    """A check constraint: each role has its own organisation field set, and only that one."""
    condition = Q()
    for role, field in ROLE_SCOPE.items():
        scoped = Q(role=role, **{f"{field}__isnull": False})
        for other in _SCOPE_FIELDS:
            if other != field:
                scoped &= Q(**{f"{other}__isnull": True})
        condition |= scoped
    return condition


class RoleScope(models.Model):
    """A role in one organisation: a unit, a provider, a run or a municipality."""

    role = models.CharField(_("rolle"), max_length=30, choices=Role.choices)
    service_unit = models.ForeignKey(
        ServiceUnit, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("tjenesteenhet")
    )
    provider = models.ForeignKey(
        "courses.Provider",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("tilbyder"),
    )
    run = models.ForeignKey(
        "courses.Run",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("gjennomføring"),
    )
    municipality = models.ForeignKey(
        "courses.Municipality",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("kommune"),
    )

    class Meta:
        abstract = True

    @property
    def organisation(self):
        return getattr(self, ROLE_SCOPE[self.role])

    @property
    def organisation_label(self) -> str:
        return organisation_label(ROLE_SCOPE[self.role], getattr(self, ROLE_SCOPE[self.role] + "_id"))

    @property
    def home_municipality_id(self) -> int:
        """The municipality whose admins look after this role."""
        organisation = self.organisation
        if self.role == Role.MUNICIPALITY_ADMIN:
            return organisation.pk
        if self.role == Role.FACILITATOR:
            return organisation.offer.provider.municipality_id
        return organisation.municipality_id


class MembershipQuerySet(models.QuerySet):
    def active(self):
        return self.filter(ended_at__isnull=True, user__is_active=True)


class Membership(RoleScope):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("person")
    )
    started_at = models.DateTimeField(_("startet"), default=timezone.now)
    ended_at = models.DateTimeField(_("avsluttet"), null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("rolle")
        verbose_name_plural = _("roller")
        constraints = [
            models.CheckConstraint(condition=_exactly_the_scope_of_each_role(), name="membership_role_scope"),
            models.UniqueConstraint(
                fields=["user", "role", "service_unit", "provider", "run", "municipality"],
                condition=Q(ended_at__isnull=True),
                nulls_distinct=False,
                name="one_active_membership_per_role_and_organisation",
            ),
        ]

    def __str__(self):
        return f"{self.user} – {self.get_role_display()} – {self.organisation}"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Invitation(RoleScope):
    email = models.EmailField(_("e-postadresse"))
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("invitert av")
    )
    created_at = models.DateTimeField(_("sendt"), auto_now_add=True)
    expires_at = models.DateTimeField(_("gyldig til"))
    accepted_at = models.DateTimeField(_("godtatt"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("godtatt av"),
    )
    revoked_at = models.DateTimeField(_("trukket tilbake"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitasjon")
        verbose_name_plural = _("invitasjoner")
        constraints = [
            models.CheckConstraint(condition=_exactly_the_scope_of_each_role(), name="invitation_role_scope"),
        ]

    def __str__(self):
        return f"{self.email} – {self.get_role_display()}"

    def is_open(self, now=None) -> bool:
        now = now or timezone.now()
        return self.accepted_at is None and self.revoked_at is None and now < self.expires_at
