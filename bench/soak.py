"""Soak: the default stack (`make run`'s supervisor, private Redis, SQLite) under a steady mix of report
requests and reminder sweeps for a bounded time, with the worker killed twice in the middle.

Prints what was requested and completed, what was made twice or never, the web server's errors, and the
longest time a report page showed a progress bar with nothing moving behind it. Not a test: it never fails
a build; read its numbers.

Usage: .venv/bin/python bench/soak.py [--seconds 600] [--users 2] [--kills 2]
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ipcity.supervise import environment, supervisorctl  # noqa: E402

PASSWORD = "Demo-ipcity-2026"
GENERATED = re.compile(r"generated \S+ \(file (\d+)\) as ")
SWEEP_DONE = re.compile(r"Task plans\.sweep_deadlines\[([0-9a-f-]{36})\] succeeded")
SEND_SWEEP = """
import django
django.setup()
from ipcity.celery import app
print(app.send_task("plans.sweep_deadlines").id)
"""


@dataclass
class Tally:
    requested: list = field(default_factory=list)  # GeneratedFile ids
    completed: set = field(default_factory=set)
    web_errors: list = field(default_factory=list)
    longest_stuck_bar: float = 0.0
    sweeps: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class Browser:
    """A signed-in user of the real web server, through its pages (cookies, CSRF token)."""

    def __init__(self, base: str, username: str, tally: Tally):
        self.base, self.tally = base, tally
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        page = self.get("/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        self.post("/accounts/login/", {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token})

    def csrf(self) -> str:
        return next(cookie.value for cookie in self.jar if cookie.name == "csrftoken")

    def _open(self, request) -> tuple[str, str]:
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.read().decode(), response.geturl()
        except urllib.error.HTTPError as error:
            if error.code >= 500:
                with self.tally.lock:
                    self.tally.web_errors.append(f"{error.code} {request.full_url}")
            return "", request.full_url
        except OSError as error:
            with self.tally.lock:
                self.tally.web_errors.append(f"{type(error).__name__} {request.full_url}")
            return "", request.full_url

    def get(self, path: str) -> str:
        return self._open(urllib.request.Request(self.base + path))[0]

    def post(self, path: str, data: dict) -> tuple[str, str]:
        body = urllib.parse.urlencode(data).encode()
        request = urllib.request.Request(self.base + path, data=body, headers={"X-CSRFToken": self.csrf(),
                                                                                "Referer": self.base + path})
        return self._open(request)


def demo_targets(database: Path) -> list[tuple[str, int]]:
    with sqlite3.connect(database) as db:
        cycles = [row[0] for row in db.execute(
            "SELECT cycle_id FROM reviews_rubric WHERE cycle_id IS NOT NULL ORDER BY cycle_id")]
        applications = [row[0] for row in db.execute("SELECT id FROM evaluations_application ORDER BY id")]
    return ([("cycle_xlsx", pk) for pk in cycles] + [("cycle_pdf", pk) for pk in cycles]
            + [("dossier_zip", pk) for pk in applications])


def forget(database: Path, file_id: int) -> None:
    """Drop a finished row so that the next request of the same report makes it again."""
    with sqlite3.connect(database, timeout=30) as db:
        db.execute("DELETE FROM reviews_generatedfile WHERE id = ?", (file_id,))


def user_loop(browser: Browser, database: Path, targets, tally: Tally, until: float) -> None:
    while time.monotonic() < until:
        kind, pk = random.choice(targets)
        _html, url = browser.post(f"/reports/request/{kind}/{pk}/", {"next": ""})
        match = re.search(r"/reports/(\d+)/", url)
        if not match:
            continue
        file_id = int(match.group(1))
        with tally.lock:
            tally.requested.append(file_id)
        bar_since, last = None, None
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            html = browser.get(f"/reports/{file_id}/progress/")
            now = time.monotonic()
            if 'id="report-download"' in html:
                with tally.lock:
                    tally.completed.add(file_id)
                break
            shows_bar = 'class="progress-bar' in html
            state = re.search(r'aria-valuenow="(\d+)"', html)
            state = state.group(1) if state else None
            if shows_bar and (bar_since is None or state != last):
                bar_since, last = now, state
            elif not shows_bar:
                bar_since = None
            if bar_since is not None:
                with tally.lock:
                    tally.longest_stuck_bar = max(tally.longest_stuck_bar, now - bar_since)
            time.sleep(0.5)
        forget(database, file_id)


def sweep_loop(env, tally: Tally, until: float, every: float) -> None:
    while time.monotonic() < until:
        sent = subprocess.run([sys.executable, "-c", SEND_SWEEP], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=60)
        if sent.returncode == 0:
            tally.sweeps.append(sent.stdout.strip().splitlines()[-1])
        time.sleep(every)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=600)
    parser.add_argument("--users", type=int, default=2)
    parser.add_argument("--kills", type=int, default=2)
    parser.add_argument("--sweep-every", type=float, default=10.0)
    options = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="ipc-soak-"))
    port = 18000 + os.getpid() % 1000
    env = environment({**os.environ, "DEBUG": "true", "DJANGO_SETTINGS_MODULE": "ipcity.settings",
                       "IPCITY_VAR_DIR": str(folder), "IPCITY_PORT": str(port), "PYTHONUNBUFFERED": "1",
                       "DATABASE_URL": f"sqlite:///{folder / 'soak.sqlite3'}", "MEDIA_ROOT": str(folder / "media")})
    for name in ("REDIS_URL", "IPCITY_REDIS_DIR", "CELERY_TASK_ALWAYS_EAGER"):
        env.pop(name, None)
    env = environment(env)
    database = folder / "soak.sqlite3"
    print(f"preparing the demo data in {folder} …", flush=True)
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([sys.executable, "manage.py", "load_demo"], cwd=ROOT, env={**env, "CELERY_TASK_ALWAYS_EAGER": "true"},
                   check=True, stdout=subprocess.DEVNULL)
    log = folder / "stack.log"
    stack = subprocess.Popen([sys.executable, "-m", "ipcity.supervise"], cwd=ROOT, env=env, stdout=log.open("w"),
                             stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    tally = Tally()
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        targets = demo_targets(database)
        started = time.monotonic()
        until = started + options.seconds
        # Each user asks for reports of their own: two users waiting on one row would see it dropped.
        threads = [threading.Thread(target=user_loop, args=(Browser(base, "cnipa", tally), database,
                                                             targets[user::options.users], tally, until))
                   for user in range(options.users)]
        threads.append(threading.Thread(target=sweep_loop, args=(env, tally, until, options.sweep_every)))
        for thread in threads:
            thread.start()
        kills = []
        for index in range(options.kills):
            time.sleep(max(0.0, started + options.seconds * (index + 1) / (options.kills + 1) - time.monotonic()))
            pid = int(supervisorctl(env, "pid", "worker") or 0)
            if pid:
                os.kill(pid, signal.SIGKILL)
                kills.append(round(time.monotonic() - started))
                print(f"killed the worker (pid {pid}) at {kills[-1]} s", flush=True)
        for thread in threads:
            thread.join()
        # What is still under way gets a last chance to finish (a visibility timeout and a sweep).
        time.sleep(5)
    finally:
        stack.send_signal(signal.SIGINT)
        try:
            stack.wait(timeout=120)
        except subprocess.TimeoutExpired:
            os.killpg(stack.pid, signal.SIGKILL)

    text = log.read_text()
    renders = Counter(int(pk) for pk in GENERATED.findall(text))
    sweeps_done = Counter(SWEEP_DONE.findall(text))
    requested = set(tally.requested)
    report = {
        "seconds": options.seconds,
        "worker killed at (s)": kills,
        "worker restarts in the log": text.count("exited: worker"),
        "reports requested": len(requested),
        "reports completed": len(tally.completed & requested),
        "reports made twice or more": sum(1 for pk in requested if renders[pk] > 1),
        "reports lost (never completed)": len(requested - tally.completed),
        "sweeps requested": len(tally.sweeps),
        "sweeps completed": sum(1 for task in tally.sweeps if sweeps_done[task]),
        "sweeps run twice or more": sum(1 for task in tally.sweeps if sweeps_done[task] > 1),
        "sweeps lost": sum(1 for task in tally.sweeps if not sweeps_done[task]),
        "web errors": len(tally.web_errors),
        "longest stuck progress bar (s)": round(tally.longest_stuck_bar, 1),
    }
    width = max(map(len, report))
    for name, value in report.items():
        print(f"{name:<{width}}  {value}")
    for error in tally.web_errors[:10]:
        print("  web error:", error)
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
