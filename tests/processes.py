"""Real processes for the tests that need them: Celery workers and beat, scripts, the supervised stack.

They share a SQLite file (or a copy of one migrated once per test process) and a broker of the kind the
settings select, kept apart from the one the in-process tests use (whose health checks must see no worker
and no beat): a private redis-server per test process on the embedded default, or a Redis database of its
own per test process (13, 14, …) on the Redis REDIS_URL names. Each test also gives its workers a queue of
its own, so that a worker of an earlier test never takes its tasks.
"""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_template: Path | None = None
_redis_dir: Path | None = None


def broker_env() -> dict[str, str]:
    """REDIS_URL or IPCITY_REDIS_DIR for the processes of this test process's tests (see the docstring)."""
    global _redis_dir
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
    if os.environ.get("REDIS_URL"):
        url = urllib.parse.urlsplit(os.environ["REDIS_URL"])
        return {"REDIS_URL": urllib.parse.urlunsplit(url._replace(path=f"/{13 - worker % 13}"))}
    if _redis_dir is None:
        from ipcity import embedded_redis

        _redis_dir = Path(tempfile.mkdtemp(prefix="ipcity-redis-p-"))
        server = embedded_redis.start(_redis_dir)
        atexit.register(shutil.rmtree, _redis_dir, True)
        atexit.register(embedded_redis.stop, server)
    return {"IPCITY_REDIS_DIR": str(_redis_dir)}


def process_env(folder: Path, **extra: str) -> dict[str, str]:
    """The environment of a process of the test: test settings, tasks not eager, a SQLite file in ``folder``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update({
        "DJANGO_SETTINGS_MODULE": "ipcity.settings_test",
        "IPCITY_VAR_DIR": str(folder / "var"),
        "MEDIA_ROOT": str(folder / "media"),
        "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
        "PYTHONUNBUFFERED": "1",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        **broker_env(),
    })
    env.update(extra)
    return env


def migrated_database(folder: Path) -> Path:
    """``folder``/db.sqlite3, a copy of a database migrated once per test process."""
    global _template
    if _template is None:
        template_folder = Path(tempfile.mkdtemp(prefix="ipcity-migrated-"))
        atexit.register(shutil.rmtree, template_folder, True)
        run_python(["manage.py", "migrate", "--noinput", "-v0"], process_env(template_folder), timeout=180)
        _template = template_folder / "db.sqlite3"
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_template, folder / "db.sqlite3")
    return folder / "db.sqlite3"


def run_python(args: list[str], env: dict[str, str], timeout: float = 90) -> str:
    """Run ``python ARGS`` in the repository; its stdout (the test fails with its stderr if it fails)."""
    done = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def start_celery(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    """``celery -A ipcity ARGS`` in a session of its own (so that killing its group kills its pool)."""
    return subprocess.Popen([sys.executable, "-m", "celery", "-A", "ipcity", *args], cwd=ROOT, env=env,
                            stdout=log.open("a"), stderr=subprocess.STDOUT, start_new_session=True)


def start_worker(env: dict[str, str], log: Path, *, queue: str, name: str, pool: str = "solo",
                 concurrency: int = 1) -> subprocess.Popen:
    args = ["worker", f"--pool={pool}", "--loglevel=INFO", "-Q", queue, "-n", f"{name}@%h"]
    if pool == "prefork":
        args.append(f"--concurrency={concurrency}")
    return start_celery(args, env, log)


def stop(process: subprocess.Popen, timeout: float = 20) -> None:
    """SIGTERM to the process's group, SIGKILL after ``timeout``."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill(process)


def kill(process: subprocess.Popen) -> None:
    """SIGKILL to the whole group: what a crash or the OOM killer does."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


def wait_for(predicate, *, timeout: float, every: float = 0.2, what: str = "condition"):
    """Poll ``predicate`` until it returns something true; that value (AssertionError after ``timeout``)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout} s")
        time.sleep(every)


def query(database: Path, sql: str, *params):
    """One row read straight from the SQLite file the processes share (WAL: readers never block them)."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10) as db:
        return db.execute(sql, params).fetchone()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def children_of(pid: int) -> list[int]:
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []
