"""Sign-up benchmark: concurrent anonymous sign-ups over HTTP against a floor of one locked insert.

    .venv/bin/python bench/signup.py [--duration 15] [--clients 100] [--database-url postgresql://...]

Creates 20 fresh published runs of one open-sign-up offer, 10 seats each, in a database of its own
(an embedded PostgreSQL in .pgdata-signup-bench/, or --database-url), serves the portal with
gunicorn on 127.0.0.1 and drives two loads, one after the other, with the same client machinery
and concurrency (bench/signup_client.py, standard library only):

  floor    /bench/signup-floor/<run>/: GET a CSRF token, POST it; the view locks the run's row and
           inserts one row into a bench-only table in one transaction, then redirects (302)
  signup   /pamelding/<run>/: GET the form, POST it as a new person (a fresh e-mail address);
           the seat is held, and the client confirms it as the link in the e-mail would (a second
           POST, to the held seat's confirm button). Runs are picked Zipf-style (the first run is
           the most popular), so popular runs fill early and are then fought over; some who get
           a seat cancel it in the same browser session, at once or a while later; some who find
           a popular run full join its waiting list, and a seat freed there is offered to the
           first in line

Afterwards it checks the database: no run holds more seats than it has (``overbooked``), and
every seat a client was given and did not cancel is still confirmed or offered (``lost``). It
prints a table (POSTs/s, seats/s, latency percentiles, errors), the CPU each part used per
attempt, and as its last line ``signup_vs_floor=<ratio> overbooked=<count> lost=<count>``: the
sign-up's POSTs (form and confirm) per second over the floor's; the line above it gives whole
sign-ups per second over the floor's. Any 5xx, unexpected status or connection error
is reported and makes the script exit with status 1; overbooking or a lost sign-up with status 3;
``--fail-under-target`` adds status 2 for a ratio under 0.30. See bench/README.md.
"""

import argparse
import asyncio
import datetime as dt
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid as uuidlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
HOST = "127.0.0.1"
TARGET_RATIO = 0.30
META_TABLE = "bench_signup_meta"
SETTINGS = "bench.signup_settings"
CONFIG_KEYS = [
    "duration",
    "rounds",
    "popularity",
    "attempts",
    "warmup",
    "clients",
    "runs",
    "seats",
    "cancel_share",
    "waitlist_runs",
    "waitlist_share",
    "workers",
    "worker_class",
    "threads",
    "seed",
    "server_timing",
]

# Run as a script, Python puts bench/ first on the path; the project root is what we want.
if sys.path and Path(sys.path[0]).resolve() == BENCH:
    sys.path[0] = str(ROOT)

from bench import catalogue  # noqa: E402  (its database, port and migration helpers)
from bench.signup_client import Interrupted, Load, Stats  # noqa: E402


