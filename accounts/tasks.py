"""Background work for accounts: e-mails, sent by the task worker after the change is committed."""

import secrets

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django_tasks import task

from accounts.models import Invitation, hash_token


def new_token() -> str:
    return secrets.token_urlsafe(32)


@task(queue_name="email")
def send_invitation(invitation_id: int, language: str = settings.LANGUAGE_CODE) -> None:
    """Make the invitation's secret here, so it exists only in the e-mail, never in a stored task."""
    invitation = Invitation.objects.select_related("invited_by").get(pk=invitation_id)
    if not invitation.is_open():
        return
    token = new_token()
    Invitation.objects.filter(pk=invitation.pk).update(token_hash=hash_token(token))
    with translation.override(language):
        context = {
            "invitation": invitation,
            "link": settings.PORTAL_BASE_URL + reverse("accounts:invitation", kwargs={"token": token}),
            "portal_name": settings.PORTAL_NAME,
        }
        subject = render_to_string("accounts/email/invitation_subject.txt", context).strip()
        body = render_to_string("accounts/email/invitation_message.txt", context)
    send_mail(subject, body, None, [invitation.email])


@task(queue_name="email")
def send_account_deleted(address: str, language: str = settings.LANGUAGE_CODE) -> None:
    with translation.override(language):
        context = {"portal_name": settings.PORTAL_NAME}
        subject = render_to_string("accounts/email/account_deleted_subject.txt", context).strip()
        body = render_to_string("accounts/email/account_deleted_message.txt", context)
    send_mail(subject, body, None, [address])
