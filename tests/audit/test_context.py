"""Every log line carries the id of the request it was written in, the one the response's X-Request-ID has."""

import io
import logging

import pytest
from django.db import OperationalError
from django.urls import reverse

from recovery_portal import views


@pytest.fixture
def log_output():
    """What the settings' stdout handler writes, formatted and filtered as in production."""
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "stdout")
    written = io.StringIO()
    before = handler.setStream(written)
    yield written
    handler.setStream(before)


class _DatabaseDown:
    def cursor(self):
        raise OperationalError("connection refused")


@pytest.mark.django_db
def test_a_line_logged_by_a_view_carries_the_request_id_of_the_response(client, log_output, monkeypatch):
    monkeypatch.setattr(views, "connection", _DatabaseDown())
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    request_id = response["X-Request-ID"]
    line = next(line for line in log_output.getvalue().splitlines() if "Health check" in line)
    assert f"ERROR recovery_portal.views [{request_id}] Health check: the database did not answer" in line


def test_a_refusal_by_the_first_middlewares_carries_the_request_id_too(client, log_output):
    response = client.get("/", HTTP_HOST="kurs.example.com")
    assert response.status_code == 400
    line = next(line for line in log_output.getvalue().splitlines() if "HTTP_HOST" in line)
    assert f"ERROR django.security.DisallowedHost [{response['X-Request-ID']}] Invalid HTTP_HOST header" in line


@pytest.mark.django_db
def test_the_not_found_line_django_writes_after_the_middleware_carries_the_request_id(client, log_output):
    response = client.get("/finnes-ikke/")
    assert response.status_code == 404
    assert f"WARNING django.request [{response['X-Request-ID']}] Not Found: /finnes-ikke/" in log_output.getvalue()


def test_a_line_outside_a_request_carries_a_dash(log_output):
    logging.getLogger("enrolment.tasks").info("Skipped the reminder e-mail of enrolment 7: it no longer holds")
    assert "INFO enrolment.tasks [-] Skipped the reminder e-mail of enrolment 7" in log_output.getvalue()


@pytest.mark.django_db
def test_the_request_id_is_gone_once_the_response_is_sent(client, log_output):
    client.get(reverse("healthz"))
    logging.getLogger("recovery_portal").warning("after the request")
    assert "[-] after the request" in log_output.getvalue()
