"""Names for the organisations audit rows point at (``audit.acting.organisation_label``: "provider:3"), for every
page that shows who acted for whom: the change log and a person's own data."""

from accounts.models import ServiceUnit
from courses.models import Municipality, Provider, Run

_ORGANISATIONS = {"provider": Provider, "service_unit": ServiceUnit, "run": Run, "municipality": Municipality}


def organisation_names(labels) -> dict[str, str]:
    """{"provider:3": "MAS", ...} for the organisations named, one query per kind; an unknown label has no name."""
    ids: dict[str, set[int]] = {}
    for label in labels:
        kind, _sep, pk = label.partition(":")
        if kind in _ORGANISATIONS and pk.isdigit():
            ids.setdefault(kind, set()).add(int(pk))
    names = {}
    for kind, pks in ids.items():
        model = _ORGANISATIONS[kind]
        rows = model.objects.filter(pk__in=pks)
        if model is Run:
            rows = rows.select_related("offer", "semester")
        names.update({f"{kind}:{row.pk}": str(row) for row in rows})
    return names