def parse_args(argv=None):
    cores = os.cpu_count() or 1
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--duration",
        type=float,
        default=15,
        help="seconds during which clients start attempts, per phase (and round); those under way then finish "
        "(default 15)",
    )
    parser.add_argument(
        "--attempts", type=int, default=None, help="also stop a phase after this many attempts (GET + POST each)"
    )
    parser.add_argument(
        "--rounds", type=int, default=1, help="alternate the phases this many times, --duration each (default 1)"
    )
    parser.add_argument(
        "--warmup", type=float, default=3, help="seconds of warm-up per phase, on other runs (default 3)"
    )
    parser.add_argument("--clients", type=int, default=100, help="concurrent clients (default 100)")
    parser.add_argument("--runs", type=int, default=20, help="runs to sign up for (default 20)")
    parser.add_argument("--seats", type=int, default=10, help="seats per run (default 10)")
    parser.add_argument(
        "--popularity",
        choices=["zipf", "uniform"],
        default="zipf",
        help="how clients pick a run: zipf (the n-th run is picked in proportion to 1/n, so popular runs fill "
        "early and then see contention, waiting lists and freed seats) or uniform (default zipf)",
    )
    parser.add_argument(
        "--cancel-share",
        type=float,
        default=0.3,
        help="share of seat-getters who cancel, half at once, half a third of --duration later (default 0.3)",
    )
    parser.add_argument(
        "--waitlist-runs",
        type=int,
        default=10,
        help="how many of the runs take waiting-list sign-ups from clients who find them full (default 10)",
    )
    parser.add_argument(
        "--waitlist-share",
        type=float,
        default=0.2,
        help="share of clients finding such a run full who join its waiting list (default 0.2)",
    )
    parser.add_argument(
        "--workers", type=int, default=2 * cores, help=f"gunicorn workers (default 2 x cores = {2 * cores})"
    )
    parser.add_argument("--worker-class", choices=["sync", "gthread"], default="sync", help="default sync")
    parser.add_argument("--threads", type=int, default=4, help="threads per gthread worker (default 4)")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("SIGNUP_BENCH_DATABASE_URL"),
        help="PostgreSQL server database to use (created if missing), e.g. "
        "postgresql://postgres@127.0.0.1:5432/portal_signup_bench; default $SIGNUP_BENCH_DATABASE_URL, "
        "else an embedded PostgreSQL in --pgserver-dir",
    )
    parser.add_argument(
        "--pgserver-dir",
        default=".pgdata-signup-bench",
        help="folder of the embedded PostgreSQL (default .pgdata-signup-bench)",
    )
    parser.add_argument("--reset-db", action="store_true", help="drop every table of the benchmark database first")
    parser.add_argument("--phases", default="floor,signup", help="which loads to run, in order (default floor,signup)")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the clients (default 1)")
    parser.add_argument(
        "--server-timing",
        action="store_true",
        help="time every request inside gunicorn (wall, CPU, query, commit) and print a table per endpoint",
    )
    parser.add_argument("--fail-under-target", action="store_true", help=f"exit 2 when the ratio is < {TARGET_RATIO}")
    args = parser.parse_args(argv)
    if min(args.clients, args.runs, args.seats, args.rounds) < 1 or args.duration <= 0:
        parser.error("--clients, --runs, --seats, --rounds and --duration must be positive")
    args.waitlist_runs = min(args.waitlist_runs, args.runs)
    args.phases = [p.strip() for p in args.phases.split(",") if p.strip()]
    if not set(args.phases) <= {"floor", "signup"}:
        parser.error("--phases takes floor and/or signup")
    return args


# --- the database ----------------------------------------------------------------------------------
def server_environment():
    """What both this process and gunicorn run with: each change queues its tasks as rows in its own transaction, as
    in production (base/tasks.py), but no worker runs them, so no e-mail is sent."""
    os.environ.pop("DJANGO_ENV", None)
    os.environ.update(
        DJANGO_SETTINGS_MODULE=SETTINGS,
        DJANGO_DEBUG="false",
        DJANGO_ALLOWED_HOSTS=HOST,
        TASKS_BACKEND="django_tasks_db.DatabaseBackend",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        LOG_LEVEL=os.environ.get("LOG_LEVEL", "WARNING"),
        # Every client comes from 127.0.0.1: the limit on seats held per address and hour, which stops one
        # machine from squatting a course, would stop the benchmark after 30 sign-ups.
        SEAT_HOLDS_PER_CLIENT_PER_HOUR="1000000000",
    )


