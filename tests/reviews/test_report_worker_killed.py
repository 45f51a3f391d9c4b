"""A report whose worker is killed halfway is still made, exactly once, and the page offers it (issue #13).

A real worker on the broker the settings select (the suite's private redis-server by default, the Redis of
REDIS_URL in CI's second run) and a SQLite file it shares with the scripts. Two ways to die:
- the pool process that renders is killed: the worker hands the message back at once
  (``task_reject_on_worker_lost``), the same message comes again, finds its own lease still fresh, and
  looks again when the lease has run out;
- the whole worker is killed (its group, SIGKILL): nothing hands the message back; the broker restores it
  when its visibility timeout has passed, and the restarted worker takes the row over.
"""

from __future__ import annotations

import json
import os
import signal
import time

from reviews.services import leases
from tests.processes import (
    children_of,
    kill,
    migrated_database,
    process_env,
    query,
    run_python,
    start_worker,
    stop,
    wait_for,
)
from tests.reviews.test_reports import SETUP

# The world of tests/reviews/test_reports.py's real-worker test, with a waiting row instead of a half-made one.
WAITING_ROW = SETUP + """
GeneratedFile.objects.filter(pk=generated.pk).update(status="pending", progress=0, file="")
default_storage.delete(half)
national = User.objects.create(username="cnipa", full_name="国家知识产权局")
Membership.objects.create(user=national, role=Role.NATIONAL_ADMIN)
print(json.dumps({"file_id": generated.pk}))
"""

SEND = """
import sys
import django
django.setup()
from ipcity.celery import app
app.send_task("reviews.generate_report", kwargs={"file_id": int(sys.argv[1])}, queue=sys.argv[2])
"""

PAGE = """
import json, sys
import django
django.setup()
from django.core.files.storage import default_storage
from django.test import Client
from django.test.utils import setup_test_environment
from django.urls import reverse
from cities.models import User
from reviews.models import GeneratedFile
from reviews.services.reports import folder_of
setup_test_environment()
client = Client()
client.force_login(User.objects.get(username="cnipa"))
file_id = int(sys.argv[1])
html = client.get(reverse("report_status", args=[file_id])).content.decode()
row = GeneratedFile.objects.get(pk=file_id)
print(json.dumps({"download": reverse("report_download", args=[file_id]) in html,
                  "files": default_storage.listdir(folder_of(row))[1], "status": row.status,
                  "attempts": row.attempts, "sha": row.sha256}))
"""


def status_of(database, file_id):
    return query(database, "SELECT status, attempts FROM reviews_generatedfile WHERE id = ?", file_id)


def prepare(tmp_path, queue):
    database = migrated_database(tmp_path)
    env = process_env(tmp_path)
    file_id = json.loads(run_python(["-c", WAITING_ROW], env).splitlines()[-1])["file_id"]
    run_python(["-c", SEND, str(file_id), queue], env)
    return env, database, file_id


def kill_when_running(database, file_id, process, *, whole: bool) -> None:
    """Kill the worker's pool process (or the whole worker) while it renders the report."""
    wait_for(lambda: status_of(database, file_id)[0] == "running", timeout=60, every=0.02,
             what="the worker took the report")
    if whole:
        kill(process)  # the worker and its pool, at once
    else:
        (pool,) = children_of(process.pid)
        os.kill(pool, signal.SIGKILL)
    assert status_of(database, file_id) == ("running", 1)  # killed halfway: not made yet


def made_once(env, database, file_id, logs, *, since: float | None = None) -> float:
    """Wait for the report; check it was rendered to the end once, that one file is stored and that the page
    offers it. Returns the seconds it took (from ``since``, else from now)."""
    since = since or time.monotonic()
    wait_for(lambda: status_of(database, file_id)[0] == "ready", timeout=150, every=0.5,
             what="the report after the worker died")
    took = time.monotonic() - since
    page = json.loads(run_python(["-c", PAGE, str(file_id)], env).splitlines()[-1])
    text = "".join(log.read_text() for log in logs)
    assert (page["download"], page["status"], page["attempts"], len(page["files"])) == (True, "ready", 2, 1), \
        text[-3000:]
    assert text.count("generated review_pdf:") == 1  # rendered to the end once
    return took


def test_report_is_made_once_when_its_pool_process_is_killed(tmp_path):
    queue = f"killed-pool-{os.getpid()}"
    env, database, file_id = prepare(tmp_path, queue)
    log = tmp_path / "worker.log"
    worker = start_worker(env, log, queue=queue, name=f"pool{os.getpid()}", pool="prefork", concurrency=1)
    try:
        kill_when_running(database, file_id, worker, whole=False)
        took = made_once(env, database, file_id, [log])
    finally:
        stop(worker)
    assert "WorkerLostError" in log.read_text()
    assert took < leases.LEASE.total_seconds() + 30


def test_report_is_made_once_after_the_whole_worker_is_killed_and_restarted(tmp_path):
    queue = f"killed-worker-{os.getpid()}"
    env, database, file_id = prepare(tmp_path, queue)
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    first = start_worker(env, first_log, queue=queue, name=f"first{os.getpid()}", pool="prefork")
    try:
        kill_when_running(database, file_id, first, whole=True)
    finally:
        kill(first)
    restarted = time.monotonic()
    second = start_worker(env, second_log, queue=queue, name=f"second{os.getpid()}", pool="prefork")
    try:
        took = made_once(env, database, file_id, [first_log, second_log], since=restarted)
    finally:
        stop(second)
    assert took < 120, f"made {took:.0f} s after the restart"
