"""A real Celery worker and beat on the broker the settings select: the private redis-server of a
one-machine install by default, the Redis of REDIS_URL when it is set. No eager mode here."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter

from tests.processes import (
    ROOT,
    migrated_database,
    process_env,
    run_python,
    start_celery,
    start_worker,
    stop,
    wait_for,
)

PING = """
import sys
import django
django.setup()
from ipcity.celery import app
print(app.send_task("ipcity.ping", queue=sys.argv[1]).get(timeout=60))
"""

EVERY_SECOND = """
import sys
import django
django.setup()
from django_celery_beat.models import IntervalSchedule, PeriodicTask
every = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.SECONDS)
PeriodicTask.objects.create(name="ping", task="ipcity.ping", interval=every, queue=sys.argv[1])
"""

# A producer: sends N pings, as fast as it can, and prints the id of each.
PRODUCE = """
import json, sys
import django
django.setup()
from ipcity.celery import app
count, queue = int(sys.argv[1]), sys.argv[2]
print(json.dumps([app.send_task("ipcity.ping", queue=queue, ignore_result=True).id for _ in range(count)]))
"""

SUCCEEDED = re.compile(r"Task ipcity\.ping\[([0-9a-f-]{36})\] succeeded")


def test_worker_runs_a_task_sent_from_another_process(tmp_path):
    env = process_env(tmp_path)
    queue = f"ping-{os.getpid()}"
    worker = start_worker(env, tmp_path / "w.log", queue=queue, name=f"t{os.getpid()}")
    try:
        answer = run_python(["-c", PING, queue], env, timeout=90)
    finally:
        stop(worker)
    assert answer.strip() == "pong", (tmp_path / "w.log").read_text()[-2000:]


def test_beat_schedules_tasks_that_the_worker_executes(tmp_path):
    migrated_database(tmp_path)
    env = process_env(tmp_path)
    queue = f"beat-{os.getpid()}"
    run_python(["-c", EVERY_SECOND, queue], env)
    worker_log, beat_log = tmp_path / "w.log", tmp_path / "b.log"
    worker = start_worker(env, worker_log, queue=queue, name=f"b{os.getpid()}")
    beat = start_celery(["beat", "--loglevel=INFO", "--max-interval=1"], env, beat_log)
    try:
        wait_for(lambda: worker_log.read_text().count("succeeded") >= 2, timeout=60, every=0.5,
                 what="two pings from beat")
    finally:
        stop(beat)
        stop(worker)
    assert worker_log.read_text().count("Task ipcity.ping") >= 2, (beat_log.read_text()[-3000:])
    assert "Scheduler: Sending due task ping (ipcity.ping)" in beat_log.read_text()


def test_broker_delivers_every_message_once_under_load(tmp_path):
    """Beat and two producers send 2,000 messages while a worker with two pool processes consumes them:
    every message is consumed exactly once and none is corrupt (the filesystem transport this replaced
    read half-written files: kombu issue 1551)."""
    migrated_database(tmp_path)
    env = process_env(tmp_path)
    queue = f"stress-{os.getpid()}"
    run_python(["-c", EVERY_SECOND, queue], env)
    worker_log, beat_log = tmp_path / "w.log", tmp_path / "b.log"
    worker = start_worker(env, worker_log, queue=queue, name=f"s{os.getpid()}", pool="prefork", concurrency=2)
    beat = start_celery(["beat", "--loglevel=INFO", "--max-interval=1"], env, beat_log)
    try:
        producers = [subprocess.Popen([sys.executable, "-c", PRODUCE, "1000", queue], cwd=ROOT, env=env,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
        sent = []
        for producer in producers:
            out, err = producer.communicate(timeout=180)
            assert producer.returncode == 0, err[-3000:]
            sent += json.loads(out.splitlines()[-1])
        wait_for(lambda: set(sent) <= set(SUCCEEDED.findall(worker_log.read_text())), timeout=300, every=1,
                 what="every message consumed")
    finally:
        stop(beat)
        stop(worker, timeout=30)
    log = worker_log.read_text()
    consumed = Counter(SUCCEEDED.findall(log))
    from_beat = beat_log.read_text().count("Sending due task ping (ipcity.ping)")
    assert len(sent) == len(set(sent)) == 2000
    assert [task for task, times in consumed.items() if times > 1] == []  # none twice
    assert set(sent) <= set(consumed)  # none lost
    assert from_beat >= 1 and len(consumed) - len(sent) <= from_beat  # beat's, each once
    for sign in ("Traceback", "ERROR", "Received and deleted unknown message", "ContentDisallowed",
                 "DecodeError", "JSONDecodeError", "Unrecoverable error"):
        assert sign not in log, log[log.index(sign) - 2000:][:4000]
