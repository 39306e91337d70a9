"""Customising allauth through its adapters (never by subclassing its views)."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.mfa.adapter import DefaultMFAAdapter
from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site
from django.urls import reverse

from accounts import access
from base import mail


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request):
        if access.is_staff_member(request.user) and access.is_municipality_admin(request.user):
            return reverse("administration:staff_list")
        return super().get_login_redirect_url(request)

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
