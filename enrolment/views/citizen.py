"""Signing up, waiting, accepting a freed seat and cancelling: the citizen's side."""

from allauth.account.adapter import get_adapter
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.services import update_profile
from audit.acting import Acting
from courses.models import Offer, Run
from enrolment import eligibility, links
from enrolment.forms import CodeForm, ConfirmForm, RemindersForm, SignUpForm
from enrolment.models import Enrolment, Interest, SeatHold
from enrolment.refusals import EnrolmentRefusal, RunFull
from enrolment.seats import count_seats
from enrolment.services import holds, interests, places, waiting_list
from enrolment.services.locks import public_run


@never_cache
def sign_up(request, run_id):
    posted = request.POST or None
    if posted is None:
        # A cancelled run's page says so (its link may be in a bookmark or an e-mail); a draft is not there yet.
        run = _public_run(run_id)
        person = request.user if request.user.is_authenticated else None
        refusal = eligibility.sign_up_refusal(run=run, person=person)
        if refusal is not None:
            # Said before anything is typed in. Someone not signed in may be continuing from the run before.
            return render(
                request,
                "enrolment/sign_up_closed.html",
                {"run": run, "offer": run.offer, "refusal": refusal, "may_sign_in": person is None},
            )
        # A full run's form is a waiting-list form from the start: one press of the button is enough.
        waiting = not count_seats(run).open_to_walk_ins
        return _sign_up_page(request, run, _sign_up_form(request, run, None, waiting=waiting), waiting=waiting)

    # Posted: the service reads the run and counts its seats under the run's lock, and a refusal carries the run
    # for the page that explains it, so the run is not read here first. The form takes a birth date wherever the
    # page asked for one; whether the offer needs it is the service's to check, with the age limit.
    form = SignUpForm(posted, user=request.user, needs_birth_date=None)
    if not form.is_valid():
        run = _public_run(run_id)
        form = _sign_up_form(request, run, posted)
        if not form.is_valid():
            return _sign_up_page(request, run, form, waiting=not count_seats(run).open_to_walk_ins)
    try:
        made = _enrol(request, run_id, form.cleaned_data)
    except Run.DoesNotExist:
        raise Http404 from None
    except RunFull as full:
        # The last seat went while the form was filled in. Nothing needs correcting, so one question
        # instead of the form again: the waiting list, with everything typed carried along.
        run = full.run
        return render(
            request,
            "enrolment/sign_up_full_now.html",
            {"run": run, "offer": run.offer, "form": _sign_up_form(request, run, posted, waiting=True), "typed": form},
        )
    except EnrolmentRefusal as refusal:
        run = refusal.run
        waiting = False if refusal.code == "seats_free" else not count_seats(run).open_to_walk_ins
        form = _sign_up_form(request, run, posted, waiting=waiting)
        if form.is_valid():  # a missing birth date is shown at its field; any other refusal above the form
            form.add_error(None, refusal.message)
        return _sign_up_page(request, run, form, waiting=waiting)
    if isinstance(made, SeatHold):
        # The same page whoever the address belongs to: the message sent to it says the rest.
        url = reverse("enrolment:held", kwargs={"public_id": made.public_id})
        return redirect(f"{url}?t={links.hold_token_for(made, 'view')}")
    return _to_confirmation(made)


def _to_confirmation(enrolment):
    """The enrolment's page, by a signed link, so it shows without an account and without a server session."""
    url = reverse("enrolment:confirmation", kwargs={"public_id": enrolment.public_id})
    return redirect(f"{url}?t={links.token_for(enrolment, 'view')}")


def _public_run(run_id) -> Run:
    run = public_run(run_id)
    if run is None:
        raise Http404
    return run


def _sign_up_form(request, run, data, *, waiting=None):
    """The form; with `waiting` given, posted data is re-read as a sign-up (False) or a waiting-list one (True)."""
    if data is not None and waiting is not None:
        data = {**data.dict(), "waiting_list": "on" if waiting else ""}
    return SignUpForm(
        data, user=request.user, needs_birth_date=run.offer.has_age_limits, initial={"waiting_list": bool(waiting)}
    )


