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

# What the system administrator may schedule (django-celery-beat's admin): maintenance only. A business task (a
# report, a recommendation letter) acts on records for a user and is queued by that user's page; scheduled by
# beat it would reach business records with no actor. ``celery.backend_cleanup`` is Celery's own result expiry.
# The default schedule (settings.CELERY_BEAT_SCHEDULE) uses only these; a test keeps it so.
SCHEDULABLE_TASKS = frozenset({
    "cities.expire_designations",
    "plans.sweep_deadlines",
    "reviews.recover_stalled_files",
    "reviews.expire_generated_files",
    "celery.backend_cleanup",
    "ipcity.ping",  # a no-op the health checks and tests send to see a worker answer
})


def record_beat_heartbeat() -> None:
    # No expiry: a heartbeat that stops ages, it does not vanish ("stale", not "never").
    cache.set(BEAT_HEARTBEAT_KEY, time.time(), timeout=None)


def last_beat_heartbeat() -> float | None:
    """Seconds since the epoch of beat's last pass, or None if no beat has ever recorded one."""
    return cache.get(BEAT_HEARTBEAT_KEY)


class HeartbeatScheduler(DatabaseScheduler):
    def enabled_models(self):
        """The database schedule without any task outside ``SCHEDULABLE_TASKS``: the admin's form refuses them,
        and a row written past it (raw SQL, a restored database) is skipped here, loudly."""
        allowed = []
        for model in super().enabled_models():
            if model.task in SCHEDULABLE_TASKS:
                allowed.append(model)
            else:
                logger.error("beat: periodic task %r names %r, which is not a maintenance task: not scheduled",
                             model.name, model.task)
        return allowed

    def tick(self, *args, **kwargs):
        interval = super().tick(*args, **kwargs)
        try:
            record_beat_heartbeat()
        except Exception:  # an unreachable cache must not stop the schedule; health reports it
            logger.warning("beat: cannot record the heartbeat", exc_info=True)
        return interval
