import pytest
from django.db.models import Count, Q

from audit.models import AuditEvent
from base.prepared import Prepared
from courses.models import Run
from tests import factories

pytestmark = pytest.mark.django_db


def build(run_id):
    return (
        Run.objects.filter(pk=run_id)
        .select_related("offer__provider", "semester")
        .only("name", "capacity", "starts_at", "offer__title", "offer__provider__name", "semester__name")
        .order_by()
    )


PREPARED = Prepared(build)


def loaded(instance, *related):
    """What a model instance holds: its model, loaded field values and deferred fields, and the same of the related
    rows given by path."""
    values = {
        "model": type(instance)._meta.label,
        "fields": {name: value for name, value in vars(instance).items() if not name.startswith("_")},
        "deferred": instance.get_deferred_fields(),
        "db": instance._state.db,
        "adding": instance._state.adding,
    }
    for path in related:
        head, _, rest = path.partition("__")
        values[head] = loaded(getattr(instance, head), *([rest] if rest else []))
    return values


def test_a_prepared_query_gives_the_same_instances_as_its_queryset_in_one_query(django_assert_num_queries):
    run = factories.run(offer=factories.offer(title="Keramikk"), capacity=8, name="Torsdag")
    expected = loaded(build(run.pk).get(), "offer__provider", "semester")
    with django_assert_num_queries(1):
        got = PREPARED.get(run.pk)
        assert loaded(got, "offer__provider", "semester") == expected
    assert (got.offer.title, got.offer.provider.name, got.capacity) == ("Keramikk", run.offer.provider.name, 8)
    other = factories.run(offer=run.offer, capacity=3)  # built once, run with each value
    assert PREPARED.get(other.pk).capacity == 3
    assert PREPARED.get(other.pk + 1000) is None


def test_a_query_it_cannot_run_as_the_queryset_would_is_refused_when_first_used():
    twice = Prepared(lambda value: Run.objects.filter(Q(pk=value) | Q(follows=value)))
    annotated = Prepared(lambda value: Run.objects.filter(pk=value).annotate(n=Count("sessions")))
    converted = Prepared(lambda value: AuditEvent.objects.filter(pk=value))  # its detail is JSON
    for prepared in (twice, annotated, converted):
        with pytest.raises(ValueError):
            prepared.get(1)
