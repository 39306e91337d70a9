"""Catalogue benchmark: the list and offer pages against a one-query Django page, same server, same run.

    .venv/bin/python bench/catalogue.py [--duration 15] [--database-url postgresql://...]

Loads 10,000 offers with 30,000 runs into a database of its own (once; re-runs reuse it), serves
the portal with gunicorn on 127.0.0.1, and drives three loads with wrk on loopback:

  floor   /bench/floor: the full middleware stack, one query for one row, a tiny response
  list    /tilbud/?q=<term>&<filters>, cycling through 300 distinct searches
  detail  /tilbud/<slug>/, cycling through 300 distinct offers

It prints requests per second and latency percentiles for each, and as its last line
``catalogue_vs_floor list=<ratio> detail=<ratio>``. Any response that is not 200 (or a socket
error) is reported and makes the script exit with status 1. See bench/README.md.
"""

import argparse
import concurrent.futures
import datetime as dt
import json
import os
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
TARGETS = {"list": 0.25, "detail": 0.30}
HOST = "127.0.0.1"

# Run as a script, Python puts bench/ first on the path; the project root is what we want.
if sys.path and Path(sys.path[0]).resolve() == BENCH:
    sys.path[0] = str(ROOT)


def parse_args(argv=None):
    cores = os.cpu_count() or 1
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=15, help="seconds of measured load per page (default 15)")
    parser.add_argument("--warmup", type=int, default=5, help="seconds of unmeasured load per page first (default 5)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (default 16)")
    parser.add_argument(
        "--workers", type=int, default=2 * cores, help=f"gunicorn sync workers (default 2 x cores = {2 * cores})"
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL"),
        help="PostgreSQL server database to use (created if missing), e.g. "
        "postgresql://postgres@127.0.0.1:5432/portal_bench; default $BENCH_DATABASE_URL, "
        "else an embedded PostgreSQL in --pgserver-dir",
    )
    parser.add_argument(
        "--pgserver-dir", default=".pgdata-bench", help="folder of the embedded PostgreSQL (default .pgdata-bench)"
    )
    parser.add_argument("--reload", action="store_true", help="rebuild the data set even if it is there")
    parser.add_argument(
        "--reset-db", action="store_true", help="drop every table of the benchmark database first, then migrate"
    )
    parser.add_argument("--list-urls", type=int, default=300, help="distinct list URLs (default 300, at least 200)")
    parser.add_argument("--detail-urls", type=int, default=300, help="distinct offer URLs (default 300, at least 200)")
    parser.add_argument(
        "--pages", default="floor,list,detail", help="which loads to run, in order (default floor,list,detail)"
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="measure floor, list and detail this many times in turn and report the median round (default 1)",
    )
    parser.add_argument(
        "--pg-option",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a PostgreSQL setting for the portal's connections (sent as PGOPTIONS), e.g. random_page_cost=1.1; "
        "repeatable; default none (the server's own settings)",
    )
    parser.add_argument("--fail-under-target", action="store_true", help="also exit 2 when a ratio misses its target")
    args = parser.parse_args(argv)
    if args.list_urls < 200 or args.detail_urls < 200:
        parser.error("--list-urls and --detail-urls must be at least 200")
    if args.rounds < 1 or args.duration < 1:
        parser.error("--rounds and --duration must be at least 1")
    for option in args.pg_option:
        if not re.fullmatch(r"[a-z_.]+=[\w.:-]+", option):
            parser.error(f"--pg-option {option!r}: expected NAME=VALUE, e.g. random_page_cost=1.1")
    return args


