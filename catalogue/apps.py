from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class CatalogueConfig(AppConfig):
    name = "catalogue"
    verbose_name = _("Katalogen")

    def ready(self):
        from catalogue.filters import forget_place_and_semester_choices
        from courses.models import District, Municipality, Semester

        # A cache this process keeps, not domain flow: a new semester shows in the filter at once.
        for model in (Municipality, District, Semester):
            uid = f"catalogue-filter-choices-{model.__name__}"
            post_save.connect(forget_place_and_semester_choices, sender=model, dispatch_uid=f"{uid}-saved")
            post_delete.connect(forget_place_and_semester_choices, sender=model, dispatch_uid=f"{uid}-deleted")
