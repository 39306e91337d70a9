import datetime as dt
import re

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import Invitation, Membership, Role, User
from audit.models import AccessEvent, AuditEvent
from base.refusals import Refusal
from tests.people import build_world, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


def invite(client, world, django_capture_on_commit_callbacks, **data):
    client.force_login(world.people["municipality_admin"])
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse("administration:staff_list"), data)


def link_in(message):
    return re.search(r"http://\S+/invitasjon/(\S+)/", message.body).group(1)


def test_an_admin_invites_a_coordinator_who_creates_an_account(client, world, django_capture_on_commit_callbacks):
    response = invite(
        client,
        world,
        django_capture_on_commit_callbacks,
        email="Ny.Koordinator@example.org",
        role=Role.COORDINATOR,
        provider=world.provider.pk,
    )
    assert response.status_code == 302
    message = mail.outbox[-1]
    assert message.to == ["ny.koordinator@example.org"]
    token = link_in(message)
    assert not Invitation.objects.filter(token_hash=token).exists()  # only a hash is stored

    client.logout()
    url = reverse("accounts:invitation", kwargs={"token": token})
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"name": "Nora", "password1": "Et-langt-passord-2026", "password2": "Et-langt-passord-2026"}
    )
    assert response.status_code == 302
    assert response.url == reverse("mfa_activate_totp")
    # Setting up the second factor does not ask for the password typed seconds ago.
    assert client.get(reverse("mfa_activate_totp")).status_code == 200
    user = User.objects.get(email="ny.koordinator@example.org")
    assert Membership.objects.active().get(user=user).provider == world.provider
    assert user.emailaddress_set.get().verified
    # the link works once
    assert client.get(url).status_code in (302, 404)
    client.logout()
    assert client.get(url).status_code == 404
    actions = list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))
    assert actions == ["invitation.sent", "account.created", "membership.started"]


def test_an_existing_user_accepts_an_invitation_while_signed_in(client, world, django_capture_on_commit_callbacks):
    invite(
        client,
        world,
        django_capture_on_commit_callbacks,
        email=world.people["citizen"].email,
        role=Role.FACILITATOR,
        run=world.run.pk,
    )
    token = link_in(mail.outbox[-1])
    client.force_login(world.people["citizen"])
    response = client.post(reverse("accounts:invitation", kwargs={"token": token}))
    assert response.status_code == 302
    assert Membership.objects.active().filter(user=world.people["citizen"], run=world.run).exists()


def test_an_invitation_for_someone_else_is_refused(client, world, django_capture_on_commit_callbacks):
    invite(
        client,
        world,
        django_capture_on_commit_callbacks,
        email="a@example.org",
        role=Role.FACILITATOR,
        run=world.run.pk,
    )
    token = link_in(mail.outbox[-1])
    client.force_login(world.people["other_citizen"])
    client.post(reverse("accounts:invitation", kwargs={"token": token}))
    assert not Membership.objects.filter(user=world.people["other_citizen"]).exists()


def test_an_expired_invitation_does_not_work(client, world, django_capture_on_commit_callbacks):
    invite(
        client,
        world,
        django_capture_on_commit_callbacks,
        email="a@example.org",
        role=Role.FACILITATOR,
        run=world.run.pk,
    )
    token = link_in(mail.outbox[-1])
    Invitation.objects.update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    client.logout()
    response = client.get(reverse("accounts:invitation", kwargs={"token": token}))
    assert response.status_code == 404
    assert "Invitasjonen virker ikke" in response.text


def test_an_admin_cannot_invite_into_another_municipality(client, world, django_capture_on_commit_callbacks):
    response = invite(
        client,
        world,
        django_capture_on_commit_callbacks,
        email="x@example.org",
        role=Role.COORDINATOR,
        provider=world.other_provider.pk,
    )
    assert response.status_code == 200  # the other municipality's providers are not even a choice
    assert not Invitation.objects.exists()
    with pytest.raises(Refusal):
        services.invite_staff(
            by=world.people["municipality_admin"],
            email="x@example.org",
            role=Role.COORDINATOR,
            organisation=world.other_provider,
        )


def test_an_invitation_needs_the_organisation_for_its_role(client, world, django_capture_on_commit_callbacks):
    response = invite(client, world, django_capture_on_commit_callbacks, email="x@example.org", role=Role.HEALTH_WORKER)
    assert response.status_code == 200
    assert "Velg hvor personen skal ha rollen" in response.text


def test_ending_a_membership_removes_access_at_once(client, world):
    coordinator = world.people["coordinator"]
    client.force_login(world.people["municipality_admin"])
    membership = Membership.objects.get(user=coordinator)
    client.post(reverse("administration:end_membership", kwargs={"pk": membership.pk}))
    membership.refresh_from_db()
    assert membership.ended_at is not None
    from courses import access as courses_access

    assert not courses_access.coordinated_providers(coordinator).exists()
    assert AuditEvent.objects.filter(action="membership.ended", subject=coordinator).exists()


