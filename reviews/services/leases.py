"""Who is making a generated file, and whether they are still alive (STYLE.md "Background work").

A task takes a ``GeneratedFile`` row by writing its id, one more attempt and a heartbeat; while it renders, a
thread renews the heartbeat every ``HEARTBEAT_EVERY``. A row is *held* while its heartbeat is younger than
``LEASE``. So a second delivery of the same message (the broker hands back a message whose worker vanished,
or whose visibility timeout passed while the task still ran) finds the row held and does not make the file
a second time; and a row whose worker died is free again one lease later, for the redelivered message or
for ``recover_stalled``, the sweeper beat runs every ``SWEEP_EVERY`` seconds. After ``MAX_ATTEMPTS`` takes
the row is given up as failed rather than tried forever (a file whose rendering kills its worker).
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import threading
from contextlib import contextmanager

from django.db import DatabaseError, close_old_connections, connection, transaction
from django.db.models import Q
from django.utils import timezone

from reviews.enums import FileStatus
from reviews.models import GeneratedFile

log = logging.getLogger(__name__)

HEARTBEAT_EVERY = dt.timedelta(seconds=5)
LEASE = dt.timedelta(seconds=20)
# A waiting row whose message has not been taken for this long is queued again (a lost message).
QUEUED_GRACE = dt.timedelta(minutes=2)
SWEEP_EVERY = 30  # seconds, the beat schedule of reviews.recover_stalled_files
MAX_ATTEMPTS = 5


class Claim(enum.Enum):
    TAKEN = "taken"  # the caller makes the file now
    DONE = "done"  # nothing to do: ready, failed, or given up
    HELD = "held"  # another live task is making it
    HELD_BY_SELF = "held_by_self"  # this very message's earlier delivery holds it (its worker may have died)


def is_held(generated: GeneratedFile, *, now: dt.datetime | None = None) -> bool:
    """Running, and its task gave a sign of life within the lease."""
    now = now or timezone.now()
    return (generated.status == FileStatus.RUNNING and generated.heartbeat_at is not None
            and generated.heartbeat_at > now - LEASE)


def is_waiting(generated: GeneratedFile, *, now: dt.datetime | None = None) -> bool:
    """Waiting for a worker, and queued (or queued again by the sweeper) recently enough to be in the queue."""
    now = now or timezone.now()
    return generated.status == FileStatus.PENDING and generated.updated_at > now - QUEUED_GRACE - dt.timedelta(
        seconds=2 * SWEEP_EVERY)


def claim(file_id: int, *, task_id: str, starting_progress: int) -> tuple[Claim, GeneratedFile | None]:
    """Take the row for ``task_id`` unless it is finished or held by a live task."""
    now = timezone.now()
    with transaction.atomic():
        generated = GeneratedFile.objects.select_for_update().filter(pk=file_id).first()
        if generated is None:
            return Claim.DONE, None
        if generated.status in (FileStatus.READY, FileStatus.FAILED):
            return Claim.DONE, generated
        if is_held(generated, now=now):
            return (Claim.HELD_BY_SELF if task_id and generated.task_id == task_id else Claim.HELD), generated
        if generated.attempts >= MAX_ATTEMPTS:
            _give_up(generated)
            return Claim.DONE, generated
        generated.status, generated.progress, generated.error = FileStatus.RUNNING, starting_progress, ""
        generated.task_id, generated.attempts, generated.heartbeat_at = task_id[:64], generated.attempts + 1, now
        generated.save(update_fields=["status", "progress", "error", "task_id", "attempts", "heartbeat_at",
                                      "updated_at"])
    if generated.attempts > 1:
        log.warning("generated file %s taken again (attempt %s of %s) by task %s", generated.pk, generated.attempts,
                    MAX_ATTEMPTS, task_id)
    return Claim.TAKEN, generated


def release(generated: GeneratedFile) -> None:
    """Give the row back unfinished (a transient error): the next delivery or the sweeper takes it at once."""
    try:
        GeneratedFile.objects.filter(pk=generated.pk, status=FileStatus.RUNNING).update(
            status=FileStatus.PENDING, heartbeat_at=None, updated_at=timezone.now())
    except DatabaseError:
        log.exception("could not release generated file %s; its lease runs out in %s", generated.pk, LEASE)


def _give_up(generated: GeneratedFile) -> None:
    generated.status, generated.heartbeat_at = FileStatus.FAILED, None
    generated.error = f"gave up after {generated.attempts} attempts: each one stopped before the file was made"
    generated.save(update_fields=["status", "heartbeat_at", "error", "updated_at"])
    log.error("generated file %s: %s", generated.pk, generated.error)


@contextmanager
def heartbeat(generated: GeneratedFile):
    """Renew the row's heartbeat from a thread while the body runs (a render holds the main thread)."""
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(HEARTBEAT_EVERY.total_seconds()):
                try:
                    GeneratedFile.objects.filter(pk=generated.pk, task_id=generated.task_id).update(
                        heartbeat_at=timezone.now())
                except DatabaseError:
                    log.exception("heartbeat of generated file %s not written", generated.pk)
                    close_old_connections()
        finally:
            connection.close()  # this thread's own connection

    thread = threading.Thread(target=beat, name=f"heartbeat-{generated.pk}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def recover_stalled(queue, *, now: dt.datetime | None = None) -> int:
    """Queue again every row a dead worker or a lost message left behind; the number queued.

    ``queue(file_id)`` sends the task. Rows past ``MAX_ATTEMPTS`` are marked failed instead."""
    now = now or timezone.now()
    stalled = GeneratedFile.objects.filter(
        Q(status=FileStatus.RUNNING) & (Q(heartbeat_at__lt=now - LEASE)
                                        | Q(heartbeat_at__isnull=True, updated_at__lt=now - LEASE))
        | Q(status=FileStatus.PENDING, updated_at__lt=now - QUEUED_GRACE))
    queued = 0
    for generated in stalled.order_by("pk"):
        if generated.attempts >= MAX_ATTEMPTS:
            _give_up(generated)
            continue
        moved = GeneratedFile.objects.filter(pk=generated.pk, status=generated.status,
                                             updated_at=generated.updated_at).update(
            status=FileStatus.PENDING, heartbeat_at=None, updated_at=now)
        if moved:  # not taken by a task meanwhile
            log.warning("generated file %s was %s with no live task: queued again", generated.pk, generated.status)
            transaction.on_commit(lambda pk=generated.pk: queue(pk))
            queued += 1
    return queued
