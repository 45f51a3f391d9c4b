"""Health probes: what ``/healthz/full`` reports and what the system administrator's home page warns of.

Each check gives ``{"ok": bool, "detail": "<word>", "took_ms": float}`` and, where it measures
something, numbers beside (null when it could not measure):

==========  ===========================================================  ===========================
database    ``SELECT 1`` on the default connection                       ok | unreachable
broker      connect to Celery's broker, send one message to a private    ok | unreachable |
            queue and read it back (any kombu transport)                 no_round_trip
worker      ``app.control.ping``: workers answering within 1 s           ok | none_answering |
            (``workers``)                                                broker_unreachable
beat        age of beat's heartbeat in the cache (``age_seconds``),      fresh | stale | never
            stale after ``HEALTH_BEAT_STALE_AFTER`` (``stale_after``)
disk        free space of the filesystem of ``MEDIA_ROOT``               ok | low_space
            (``free_bytes``, ``free_percent``)
migrations  migrations of the code not applied to the database           ok | pending
            (``pending``)
==========  ===========================================================  ===========================

A probe that raises reports ``error:<ExceptionClass>``. Nothing secret goes out: no URL, host, path
or exception message (those go to the log).

django-health-check (4.8.0) was evaluated first and is not used. It supports Django 5.2 and custom
checks, but it would not make this cleaner:

- its JSON is ``{"<check repr>": "OK" | "Unavailable: <message>"}`` with HTTP 500, without timings or
  numbers; the report above (and 503) means overriding its view's ``get()`` and its JSON renderer,
  i.e. the whole view;
- of the six checks it ships one as needed (the database). Its Celery ``Ping`` gives no worker count
  and adds an ``inspect().active_queues()`` round trip with the same timeout; disk needs ``psutil``;
  the broker round trip over any transport, beat's heartbeat and pending migrations would be ours anyway;
- its view is async and runs synchronous checks in executor threads, whose database connections
  Django's request cycle never closes; it also pulls in ``dnspython`` for a DNS check we do not want;
- the home page needs the same results in-process, not over HTTP.

What is left here is six short probes and a timer: no retry, supervision or scheduling logic.
"""

from __future__ import annotations

import logging
import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from kombu import Queue
from kombu.exceptions import OperationalError

from ipcity.beat import last_beat_heartbeat
from ipcity.celery import app

logger = logging.getLogger(__name__)

#: How long the worker check waits for answers (and the broker check for its message).
WAIT_SECONDS = 1.0
#: The home page reuses a report this many seconds old (``recent_report``).
REPORT_CACHE_KEY = "ipcity:health:report"
REPORT_CACHE_SECONDS = 10


@dataclass(frozen=True)
class Check:
    ok: bool
    detail: str
    measured: dict = field(default_factory=dict)


def check_database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            row = cursor.fetchone()
    except DatabaseError as exc:
        logger.warning("health: the database is unreachable: %r", exc)
        return Check(False, "unreachable")
    return Check(row == (1,), "ok" if row == (1,) else "unexpected_answer")


def check_broker() -> Check:
    name = f"ipcity.health.{uuid.uuid4().hex}"
    try:
        with app.connection_for_write(connect_timeout=WAIT_SECONDS) as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=WAIT_SECONDS)
            queue = Queue(name, durable=False, auto_delete=True)(conn.default_channel)
            queue.declare()
            try:
                with conn.Producer() as producer:
                    producer.publish({"health": name}, routing_key=name, retry=False)
                message = None
                deadline = time.monotonic() + WAIT_SECONDS
                while message is None and time.monotonic() < deadline:
                    message = queue.get(no_ack=True)
                    if message is None:
                        time.sleep(0.02)
            finally:
                queue.delete()
    except (OperationalError, OSError) as exc:
        logger.warning("health: the broker is unreachable: %r", exc)
        return Check(False, "unreachable")
    if message is None or message.payload != {"health": name}:
        return Check(False, "no_round_trip")
    return Check(True, "ok")


def check_worker(*, enough: int | None = None) -> Check:
    """``enough``: stop waiting once that many workers answered (the count is then at most that)."""
    workers = len(app.control.ping(timeout=WAIT_SECONDS, limit=enough))
    return Check(workers > 0, "ok" if workers else "none_answering", {"workers": workers})


def check_beat() -> Check:
    stale_after = settings.HEALTH_BEAT_STALE_AFTER
    last = last_beat_heartbeat()
    if last is None:
        return Check(False, "never", {"age_seconds": None, "stale_after": stale_after})
    age = max(0.0, time.time() - last)
    fresh = age <= stale_after
    return Check(fresh, "fresh" if fresh else "stale", {"age_seconds": round(age, 1), "stale_after": stale_after})


def check_disk() -> Check:
    path = Path(settings.MEDIA_ROOT)
    while not path.exists():  # not created before the first upload: the disk that will hold it
        path = path.parent
    usage = shutil.disk_usage(path)
    free_percent = round(usage.free * 100 / usage.total, 1)
    ok = (free_percent >= settings.HEALTH_DISK_MIN_FREE_PERCENT
          and usage.free >= settings.HEALTH_DISK_MIN_FREE_MIB * 1024 * 1024)
    return Check(ok, "ok" if ok else "low_space", {"free_bytes": usage.free, "free_percent": free_percent})


def check_migrations() -> Check:
    executor = MigrationExecutor(connection)
    pending = len(executor.migration_plan(executor.loader.graph.leaf_nodes()))
    return Check(pending == 0, "ok" if pending == 0 else "pending", {"pending": pending})


def _timed(name: str, probe: Callable[[], Check]) -> dict:
    start = time.perf_counter()
    try:
        check = probe()
    except Exception as exc:
        logger.warning("health: the %s probe failed", name, exc_info=True)
        check = Check(False, f"error:{type(exc).__name__}")
    took_ms = round((time.perf_counter() - start) * 1000, 1)
    return {"ok": check.ok, "detail": check.detail, **check.measured, "took_ms": took_ms}


def run_checks(*, enough_workers: int | None = None) -> dict:
    """Every check now: ``{"status": "ok" | "error", "checked_at": ISO 8601, "checks": {name: result}}``.

    The worker check is skipped (failed) when the broker is unreachable: its ping would only wait.
    """
    checks = {"database": _timed("database", check_database), "broker": _timed("broker", check_broker)}
    if checks["broker"]["ok"]:
        checks["worker"] = _timed("worker", partial(check_worker, enough=enough_workers))
    else:
        checks["worker"] = {"ok": False, "detail": "broker_unreachable", "workers": None, "took_ms": 0.0}
    for name, probe in (("beat", check_beat), ("disk", check_disk), ("migrations", check_migrations)):
        checks[name] = _timed(name, probe)
    healthy = all(check["ok"] for check in checks.values())
    return {"status": "ok" if healthy else "error", "checked_at": timezone.now().isoformat(), "checks": checks}


def recent_report() -> dict:
    """A report at most ``REPORT_CACHE_SECONDS`` old, for pages: its worker check stops at the first
    worker that answers, so it takes milliseconds when all is well and about a second when no worker runs."""
    try:
        report = cache.get(REPORT_CACHE_KEY)
    except Exception as exc:  # the cache is the broker's Redis: the report will say what is down
        logger.warning("health: cannot read the cached report: %r", exc)
        report = None
    if report is None:
        report = run_checks(enough_workers=1)
        try:
            cache.set(REPORT_CACHE_KEY, report, REPORT_CACHE_SECONDS)
        except Exception as exc:
            logger.warning("health: cannot cache the report: %r", exc)
    return report
