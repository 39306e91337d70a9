import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from audit.actions import Action
from audit.models import AuditEvent
from base.querydata import without_control_characters


class AuditEventFilter(django_filters.FilterSet):
    action = django_filters.ChoiceFilter(label=_("Handling"), choices=Action.choices, empty_label=_("Alle"))
    person = django_filters.CharFilter(
        label=_("E-post (utført av eller gjelder)"), method="filter_person", max_length=254
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
        value = value.strip().lower()
        if not value:
            return queryset
        return queryset.filter(actor__email=value) | queryset.filter(subject__email=value)
