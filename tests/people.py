"""One person for each role the portal knows, in two municipalities, for access tests."""

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from accounts.models import Membership, Role, ServiceUnit, User
from tests import factories


@dataclass
class World:
    oslo: object
    baerum: object
    unit: object
    other_unit: object
    provider: object
    other_provider: object
    offer: object
    run: object
    other_run: object
    people: dict


def person(email, *, name="", mfa=False, **fields):
    user = User.objects.create_user(email=email, password="Et-langt-passord-2026", first_name=name, **fields)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    if mfa:
        TOTP.activate(user, generate_totp_secret())
    return user


def member(user, role, organisation):
    from accounts.models import ROLE_SCOPE

    return Membership.objects.create(user=user, role=role, **{ROLE_SCOPE[role]: organisation})


def build_world(*, mfa=True) -> World:
    oslo = factories.municipality(name="Oslo")
    baerum = factories.municipality(name="Bærum")
    unit = ServiceUnit.objects.create(name="Bydel Grorud", slug="grorud-enhet", municipality=oslo)
    other_unit = ServiceUnit.objects.create(name="Bærum psykisk helse", slug="baerum-enhet", municipality=baerum)
    provider = factories.provider(name="MAS", municipality=oslo)
    other_provider = factories.provider(name="Bærum LMS", municipality=baerum)
    offer = factories.offer(provider=provider)
    run = factories.run(offer=offer)
    other_run = factories.run(offer=factories.offer(provider=other_provider))
    people = {
        "citizen": person("citizen@example.org", name="Ida"),
        "other_citizen": person("other@example.org", name="Per"),
        "health_worker": person("worker@example.org", mfa=mfa),
        "health_worker_other_unit": person("worker2@example.org", mfa=mfa),
        "coordinator": person("coordinator@example.org", mfa=mfa),
        "coordinator_other_provider": person("coordinator2@example.org", mfa=mfa),
        "facilitator": person("facilitator@example.org", mfa=mfa),
        "municipality_admin": person("admin@example.org", mfa=mfa),
        "superuser": person("root@example.org", mfa=mfa, is_staff=True, is_superuser=True),
    }
    member(people["health_worker"], Role.HEALTH_WORKER, unit)
    member(people["health_worker_other_unit"], Role.HEALTH_WORKER, other_unit)
    member(people["coordinator"], Role.COORDINATOR, provider)
    member(people["coordinator_other_provider"], Role.COORDINATOR, other_provider)
    member(people["facilitator"], Role.FACILITATOR, run)
    member(people["municipality_admin"], Role.MUNICIPALITY_ADMIN, oslo)
    return World(oslo, baerum, unit, other_unit, provider, other_provider, offer, run, other_run, people)
