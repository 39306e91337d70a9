"""How a task is queued with the change that calls for it, and how a task cut short is told from one that failed.

A task is queued inside the transaction of the change that calls for it (`some_task.enqueue(...)` in a service),
never in `transaction.on_commit`. With the database backend the task's row is written in that transaction, so it
is committed with the change, or rolled back with it: a change the database has committed always has its e-mail
queued, even if the database goes away the moment after. Once committed, the worker sees the row and runs it;
before, it cannot. The backend below gives tests (and anyone running without a worker) the same order.
"""

import psycopg
from django.db import DatabaseError, InterfaceError, transaction
from django_tasks.backends.immediate import ImmediateBackend
from django_tasks.base import TaskResult, TaskResultStatus
from django_tasks.utils import get_random_id


class ImmediateAfterCommitBackend(ImmediateBackend):
    """Runs each task in this process once the transaction that queued it commits (at once outside a transaction),
    as the worker would run it once it sees the committed row. A change rolled back takes its tasks with it."""

    def enqueue(self, task, args, kwargs):
        self.validate_task(task)
        result = TaskResult(
            task=task,
            id=get_random_id(),
            status=TaskResultStatus.READY,
            enqueued_at=None,
            started_at=None,
            last_attempted_at=None,
            finished_at=None,
            args=args,
            kwargs=kwargs,
            backend=self.alias,
            errors=[],
            worker_ids=[],
        )
        if _in_a_transaction_of_our_own():
            transaction.on_commit(lambda: self._execute_task(result))
        else:
            self._execute_task(result)
        return result


def _in_a_transaction_of_our_own() -> bool:
    """Whether code (not a test case's wrapping transaction, which never commits) has a transaction open. Django
    marks a test case's atomic blocks so; its own check of durable blocks reads the same mark."""
    connection = transaction.get_connection()
    return any(not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks)


# PostgreSQL's error classes that mean the connection, or the server, went away: 08 (connection exception),
# and 57P01 to 57P03 (the server shut down, crashed, or is starting up).
_CONNECTION_LOST = ("08", "57P01", "57P02", "57P03")


def database_lost(error: BaseException) -> bool:
    """Whether `error` says the database cannot be reached (as opposed to a query that went wrong, a deadlock, a
    constraint): the work is not at fault, and can be done again once the database is back."""
    if isinstance(error, InterfaceError):
        return True
    if not isinstance(error, DatabaseError):
        return False
    cause = error.__cause__
    if not isinstance(cause, psycopg.Error):
        return False
    if cause.sqlstate is None:  # psycopg's own: it could not connect, or the connection broke
        return isinstance(cause, psycopg.OperationalError)
    return cause.sqlstate.startswith(_CONNECTION_LOST)


def interrupted(error: BaseException) -> bool:
    """Whether a task ended because its worker lost the database or was made to stop, not through a fault of its
    own: it is run again, not marked failed."""
    return isinstance(error, (SystemExit, KeyboardInterrupt)) or database_lost(error)
