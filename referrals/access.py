"""Who may see a referral. The one place that decides; views fetch through these querysets.

* the referring health worker (and the colleagues in their unit, if the unit shares its caseload);
* the receiving provider's coordinators, while the referral is open;
* the person it is about;
* nobody else by default: a municipality admin needs break-glass with a written reason.
"""

from django.db.models import Q, QuerySet

from accounts import access as accounts_access
from referrals.models import Referral


def made_by_or_shared_with(user) -> QuerySet[Referral]:
    if not user.is_authenticated:
        return Referral.objects.none()
    shared_units = accounts_access.service_units_of(user).filter(shares_caseload=True)
    return Referral.objects.filter(Q(referrer=user) | Q(service_unit__in=shared_units))


def inbox_of(user) -> QuerySet[Referral]:
    """Open referrals to the offers of the providers the user coordinates."""
    providers = accounts_access.coordinated_providers(user)
    return Referral.objects.open().filter(offer__provider__in=providers)


def about(user) -> QuerySet[Referral]:
    if not user.is_authenticated:
        return Referral.objects.none()
    return Referral.objects.filter(person=user)


def visible_to(user) -> QuerySet[Referral]:
    return (made_by_or_shared_with(user) | inbox_of(user) | about(user)).distinct()


def role_towards(user, referral) -> tuple[str, str]:
    """How the user is looking at this referral, for the access log: (role, organisation)."""
    if referral.person_id == user.pk:
        return "citizen", ""
    if referral.referrer_id == user.pk or made_by_or_shared_with(user).filter(pk=referral.pk).exists():
        return "health_worker", f"service_unit:{referral.service_unit_id}"
    return "coordinator", f"provider:{referral.offer.provider_id}"


def has_inbox(user) -> bool:
    """Coordinators of a provider receive referrals to its offers."""
    return accounts_access.coordinated_providers(user).exists()


def can_refer(user) -> bool:
    return user.is_authenticated and accounts_access.service_units_of(user).exists()


def can_break_glass(user) -> bool:
    return accounts_access.is_municipality_admin(user)


def break_glass_scope(user) -> QuerySet[Referral]:
    """Referrals an admin may open with a written reason: those in the admin's municipalities."""
    municipalities = accounts_access.administered_municipalities(user)
    return Referral.objects.filter(service_unit__municipality__in=municipalities)
