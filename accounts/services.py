"""Every change to accounts, roles and memberships. Each writes an audit row.

Top-level services own their transaction; e-mail goes out after commit, through tasks.
"""

import datetime as dt

from allauth.account.models import EmailAddress
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts import access, tasks
from accounts.models import ROLE_SCOPE, Invitation, Membership, Role, User, hash_token
from audit.services import Acting, record_change

INVITATION_LIFETIME = dt.timedelta(days=7)


class AccountsRefusal(Exception):
    """A change that is refused, with a message for the person who asked."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def acting_admin(user, municipality_id: int) -> Acting:
    role = Role.MUNICIPALITY_ADMIN if access.has_role(user, Role.MUNICIPALITY_ADMIN) else "superuser"
    return Acting(user=user, role=role, organisation=f"municipality:{municipality_id}")


def acting_self(user) -> Acting:
    return Acting(user=user, role="citizen", organisation="")


# --- invitations -----------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def invite_staff(*, by: User, email: str, role: str, organisation) -> Invitation:
    if not access.can_assign(by, role=role, organisation=organisation):
        raise AccountsRefusal(_("Du kan bare invitere til organisasjoner i din egen kommune."))
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
        acting=acting_admin(by, invitation.home_municipality_id),
        action="invitation.sent",
        obj=invitation,
        detail={"role": role, "organisation": invitation.organisation_label},
    )
    language = translation.get_language() or settings.LANGUAGE_CODE
    transaction.on_commit(lambda: tasks.send_invitation.enqueue(invitation.pk, language))
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
    record_change(acting=acting_admin(by, invitation.home_municipality_id), action="invitation.revoked", obj=invitation)


@transaction.atomic(durable=True)
def accept_invitation(*, token: str, user: User) -> Membership:
    invitation = Invitation.objects.select_for_update().filter(token_hash=hash_token(token)).first()
    if invitation is None or not invitation.is_open():
        raise AccountsRefusal(_("Invitasjonen er brukt, trukket tilbake eller utløpt. Be om en ny."))
    if invitation.email != user.email.lower():
        raise AccountsRefusal(_("Invitasjonen ble sendt til en annen e-postadresse enn den du er logget inn med."))
    return _accept(invitation, user)


@transaction.atomic(durable=True)
def create_account_from_invitation(*, token: str, name: str, password: str) -> User:
    """A new staff member sets a name and password; the e-mail is verified by the invitation link."""
    invitation = Invitation.objects.select_for_update().filter(token_hash=hash_token(token)).first()
    if invitation is None or not invitation.is_open():
        raise AccountsRefusal(_("Invitasjonen er brukt, trukket tilbake eller utløpt. Be om en ny."))
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise AccountsRefusal(_("Det finnes allerede en konto med denne e-postadressen. Logg inn først."))
    user = User.objects.create_user(email=invitation.email, password=password, first_name=name)
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    record_change(acting=Acting(user=user, role=invitation.role), action="account.created", subject=user, obj=user)
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
        acting=Acting(user=user, role=invitation.role, organisation=invitation.organisation_label),
        action="membership.started",
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
        acting=acting_admin(by, membership.home_municipality_id),
        action="membership.ended",
        subject=membership.user,
        obj=membership,
        detail={"role": membership.role, "organisation": membership.organisation_label},
    )


@transaction.atomic(durable=True)
def suspend_user(*, by: User, user: User, municipality_id: int) -> None:
    """The account can no longer sign in, and every session it has ends at once."""
    if user.pk == by.pk:
        raise AccountsRefusal(_("Du kan ikke sperre din egen konto."))
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_active:
        return
    user.is_active = False
    user.suspended_at = timezone.now()
    user.save(update_fields=["is_active", "suspended_at"])
    _end_all_sessions(user)
    record_change(acting=acting_admin(by, municipality_id), action="account.suspended", subject=user, obj=user)


@transaction.atomic(durable=True)
def reactivate_user(*, by: User, user: User, municipality_id: int) -> None:
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_active or user.anonymised_at:
        return
    user.is_active = True
    user.suspended_at = None
    user.save(update_fields=["is_active", "suspended_at"])
    record_change(acting=acting_admin(by, municipality_id), action="account.reactivated", subject=user, obj=user)


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
        acting=acting_self(user), action="profile.updated", subject=user, obj=user, detail={"fields": changed}
    )


@transaction.atomic(durable=True)
def delete_account(*, user: User) -> None:
    """Cancel what is active (freeing seats), anonymise what must be kept, confirm by e-mail.

    Locked in the order enrolment.services describes: the person, their account row (for no-key update, so
    that staff writing about the person meanwhile do not wait for it), their referrals, then their runs."""
    from enrolment.services import cancel_all_for_person
    from referrals.services import withdraw_all_for_person

    lock_person(user=user)
    user = User.objects.select_for_update(no_key=True).get(pk=user.pk)
    if user.anonymised_at:
        return
    address, language = user.email, user.preferred_language
    withdraw_all_for_person(person=user)
    cancel_all_for_person(person=user, acting=acting_self(user))
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
    record_change(acting=Acting(user=user, role="citizen"), action="account.deleted", subject=user, obj=user)
    transaction.on_commit(lambda: tasks.send_account_deleted.enqueue(address, language))


def mobile_only_address(phone: str) -> str:
    """People who sign up with only a mobile number get a placeholder address nobody can e-mail."""
    return f"mobil-{phone.lstrip('+')}@mobil.invalid"


# The first key of the person's advisory lock (pg_advisory_xact_lock(key, hashtext(address))).
_PERSON_LOCK_KEY = 0x50455253  # "PERS"


def lock_person(*, email: str = "", phone: str = "", user: User | None = None) -> None:
    """Hold one person's lock, by their address, until the transaction ends.

    Two forms for the same person at the same moment (a sign-up to two runs, two referrals) would each
    look the person up, find nobody and create them twice, or each count the person's enrolments and
    both pass the provider's limit. Whatever looks up, creates, enrols or deletes a person takes this lock
    first, before their account row, any referral's or any run's lock (the order enrolment.services
    describes, so these locks cannot deadlock). Taking it again in the same transaction is free. The
    address is what find_citizen matches: the e-mail, or the stand-in made from the mobile number.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("A person can only be locked inside a transaction.")
    address = user.email if user is not None else _sign_up_address(email, phone)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [_PERSON_LOCK_KEY, address.strip().lower()])


