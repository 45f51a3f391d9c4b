"""`make run`'s processes under supervisord: a worker that dies is back within 30 s while the web server
keeps answering, and Ctrl-C still stops everything (issue #13).

The stack is started the way `make run` starts it (``python -m ipcity.supervise`` with the real settings and
DEBUG on), on a copy of a migrated SQLite file, a free port and, unless REDIS_URL is set, its own private
redis-server."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from ipcity.supervise import environment, supervisorctl
from tests.processes import ROOT, free_port, migrated_database, process_env, run_python, wait_for

# The stack's own worker (another test's workers may share REDIS_URL's broker).
WORKERS_ANSWERING = """
import socket
import django
django.setup()
from ipcity.celery import app
print(len(app.control.ping(destination=[f"worker@{socket.gethostname()}"], timeout=1.0)))
"""


@pytest.fixture
def stack():
    folder = Path(tempfile.mkdtemp(prefix="ipc-"))  # short: socket paths have a length limit
    migrated_database(folder)
    port = free_port()
    env = environment(process_env(folder, DJANGO_SETTINGS_MODULE="ipcity.settings", DEBUG="true",
                                  IPCITY_PORT=str(port)))
    env.pop("IPCITY_REDIS_DIR", None)  # its own private Redis, as `make run` has
    log = folder / "supervisord.out"
    process = subprocess.Popen([sys.executable, "-m", "ipcity.supervise"], cwd=ROOT, env=env,
                               stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield process, env, f"http://127.0.0.1:{port}", log
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=90)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        shutil.rmtree(folder, ignore_errors=True)


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def worker_pid(env) -> int:
    status = supervisorctl(env, "status", "worker")
    return int(supervisorctl(env, "pid", "worker").strip() or 0) if " RUNNING " in f" {status} " else 0


def workers_answering(env) -> int:
    return int(run_python(["-c", WORKERS_ANSWERING], env, timeout=60).strip())


def test_worker_killed_under_the_supervisor_is_back_within_30_s_and_the_web_keeps_answering(stack):
    process, env, url, log = stack
    wait_for(lambda: healthy(url), timeout=90, every=0.5, what="the web server")
    first = wait_for(lambda: worker_pid(env), timeout=90, every=0.5, what="the worker running")
    wait_for(lambda: workers_answering(env), timeout=60, every=0.5, what="the worker answering")
    stack_pids = {name: int(supervisorctl(env, "pid", name).strip()) for name in ("redis", "beat", "web")
                  if env["IPCITY_EMBEDDED_REDIS"] == "true" or name != "redis"}

    failures, done = [], threading.Event()

    def watch_web() -> None:
        while not done.is_set():
            if not healthy(url):
                failures.append(time.monotonic())
            time.sleep(0.2)

    watcher = threading.Thread(target=watch_web)
    watcher.start()
    killed = time.monotonic()
    os.kill(first, signal.SIGKILL)
    try:
        second = wait_for(lambda: (pid := worker_pid(env)) != first and pid, timeout=30, every=0.25,
                          what="the worker restarted")
        wait_for(lambda: workers_answering(env), timeout=30, every=0.25, what="the restarted worker answering")
        back_after = time.monotonic() - killed
    finally:
        done.set()
        watcher.join()

    text = log.read_text()
    assert back_after < 30 and second != first
    assert failures == []  # the web server answered throughout
    assert "WARN exited: worker (terminated by SIGKILL; not expected)" in text
    assert text.count("spawned: 'worker' with pid") == 2
    assert {name: int(supervisorctl(env, "pid", name).strip()) for name in stack_pids} == stack_pids  # the others untouched
    # The container's probe of its web server answers through the same /healthz.
    probe = subprocess.run([sys.executable, "-m", "ipcity.healthcheck"], cwd=ROOT, env={**env, "PORT": env["IPCITY_PORT"]},
                           capture_output=True, text=True, timeout=30)
    assert probe.returncode == 0, probe.stderr

    # Ctrl-C stops everything.
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=90) == 0
    for pid in [second, *stack_pids.values()]:
        assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text(), pid
