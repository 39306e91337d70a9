"""Min side: a person's own places, referrals and wishes, their data, and deleting their account."""

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from accounts import access
from enrolment import access as enrolment_access
from enrolment.services.places import enrolments_of
from mypage import services
from mypage.export import as_file, in_words, personal_data
from mypage.forms import DeleteAccountForm


@never_cache
@login_required
def my_page(request):
    user = request.user
    return render(
        request,
        "mypage/my_page.html",
        {
            "enrolments": enrolments_of(user),
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
@reauthentication_required
def my_data(request):
    return render(request, "mypage/my_data.html", {"data": in_words(personal_data(request.user))})


@never_cache
@login_required
@reauthentication_required
def my_data_json(request):
    data = as_file(personal_data(request.user))
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = 'attachment; filename="mine-data.json"'
    return response


@never_cache
@login_required
@reauthentication_required
def delete_account(request):
    form = DeleteAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.delete_account(user=request.user)
        # Deleting ended every session of the account, this one too: a fresh one carries the message.
        logout(request)
        messages.success(request, _("Kontoen din er slettet. Du får en bekreftelse på e-post."))
        return redirect("home")
    return render(request, "mypage/delete_account.html", {"form": form})
