"""E-mail: drawn in the recipient's language, and sent by a task the worker runs after the change that called for
it is committed, tried again later when sending fails. The one way every app sends e-mail."""

import datetime as dt
import logging
from functools import wraps

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django_tasks import task

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5


def send(*, template: str, to: str | list[str], language: str, context: dict, attachments=()) -> None:
    """Draw ``{template}_subject.txt`` and ``{template}_message.txt`` in ``language`` and send them."""
    with translation.override(language):
        context = {**context, "portal_name": settings.PORTAL_NAME}
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        body = render_to_string(f"{template}_message.txt", context)
    message = EmailMessage(subject, body, to=[to] if isinstance(to, str) else list(to))
    for attachment in attachments:
        message.attach(attachment)
    message.send()


def later(task_, when):
    """The task, deferred until ``when`` where the backend can wait (the database backend can); else None."""
    return task_.using(run_after=when) if task_.get_backend().supports_defer else None


def email_task(function):
    """A task on the "email" queue that is tried again when it fails: after 2, 4, 8 and 16 minutes, five tries in
    all; after the last, its failure stays in the task table with its traceback, for staff to see. Its arguments
    are ids and plain values (they are stored as JSON), and it is safe to run twice: it reads again what it is
    about and says nothing that no longer holds."""

    @wraps(function)
    def run(*args, attempt: int = 1):
        try:
            function(*args)
        except Exception as error:
            logger.warning(
                "Task %s failed (attempt %s of %s): %s", email.name, attempt, MAX_ATTEMPTS, type(error).__name__
            )
            deferred = later(email, timezone.now() + dt.timedelta(minutes=2**attempt))
            if attempt >= MAX_ATTEMPTS or deferred is None:
                raise
            deferred.enqueue(*args, attempt=attempt + 1)

    email = task(queue_name="email")(run)
    return email
