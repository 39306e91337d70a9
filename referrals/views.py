"""Referrals: the health worker's, the coordinator's, the person's and the break-glass views.

Every view fetches through referrals.access, and every read of a referral is logged."""

from django.contrib import messages
from django.db.models import Count, Max
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts import access as accounts_access
from audit.acting import ActingRole
from audit.actions import Action, Read
from audit.models import AccessEvent, AuditEvent
from base.refusals import Refusal
from base.views import allowed_or_404
from courses.models import Offer
from enrolment import eligibility
from referrals import access, links, services
from referrals.forms import AcceptForm, BreakGlassForm, DeclineForm, ReferralForm
from referrals.models import CONSENT_TEXT_VERSION, Referral

_SELECT = ("offer__provider", "run__semester", "person", "referrer", "service_unit", "enrolment")

# Where an event's reason says more than its action: a freed seat the person did not take.
REASON_LABELS = {
    (Action.REFERRAL_CANCELLED, "offer_declined"): gettext_lazy("Personen takket nei til en ledig plass"),
    (Action.REFERRAL_CANCELLED, "offer_expired"): gettext_lazy("Fristen for å ta imot en ledig plass gikk ut"),
}


def _label(choices, value: str) -> str:
    """The words for a stored action or role; a value no longer written (never, so far) shows as it is."""
    return choices(value).label if value in choices.values else value


def _timeline(referral, *, for_worker=False):
    """The referral's history, in words, from the append-only audit trail (what the person agreed to share)."""
    hidden = (
        {f"referral.{status}" for status in Referral.PROGRESS_STATUSES}
        if (for_worker and not referral.share_progress)
        else set()
    )
    events = AuditEvent.objects.filter(object_type="referrals.referral", object_id=str(referral.pk)).order_by("at")
    return [
        {
            "at": event.at,
            "label": REASON_LABELS.get((event.action, event.detail.get("reason"))) or _label(Action, event.action),
            "by": _label(ActingRole, event.acting_role) if event.acting_role else "",
        }
        for event in events
        if event.action not in hidden
    ]


def _reads(referral):
    """Who has read the referral: each person and kind of read once, with the last time and how often."""
    reads = (
        AccessEvent.objects.filter(object_type="referrals.referral", object_id=str(referral.pk))
        .exclude(actor=referral.person)
        .values("actor__first_name", "actor__email", "acting_role", "action", "reason")
        .annotate(last=Max("at"), times=Count("pk"))
        .order_by("-last")
    )
    return [
        {
            **read,
            "name": read["actor__first_name"] or read["actor__email"],
            "role": _label(ActingRole, read["acting_role"]) if read["acting_role"] else "",
            "what": _label(Read, read["action"]),
        }
        for read in reads
    ]


health_worker_view = allowed_or_404(access.can_refer)
coordinator_view = allowed_or_404(access.has_inbox)


@health_worker_view
def refer(request, slug):
    offer = get_object_or_404(Offer.objects.published().select_related("provider"), slug=slug)
    closed = eligibility.referral_refusal(offer)
    if closed is not None:  # said before anything is typed
        return render(request, "referrals/referral_form.html", {"offer": offer, "closed": closed})
    units = accounts_access.service_units_of(request.user)
    initial = {"run": request.GET.get("run"), "consent_given_at": timezone.localdate()}
    form = ReferralForm(request.POST or None, offer=offer, units=units, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            referral, held = services.refer(
                referrer=request.user,
                service_unit=form.service_unit,
                offer=offer,
                run=data["run"],
                name=data["name"],
                email=data["email"],
                phone=data["phone"],
                birth_date=data["birth_date"],
                consent_method=data["consent_method"],
                consent_given_at=timezone.make_aware(
                    timezone.datetime.combine(data["consent_given_at"], timezone.datetime.min.time())
                ),
                hold_seat=data["hold_seat"],
                adaptation_needs=data["adaptation_needs"],
                note=data["note"],
                language=get_language(),
            )
        except Refusal as refusal:
            form.add_error("birth_date" if refusal.code in ("age", "needs_birth_date") else None, refusal.message)
        else:
            if data["hold_seat"] and not held:
                messages.warning(request, _("Henvisningen er sendt, men det var ingen ledig plass å holde av."))
            else:
                messages.success(request, _("Henvisningen er sendt. Personen og tilbyderen har fått beskjed."))
            return redirect("referrals:detail", public_id=referral.public_id)
    return render(
        request, "referrals/referral_form.html", {"form": form, "offer": offer, "consent_version": CONSENT_TEXT_VERSION}
    )


@health_worker_view
def mine(request):
    referrals = list(access.made_by_or_shared_with(request.user).select_related(*_SELECT).order_by("-created_at"))
    for referral in referrals:
        services.log_read(
            referral=referral, acting=services.acting_worker(referral, request.user), action=Read.REFERRAL_LISTED
        )
    return render(request, "referrals/referral_list.html", {"referrals": referrals})


@health_worker_view
def detail(request, public_id):
    referral = get_object_or_404(
        access.made_by_or_shared_with(request.user).select_related(*_SELECT), public_id=public_id
    )
    services.log_read(referral=referral, acting=services.acting_worker(referral, request.user))
    return render(
        request,
        "referrals/referral_detail.html",
        {"referral": referral, "timeline": _timeline(referral, for_worker=True), "as_worker": True},
    )


@coordinator_view
def inbox(request):
    referrals = list(access.inbox_of(request.user).select_related(*_SELECT).order_by("created_at"))
    now = timezone.now()
    rows = []
    for referral in referrals:
        services.log_read(
            referral=referral, acting=services.acting_coordinator(request.user, referral), action=Read.REFERRAL_LISTED
        )
        waited = (now - referral.created_at).days
        rows.append((referral, waited, waited >= referral.offer.provider.referral_response_days))
    return render(request, "referrals/inbox.html", {"rows": rows})


@coordinator_view
def inbox_detail(request, public_id):
    referral = get_object_or_404(access.inbox_of(request.user).select_related(*_SELECT), public_id=public_id)
    services.mark_seen(referral_id=referral.pk, coordinator=request.user)
    services.log_read(referral=referral, acting=services.acting_coordinator(request.user, referral))
    return render(
        request,
        "referrals/inbox_detail.html",
        {
            "referral": referral,
            "timeline": _timeline(referral),
            "accept_form": AcceptForm(offer=referral.offer, initial={"run": referral.run_id}),
            "decline_form": DeclineForm(),
        },
    )


def _answer(request, public_id, action):
    referral = get_object_or_404(access.inbox_of(request.user), public_id=public_id)
    try:
        if action == "accept":
            form = AcceptForm(request.POST, offer=referral.offer)
            run_id = form.cleaned_data["run"].pk if form.is_valid() else None
            services.accept(referral_id=referral.pk, coordinator=request.user, run_id=run_id)
        elif action == "decline":
            form = DeclineForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("Velg en grunn for å si nei."))
                return redirect("referrals:inbox_detail", public_id=referral.public_id)
            services.decline(referral_id=referral.pk, coordinator=request.user, **form.cleaned_data)
        else:
            services.ask_for_contact(referral_id=referral.pk, coordinator=request.user)
    except Refusal as refusal:
        messages.error(request, refusal.message)
        return redirect("referrals:inbox_detail", public_id=referral.public_id)
    messages.success(request, _("Svaret er sendt. Personen og helsearbeideren har fått beskjed."))
    return redirect("referrals:inbox")


