"""The worker (manage.py run_worker, base/worker.py) as production runs it: in processes of its own, against a
PostgreSQL of its own (pgserver, in a temporary folder) that a test stops and starts. A worker killed mid-task
has its task run again by another, and the e-mail goes out once; a worker outlives a database restart under
load, and no sign-up committed meanwhile goes without its confirmation.

Each test takes some seconds (a PostgreSQL started, Django started in each process, a lease waited out)."""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings
from django_tasks_db.models import DBTaskResult

from accounts.models import User
from enrolment.models import Enrolment
from tests.worker_support import STALLED, sent_emails

ROOT = Path(settings.BASE_DIR)
HEARTBEAT, LEASE = 0.3, 1.5  # seconds; production's are 10 and 60


MIGRATE = (
    "import django; django.setup(); from django.core.management import call_command; "
    "call_command('migrate', verbosity=0); call_command('createcachetable')"
)


class OwnServer:
    """A PostgreSQL for this module's tests, with a migrated database to copy for each test."""

    def __init__(self, folder: Path):
        import pgserver

        self.data_dir = folder / "pgdata"
        self.server = pgserver.get_server(self.data_dir, cleanup_mode="delete")
        self.socket_dir = str(self.server.get_postmaster_info().socket_dir)

    def migrate(self) -> None:
        self.run_sql("CREATE DATABASE migrated")
        env = {**os.environ, "DATABASE_URL": self.url("migrated"), "DJANGO_SETTINGS_MODULE": "recovery_portal.settings"}
        subprocess.run([sys.executable, "-c", MIGRATE], cwd=ROOT, env=env, check=True, capture_output=True)

    def url(self, database: str) -> str:
        return f"postgresql://postgres@{quote(self.socket_dir, safe='')}/{database}"

    def run_sql(self, sql: str, *params, database="postgres") -> list[tuple]:
        with psycopg.connect(host=self.socket_dir, dbname=database, user="postgres", autocommit=True) as db:
            cursor = db.execute(sql, params)
            return cursor.fetchall() if cursor.description else []

    def stop(self) -> None:
        from pgserver._commands import pg_ctl

        pg_ctl(["-m", "fast", "-w", "stop"], pgdata=self.data_dir, user=self.server.system_user)

    def start(self) -> None:
        self.server.ensure_postgres_running()


class OwnDatabase:
    """One test's database on the module's server: a copy of the migrated one."""

    def __init__(self, server: OwnServer, name: str):
        self.server, self.name = server, name
        server.run_sql(f"CREATE DATABASE {name} TEMPLATE migrated")
        self.url = server.url(name)
        self.stop, self.start = server.stop, server.start

    def rows(self, sql: str, *params) -> list[tuple]:
        return self.server.run_sql(sql, *params, database=self.name)

    def task(self, task_id: str) -> tuple[str, list[str]]:
        """The task's status and the workers that took it."""
        return self.rows(f"SELECT status, worker_ids FROM {DBTaskResult._meta.db_table} WHERE id = %s", task_id)[0]

    def confirmed_addresses(self) -> list[str]:
        return sorted(
            email
            for (email,) in self.rows(
                f"SELECT u.email FROM {Enrolment._meta.db_table} e JOIN {User._meta.db_table} u ON u.id = e.person_id "
                "WHERE e.status = %s",
                Enrolment.Status.CONFIRMED,
            )
        )

    def unfinished_tasks(self) -> int:
        return self.rows(f"SELECT count(*) FROM {DBTaskResult._meta.db_table} WHERE status IN ('READY', 'RUNNING')")[0][
            0
        ]


def temporary_folder() -> Path:
    # Not pytest's tmp_path: PostgreSQL runs as another user when the tests run as root, and must reach it.
    return Path(tempfile.mkdtemp(prefix="kurs-worker-test-"))


@pytest.fixture(scope="module")
def own_server():
    folder = temporary_folder()
    server = OwnServer(folder)
    try:
        server.migrate()
        yield server
    finally:
        server.start()  # a test that failed while it was stopped
        server.server.cleanup()  # stops it and deletes its data
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def folder():
    path = temporary_folder()
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def own_database(own_server, request):
    return OwnDatabase(own_server, f"test_{len(own_server.run_sql('SELECT datname FROM pg_database'))}")


@pytest.fixture
def mails(folder):
    path = folder / "mails"
    path.mkdir()
    return path