def setup_django(*, reset=False):
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from bench.signup_views import CREATE_FLOOR_TABLE

    tables = set(connection.introspection.table_names())
    if "courses_offer" in tables and META_TABLE not in tables:
        with connection.cursor() as cursor:
            cursor.execute("SELECT EXISTS (SELECT 1 FROM courses_offer)")
            if cursor.fetchone()[0]:
                sys.exit(
                    "bench: this database holds offers the sign-up benchmark did not create; "
                    "point --database-url or --pgserver-dir at a database of its own"
                )
    fingerprint = catalogue._migration_fingerprint()
    recorded = json.loads(_meta_get().get("migrations", "{}"))
    edited = sorted(name for name, digest in recorded.items() if fingerprint.get(name) != digest)
    if reset or edited:
        why = "--reset-db" if reset else f"migrations edited since the last run ({', '.join(edited[:3])}…)"
        print(f"bench: {why}: dropping the benchmark database's tables and starting afresh", flush=True)
        catalogue._drop_everything()
    call_command("migrate", verbosity=0, interactive=False)
    call_command("createcachetable", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(CREATE_FLOOR_TABLE)
    _meta_set({"migrations": json.dumps(fingerprint, sort_keys=True)})


def _meta_get():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {META_TABLE} (key text PRIMARY KEY, value text NOT NULL)")
        cursor.execute(f"SELECT key, value FROM {META_TABLE}")
        return dict(cursor.fetchall())


def _meta_set(values):
    from django.db import connection

    with connection.cursor() as cursor:
        for key, value in values.items():
            cursor.execute(
                f"INSERT INTO {META_TABLE} (key, value) VALUES (%s, %s) "
                "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                [key, value],
            )


def create_runs(tag, *, count, seats, warmup_capacity=100_000):
    """A fresh offer with `count` runs of `seats` seats, plus two warm-up runs (roomy and full).

    Every benchmark run makes its own, so earlier runs' sign-ups never get in the way.
    Returns (measured run ids, warm-up run ids).
    """
    from django.db import transaction
    from django.utils import timezone

    from courses.models import Municipality, Offer, Provider, Run, Semester, Session
    from courses.services import refresh_run_dates

    now = timezone.now()
    today = timezone.localdate()
    local = timezone.get_default_timezone()
    with transaction.atomic():
        municipality, _ = Municipality.objects.get_or_create(slug="bench-signup", defaults={"name": "Benchkommune"})
        provider, _ = Provider.objects.get_or_create(
            slug="bench-signup",
            defaults={
                "name": "Bench lærings- og mestringssenter",
                "kind": Provider.Kind.LEARNING_AND_MASTERY,
                "municipality": municipality,
            },
        )
        semester = Semester.objects.create(
            name=f"Bench {tag}",
            slug=f"bench-signup-{tag}",
            starts_on=today - dt.timedelta(days=30),
            ends_on=today + dt.timedelta(days=150),
        )
        offer = Offer.objects.create(
            provider=provider,
            municipality=municipality,
            title=f"Påmeldingstest {tag}",
            slug=f"bench-signup-{tag}",
            summary="Et kurs for å måle påmeldingen.",
            description="Kurset finnes bare i benchmark-databasen.",
            kind=Offer.Kind.MASTERY_COURSE,
            join_method=Offer.JoinMethod.OPEN,
            audience=[Offer.Audience.CITIZENS],
            languages=[Offer.Language.NORWEGIAN],
            is_published=True,
        )
        capacities = [seats] * count + [warmup_capacity, 0]
        runs = Run.objects.bulk_create(
            Run(
                offer=offer,
                semester=semester,
                name=f"Gruppe {i + 1}" if i < count else f"Oppvarming {i - count + 1}",
                capacity=capacity,
                status=Run.Status.PUBLISHED,
                published_at=now - dt.timedelta(days=1),
                registration_opens_at=now - dt.timedelta(days=1),
                registration_closes_at=now + dt.timedelta(days=10),
            )
            for i, capacity in enumerate(capacities)
        )
        first = today + dt.timedelta(days=14)
        Session.objects.bulk_create(
            Session(
                run=run,
                starts_at=timezone.make_aware(
                    dt.datetime.combine(first + dt.timedelta(days=7 * week), dt.time(18)), local
                ),
                ends_at=timezone.make_aware(
                    dt.datetime.combine(first + dt.timedelta(days=7 * week), dt.time(20)), local
                ),
                theme=f"Samling {week + 1}",
            )
            for run in runs
            for week in range(3)
        )
        refresh_run_dates(run_ids=[run.pk for run in runs])
    ids = [run.pk for run in runs]
    return ids[:count], ids[count:]


# --- gunicorn --------------------------------------------------------------------------------------
class Server:
    """gunicorn on 127.0.0.1 with bench.signup_settings; the same server for both loads."""

    def __init__(self, *, workers, worker_class, threads, log_path):
        self.port = catalogue.free_port()
        self.base = f"http://{HOST}:{self.port}"
        self.workers, self.worker_class, self.threads = workers, worker_class, threads
        self.log_path = log_path
        self.proc = None

    def describe(self):
        threads = f" x {self.threads} threads" if self.worker_class == "gthread" else ""
        return f"gunicorn, {self.workers} {self.worker_class} workers{threads}, on {HOST}:{self.port}"

    def start(self):
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        cmd = [
            sys.executable, "-m", "gunicorn", "recovery_portal.wsgi:application",
            "--bind", f"{HOST}:{self.port}",
            "--workers", str(self.workers),
            "--worker-class", self.worker_class,
            "--backlog", "2048",
            "--timeout", "120",
            "--log-level", "warning",
            "--error-logfile", str(self.log_path),
        ]  # fmt: skip
        if self.worker_class == "gthread":
            cmd += ["--threads", str(self.threads)]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)
        catalogue.wait_for_health(self.proc, self.base, self.log_path)

    def stop(self):
        catalogue.stop_server(self.proc)


