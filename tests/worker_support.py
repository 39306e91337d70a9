"""What tests/test_worker.py runs in processes of its own, against a PostgreSQL of its own (DATABASE_URL).

- ``FileEmailBackend``: each e-mail sent becomes a file in $TEST_EMAIL_DIR, so the test counts what went out from
  any process. With $TEST_EMAIL_STALL the sending process hangs, to be killed there: ``before-sending`` (nothing
  went out), or ``after-sending`` (the e-mail went out and its task's transaction committed).
- ``python -m tests.worker_support goodbye ADDRESS``: queue one e-mail task, as the portal does.
- ``python -m tests.worker_support sign-ups COUNT``: COUNT people sign up for a run, one after the other, through
  the portal's service; through a database outage each tries again until it gets an answer. Half-way it waits
  for the file $TEST_GO_ON.
"""

import os
import sys
import time
import uuid
from contextlib import suppress
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction

STALLED = "stalled"  # the file a stalled process leaves in $TEST_EMAIL_DIR


class FileEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        folder = Path(os.environ["TEST_EMAIL_DIR"])
        stall = os.environ.get("TEST_EMAIL_STALL")
        if stall == "before-sending":
            _stall(folder)
        for message in email_messages:
            name = uuid.uuid4().hex
            (folder / f"{name}.part").write_bytes(message.message().as_bytes())
            (folder / f"{name}.part").rename(folder / f"{name}.eml")  # whole, or not there
        if stall == "after-sending":
            transaction.on_commit(lambda: _stall(folder))
        return len(email_messages)


def _stall(folder: Path):
    (folder / STALLED).touch()
    while True:
        time.sleep(60)


def sent_emails(folder: Path) -> list[str]:
    """The address each e-mail in the folder went to, one entry per e-mail."""
    from email import message_from_bytes

    return sorted(message_from_bytes(path.read_bytes())["To"] for path in folder.glob("*.eml"))


def goodbye(address: str) -> None:
    from accounts.tasks import send_account_deleted

    print(send_account_deleted.enqueue(address, "en").id, flush=True)


def sign_ups(count: int) -> None:
    """Prints "ready" once the run and the people are there, then a line for each sign-up: "committed" when its
    answer came, "lost" for each try the database did not answer; and "half-way" before it waits."""
    from django.db import Error, connection

    from audit.acting import Acting
    from base.tasks import database_lost
    from enrolment.refusals import EnrolmentRefusal
    from enrolment.services import places
    from tests import factories
    from tests.people import person

    run = factories.run(offer=factories.offer(), capacity=count)
    people = [person(f"deltaker{n}@example.org") for n in range(count)]
    print("ready", flush=True)
    for number, someone in enumerate(people):
        if number == count // 2:
            print("half-way", flush=True)
            while not Path(os.environ["TEST_GO_ON"]).exists():
                time.sleep(0.05)
        while True:
            try:
                places.sign_up(run_id=run.pk, person=someone, acting=Acting.citizen(someone))
            except EnrolmentRefusal:  # "already signed up": the last try was committed, its answer lost
                pass
            except Error as error:
                if not database_lost(error):
                    raise
                print("lost", flush=True)
                with suppress(Error):
                    connection.close()
                time.sleep(0.1)
                continue
            print("committed", flush=True)
            break


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recovery_portal.settings")
    import django

    django.setup()
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # as in tests/conftest.py
    command, argument = sys.argv[1:3]
    {"goodbye": goodbye, "sign-ups": lambda count: sign_ups(int(count))}[command](argument)
