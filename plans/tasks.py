"""Scheduled work of plans (thin: each task calls one service)."""

from __future__ import annotations

import logging

from celery import shared_task

from ipcity.celery import RETRY_ON_TRANSIENT
from plans import reminders

log = logging.getLogger(__name__)


@shared_task(name="plans.sweep_deadlines", **RETRY_ON_TRANSIENT)
def sweep_deadlines() -> int:
    """Every few minutes (beat): send the deadline reminders due now, each once. Safe to run twice."""
    count = reminders.sweep()
    log.info("sent %s deadline reminders", count)
    return count
