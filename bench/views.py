from django.http import HttpResponse

from courses.models import Municipality


def floor(request):
    """The floor: Django's full middleware stack, one query for one row, a tiny response."""
    name = Municipality.objects.order_by("pk").values_list("name", flat=True).first()
    return HttpResponse(f"ok {name}", content_type="text/plain; charset=utf-8")
