"""E-mails about referrals: a neutral message and a link, never the referral's content."""

from django.conf import settings
from django.urls import reverse

from accounts.models import Membership, Role
from base import mail
from referrals import links
from referrals.models import Referral


def tell_after_commit(referral, kind: str) -> None:
    """Queued in the change's transaction (committed or rolled back with it: base/tasks.py), sent after commit."""
    tell.enqueue(referral.pk, kind)


def _recipients(referral, kind):
    if kind.endswith("_for_person"):
        person = referral.person
        if person is None or not person.contact_email:
            return [], settings.LANGUAGE_CODE
        return [person.email], person.preferred_language
    if kind.endswith("_for_worker"):
        return [referral.referrer.email], referral.referrer.preferred_language
    coordinators = Membership.objects.active().filter(role=Role.COORDINATOR, provider=referral.offer.provider_id)
    return list(coordinators.values_list("user__email", flat=True)), settings.LANGUAGE_CODE


@mail.email_task
def tell(referral_id: int, kind: str) -> None:
    referral = Referral.objects.select_related("person", "referrer", "offer").filter(pk=referral_id).first()
    if referral is None or referral.erased_at:
        return
    to, language = _recipients(referral, kind)
    if not to:
        return
    if kind.endswith("_for_person"):
        link = links.person_url(referral)
    elif kind.endswith("_for_worker"):
        link = settings.PORTAL_BASE_URL + reverse("referrals:detail", kwargs={"public_id": referral.public_id})
    else:
        link = settings.PORTAL_BASE_URL + reverse("referrals:inbox")
    mail.send(template="referrals/email/referral", to=to, language=language, context={"link": link, "kind": kind})
