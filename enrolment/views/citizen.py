"""Signing up, waiting, accepting a freed seat and cancelling: the citizen's side."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.services import acting_self, find_or_create_citizen
from courses.models import Offer, Run
from enrolment import links, services
from enrolment.forms import ConfirmForm, SignUpForm
from enrolment.models import Enrolment, Interest


@never_cache
def sign_up(request, run_id):
    run = get_object_or_404(
        Run.objects.published().select_related("offer__provider", "semester"), pk=run_id, offer__is_published=True
    )
    offer = run.offer
    needs_birth_date = offer.min_age is not None or offer.max_age is not None

    def form_for(data, waiting):
        if data is not None:
            data = {**data.dict(), "waiting_list": "on" if waiting else ""}
        return SignUpForm(data, user=request.user, needs_birth_date=needs_birth_date, initial={"waiting_list": waiting})

    # A full run's form is a waiting-list form from the start: one press of the button is enough.
    waiting = not services.count_seats(run).open_to_walk_ins
    form = SignUpForm(
        request.POST or None, user=request.user, needs_birth_date=needs_birth_date, initial={"waiting_list": waiting}
    )
    if request.method == "POST" and form.is_valid():
        waiting = form.cleaned_data["waiting_list"]
        person = _person_for(request, form.cleaned_data)
        try:
            if waiting:
                enrolment = services.join_waiting_list(run_id=run.pk, person=person, acting=acting_self(person))
            else:
                enrolment = services.sign_up(
                    run_id=run.pk,
                    person=person,
                    acting=acting_self(person),
                    wants_reminders=form.cleaned_data["wants_reminders"],
                )
        except services.RunFull as refusal:
            waiting = True  # the last seat went just now: nothing typed is lost, the form offers the list
            form = form_for(request.POST, waiting)
            form.is_valid()
            form.add_error(None, refusal.message)
        except services.EnrolmentRefusal as refusal:
            if refusal.code == "seats_free":
                waiting = False
                form = form_for(request.POST, waiting)
                form.is_valid()
            form.add_error(None, refusal.message)
        else:
            # A signed link, so the confirmation shows without an account and without a server session.
            url = reverse("enrolment:confirmation", kwargs={"public_id": enrolment.public_id})
            return redirect(f"{url}?t={links.token_for(enrolment, 'view')}")
    return render(request, "enrolment/sign_up_form.html", {"run": run, "offer": offer, "form": form, "full": waiting})


def _person_for(request, data):
    if request.user.is_authenticated:
        if data.get("birth_date") and not request.user.birth_date:
            from accounts.services import update_profile

            update_profile(user=request.user, changes={"birth_date": data["birth_date"]})
            request.user.refresh_from_db()
        return request.user
    return find_or_create_citizen(
        name=data["name"],
        email=data.get("email", ""),
        phone=data.get("phone", ""),
        birth_date=data.get("birth_date"),
        language=get_language(),
    )


def _own_or_linked(request, public_id, action=None) -> Enrolment:
    """The enrolment, if it is the signed-in person's own, or the request carries a signed link's token
    for this action (from the e-mail, or from the sign-up that just made it). Otherwise: not found."""
    enrolment = get_object_or_404(
        Enrolment.objects.select_related("run__offer__provider", "run__semester", "person"), public_id=public_id
    )
    if request.user.is_authenticated and enrolment.person_id == request.user.pk:
        return enrolment
    token = request.POST.get("t") or request.GET.get("t")
    if action and links.token_is_valid(enrolment, action, token):
        return enrolment
    raise Http404


@never_cache
def confirmation(request, public_id):
    enrolment = _own_or_linked(request, public_id, "view")
    position = waiting = None
    if enrolment.status == Enrolment.Status.WAITLISTED:
        position, waiting = services.waiting_position(enrolment)
    return render(
        request,
        "enrolment/confirmation.html",
        {
            "enrolment": enrolment,
            "run": enrolment.run,
            "offer": enrolment.run.offer,
            "position": position,
            "waiting": waiting,
            "cancel_token": links.token_for(enrolment, "cancel"),
        },
    )


def _act(request, public_id, *, action, service, template, success):
    enrolment = _own_or_linked(request, public_id, action)
    form = ConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            service(enrolment_id=enrolment.pk, acting=acting_self(enrolment.person))
        except services.EnrolmentRefusal as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, success)
        if request.user.is_authenticated:
            return redirect("accounts:my_page")
        return redirect(enrolment.run.offer.get_absolute_url())
    return render(
        request,
        template,
        {"enrolment": enrolment, "run": enrolment.run, "offer": enrolment.run.offer, "token": request.GET.get("t", "")},
    )


@never_cache
def cancel(request, public_id):
    return _act(
        request,
        public_id,
        action="cancel",
        service=services.cancel,
        template="enrolment/cancel_confirm.html",
        success=_("Du er meldt av. Takk for at du sa fra – nå kan plassen gå til noen andre."),
    )


@never_cache
def accept(request, public_id):
    return _act(
        request,
        public_id,
        action="accept",
        service=services.accept_offer,
        template="enrolment/offer_accept.html",
        success=_("Så fint! Plassen er din."),
    )


@never_cache
def decline(request, public_id):
    return _act(
        request,
        public_id,
        action="decline",
        service=services.decline_offer,
        template="enrolment/offer_decline.html",
        success=_("Takk for svaret. Plassen går videre, og du kan sette deg på ventelisten igjen når du vil."),
    )


@require_POST
@login_required
def register_interest(request, slug):
    offer = get_object_or_404(Offer.objects.published(), slug=slug)
    services.register_interest(offer=offer, person=request.user, acting=acting_self(request.user))
    messages.success(request, _("Vi sier fra til deg når det kommer nye datoer for dette tilbudet."))
    return redirect(offer.get_absolute_url())


@require_POST
@login_required
def withdraw_interest(request, pk):
    interest = get_object_or_404(Interest.objects.filter(person=request.user), pk=pk)
    services.withdraw_interest(interest=interest, acting=acting_self(request.user))
    messages.success(request, _("Du får ikke lenger beskjed om nye datoer for dette tilbudet."))
    return redirect("accounts:my_page")
