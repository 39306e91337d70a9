"""Where the portal's PostgreSQL comes from.

With ``DATABASE_URL`` set, that server is used. Without it (local development
and tests on a fresh machine) an embedded PostgreSQL from the ``pgserver``
package is started in the git-ignored ``.pgdata/`` folder, so no database
server needs to be installed. Production refuses to start without
``DATABASE_URL`` (see settings).
"""

import os
import warnings
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import dj_database_url


def database_config(*, base_dir: Path, url: str | None) -> dict:
    if url:
        return dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    return _embedded_database(base_dir / os.environ.get("PGSERVER_DIR", ".pgdata"))


def _embedded_database(data_dir: Path) -> dict:
    data_dir.mkdir(parents=True, exist_ok=True)
    # Imported here so production images never need the dev-only package. platformdirs warns
    # about XDG_RUNTIME_DIR on machines without a login session; pgserver copes without it.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
        import pgserver

        server = pgserver.get_server(data_dir, cleanup_mode="stop")

    uri = urlparse(server.get_uri())
    socket_dir = parse_qs(uri.query)["host"][0]
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
