"""Customising allauth through its adapters (never by subclassing its views)."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.utils import get_next_redirect_url
from allauth.core import context as allauth_context
from allauth.mfa.adapter import DefaultMFAAdapter
from django import forms
from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from accounts import access
from base import mail


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request):
        return reverse(access.landing_page(request.user))

    def pre_authenticate(self, request, **credentials):
        """Too many wrong passwords for an address lock signing in with a password to it for a while (allauth's
        ``login_failed`` limit), the right one included. Anyone can type anyone's address, so anyone could lock
        anyone out: the refusal offers the way that still works, a code sent to the address."""
        try:
            super().pre_authenticate(request, **credentials)
        except forms.ValidationError as error:
            if error.code != "too_many_login_attempts":
                raise
            raise forms.ValidationError(self._password_paused_message(request), code=error.code) from error

    @staticmethod
    def _password_paused_message(request):
        url = reverse("account_request_login_code")
        next_url = get_next_redirect_url(request)
        if next_url:
            url = f"{url}?{urlencode({'next': next_url})}"
        return format_html(
            '{} <a class="ds-link" href="{}">{}</a>',
            _(
                "Det er skrevet feil passord for mange ganger. For å beskytte kontoen kan du ikke logge inn med "
                "passord på noen minutter, men du kan logge inn med en kode vi sender på e-post."
            ),
            url,
            _("Få en kode på e-post og logg inn"),
        )

    def send_mail(self, template_prefix, email, context):
        """Drawn here, in the request's language and with its links, and sent by the worker: the request does not
        wait for the mail server, and a failure is tried again (base.mail). The stored e-mail, with its code or
        link, is deleted once sent."""
        request = allauth_context.request
        context = {
            "request": request,
            "email": email,
            "current_site": get_current_site(request),
            **context,
            "portal_name": settings.PORTAL_NAME,
        }
        mail.send_drawn_later(self.render_mail(template_prefix, email, context))

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=False)
        user.preferred_language = getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE)
        if commit:
            user.save()
        return user


class MFAAdapter(DefaultMFAAdapter):
    def get_public_key_credential_rp_entity(self):
        entity = super().get_public_key_credential_rp_entity()
        entity["name"] = settings.PORTAL_NAME
        return entity
