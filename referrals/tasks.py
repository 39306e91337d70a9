"""E-mails about referrals: a neutral message and a link, never the referral's content."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django_tasks import task

logger = logging.getLogger(__name__)


def _recipients(referral, kind):
    from accounts.models import Membership, Role

    if kind.endswith("_for_person"):
        person = referral.person
        if person is None or not person.contact_email:
            return [], settings.LANGUAGE_CODE
        return [person.email], person.preferred_language
    if kind.endswith("_for_worker"):
        return [referral.referrer.email], referral.referrer.preferred_language
    coordinators = Membership.objects.active().filter(role=Role.COORDINATOR, provider=referral.offer.provider_id)
    return list(coordinators.values_list("user__email", flat=True)), settings.LANGUAGE_CODE


@task(queue_name="email")
def tell(referral_id: int, kind: str, attempt: int = 1) -> None:
    from enrolment.tasks import _retry
    from referrals import links
    from referrals.models import Referral

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
    try:
        with translation.override(language):
            context = {"link": link, "portal_name": settings.PORTAL_NAME, "kind": kind}
            subject = " ".join(render_to_string("referrals/email/subject.txt", context).split())
            body = render_to_string("referrals/email/message.txt", context)
        send_mail(subject, body, None, to)
    except Exception as error:
        _retry(tell, (referral_id, kind), attempt, error)
