"""The catalogue's search and filters. Every choice lives in the URL, so a link can be shared."""

from typing import NamedTuple

import django_filters
from django import forms
from django.contrib.postgres.search import SearchRank
from django.core.cache import caches
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from base.querydata import without_control_characters
from courses import search
from courses.models import District, Municipality, Offer, Run, Semester, Session
from enrolment.seats import OPEN_TO_WALK_INS, with_seats


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


# Municipalities, districts and semesters change a few times a year, yet reading them took three
# queries on every list page. Each process keeps them for a minute; saving or deleting one clears
# this process's copy at once (courses/apps.py), and other processes follow within the minute.
FILTER_CHOICES_KEY = "catalogue:filter-choices:v1"
FILTER_CHOICES_SECONDS = 60


def place_and_semester_choices():
    """{"kommune" | "bydel" | "semester": [(slug, name), ...]} in the order the filters show them."""
    cache = caches["local"]
    choices = cache.get(FILTER_CHOICES_KEY)
    if choices is None:
        choices = {
            "kommune": list(Municipality.objects.order_by("name").values_list("slug", "name")),
            "bydel": [
                (slug, f"{name} ({municipality})")
                for slug, name, municipality in District.objects.order_by("municipality__name", "name").values_list(
                    "slug", "name", "municipality__name"
                )
            ],
            "semester": list(Semester.objects.order_by("starts_on").values_list("slug", "name")),
        }
        cache.set(FILTER_CHOICES_KEY, choices, FILTER_CHOICES_SECONDS)
    return choices


def forget_place_and_semester_choices(**kwargs):
    caches["local"].delete(FILTER_CHOICES_KEY)


def _shared(choices):
    """The choices as a callable, which every form shares.

    A form deep-copies its fields, and a list of choices with it, lazy translations and all: that
    was a tenth of the list page's time. A callable is copied by reference.
    """
    return lambda: choices


class Option(NamedTuple):
    value: str
    label: str
    selected: bool
    id: str


_SEVERAL_CHOICES = ("kind", "audience", "join", "weekday")
_CHOICE_FILTERS = (*_SEVERAL_CHOICES, "kommune", "bydel", "semester", "time", "language", "sort")


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
        label=_("Type tilbud"), choices=_shared(Offer.Kind.choices), widget=forms.CheckboxSelectMultiple, distinct=False
    )
    kommune = django_filters.ChoiceFilter(
        label=_("Kommune"),
        field_name="municipality__slug",
        choices=lambda: place_and_semester_choices()["kommune"],
        empty_label=_("Alle kommuner"),
    )
    bydel = django_filters.ChoiceFilter(
        label=_("Bydel"),
        field_name="district__slug",
        choices=lambda: place_and_semester_choices()["bydel"],
        empty_label=_("Alle bydeler"),
    )
    audience = django_filters.MultipleChoiceFilter(
        label=_("For hvem"),
        choices=_shared(Offer.Audience.choices),
        widget=forms.CheckboxSelectMultiple,
        method="filter_audience",
    )
    join = django_filters.MultipleChoiceFilter(
        label=_("Slik blir du med"),
        field_name="join_method",
        choices=_shared(Offer.JoinMethod.choices),
        widget=forms.CheckboxSelectMultiple,
        distinct=False,
    )
    semester = django_filters.ChoiceFilter(
        label=_("Semester"),
        choices=lambda: place_and_semester_choices()["semester"],
        method="filter_nothing",
        empty_label=_("Alle semestre"),
    )
    weekday = django_filters.MultipleChoiceFilter(
        label=_("Ukedag"),
        choices=_shared(Weekday.CHOICES),
        widget=forms.CheckboxSelectMultiple,
        method="filter_nothing",
    )
    time = django_filters.ChoiceFilter(
        label=_("Tid på dagen"), choices=_shared(TIME_OF_DAY), method="filter_nothing", empty_label=_("Når som helst")
    )
    age = django_filters.NumberFilter(
        label=_("Passer for min alder"),
        method="filter_age",
        min_value=0,
        max_value=120,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0, "max": 120, "aria-describedby": "age-hint"}),
    )
    language = django_filters.ChoiceFilter(
        label=_("Språk"), choices=_shared(Offer.Language.choices), method="filter_language", empty_label=_("Alle språk")
    )
    free_seats = django_filters.BooleanFilter(
        label=_("Bare med ledige plasser"), method="filter_nothing", widget=forms.CheckboxInput
    )
    free = django_filters.BooleanFilter(label=_("Bare gratis tilbud"), method="filter_free", widget=forms.CheckboxInput)
    sort = django_filters.ChoiceFilter(
        label=pgettext_lazy("verb", "Sorter"), choices=_shared(SORT_CHOICES), method="filter_nothing", empty_label=None
    )

    class Meta:
        model = Offer
        fields: list[str] = []

    def __init__(self, data=None, *args, now=None, **kwargs):
        super().__init__(without_control_characters(data), *args, **kwargs)
        self.now = now or timezone.now()
        self.corrected_query = None
        self.match_count = None  # the number of matches, once a search has counted them

    def get_form_class(self):
        """The same form class for every request (the filters' fields never change); built once per process."""
        cls = type(self)
        if "_form_class" not in cls.__dict__:
            form_class = super().get_form_class()
            for field in form_class.base_fields.values():
                field.widget.attrs.setdefault("class", "ds-input")
            cls._form_class = form_class
        return cls._form_class

    def options(self):
        """{filter name: [Option]} for every filter with a list of choices, marking what this request chose.

        The template draws these as plain inputs: Django's widget templates drew the same hundred
        inputs about ten times slower, and the list page is the portal's busiest.
        """
        form = self.form
        options = {}
        for name in _CHOICE_FILTERS:
            field = form[name]
            chosen = field.value()
            if isinstance(chosen, list | tuple):
                chosen = {str(value) for value in chosen}
            else:
                chosen = {"" if chosen is None else str(chosen)}
            several = name in _SEVERAL_CHOICES
            options[name] = [
                Option(
                    value=str(value),
                    label=label,
                    selected=str(value) in chosen,
                    id=f"{field.auto_id}_{index}" if several else field.auto_id,
                )
                for index, (value, label) in enumerate(field.field.choices)
            ]
        return options

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
            # Counting the matches tells whether a corrected spelling is needed, and the pages need the count anyway.
            matches = queryset.filter(search_vector=search.search_query(query))
            self.match_count = matches.count()
            if not self.match_count and (corrected := search.corrected_query(query)):
                self.corrected_query = query = corrected
                matches = queryset.filter(search_vector=search.search_query(query))
                self.match_count = matches.count()
            queryset = matches
            if sort == "relevance":
                queryset = queryset.annotate(rank=SearchRank(F("search_vector"), search.search_query(query)))
        return self._sort(queryset, sort, has_query=bool(query))

    def _filter_by_runs(self, queryset, data):
        """Semester, weekday, time of day and free seats must all hold for the same upcoming run."""
        runs = Run.objects.upcoming(self.now).filter(offer=OuterRef("pk"))
        constrained = False
        if data.get("semester"):
            runs = runs.filter(semester__slug=data["semester"])
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
            runs = with_seats(runs, now=self.now).filter(OPEN_TO_WALK_INS)
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
