"""The sign-up benchmark's floor: the least a locked sign-up can do through Django.

GET returns a tiny form carrying a CSRF token (so the client does the same GET-then-POST as on
the real sign-up page); POST locks the run's row, as ``enrolment.services.locks`` does, inserts one row
into a bench-only table in the same transaction, and redirects (302). The table is created by
``bench/signup.py`` (``FLOOR_TABLE``); the portal's own tables are only read.
"""

from django.db import connection, transaction
from django.http import HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.middleware.csrf import get_token
from django.views.decorators.cache import never_cache

from courses.models import Run

FLOOR_TABLE = "bench_signup_floor"
CREATE_FLOOR_TABLE = (
    f"CREATE TABLE IF NOT EXISTS {FLOOR_TABLE} ("
    "id bigserial PRIMARY KEY, run_id bigint NOT NULL, email text NOT NULL, "
    "created_at timestamptz NOT NULL DEFAULT now())"
)


@never_cache
def floor(request, run_id):
    if request.method == "GET":
        token = get_token(request)
        return HttpResponse(
            f'<form method="post"><input type="hidden" name="csrfmiddlewaretoken" value="{token}">'
            '<input name="email"><button>ok</button></form>',
            content_type="text/html; charset=utf-8",
        )
    if request.method != "POST":
        return HttpResponseNotAllowed(["GET", "POST"])
    with transaction.atomic():
        Run.objects.select_for_update(no_key=True).only("pk").get(pk=run_id)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {FLOOR_TABLE} (run_id, email) VALUES (%s, %s) RETURNING id",
                [run_id, request.POST.get("email", "")[:254]],
            )
            row_id = cursor.fetchone()[0]
    return HttpResponseRedirect(f"/bench/signup-floor/{run_id}/?ok={row_id}")