@require_POST
@coordinator_view
def accept(request, public_id):
    return _answer(request, public_id, "accept")


@require_POST
@coordinator_view
def decline(request, public_id):
    return _answer(request, public_id, "decline")


@require_POST
@coordinator_view
def ask_for_contact(request, public_id):
    return _answer(request, public_id, "contact")


# --- the person -----------------------------------------------------------------------------------------


def _the_persons(request, public_id) -> Referral:
    referral = get_object_or_404(Referral.objects.select_related(*_SELECT), public_id=public_id, erased_at__isnull=True)
    if request.user.is_authenticated and referral.person_id == request.user.pk:
        return referral
    if links.token_is_valid(referral, request.POST.get("t") or request.GET.get("t")):
        return referral
    raise Http404


@never_cache
def about_me(request, public_id):
    referral = _the_persons(request, public_id)
    return render(
        request,
        "referrals/about_me.html",
        {
            "referral": referral,
            "timeline": _timeline(referral),
            "reads": _reads(referral),
            "token": request.GET.get("t", ""),
        },
    )


@require_POST
@never_cache
def about_me_answer(request, public_id, action):
    referral = _the_persons(request, public_id)
    person = referral.person
    if action == "confirm":
        services.confirm(referral_id=referral.pk, person=person)
        messages.success(request, _("Takk! Du har bekreftet henvisningen."))
    elif action == "withdraw":
        services.withdraw(referral_id=referral.pk, person=person)
        messages.success(request, _("Henvisningen er trukket tilbake, og notatet er slettet."))
    elif action == "sharing":
        services.set_sharing(referral_id=referral.pk, person=person, share=request.POST.get("share") == "on")
        messages.success(request, _("Valget ditt er lagret."))
    else:
        raise Http404
    url = reverse("referrals:about_me", kwargs={"public_id": referral.public_id})
    token = request.POST.get("t")
    return redirect(f"{url}?t={token}" if token else url)


# --- break glass ------------------------------------------------------------------------------------------


admin_view = allowed_or_404(access.can_break_glass)


@admin_view
def break_glass_list(request):
    """What a municipality admin sees by default: dates, offers and statuses, never who or why."""
    referrals = access.break_glass_scope(request.user).select_related("offer", "service_unit").order_by("-created_at")
    return render(request, "referrals/break_glass_list.html", {"referrals": referrals[:200]})


@admin_view
def break_glass(request, public_id):
    referral = get_object_or_404(access.break_glass_scope(request.user).select_related(*_SELECT), public_id=public_id)
    form = BreakGlassForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.break_glass(referral=referral, admin=request.user, reason=form.cleaned_data["reason"])
        except Refusal as refusal:
            form.add_error("reason", refusal.message)
        else:
            return render(
                request,
                "referrals/referral_detail.html",
                {"referral": referral, "timeline": _timeline(referral), "break_glass": True},
            )
    return render(request, "referrals/break_glass.html", {"form": form, "referral": referral})
