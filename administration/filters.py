import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts import access
from audit.actions import Action
from audit.models import AuditEvent
from base.querydata import without_control_characters


class AuditEventFilter(django_filters.FilterSet):
    action = django_filters.ChoiceFilter(label=_("Handling"), choices=Action.choices, empty_label=_("Alle"))
    person = django_filters.CharFilter(
        label=_("E-post til en ansatt (utført av eller gjelder)"), method="filter_person", max_length=254
    )
    since = django_filters.DateFilter(
        label=_("Fra dato"), field_name="at", lookup_expr="date__gte", widget=forms.DateInput(attrs={"type": "date"})
    )
    until = django_filters.DateFilter(
        label=_("Til dato"), field_name="at", lookup_expr="date__lte", widget=forms.DateInput(attrs={"type": "date"})
    )

    class Meta:
        model = AuditEvent
        fields: list[str] = []

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(without_control_characters(data), *args, **kwargs)
        for field in self.form.fields.values():
            field.widget.attrs.setdefault("class", "ds-input")

    def filter_person(self, queryset, name, value):
        """Changes made by or to one of the staff the admin looks after. Anyone else's address finds nothing, the
        same as an address nobody has: the log does not tell whether someone is known to the portal."""
        value = value.strip().lower()
        if not value:
            return queryset
        if not access.staff_users_visible_to(self.request.user).filter(email=value).exists():
            return queryset.none()
        return queryset.filter(Q(actor__email=value) | Q(subject__email=value))
