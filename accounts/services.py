"""Every change to accounts, roles and memberships. Each writes an audit row.

Top-level services own their transaction; e-mail goes out after commit, through tasks.
"""

import datetime as dt

from allauth.account.models import EmailAddress
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts import access, tasks
from accounts.models import ROLE_SCOPE, Invitation, Membership, Role, User, hash_token
from audit.acting import Acting, organisation_label
from audit.actions import Action
from audit.services import record_change
from base.refusals import Refusal

INVITATION_LIFETIME = dt.timedelta(days=7)


def _acting_admin(user, municipality_id: int) -> Acting:
    """A municipality admin at work, or a superuser doing an admin's work without the role."""
    if access.has_role(user, Role.MUNICIPALITY_ADMIN):
        return Acting.municipality_admin(user, municipality_id=municipality_id)
    return Acting.django_admin(user, organisation=organisation_label("municipality", municipality_id))


# --- invitations -----------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def invite_staff(*, by: User, email: str, role: str, organisation) -> Invitation:
    if not access.can_assign(by, role=role, organisation=organisation):
        raise Refusal(_("Du kan bare invitere til organisasjoner i din egen kommune."))
    email = email.strip().lower()
    invitation = Invitation(
        email=email,
        role=role,
        invited_by=by,
        expires_at=timezone.now() + INVITATION_LIFETIME,
        token_hash=hash_token(tasks.new_token()),  # replaced by the token that is e-mailed
        **{ROLE_SCOPE[role]: organisation},
    )
    invitation.full_clean()
    invitation.save()
    record_change(
        acting=_acting_admin(by, invitation.home_municipality_id),
        action=Action.INVITATION_SENT,
        obj=invitation,
        detail={"role": role, "organisation": invitation.organisation_label},
    )
    language = translation.get_language() or settings.LANGUAGE_CODE
    tasks.send_invitation.enqueue(invitation.pk, language)
    return invitation


def open_invitation(token: str) -> Invitation | None:
    invitation = Invitation.objects.filter(token_hash=hash_token(token)).first()
    if invitation is None or not invitation.is_open():
        return None
    return invitation


@transaction.atomic(durable=True)
def revoke_invitation(*, by: User, invitation: Invitation) -> None:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_open():
        return
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    record_change(
        acting=_acting_admin(by, invitation.home_municipality_id), action=Action.INVITATION_REVOKED, obj=invitation
    )


@transaction.atomic(durable=True)
def accept_invitation(*, token: str, user: User) -> Membership:
    invitation = Invitation.objects.select_for_update().filter(token_hash=hash_token(token)).first()
    if invitation is None or not invitation.is_open():
        raise Refusal(_("Invitasjonen er brukt, trukket tilbake eller utløpt. Be om en ny."))
    if invitation.email != user.email.lower():
        raise Refusal(_("Invitasjonen ble sendt til en annen e-postadresse enn den du er logget inn med."))
    return _accept(invitation, user)


@transaction.atomic(durable=True)
def create_account_from_invitation(*, token: str, name: str, password: str) -> User:
    """A new staff member sets a name and password; the e-mail is verified by the invitation link."""
    invitation = Invitation.objects.select_for_update().filter(token_hash=hash_token(token)).first()
    if invitation is None or not invitation.is_open():
        raise Refusal(_("Invitasjonen er brukt, trukket tilbake eller utløpt. Be om en ny."))
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise Refusal(_("Det finnes allerede en konto med denne e-postadressen. Logg inn først."))
    user = User.objects.create_user(email=invitation.email, password=password, first_name=name)
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    record_change(
        acting=Acting.in_role(user, role=invitation.role, organisation=invitation.organisation_label),
        action=Action.ACCOUNT_CREATED,
        subject=user,
        obj=user,
    )
    _accept(invitation, user)
    return user


