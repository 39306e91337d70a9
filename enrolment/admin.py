"""The Django admin (superusers) of enrolments, and of the catalogue's objects whose edits reach the people on a
run: providers, places, offers and runs. An edit of them can move a session someone holds a seat in, or change
what its calendar event shows, and telling those people is this app's (enrolment.services.runs), so they are
registered here rather than in courses/admin.py. Runs are made, edited, published and cancelled only through the
run services, as on the coordinator's run page."""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db import models
from django.db.models import Count, Q
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from audit.actions import Action
from courses import services as course_services
from courses.admin import RecordsChanges, acting_in_admin
from courses.models import Location, Offer, Provider, Run, Session
from enrolment.models import Enrolment
from enrolment.refusals import EnrolmentRefusal
from enrolment.services import runs


@admin.register(Enrolment)
class EnrolmentAdmin(admin.ModelAdmin):
    list_display = ["run", "status", "source", "created_at"]
    list_filter = ["status", "source"]
    raw_id_fields = ["run", "person"]

    # State changes go through the enrolment services; the admin only reads.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class RevisesCalendarEvents:
    """Revises the calendar event of every session whose event an edit on this admin page changes, and tells the
    people with a seat on its run about moved and deleted sessions (runs.revise_calendar_events, as the run page
    does): a new offer title or provider name revises the events without an e-mail; the next file fetched
    carries it.

    The snapshot is taken before the object is saved and compared after its inlines are, both inside the
    admin's transaction; it travels on the form, which lives as long as the request. Used after RecordsChanges,
    which writes what it did to the audit trail.
    """

    def sessions_shown_with(self, obj):
        raise NotImplementedError

    def save_model(self, request, obj, form, change):
        form.calendar_before = course_services.calendar_snapshot(self.sessions_shown_with(obj)) if change else {}
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        deleted = course_services.events_to_cancel(
            session_ids=[
                pk
                for formset in formsets
                if formset.model is Session
                for pk in course_services.deleted_session_ids(formset)
            ]
        )
        super().save_related(request, form, formsets, change)
        revised, told = runs.revise_calendar_events(before=form.calendar_before, deleted=deleted)
        form.audit_detail.update(sessions_revised=revised, told=told)


@admin.register(Provider)
class ProviderAdmin(RecordsChanges, RevisesCalendarEvents, admin.ModelAdmin):
    list_display = ["name", "kind", "municipality"]
    list_filter = ["kind", "municipality"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}  # "example.no" means https, as in Django 6
    audit_actions = {
        "created": Action.PROVIDER_CREATED,
        "updated": Action.PROVIDER_UPDATED,
        "deleted": Action.PROVIDER_DELETED,
    }

    def sessions_shown_with(self, obj):
        return Session.objects.filter(run__offer__provider=obj)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        course_services.refresh_offer_search(offer_ids=list(obj.offers.values_list("pk", flat=True)))


@admin.register(Location)
class LocationAdmin(RecordsChanges, RevisesCalendarEvents, admin.ModelAdmin):
    list_display = ["name", "street_address", "municipality", "step_free", "hearing_loop"]
    list_filter = ["municipality", "step_free", "hearing_loop"]
    search_fields = ["name", "street_address"]
    audit_actions = {
        "created": Action.LOCATION_CREATED,
        "updated": Action.LOCATION_UPDATED,
        "deleted": Action.LOCATION_DELETED,
    }

    def sessions_shown_with(self, obj):
        return Session.objects.filter(location=obj)


