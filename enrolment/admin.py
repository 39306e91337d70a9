from django.contrib import admin

from enrolment.models import Enrolment


@admin.register(Enrolment)
class EnrolmentAdmin(admin.ModelAdmin):
    list_display = ["run", "status", "source", "created_at"]
    list_filter = ["status", "source"]
    raw_id_fields = ["run", "person"]

    # State changes go through the enrolment services (enrolment issue); the admin only reads.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
