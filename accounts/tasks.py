"""Background work for accounts: e-mails, sent by the task worker after the change is committed."""

import secrets

from django.conf import settings
from django.urls import reverse

from accounts.models import Invitation, hash_token
from base import mail


def new_token() -> str:
    return secrets.token_urlsafe(32)


@mail.email_task
def send_invitation(invitation_id: int, language: str = settings.LANGUAGE_CODE) -> None:
    """Make the invitation's secret here, so it exists only in the e-mail, never in a stored task. A new try
    makes a new one: the e-mail whose sending failed never carried the old."""
    invitation = Invitation.objects.select_related("invited_by").get(pk=invitation_id)
    if not invitation.is_open():
        return
    token = new_token()
    Invitation.objects.filter(pk=invitation.pk).update(token_hash=hash_token(token))
    mail.send(
        template="accounts/email/invitation",
        to=invitation.email,
        language=language,
        context={
            "invitation": invitation,
            "link": settings.PORTAL_BASE_URL + reverse("accounts:invitation", kwargs={"token": token}),
        },
    )


@mail.email_task
def send_account_deleted(address: str, language: str = settings.LANGUAGE_CODE) -> None:
    mail.send(template="accounts/email/account_deleted", to=address, language=language, context={})
