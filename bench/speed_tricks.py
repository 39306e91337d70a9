"""What each speed trick of the sign-up path is worth: CPU and wall time per request, with and without it.

    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/tricks_bench .venv/bin/python bench/speed_tricks.py

Runs the sign-up page (GET), a sign-up to a full run (the waiting-list question) and a sign-up that takes a seat
through Django's test client in one process, in a database of its own (created if missing, never the portal's),
with each trick switched off in turn. The configurations take turns request by request, so whatever else the
machine does falls on each alike; each figure is a median. A trick stays where it saves about a tenth of a page or
a sign-up (bench/README.md, "Speed tricks").
"""

import argparse
import datetime as dt
import itertools
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=300, help="requests per configuration and kind (300)")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    args = parser.parse_args()
    if not args.database_url or args.database_url == os.environ.get("DATABASE_URL"):
        sys.exit("Give a database of its own: --database-url or BENCH_DATABASE_URL (never the portal's DATABASE_URL).")
    _ensure_database(args.database_url)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recovery_portal.settings")
    os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver"
    os.environ["SEAT_HOLDS_PER_CLIENT_PER_HOUR"] = "1000000000"  # every request comes from one address
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    measure(args.requests)


def _ensure_database(url):
    import psycopg
    from psycopg import sql

    *server, name = url.rsplit("/", 1)
    with psycopg.connect(f"{server[0]}/postgres", autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def measure(count):
    from django.forms.boundfield import BoundField
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.utils import timezone

    from base.prepared import Prepared
    from courses.models import Municipality, Offer, Provider, Run, Semester, Session
    from courses.services import refresh_offer_search, refresh_run_dates
    from enrolment import forms
    from enrolment.services import locks

    setup_test_environment()
    municipality, _ = Municipality.objects.get_or_create(slug="tricks", defaults={"name": "Tricks"})
    provider, _ = Provider.objects.get_or_create(
        slug="tricks", defaults={"name": "Tricks", "kind": "foundation", "municipality": municipality}
    )
    semester, _ = Semester.objects.get_or_create(
        slug="tricks", defaults={"name": "Tricks", "starts_on": dt.date(2030, 1, 1), "ends_on": dt.date(2030, 6, 1)}
    )
    text = " ".join(["Vi syr, strikker, vever og prater sammen om hverdagen, mestring og fellesskap."] * 40)

    def run_with(capacity):
        offer = Offer.objects.create(
            provider=provider,
            title="Vev",
            slug=f"tricks-{time.time_ns()}",
            summary="Vev",
            description=text,
            what_happens_next=text,
            kind=Offer.Kind.CRAFT_COURSE,
            join_method=Offer.JoinMethod.OPEN,
            municipality=municipality,
            is_published=True,
            audience=["citizens"],
            languages=["no"],
        )
        refresh_offer_search(offer_ids=[offer.pk])
        run = Run.objects.create(
            offer=offer, semester=semester, capacity=capacity, status="published", published_at=timezone.now()
        )
        starts = timezone.now() + dt.timedelta(days=30)
        Session.objects.create(run=run, starts_at=starts, ends_at=starts + dt.timedelta(hours=2))
        refresh_run_dates(run_ids=[run.pk])
        return run

    full, free = run_with(0), run_with(10**6)
    client, numbers = Client(), itertools.count()

    def get_page():
        assert client.get(f"/pamelding/{free.pk}/").status_code == 200

    def post_full():
        data = {"name": "A", "email": f"full-{time.time_ns()}-{next(numbers)}@example.org", "waiting_list": ""}
        assert client.post(f"/pamelding/{full.pk}/", data).status_code == 200

    def post_seat():
        data = {"name": "A", "email": f"seat-{time.time_ns()}-{next(numbers)}@example.org", "waiting_list": ""}
        assert client.post(f"/pamelding/{free.pk}/", data).status_code == 302

    prepared = (locks._PUBLIC_RUN, locks._LOCK_RUN, locks._LOCK_PUBLIC_RUN)

    class WithoutPrepared:
        """The same queryset, built by the ORM on every call."""

        def __init__(self, prepared: Prepared):
            self.build = prepared.build

        def get(self, value):
            return self.build(value).first()

    def configure(*, use_prepared, input_html):
        locks._PUBLIC_RUN, locks._LOCK_RUN, locks._LOCK_PUBLIC_RUN = (
            prepared if use_prepared else tuple(WithoutPrepared(p) for p in prepared)
        )
        forms.SignUpForm.bound_field_class = forms.InputRenderedDirectly if input_html else BoundField

    configurations = {
        "every trick": {"use_prepared": True, "input_html": True},
        "no Prepared": {"use_prepared": False, "input_html": True},
        "no input HTML": {"use_prepared": True, "input_html": False},
        "none": {"use_prepared": False, "input_html": False},
    }
    kinds = {"GET": get_page, "full POST": post_full, "seat POST": post_seat}
    cpu = {(name, kind): [] for name in configurations for kind in kinds}
    wall = {(name, kind): [] for name in configurations for kind in kinds}
    for options in configurations.values():  # warm each path up
        configure(**options)
        for request in kinds.values():
            request()
    for _ in range(count):
        for name, options in configurations.items():
            configure(**options)
            for kind, request in kinds.items():
                started_cpu, started = time.process_time(), time.perf_counter()
                request()
                cpu[(name, kind)].append(time.process_time() - started_cpu)
                wall[(name, kind)].append(time.perf_counter() - started)
    print(f"medians of {count} requests each, ms (CPU / wall)")
    print(f"{'':14}" + "".join(f"{kind:>20}" for kind in kinds))
    for name in configurations:
        cells = [
            f"{statistics.median(cpu[(name, kind)]) * 1000:8.2f} / {statistics.median(wall[(name, kind)]) * 1000:6.2f}"
            for kind in kinds
        ]
        print(f"{name:14}" + "".join(f"{cell:>20}" for cell in cells))


if __name__ == "__main__":
    main()
