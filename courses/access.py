"""The organisations of the catalogue a user acts for: the providers they coordinate, the runs they lead, the
municipalities they administer. The one place other apps ask; views fetch through querysets built on these."""

from django.db.models import QuerySet

from accounts.access import active_memberships, administered_municipality_ids
from accounts.models import Role
from courses.models import Municipality, Provider, Run


def coordinated_providers(user) -> QuerySet[Provider]:
    ids = active_memberships(user).filter(role=Role.COORDINATOR).values("provider_id")
    return Provider.objects.filter(pk__in=ids)


def facilitated_runs(user) -> QuerySet[Run]:
    ids = active_memberships(user).filter(role=Role.FACILITATOR).values("run_id")
    return Run.objects.filter(pk__in=ids)


def administered_municipalities(user) -> QuerySet[Municipality]:
    if not user.is_authenticated:
        return Municipality.objects.none()
    if user.is_superuser:
        return Municipality.objects.all()
    return Municipality.objects.filter(pk__in=administered_municipality_ids(user))
