"""Two rules for staff, who see personal data: a second factor, and sessions that end."""

import time

from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from accounts import access

# Pages a staff member without a second factor can still reach: signing in and out, and setting it up.
_MFA_SETUP_URL_PREFIXES = ("account_", "mfa_", "usersessions_")


class RequireStaffMFAMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or not access.is_staff_member(user):
            return None
        url_name = request.resolver_match.url_name if request.resolver_match else ""
        if url_name and url_name.startswith(_MFA_SETUP_URL_PREFIXES):
            return None
        if is_mfa_enabled(user):
            return None
        messages.info(
            request,
            _(
                "Fordi du får se personopplysninger, må du logge inn med to trinn. "
                "Sett det opp nå med en app på mobilen din, så kommer du videre."
            ),
        )
        return redirect("mfa_activate_totp")


class StaffSessionPolicyMiddleware:
    """Staff are signed out after a spell of inactivity and, at the latest, some hours after signing in."""

    STARTED = "staff_session_started_at"
    LAST_SEEN = "staff_session_last_seen_at"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and access.is_staff_member(user):
            now = time.time()
            started = request.session.setdefault(self.STARTED, now)
            last_seen = request.session.get(self.LAST_SEEN, now)
            idle = now - last_seen > settings.STAFF_SESSION_IDLE_SECONDS
            too_old = now - started > settings.STAFF_SESSION_MAX_SECONDS
            if idle or too_old:
                logout(request)
                messages.info(
                    request,
                    _("Du ble logget ut fordi det var lenge siden sist. Logg inn igjen for å fortsette.")
                    if idle
                    else _("Du har vært innlogget lenge, så vi logget deg ut for sikkerhets skyld. Logg inn igjen."),
                )
                return redirect_to_login(request.get_full_path())
            request.session[self.LAST_SEEN] = now
        return self.get_response(request)