def _sign_up_page(request, run, form, *, waiting):
    return render(
        request, "enrolment/sign_up_form.html", {"run": run, "offer": run.offer, "form": form, "full": waiting}
    )


def _enrol(request, run_id, data) -> Enrolment:
    if not request.user.is_authenticated:
        # Found or created in the same transaction as the seat: a refusal leaves no new account behind.
        return holds.hold_for_sign_up(
            run_id=run_id,
            name=data["name"],
            email=data.get("email", ""),
            phone=data.get("phone", ""),
            birth_date=data.get("birth_date"),
            language=get_language(),
            waiting_list=data["waiting_list"],
            wants_reminders=data["wants_reminders"],
            client=get_adapter(request).get_client_ip(request),
        )
    person = request.user
    if data.get("birth_date") and not person.birth_date:
        update_profile(user=person, changes={"birth_date": data["birth_date"]})
        person.refresh_from_db()
    if data["waiting_list"]:
        return places.join_waiting_list(run_id=run_id, person=person, acting=Acting.citizen(person))
    return places.sign_up(
        run_id=run_id, person=person, acting=Acting.citizen(person), wants_reminders=data["wants_reminders"]
    )


class LinkUsed(Exception):
    """A signed link whose change has been made (links.still_works)."""


def _own_or_linked(request, public_id, action=None) -> Enrolment:
    """The enrolment, if it is the signed-in person's own, or the request carries a signed link's token
    for this action (from the e-mail, or from the sign-up that just made it). Otherwise: not found. A link whose
    change has been made raises LinkUsed."""
    enrolment = get_object_or_404(
        Enrolment.objects.select_related("run__offer__provider", "run__semester", "person"), public_id=public_id
    )
    if request.user.is_authenticated and enrolment.person_id == request.user.pk:
        return enrolment
    token = request.POST.get("t") or request.GET.get("t")
    if action and links.token_is_valid(enrolment, action, token):
        if not links.still_works(enrolment, action):
            raise LinkUsed
        return enrolment
    raise Http404


def _link_used(request):
    return render(request, "enrolment/link_used.html", status=410)


@never_cache
def confirmation(request, public_id):
    enrolment = _own_or_linked(request, public_id, "view")
    offered = enrolment.status == Enrolment.Status.OFFERED
    place = Enrolment.objects.waiting_position(enrolment) if enrolment.status == Enrolment.Status.WAITLISTED else None
    position, waiting = place or (None, None)
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
            "view_token": request.GET.get("t", ""),  # checked by _own_or_linked, where it was needed
            "accept_token": links.token_for(enrolment, "accept") if offered else "",
        },
    )


@never_cache
@require_POST
def reminders(request, public_id):
    """The button on Min side and on the confirmation page (reached by the signed link as well)."""
    enrolment = _own_or_linked(request, public_id, "view")
    form = RemindersForm(request.POST)
    form.is_valid()  # a hidden yes-or-no: anything else reads as no
    wants = form.cleaned_data.get("wants", False)
    try:
        places.set_reminders(enrolment_id=enrolment.pk, wants=wants, acting=Acting.citizen(enrolment.person))
    except EnrolmentRefusal as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(
            request,
            _("Du får en påminnelse på e-post dagen før hver samling.")
            if wants
            else _("Du får ikke flere påminnelser om dette kurset."),
        )
    if request.user.is_authenticated and enrolment.person_id == request.user.pk:
        return redirect("mypage:my_page")
    url = reverse("enrolment:confirmation", kwargs={"public_id": enrolment.public_id})
    return redirect(f"{url}?t={links.token_for(enrolment, 'view')}")