def _accept(invitation: Invitation, user: User) -> Membership:
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    membership, _created = Membership.objects.get_or_create(
        user=user,
        role=invitation.role,
        ended_at=None,
        **{ROLE_SCOPE[invitation.role]: invitation.organisation},
    )
    record_change(
        acting=Acting.in_role(user, role=invitation.role, organisation=invitation.organisation_label),
        action=Action.MEMBERSHIP_STARTED,
        subject=user,
        obj=membership,
        detail={"role": invitation.role, "organisation": invitation.organisation_label, "invitation": invitation.pk},
    )
    return membership


# --- memberships and suspension --------------------------------------------------------------------


@transaction.atomic(durable=True)
def end_membership(*, by: User, membership: Membership) -> None:
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.ended_at is not None:
        return
    membership.ended_at = timezone.now()
    membership.save(update_fields=["ended_at"])
    record_change(
        acting=_acting_admin(by, membership.home_municipality_id),
        action=Action.MEMBERSHIP_ENDED,
        subject=membership.user,
        obj=membership,
        detail={"role": membership.role, "organisation": membership.organisation_label},
    )


@transaction.atomic(durable=True)
def suspend_user(*, by: User, user: User, municipality_id: int) -> None:
    """The account can no longer sign in, and every session it has ends at once."""
    if user.pk == by.pk:
        raise Refusal(_("Du kan ikke sperre din egen konto."))
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_active:
        return
    user.is_active = False
    user.suspended_at = timezone.now()
    user.save(update_fields=["is_active", "suspended_at"])
    _end_all_sessions(user)
    record_change(acting=_acting_admin(by, municipality_id), action=Action.ACCOUNT_SUSPENDED, subject=user, obj=user)


@transaction.atomic(durable=True)
def reactivate_user(*, by: User, user: User, municipality_id: int) -> None:
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_active or user.anonymised_at:
        return
    user.is_active = True
    user.suspended_at = None
    user.save(update_fields=["is_active", "suspended_at"])
    record_change(acting=_acting_admin(by, municipality_id), action=Action.ACCOUNT_REACTIVATED, subject=user, obj=user)


def _end_all_sessions(user: User) -> None:
    session_keys = list(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
    Session.objects.filter(session_key__in=session_keys).delete()
    UserSession.objects.filter(user=user).delete()


# --- the citizen's own account ---------------------------------------------------------------------


@transaction.atomic(durable=True)
def update_profile(*, user: User, changes: dict) -> None:
    user = User.objects.select_for_update().get(pk=user.pk)  # compare with what is stored
    changed = [field for field, value in changes.items() if getattr(user, field) != value]
    if not changed:
        return
    for field in changed:
        setattr(user, field, changes[field])
    user.full_clean(exclude=["password"])
    user.save(update_fields=changed)
    # Which fields changed, never their values.
    record_change(
        acting=Acting.citizen(user), action=Action.PROFILE_UPDATED, subject=user, obj=user, detail={"fields": changed}
    )


def erase_account(*, user: User) -> str:
    """The accounts part of deleting an account (mypage.services.delete_account, which has locked the person and
    ended their places and referrals first): roles end, sign-in ends everywhere, and what identifies the person
    is erased; the row stays, for the counts. Inside the caller's transaction; returns the address the
    confirmation goes to, which no longer exists once this returns."""
    user = User.objects.select_for_update(no_key=True).get(pk=user.pk)
    address = user.email
    Membership.objects.filter(user=user, ended_at__isnull=True).update(ended_at=timezone.now())
    EmailAddress.objects.filter(user=user).delete()
    user.authenticator_set.all().delete()
    _end_all_sessions(user)
    user.email = f"slettet-{user.pk}@anonym.invalid"
    user.first_name = ""
    user.last_name = ""
    user.phone = ""
    user.birth_date = None
    user.is_active = False
    user.anonymised_at = timezone.now()
    user.set_unusable_password()
    user.save()
    record_change(acting=Acting.citizen(user), action=Action.ACCOUNT_DELETED, subject=user, obj=user)
    return address
