"""The tables the background work keeps for itself: which e-mail tasks are done, e-mails drawn in a request and
waiting for the worker, and the workers' heartbeats. None of them holds a reference to an app's rows."""

from django.db import models
from django_tasks_db.models import DBTaskResult


class SentEmail(models.Model):
    """An e-mail task that is done: its e-mail went out, or it found it had nothing (left) to say. Written in
    the transaction that sends, so a task run again (after its worker stopped) never sends twice. `task_id` is
    the id of the chain's first task: a retry carries it along (base.mail.email_task)."""

    task_id = models.CharField(max_length=64, primary_key=True)
    sent_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self):
        return self.task_id


class EmailToSend(models.Model):
    """An e-mail drawn elsewhere (allauth draws its own, in the request) and waiting for the worker. It may carry a
    sign-in code or a password-reset link, so it is deleted in the transaction that sends it, and the sweep
    deletes any left over (base.mail.forget_old)."""

    message = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self):
        return f"e-mail {self.pk}"  # never its address or content


class WorkerHeartbeat(models.Model):
    """A running worker (manage.py run_worker), and when it last said so, by the database's clock. A task still
    RUNNING under a worker that has been silent for a whole lease is put back in the queue (base.worker)."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    started_at = models.DateTimeField()
    beat_at = models.DateTimeField()

    def __str__(self):
        return self.worker_id


class QueuedTask(DBTaskResult):
    """django-tasks-db's task row as the portal's worker handles it: a task cut short because the database went
    away, or because the worker was made to stop, did not fail; it stays RUNNING, and the worker puts it back in
    the queue once it can (base.worker)."""

    class Meta:
        proxy = True

    def set_failed(self, exc: BaseException) -> None:
        from base.tasks import interrupted  # base.tasks imports the task machinery, which imports the models

        if interrupted(exc):
            raise exc
        super().set_failed(exc)
