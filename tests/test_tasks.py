"""Background work with the real backend, in this process: tasks stored in PostgreSQL and run by the portal's
worker (base/worker.py). tests/test_worker.py runs the worker in processes of its own, and kills them."""

import datetime as dt
import logging
import re

import psycopg
import pytest
from django.core import mail
from django.db import OperationalError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.tasks import send_account_deleted
from audit.acting import Acting
from base import mail as base_mail
from base.models import EmailToSend, QueuedTask, SentEmail, WorkerHeartbeat
from base.tasks import database_lost
from base.worker import MAX_RUNS, Worker, beat, put_back_orphans
from enrolment.services import places
from tests import factories
from tests.people import person

DATABASE_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "email"]}}


@pytest.fixture
def database_backend(settings):
    settings.TASKS = DATABASE_BACKEND


def run_queued_tasks(worker_id="test-worker"):
    """What `manage.py run_worker --batch` does, without taking over this process's signals."""
    Worker(
        queue_names=["*"],
        excluded_queue_names=[],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        heartbeat=10,
        lease=60,
    ).run()


@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_queued_email_tasks(database_backend):
    result = send_account_deleted.enqueue("ida@example.org", "en")
    assert mail.outbox == []
    run_queued_tasks()
    result.refresh()
    assert result.status == "SUCCESSFUL"
    assert mail.outbox[0].to == ["ida@example.org"]
    assert not WorkerHeartbeat.objects.exists(), "a worker that stops takes its heartbeat with it"


