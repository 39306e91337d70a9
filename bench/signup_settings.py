"""The portal's own settings, plus the sign-up benchmark's floor view (see bench/signup_urls.py).

Used only by ``bench/signup.py``, which sets ``DATABASE_URL`` or ``PGSERVER_DIR`` (a database of
the benchmark's own), ``TASKS_BACKEND`` (the database backend, with no worker: tasks are only queued) and
``EMAIL_BACKEND`` before anything imports this module.
"""

from recovery_portal.settings import *  # noqa: F403

ROOT_URLCONF = "bench.signup_urls"

# bench/signup.py --server-timing: per-request wall, CPU, query and commit time (bench/signup_timing.py).
if os.environ.get("BENCH_SIGNUP_TIMING_DIR"):  # noqa: F405
    MIDDLEWARE = ["bench.signup_timing.TimingMiddleware", *MIDDLEWARE]  # noqa: F405
