"""The Celery application.

Redis is broker and result backend: the server ``REDIS_URL`` names or, without it, the private
redis-server of a one-machine install (``ipcity.embedded_redis``).
"""

from __future__ import annotations

import os

from celery import Celery
from django.db import InterfaceError, OperationalError
from kombu.exceptions import OperationalError as KombuOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ipcity.settings")

app = Celery("ipcity")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Errors after which the same work may well succeed: a task meeting one is retried with a backoff instead
# of failing (the database or the broker was briefly unreachable, SQLite stayed locked too long).
TRANSIENT_ERRORS = (OperationalError, InterfaceError, KombuOperationalError, RedisConnectionError)
RETRY_ON_TRANSIENT = {"autoretry_for": TRANSIENT_ERRORS, "retry_backoff": 2, "retry_backoff_max": 30,
                      "retry_jitter": True, "max_retries": 8}


@app.task(name="ipcity.ping")
def ping() -> str:
    """A no-op round trip: used by health checks and by the tests of the embedded worker."""
    return "pong"