# --- the database: always the benchmark's own -------------------------------------------------------
def configure_database(args):
    """Point the environment at the benchmark database before Django is imported; return a label."""
    developer_url = os.environ.pop("DATABASE_URL", None)
    if args.database_url:
        url = args.database_url
        if developer_url and _same_database(url, developer_url):
            sys.exit("bench: --database-url is the DATABASE_URL of the portal itself; use a separate database")
        _create_database_if_missing(url)
        os.environ["DATABASE_URL"] = url
        os.environ.pop("PGSERVER_DIR", None)
        parsed = urlparse(url)
        return f"server {parsed.hostname}:{parsed.port or 5432}/{parsed.path.lstrip('/')}"
    folder = args.pgserver_dir
    if Path(folder).resolve() == (ROOT / os.environ.get("PGSERVER_DIR", ".pgdata")).resolve() or folder.rstrip("/") in (
        ".pgdata",
        str(ROOT / ".pgdata"),
    ):
        sys.exit("bench: --pgserver-dir is the portal's own embedded database; use a separate folder")
    os.environ["PGSERVER_DIR"] = folder
    os.environ.setdefault("XDG_RUNTIME_DIR", "/tmp")
    return f"embedded PostgreSQL (pgserver) in {folder}/"


def _same_database(a, b):
    pa, pb = urlparse(a), urlparse(b)
    return (pa.hostname, pa.port or 5432, pa.path) == (pb.hostname, pb.port or 5432, pb.path)


def _create_database_if_missing(url):
    import psycopg
    from psycopg import sql

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    if not name:
        sys.exit("bench: --database-url needs a database name, e.g. .../portal_bench")
    admin_url = urlunparse(parsed._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"bench: created database {name}")


def setup_django(*, reset=False):
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ.pop("DJANGO_ENV", None)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    from bench import dataset

    _refuse_foreign_data()
    fingerprint = _migration_fingerprint()
    recorded = json.loads(dataset.meta_get().get("migrations", "{}"))
    edited = sorted(name for name, digest in recorded.items() if fingerprint.get(name) != digest)
    if reset or edited:
        why = "--reset-db" if reset else f"migrations edited since the last run ({', '.join(edited[:3])}…)"
        print(f"bench: {why}: dropping the benchmark database's tables and starting afresh", flush=True)
        _drop_everything()
    call_command("migrate", verbosity=0, interactive=False)
    call_command("createcachetable", verbosity=0)
    dataset.meta_set({"migrations": json.dumps(fingerprint, sort_keys=True)})


def _migration_fingerprint():
    """{app/migration file: sha1} for the project's own migrations (not those of installed packages)."""
    import hashlib

    from django.apps import apps

    digests = {}
    for config in apps.get_app_configs():
        folder = Path(config.path) / "migrations"
        if not folder.is_dir() or "site-packages" in folder.parts or ROOT not in folder.resolve().parents:
            continue  # an installed package's migrations change only with its version
        for file in sorted(folder.glob("[0-9]*.py")):
            digests[f"{config.label}/{file.name}"] = hashlib.sha1(file.read_bytes()).hexdigest()
    return digests


def _drop_everything():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA public CASCADE")
        cursor.execute("CREATE SCHEMA public")


def _refuse_foreign_data():
    """The benchmark truncates and drops tables: never in a database it did not fill itself."""
    from django.db import connection

    tables = set(connection.introspection.table_names())
    if "courses_offer" in tables and "bench_meta" not in tables:
        with connection.cursor() as cursor:
            cursor.execute("SELECT EXISTS (SELECT 1 FROM courses_offer)")
            if cursor.fetchone()[0]:
                sys.exit(
                    "bench: this database holds catalogue data the benchmark did not create; "
                    "point --database-url or --pgserver-dir at a database of its own"
                )


# --- gunicorn --------------------------------------------------------------------------------------
def stop_server(proc):
    """Stop a server started in its own process group (gunicorn and its workers): TERM, then KILL."""
    if not proc or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    except ProcessLookupError:
        pass


