"""The coordinator's and facilitator's pages: semesters, runs, participants, attendance, exports."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit.acting import Acting
from audit.actions import Read
from audit.services import record_access
from base.views import allowed_or_404
from courses.models import Run, Semester
from enrolment import access, exports, reports
from enrolment.forms import (
    AddPersonForm,
    CompletionForm,
    ConfirmCopyForm,
    CopySemesterForm,
    MoveForm,
    PriorityForm,
    RegistrationForm,
    RunForm,
    SemesterForm,
    SessionFormSet,
)
from enrolment.models import Attendance, Enrolment
from enrolment.refusals import EnrolmentRefusal
from enrolment.seats import count_seats, seats_of, with_seats
from enrolment.services import attendance as attendance_services
from enrolment.services import places, runs, semesters, waiting_list

# Signed in, never cached, and a 404 for anyone who has no runs to look after.
staff_view = allowed_or_404(access.is_course_staff)


def _acting(request, run=None, provider=None) -> Acting:
    if run is not None:
        return access.acting_for_run(request.user, run)
    return Acting.coordinator(request.user, provider_id=provider.pk if provider else None)


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
    providers = list(access.managed_providers(request.user))
    managed = {provider.pk for provider in providers}
    by_semester = {}
    for run in with_seats(runs):
        by_semester.setdefault(run.semester, []).append((run, seats_of(run), run.offer.provider_id in managed))
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
        except EnrolmentRefusal as refusal:
            form.add_error("name", refusal.message)
        else:
            messages.success(request, _("Semesteret er opprettet."))
            return redirect("enrolment:dashboard")
    return render(request, "enrolment/semester_form.html", {"form": form})


@staff_view
def semester_copy(request):
    """Choose the semesters (GET), see where every session goes, then copy (POST). The preview and the copy are
    the same plan (semesters.plan_copy), made again for the copy: if it changed since it was shown, it is shown
    again instead."""
    provider, providers = _single_provider(request)
    if request.method == "POST":
        form = ConfirmCopyForm(request.POST)
    else:
        form = CopySemesterForm(request.GET if "source" in request.GET else None)
    plan = None
    if form.is_bound and form.is_valid():
        source, target = form.cleaned_data["source"], form.cleaned_data["target"]
        if request.method == "POST" and form.cleaned_data["plan"]:
            try:
                copies = semesters.copy_semester(
                    provider=provider,
                    source=source,
                    target=target,
                    previewed=form.cleaned_data["plan"],
                    acting=_acting(request, provider=provider),
                )
            except EnrolmentRefusal as refusal:
                messages.warning(request, refusal.message)
            else:
                messages.success(
                    request,
                    _("%(count)s gjennomføringer er kopiert som utkast. Se over datoene og åpne påmeldingen.")
                    % {"count": len(copies)},
                )
                return redirect("enrolment:dashboard")
        plan = semesters.plan_copy(provider=provider, source=source, target=target)
    return render(
        request,
        "enrolment/semester_copy.html",
        {"form": form, "plan": plan, "provider": provider, "providers": providers},
    )


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
        try:
            told = runs.edit_run(
                run_id=run.pk, fields=form.cleaned_data, sessions=sessions, acting=_acting(request, run)
            )
        except EnrolmentRefusal as refusal:
            form.add_error("capacity" if refusal.code == "below_taken" else None, refusal.message)
        else:
            saved = _("Endringene er lagret.")
            if told:
                saved += " " + ngettext(
                    "%(count)s deltaker får e-post om endringene.",
                    "%(count)s deltakere får e-post om endringene.",
                    told,
                ) % {"count": told}
            messages.success(request, saved)
            return redirect("enrolment:run_edit", run_id=run.pk)
    return render(
        request,
        "enrolment/run_form.html",
        {"run": run, "seats": count_seats(run), "form": form, "sessions": sessions},
    )


@require_POST
@staff_view
def run_publish(request, run_id):
    run = _managed_run(request, run_id)
    told = runs.publish_run(run_id=run.pk, acting=_acting(request, run))
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
    try:
        told = runs.cancel_run(run_id=run.pk, acting=_acting(request, run))
    except EnrolmentRefusal as refusal:
        messages.error(request, refusal.message)
        return redirect("enrolment:run_edit", run_id=run.pk)
    messages.success(request, _("Kurset er avlyst. %(count)s deltakere og ventende får beskjed.") % {"count": told})
    return redirect("enrolment:dashboard")


@staff_view
def participants(request, run_id):
    run = _visible_run(request, run_id)
    can_manage = access.is_managed(request.user, run)
    listed = access.enrolments_listed_for(request.user, run)
    enrolments = list(listed.select_related("person").order_by("status", "-priority", "created_at"))
    waiting = list(listed.waiting_in_order().select_related("person"))
    record_access(acting=_acting(request, run), action=Read.PARTICIPANTS_VIEWED, obj=run)
    other_runs = (
        access.managed_runs(request.user)
        .filter(offer__provider=run.offer.provider, status=Run.Status.PUBLISHED)
        .exclude(pk=run.pk)
        .select_related("offer", "semester")
    )
    now = timezone.now()
    return render(
        request,
        "enrolment/participants.html",
        {
            "run": run,
            "seats": count_seats(run, now=now),
            "can_manage": can_manage,
            "participants": [e for e in enrolments if e.status != Enrolment.Status.WAITLISTED],
            "waiting": waiting,
            "sessions": run.sessions.all(),
            "result_statuses": attendance_services.PARTICIPANTS,
            "may_complete": attendance_services.completion_refusal(run, completed=True, now=now) is None,
            "may_stop": attendance_services.completion_refusal(run, completed=False, now=now) is None,
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
        try:
            enrolment = places.add_by_coordinator(
                run_id=run.pk,
                new_person={**form.cleaned_data, "language": get_language()},
                acting=_acting(request, run),
            )
        except EnrolmentRefusal as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(
                request,
                _("%(name)s er lagt til: %(status)s.")
                % {"name": enrolment.person.display_name, "status": enrolment.get_status_display().lower()},
            )
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("enrolment:participants", run_id=run.pk)


def _managed_enrolment(request, enrolment_id) -> Enrolment:
    return get_object_or_404(
        access.enrolments_managed_by(request.user).select_related("run__offer", "person"), pk=enrolment_id
    )


@require_POST
@staff_view
def participant_move(request, enrolment_id):
    enrolment = _managed_enrolment(request, enrolment_id)
    form = MoveForm(request.POST, runs=access.managed_runs(request.user), prefix="move")
    if form.is_valid():
        try:
            places.move(
                enrolment_id=enrolment.pk,
                to_run_id=form.cleaned_data["to_run"].pk,
                acting=_acting(request, enrolment.run),
            )
        except EnrolmentRefusal as refusal:
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
            waiting_list.change_priority(
                enrolment_id=enrolment.pk, acting=_acting(request, enrolment.run), **form.cleaned_data
            )
        except EnrolmentRefusal as refusal:
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
        places.cancel(enrolment_id=enrolment.pk, acting=_acting(request, enrolment.run), reason="by_coordinator")
    except EnrolmentRefusal as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("Personen er meldt av."))
    return redirect("enrolment:participants", run_id=enrolment.run_id)


@require_POST
@staff_view
def participant_completion(request, enrolment_id):
    """Completed or stopped: the run's coordinators decide (its facilitators take attendance)."""
    enrolment = _managed_enrolment(request, enrolment_id)
    form = CompletionForm(request.POST)
    if form.is_valid():
        try:
            attendance_services.set_completion(
                enrolment_id=enrolment.pk,
                completed=form.cleaned_data["completed"],
                acting=_acting(request, enrolment.run),
            )
        except EnrolmentRefusal as refusal:
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
        Enrolment.objects.filter(run=run, status__in=attendance_services.PARTICIPANTS)
        .select_related("person")
        .order_by("person__first_name", "pk")
    )
    too_early = attendance_services.attendance_refusal(session)
    if request.method == "POST":
        marks = {}
        for enrolment in enrolments:
            value = request.POST.get(f"e{enrolment.pk}")
            if value:
                marks[enrolment.pk] = value
        try:
            saved = attendance_services.record_attendance(session=session, marks=marks, acting=_acting(request, run))
        except EnrolmentRefusal as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, _("Oppmøtet er lagret for %(count)s deltakere.") % {"count": saved})
        return redirect("enrolment:attendance", session_id=session.pk)
    record_access(acting=_acting(request, run), action=Read.ATTENDANCE_VIEWED, obj=session)
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
            "too_early": too_early,
        },
    )


_EXPORTS = {"csv": Read.PARTICIPANTS_EXPORTED_CSV, "xlsx": Read.PARTICIPANTS_EXPORTED_XLSX}


@staff_view
def export(request, run_id, fmt):
    if fmt not in _EXPORTS:
        raise Http404
    run = _visible_run(request, run_id)
    record_access(acting=_acting(request, run), action=_EXPORTS[fmt], obj=run)
    enrolments = access.enrolments_listed_for(request.user, run)
    if fmt == "csv":
        content, content_type = exports.participants_csv(run, enrolments), "text/csv; charset=utf-8"
    else:
        content = exports.participants_xlsx(run, enrolments)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="deltakere-{run.pk}.{fmt}"'
    return response