# --- checks ----------------------------------------------------------------------------------------
def check_database(run_ids, stats, *, floor_stats=None, tag=""):
    """What the database says after the load, against what the clients were told."""
    from django.db import connection
    from django.db.models import Count

    from courses.models import Run
    from enrolment.models import Enrolment, SeatHold

    Status = Enrolment.Status
    capacity = dict(Run.objects.filter(pk__in=run_ids).values_list("pk", "capacity"))
    holding = dict(
        Enrolment.objects.filter(run_id__in=run_ids, status__in=Enrolment.SEAT_HOLDING)
        .values("run_id")
        .annotate(n=Count("pk"))
        .values_list("run_id", "n")
    )
    # A seat held for a sign-up that has not been confirmed yet is taken too (enrolment.seats).
    open_holds = SeatHold.objects.filter(run_id__in=run_ids, status=SeatHold.Status.HELD)
    for run_id, n in (
        open_holds.filter(waiting_list=False).values("run_id").annotate(n=Count("pk")).values_list("run_id", "n")
    ):
        holding[run_id] = holding.get(run_id, 0) + n
    over = {
        run_id: (holding.get(run_id, 0), capacity[run_id])
        for run_id in run_ids
        if holding.get(run_id, 0) > capacity[run_id]
    }

    def statuses(uuids):
        found = Enrolment.objects.filter(public_id__in=[uuidlib.UUID(u) for u in uuids]).values_list(
            "public_id", "status"
        )
        return {str(public_id): status for public_id, status in found}

    seen = {uuid for _run, uuid in stats.seats} if stats else set()
    cancelled, unclear = set(stats.cancelled) if stats else set(), set(stats.cancel_unclear) if stats else set()
    kept = seen - cancelled - unclear
    seen_status = statuses(seen)
    lost = sorted(u for u in kept if seen_status.get(u) not in (Status.CONFIRMED, Status.OFFERED))
    cancel_not_applied = sorted(u for u in cancelled if seen_status.get(u) != Status.CANCELLED)
    waiting_seen = {uuid for _run, uuid in stats.waitlisted} if stats else set()
    waiting_status = statuses(waiting_seen)
    waitlist_lost = sorted(u for u in waiting_seen if waiting_status.get(u) not in (Status.WAITLISTED, Status.OFFERED))
    in_db = Enrolment.objects.filter(run_id__in=run_ids)
    by_status = dict(in_db.values("status").annotate(n=Count("pk")).values_list("status", "n"))
    confirmed_ids = {str(u) for u in in_db.filter(status=Status.CONFIRMED).values_list("public_id", flat=True)}
    offered_events = 0
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM audit_auditevent WHERE action = 'enrolment.offered' "
            "AND (detail->>'run')::bigint = ANY(%s)",
            [list(run_ids)],
        )
        offered_events = cursor.fetchone()[0]
        floor_rows = None
        if floor_stats is not None:
            cursor.execute("SELECT count(*) FROM bench_signup_floor WHERE email ~ %s", [f"^floor-{tag}-r[0-9]+-"])
            floor_rows = cursor.fetchone()[0]
    return {
        "runs": len(run_ids),
        "seats": sum(capacity.values()),
        "holding": sum(holding.values()),
        "full_runs": sum(1 for run_id in run_ids if holding.get(run_id, 0) >= capacity[run_id]),
        "overbooked": len(over),
        "overbooked_runs": {str(k): v for k, v in over.items()},
        "seen_seats": len(seen),
        "seen_cancelled": len(cancelled),
        "cancel_unclear": len(unclear),
        "lost": len(lost),
        "lost_ids": lost[:50],
        "cancel_not_applied": len(cancel_not_applied),
        "seen_waitlisted": len(waiting_seen),
        "waitlist_lost": len(waitlist_lost),
        "waitlisted_now_offered": sum(1 for u in waiting_seen if waiting_status.get(u) == Status.OFFERED),
        "offered_events": offered_events,
        "by_status": by_status,
        "confirmed_unseen": len(confirmed_ids - seen),
        "open_holds": open_holds.count(),
        "holds_unconfirmed": len(stats.holds_unconfirmed) if stats else 0,
        "floor_rows": floor_rows,
        "floor_seen": floor_stats.outcomes.get("seat", 0) if floor_stats else None,
    }


