"""``python -m ipcity.supervise``: `make run`'s web server, Celery worker and beat (and the private Redis,
unless ``REDIS_URL`` names a server) under supervisord, which restarts whichever dies.

A well-kept process manager rather than shell job control: with ``wait -n`` the first process to die
took the others with it. The configuration is ``ipcity/supervisord.conf``; this module only fills in the
values it reads from the environment and replaces itself with ``supervisord -n``.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

CONF = Path(__file__).resolve().with_name("supervisord.conf")


def environment(base: dict[str, str] | None = None) -> dict[str, str]:
    """``base`` (the process environment) with the values the configuration reads."""
    env = dict(os.environ if base is None else base)
    root = Path(__file__).resolve().parent.parent
    env.setdefault("IPCITY_VAR_DIR", str(root / "var"))
    env["IPCITY_VAR_DIR"] = str(Path(env["IPCITY_VAR_DIR"]).resolve())
    env.setdefault("IPCITY_PYTHON", sys.executable)
    env.setdefault("IPCITY_HOST", "127.0.0.1")
    env.setdefault("IPCITY_PORT", "8000")
    env.setdefault("IPCITY_WORKER_CONCURRENCY", "2")
    env["IPCITY_EMBEDDED_REDIS"] = "false" if env.get("REDIS_URL") else "true"
    return env


def supervisord_command() -> list[str]:
    executable = Path(sys.executable).with_name("supervisord")
    return [str(executable if executable.exists() else shutil.which("supervisord")), "-n", "-c", str(CONF)]


def supervisorctl_command(*args: str) -> list[str]:
    executable = Path(sys.executable).with_name("supervisorctl")
    return [str(executable if executable.exists() else shutil.which("supervisorctl")), "-c", str(CONF), *args]


def supervisorctl(env: dict[str, str], *args: str) -> str:
    """What ``supervisorctl ARGS`` prints (stripped), for the stack whose environment is ``env``."""
    import subprocess

    return subprocess.run(supervisorctl_command(*args), env=env, capture_output=True, text=True,
                          timeout=30).stdout.strip()


def main() -> None:
    env = environment()
    Path(env["IPCITY_VAR_DIR"]).mkdir(parents=True, exist_ok=True)
    command = supervisord_command()
    sys.stdout.flush()
    os.execve(command[0], command, env)


if __name__ == "__main__":
    main()