class RunInline(admin.TabularInline):
    """The offer's runs, to read: a run is edited on its own page (RunAdmin), through the run services."""

    model = Run
    extra = 0
    fields = ["semester", "name", "capacity", "status", "registration_opens_at", "registration_closes_at"]
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Offer)
class OfferAdmin(RecordsChanges, RevisesCalendarEvents, admin.ModelAdmin):
    list_display = ["title", "provider", "kind", "join_method", "municipality", "is_published"]
    list_filter = ["is_published", "kind", "join_method", "municipality", "provider"]
    search_fields = ["title", "summary"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["topics", "follow_on"]
    raw_id_fields = ["location"]
    inlines = [RunInline]
    audit_actions = {"created": Action.OFFER_CREATED, "updated": Action.OFFER_UPDATED, "deleted": Action.OFFER_DELETED}

    def sessions_shown_with(self, obj):
        return Session.objects.filter(run__offer=obj)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        course_services.refresh_offer_search(offer_ids=[form.instance.pk])


class SessionInline(admin.TabularInline):
    model = Session
    extra = 1
    fields = ["starts_at", "ends_at", "location", "theme"]
    raw_id_fields = ["location"]


@admin.register(Run)
class RunAdmin(RecordsChanges, admin.ModelAdmin):
    """A run and its sessions are saved by the run services (runs.create_run, runs.edit_run), which lock the
    run, revise the calendar events, tell the people concerned and write the one audit row; its status changes by
    the actions "Publiser" and "Avlys" (runs.publish_run, runs.cancel_run), never by editing it. A run made here
    starts as a draft. Its number of seats is set here when it is made; afterwards it changes on the coordinator's
    run page, where a number below the seats taken is refused with the reason."""

    list_display = ["offer", "semester", "name", "capacity", "status", "starts_at"]
    list_filter = ["status", "semester", "offer__provider"]
    search_fields = ["offer__title", "name"]
    raw_id_fields = ["offer"]
    readonly_fields = ["status", "published_at", "starts_at", "ends_at"]
    inlines = [SessionInline]
    actions = ["publish", "cancel"]
    audit_actions = {"deleted": Action.RUN_DELETED}  # made and edited by the run services, which write their rows

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        return [*readonly, "capacity"] if obj is not None else readonly

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # The run services own their transaction (a durable one, which may not be nested): the admin's own
        # atomic block around a posted form is left out here, and save_related below calls the service instead.
        return self._changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        """Saved by the run service in save_related, with its sessions, in one transaction."""

    def save_related(self, request, form, formsets, change):
        (sessions,) = (formset for formset in formsets if formset.model is Session)
        acting = acting_in_admin(request, form.instance)
        if not change:
            runs.create_run(run=form.instance, sessions=sessions, acting=acting)
            return
        fields = {name: form.cleaned_data[name] for name in form.changed_data if name in form.cleaned_data}
        told = runs.edit_run(run_id=form.instance.pk, fields=fields, sessions=sessions, acting=acting)
        if told:
            self.message_user(
                request,
                ngettext(
                    "%(count)s deltaker får e-post om endringene.",
                    "%(count)s deltakere får e-post om endringene.",
                    told,
                )
                % {"count": told},
            )

    @admin.action(description=gettext_lazy("Publiser"), permissions=["change"])
    def publish(self, request, queryset):
        drafts = list(queryset.filter(status=Run.Status.DRAFT).select_related("offer"))
        if not drafts:
            self.message_user(request, _("Ingen av de valgte gjennomføringene er utkast."), messages.WARNING)
            return
        told = sum(runs.publish_run(run_id=run.pk, acting=acting_in_admin(request, run)) for run in drafts)
        self.message_user(
            request,
            _("Publisert: %(runs)s. %(told)s som ba om beskjed, får e-post.") % {"runs": len(drafts), "told": told},
            messages.SUCCESS,
        )

    @admin.action(description=gettext_lazy("Avlys"), permissions=["change"])
    def cancel(self, request, queryset):
        """Asks first (it cannot be undone, and everyone on the runs is told), then cancels each run."""
        to_cancel = list(
            queryset.exclude(status=Run.Status.CANCELLED)
            .select_related("offer", "semester")
            .annotate(people=Count("enrolments", filter=Q(enrolments__status__in=Enrolment.ACTIVE)))
            .order_by("pk")
        )
        if not to_cancel:
            self.message_user(request, _("De valgte gjennomføringene er allerede avlyst."), messages.WARNING)
            return None
        if request.POST.get("confirm") != "yes":
            context = {
                **self.admin_site.each_context(request),
                "title": _("Avlyse gjennomføringene?"),
                "opts": self.model._meta,
                "runs": to_cancel,
                "queryset": queryset,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(request, "admin/courses/run/cancel_confirmation.html", context)
        cancelled = told = 0
        for run in to_cancel:
            try:
                told += runs.cancel_run(run_id=run.pk, acting=acting_in_admin(request, run))
            except EnrolmentRefusal as refusal:
                self.message_user(request, f"{run}: {refusal.message}", messages.ERROR)
            else:
                cancelled += 1
        if cancelled:
            self.message_user(
                request,
                _("Avlyst: %(runs)s. %(told)s deltakere og ventende får beskjed.") % {"runs": cancelled, "told": told},
                messages.SUCCESS,
            )
        return None