# --- output ----------------------------------------------------------------------------------------
def percentile(values, p):
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def summarise(stats):
    s = max(stats.busy_seconds, 1e-9)
    return {
        "seconds": round(s, 3),
        "attempts": stats.attempts,
        "gets": stats.gets,
        "posts": stats.posts,
        "cancel_posts": stats.cancel_posts,
        "posts_per_s": stats.posts / s,
        "attempts_per_s": stats.attempts / s,
        "holds": stats.holds,
        "all_posts_per_s": (stats.posts + stats.cancel_posts) / s,
        "seats_per_s": stats.outcomes.get("seat", 0) / s,
        "outcomes": stats.outcomes,
        "post_ms": {p: percentile(stats.post_latency, p) * 1000 for p in (50, 95, 99)},
        "get_ms": {p: percentile(stats.get_latency, p) * 1000 for p in (50, 95)},
        "cancel_ms": {p: percentile(stats.cancel_latency, p) * 1000 for p in (50, 95)},
        "errors": len(stats.errors),
        "error_samples": stats.errors[:20],
        "refusals": stats.refusals,
    }


def print_table(results):
    print()
    header = (
        f"{'phase':<8}{'secs':>6}{'attempts':>9}{'POSTs':>7}{'POSTs/s':>9}{'seats':>7}{'seats/s':>9}{'full':>7}"
        f"{'waitl.':>7}{'cancel':>7}{'all POSTs/s':>12}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}{'errors':>7}"
    )
    print(header)
    print("-" * len(header))
    for name, r in results.items():
        o = r["outcomes"]
        print(
            f"{name:<8}{r['seconds']:>6.1f}{r['attempts']:>9}{r['posts']:>7}{r['posts_per_s']:>9.1f}"
            f"{o.get('seat', 0):>7}{r['seats_per_s']:>9.1f}{o.get('full', 0):>7}{o.get('waitlisted', 0):>7}"
            f"{r['cancel_posts']:>7}{r['all_posts_per_s']:>12.1f}{r['post_ms'][50]:>8.0f}{r['post_ms'][95]:>8.0f}"
            f"{r['post_ms'][99]:>8.0f}{r['errors']:>7}"
        )
    print(
        "secs: from the first request to the last response (no attempt starts after --duration; those under\n"
        "way finish). POSTs: to the sign-up form and the held seat's confirm button (or the floor's form);\n"
        "seats: confirm POSTs answered with a 302 to a confirmation page;\n"
        "p50-p99: latency of those POSTs as the clients saw it (waiting for a free worker included);\n"
        "all POSTs/s: cancellations included."
    )
    print()


