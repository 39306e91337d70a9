"""Where the CPU goes during a load: gunicorn, PostgreSQL, wrk, and everything else on the machine.

Read from /proc (Linux only; elsewhere the figures are simply left out). The portal, its database
and the load generator share the machine's cores, so a page's requests per second is the machine's
CPU divided by what one request costs in all three. "other" is CPU used by processes that are not
part of the benchmark: when it is high, the figures of that run are not to be trusted.
"""

import os
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def available():
    return Path("/proc/stat").exists()


def _machine_ticks():
    """(busy, total) jiffies of all cores since boot."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    total = sum(fields[:8])  # guest time is already counted in user
    return total - idle, total


def _processes():
    """{pid: (ppid, pgrp, comm, own CPU ticks, CPU ticks of reaped children)} of every process we can read."""
    out = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            raw = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        comm = raw[raw.index("(") + 1 : raw.rindex(")")]
        rest = raw[raw.rindex(")") + 2 :].split()
        # rest[0] is field 3 (state): ppid is field 4, pgrp 5, utime 14, stime 15, cutime 16, cstime 17.
        out[int(entry.name)] = (
            int(rest[1]),
            int(rest[2]),
            comm,
            int(rest[11]) + int(rest[12]),
            int(rest[13]) + int(rest[14]),
        )
    return out


def _descendants(processes, root):
    children = {}
    for pid, (ppid, *_rest) in processes.items():
        children.setdefault(ppid, []).append(pid)
    found, todo = set(), [root]
    while todo:
        pid = todo.pop()
        if pid in processes and pid not in found:
            found.add(pid)
            todo.extend(children.get(pid, []))
    return found


class Meter:
    """Snapshot CPU before a load and compute, after it, how much each part used.

    Processes that end during a load (a database connection closed after CONN_MAX_AGE, a recycled
    worker) still count: their parent, the postmaster or the gunicorn arbiter, collects their CPU
    time when it reaps them. On a database server (rather than the embedded one) only the backends
    connected to the benchmark database while the load runs are counted.
    """

    def __init__(self, *, gunicorn_pgid, postgres_root=None, postgres_pids=None):
        self.gunicorn_pgid = gunicorn_pgid  # the arbiter's pid (it leads its own process group)
        self.postgres_root = postgres_root  # the postmaster of an embedded server: all its children count
        self.postgres_pids = postgres_pids  # or a callable giving the backends of our database on a server

    def _snapshot(self):
        processes = _processes()
        postgres, roots = set(), {self.gunicorn_pgid}
        if self.postgres_root:
            postgres = _descendants(processes, self.postgres_root)
            roots.add(self.postgres_root)
        elif self.postgres_pids:
            postgres = set(self.postgres_pids()) & set(processes)
        gunicorn = {pid for pid, p in processes.items() if p[1] == self.gunicorn_pgid}
        wrk = {pid for pid, p in processes.items() if p[2] == "wrk"}
        ticks = {pid: p[3] for pid, p in processes.items()}
        reaped = {pid: processes[pid][4] for pid in roots if pid in processes}
        return ticks, reaped, {"app": gunicorn, "db": postgres, "wrk": wrk}

    def start(self):
        self._busy0, self._total0 = _machine_ticks()
        self._ticks0, self._reaped0, self._groups0 = self._snapshot()

    def stop(self, *, wrk_ticks=0):
        busy1, total1 = _machine_ticks()
        ticks1, reaped1, groups = self._snapshot()
        used = {}
        for name, pids in groups.items():
            alive = sum(max(ticks1[pid] - self._ticks0.get(pid, 0), 0) for pid in pids)
            # Children that ended in between: their whole life's CPU went to the parent's
            # "reaped" counter; what they had used before the load started is taken off again.
            root = {"app": self.gunicorn_pgid, "db": self.postgres_root}.get(name)
            ended = 0
            if root in reaped1 and root in self._reaped0:
                gone = self._groups0[name] - set(ticks1)
                ended = reaped1[root] - self._reaped0[root] - sum(self._ticks0.get(pid, 0) for pid in gone)
            used[name] = alive + max(ended, 0)
        # wrk has exited by now: its CPU comes from the caller (resource usage of the child).
        used["wrk"] = max(used["wrk"], wrk_ticks)
        busy, total = busy1 - self._busy0, total1 - self._total0
        used["other"] = max(busy - sum(used.values()), 0)
        cores = os.cpu_count() or 1
        return {
            "seconds": {name: value / TICK for name, value in used.items()},
            "machine_busy": busy / total if total else 0.0,
            "wall_seconds": total / cores / TICK if total else 0.0,
        }