def wait_for_health(proc, base, log_path, *, seconds=90):
    """Return once gunicorn answers /healthz with 200; raise if it exits or stays silent."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}; see {log_path}")
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    raise RuntimeError(f"gunicorn did not answer /healthz within {seconds} s; see {log_path}")


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, *, workers, log_path, pg_options=()):
        self.pg_options = pg_options
        self.log = None
        self.port = free_port()
        self.base = f"http://{HOST}:{self.port}"
        self.workers = workers
        self.log_path = log_path
        self.proc = None

    def start(self):
        env = dict(os.environ, DJANGO_SETTINGS_MODULE="bench.settings", DJANGO_DEBUG="false")
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        if self.pg_options:
            env["PGOPTIONS"] = " ".join(f"-c {option}" for option in self.pg_options)
        cmd = [
            sys.executable, "-m", "gunicorn", "recovery_portal.wsgi:application",
            "--bind", f"{HOST}:{self.port}",
            "--workers", str(self.workers),
            "--worker-class", "sync",
            "--backlog", "2048",
            "--timeout", "120",
            "--log-level", "warning",
            "--error-logfile", str(self.log_path),
        ]  # fmt: skip
        self.log = open(self.log_path, "ab")  # noqa: SIM115 (closed in stop())
        self.proc = subprocess.Popen(
            cmd, cwd=ROOT, env=env, start_new_session=True, stdout=self.log, stderr=subprocess.STDOUT
        )
        wait_for_health(self.proc, self.base, self.log_path)

    def stop(self):
        try:
            self._stop()
        finally:
            if self.log:
                self.log.close()

    def _stop(self):
        stop_server(self.proc)


# --- checks and load -------------------------------------------------------------------------------
_RESULT_COUNT = re.compile(r'id="result-count">\s*([\d\s\xa0.,]+?)\s*tilbud')


def preflight(base, pages):
    """GET every URL once (which also warms each worker up): all must answer 200."""
    failures, hits = [], []

    class NoRedirects(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None  # wrk does not follow redirects either: a 302 counts as "not 200"

    opener = urllib.request.build_opener(NoRedirects)

    def fetch(path):
        try:
            with opener.open(base + path, timeout=60) as response:
                return path, response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            return path, error.code, ""
        except (urllib.error.URLError, OSError) as error:
            return path, f"error: {error}", ""

    urls = [path for paths in pages.values() for path in paths]
    list_urls = set(pages.get("list", []))
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        for path, status, body in pool.map(fetch, urls):
            if status != 200:
                failures.append((status, path))
            elif path in list_urls:
                match = _RESULT_COUNT.search(body)
                if match:
                    hits.append(int(re.sub(r"\D", "", match.group(1))))
    return failures, hits


def run_wrk(*, base, paths_file, duration, threads, connections, meter=None):
    from bench import cpu

    wrk = shutil.which("wrk")
    cmd = [
        wrk, f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "30s", "--latency",
        "-s", str(BENCH / "cycle.lua"), base, "--", str(paths_file),
    ]  # fmt: skip
    if meter:
        meter.start()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    completed = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 120, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    wrk_seconds = (after.ru_utime - children.ru_utime) + (after.ru_stime - children.ru_stime)
    cpu_used = meter.stop(wrk_ticks=round(wrk_seconds * cpu.TICK)) if meter else None
    line = next((ln for ln in completed.stdout.splitlines() if ln.startswith("BENCH_JSON ")), None)
    if completed.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({completed.returncode}):\n{completed.stdout}\n{completed.stderr}")
    result = json.loads(line.removeprefix("BENCH_JSON "))
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    result["socket_errors"] = sum(result["errors"].values()) - result["errors"]["status"]
    if cpu_used:
        result["cpu"] = cpu_used
    return result


def print_table(results, pages):
    print()
    header = f"{'page':<8}{'urls':>6}{'requests':>10}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
    header += f"{'non-200':>9}{'sock err':>10}{'vs floor':>10}"
    print(header)
    print("-" * len(header))
    floor = results.get("floor", {}).get("rps")
    for name, r in results.items():
        lat = r["latency_us"]
        ratio = f"{r['rps'] / floor:.2f}" if floor else "-"
        print(
            f"{name:<8}{len(pages[name]):>6}{r['requests']:>10}{r['rps']:>9.1f}{lat['p50'] / 1000:>9.1f}"
            f"{lat['p95'] / 1000:>9.1f}{lat['p99'] / 1000:>9.1f}{r['non200']:>9}{r['socket_errors']:>10}{ratio:>10}"
        )
    if all("cpu" in r for r in results.values()):
        print()
        header = f"{'CPU ms per request':<20}{'gunicorn':>10}{'postgres':>10}{'wrk':>8}{'total':>8}"
        header += f"{'machine busy':>14}{'other procs':>13}"
        print(header)
        print("-" * len(header))
        for name, r in results.items():
            used, n = r["cpu"]["seconds"], max(r["cpu"]["requests"], 1)
            print(
                f"{name:<20}{used['app'] / n * 1000:>10.2f}{used['db'] / n * 1000:>10.2f}{used['wrk'] / n * 1000:>8.2f}"
                f"{r['cpu']['ms_per_request']:>8.2f}{r['cpu']['machine_busy']:>14.0%}{r['cpu']['other_share']:>13.0%}"
            )
    print()


def postgres_meter_source(database_label):
    """How to find the benchmark database's PostgreSQL processes, for the CPU figures."""
    from django.db import connection

    if os.environ.get("DATABASE_URL"):

        def backends():
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
                return [row[0] for row in cursor.fetchall()]

        return {"postgres_pids": backends}
    data_dir = ROOT / os.environ["PGSERVER_DIR"]
    try:
        return {"postgres_root": int((data_dir / "postmaster.pid").read_text().split()[0])}
    except (OSError, ValueError, IndexError):
        return {}