def test_suspending_signs_the_person_out_everywhere(client, world):
    from django.test import Client

    worker = world.people["health_worker"]
    their_browser = Client()
    their_browser.post(reverse("account_login"), {"login": worker.email, "password": "Et-langt-passord-2026"})
    client.force_login(world.people["municipality_admin"])
    response = client.post(reverse("administration:suspend_user", kwargs={"pk": worker.pk}))
    assert response.status_code == 302
    worker.refresh_from_db()
    assert not worker.is_active
    assert their_browser.get(reverse("mypage:my_page")).status_code == 302
    assert AuditEvent.objects.filter(action="account.suspended", subject=worker).exists()
    client.post(reverse("administration:reactivate_user", kwargs={"pk": worker.pk}))
    worker.refresh_from_db()
    assert worker.is_active


def test_an_admin_cannot_suspend_staff_of_another_municipality_or_citizens(client, world):
    client.force_login(world.people["municipality_admin"])
    for target in ("health_worker_other_unit", "citizen"):
        response = client.post(reverse("administration:suspend_user", kwargs={"pk": world.people[target].pk}))
        assert response.status_code == 404
        world.people[target].refresh_from_db()
        assert world.people[target].is_active


def test_an_admin_cannot_suspend_someone_who_works_in_another_municipality_now_or_a_superuser(client, world):
    """A suspension shuts the account out everywhere: Oslo's admin used to be able to shut out Bærum's
    coordinator because that person had once led a run in Oslo, and a superuser holding an Oslo role."""
    moved_on = world.people["coordinator_other_provider"]  # coordinator in Bærum now
    once = member(moved_on, Role.FACILITATOR, world.run)  # once led a run in Oslo
    Membership.objects.filter(pk=once.pk).update(ended_at=timezone.now())
    member(world.people["superuser"], Role.HEALTH_WORKER, world.unit)
    client.force_login(world.people["municipality_admin"])
    staff_page = client.get(reverse("administration:staff_list")).text
    for target in (moved_on, world.people["superuser"]):
        assert reverse("administration:suspend_user", kwargs={"pk": target.pk}) not in staff_page  # no button either
        assert client.post(reverse("administration:suspend_user", kwargs={"pk": target.pk})).status_code == 404
        target.refresh_from_db()
        assert target.is_active
    assert reverse("administration:suspend_user", kwargs={"pk": world.people["health_worker"].pk}) in staff_page
    # someone whose roles are all in Oslo (or ended) still can be
    member(world.people["health_worker"], Role.COORDINATOR, world.provider)
    assert (
        client.post(reverse("administration:suspend_user", kwargs={"pk": world.people["health_worker"].pk})).status_code
        == 302
    )
    world.people["health_worker"].refresh_from_db()
    assert not world.people["health_worker"].is_active


def test_the_audit_trail_cannot_be_changed_or_deleted(world):
    services.end_membership(by=world.people["municipality_admin"], membership=Membership.objects.first())
    event = AuditEvent.objects.get()
    with pytest.raises(Exception, match="append_only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="forged")
    with pytest.raises(Exception, match="append_only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get().action == "membership.ended"


def test_every_audit_row_carries_who_role_organisation_and_request(client, world):
    client.force_login(world.people["municipality_admin"])
    membership = Membership.objects.get(user=world.people["facilitator"])
    response = client.post(reverse("administration:end_membership", kwargs={"pk": membership.pk}))
    event = AuditEvent.objects.get()
    assert event.actor == world.people["municipality_admin"]
    assert event.acting_role == Role.MUNICIPALITY_ADMIN
    assert event.acting_organisation == f"municipality:{membership.home_municipality_id}"
    assert event.request_id == response["X-Request-ID"]


def test_the_audit_log_page_filters_and_logs_its_own_reading(client, world):
    admin = world.people["municipality_admin"]
    services.end_membership(by=admin, membership=Membership.objects.get(user=world.people["facilitator"]))
    services.suspend_user(by=admin, user=world.people["coordinator"], municipality_id=world.oslo.pk)
    client.force_login(admin)
    response = client.get(reverse("administration:audit_log"), {"action": "account.suspended"})
    assert "coordinator@example.org" in response.text
    assert "facilitator@example.org" not in response.text
    assert AccessEvent.objects.filter(actor=admin, action="audit_log.viewed").exists()


def test_the_audit_log_shows_nothing_from_other_municipalities(client, world):
    other_admin = world.people["health_worker_other_unit"]
    Membership.objects.create(user=other_admin, role=Role.MUNICIPALITY_ADMIN, municipality=world.baerum)
    services.end_membership(
        by=world.people["municipality_admin"], membership=Membership.objects.get(user=world.people["facilitator"])
    )
    client.force_login(other_admin)
    assert "facilitator@example.org" not in client.get(reverse("administration:audit_log")).text


def test_a_role_is_tied_to_exactly_its_kind_of_organisation(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=world.people["citizen"], role=Role.COORDINATOR, service_unit=world.unit)
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(
            user=world.people["citizen"], role=Role.COORDINATOR, provider=world.provider, run=world.run
        )