@transaction.atomic(savepoint=False)  # inside a caller's transaction it is part of that, with no savepoint of its own
def find_or_create_citizen(*, name: str, email: str, phone: str, birth_date, language: str) -> User:
    """The person behind a sign-up without an account: matched by e-mail (or mobile), else created.

    An existing account is never changed from an anonymous form, except to add a missing birth date.
    """
    lock_person(email=email, phone=phone)
    user = find_citizen(email=email, phone=phone)
    if user is None:
        return create_citizen(name=name, email=email, phone=phone, birth_date=birth_date, language=language)
    if user.birth_date is None and birth_date:
        add_missing_birth_date(user=user, birth_date=birth_date)
    return user


def _sign_up_address(email: str, phone: str) -> str:
    """The account's address: the e-mail given, or a stand-in made from the mobile number."""
    return email.strip().lower() if email else mobile_only_address(phone)


def find_citizen(*, email: str, phone: str) -> User | None:
    """The account a sign-up without one belongs to: matched by e-mail, or by mobile when there is no e-mail."""
    return User.objects.filter(email__iexact=_sign_up_address(email, phone)).first()


@transaction.atomic(savepoint=False)
def create_citizen(*, name: str, email: str, phone: str, birth_date, language: str) -> User:
    """A person from a form without an account, when find_citizen found none."""
    address = _sign_up_address(email, phone)
    # No password: they sign in with an e-mailed code if they want an account at all.
    user = User.objects.create_user(
        email=address, first_name=name.strip(), phone=phone, birth_date=birth_date, preferred_language=language
    )
    if email:
        EmailAddress.objects.create(user=user, email=address, primary=True, verified=False)
    record_change(
        acting=Acting(user=None, role="citizen"),
        action="account.created",
        subject=user,
        obj=user,
        detail={"via": "sign_up"},
    )
    return user


@transaction.atomic(savepoint=False)
def add_missing_birth_date(*, user: User, birth_date) -> None:
    """The one change an anonymous form may make to an existing account."""
    user.birth_date = birth_date
    user.save(update_fields=["birth_date"])
    record_change(
        acting=Acting(user=None, role="citizen"),
        action="profile.updated",
        subject=user,
        obj=user,
        detail={"fields": ["birth_date"], "via": "sign_up"},
    )
