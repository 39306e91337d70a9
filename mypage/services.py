"""Deleting an account: above every app it touches, so each app's part is called in the order of the locks."""

from django.db import transaction

from accounts import services as account_services
from accounts import tasks as account_tasks
from accounts.models import User
from accounts.people import lock_person
from audit.acting import Acting
from enrolment.services.places import cancel_all_for_person
from referrals.services import withdraw_all_for_person


@transaction.atomic(durable=True)
def delete_account(*, user: User) -> None:
    """Cancel what is active (freeing seats), anonymise what must be kept, confirm by e-mail.

    Locked in the order enrolment/services/locks.py describes: the person, their account row (for no-key update,
    so that staff writing about the person meanwhile do not wait for it), their referrals, then their runs."""
    lock_person(user=user)
    user = User.objects.select_for_update(no_key=True).get(pk=user.pk)
    if user.anonymised_at:
        return
    language = user.preferred_language
    withdraw_all_for_person(person=user)
    cancel_all_for_person(person=user, acting=Acting.citizen(user))
    address = account_services.erase_account(user=user)
    account_tasks.send_account_deleted.enqueue(address, language)
