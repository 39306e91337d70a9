"""The background worker: django-tasks-db's, kept alive through database outages, with a heartbeat so that a task
whose worker stopped is run again by another.

- A worker that cannot reach the database (it went away, restarts, fails over) says so in the log, waits (half a
  second, doubled each time up to half a minute) and tries again, for as long as it takes. A task it was running
  when the database went did not fail: once the database answers, the worker puts it back in the queue.
- Each worker writes its heartbeat (WorkerHeartbeat) every `heartbeat` seconds from a thread of its own, also
  while a task runs. Each worker also looks for tasks still RUNNING under a worker that has been silent for a
  whole `lease` (killed, its machine gone), and puts them back in the queue, where any worker takes them. A worker
  does that only once it has itself reached the database for a whole lease: right after an outage every heartbeat
  is old, and the others need the time to beat again.
- A task run again must be safe to run twice; e-mail tasks never send twice (base.mail.email_task). A task whose
  worker stopped while running it five times (one that kills its worker, say) is marked failed instead.
"""

import datetime as dt
import logging
import random
import threading
import time
from contextlib import suppress

from django.db import Error, close_old_connections, connection, transaction
from django.db.models.functions import Now
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker as DatabaseWorker

from base.models import QueuedTask, WorkerHeartbeat
from base.tasks import database_lost

logger = logging.getLogger(__name__)

FIRST_PAUSE = 0.5  # seconds to wait for the database, doubled after each failed try
LONGEST_PAUSE = 30.0
MAX_RUNS = 5


class WorkerStopped(Exception):
    """What a task ended with when its worker stopped while running it too many times (shown in the admin)."""


class Worker(DatabaseWorker):
    def __init__(self, *, heartbeat: float, lease: float, **options):
        super().__init__(**options)
        self.heartbeat = heartbeat
        self.lease = dt.timedelta(seconds=lease)
        self._heart = threading.Thread(target=self._keep_beating, name="heartbeat", daemon=True)
        self._stopping = threading.Event()
        self._disconnected_at: float | None = None
        self._pause = FIRST_PAUSE

    def run(self) -> None:
        logger.info(
            "Worker %s started: queues %s, a heartbeat every %s s, a lease of %s s",
            self.worker_id,
            ",".join(self.queue_names),
            self.heartbeat,
            self.lease.total_seconds(),
        )
        if self.startup_delay and self.interval:
            time.sleep(random.random())  # workers started together do not all ask at once
        self._heart.start()
        connected = False
        try:
            while self.running:
                try:
                    if not connected:
                        self._connect()
                        connected = True
                    found = self._run_one()
                except Error as error:
                    if not database_lost(error):
                        raise
                    connected = False
                    self._wait_for_the_database(error)
                    continue
                if self.batch and not found:
                    logger.info("Worker %s found no more tasks to run", self.worker_id)
                    return
                if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
                    logger.info("Worker %s ran its %s tasks", self.worker_id, self.max_tasks)
                    return
                if self.running and not found:
                    time.sleep(self.interval)
        finally:
            self._stop()

    def _connect(self) -> None:
        """First thing, and once the database answers again after it was lost: say that this worker is here, and
        put back in the queue what it was running when the database went."""
        beat(self.worker_id)
        with transaction.atomic():
            put_back(self._own_running_tasks(), why="its worker lost the database while running it")
        if self._disconnected_at is not None:
            logger.warning(
                "Worker %s reaches the database again, after %.0f s",
                self.worker_id,
                time.monotonic() - self._disconnected_at,
            )
        self._disconnected_at = None
        self._pause = FIRST_PAUSE

    def _run_one(self) -> bool:
        close_old_connections()  # one that broke, or is too old, is opened anew
        tasks = QueuedTask.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        if self.excluded_queue_names:
            tasks = tasks.exclude(queue_name__in=self.excluded_queue_names)
        with transaction.atomic():
            task = tasks.get_locked()
            if task is not None:
                task.claim(self.worker_id)
        if task is None:
            return False
        self.run_task(task)
        return True

    def _wait_for_the_database(self, error: Error) -> None:
        if self._disconnected_at is None:
            self._disconnected_at = time.monotonic()
        with suppress(Error):
            connection.close()
        logger.warning(
            "Worker %s cannot reach the database (%s %s); trying again in %s s",
            self.worker_id,
            type(error).__name__,
            getattr(error.__cause__, "sqlstate", None) or "-",
            self._pause,
        )
        time.sleep(self._pause)
        self._pause = min(self._pause * 2, LONGEST_PAUSE)

    def _own_running_tasks(self):
        mine = QueuedTask.objects.running().filter(worker_ids__contains=[self.worker_id])
        return [task for task in mine.select_for_update(skip_locked=True) if task.worker_ids[-1] == self.worker_id]

    def _stop(self) -> None:
        """Made to stop while running a task (a second Ctrl+C), the worker puts it back in the queue. Its heartbeat
        goes, so nobody waits for it."""
        self._stopping.set()
        if self._heart.is_alive():
            self._heart.join(timeout=self.heartbeat + 5)
        with suppress(Error):
            with transaction.atomic():
                put_back(self._own_running_tasks(), why="its worker was made to stop while running it")
            WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()
        logger.info("Worker %s stopped", self.worker_id)

    def _keep_beating(self) -> None:
        """The heartbeat thread (with a database connection of its own): beat, and put back the tasks of workers
        that stopped beating, once this one has reached the database for a whole lease."""
        reachable_since: float | None = time.monotonic()
        while not self._stopping.wait(self.heartbeat):
            try:
                close_old_connections()
                beat(self.worker_id)
                if reachable_since is None:
                    reachable_since = time.monotonic()
                elif time.monotonic() - reachable_since >= self.lease.total_seconds():
                    put_back_orphans(lease=self.lease, backend_name=self.backend_name)
            except Exception as error:  # the thread must go on beating, whatever happened
                reachable_since = None
                if not (isinstance(error, Error) and database_lost(error)):
                    logger.exception("Worker %s could not beat: %s", self.worker_id, type(error).__name__)
                with suppress(Error):
                    connection.close()
        with suppress(Error):
            connection.close()


