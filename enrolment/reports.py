"""Figures for coordinators: the yearly seat budget against places used."""

from dataclasses import dataclass

from django.db.models import Count, Sum

from courses.models import Run, Semester
from enrolment.models import Enrolment

# A place is used when someone got it, whether they finished or not.
USED = [Enrolment.Status.CONFIRMED, Enrolment.Status.OFFERED, Enrolment.Status.COMPLETED, Enrolment.Status.DROPPED_OUT]


@dataclass(frozen=True)
class BudgetRow:
    semester: Semester
    places: int
    used: int


def seat_budget(provider) -> dict[int, list[BudgetRow]]:
    """Per calendar year, each semester's places offered and places used."""
    runs = Run.objects.filter(offer__provider=provider, status=Run.Status.PUBLISHED)
    places = dict(runs.values_list("semester").annotate(total=Sum("capacity")).order_by())
    used = dict(
        Enrolment.objects.filter(run__in=runs, status__in=USED)
        .values_list("run__semester")
        .annotate(total=Count("pk"))
        .order_by()
    )
    years: dict[int, list[BudgetRow]] = {}
    for semester in Semester.objects.filter(pk__in=places).order_by("starts_on"):
        years.setdefault(semester.starts_on.year, []).append(
            BudgetRow(semester, places.get(semester.pk, 0), used.get(semester.pk, 0))
        )
    return years
