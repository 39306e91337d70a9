import os
import socket

from django.core.management.base import BaseCommand, CommandError
from django.utils.crypto import get_random_string
from django_tasks_db.compat import DEFAULT_TASK_BACKEND_ALIAS
from django_tasks_db.management.commands.db_worker import (
    valid_backend_name,
    valid_interval,
    valid_max_tasks,
    validate_worker_id,
)

from base.worker import Worker


def positive_seconds(value: str) -> float:
    seconds = valid_interval(value)
    if seconds <= 0:
        raise ValueError(value)
    return seconds


class Command(BaseCommand):
    help = (
        "Run the background worker (django-tasks-db's, with a heartbeat): it outlives database outages, and runs "
        "again the tasks of workers that stopped while running them. See base/worker.py."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--queue-name", default="*", help="Queues to run, comma-separated; '*' (the default) for all"
        )
        parser.add_argument("--exclude-queues", default="", help="Queues to leave, comma-separated (with '*')")
        parser.add_argument(
            "--interval", type=valid_interval, default=1.0, help="Seconds to wait when the queue is empty"
        )
        parser.add_argument("--batch", action="store_true", help="Run what is queued, then stop")
        parser.add_argument("--max-tasks", type=valid_max_tasks, default=None, help="Stop after this many tasks")
        parser.add_argument(
            "--backend", type=valid_backend_name, default=DEFAULT_TASK_BACKEND_ALIAS, dest="backend_name"
        )
        parser.add_argument("--no-startup-delay", action="store_false", dest="startup_delay")
        parser.add_argument(
            "--worker-id",
            type=validate_worker_id,
            default=None,
            help="Unique among the workers (default: host name, process id and a random part)",
        )
        parser.add_argument("--heartbeat", type=positive_seconds, default=10.0, help="Seconds between heartbeats")
        parser.add_argument(
            "--lease",
            type=positive_seconds,
            default=60.0,
            help="Seconds of silence after which a worker counts as stopped and its task is run again",
        )

    def handle(self, *, queue_name, exclude_queues, heartbeat, lease, worker_id, **options):
        if lease < 2 * heartbeat:
            raise CommandError("The lease must last at least two heartbeats.")
        queue_names = queue_name.split(",")
        excluded = exclude_queues.split(",") if exclude_queues else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name='*'")
        worker = Worker(
            queue_names=queue_names,
            excluded_queue_names=excluded,
            interval=options["interval"],
            batch=options["batch"],
            backend_name=options["backend_name"],
            startup_delay=options["startup_delay"],
            max_tasks=options["max_tasks"],
            worker_id=worker_id or f"{socket.gethostname()[:40]}-{os.getpid()}-{get_random_string(6)}",
            heartbeat=heartbeat,
            lease=lease,
        )
        worker.configure_signals()
        worker.run()
