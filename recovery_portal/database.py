"""Where the portal's PostgreSQL comes from.

With ``DATABASE_URL`` set, that server is used. Without it (local development
and tests on a fresh machine) an embedded PostgreSQL from the ``pgserver``
package is started in the git-ignored ``.pgdata/`` folder, so no database
server needs to be installed. Production refuses to start without
``DATABASE_URL`` (see settings).

pgserver lists the processes using the embedded server (``.pgdata/.handle_pids.json``)
and stops it when the last of them exits. A process that is killed (by SIGTERM,
say: Python's exit handlers never run) stays on that list, and from then on no
process is ever the last one: the server outlives them all. So

- ``bin/dev`` starts the server once (``python -m recovery_portal.database start PID``,
  with its own PID on the list), points ``DATABASE_URL`` at it for every command
  it runs, and when it ends, however it ends, takes itself off the list and stops
  the server unless another process still uses it (``... stop PID``);
- a process on its own (``pytest``, ``manage.py``) is on the list while it runs,
  as pgserver has it, and stops the server if it is the last;
- both first take processes that no longer run off the list.
"""

import json
import os
import sys
import warnings
from pathlib import Path
from urllib.parse import parse_qs, quote, urlparse

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent

# pgserver (0.1.4) lists the processes using a server in this file, to stop it when the last one exits.
_PGSERVER_USERS_FILE = ".handle_pids.json"


def database_config(*, base_dir: Path, url: str | None) -> dict:
    if url:
        return dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    return _embedded_database(embedded_data_dir(base_dir))


def embedded_data_dir(base_dir: Path) -> Path:
    return base_dir / os.environ.get("PGSERVER_DIR", ".pgdata")


def _embedded_database(data_dir: Path) -> dict:
    _users(data_dir)
    socket_dir = _socket_dir(_server(data_dir, cleanup_mode="stop"))
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "postgres",
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": socket_dir,
        "PORT": "",
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
    }


def start_embedded_server(data_dir: Path, *, user: int) -> str:
    """Start the embedded PostgreSQL, or find it running, for the process ``user``, which stops it with
    stop_embedded_server() when it is done. Returns a DATABASE_URL for it."""
    socket_dir = _socket_dir(_server(data_dir, cleanup_mode=None))
    _users(data_dir, add=user)  # once the server is there: initdb wants an empty folder
    return f"postgresql://postgres@{quote(socket_dir, safe='')}/postgres"


def stop_embedded_server(data_dir: Path, *, user: int) -> list[int]:
    """The process ``user`` is done with the embedded PostgreSQL: stop it, unless other processes still use
    it. Returns those."""
    others = _users(data_dir, remove=user)
    if others:
        return others
    pgserver = _pgserver()
    from pgserver.utils import PostmasterInfo

    running = PostmasterInfo.read_from_pgdata(data_dir)
    if running is not None and running.is_running():
        # pgserver runs the server as the user "pgserver" when we are root, since PostgreSQL refuses root.
        as_user = "pgserver" if hasattr(os, "geteuid") and os.geteuid() == 0 else None
        pgserver.pg_ctl(["--wait", "stop"], pgdata=data_dir, user=as_user)
    return []


def _users(data_dir: Path, *, add: int | None = None, remove: int | None = None) -> list[int]:
    """pgserver's list of the processes using the server, without those that no longer run, with ``add``
    and without ``remove``."""
    path = data_dir / _PGSERVER_USERS_FILE
    if not path.exists() and add is None:
        return []
    with _pgserver().PostgresServer._lock:  # the lock pgserver takes to change the list
        listed = json.loads(path.read_text()) if path.exists() else []
        listed_at = path.stat().st_mtime if path.exists() else 0
        users = [pid for pid in listed if pid != remove and _still_running(pid, listed_at)]
        if add is not None and add not in users:
            users.append(add)
        if users != listed:
            path.write_text(json.dumps(users))
    return users


def _still_running(pid: int, listed_at: float) -> bool:
    """Whether the process that put ``pid`` on the list still runs: a process with that pid that started
    after the list was last written is another one, which took a pid freed by a process that was killed."""
    import psutil

    try:
        process = psutil.Process(pid)
        return process.status() != psutil.STATUS_ZOMBIE and process.create_time() <= listed_at + 1
    except psutil.NoSuchProcess:
        return False
    except psutil.AccessDenied:  # another user's: not known to be gone, so it counts
        return True


def _pgserver():
    # Imported here so production images never need the dev-only package. platformdirs warns
    # about XDG_RUNTIME_DIR on machines without a login session; pgserver copes without it.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
        import pgserver

    return pgserver


def _server(data_dir: Path, *, cleanup_mode: str | None):
    data_dir.mkdir(parents=True, exist_ok=True)
    return _pgserver().get_server(data_dir, cleanup_mode=cleanup_mode)


def _socket_dir(server) -> str:
    return parse_qs(urlparse(server.get_uri()).query)["host"][0]


def main(argv: list[str]) -> int:
    """bin/dev's commands, which need no Django: ``start PID`` prints the DATABASE_URL, ``stop PID`` stops the
    server unless other processes still use it."""
    if len(argv) != 2 or argv[0] not in {"start", "stop"} or not argv[1].isdigit():
        print("usage: python -m recovery_portal.database start|stop PID", file=sys.stderr)
        return 2
    data_dir, user = embedded_data_dir(BASE_DIR), int(argv[1])
    if argv[0] == "start":
        print(start_embedded_server(data_dir, user=user))
    elif others := stop_embedded_server(data_dir, user=user):
        print(f"Leaving the embedded PostgreSQL running: processes {others} still use it.")
    else:
        print("The embedded PostgreSQL is stopped.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
