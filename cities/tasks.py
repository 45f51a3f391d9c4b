"""Scheduled work of the foundation (thin: each task calls one service)."""

from __future__ import annotations

import logging

from celery import shared_task

from cities import services

log = logging.getLogger(__name__)


@shared_task(name="cities.expire_designations")
def expire_designations() -> int:
    count = services.expire_ended_designations(by=None)
    log.info("expired %s designations whose term ended", count)
    return count