def _act(request, public_id, *, action, service, template, success):
    try:
        enrolment = _own_or_linked(request, public_id, action)
    except LinkUsed:
        return _link_used(request)
    form = ConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            service(enrolment_id=enrolment.pk, acting=Acting.citizen(enrolment.person))
        except EnrolmentRefusal as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, success)
        if request.user.is_authenticated:
            return redirect("mypage:my_page")
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
        service=places.cancel,
        template="enrolment/cancel_confirm.html",
        success=_("Du er meldt av. Takk for at du sa fra – nå kan plassen gå til noen andre."),
    )


@never_cache
def accept(request, public_id):
    return _act(
        request,
        public_id,
        action="accept",
        service=waiting_list.accept_offer,
        template="enrolment/offer_accept.html",
        success=_("Så fint! Plassen er din."),
    )


@never_cache
def decline(request, public_id):
    return _act(
        request,
        public_id,
        action="decline",
        service=waiting_list.decline_offer,
        template="enrolment/offer_decline.html",
        success=_("Takk for svaret. Plassen går videre, og du kan sette deg på ventelisten igjen når du vil."),
    )


# --- a seat held for a sign-up without an account ---------------------------------------------------------------


def _signed_in(request):
    return request.user if request.user.is_authenticated else None


def _hold(request, public_id, action) -> SeatHold:
    hold = get_object_or_404(SeatHold.objects.select_related("run__offer", "run__semester"), public_id=public_id)
    if not links.hold_token_is_valid(hold, action, request.POST.get("t") or request.GET.get("t")):
        raise Http404
    return hold


@never_cache
def held(request, public_id):
    """Where the form leads, the same for every address: the seat is held, look in your inbox, and the code from
    the message confirms it here. Once the hold has ended it says nothing more of it (the browser that typed an
    address need not be its owner's)."""
    hold = _hold(request, public_id, "view")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and hold.status == SeatHold.Status.HELD:
        try:
            enrolment = holds.confirm_with_code(
                hold_id=hold.pk,
                code=form.cleaned_data["code"],
                user=request.user if request.user.is_authenticated else None,
            )
        except EnrolmentRefusal as refusal:
            form.add_error("code" if refusal.code in ("wrong_code", "too_many_codes") else None, refusal.message)
        else:
            return _to_confirmation(enrolment)
    return render(
        request,
        "enrolment/hold.html",
        {"hold": hold, "run": hold.run, "offer": hold.run.offer, "form": form, "token": request.GET.get("t", "")},
    )


@never_cache
def hold_confirm(request, public_id):
    """The link in the message: a button confirms (a link alone changes nothing, so a mail program that opens it to
    look changes nothing either). An address with an account is confirmed signed in as it."""
    hold = _hold(request, public_id, "confirm")
    if hold.status != SeatHold.Status.HELD:
        return _link_used(request)
    refusal = None
    if request.method == "POST":
        try:
            enrolment = holds.confirm_hold(hold_id=hold.pk, user=_signed_in(request))
        except EnrolmentRefusal as error:
            refusal = error
        else:
            return _to_confirmation(enrolment)
    return render(
        request,
        "enrolment/hold_confirm.html",
        {
            "hold": hold,
            "run": hold.run,
            "offer": hold.run.offer,
            "refusal": refusal,
            "token": request.GET.get("t") or request.POST.get("t", ""),
        },
    )


@require_POST
@login_required
def register_interest(request, slug):
    offer = get_object_or_404(Offer.objects.published(), slug=slug)
    interests.register_interest(offer=offer, person=request.user, acting=Acting.citizen(request.user))
    messages.success(request, _("Vi sier fra til deg når det kommer nye datoer for dette tilbudet."))
    return redirect(offer.get_absolute_url())


@require_POST
@login_required
def withdraw_interest(request, pk):
    interest = get_object_or_404(Interest.objects.filter(person=request.user), pk=pk)
    interests.withdraw_interest(interest=interest, acting=Acting.citizen(request.user))
    messages.success(request, _("Du får ikke lenger beskjed om nye datoer for dette tilbudet."))
    return redirect("mypage:my_page")