@pytest.fixture
def start(own_database, mails, folder):
    """Start `manage.py ARGS` or `python -m tests.worker_support ARGS` against the test's database; every process
    started is killed (by its pid) at the end if it still runs."""
    started = []
    env = {
        **os.environ,
        "DATABASE_URL": own_database.url,
        "EMAIL_BACKEND": "tests.worker_support.FileEmailBackend",
        "TEST_EMAIL_DIR": str(mails),
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("TASKS_BACKEND", None)

    def start_process(*args, support=False, output=None, **extra_env):
        command = [sys.executable, *(["-m", "tests.worker_support"] if support else ["manage.py"]), *args]
        log = open(folder / f"process-{len(started)}.log", "wb")  # noqa: SIM115 (closed with the process)
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**env, **extra_env},
            stdout=output or log,
            stderr=log,
            text=output is not None,
        )
        process.log = folder / f"process-{len(started)}.log"
        started.append((process, log))
        return process

    yield start_process
    for process, log in started:
        if process.poll() is None:
            process.kill()
        process.wait()
        log.close()
        print(f"--- {' '.join(process.args[1:])}, ended with {process.returncode}:\n{process.log.read_text()}")


@pytest.fixture
def worker(start):
    def start_worker(**env):
        return start(
            "run_worker",
            f"--heartbeat={HEARTBEAT}",
            f"--lease={LEASE}",
            "--interval=0.1",
            "--no-startup-delay",
            **env,
        )

    return start_worker


def wait_for(condition, *, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {seconds} s for {what}")
        time.sleep(0.05)


def stops_cleanly(process) -> bool:
    process.send_signal(signal.SIGTERM)
    return process.wait(timeout=15) == 0


@pytest.mark.parametrize(
    ("killed", "first_worker_sent"),
    [("before-sending", False), ("after-sending", True)],
    ids=["killed before the e-mail went", "killed after it went, before the task was marked done"],
)
def test_a_task_whose_worker_was_killed_is_run_again_by_another_and_its_email_goes_once(
    own_database, worker, start, mails, killed, first_worker_sent
):
    goodbye = start("goodbye", "kari@example.org", support=True, output=subprocess.PIPE)
    first = worker(TEST_EMAIL_STALL=killed)
    task_id = goodbye.communicate(timeout=60)[0].strip()
    wait_for((mails / STALLED).exists, seconds=30, what="the first worker to take the task")
    second = worker()
    wait_for(lambda: "started" in second.log.read_text(), seconds=30, what="the second worker to start")
    first.send_signal(signal.SIGKILL)
    first.wait()
    assert own_database.task(task_id)[0] == "RUNNING"  # and would stay so, without a heartbeat
    assert sent_emails(mails) == (["kari@example.org"] if first_worker_sent else [])

    wait_for(lambda: own_database.task(task_id)[0] == "SUCCESSFUL", seconds=30, what="the task to be run again")
    _, taken_by = own_database.task(task_id)
    assert len(set(taken_by)) == 2, "run by the first worker, then by the second"
    assert sent_emails(mails) == ["kari@example.org"]
    assert stops_cleanly(second)
    log = second.log.read_text()
    assert "is back in the queue: its worker has been silent" in log
    assert ("had sent its e-mail already" in log) == first_worker_sent


def test_the_worker_outlives_a_database_restart_under_load_and_no_sign_up_goes_without_its_email(
    own_database, worker, start, mails
):
    running = worker()
    go_on = mails.parent / "go-on"
    sign_ups = start("sign-ups", "40", support=True, output=subprocess.PIPE, TEST_GO_ON=str(go_on))
    assert "half-way" in (line.strip() for line in sign_ups.stdout), "half of them signed up, the others wait"
    wait_for(lambda: sent_emails(mails), seconds=30, what="the worker to send the first confirmations")
    own_database.stop()
    go_on.touch()  # the other half sign up while the database is away, and while it starts again
    time.sleep(1)
    own_database.start()
    rest, _ = sign_ups.communicate(timeout=60)
    assert sign_ups.returncode == 0
    assert "lost" in rest, "sign-ups went on while the database was away, and waited for it"

    confirmed = own_database.confirmed_addresses()
    assert len(confirmed) == 40, "every sign-up committed is there after the restart"
    wait_for(lambda: own_database.unfinished_tasks() == 0, seconds=40, what="the worker to send every confirmation")
    sent = sent_emails(mails)
    assert sorted(set(sent)) == confirmed, "each confirmed sign-up got its e-mail, and nobody else got one"
    # The only e-mail that can go twice is one the worker was handing to the mail server when the database stopped
    # (its "sent" mark was not committed: base.mail.email_task), and a worker sends one at a time.
    assert len(sent) - len(confirmed) <= 1
    assert running.poll() is None, "the worker is alive"
    log = running.log.read_text()
    assert "cannot reach the database" in log and "reaches the database again" in log
    assert stops_cleanly(running)
