from functools import wraps

from allauth.account.decorators import reauthentication_required
from allauth.account.utils import perform_login
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts import access, services
from accounts.export import personal_data
from accounts.filters import AuditEventFilter
from accounts.forms import DeleteAccountForm, InvitationForm, InvitationSignupForm, ProfileForm
from audit.services import Acting, record_access
from enrolment import access as enrolment_access
from enrolment import services as enrolment_services

# --- the citizen's own pages -------------------------------------------------------------------------


@never_cache
@login_required
def my_page(request):
    user = request.user
    return render(
        request,
        "accounts/my_page.html",
        {
            "enrolments": enrolment_services.enrolments_of(user),
            "referrals": user.referrals_about_me.select_related("offer", "referrer").order_by("-created_at"),
            "interests": user.interests.filter(notified_at__isnull=True).select_related("offer"),
            "is_course_staff": enrolment_access.is_course_staff(user),
            "roles": access.active_memberships(user).select_related(
                "service_unit", "provider", "run__offer", "municipality"
            ),
        },
    )


@never_cache
@login_required
def profile_edit(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        services.update_profile(user=request.user, changes=form.cleaned_data)
        messages.success(request, _("Profilen din er lagret."))
        return redirect("accounts:my_page")
    return render(request, "accounts/profile_form.html", {"form": form})


@never_cache
@login_required
@reauthentication_required
def my_data(request):
    return render(request, "accounts/my_data.html", {"data": personal_data(request.user)})


@never_cache
@login_required
@reauthentication_required
def my_data_json(request):
    response = JsonResponse(personal_data(request.user), json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = 'attachment; filename="mine-data.json"'
    return response


@never_cache
@login_required
@reauthentication_required
def delete_account(request):
    form = DeleteAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.delete_account(user=request.user)
        messages.success(request, _("Kontoen din er slettet. Du får en bekreftelse på e-post."))
        return redirect("home")
    return render(request, "accounts/delete_account.html", {"form": form})


# --- invitations ---------------------------------------------------------------------------------------


@never_cache
def invitation(request, token):
    invitation_ = services.open_invitation(token)
    if invitation_ is None:
        return render(request, "accounts/invitation_invalid.html", status=404)
    if request.user.is_authenticated:
        if request.method == "POST":
            try:
                services.accept_invitation(token=token, user=request.user)
            except services.AccountsRefusal as refusal:
                messages.error(request, refusal.message)
                return redirect("accounts:my_page")
            messages.success(request, _("Velkommen! Rollen din er klar."))
            return redirect("accounts:my_page")
        return render(request, "accounts/invitation_accept.html", {"invitation": invitation_})
    form = InvitationSignupForm(request.POST or None, email=invitation_.email)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.create_account_from_invitation(
                token=token, name=form.cleaned_data["name"], password=form.cleaned_data["password1"]
            )
        except services.AccountsRefusal as refusal:
            messages.error(request, refusal.message)
            return redirect("account_login")
        # allauth's own login flow records the sign-in, so setting up the second factor needs no new password.
        return perform_login(request, user, redirect_url=reverse("mfa_activate_totp"))
    return render(request, "accounts/invitation_signup.html", {"invitation": invitation_, "form": form})


# --- the municipality admin's pages ------------------------------------------------------------------


def municipality_admin_required(view):
    """Only municipality admins (and superusers); everyone else is told the page does not exist."""

    @wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        if not access.is_municipality_admin(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return never_cache(wrapped)


@municipality_admin_required
def staff_list(request):
    municipalities = access.administered_municipalities(request.user)
    form = InvitationForm(request.POST or None, municipalities=municipalities)
    if request.method == "POST" and form.is_valid():
        try:
            services.invite_staff(
                by=request.user,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                organisation=form.cleaned_data["organisation"],
            )
        except services.AccountsRefusal as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, _("Invitasjonen er sendt."))
            return redirect("accounts:staff_list")
    memberships = (
        access.memberships_visible_to(request.user)
        .select_related("user", "service_unit", "provider", "run__offer", "run__semester", "municipality")
        .order_by("ended_at", "user__email", "role")
    )
    invitations = (
        access.invitations_visible_to(request.user)
        .filter(accepted_at__isnull=True, revoked_at__isnull=True)
        .select_related("service_unit", "provider", "run__offer", "municipality")
    )
    return render(
        request,
        "accounts/staff_list.html",
        {
            "memberships": memberships,
            "invitations": invitations,
            "form": form,
            "suspendable": set(access.users_suspendable_by(request.user).values_list("pk", flat=True)),
        },
    )


@require_POST
@municipality_admin_required
def end_membership(request, pk):
    membership = get_object_or_404(access.memberships_visible_to(request.user), pk=pk)
    services.end_membership(by=request.user, membership=membership)
    messages.success(request, _("Rollen er avsluttet. Personen har ikke lenger tilgang gjennom den."))
    return redirect("accounts:staff_list")


@require_POST
@municipality_admin_required
def revoke_invitation(request, pk):
    invitation_ = get_object_or_404(access.invitations_visible_to(request.user), pk=pk)
    services.revoke_invitation(by=request.user, invitation=invitation_)
    messages.success(request, _("Invitasjonen er trukket tilbake."))
    return redirect("accounts:staff_list")


@require_POST
@municipality_admin_required
def suspend_user(request, pk):
    user = get_object_or_404(access.users_suspendable_by(request.user), pk=pk)
    try:
        services.suspend_user(
            by=request.user, user=user, municipality_id=access.municipality_in_charge(request.user, user)
        )
    except services.AccountsRefusal as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("Kontoen er sperret, og alle innlogginger er avsluttet."))
    return redirect("accounts:staff_list")


@require_POST
@municipality_admin_required
def reactivate_user(request, pk):
    user = get_object_or_404(access.users_suspendable_by(request.user), pk=pk)
    services.reactivate_user(
        by=request.user, user=user, municipality_id=access.municipality_in_charge(request.user, user)
    )
    messages.success(request, _("Kontoen er åpnet igjen."))
    return redirect("accounts:staff_list")


@municipality_admin_required
def audit_log(request):
    events = AuditEventFilter(
        request.GET,
        queryset=access.audit_events_visible_to(request.user).select_related("actor", "subject"),
    )
    page = Paginator(events.qs, 50).get_page(request.GET.get("side"))
    record_access(
        acting=Acting(user=request.user, role="municipality_admin"),
        action="audit_log.viewed",
        reason="",
    )
    return render(request, "accounts/audit_log.html", {"filter": events, "page": page})
