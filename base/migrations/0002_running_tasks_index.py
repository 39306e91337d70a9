from django.db import migrations


class Migration(migrations.Migration):
    """Every worker looks for abandoned RUNNING tasks at each heartbeat (base/worker.py), and the task table keeps
    every task ever run: a partial index holds only the few that are running. On django-tasks-db's table, which
    has one for READY tasks only."""

    dependencies = [
        ("base", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX base_running_tasks_idx ON django_tasks_database_dbtaskresult (backend_name) "
            "WHERE status = 'RUNNING'",
            "DROP INDEX base_running_tasks_idx",
        ),
    ]