def main(argv=None):
    args = parse_args(argv)
    if not shutil.which("wrk"):
        sys.exit("bench: wrk is not installed (apt-get install -y wrk)")
    database = configure_database(args)
    print(f"bench: database: {database}")
    setup_django(reset=args.reset_db)

    from bench import cpu, dataset, paths

    data = dataset.ensure_dataset(force=args.reload, log=lambda m: print(f"bench: {m}", flush=True))
    print("bench: " + ", ".join(f"{key} {value}" for key, value in data.items()))

    wanted = [p.strip() for p in args.pages.split(",") if p.strip()]
    pages = {
        "floor": ["/bench/floor"],
        "list": paths.list_paths(args.list_urls),
        "detail": paths.detail_paths(args.detail_urls),
    }
    pages = {name: pages[name] for name in wanted}

    from django.db import connections

    connections.close_all()

    RESULTS.mkdir(exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    server = Server(workers=args.workers, log_path=RESULTS / f"gunicorn-{stamp}.log", pg_options=args.pg_option)
    workdir = Path(tempfile.mkdtemp(prefix="bench-catalogue-"))

    def terminate(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminate)
    exit_code = 0
    try:
        files = {}
        for name, urls in pages.items():
            files[name] = workdir / f"{name}.txt"
            files[name].write_text("\n".join(urls) + "\n", encoding="utf-8")
        print(f"bench: gunicorn, {args.workers} sync workers, on {HOST}:{server.port}")
        if args.pg_option:
            print(f"bench: PostgreSQL settings for the portal's connections: {', '.join(args.pg_option)}")
        server.start()
        failures, hits = preflight(server.base, pages)
        if hits:
            print(
                f"bench: list URLs: hits per search min {min(hits)}, median {statistics.median(hits):.0f}, "
                f"max {max(hits)}; {sum(1 for h in hits if h == 0)} of {len(hits)} find nothing"
            )
        if failures:
            for status, path in failures[:20]:
                print(f"bench: preflight {status} {path}")
            print(f"bench: {len(failures)} URLs did not answer 200; not measuring")
            return 1
        load = {"base": server.base, "threads": args.threads, "connections": args.connections}
        meter = None
        if cpu.available():
            meter = cpu.Meter(gunicorn_pgid=server.proc.pid, **postgres_meter_source(database))
        if args.warmup:
            print(f"bench: warm-up, {args.warmup} s per page")
            for name in pages:
                run_wrk(paths_file=files[name], duration=args.warmup, **load)
        rounds = {name: [] for name in pages}
        for number in range(1, args.rounds + 1):
            for name in pages:
                label = f" (round {number} of {args.rounds})" if args.rounds > 1 else ""
                print(
                    f"bench: measuring {name}{label}: wrk -t{args.threads} -c{args.connections} -d{args.duration}s",
                    flush=True,
                )
                rounds[name].append(run_wrk(paths_file=files[name], duration=args.duration, meter=meter, **load))
        results = {name: combine(runs) for name, runs in rounds.items()}
    except KeyboardInterrupt:
        print("\nbench: interrupted")
        return 130
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)

    print_table(results, pages)
    bad = {name: r for name, r in results.items() if r["non200"] or r["socket_errors"]}
    for name, r in bad.items():
        print(
            f"bench: {name}: {r['non200']} responses were not 200 ({r['non200_codes'].strip()}), "
            f"{r['socket_errors']} socket errors {r['errors']}"
        )
        exit_code = 1
    report = {
        "when": stamp,
        "database": database,
        "data": data,
        "config": {
            k: getattr(args, k)
            for k in ("duration", "warmup", "rounds", "threads", "connections", "workers", "pg_option")
        },
        "results": results,
    }
    (RESULTS / f"catalogue-{stamp}.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(f"bench: details saved in {RESULTS.relative_to(ROOT)}/catalogue-{stamp}.json")
    if "floor" not in results:
        return exit_code
    others = [r["cpu"]["other_share"] for r in results.values() if "cpu" in r]
    if others and max(others) > 0.25:
        print(
            f"bench: warning: other processes used up to {max(others):.0%} of the busy CPU during the loads; "
            "the machine was shared, so requests per second (and their ratios) are noisy. "
            "The CPU-based ratios below are steadier."
        )
    names = [name for name in ("list", "detail") if name in results]
    if not names:
        return exit_code
    if all("cpu" in results[name] for name in ["floor", *names]):
        floor_ms = results["floor"]["cpu"]["ms_per_request"]
        cpu_ratios = ", ".join(f"{n} {floor_ms / results[n]['cpu']['ms_per_request']:.2f}" for n in names)
        print(f"bench: CPU per request, floor / page: {cpu_ratios}")
    ratios = {name: results[name]["rps"] / results["floor"]["rps"] for name in names}
    verdicts = ", ".join(
        f"{name} {ratio:.2f} ({'meets' if ratio >= TARGETS[name] else 'misses'} {TARGETS[name]:.2f})"
        for name, ratio in ratios.items()
    )
    print(f"bench: requests per second, page / floor: {verdicts}")
    if args.fail_under_target and not exit_code and any(r < TARGETS[n] for n, r in ratios.items()):
        exit_code = 2
    print("catalogue_vs_floor " + " ".join(f"{name}={ratio:.2f}" for name, ratio in ratios.items()))
    return exit_code


def combine(runs):
    """One page's rounds as one result: the median round for rates and latencies, totals for counts."""
    if len(runs) == 1:
        result = dict(runs[0])
    else:
        ordered = sorted(runs, key=lambda r: r["rps"])
        result = dict(ordered[len(ordered) // 2])
        result["rounds_rps"] = [round(r["rps"], 1) for r in runs]
        for key in ("non200", "socket_errors"):
            result[key] = sum(r[key] for r in runs)
        result["non200_codes"] = " ".join(r["non200_codes"].strip() for r in runs if r["non200_codes"].strip())
    cpu_runs = [r["cpu"] for r in runs if "cpu" in r]
    if cpu_runs:
        seconds = {k: sum(c["seconds"][k] for c in cpu_runs) for k in cpu_runs[0]["seconds"]}
        requests = sum(r["requests"] for r in runs)
        ours = seconds["app"] + seconds["db"] + seconds["wrk"]
        result["cpu"] = {
            "seconds": seconds,
            "requests": requests,
            "ms_per_request": ours / max(requests, 1) * 1000,
            "machine_busy": statistics.mean(c["machine_busy"] for c in cpu_runs),
            "other_share": seconds["other"] / (ours + seconds["other"]) if ours + seconds["other"] else 0.0,
        }
    return result


if __name__ == "__main__":
    sys.exit(main())