@pytest.mark.django_db(transaction=True)
def test_a_sign_ups_email_is_queued_in_the_transaction_that_commits_the_sign_up(database_backend):
    """Committed together or not at all: a sign-up the database has committed has its e-mail queued, even if the
    database goes away the moment after (it was queued after the commit before, and could be lost there)."""
    run = factories.run(offer=factories.offer(), capacity=1)
    kari = person("kari@example.org")
    enrolment = places.sign_up(run_id=run.pk, person=kari, acting=Acting.citizen(kari))
    task = DBTaskResult.objects.get()
    assert (task.task_path, task.args_kwargs["args"]) == (
        "enrolment.tasks.send_enrolment_email",
        [enrolment.pk, "confirmed", False],
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT xmin FROM {enrolment._meta.db_table} WHERE id = %s", [enrolment.pk])
        written_by = cursor.fetchone()
        cursor.execute(f"SELECT xmin FROM {DBTaskResult._meta.db_table} WHERE id = %s", [task.pk])
        assert cursor.fetchone() == written_by, "one transaction wrote both"


@pytest.mark.django_db
def test_a_task_queued_in_a_transaction_that_is_rolled_back_never_runs(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        send_account_deleted.enqueue("ida@example.org", "en")
        raise RuntimeError
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_an_email_task_run_again_does_not_send_again(database_backend, caplog):
    """As when its worker was killed after the e-mail went, before the task was marked done."""
    result = send_account_deleted.enqueue("ida@example.org", "en")
    run_queued_tasks()
    DBTaskResult.objects.filter(pk=result.id).update(status="READY")
    caplog.set_level(logging.INFO, logger="base.mail")
    run_queued_tasks()
    assert len(mail.outbox) == 1
    assert SentEmail.objects.filter(task_id=result.id).exists()
    assert "had sent its e-mail already" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_a_retry_belongs_to_the_chain_of_the_first_try(database_backend, monkeypatch):
    def mail_server_down(message):
        raise ConnectionRefusedError

    monkeypatch.setattr("django.core.mail.EmailMessage.send", mail_server_down)
    first = send_account_deleted.enqueue("ida@example.org", "en")
    run_queued_tasks()
    retry = DBTaskResult.objects.exclude(pk=first.id).get()
    assert retry.args_kwargs["kwargs"] == {"attempt": 2, "chain": first.id}
    assert retry.run_after > timezone.now() + dt.timedelta(minutes=1)
    assert not SentEmail.objects.exists(), "the mark went with the failed try's transaction"


@pytest.mark.django_db(transaction=True)
def test_sign_in_codes_are_sent_by_the_worker_and_not_kept_once_sent(client, database_backend):
    person("ida@example.org")
    response = client.post(reverse("account_request_login_code"), {"email": "ida@example.org"})
    assert response.status_code == 302
    assert mail.outbox == [], "not sent while the request waits"
    stored = EmailToSend.objects.get()
    task = DBTaskResult.objects.get()
    assert task.args_kwargs == {"args": [stored.pk], "kwargs": {}}, "the task table keeps no code"
    run_queued_tasks()
    assert mail.outbox[0].to == ["ida@example.org"]
    code = re.search(r"^\s*([A-Z0-9]{4}-?[A-Z0-9]{4}|[A-Z0-9]{6})\s*$", mail.outbox[0].body, re.M).group(1)
    assert not EmailToSend.objects.exists()
    response = client.post(response.url, {"code": code})
    assert response.status_code == 302
    assert client.get(reverse("mypage:my_page")).status_code == 200


@pytest.mark.django_db
def test_an_email_whose_last_try_failed_is_not_kept(monkeypatch):
    def mail_server_down(message):
        raise ConnectionRefusedError

    monkeypatch.setattr("django.core.mail.EmailMessage.send", mail_server_down)
    base_mail.send_drawn_later(mail.EmailMessage("Kode", "ABC123", to=["ida@example.org"]))
    assert not EmailToSend.objects.exists()  # the test backend tries once


@pytest.mark.django_db
def test_the_sweep_forgets_sent_marks_and_emails_no_longer_of_use():
    now = timezone.now()
    SentEmail.objects.create(task_id="old")
    SentEmail.objects.create(task_id="new")
    SentEmail.objects.filter(task_id="old").update(sent_at=now - dt.timedelta(days=8))
    stale = EmailToSend.objects.create(message={})
    EmailToSend.objects.filter(pk=stale.pk).update(created_at=now - dt.timedelta(days=2))
    base_mail.forget_old(now=now)
    assert list(SentEmail.objects.values_list("task_id", flat=True)) == ["new"]
    assert not EmailToSend.objects.exists()


# --- the heartbeat and the lease --------------------------------------------------------------------------------


def running_task(*worker_ids):
    result = send_account_deleted.enqueue("ida@example.org", "en")
    QueuedTask.objects.filter(pk=result.id).update(status="RUNNING", worker_ids=list(worker_ids))
    return result.id


def silent_for(worker_id, seconds):
    beat(worker_id)
    WorkerHeartbeat.objects.filter(worker_id=worker_id).update(beat_at=timezone.now() - dt.timedelta(seconds=seconds))


@pytest.mark.django_db
def test_the_task_of_a_worker_silent_for_a_whole_lease_goes_back_to_the_queue(database_backend):
    beat("alive")
    silent_for("dead", 61)
    silent_for("late", 30)
    of_the_dead, of_the_living, of_the_late = running_task("dead"), running_task("alive"), running_task("late")
    taken_over = running_task("dead", "alive")
    never_beat = running_task("a-db_worker-without-a-heartbeat")

    put_back_orphans(lease=dt.timedelta(seconds=60), backend_name="default")

    status = {str(pk): status for pk, status in QueuedTask.objects.values_list("pk", "status")}
    assert status[of_the_dead] == status[never_beat] == "READY"
    assert status[of_the_living] == status[of_the_late] == status[taken_over] == "RUNNING"
    assert set(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == {"alive", "late"}


@pytest.mark.django_db(transaction=True)
def test_a_worker_restarted_under_its_id_runs_again_at_once_what_it_held_when_it_was_killed(database_backend):
    held = running_task("host-1")
    run_queued_tasks(worker_id="host-1")
    assert QueuedTask.objects.get(pk=held).status == "SUCCESSFUL"
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_task_whose_worker_stopped_on_each_of_its_runs_fails_instead(database_backend):
    poison = running_task(*(f"dead-{n}" for n in range(MAX_RUNS)))
    put_back_orphans(lease=dt.timedelta(seconds=60), backend_name="default")
    task = QueuedTask.objects.get(pk=poison)
    assert task.status == "FAILED" and task.exception_class_path == "base.worker.WorkerStopped"


@pytest.mark.django_db
def test_a_task_cut_short_by_a_lost_database_stays_running_to_be_put_back(database_backend):
    task = QueuedTask.objects.get(pk=running_task("w"))
    lost = OperationalError("the server closed the connection")
    lost.__cause__ = psycopg.errors.AdminShutdown()
    with pytest.raises(OperationalError):
        task.set_failed(lost)
    assert QueuedTask.objects.get(pk=task.pk).status == "RUNNING"
    task.set_failed(ValueError("a fault of the task's own"))
    assert QueuedTask.objects.get(pk=task.pk).status == "FAILED"


@pytest.mark.parametrize(
    ("cause", "lost"),
    [
        (psycopg.OperationalError("connection refused"), True),  # no SQLSTATE: could not connect
        (psycopg.errors.AdminShutdown(), True),  # 57P01, the server is shutting down
        (psycopg.errors.CannotConnectNow(), True),  # 57P03, it is starting up
        (psycopg.errors.ConnectionFailure(), True),  # 08006
        (psycopg.errors.DeadlockDetected(), False),  # the work's own trouble: retried as a failure
        (psycopg.errors.QueryCanceled(), False),
    ],
)
def test_a_lost_database_is_told_from_a_query_that_went_wrong(cause, lost):
    error = OperationalError(str(cause))
    error.__cause__ = cause
    assert database_lost(error) is lost
