"""A generated file is made once, even when messages come twice or a worker dies halfway (issue #13).

The lease: a task takes the row and renews a heartbeat while it renders; a second delivery finds the row
held and leaves it; a row whose worker died is free one lease later and the sweeper queues it again."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from reviews.enums import FileStatus, ReportKind
from reviews.models import GeneratedFile
from reviews.services import leases
from reviews.services.reports import folder_of, report_key, request_report
from reviews.tasks import generate_report, recover_stalled_files
from tests.factories import CityFactory
from tests.reviews.test_reports import NOW, _media, _now, build_world  # noqa: F401 (autouse fixtures)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(fushun_city, guangdong, national_admin):
    shenzhen = CityFactory(code="440300", province=guangdong, name="深圳市", full_name="深圳市")
    return build_world(fushun_city, shenzhen, national_admin)


def row(status=FileStatus.PENDING, **fields) -> GeneratedFile:
    return GeneratedFile.objects.create(key=f"cycle_xlsx:{GeneratedFile.objects.count()}", kind=ReportKind.CYCLE_XLSX,
                                        object_id=fields.pop("object_id", 1), status=status, **fields)


def ago(seconds: float) -> dt.datetime:
    return NOW - dt.timedelta(seconds=seconds)


def claim_of(generated: GeneratedFile, task_id: str) -> leases.Claim:
    claim, _row = leases.claim(generated.pk, task_id=task_id, starting_progress=25)
    return claim


def test_claim_takes_a_waiting_row_and_records_the_task():
    generated = row()

    assert claim_of(generated, "task-a") is leases.Claim.TAKEN

    generated.refresh_from_db()
    assert (generated.status, generated.progress, generated.task_id, generated.attempts, generated.heartbeat_at) == (
        FileStatus.RUNNING, 25, "task-a", 1, NOW)


def test_claim_leaves_a_row_a_live_task_holds():
    generated = row(FileStatus.RUNNING, task_id="task-a", attempts=1, heartbeat_at=ago(19))

    assert claim_of(generated, "task-b") is leases.Claim.HELD
    assert claim_of(generated, "task-a") is leases.Claim.HELD_BY_SELF  # the same message delivered again
    generated.refresh_from_db()
    assert (generated.task_id, generated.attempts) == ("task-a", 1)


def test_claim_takes_over_once_the_lease_has_run_out():
    generated = row(FileStatus.RUNNING, task_id="task-a", attempts=1, heartbeat_at=ago(21))

    assert claim_of(generated, "task-a") is leases.Claim.TAKEN

    generated.refresh_from_db()
    assert (generated.task_id, generated.attempts, generated.heartbeat_at) == ("task-a", 2, NOW)


@pytest.mark.parametrize("status", [FileStatus.READY, FileStatus.FAILED])
def test_claim_does_nothing_to_a_finished_row(status):
    generated = row(status, progress=100)

    assert claim_of(generated, "task-a") is leases.Claim.DONE
    generated.refresh_from_db()
    assert (generated.status, generated.attempts, generated.task_id) == (status, 0, "")


def test_claim_gives_up_after_the_last_attempt():
    generated = row(FileStatus.RUNNING, task_id="task-e", attempts=leases.MAX_ATTEMPTS, heartbeat_at=ago(60))

    assert claim_of(generated, "task-f") is leases.Claim.DONE

    generated.refresh_from_db()
    assert (generated.status, generated.attempts, generated.error) == (
        FileStatus.FAILED, 5, "gave up after 5 attempts: each one stopped before the file was made")


def test_second_delivery_of_a_finished_report_makes_nothing_again(world, national_admin,
                                                                   django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        generated = request_report(ReportKind.CYCLE_XLSX, world.cycle, by=national_admin)
    generated.refresh_from_db()
    first = (generated.status, generated.sha256, generated.file.name, generated.attempts)

    assert generate_report(file_id=generated.pk) == FileStatus.READY

    generated.refresh_from_db()
    assert (generated.status, generated.sha256, generated.file.name, generated.attempts) == first
    assert first[0] == FileStatus.READY and first[3] == 1
    assert default_storage.listdir(folder_of(generated))[1] == [f"cycle_xlsx-{world.cycle.pk}.xlsx"]


def test_sweeper_queues_again_what_a_dead_worker_left_and_the_report_is_made(world, national_admin,
                                                                            django_capture_on_commit_callbacks):
    """A worker died while rendering: the row is RUNNING with a heartbeat older than the lease."""
    key = report_key(ReportKind.CYCLE_XLSX, world.cycle)
    abandoned = GeneratedFile.objects.create(key=key, kind=ReportKind.CYCLE_XLSX, object_id=world.cycle.pk,
                                             status=FileStatus.RUNNING, progress=50, task_id="dead",
                                             attempts=1, heartbeat_at=ago(25))
    alive = row(FileStatus.RUNNING, task_id="alive", attempts=1, heartbeat_at=ago(5))
    queued_now = row(FileStatus.PENDING)
    GeneratedFile.objects.filter(pk=queued_now.pk).update(updated_at=ago(60))
    lost = row(FileStatus.PENDING, object_id=987654)  # its message was lost two minutes ago
    GeneratedFile.objects.filter(pk=lost.pk).update(updated_at=ago(121))
    hopeless = row(FileStatus.RUNNING, task_id="oom", attempts=5, heartbeat_at=ago(25))

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert recover_stalled_files() == 2

    assert len(callbacks) == 2
    statuses = dict(GeneratedFile.objects.values_list("pk", "status"))
    assert statuses == {abandoned.pk: FileStatus.READY, alive.pk: FileStatus.RUNNING,
                        queued_now.pk: FileStatus.PENDING, lost.pk: FileStatus.FAILED,  # its object is gone
                        hopeless.pk: FileStatus.FAILED}
    abandoned.refresh_from_db()
    assert (abandoned.attempts, abandoned.progress, abandoned.heartbeat_at) == (2, 100, None)
    assert GeneratedFile.objects.get(pk=hopeless.pk).error.startswith("gave up after 5 attempts")


def test_page_shows_no_moving_bar_for_a_row_nothing_is_behind(world, client, national_admin):
    client.force_login(national_admin)
    working = row(FileStatus.RUNNING, object_id=world.cycle.pk, task_id="alive", attempts=1, heartbeat_at=ago(3),
                  progress=50)
    dead = row(FileStatus.RUNNING, object_id=world.cycle.pk, task_id="dead", attempts=1, heartbeat_at=ago(30),
               progress=50)
    waiting = row(FileStatus.PENDING, object_id=world.cycle.pk)

    def partial(generated) -> str:
        response = client.get(reverse("report_progress", args=[generated.pk]))
        assert response.status_code == 200
        return response.content.decode()

    working_html, dead_html, waiting_html = partial(working), partial(dead), partial(waiting)

    assert "progress-bar-animated" in working_html and 'hx-trigger="every 1s"' in working_html
    assert "progress-bar" not in dead_html
    assert 'id="report-interrupted"' in dead_html and 'hx-trigger="every 5s"' in dead_html
    assert 'id="report-regenerate"' in dead_html and 'id="report-regenerate"' not in working_html
    assert "progress-bar-animated" not in waiting_html and "等待后台服务处理" in waiting_html
    assert 'hx-trigger="every 1s"' in waiting_html
