"""Shared fixtures. Builders for catalogue rows live in tests/factories.py."""

import contextlib
import threading

import pytest
from django.core.cache import caches


@pytest.fixture(autouse=True)
def _tasks_run_at_once(settings):
    """Background tasks run in-process in tests, once the transaction that queued them commits (base/tasks.py)."""
    settings.TASKS = {"default": {"BACKEND": "base.tasks.ImmediateAfterCommitBackend", "QUEUES": ["default", "email"]}}


@pytest.fixture(autouse=True)
def text_messages(settings):
    """Text messages are kept in a list (base.sms.LocmemBackend), empty at the start of each test."""
    from base.sms import LocmemBackend

    settings.SMS_BACKEND = "base.sms.LocmemBackend"
    LocmemBackend.outbox = []
    return LocmemBackend.outbox


@pytest.fixture(autouse=True)
def _fresh_process_cache():
    """What one process keeps in memory (filter choices, offer cards) must not carry over from another test."""
    caches["local"].clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Hashing with a million PBKDF2 rounds belongs in production, not in every test that makes a person."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def coordinator(client, run):
    """A coordinator of the provider of the module's `run`, signed in with two-step sign-in."""
    from accounts.models import Role
    from tests.people import member, person

    user = person("koordinator@example.org", mfa=True)
    member(user, Role.COORDINATOR, run.offer.provider)
    client.force_login(user)
    return user


@pytest.fixture
def superuser(client):
    """Operations staff with the Django admin, signed in with two-step sign-in."""
    from tests.people import person

    user = person("drift@example.org", mfa=True, is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


@pytest.fixture
def pause_after_the_first_run_lock(monkeypatch):
    """For a race between two transactions in threads: each, once it holds its first run lock, waits (up to a
    second) for the other to hold one too. Two transactions that take their locks in opposite orders then
    deadlock every time instead of now and then; when the order is right, the second waits on the lock
    itself and the first goes on after the second. `holds_a_run` is set when the first of them holds a run,
    for a race whose second party should start only then. The test's own setup, in the main thread, runs as
    usual."""
    from enrolment.services import locks

    real_lock_runs = locks.lock_runs
    barrier = threading.Barrier(2)
    paused = threading.local()

    def lock_runs(*run_ids, **kwargs):
        runs = real_lock_runs(*run_ids, **kwargs)
        if threading.current_thread() is not threading.main_thread() and not getattr(paused, "done", False):
            paused.done = True
            lock_runs.holds_a_run.set()
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait(timeout=1)
        return runs

    lock_runs.holds_a_run = threading.Event()
    monkeypatch.setattr(locks, "lock_runs", lock_runs)
    return lock_runs
