"""The private Redis of a one-machine install: broker, task results and cache when ``REDIS_URL`` is unset.

Why a private ``redis-server`` (Debian's package) rather than kombu's filesystem transport: the filesystem
transport reads message files that another process is still writing (kombu issue 1551), which once killed
the worker and, with it, the whole ``make run``. Redis hands each message to one consumer atomically, keeps
unacknowledged messages aside until they are acknowledged or their visibility timeout passes, and is what
production runs (``REDIS_URL``), so the one-machine default and production share one transport. kombu's
SQLAlchemy transport on a SQLite file was the other candidate: it polls, takes the database's write lock
for every message the three processes exchange, and has no broadcast (``celery inspect ping``, which the
health check needs).

The server listens only on a Unix socket under ``IPCITY_VAR_DIR/redis/`` (no TCP port, mode 700) and keeps
an append-only file there, flushed every second: a crash of the server process loses nothing, a power cut
at most the last second.

``python -m ipcity.embedded_redis`` replaces itself with the server (the supervisor runs it this way);
``start(folder)`` runs one for the tests and benchmarks and waits until it answers.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

SOCKET_NAME = "redis.sock"
# sun_path holds 108 bytes with the terminating NUL.
MAX_SOCKET_PATH = 107

BROKER_DB, RESULTS_DB, CACHE_DB = 0, 1, 2


def socket_path(folder: Path) -> Path:
    return Path(folder) / SOCKET_NAME


def urls(socket: Path) -> dict[str, str]:
    """Broker, result backend and cache URLs of the server listening on ``socket``."""
    return {
        "broker": f"redis+socket://{socket}?virtual_host={BROKER_DB}",
        "results": f"redis+socket://{socket}?virtual_host={RESULTS_DB}",
        "cache": f"unix://{socket}?db={CACHE_DB}",
    }


def server_command(folder: Path) -> list[str]:
    """The ``redis-server`` command line of the private server kept in ``folder``."""
    folder = Path(folder).resolve()
    socket = socket_path(folder)
    if len(str(socket)) > MAX_SOCKET_PATH:
        raise ValueError(f"the Redis socket path {socket} is longer than {MAX_SOCKET_PATH} bytes: "
                         "set IPCITY_VAR_DIR (or IPCITY_REDIS_DIR) to a shorter folder")
    executable = shutil.which("redis-server") or "/usr/bin/redis-server"
    return [
        executable,
        "--port", "0",
        "--unixsocket", str(socket),
        "--unixsocketperm", "700",
        "--dir", str(folder),
        "--dbfilename", "dump.rdb",
        "--save", "",
        "--appendonly", "yes",
        "--appendfsync", "everysec",
        "--maxmemory-policy", "noeviction",
        "--daemonize", "no",
        "--logfile", "",
        "--loglevel", "warning",
    ]


def start(folder: Path, *, timeout: float = 10.0) -> subprocess.Popen:
    """Start a private server in ``folder`` and return once it answers PING."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(server_command(folder), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wait_until_ready(socket_path(folder), timeout=timeout, process=process)
    return process


def wait_until_ready(socket: Path, *, timeout: float = 10.0, process: subprocess.Popen | None = None) -> None:
    import redis

    deadline = time.monotonic() + timeout
    while True:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"redis-server exited with {process.returncode}: "
                               f"{process.stderr.read().decode(errors='replace') if process.stderr else ''}")
        try:
            if redis.Redis(unix_socket_path=str(socket), socket_timeout=1).ping():
                return
        except (redis.ConnectionError, FileNotFoundError):
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"redis-server did not answer on {socket} within {timeout} s")
        time.sleep(0.05)


def stop(process: subprocess.Popen, *, timeout: float = 10.0) -> None:
    """SIGTERM: the server flushes its append-only file and exits."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def main() -> None:
    """Replace this process with the server of the folder the settings name."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ipcity.settings")
    from django.conf import settings

    folder = Path(settings.EMBEDDED_REDIS_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    command = server_command(folder)
    sys.stdout.flush()
    os.execv(command[0], command)


if __name__ == "__main__":
    main()
