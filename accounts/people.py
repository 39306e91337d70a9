"""People the portal knows of: found by their address, created from a form, and locked one at a time.

The lowest step of the lock order the enrolment services describe (enrolment/services/locks.py): whatever looks
up, creates, enrols or deletes a person takes ``lock_person`` first. This module imports no app but audit.
"""

from allauth.account.models import EmailAddress
from django.db import connection, transaction

from accounts.models import User
from audit.acting import Acting
from audit.actions import Action
from audit.services import record_change

# The first key of the person's advisory lock (pg_advisory_xact_lock(key, hashtext(address))).
_PERSON_LOCK_KEY = 0x50455253  # "PERS"


def mobile_only_address(phone: str) -> str:
    """People who sign up with only a mobile number get a placeholder address nobody can e-mail."""
    return f"mobil-{phone.lstrip('+')}@mobil.invalid"


def _sign_up_address(email: str, phone: str) -> str:
    """The account's address: the e-mail given, or a stand-in made from the mobile number."""
    return email.strip().lower() if email else mobile_only_address(phone)


def lock_person(*, email: str = "", phone: str = "", user: User | None = None) -> None:
    """Hold one person's lock, by their address, until the transaction ends.

    Two forms for the same person at the same moment (a sign-up to two runs, two referrals) would each
    look the person up, find nobody and create them twice, or each count the person's enrolments and
    both pass the provider's limit. Whatever looks up, creates, enrols or deletes a person takes this lock
    first, before their account row, any referral's or any run's lock (the order enrolment/services/locks.py
    describes, so these locks cannot deadlock). Taking it again in the same transaction is free. The
    address is what find_citizen matches: the e-mail, or the stand-in made from the mobile number.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("A person can only be locked inside a transaction.")
    address = user.email if user is not None else _sign_up_address(email, phone)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [_PERSON_LOCK_KEY, address.strip().lower()])


def find_citizen(*, email: str, phone: str) -> User | None:
    """The account a sign-up without one belongs to: matched by e-mail, or by mobile when there is no e-mail."""
    return User.objects.filter(email__iexact=_sign_up_address(email, phone)).first()


@transaction.atomic(savepoint=False)  # inside a caller's transaction it is part of that, with no savepoint of its own
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
        acting=Acting.citizen(None), action=Action.ACCOUNT_CREATED, subject=user, obj=user, detail={"via": "sign_up"}
    )
    return user


def add_missing_birth_date(*, user: User, birth_date) -> None:
    """The one change a form about someone may make to their account (a coordinator's, a sign-up
    confirmed from the address): a birth date where there was none, for the age limits. A referral changes no
    account: it keeps what the health worker typed (referrals.models.Referral)."""
    user.birth_date = birth_date
    user.save(update_fields=["birth_date"])
    record_change(
        acting=Acting.citizen(None),
        action=Action.PROFILE_UPDATED,
        subject=user,
        obj=user,
        detail={"fields": ["birth_date"], "via": "sign_up"},
    )
