"""Who may see or change what in the accounts app, and the roles everyone else asks about.

Every view in the accounts app fetches through the functions here; objects outside a
user's scope are simply not in the queryset, so the view answers 404.
"""

from django.db.models import Q, QuerySet

from accounts.models import Invitation, Membership, Role, ServiceUnit, User
from audit.models import AccessEvent, AuditEvent
from courses.models import Municipality, Provider, Run

STAFF_ROLES = frozenset(Role)


def active_memberships(user) -> QuerySet[Membership]:
    if not user.is_authenticated:
        return Membership.objects.none()
    return Membership.objects.active().filter(user=user)


def roles_of(user) -> set[str]:
    return set(active_memberships(user).values_list("role", flat=True))


def is_staff_member(user) -> bool:
    """Staff must use a second factor: anyone with a staff role, and Django admin users."""
    if not user.is_authenticated:
        return False
    return user.is_staff or user.is_superuser or active_memberships(user).exists()


def has_role(user, role: str) -> bool:
    return active_memberships(user).filter(role=role).exists()


# --- organisations a user acts for -------------------------------------------------------------


def administered_municipalities(user) -> QuerySet[Municipality]:
    if not user.is_authenticated:
        return Municipality.objects.none()
    if user.is_superuser:
        return Municipality.objects.all()
    ids = active_memberships(user).filter(role=Role.MUNICIPALITY_ADMIN).values("municipality_id")
    return Municipality.objects.filter(pk__in=ids)


def coordinated_providers(user) -> QuerySet[Provider]:
    ids = active_memberships(user).filter(role=Role.COORDINATOR).values("provider_id")
    return Provider.objects.filter(pk__in=ids)


def facilitated_runs(user) -> QuerySet[Run]:
    ids = active_memberships(user).filter(role=Role.FACILITATOR).values("run_id")
    return Run.objects.filter(pk__in=ids)


def service_units_of(user) -> QuerySet[ServiceUnit]:
    ids = active_memberships(user).filter(role=Role.HEALTH_WORKER).values("service_unit_id")
    return ServiceUnit.objects.filter(pk__in=ids)


def is_municipality_admin(user) -> bool:
    return administered_municipalities(user).exists()


# --- scoped querysets for the municipality admin's pages -----------------------------------------


def _in_municipalities(municipalities, prefix="") -> Q:
    return (
        Q(**{f"{prefix}service_unit__municipality__in": municipalities})
        | Q(**{f"{prefix}provider__municipality__in": municipalities})
        | Q(**{f"{prefix}run__offer__provider__municipality__in": municipalities})
        | Q(**{f"{prefix}municipality__in": municipalities})
    )


def memberships_visible_to(user) -> QuerySet[Membership]:
    municipalities = administered_municipalities(user)
    return Membership.objects.filter(_in_municipalities(municipalities)).distinct()


def invitations_visible_to(user) -> QuerySet[Invitation]:
    municipalities = administered_municipalities(user)
    return Invitation.objects.filter(_in_municipalities(municipalities)).distinct()


def staff_users_visible_to(user) -> QuerySet[User]:
    """People who hold or held a role in one of the admin's municipalities (never citizens only)."""
    ids = memberships_visible_to(user).values("user_id")
    return User.objects.filter(pk__in=ids)


def users_suspendable_by(user) -> QuerySet[User]:
    """Accounts the admin may suspend and reopen: staff of the admin's municipalities (as above), except
    superusers and anyone who holds a role in another municipality now. Suspending shuts an account out
    everywhere, so an admin of one municipality must not shut someone out of another's work; they can end
    the role they gave instead."""
    staff = staff_users_visible_to(user)
    if user.is_authenticated and user.is_superuser:
        return staff
    inside = Membership.objects.filter(_in_municipalities(administered_municipalities(user))).values("pk")
    elsewhere = Membership.objects.active().exclude(pk__in=inside).values("user_id")
    return staff.filter(is_superuser=False).exclude(pk__in=elsewhere)


def audit_events_visible_to(user) -> QuerySet[AuditEvent]:
    """Admins review changes made by or to the staff of their municipalities."""
    if user.is_authenticated and user.is_superuser:
        return AuditEvent.objects.all()
    staff = staff_users_visible_to(user)
    return AuditEvent.objects.filter(Q(actor__in=staff) | Q(subject__in=staff))


def access_events_about(user) -> QuerySet[AccessEvent]:
    """Innsyn i logg: who has looked at this person's records."""
    return AccessEvent.objects.filter(subject=user)


def can_assign(user, *, role: str, organisation) -> bool:
    """May this admin invite someone into `role` at `organisation`?"""
    municipalities = administered_municipalities(user)
    if role == Role.MUNICIPALITY_ADMIN:
        return municipalities.filter(pk=organisation.pk).exists()
    if role == Role.FACILITATOR:
        return municipalities.filter(pk=organisation.offer.provider.municipality_id).exists()
    return municipalities.filter(pk=organisation.municipality_id).exists()


def municipality_in_charge(admin, user) -> int | None:
    """One of the admin's municipalities in which `user` holds or held a role."""
    for membership in Membership.objects.filter(user=user).select_related(
        "service_unit", "provider", "run__offer__provider", "municipality"
    ):
        municipality_id = membership.home_municipality_id
        if administered_municipalities(admin).filter(pk=municipality_id).exists():
            return municipality_id
    return None
