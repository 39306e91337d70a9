"""Text messages, sent through a backend chosen in settings.SMS_BACKEND, as e-mail is through EMAIL_BACKEND.

* ``ConsoleBackend`` (development): prints each message, as Django's console e-mail backend does.
* ``LocmemBackend`` (tests): keeps each message in ``outbox``.
* ``FortySixElksBackend`` (production): 46elks' HTTP API (https://46elks.com/docs/send-sms). Chosen for a
  Nordic municipality: a Swedish company processing in the EU, sending to Norwegian and Danish numbers with an
  alphanumeric sender name, priced per message without a contract, and one plain HTTPS POST with basic
  authentication to send (no SDK to keep up to date). Another provider is another small class here.

Messages are sent by a task after the change that called for them is committed, tried again when sending fails
(base.mail.email_task).
"""

import base64
import json
import sys
import urllib.parse
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class TextMessage:
    to: str  # E.164, e.g. +4791234567
    text: str


def send(*, to: str, text: str) -> None:
    import_string(settings.SMS_BACKEND)().send(TextMessage(to=to, text=text))


def send_template(*, template: str, to: str, language: str, context: dict) -> None:
    """A message drawn from ``<template>.txt`` in the reader's language, on one line (as base.mail.send does for
    e-mail)."""
    with translation.override(language or settings.LANGUAGE_CODE):
        text = render_to_string(f"{template}.txt", {**context, "portal_name": settings.PORTAL_NAME})
    send(to=to, text=" ".join(text.split()))


class ConsoleBackend:
    def send(self, message: TextMessage) -> None:
        sys.stdout.write(f"SMS to {message.to} from {settings.SMS_SENDER}:\n{message.text}\n{'-' * 79}\n")
        sys.stdout.flush()


class LocmemBackend:
    outbox: list[TextMessage] = []

    def send(self, message: TextMessage) -> None:
        type(self).outbox.append(message)


class SendingFailed(Exception):
    """The provider did not take the message (the task tries again later)."""


class FortySixElksBackend:
    def send(self, message: TextMessage) -> None:
        body = urllib.parse.urlencode({"from": settings.SMS_SENDER, "to": message.to, "message": message.text})
        credentials = f"{settings.SMS_46ELKS_USERNAME}:{settings.SMS_46ELKS_PASSWORD}".encode()
        request = urllib.request.Request(  # noqa: S310 (an https address from settings)
            settings.SMS_46ELKS_URL,
            data=body.encode(),
            headers={"Authorization": "Basic " + base64.b64encode(credentials).decode()},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310
            answer = json.loads(response.read() or b"{}")
        if answer.get("status") not in ("created", "sent", "delivered"):
            raise SendingFailed(f"46elks answered with status {answer.get('status')!r}")