class CpuMeter:
    """CPU seconds of gunicorn, PostgreSQL, this process (the clients) and the rest of the machine
    during a phase, from /proc via bench/cpu.py; quietly nothing where that is not available."""

    def __init__(self, server, database):
        self.meter = None
        try:
            from bench import cpu

            if cpu.available():
                self.meter = cpu.Meter(gunicorn_pgid=server.proc.pid, **catalogue.postgres_meter_source(database))
                self.meter.start()
                self.tick = cpu.TICK
        except Exception:  # an optional figure, never a reason to stop the benchmark
            self.meter = None
        self.client = time.process_time()

    def stop(self, *, into):
        if self.meter is None:
            return
        try:
            used = self.meter.stop(wrk_ticks=round((time.process_time() - self.client) * self.tick))
        except Exception:  # as above
            return
        seconds = dict(used["seconds"])
        seconds["client"] = seconds.pop("wrk", 0.0)
        for key, value in seconds.items():
            into[key] = into.get(key, 0.0) + value
        into["machine_busy_seconds"] = into.get("machine_busy_seconds", 0.0) + used["machine_busy"] * used[
            "wall_seconds"
        ] * (os.cpu_count() or 1)
        into["machine_seconds"] = into.get("machine_seconds", 0.0) + used["wall_seconds"] * (os.cpu_count() or 1)


def print_cpu(results):
    """CPU per attempt (GET + form POST, and the cancellations of the phase) in each part."""
    rows = {name: r["cpu_seconds"] for name, r in results.items() if r.get("cpu_seconds")}
    if not rows:
        return None
    header = (
        f"{'phase':<8}{'gunicorn':>10}{'postgres':>10}{'clients':>9}{'other':>8}   "
        f"{'machine busy':>12}   ms of CPU per attempt; other = processes outside the benchmark"
    )
    print(header)
    for name, used in rows.items():
        attempts = max(results[name]["attempts"], 1)
        busy = used.get("machine_busy_seconds", 0) / max(used.get("machine_seconds", 0), 1e-9)
        print(
            f"{name:<8}{used.get('app', 0) / attempts * 1000:>10.1f}{used.get('db', 0) / attempts * 1000:>10.1f}"
            f"{used.get('client', 0) / attempts * 1000:>9.1f}{used.get('other', 0) / attempts * 1000:>8.1f}"
            f"   {busy:>11.0%}"
        )
    own = {
        name: sum(used.get(part, 0) for part in ("app", "db", "client")) / max(results[name]["posts"], 1)
        for name, used in rows.items()
    }
    for name, used in rows.items():
        busy = used.get("machine_busy_seconds", 0)
        if busy and used.get("other", 0) / busy > 0.25:
            print(
                f"bench: warning: in the {name} phase {used['other'] / busy:.0%} of the busy CPU went to processes "
                "outside the benchmark; its requests per second, and the ratio, move with them"
            )
    cpu_ratio = own["floor"] / own["signup"] if own.get("floor") and own.get("signup") else None
    if cpu_ratio is not None:
        print(
            f"CPU-based ratio: {cpu_ratio:.2f} (the benchmark's own CPU per form POST, floor over "
            "sign-up: roughly what signup_vs_floor comes to while the machine is CPU-bound, whatever else runs on it)"
        )
    print()
    return cpu_ratio


