"""The portal's own settings, plus the benchmark's floor page (see bench/urls.py).

The database comes from the environment exactly as for the portal: ``bench/catalogue.py`` sets
``DATABASE_URL`` (a server) or ``PGSERVER_DIR`` (an embedded PostgreSQL of its own) before
anything imports this module, so the developer's database is never touched.
"""

from recovery_portal.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
