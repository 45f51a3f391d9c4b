"""Background work of the review app (thin: load rows by id, call one service)."""

from __future__ import annotations

import logging

from celery import shared_task

from ipcity.celery import RETRY_ON_TRANSIENT
from reviews.services import leases, reports

log = logging.getLogger(__name__)


@shared_task(name="reviews.generate_report", bind=True, **RETRY_ON_TRANSIENT)
def generate_report(self, *, file_id: int) -> str | None:
    """Make the file of GeneratedFile ``file_id``; return its status.

    Running it again gives the same result: a ready or failed row is left as it is, a row a live task holds
    is left to it, and the row's folder is emptied before the new file is stored, so the row ends with
    exactly one file, also after a run that crashed halfway. A message delivered again while its earlier
    delivery still holds the row (that worker may have just died) looks again once the lease has run out.
    """
    claim, generated = reports.take_and_generate(file_id, task_id=self.request.id or "")
    if generated is None:
        log.warning("generated file %s no longer exists: nothing to make", file_id)
        return None
    if claim is leases.Claim.HELD_BY_SELF:
        raise self.retry(countdown=leases.LEASE.total_seconds(), max_retries=None)
    if claim is leases.Claim.HELD:
        log.info("generated file %s is being made by task %s: nothing to do", file_id, generated.task_id)
    return generated.status


@shared_task(name="reviews.recover_stalled_files", **RETRY_ON_TRANSIENT)
def recover_stalled_files() -> int:
    """Every half minute (beat): queue again the files a dead worker or a lost message left unfinished."""
    queued = reports.recover_stalled_files()
    if queued:
        log.warning("queued %s unfinished generated files again", queued)
    return queued


@shared_task(name="reviews.expire_generated_files", **RETRY_ON_TRANSIENT)
def expire_generated_files() -> int:
    """Delete the stored files of expired reports (periodic; see CELERY_BEAT_SCHEDULE)."""
    expired = reports.expire_generated_files()
    if expired:
        log.info("deleted the files of %s expired reports", expired)
    return expired
