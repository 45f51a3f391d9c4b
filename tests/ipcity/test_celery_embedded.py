"""A real Celery worker and beat, in the mode the settings select (filesystem broker by
default, Redis when REDIS_URL is set). No eager mode here."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update({
        "DJANGO_SETTINGS_MODULE": "ipcity.settings_test",
        "IPCITY_VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": env.get("CELERY_TEST_DATABASE_URL", f"sqlite:///{tmp_path / 'worker.sqlite3'}"),
        "PYTHONUNBUFFERED": "1",
        "CELERY_TASK_ALWAYS_EAGER": "false",
    })
    return env


def _start(args: list[str], env, log: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "celery", "-A", "ipcity", *args], cwd=ROOT, env=env,
                            stdout=log.open("w"), stderr=subprocess.STDOUT)


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def test_worker_runs_a_task_sent_from_another_process(tmp_path):
    env = _env(tmp_path)
    worker = _start(["worker", "--pool=solo", "--loglevel=INFO", "-n", f"t{os.getpid()}@%h"], env, tmp_path / "w.log")
    try:
        client = subprocess.run(
            [sys.executable, "-c",
             "import django; django.setup(); from ipcity.celery import app;"
             "print(app.send_task('ipcity.ping').get(timeout=60))"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=90,
        )
    finally:
        _stop(worker)
    assert client.stdout.strip() == "pong", (client.stderr[-2000:], (tmp_path / "w.log").read_text()[-2000:])


def test_beat_schedules_tasks_that_the_worker_executes(tmp_path):
    env = _env(tmp_path)
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True,
                   timeout=120)
    subprocess.run(
        [sys.executable, "-c",
         "import django; django.setup();"
         "from django_celery_beat.models import IntervalSchedule, PeriodicTask;"
         "every = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.SECONDS);"
         "PeriodicTask.objects.create(name='ping', task='ipcity.ping', interval=every)"],
        cwd=ROOT, env=env, check=True, timeout=60,
    )
    worker = _start(["worker", "--pool=solo", "--loglevel=INFO", "-n", f"b{os.getpid()}@%h"], env, tmp_path / "w.log")
    beat = _start(["beat", "--loglevel=INFO", "--max-interval=1", f"--schedule={tmp_path / 'beat.db'}"], env,
                  tmp_path / "b.log")
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if (tmp_path / "w.log").read_text().count("succeeded") >= 2:
                break
            time.sleep(0.5)
    finally:
        _stop(beat)
        _stop(worker)
    worker_log = (tmp_path / "w.log").read_text()
    assert worker_log.count("Task ipcity.ping") >= 2, ((tmp_path / "b.log").read_text()[-3000:], worker_log[-3000:])
    assert "Scheduler: Sending due task ping (ipcity.ping)" in (tmp_path / "b.log").read_text()
