from django.contrib import admin

from courses import services
from courses.models import District, Location, Municipality, Offer, Provider, Run, Semester, Session, Topic


class RevisesCalendarEvents:
    """Raises the calendar SEQUENCE of every session whose event an edit on this admin page changes.

    The snapshot is taken before the object is saved and compared after its inlines are, both inside the
    admin's transaction; it travels on the form, which lives as long as the request.
    """

    def sessions_shown_with(self, obj):
        raise NotImplementedError

    def save_model(self, request, obj, form, change):
        form.calendar_before = services.calendar_snapshot(self.sessions_shown_with(obj)) if change else {}
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.raise_revised_sequences(before=form.calendar_before)


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
class ProviderAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "municipality"]
    list_filter = ["kind", "municipality"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.refresh_offer_search(offer_ids=list(obj.offers.values_list("pk", flat=True)))


@admin.register(Location)
class LocationAdmin(RevisesCalendarEvents, admin.ModelAdmin):
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
    show_change_link = True


@admin.register(Offer)
class OfferAdmin(RevisesCalendarEvents, admin.ModelAdmin):
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
class RunAdmin(RevisesCalendarEvents, admin.ModelAdmin):
    list_display = ["offer", "semester", "name", "capacity", "status", "starts_at"]
    list_filter = ["status", "semester", "offer__provider"]
    search_fields = ["offer__title", "name"]
    raw_id_fields = ["offer"]
    readonly_fields = ["starts_at", "ends_at"]
    inlines = [SessionInline]

    def sessions_shown_with(self, obj):
        return Session.objects.filter(run=obj)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.refresh_run_dates(run_ids=[form.instance.pk])
