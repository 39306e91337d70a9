from allauth.account.internal.flows.reauthentication import reauthenticate_by_password
from allauth.account.utils import perform_login
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from accounts import services
from accounts.forms import InvitationSignupForm, ProfileForm
from base.refusals import Refusal


@never_cache
@login_required
def profile_edit(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        services.update_profile(user=request.user, changes=form.cleaned_data)
        messages.success(request, _("Profilen din er lagret."))
        return redirect("mypage:my_page")
    return render(request, "accounts/profile_form.html", {"form": form})


@never_cache
def invitation(request, token):
    invitation_ = services.open_invitation(token)
    if invitation_ is None:
        return render(request, "accounts/invitation_invalid.html", status=404)
    if request.user.is_authenticated:
        if request.method == "POST":
            try:
                services.accept_invitation(token=token, user=request.user)
            except Refusal as refusal:
                messages.error(request, refusal.message)
                return redirect("mypage:my_page")
            messages.success(request, _("Velkommen! Rollen din er klar."))
            return redirect("mypage:my_page")
        return render(request, "accounts/invitation_accept.html", {"invitation": invitation_})
    form = InvitationSignupForm(request.POST or None, email=invitation_.email)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.create_account_from_invitation(
                token=token, name=form.cleaned_data["name"], password=form.cleaned_data["password1"]
            )
        except Refusal as refusal:
            messages.error(request, refusal.message)
            return redirect("account_login")
        response = perform_login(request, user, redirect_url=reverse("mfa_activate_totp"))
        if request.user.is_authenticated:
            # The password was typed in this very request: as good as allauth's "confirm your password" step, so
            # setting up the second factor next does not ask for it again (allauth counts only that step).
            reauthenticate_by_password(request)
        return response
    return render(request, "accounts/invitation_signup.html", {"invitation": invitation_, "form": form})
