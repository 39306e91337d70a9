"""Demo accounts, one per role, so anyone trying the portal can sign in as each. Never in production.

The passwords and TOTP secrets are listed in README.md ("Demo accounts").
"""

import datetime as dt

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from allauth.mfa.utils import decrypt
from django.conf import settings
from django.db import transaction

from accounts.models import ROLE_SCOPE, Membership, Role, ServiceUnit, User
from courses.models import District, Municipality, Provider, Run
from enrolment.models import Enrolment

DEMO_PASSWORD = "Demo-kurs-2026"  # noqa: S105 - a published demo password, refused in production

SERVICE_UNITS = [
    ("grorud-psykisk-helse", "Psykisk helse- og rustjenesten, Bydel Grorud", "oslo", "grorud", False),
    ("gamle-oslo-psykisk-helse", "Psykisk helse- og rustjenesten, Bydel Gamle Oslo", "oslo", "gamle-oslo", True),
]

# email, name, role, organisation key, TOTP secret (base32) or None
ACCOUNTS = [
    ("ida@demo.example.no", "Ida", None, None, None),
    (
        "eivind.helsearbeider@demo.example.no",
        "Eivind",
        Role.HEALTH_WORKER,
        "grorud-psykisk-helse",
        "DEMOGRORUDHELSEARBEIDERAAAAAAAAA",
    ),
    (
        "oda.helsearbeider@demo.example.no",
        "Oda",
        Role.HEALTH_WORKER,
        "gamle-oslo-psykisk-helse",
        "DEMOGAMLEOSLOHELSEARBEIDERAAAAAA",
    ),
    ("tonje.koordinator@demo.example.no", "Tonje", Role.COORDINATOR, "mas", "DEMOMASKOORDINATORAAAAAAAAAAAAAA"),
    (
        "line.kursholder@demo.example.no",
        "Line",
        Role.FACILITATOR,
        "mestringstreff-grorud",
        "DEMOKURSHOLDERLINEAAAAAAAAAAAAAA",
    ),
    ("andreas.admin@demo.example.no", "Andreas", Role.MUNICIPALITY_ADMIN, "oslo", "DEMOOSLOKOMMUNEADMINAAAAAAAAAAAA"),
]


@transaction.atomic
def load_demo_accounts() -> int:
    if settings.PRODUCTION:
        raise RuntimeError("Demo accounts are never created in production.")
    units = {}
    for slug, name, municipality, district, shares in SERVICE_UNITS:
        units[slug] = ServiceUnit.objects.update_or_create(
            slug=slug,
            defaults={
                "name": name,
                "municipality": Municipality.objects.get(slug=municipality),
                "district": District.objects.get(slug=district),
                "shares_caseload": shares,
            },
        )[0]
    for email, name, role, organisation_key, secret in ACCOUNTS:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email=email, password=DEMO_PASSWORD, first_name=name)
        EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
        if role is not None:
            organisation = _organisation(role, organisation_key, units)
            scope = {"service_unit": None, "provider": None, "run": None, "municipality": None}
            scope[_scope_field(role)] = organisation
            Membership.objects.get_or_create(user=user, role=role, ended_at=None, **scope)
        if secret:
            _ensure_totp(user, secret)
    _demo_citizen_enrolments()
    return len(ACCOUNTS)


def _demo_citizen_enrolments():
    """Ida has a seat on Mestringstreff in Grorud and waits for Skriveværksted in Gladsaxe."""
    ida = User.objects.get(email="ida@demo.example.no")
    if ida.birth_date is None:
        ida.birth_date = dt.date(1985, 3, 14)
        ida.save(update_fields=["birth_date"])
    for slug, status in (
        ("mestringstreff-grorud", Enrolment.Status.CONFIRMED),
        ("gladsaxe-skrivevaerksted", Enrolment.Status.WAITLISTED),
    ):
        run = Run.objects.filter(offer__slug=slug).order_by("starts_at").first()
        if run and not Enrolment.objects.filter(run=run, person=ida).exists():
            Enrolment.objects.create(run=run, person=ida, status=status)


def _ensure_totp(user, secret):
    existing = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if existing and TOTP(existing).instance.data.get("secret") and decrypt(existing.data["secret"]) == secret:
        return
    if existing:
        existing.delete()
    TOTP.activate(user, secret)


def _scope_field(role):
    return ROLE_SCOPE[role]


def _organisation(role, key, units):
    if role == Role.HEALTH_WORKER:
        return units[key]
    if role == Role.COORDINATOR:
        return Provider.objects.get(slug=key)
    if role == Role.FACILITATOR:
        return Run.objects.filter(offer__slug=key).order_by("starts_at").first()
    return Municipality.objects.get(slug=key)
