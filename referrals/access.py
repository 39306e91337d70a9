"""Who may see a referral. The one place that decides; views fetch through these querysets.

* the referring health worker (and the colleagues in their unit, if the unit shares its caseload);
* the receiving provider's coordinators, while the referral is open;
* the person it is about;
* nobody else by default: a municipality admin needs break-glass with a written reason.
"""

from django.db.models import Q, QuerySet

from accounts import access as accounts_access
from courses.access import administered_municipalities, coordinated_providers
from referrals.models import Referral


def made_by_or_shared_with(user) -> QuerySet[Referral]:
    if not user.is_authenticated:
        return Referral.objects.none()
    shared_units = accounts_access.service_units_of(user).filter(shares_caseload=True)
    return Referral.objects.filter(Q(referrer=user) | Q(service_unit__in=shared_units))


def inbox_of(user) -> QuerySet[Referral]:
    """Open referrals to the offers of the providers the user coordinates."""
    return Referral.objects.open().filter(offer__provider__in=coordinated_providers(user))


def has_inbox(user) -> bool:
    """Coordinators of a provider receive referrals to its offers."""
    return coordinated_providers(user).exists()


def can_refer(user) -> bool:
    return accounts_access.is_health_worker(user)


def can_break_glass(user) -> bool:
    return accounts_access.is_municipality_admin(user)


def break_glass_scope(user) -> QuerySet[Referral]:
    """Referrals an admin may open with a written reason: those in the admin's municipalities."""
    return Referral.objects.filter(service_unit__municipality__in=administered_municipalities(user))
