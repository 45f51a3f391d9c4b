"""Beat's scheduler: django-celery-beat's database schedule, plus a heartbeat in the cache.

Beat sends tasks only when they are due, so "no task sent lately" says nothing about whether it
runs. Instead, every pass of its loop writes the current time to the cache (shared by web, worker
and beat); a pass comes at least every ``CELERY_BEAT_MAX_LOOP_INTERVAL`` seconds even when nothing
is due. ``ipcity.health`` reads the heartbeat's age.
"""

from __future__ import annotations

import logging
import time

from django.core.cache import cache
from django_celery_beat.schedulers import DatabaseScheduler

logger = logging.getLogger(__name__)

BEAT_HEARTBEAT_KEY = "ipcity:beat:heartbeat"


def record_beat_heartbeat() -> None:
    # No expiry: a heartbeat that stops ages, it does not vanish ("stale", not "never").
    cache.set(BEAT_HEARTBEAT_KEY, time.time(), timeout=None)


def last_beat_heartbeat() -> float | None:
    """Seconds since the epoch of beat's last pass, or None if no beat has ever recorded one."""
    return cache.get(BEAT_HEARTBEAT_KEY)


class HeartbeatScheduler(DatabaseScheduler):
    def tick(self, *args, **kwargs):
        interval = super().tick(*args, **kwargs)
        try:
            record_beat_heartbeat()
        except Exception:  # an unreachable cache must not stop the schedule; health reports it
            logger.warning("beat: cannot record the heartbeat", exc_info=True)
        return interval