# --- main ------------------------------------------------------------------------------------------
def main(argv=None):
    args = parse_args(argv)
    database = catalogue.configure_database(args)
    server_environment()
    print(f"bench: database: {database}")
    setup_django(reset=args.reset_db)

    tag = dt.datetime.now().strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(2)
    run_ids, warmup_ids = create_runs(tag, count=args.runs, seats=args.seats)
    waitlist_runs = frozenset(run_ids[: args.waitlist_runs])
    weights = [1 / (rank + 1) for rank in range(len(run_ids))] if args.popularity == "zipf" else None
    print(
        f"bench: {len(run_ids)} runs of {args.seats} seats (ids {run_ids[0]}–{run_ids[-1]}), "
        f"{len(waitlist_runs)} of them (the most popular) with waiting-list sign-ups, popularity {args.popularity}; "
        f"tag {tag}"
    )

    from django.db import connections

    connections.close_all()

    RESULTS.mkdir(exist_ok=True)
    server = Server(
        workers=args.workers,
        worker_class=args.worker_class,
        threads=args.threads,
        log_path=RESULTS / f"gunicorn-signup-{tag}.log",
    )

    def terminate(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminate)
    signal.signal(signal.SIGINT, terminate)  # also when started in the background, where SIGINT is ignored
    common = {
        "host": HOST,
        "clients": args.clients,
        "seed": args.seed,
        "cancel_share": args.cancel_share,
        "waitlist_share": args.waitlist_share,
    }
    from bench import signup_timing

    timing_dir = None
    if args.server_timing:
        timing_dir = Path(tempfile.mkdtemp(prefix="bench-signup-timing-"))
        os.environ[signup_timing.DIR_ENV] = str(timing_dir)
    stats, warmup_errors, cpu_used = {}, [], {}
    try:
        print(f"bench: {server.describe()}" + (", timing every request" if timing_dir else ""), flush=True)
        server.start()
        common["port"] = server.port
        if args.warmup:
            print(f"bench: warm-up, {args.warmup:g} s per phase on two other runs", flush=True)
            for name in args.phases:
                load = Load(
                    run_ids=warmup_ids,
                    duration=args.warmup,
                    waitlist_runs=frozenset(warmup_ids),
                    tag=f"{tag}-warm",
                    **common,
                )
                warm = asyncio.run(load.run(Stats(f"warm-{name}"), getattr(load, f"{name}_client")))
                warmup_errors += warm.errors
        for round_ in range(args.rounds):
            for name in args.phases:
                print(
                    f"bench: measuring {name}"
                    + (f" (round {round_ + 1} of {args.rounds})" if args.rounds > 1 else "")
                    + f": {args.clients} clients, {args.duration:g} s"
                    + (f" or {args.attempts} attempts" if args.attempts else ""),
                    flush=True,
                )
                load = Load(
                    run_ids=run_ids,
                    weights=weights,
                    duration=args.duration,
                    max_attempts=args.attempts,
                    waitlist_runs=waitlist_runs,
                    tag=f"{tag}-r{round_}",  # the floor's rows are counted by it
                    **common,
                )
                stats.setdefault(name, Stats(name))
                meter = CpuMeter(server, database)
                asyncio.run(load.run(stats[name], getattr(load, f"{name}_client"), round_=round_))
                meter.stop(into=cpu_used.setdefault(name, {}))
    except (KeyboardInterrupt, Interrupted):
        print("\nbench: interrupted")
        return 130
    finally:
        server.stop()

    results = {name: summarise(s) for name, s in stats.items()}
    for name, used in cpu_used.items():
        results[name]["cpu_seconds"] = used
    check = check_database(run_ids, stats.get("signup"), floor_stats=stats.get("floor"), tag=tag)
    print_table(results)
    cpu_ratio = print_cpu(results)
    if timing_dir:
        for name, phase in stats.items():
            rows = {}
            for since, until in phase.spans:
                for key, group in signup_timing.read_timing(timing_dir, since=since, until=until).items():
                    rows.setdefault(key, []).extend(group)
            print(f"server-side, per request, during the measured {name} phase:")
            print("\n".join(signup_timing.summarise_timing(rows)))
            print()
        shutil.rmtree(timing_dir, ignore_errors=True)

    exit_code = 0
    for name, s in [("warm-up", None), *stats.items()]:
        errors = warmup_errors if s is None else s.errors
        if errors:
            exit_code = 1
            kinds = {}
            for what, detail in errors:
                kinds[(what.split(" ")[0], detail)] = kinds.get((what.split(" ")[0], detail), 0) + 1
            print(
                f"bench: {name}: {len(errors)} errors (5xx, unexpected status or connection error; "
                f"gunicorn's log: {server.log_path.relative_to(ROOT)}):"
            )
            for (method, detail), n in sorted(kinds.items(), key=lambda kv: -kv[1])[:10]:
                print(f"  {n:>6} x {method} {detail}")
    for name, r in results.items():
        for message, n in r["refusals"].items():
            print(f"bench: {name}: {n} x refused: {message}")

    if "signup" in stats:
        print(
            f"bench: database: {check['holding']} of {check['seats']} seats held, {check['full_runs']} of "
            f"{check['runs']} runs full, {check['overbooked']} over capacity {check['overbooked_runs'] or ''}".rstrip()
        )
        print(
            f"bench: clients saw {check['seen_seats']} seats, cancelled {check['seen_cancelled']} "
            f"({check['cancel_unclear']} cancellations unclear); not confirmed/offered in the database: "
            f"{check['lost']}; cancellations not applied: {check['cancel_not_applied']}; confirmed "
            f"enrolments no client was told of: {check['confirmed_unseen']}"
        )
        print(
            f"bench: waiting lists: {check['seen_waitlisted']} joined, {check['waitlisted_now_offered']} of them "
            f"now offered a freed seat ({check['offered_events']} seat offers made); missing from the database: "
            f"{check['waitlist_lost']}; enrolments by status {check['by_status']}"
        )
        print(
            f"bench: held seats: {results['signup']['holds']} held, {check['holds_unconfirmed']} the clients could not "
            f"confirm, {check['open_holds']} still held in the database"
        )
        if (
            check["overbooked"]
            or check["lost"]
            or check["cancel_not_applied"]
            or check["waitlist_lost"]
            or check["open_holds"] > check["holds_unconfirmed"]
        ):
            exit_code = exit_code or 3
    if "floor" in stats:
        print(f"bench: floor: {check['floor_seen']} inserts seen, {check['floor_rows']} rows in the database")
        if check["floor_rows"] != check["floor_seen"]:
            exit_code = exit_code or 3

    ratio = sign_ups_ratio = None
    if "floor" in results and "signup" in results:
        ratio = results["signup"]["posts_per_s"] / results["floor"]["posts_per_s"]
        sign_ups_ratio = results["signup"]["attempts_per_s"] / results["floor"]["attempts_per_s"]
    report = {
        "tag": tag,
        "database": database,
        "config": {k: getattr(args, k) for k in CONFIG_KEYS},
        "results": results,
        "check": check,
        "ratio": ratio,
        "sign_ups_ratio": sign_ups_ratio,
        "cpu_ratio": cpu_ratio,
    }
    path = RESULTS / f"signup-{tag}.json"
    path.write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")
    print(f"bench: target: signup_vs_floor >= {TARGET_RATIO:.2f}; results saved in {path.relative_to(ROOT)}")
    if ratio is not None and ratio < TARGET_RATIO and args.fail_under_target and not exit_code:
        exit_code = 2
    if ratio is not None:
        print(
            f"bench: whole sign-ups (form, and confirm where a seat was held) per second over the floor's: "
            f"{sign_ups_ratio:.2f}"
        )
        print(f"signup_vs_floor={ratio:.2f} overbooked={check['overbooked']} lost={check['lost']}")
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
