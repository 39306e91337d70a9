"""The current request's id, so every audit row and every log line can be tied to one request."""

import contextvars
import logging
import uuid

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")

OUTSIDE_A_REQUEST = "-"


def new_request_id() -> str:
    request_id = uuid.uuid4().hex
    _request_id.set(request_id)
    return request_id


def current_request_id() -> str:
    return _request_id.get()


class RequestIdLogFilter(logging.Filter):
    """Gives each log record the current request's id as ``request_id`` ("-" outside a request: the worker,
    commands), for a format with ``%(request_id)s``. Settings put it on the stdout handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        # Django logs a response of 400 or more ("Not Found: /x") once the middleware is done, and the id is
        # no longer current; that record carries the request, which RequestIdMiddleware gave the id.
        logged_request = getattr(record, "request", None)
        record.request_id = current_request_id() or getattr(logged_request, "request_id", None) or OUTSIDE_A_REQUEST
        return True
