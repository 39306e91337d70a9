"""E-mail: drawn in the recipient's language, and sent by a task the worker runs after the change that called for
it is committed, tried again later when sending fails, and never sent twice by a task that is run again. The one
way every app sends e-mail."""

import datetime as dt
import logging
from functools import wraps

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django_tasks import task

from base.models import EmailToSend, SentEmail
from base.tasks import interrupted

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
# How long a task's "sent" mark is kept: far longer than a chain of tries lasts (2 + 4 + 8 + 16 minutes) or a
# stopped worker's task waits to be run again (a lease, a minute).
KEEP_SENT_MARKS = dt.timedelta(days=7)
# An e-mail drawn in a request is deleted when it is sent, or when its last try failed; one left over (its task
# was never queued: the request failed in between) goes after this time, with whatever code or link it carried.
KEEP_EMAILS_TO_SEND = dt.timedelta(days=1)


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


def email_task(function=None, *, given_up=None):
    """A task on the "email" queue that is tried again when it fails: after 2, 4, 8 and 16 minutes, five tries in
    all; after the last, its failure stays in the task table with its traceback, for staff to see. Its arguments
    are ids and plain values (they are stored as JSON), and it reads again what it is about and says nothing that
    no longer holds.

    It sends once, however often it is run: a task is run again when its worker stopped while running it (killed,
    or its machine gone; base.worker), and a retry is a task of its own. The first task's id marks the chain: the
    mark (SentEmail) is inserted before the e-mail is drawn, in the transaction that sends it, and committed right
    after it went. A second run finds the mark and stops; one running at the same time waits on the uncommitted
    mark until the first commits, then stops. What is left: if the worker dies, or loses the database, while it
    hands the e-mail to the mail server, or in the moment between the server's "accepted" and the mark's commit,
    the mark is rolled back and the next run sends the e-mail again. Twice in that rare case (at most the one
    e-mail each worker is sending at that moment), never lost. The function runs inside that transaction: it
    reads, draws and sends, and calls no service (those own their transactions).

    ``given_up(*args)`` is called once the last try has failed."""
    if function is None:
        return lambda function: email_task(function, given_up=given_up)

    @wraps(function)
    def run(context, *args, attempt: int = 1, chain: str = ""):
        chain = chain or str(context.task_result.id)
        try:
            with transaction.atomic():
                if not _mark_sent(chain):
                    logger.info("Task %s of chain %s had sent its e-mail already", email.name, chain)
                    return
                function(*args)
        except Exception as error:
            if interrupted(error):  # not the e-mail's fault: the worker runs this task again (base.worker)
                raise
            logger.warning(
                "Task %s failed (attempt %s of %s): %s", email.name, attempt, MAX_ATTEMPTS, type(error).__name__
            )
            deferred = later(email, timezone.now() + dt.timedelta(minutes=2**attempt))
            if attempt >= MAX_ATTEMPTS or deferred is None:
                if given_up is not None:
                    given_up(*args)
                raise
            deferred.enqueue(*args, attempt=attempt + 1, chain=chain)

    del run.__wrapped__  # the task API reads the signature, which must start with `context`, from the wrapper
    email = task(queue_name="email", takes_context=True)(run)
    return email


def _mark_sent(chain: str) -> bool:
    """Mark the chain's e-mail as sent, in the transaction that sends it; False if it was already."""
    try:
        with transaction.atomic():
            SentEmail.objects.create(task_id=chain)
    except IntegrityError:
        return False
    return True


def send_drawn_later(message: EmailMessage) -> None:
    """Send an e-mail drawn here and now (allauth draws its own, in the request) by a task. The task's arguments
    stay in the task table for good, so they are only the id of the stored e-mail, which is deleted when it is
    sent. Call it in the transaction of the change it tells of, if there is one."""
    stored = EmailToSend.objects.create(message=_as_json(message))
    send_drawn.enqueue(stored.pk)


def _forget(email_id: int) -> None:
    EmailToSend.objects.filter(pk=email_id).delete()


@email_task(given_up=_forget)
def send_drawn(email_id: int) -> None:
    stored = EmailToSend.objects.select_for_update().filter(pk=email_id).first()
    if stored is None:  # deleted by the sweep: too late to be of use
        return
    _from_json(stored.message).send()
    stored.delete()


def _as_json(message: EmailMessage) -> dict:
    if message.attachments:
        raise ValueError("An e-mail drawn for later carries no attachments.")
    return {
        "subject": message.subject,
        "body": message.body,
        "content_subtype": message.content_subtype,
        "alternatives": [[content, mimetype] for content, mimetype in getattr(message, "alternatives", [])],
        "from_email": message.from_email,
        "to": list(message.to),
        "cc": list(message.cc),
        "bcc": list(message.bcc),
        "reply_to": list(message.reply_to),
        "headers": dict(message.extra_headers),
    }


def _from_json(data: dict) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        data["subject"],
        data["body"],
        data["from_email"],
        data["to"],
        cc=data["cc"],
        bcc=data["bcc"],
        reply_to=data["reply_to"],
        headers=data["headers"],
        alternatives=[tuple(alternative) for alternative in data["alternatives"]],
    )
    message.content_subtype = data["content_subtype"]
    return message


def forget_old(*, now) -> None:
    """The sweep's part: drop "sent" marks no run will ask about again, and e-mails that were never sent in time
    (with the codes and links they carried)."""
    SentEmail.objects.filter(sent_at__lt=now - KEEP_SENT_MARKS).delete()
    EmailToSend.objects.filter(created_at__lt=now - KEEP_EMAILS_TO_SEND).delete()
