"""The embedded PostgreSQL's list of the processes using it (recovery_portal/database.py)."""

import json
import os
import subprocess
import sys

from recovery_portal import database


def listed(data_dir):
    return json.loads((data_dir / ".handle_pids.json").read_text())


def a_pid_that_no_longer_runs():
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    return ended.pid


def test_a_process_that_was_killed_no_longer_keeps_the_server_running(tmp_path):
    (tmp_path / ".handle_pids.json").write_text(json.dumps([a_pid_that_no_longer_runs(), os.getpid()]))
    assert database._users(tmp_path) == [os.getpid()]
    assert listed(tmp_path) == [os.getpid()]


def test_a_process_that_took_the_pid_of_a_killed_one_is_not_counted(tmp_path):
    (tmp_path / ".handle_pids.json").write_text(json.dumps([os.getpid()]))
    os.utime(tmp_path / ".handle_pids.json", (0, 0))  # written in 1970, long before this process began
    assert database._users(tmp_path) == []


def test_bin_dev_is_on_the_list_while_it_runs(tmp_path):
    bin_dev = os.getppid()
    assert database._users(tmp_path, add=bin_dev) == [bin_dev]
    assert database._users(tmp_path) == [bin_dev]
    assert database._users(tmp_path, remove=bin_dev) == []
    assert listed(tmp_path) == []


def test_no_list_no_users(tmp_path):
    assert database._users(tmp_path) == []
    assert not (tmp_path / ".handle_pids.json").exists()
