from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db import models, transaction
from django.db.models import Count, Q
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.services import Acting, record_change
from courses import services
from courses.models import District, Location, Municipality, Offer, Provider, Run, Semester, Session, Topic
from enrolment import services as enrolment_services
from enrolment.models import Enrolment


def _organisation_of(obj) -> str:
    """The organisation an admin edit is made for, named as the services name it in the audit trail."""
    if isinstance(obj, Provider):
        return f"provider:{obj.pk}"
    if isinstance(obj, Offer):
        return f"provider:{obj.provider_id}"
    if isinstance(obj, Run):
        return f"provider:{obj.offer.provider_id}"
    if isinstance(obj, Location):
        return f"municipality:{obj.municipality_id}"
    return ""


def _acting_in_admin(request, obj) -> Acting:
    role = "superuser" if request.user.is_superuser else "staff"
    return Acting(user=request.user, role=role, organisation=_organisation_of(obj))


class RecordsChanges:
    """Writes an audit row (audit.services.record_change, as the services do) for every object added, changed or
    deleted on this admin page: who, which object, and the names of the fields and of the inline rows that
    changed. Never their values: a run's facilitators, for one, are people's names.

    List it first among the bases: it reads the inlines' changes once every other mixin has saved them, and
    writes what those mixins put in ``form.audit_detail`` (RevisesCalendarEvents: the revised events and how
    many people were told). The admin saves and deletes inside one transaction, so the row commits with the
    change or not at all.
    """

    def save_model(self, request, obj, form, change):
        form.audit_detail = {}
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        # Read before saving: a deleted row has no primary key afterwards.
        deleted = {
            formset.prefix: [row.instance.pk for row in formset.deleted_forms if row.instance.pk is not None]
            for formset in formsets
        }
        super().save_related(request, form, formsets, change)
        detail = {"fields": list(form.changed_data)}
        for formset in formsets:
            rows = {
                "added": [row.pk for row in formset.new_objects],
                "changed": {str(row.pk): list(fields) for row, fields in formset.changed_objects},
                "deleted": deleted[formset.prefix],
            }
            if any(rows.values()):
                detail[formset.prefix] = {what: pks for what, pks in rows.items() if pks}
        if change and len(detail) == 1 and not detail["fields"]:
            return  # saved as it was
        self._record(request, form.instance, "updated" if change else "created", {**detail, **form.audit_detail})

    def delete_model(self, request, obj):
        self._record(request, obj, "deleted", {})  # first: the object has no primary key once deleted
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():  # the list's delete action, unlike the delete page, runs outside one
            for obj in queryset:
                self._record(request, obj, "deleted", {})
            super().delete_queryset(request, queryset)

    def _record(self, request, obj, what: str, detail: dict) -> None:
        record_change(
            acting=_acting_in_admin(request, obj), action=f"{obj._meta.model_name}.{what}", obj=obj, detail=detail
        )


class RevisesCalendarEvents:
    """Raises the calendar SEQUENCE of every session whose event an edit on this admin page changes, and tells
    the people with a seat on its run about those and about deleted sessions, as the coordinator's run page
    does (enrolment.services): only those whose time, place or theme changed (courses.services.Revision), so a new
    offer title or provider name revises the events without an e-mail; the next file fetched carries it.

    The snapshot is taken before the object is saved and compared after its inlines are, both inside the
    admin's transaction; it travels on the form, which lives as long as the request. Used after RecordsChanges,
    which writes what it did to the audit trail.
    """

    def sessions_shown_with(self, obj):
        raise NotImplementedError

    def save_model(self, request, obj, form, change):
        form.calendar_before = services.calendar_snapshot(self.sessions_shown_with(obj)) if change else {}
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        deleted = services.events_to_cancel(
            session_ids=[
                pk for formset in formsets if formset.model is Session for pk in services.deleted_session_ids(formset)
            ]
        )
        super().save_related(request, form, formsets, change)
        revision = services.raise_revised_sequences(before=form.calendar_before)
        told = enrolment_services.tell_about_moved_sessions(session_ids=revision.moved, deleted=deleted)
        form.audit_detail.update(sessions_revised=revision.revised, told=told)


