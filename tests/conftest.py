"""Shared fixtures. Builders for catalogue rows live in tests/factories.py."""

import pytest
from django.core.cache import caches


@pytest.fixture(autouse=True)
def _tasks_run_at_once(settings):
    """Background tasks run in-process in tests, right when they are enqueued (after commit)."""
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default", "email"]}
    }


@pytest.fixture(autouse=True)
def _fresh_process_cache():
    """What one process keeps in memory (filter choices, offer cards) must not carry over from another test."""
    caches["local"].clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Hashing with a million PBKDF2 rounds belongs in production, not in every test that makes a person."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
