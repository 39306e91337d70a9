"""Customising allauth through its adapters (never by subclassing its views)."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django.conf import settings
from django.urls import reverse

from accounts import access


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request):
        if access.is_staff_member(request.user) and access.is_municipality_admin(request.user):
            return reverse("administration:staff_list")
        return super().get_login_redirect_url(request)

    def send_mail(self, template_prefix, email, context):
        context = {**context, "portal_name": settings.PORTAL_NAME}
        super().send_mail(template_prefix, email, context)

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
