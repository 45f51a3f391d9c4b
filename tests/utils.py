"""Helpers shared by tests."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from django.db import connection
from django.test.utils import CaptureQueriesContext

ROOT = Path(__file__).resolve().parents[1]
EXTERNAL_ASSET = re.compile(r"""(?:src|href|action|data|poster)\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)
CSS_EXTERNAL = re.compile(r"""url\(\s*["']?(?:https?:)?//""", re.IGNORECASE)


def queries_for(client, url: str) -> tuple[int, object]:
    """Number of queries one GET makes, and the response (asserted to be 200)."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(ctx.captured_queries), response


def external_references(html: str) -> list[str]:
    """Every attribute or CSS url() in ``html`` that points at another host."""
    found = []
    for pattern in (EXTERNAL_ASSET, CSS_EXTERNAL):
        for match in pattern.finditer(html):
            found.append(html[max(0, match.start() - 20): match.end() + 60])
    return found


def celery_process_env(tmp_path, **extra: str) -> dict[str, str]:
    """The environment of a real worker or beat started by a test: a SQLite file of its own, tasks not eager.
    REDIS_URL, when set, is inherited: broker, results and cache then go through Redis."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update({
        "DJANGO_SETTINGS_MODULE": "ipcity.settings_test",
        "IPCITY_VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'worker.sqlite3'}",
        "PYTHONUNBUFFERED": "1",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        **extra,
    })
    return env


def start_celery(args: list[str], env: dict[str, str], log) -> subprocess.Popen:
    """``celery -A ipcity ARGS`` in the background, its output in the file ``log``."""
    return subprocess.Popen([sys.executable, "-m", "celery", "-A", "ipcity", *args], cwd=ROOT, env=env,
                            stdout=log.open("w"), stderr=subprocess.STDOUT)


def stop_process(proc: subprocess.Popen, timeout: float = 20) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
