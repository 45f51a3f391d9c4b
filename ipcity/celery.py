"""The Celery application.

With ``REDIS_URL`` Redis is broker and result backend. Without it the embedded
default is kombu's filesystem transport: a real worker and beat, no server.
"""

from __future__ import annotations

import os
from pathlib import Path

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ipcity.settings")

app = Celery("ipcity")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def ensure_embedded_broker_folders() -> None:
    """kombu's filesystem transport needs its folders to exist before use."""
    from django.conf import settings

    options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {})
    if not str(settings.CELERY_BROKER_URL).startswith("filesystem://"):
        return
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)
    backend = str(settings.CELERY_RESULT_BACKEND)
    if backend.startswith("file://"):
        Path(backend.removeprefix("file://")).mkdir(parents=True, exist_ok=True)


@app.on_after_configure.connect
def _prepare(sender, **kwargs) -> None:  # pragma: no cover - exercised by the worker
    ensure_embedded_broker_folders()


@app.task(name="ipcity.ping")
def ping() -> str:
    """A no-op round trip: used by health checks and by the tests of the embedded worker."""
    return "pong"
