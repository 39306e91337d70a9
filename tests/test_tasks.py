import pytest
from django.core import mail
from django.core.management import call_command

from accounts.tasks import send_account_deleted


@pytest.mark.django_db(transaction=True)
def test_the_database_worker_runs_queued_email_tasks(settings):
    """The real backend: the task is stored in PostgreSQL and `manage.py db_worker` runs it."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "email"]}}
    result = send_account_deleted.enqueue("ida@example.org", "en")
    assert mail.outbox == []
    call_command("db_worker", "--batch", "--queue-name", "*", "--no-reload")
    result.refresh()
    assert result.status == "SUCCESSFUL"
    assert mail.outbox[0].to == ["ida@example.org"]
