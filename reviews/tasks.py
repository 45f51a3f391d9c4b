"""Background work of the review app (thin: load rows by id, call one service)."""

from __future__ import annotations

import logging

from celery import shared_task

from reviews.models import GeneratedFile
from reviews.services import reports

log = logging.getLogger(__name__)


@shared_task(name="reviews.generate_report")
def generate_report(*, file_id: int) -> str | None:
    """Make the file of GeneratedFile ``file_id``; return its status.

    Running it again gives the same result: the row's folder is emptied before the new file is stored, so
    the row ends with exactly one file, also after a run that crashed halfway.
    """
    generated = GeneratedFile.objects.filter(pk=file_id).first()
    if generated is None:
        log.warning("generated file %s no longer exists: nothing to make", file_id)
        return None
    return reports.generate_file(generated).status


@shared_task(name="reviews.expire_generated_files")
def expire_generated_files() -> int:
    """Delete the stored files of expired reports (periodic; see CELERY_BEAT_SCHEDULE)."""
    expired = reports.expire_generated_files()
    if expired:
        log.info("deleted the files of %s expired reports", expired)
    return expired
