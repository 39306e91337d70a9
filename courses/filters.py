"""The catalogue's search and filters. Every choice lives in the URL, so a link can be shared."""

import django_filters
from django import forms
from django.contrib.postgres.search import SearchRank
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from courses import search
from courses.models import District, Municipality, Offer, Run, Semester, Session


class Weekday:
    CHOICES = [
        ("1", _("mandag")),
        ("2", _("tirsdag")),
        ("3", _("onsdag")),
        ("4", _("torsdag")),
        ("5", _("fredag")),
        ("6", _("lørdag")),
        ("7", _("søndag")),
    ]


TIME_OF_DAY = [
    ("morning", _("Formiddag (før kl. 12)")),
    ("afternoon", _("Ettermiddag (kl. 12–17)")),
    ("evening", _("Kveld (etter kl. 17)")),
]
_HOURS = {"morning": (0, 12), "afternoon": (12, 17), "evening": (17, 24)}

SORT_CHOICES = [
    ("relevance", _("Best treff")),
    ("soonest", _("Starter snart")),
    ("newest", _("Nyeste")),
    ("title", _("A–Å")),
]


class _ModelChoiceIterator(django_filters.fields.ModelChoiceIterator):
    """The choices from one plain query.

    Django's iterator() opens a server-side cursor on PostgreSQL: DECLARE, FETCH and CLOSE, three round
    trips for a list of a few dozen municipalities, districts or semesters.
    """

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        if self.field.null_label is not None:
            yield (self.field.null_value, self.field.null_label)
        for obj in self.queryset.all():
            yield self.choice(obj)


class _ModelChoiceField(django_filters.fields.ModelChoiceField):
    iterator = _ModelChoiceIterator


class ModelChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = _ModelChoiceField


class OfferFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Søk"),
        method="filter_nothing",
        max_length=search.MAX_QUERY_LENGTH,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    # distinct=False: these compare a column of the offer itself, so no row can come twice, and
    # SELECT DISTINCT over every column (the search vector too) made counting and sorting slow.
    kind = django_filters.MultipleChoiceFilter(
        label=_("Type tilbud"), choices=Offer.Kind.choices, widget=forms.CheckboxSelectMultiple, distinct=False
    )
    kommune = ModelChoiceFilter(
        label=_("Kommune"),
        field_name="municipality",
        to_field_name="slug",
        queryset=Municipality.objects.all(),
        empty_label=_("Alle kommuner"),
    )
    bydel = ModelChoiceFilter(
        label=_("Bydel"),
        field_name="district",
        to_field_name="slug",
        queryset=District.objects.select_related("municipality"),
        empty_label=_("Alle bydeler"),
    )
    audience = django_filters.MultipleChoiceFilter(
        label=_("For hvem"),
        choices=Offer.Audience.choices,
        widget=forms.CheckboxSelectMultiple,
        method="filter_audience",
    )
    join = django_filters.MultipleChoiceFilter(
        label=_("Slik blir du med"),
        field_name="join_method",
        choices=Offer.JoinMethod.choices,
        widget=forms.CheckboxSelectMultiple,
        distinct=False,
    )
    semester = ModelChoiceFilter(
        label=_("Semester"),
        to_field_name="slug",
        queryset=Semester.objects.all(),
        method="filter_nothing",
        empty_label=_("Alle semestre"),
    )
    weekday = django_filters.MultipleChoiceFilter(
        label=_("Ukedag"), choices=Weekday.CHOICES, widget=forms.CheckboxSelectMultiple, method="filter_nothing"
    )
    time = django_filters.ChoiceFilter(
        label=_("Tid på dagen"), choices=TIME_OF_DAY, method="filter_nothing", empty_label=_("Når som helst")
    )
    age = django_filters.NumberFilter(
        label=_("Passer for min alder"),
        method="filter_age",
        min_value=0,
        max_value=120,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0, "max": 120, "aria-describedby": "age-hint"}),
    )
    language = django_filters.ChoiceFilter(
        label=_("Språk"), choices=Offer.Language.choices, method="filter_language", empty_label=_("Alle språk")
    )
    free_seats = django_filters.BooleanFilter(
        label=_("Bare med ledige plasser"), method="filter_nothing", widget=forms.CheckboxInput
    )
    free = django_filters.BooleanFilter(label=_("Bare gratis tilbud"), method="filter_free", widget=forms.CheckboxInput)
    sort = django_filters.ChoiceFilter(
        label=pgettext_lazy("verb", "Sorter"), choices=SORT_CHOICES, method="filter_nothing", empty_label=None
    )

    class Meta:
        model = Offer
        fields: list[str] = []

    def __init__(self, *args, now=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.now = now or timezone.now()
        self.corrected_query = None

    def get_form_class(self):
        """The same form class for every request (the filters' fields never change); built once per process."""
        cls = type(self)
        if "_form_class" not in cls.__dict__:
            form_class = super().get_form_class()
            for field in form_class.base_fields.values():
                field.widget.attrs.setdefault("class", "ds-input")
            cls._form_class = form_class
        return cls._form_class

    # Filters whose work happens in filter_queryset, where they combine.
    def filter_nothing(self, queryset, name, value):
        return queryset

    def filter_audience(self, queryset, name, value):
        return queryset.filter(audience__overlap=value) if value else queryset

    def filter_language(self, queryset, name, value):
        return queryset.filter(languages__contains=[value]) if value else queryset

    def filter_age(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(Q(min_age__isnull=True) | Q(min_age__lte=value)).filter(
            Q(max_age__isnull=True) | Q(max_age__gte=value)
        )

    def filter_free(self, queryset, name, value):
        return queryset.filter(price=0) if value else queryset

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        queryset = self._filter_by_runs(queryset, data)
        query = (data.get("q") or "").strip()
        sort = data.get("sort") or ("relevance" if query else "soonest")
        if query:
            matches = self._search(queryset, query)
            if not matches.exists():
                corrected = search.corrected_query(query)
                if corrected:
                    self.corrected_query = corrected
                    query = corrected
                    matches = self._search(queryset, query)
            queryset = matches
        return self._sort(queryset, sort, has_query=bool(query))

    def _search(self, queryset, text):
        query = search.search_query(text)
        return queryset.filter(search_vector=query).annotate(rank=SearchRank(F("search_vector"), query))

    def _filter_by_runs(self, queryset, data):
        """Semester, weekday, time of day and free seats must all hold for the same upcoming run."""
        runs = Run.objects.upcoming(self.now).filter(offer=OuterRef("pk"))
        constrained = False
        if data.get("semester"):
            runs = runs.filter(semester=data["semester"])
            constrained = True
        sessions = Session.objects.filter(run=OuterRef("pk"))
        session_constrained = False
        if data.get("weekday"):
            sessions = sessions.filter(starts_at__iso_week_day__in=[int(day) for day in data["weekday"]])
            session_constrained = True
        if data.get("time"):
            start, end = _HOURS[data["time"]]
            sessions = sessions.filter(starts_at__hour__gte=start, starts_at__hour__lt=end)
            session_constrained = True
        if session_constrained:
            runs = runs.filter(Exists(sessions))
            constrained = True
        if data.get("free_seats"):
            runs = runs.with_seats().filter(seats_left__gt=0)
            constrained = True
        return queryset.filter(Exists(runs)) if constrained else queryset

    def _sort(self, queryset, sort, *, has_query):
        if sort == "relevance" and has_query:
            return queryset.order_by("-rank", "title", "pk")
        if sort == "newest":
            return queryset.order_by("-created_at", "pk")
        if sort == "title":
            return queryset.order_by("title", "pk")
        return queryset.with_next_start().order_by(F("next_start").asc(nulls_last=True), "title", "pk")
