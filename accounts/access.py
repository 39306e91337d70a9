"""Who may see or change what in the accounts app, and the roles everyone else asks about.

Every view of accounts, staff and the change log fetches through the functions here; objects outside a
user's scope are simply not in the queryset, so the view answers 404. Which providers, runs and municipalities
a user acts for are the catalogue's to say (courses.access): this app knows them only as ids.
"""

from django.db.models import Q, QuerySet

from accounts.models import Invitation, Membership, Role, ServiceUnit, User
from audit.models import AccessEvent, AuditEvent


def active_memberships(user) -> QuerySet[Membership]:
    if not user.is_authenticated:
        return Membership.objects.none()
    return Membership.objects.active().filter(user=user)


def is_staff_member(user) -> bool:
    """Staff must use a second factor: anyone with a staff role, and Django admin users."""
    if not user.is_authenticated:
        return False
    return user.is_staff or user.is_superuser or active_memberships(user).exists()


def has_role(user, role: str) -> bool:
    return active_memberships(user).filter(role=role).exists()


# Where someone lands after signing in, by their roles: the first of these they hold. Running courses comes first
# (the day's sessions, attendance, seats offered and referrals waiting for an answer, all on "Kursene mine"), then
# referring people (the health worker's referrals and their answers), then looking after the municipality's staff,
# which is occasional work. Every other page of a role is one click away in the menu.
LANDING_PAGES = [
    (Role.COORDINATOR, "enrolment:dashboard"),
    (Role.FACILITATOR, "enrolment:dashboard"),
    (Role.HEALTH_WORKER, "referrals:list"),
    (Role.MUNICIPALITY_ADMIN, "administration:staff_list"),
]


def landing_page(user) -> str:
    """The name of the URL someone lands on after signing in (unless they were on their way somewhere): their own
    work page for staff, Min side for everyone else."""
    roles = set(active_memberships(user).values_list("role", flat=True))
    for role, url_name in LANDING_PAGES:
        if role in roles:
            return url_name
    if user.is_authenticated and user.is_superuser:
        return "administration:staff_list"
    return "mypage:my_page"


def service_units_of(user) -> QuerySet[ServiceUnit]:
    ids = active_memberships(user).filter(role=Role.HEALTH_WORKER).values("service_unit_id")
    return ServiceUnit.objects.filter(pk__in=ids)


def is_health_worker(user) -> bool:
    """Health workers (members of a service unit) refer people to offers."""
    return has_role(user, Role.HEALTH_WORKER)


def is_municipality_admin(user) -> bool:
    return user.is_authenticated and (user.is_superuser or has_role(user, Role.MUNICIPALITY_ADMIN))


def administered_municipality_ids(user) -> QuerySet:
    """The ids of the municipalities the user administers through a role, as a subquery (a superuser administers
    every municipality without one: see ``administers`` and ``_administered``)."""
    return active_memberships(user).filter(role=Role.MUNICIPALITY_ADMIN).values("municipality_id")


def administers(user, municipality_id: int) -> bool:
    if not user.is_authenticated:
        return False
    return user.is_superuser or administered_municipality_ids(user).filter(municipality_id=municipality_id).exists()


def _administered(user, prefix="") -> Q:
    """Rows tied to an organisation (a unit, a provider, a run or the municipality itself) in one of the
    municipalities the user administers; every row for a superuser."""
    if user.is_authenticated and user.is_superuser:
        return Q()
    ids = administered_municipality_ids(user)
    return (
        Q(**{f"{prefix}service_unit__municipality__in": ids})
        | Q(**{f"{prefix}provider__municipality__in": ids})
        | Q(**{f"{prefix}run__offer__provider__municipality__in": ids})
        | Q(**{f"{prefix}municipality__in": ids})
    )


# --- scoped querysets for the municipality admin's pages -----------------------------------------


def memberships_visible_to(user) -> QuerySet[Membership]:
    return Membership.objects.filter(_administered(user)).distinct()


def invitations_visible_to(user) -> QuerySet[Invitation]:
    return Invitation.objects.filter(_administered(user)).distinct()


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
    inside = Membership.objects.filter(_administered(user)).values("pk")
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
    if role == Role.MUNICIPALITY_ADMIN:
        return administers(user, organisation.pk)
    if role == Role.FACILITATOR:
        return administers(user, organisation.offer.provider.municipality_id)
    return administers(user, organisation.municipality_id)


def municipality_in_charge(admin, user) -> int | None:
    """One of the admin's municipalities in which `user` holds or held a role."""
    for membership in Membership.objects.filter(user=user).select_related(
        "service_unit", "provider", "run__offer__provider", "municipality"
    ):
        if administers(admin, membership.home_municipality_id):
            return membership.home_municipality_id
    return None
