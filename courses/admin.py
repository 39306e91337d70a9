from django.contrib import admin
from django.db import transaction

from audit.acting import Acting, organisation_label
from audit.actions import Action
from audit.services import record_change
from courses.models import District, Location, Municipality, Offer, Provider, Run, Semester, Topic


def organisation_of(obj) -> str:
    """The organisation an admin edit is made for, named as the services name it in the audit trail."""
    if isinstance(obj, Provider):
        return organisation_label("provider", obj.pk)
    if isinstance(obj, Offer):
        return organisation_label("provider", obj.provider_id)
    if isinstance(obj, Run):
        return organisation_label("provider", obj.offer.provider_id)
    if isinstance(obj, Location):
        return organisation_label("municipality", obj.municipality_id)
    return ""


def acting_in_admin(request, obj) -> Acting:
    return Acting.django_admin(request.user, organisation=organisation_of(obj))


class RecordsChanges:
    """Writes an audit row (audit.services.record_change, as the services do) for every object added, changed or
    deleted on this admin page: who, which object, and the names of the fields and of the inline rows that
    changed. Never their values: a run's facilitators, for one, are people's names. ``audit_actions`` names the
    three actions ("created", "updated", "deleted").

    List it first among the bases: it reads the inlines' changes once every other mixin has saved them, and
    writes what those mixins put in ``form.audit_detail`` (enrolment.admin.RevisesCalendarEvents: the revised
    events and how many people were told). The admin saves and deletes inside one transaction, so the row commits
    with the change or not at all.
    """

    audit_actions: dict[str, Action] = {}

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
        record_change(acting=acting_in_admin(request, obj), action=self.audit_actions[what], obj=obj, detail=detail)


class DistrictInline(admin.TabularInline):
    model = District
    extra = 0
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ["name", "country"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [DistrictInline]


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


@admin.register(Semester)
class SemesterAdmin(admin.ModelAdmin):
    list_display = ["name", "starts_on", "ends_on"]
    prepopulated_fields = {"slug": ["name"]}
