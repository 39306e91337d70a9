"""The municipality admin's pages: staff, their roles and invitations, and the change log."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import access, services
from administration.filters import AuditEventFilter
from administration.forms import InvitationForm
from administration.log import log_rows
from audit.acting import Acting
from audit.actions import Read
from audit.services import record_access
from base.refusals import Refusal
from base.views import allowed_or_404
from courses.access import administered_municipalities

municipality_admin_required = allowed_or_404(access.is_municipality_admin)


@municipality_admin_required
def staff_list(request):
    form = InvitationForm(request.POST or None, municipalities=administered_municipalities(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            services.invite_staff(
                by=request.user,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                organisation=form.cleaned_data["organisation"],
            )
        except Refusal as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, _("Invitasjonen er sendt."))
            return redirect("administration:staff_list")
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
        "administration/staff_list.html",
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
    return redirect("administration:staff_list")


@require_POST
@municipality_admin_required
def revoke_invitation(request, pk):
    invitation = get_object_or_404(access.invitations_visible_to(request.user), pk=pk)
    services.revoke_invitation(by=request.user, invitation=invitation)
    messages.success(request, _("Invitasjonen er trukket tilbake."))
    return redirect("administration:staff_list")


@require_POST
@municipality_admin_required
def suspend_user(request, pk):
    user = get_object_or_404(access.users_suspendable_by(request.user), pk=pk)
    try:
        services.suspend_user(
            by=request.user, user=user, municipality_id=access.municipality_in_charge(request.user, user)
        )
    except Refusal as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("Kontoen er sperret, og alle innlogginger er avsluttet."))
    return redirect("administration:staff_list")


@require_POST
@municipality_admin_required
def reactivate_user(request, pk):
    user = get_object_or_404(access.users_suspendable_by(request.user), pk=pk)
    services.reactivate_user(
        by=request.user, user=user, municipality_id=access.municipality_in_charge(request.user, user)
    )
    messages.success(request, _("Kontoen er åpnet igjen."))
    return redirect("administration:staff_list")


@municipality_admin_required
def audit_log(request):
    """Changes made by or to the staff of the admin's municipalities: when, what, who among the staff, in which
    role for which organisation. A citizen a change was about is never named here (that a health worker referred
    someone is shown, not whom): the admin sees a referral's person only by opening it with a written reason."""
    events = AuditEventFilter(
        request.GET,
        queryset=access.audit_events_visible_to(request.user).select_related("actor", "subject"),
        request=request,
    )
    page = Paginator(events.qs, 50).get_page(request.GET.get("side"))
    page.object_list = log_rows(page.object_list, staff=access.staff_users_visible_to(request.user))
    record_access(acting=Acting.municipality_admin(request.user, municipality_id=None), action=Read.AUDIT_LOG_VIEWED)
    return render(request, "administration/audit_log.html", {"filter": events, "page": page})
