"""Scheduled work of the foundation (thin: each task calls one service)."""

from __future__ import annotations

import logging

from celery import shared_task

from cities import services
from ipcity.celery import RETRY_ON_TRANSIENT

log = logging.getLogger(__name__)


@shared_task(name="cities.expire_designations", **RETRY_ON_TRANSIENT)
def expire_designations() -> int:
    count = services.expire_ended_designations(by=None)
    log.info("expired %s designations whose term ended", count)
    return count
