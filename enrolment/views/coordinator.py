"""The coordinator's and facilitator's pages: semesters, runs, participants, attendance, exports."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.services import find_or_create_citizen
from audit.services import Acting, record_access
from courses import services as course_services
from courses.models import Run, Semester
from enrolment import access, exports, reports, semesters, services
from enrolment.forms import (
    AddPersonForm,
    CompletionForm,
    CopySemesterForm,
    MoveForm,
    PriorityForm,
    RegistrationForm,
    RunForm,
    SemesterForm,
    SessionFormSet,
)
from enrolment.models import Attendance, Enrolment


def staff_view(view):
    """Signed in, never cached, and a 404 for anyone who has no runs to look after."""

    @wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        if not access.is_course_staff(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return never_cache(wrapped)


def _acting(request, run=None, provider=None) -> Acting:
    if run is not None:
        role, organisation = access.acting_role_for_run(request.user, run)
        return Acting(user=request.user, role=role, organisation=organisation)
    return Acting(user=request.user, role="coordinator", organisation=f"provider:{provider.pk}" if provider else "")


def _managed_run(request, run_id) -> Run:
    return get_object_or_404(access.managed_runs(request.user).select_related("offer__provider", "semester"), pk=run_id)


def _visible_run(request, run_id) -> Run:
    return get_object_or_404(
        access.runs_with_participants_visible_to(request.user).select_related("offer__provider", "semester"),
        pk=run_id,
    )


def _single_provider(request):
    providers = list(access.managed_providers(request.user))
    if not providers:
        raise Http404
    chosen = request.GET.get("tilbyder") or request.POST.get("tilbyder")
    for provider in providers:
        if str(provider.pk) == chosen:
            return provider, providers
    return providers[0], providers


@staff_view
def dashboard(request):
    runs = (
        access.runs_with_participants_visible_to(request.user)
        .select_related("offer__provider", "semester")
        .order_by("-semester__starts_on", "offer__title", "starts_at")
    )
    runs = runs.with_seats()
    by_semester = {}
    for run in runs:
        by_semester.setdefault(run.semester, []).append(run)
    providers = list(access.managed_providers(request.user))
    return render(
        request,
        "enrolment/dashboard.html",
        {
            "by_semester": by_semester,
            "providers": providers,
            "budgets": [
                (provider, reports.seat_budget(provider)) for provider in providers if provider.yearly_seat_budget
            ],
            "is_coordinator": bool(providers),
        },
    )


@staff_view
def semester_new(request):
    if not access.is_coordinator(request.user):
        raise Http404
    form = SemesterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            semesters.create_semester(**form.cleaned_data, acting=_acting(request))
        except services.EnrolmentRefusal as refusal:
            form.add_error("name", refusal.message)
        else:
            messages.success(request, _("Semesteret er opprettet."))
            return redirect("enrolment:dashboard")
    return render(request, "enrolment/semester_form.html", {"form": form})


@staff_view
def semester_copy(request):
    provider, providers = _single_provider(request)
    form = CopySemesterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        copies = semesters.copy_semester(
            provider=provider,
            source=form.cleaned_data["source"],
            target=form.cleaned_data["target"],
            acting=_acting(request, provider=provider),
        )
        messages.success(
            request,
            _("%(count)s gjennomføringer er kopiert som utkast. Se over datoene og åpne påmeldingen.")
            % {"count": len(copies)},
        )
        return redirect("enrolment:dashboard")
    return render(request, "enrolment/semester_copy.html", {"form": form, "provider": provider, "providers": providers})


@staff_view
def semester_registration(request, slug):
    provider, providers = _single_provider(request)
    semester = get_object_or_404(Semester, slug=slug)
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        count = semesters.open_registration(
            provider=provider, semester=semester, acting=_acting(request, provider=provider), **form.cleaned_data
        )
        messages.success(request, _("Påmeldingen er satt for %(count)s gjennomføringer.") % {"count": count})
        return redirect("enrolment:dashboard")
    return render(
        request,
        "enrolment/semester_registration.html",
        {"form": form, "semester": semester, "provider": provider, "providers": providers},
    )


@require_POST
@staff_view
def semester_close(request, slug):
    provider, _providers = _single_provider(request)
    semester = get_object_or_404(Semester, slug=slug)
    semesters.close_registration(
        provider=provider, semester=semester, closes_at=timezone.now(), acting=_acting(request, provider=provider)
    )
    messages.success(request, _("Påmeldingen er stengt."))
    return redirect("enrolment:dashboard")


@staff_view
def run_edit(request, run_id):
    run = _managed_run(request, run_id)
    form = RunForm(request.POST or None, instance=run, prefix="run")
    sessions = SessionFormSet(request.POST or None, instance=run, prefix="sessions")
    if request.method == "POST" and form.is_valid() and sessions.is_valid():
        capacity = form.cleaned_data.pop("capacity")
        try:
            services.change_capacity(run_id=run.pk, capacity=capacity, acting=_acting(request, run))
        except services.EnrolmentRefusal as refusal:
            form.add_error("capacity", refusal.message)
        else:
            told = course_services.update_run(
                run=run, fields=form.cleaned_data, sessions=sessions, acting=_acting(request, run)
            )
            saved = _("Endringene er lagret.")
            if told:
                saved += " " + ngettext(
                    "%(count)s deltaker får e-post om endringene.",
                    "%(count)s deltakere får e-post om endringene.",
                    told,
                ) % {"count": told}
            messages.success(request, saved)
            return redirect("enrolment:run_edit", run_id=run.pk)
    return render(request, "enrolment/run_form.html", {"run": run, "form": form, "sessions": sessions})


@require_POST
@staff_view
def run_publish(request, run_id):
    run = _managed_run(request, run_id)
    told = services.publish_run(run_id=run.pk, acting=_acting(request, run))
    messages.success(
        request, _("Gjennomføringen er publisert. %(count)s som ba om beskjed, får e-post.") % {"count": told}
    )
    return redirect("enrolment:run_edit", run_id=run.pk)


@require_POST
@staff_view
def run_cancel(request, run_id):
    run = _managed_run(request, run_id)
    if request.POST.get("confirm") != "yes":
        messages.error(request, _("Kryss av for at du vil avlyse, og prøv igjen."))
        return redirect("enrolment:run_edit", run_id=run.pk)
    told = services.cancel_run(run_id=run.pk, acting=_acting(request, run))
    messages.success(request, _("Kurset er avlyst. %(count)s deltakere og ventende får beskjed.") % {"count": told})
    return redirect("enrolment:dashboard")


@staff_view
def participants(request, run_id):
    run = _visible_run(request, run_id)
    can_manage = access.managed_runs(request.user).filter(pk=run.pk).exists()
    listed = access.enrolments_listed_for(request.user, run)
    enrolments = list(listed.select_related("person").order_by("status", "-priority", "created_at"))
    waiting = list(listed.waiting_in_order().select_related("person"))
    record_access(acting=_acting(request, run), action="participants.viewed", obj=run)
    other_runs = (
        access.managed_runs(request.user)
        .filter(offer__provider=run.offer.provider, status=Run.Status.PUBLISHED)
        .exclude(pk=run.pk)
        .select_related("offer", "semester")
    )
    return render(
        request,
        "enrolment/participants.html",
        {
            "run": run,
            "can_manage": can_manage,
            "participants": [e for e in enrolments if e.status != Enrolment.Status.WAITLISTED],
            "waiting": waiting,
            "sessions": run.sessions.all(),
            "add_form": AddPersonForm(prefix="add"),
            "move_form": MoveForm(runs=other_runs, prefix="move"),
            "priority_form": PriorityForm(prefix="priority"),
        },
    )


@require_POST
@staff_view
def participant_add(request, run_id):
    run = _managed_run(request, run_id)
    form = AddPersonForm(request.POST, prefix="add")
    if form.is_valid():
        data = form.cleaned_data
        person = find_or_create_citizen(
            name=data["name"],
            email=data["email"],
            phone=data["phone"],
            birth_date=data["birth_date"],
            language=get_language(),
        )
        try:
            enrolment = services.add_by_coordinator(run_id=run.pk, person=person, acting=_acting(request, run))
        except services.EnrolmentRefusal as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(
                request,
                _("%(name)s er lagt til: %(status)s.")
                % {"name": person.display_name, "status": enrolment.get_status_display().lower()},
            )
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("enrolment:participants", run_id=run.pk)


def _managed_enrolment(request, enrolment_id) -> Enrolment:
    return get_object_or_404(
        access.enrolments_managed_by(request.user).select_related("run", "person"), pk=enrolment_id
    )


@require_POST
@staff_view
def participant_move(request, enrolment_id):
    enrolment = _managed_enrolment(request, enrolment_id)
    runs = access.managed_runs(request.user)
    form = MoveForm(request.POST, runs=runs, prefix="move")
    if form.is_valid():
        try:
            services.move(
                enrolment_id=enrolment.pk,
                to_run_id=form.cleaned_data["to_run"].pk,
                acting=_acting(request, enrolment.run),
            )
        except services.EnrolmentRefusal as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, _("Deltakeren er flyttet."))
    else:
        messages.error(request, _("Velg hvilken gjennomføring deltakeren skal flyttes til."))
    return redirect("enrolment:participants", run_id=enrolment.run_id)


@require_POST
@staff_view
def participant_priority(request, enrolment_id):
    enrolment = _managed_enrolment(request, enrolment_id)
    form = PriorityForm(request.POST, prefix="priority")
    if form.is_valid():
        try:
            services.change_priority(
                enrolment_id=enrolment.pk, acting=_acting(request, enrolment.run), **form.cleaned_data
            )
        except services.EnrolmentRefusal as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, _("Rekkefølgen er endret, og begrunnelsen er lagret i loggen."))
    else:
        messages.error(request, _("Skriv en begrunnelse for å endre rekkefølgen på ventelisten."))
    return redirect("enrolment:participants", run_id=enrolment.run_id)


@require_POST
@staff_view
def participant_cancel(request, enrolment_id):
    enrolment = _managed_enrolment(request, enrolment_id)
    try:
        services.cancel(enrolment_id=enrolment.pk, acting=_acting(request, enrolment.run), reason="by_coordinator")
    except services.EnrolmentRefusal as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("Personen er meldt av."))
    return redirect("enrolment:participants", run_id=enrolment.run_id)


@require_POST
@staff_view
def participant_completion(request, enrolment_id):
    enrolment = get_object_or_404(
        Enrolment.objects.filter(run__in=access.runs_with_participants_visible_to(request.user)), pk=enrolment_id
    )
    form = CompletionForm(request.POST)
    if form.is_valid():
        try:
            services.set_completion(
                enrolment_id=enrolment.pk,
                completed=form.cleaned_data["completed"],
                acting=_acting(request, enrolment.run),
            )
        except services.EnrolmentRefusal as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, _("Lagret."))
    return redirect("enrolment:participants", run_id=enrolment.run_id)


@staff_view
def attendance(request, session_id):
    session = get_object_or_404(
        access.sessions_for_attendance(request.user).select_related("run__offer", "run__semester", "location"),
        pk=session_id,
    )
    run = session.run
    enrolments = list(
        Enrolment.objects.filter(run=run, status__in=access.PARTICIPANT_STATUSES)
        .select_related("person")
        .order_by("person__first_name", "pk")
    )
    if request.method == "POST":
        marks = {}
        for enrolment in enrolments:
            value = request.POST.get(f"e{enrolment.pk}")
            if value:
                marks[enrolment.pk] = value
        saved = services.record_attendance(session=session, marks=marks, acting=_acting(request, run))
        messages.success(request, _("Oppmøtet er lagret for %(count)s deltakere.") % {"count": saved})
        return redirect("enrolment:attendance", session_id=session.pk)
    record_access(acting=_acting(request, run), action="attendance.viewed", obj=session)
    current = dict(Attendance.objects.filter(session=session).values_list("enrolment_id", "status"))
    rows = [(enrolment, current.get(enrolment.pk, "")) for enrolment in enrolments]
    sessions = list(run.sessions.all())
    return render(
        request,
        "enrolment/attendance.html",
        {
            "session": session,
            "run": run,
            "rows": rows,
            "choices": Attendance.Status.choices,
            "sessions": sessions,
        },
    )


@staff_view
def export(request, run_id, fmt):
    run = _visible_run(request, run_id)
    record_access(acting=_acting(request, run), action=f"participants.exported.{fmt}", obj=run)
    enrolments = access.enrolments_listed_for(request.user, run)
    if fmt == "csv":
        content, content_type = exports.participants_csv(run, enrolments), "text/csv; charset=utf-8"
    elif fmt == "xlsx":
        content = exports.participants_xlsx(run, enrolments)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        raise Http404
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="deltakere-{run.pk}.{fmt}"'
    return response
