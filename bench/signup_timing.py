"""Opt-in server-side timing for the sign-up benchmark (``bench/signup.py --server-timing``).

When ``BENCH_SIGNUP_TIMING_DIR`` is set, bench.signup_settings puts ``TimingMiddleware`` first in
the middleware stack. For every request it appends one tab-separated line to
``<dir>/timing-<pid>.tsv``:

    unix time, method, view name, status, wall ms, CPU ms, query ms, queries, commit ms, commits

Wall time is the whole middleware stack and view inside the worker; CPU is the worker thread's
CPU time; query and commit time are spent waiting on PostgreSQL (round trips included). What is
left (wall - CPU - query - commit) is mostly waiting to be scheduled on a busy machine. The
benchmark reads the files back and prints a table per endpoint (see ``summarise_timing``).
Off by default, since it adds a little work to every request.
"""

import os
import threading
import time
from collections import defaultdict

from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper

DIR_ENV = "BENCH_SIGNUP_TIMING_DIR"
_local = threading.local()
_original_commit = BaseDatabaseWrapper._commit


def _timed_commit(self):
    started = time.perf_counter()
    try:
        return _original_commit(self)
    finally:
        if getattr(_local, "active", False):
            _local.commit_seconds += time.perf_counter() - started
            _local.commits += 1


class TimingMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.folder = os.environ[DIR_ENV]
        self.out = None
        BaseDatabaseWrapper._commit = _timed_commit

    def __call__(self, request):
        queries = [0.0, 0]

        def timed(execute, sql, params, many, context):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                queries[0] += time.perf_counter() - started
                queries[1] += 1

        _local.active, _local.commit_seconds, _local.commits = True, 0.0, 0
        wall, cpu = time.perf_counter(), time.thread_time()
        try:
            with connection.execute_wrapper(timed):
                response = self.get_response(request)
        finally:
            _local.active = False
        wall, cpu = time.perf_counter() - wall, time.thread_time() - cpu
        match = getattr(request, "resolver_match", None)
        name = match.view_name if match else "-"
        if self.out is None:
            self.out = open(os.path.join(self.folder, f"timing-{os.getpid()}.tsv"), "a", buffering=1)  # noqa: SIM115
        self.out.write(
            f"{time.time():.3f}\t{request.method}\t{name}\t{response.status_code}\t{wall * 1000:.2f}\t"
            f"{cpu * 1000:.2f}\t{queries[0] * 1000:.2f}\t{queries[1]}\t{_local.commit_seconds * 1000:.2f}\t"
            f"{_local.commits}\n"
        )
        return response


def read_timing(folder, *, since, until):
    """{(method, view, status): [row, ...]} for requests that ended between since and until."""
    rows = defaultdict(list)
    for file in sorted(os.listdir(folder)):
        if not file.startswith("timing-"):
            continue
        with open(os.path.join(folder, file), encoding="utf-8") as lines:
            for line in lines:
                parts = line.rstrip("\n").split("\t")
                if len(parts) != 10 or not since <= float(parts[0]) <= until:
                    continue
                wall, cpu, query_ms, queries, commit_ms, commits = map(float, parts[4:])
                rows[(parts[1], parts[2], parts[3])].append((wall, cpu, query_ms, queries, commit_ms, commits))
    return rows


def summarise_timing(rows):
    """Lines of a table: per endpoint, count and mean wall / CPU / query / commit ms and queries."""
    header = (
        f"{'endpoint':<44}{'count':>7}{'wall ms':>9}{'CPU ms':>8}{'query ms':>10}{'queries':>9}"
        f"{'commit ms':>10}{'commits':>8}{'other ms':>9}{'CPU share':>10}"
    )
    lines = [header, "-" * len(header)]
    total_cpu = sum(row[1] for group in rows.values() for row in group) or 1.0
    for (method, view, status), group in sorted(rows.items(), key=lambda kv: -sum(r[1] for r in kv[1])):
        n = len(group)
        wall, cpu, query_ms, queries, commit_ms, commits = (sum(column) / n for column in zip(*group, strict=True))
        other = wall - cpu - query_ms - commit_ms
        share = sum(r[1] for r in group) / total_cpu
        name = f"{method} {view} {status}"
        lines.append(
            f"{name[:43]:<44}{n:>7}{wall:>9.1f}{cpu:>8.1f}{query_ms:>10.1f}{queries:>9.1f}"
            f"{commit_ms:>10.1f}{commits:>8.1f}{other:>9.1f}{share:>10.0%}"
        )
    return lines