def beat(worker_id: str) -> None:
    """The worker is alive, by the database's clock (the workers' machines may disagree). One statement, as both
    of the worker's threads beat."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO base_workerheartbeat (worker_id, started_at, beat_at) "
            "VALUES (%s, statement_timestamp(), statement_timestamp()) "
            "ON CONFLICT (worker_id) DO UPDATE SET beat_at = EXCLUDED.beat_at",
            [worker_id],
        )


@transaction.atomic
def put_back_orphans(*, lease: dt.timedelta, backend_name: str) -> None:
    """Put back in the queue every task still RUNNING under a worker that has been silent for a whole lease (or
    has no heartbeat at all), and forget those workers. Only those tasks are locked, not the running ones."""

    def abandoned(worker_ids, alive) -> bool:
        return bool(worker_ids) and worker_ids[-1] not in alive

    def alive():
        return set(WorkerHeartbeat.objects.filter(beat_at__gt=Now() - lease).values_list("worker_id", flat=True))

    running = QueuedTask.objects.running().filter(backend_name=backend_name)
    seen_alive = alive()
    orphans = [pk for pk, worker_ids in running.values_list("pk", "worker_ids") if abandoned(worker_ids, seen_alive)]
    if orphans:
        locked = list(running.filter(pk__in=orphans).select_for_update(skip_locked=True))
        # Read again once they are locked: a worker that took one of them meanwhile had beaten before it did.
        seen_alive = alive()
        put_back(
            [task for task in locked if abandoned(task.worker_ids, seen_alive)],
            why=f"its worker has been silent for more than {lease.total_seconds():.0f} s",
        )
    WorkerHeartbeat.objects.filter(beat_at__lte=Now() - lease).delete()


def put_back(tasks, *, why: str) -> None:
    """Tasks, locked, whose worker stopped while running them: back in the queue, in their old place (by priority,
    then time), or failed after their fifth run."""
    for task in tasks:
        if len(task.worker_ids) >= MAX_RUNS:
            task.status = TaskResultStatus.FAILED
            task.finished_at = timezone.now()
            task.exception_class_path = f"{WorkerStopped.__module__}.{WorkerStopped.__qualname__}"
            task.traceback = f"Not run again: {why}, and that happened on each of its {len(task.worker_ids)} runs."
            task.save(update_fields=["status", "finished_at", "exception_class_path", "traceback"])
            logger.error("Task %s (%s) failed: %s, on each of its runs", task.id, task.task_path, why)
        else:
            task.status = TaskResultStatus.READY
            task.save(update_fields=["status"])
            logger.warning("Task %s (%s) is back in the queue: %s", task.id, task.task_path, why)