class DistrictInline(admin.TabularInline):
    model = District
    extra = 0
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ["name", "country"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [DistrictInline]


@admin.register(Provider)
class ProviderAdmin(RecordsChanges, RevisesCalendarEvents, admin.ModelAdmin):
    list_display = ["name", "kind", "municipality"]
    list_filter = ["kind", "municipality"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}  # "example.no" means https, as in Django 6

    def sessions_shown_with(self, obj):
        return Session.objects.filter(run__offer__provider=obj)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.refresh_offer_search(offer_ids=list(obj.offers.values_list("pk", flat=True)))


@admin.register(Location)
class LocationAdmin(RecordsChanges, RevisesCalendarEvents, admin.ModelAdmin):
    list_display = ["name", "street_address", "municipality", "step_free", "hearing_loop"]
    list_filter = ["municipality", "step_free", "hearing_loop"]
    search_fields = ["name", "street_address"]

    def sessions_shown_with(self, obj):
        return Session.objects.filter(location=obj)


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


@admin.register(Semester)
class SemesterAdmin(admin.ModelAdmin):
    list_display = ["name", "starts_on", "ends_on"]
    prepopulated_fields = {"slug": ["name"]}


class RunInline(admin.TabularInline):
    model = Run
    extra = 0
    fields = ["semester", "name", "capacity", "status", "registration_opens_at", "registration_closes_at"]
    # Status and seats change only through the enrolment services (RunAdmin's actions, the coordinator's run
    # page), which keep the waiting list and the confirmed count right. New runs are added on the run page.
    readonly_fields = ["capacity", "status"]
    show_change_link = True

    def has_add_permission(self, request, obj=None):
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

    def sessions_shown_with(self, obj):
        return Session.objects.filter(run__offer=obj)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.refresh_offer_search(offer_ids=[form.instance.pk])


class SessionInline(admin.TabularInline):
    model = Session
    extra = 1
    fields = ["starts_at", "ends_at", "location", "theme"]
    raw_id_fields = ["location"]


@admin.register(Run)
class RunAdmin(RecordsChanges, RevisesCalendarEvents, admin.ModelAdmin):
    """A run's status changes only through the enrolment services (publish_run, cancel_run), which tell the
    people concerned and end their places: here by the actions "Publiser" and "Avlys", never by editing it.
    A run made here starts as a draft. Its number of seats is set here when it is made; afterwards it changes
    on the coordinator's run page (enrolment.services.change_capacity, which refuses fewer seats than people
    who hold one and offers new seats to the waiting list)."""

    list_display = ["offer", "semester", "name", "capacity", "status", "starts_at"]
    list_filter = ["status", "semester", "offer__provider"]
    search_fields = ["offer__title", "name"]
    raw_id_fields = ["offer"]
    readonly_fields = ["status", "published_at", "starts_at", "ends_at"]
    inlines = [SessionInline]
    actions = ["publish", "cancel"]

    def sessions_shown_with(self, obj):
        return Session.objects.filter(run=obj)

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        return [*readonly, "capacity"] if obj is not None else readonly

    @admin.action(description=gettext_lazy("Publiser"), permissions=["change"])
    def publish(self, request, queryset):
        drafts = list(queryset.filter(status=Run.Status.DRAFT).select_related("offer"))
        if not drafts:
            self.message_user(request, _("Ingen av de valgte gjennomføringene er utkast."), messages.WARNING)
            return
        told = sum(
            enrolment_services.publish_run(run_id=run.pk, acting=_acting_in_admin(request, run)) for run in drafts
        )
        self.message_user(
            request,
            _("Publisert: %(runs)s. %(told)s som ba om beskjed, får e-post.") % {"runs": len(drafts), "told": told},
            messages.SUCCESS,
        )

    @admin.action(description=gettext_lazy("Avlys"), permissions=["change"])
    def cancel(self, request, queryset):
        """Asks first (it cannot be undone, and everyone on the runs is told), then cancels each run."""
        runs = list(
            queryset.exclude(status=Run.Status.CANCELLED)
            .select_related("offer", "semester")
            .annotate(people=Count("enrolments", filter=Q(enrolments__status__in=Enrolment.ACTIVE)))
            .order_by("pk")
        )
        if not runs:
            self.message_user(request, _("De valgte gjennomføringene er allerede avlyst."), messages.WARNING)
            return None
        if request.POST.get("confirm") != "yes":
            context = {
                **self.admin_site.each_context(request),
                "title": _("Avlyse gjennomføringene?"),
                "opts": self.model._meta,
                "runs": runs,
                "queryset": queryset,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(request, "admin/courses/run/cancel_confirmation.html", context)
        cancelled = told = 0
        for run in runs:
            try:
                told += enrolment_services.cancel_run(run_id=run.pk, acting=_acting_in_admin(request, run))
            except enrolment_services.EnrolmentRefusal as refusal:
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

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.refresh_run_dates(run_ids=[form.instance.pk])
