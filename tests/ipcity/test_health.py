"""/healthz, /healthz/full and the system administrator's warning: who may read what, what each check says, and
(with real processes) that a stopped worker and a stopped beat show within seconds.

No worker or beat runs during the unit tests here, so their checks fail for real there."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.urls import reverse

from ipcity import health
from ipcity.beat import BEAT_HEARTBEAT_KEY, record_beat_heartbeat
from tests.utils import ROOT, celery_process_env, start_celery, stop_process

ELSEWHERE = "203.0.113.7"  # a documentation address: only ever a REMOTE_ADDR here, never contacted
CHECKS = ["database", "broker", "worker", "beat", "disk", "migrations"]
NO_WORKER = "没有后台任务进程（worker）响应：生成报告、邮件和提醒将在队列中等待，直到任务进程恢复运行。"
BEAT_NEVER = "定时调度进程（beat）没有运行记录：截止提醒、称号到期、清理过期生成文件等定时任务不会执行。"


@pytest.fixture(autouse=True)
def no_heartbeat_or_report():
    """The cache may be a Redis shared with earlier runs: no heartbeat or cached report leaks into a test."""
    keys = [BEAT_HEARTBEAT_KEY, health.REPORT_CACHE_KEY]
    cache.delete_many(keys)
    yield
    cache.delete_many(keys)


def full_report(client, **extra):
    response = client.get(reverse("healthz_full"), **extra)
    return response.status_code, response.json()


def details(report: dict) -> dict[str, str]:
    return {name: check["detail"] for name, check in report["checks"].items()}


# --- /healthz -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_healthz_answers_ok_to_anyone_while_the_database_answers(client):
    response = client.get(reverse("healthz"), REMOTE_ADDR=ELSEWHERE)
    assert (response.status_code, response.json()) == (200, {"status": "ok"})
    assert "no-cache" in response["Cache-Control"]


DOWN = """
import json, django
django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
client = Client()
for url in ("/healthz", "/healthz/full"):
    response = client.get(url, REMOTE_ADDR="127.0.0.1")
    print(json.dumps([response.status_code, response.json()]))
"""


def test_healthz_and_full_report_answer_503_when_database_and_broker_are_unreachable(tmp_path):
    """A real outage: nothing listens on port 1 of this machine, for PostgreSQL nor for Redis."""
    env = celery_process_env(tmp_path, DATABASE_URL="postgres://ipcity@127.0.0.1:1/ipcity",
                             REDIS_URL="redis://127.0.0.1:1/0")
    done = subprocess.run([sys.executable, "-c", DOWN], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr[-3000:]
    (short_status, short), (full_status, full) = [json.loads(line) for line in done.stdout.splitlines()[-2:]]
    assert (short_status, short) == (503, {"status": "error"})
    assert (full_status, full["status"]) == (503, "error")
    assert details(full) == {"database": "unreachable", "broker": "unreachable", "worker": "broker_unreachable",
                             "beat": "error:ConnectionError", "disk": "ok", "migrations": "error:OperationalError"}
    assert full["checks"]["worker"]["workers"] is None
    # Nothing of the configuration leaks: no URL, host or port.
    assert "127.0.0.1" not in done.stdout and "postgres" not in done.stdout and "redis" not in done.stdout


# --- who may read /healthz/full ---------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("address", ["127.0.0.1", "::1", "::ffff:127.0.0.1"])
def test_full_report_answers_a_request_from_this_machine_without_sign_in(client, address):
    status, report = full_report(client, REMOTE_ADDR=address)
    assert (status, report["status"]) == (503, "error")  # no worker, no beat
    assert list(report["checks"]) == CHECKS
    assert details(report) == {"database": "ok", "broker": "ok", "worker": "none_answering", "beat": "never",
                               "disk": "ok", "migrations": "ok"}


@pytest.mark.django_db
@pytest.mark.parametrize("headers", [
    {"REMOTE_ADDR": ELSEWHERE},
    {"REMOTE_ADDR": ELSEWHERE, "HTTP_X_FORWARDED_FOR": "127.0.0.1"},
    # A reverse proxy on the same host connects from 127.0.0.1 and says whom it forwards for.
    {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": ELSEWHERE},
    {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_REAL_IP": ELSEWHERE},
    {"REMOTE_ADDR": "127.0.0.1", "HTTP_FORWARDED": f"for={ELSEWHERE}"},
])
def test_full_report_is_not_found_for_anonymous_requests_from_elsewhere(client, headers):
    response = client.get(reverse("healthz_full"), **headers)
    assert (response.status_code, response["Content-Type"]) == (404, "text/html; charset=utf-8")


@pytest.mark.django_db
def test_full_report_answers_the_system_administrator_from_elsewhere(client, sysadmin):
    client.force_login(sysadmin)
    status, report = full_report(client, REMOTE_ADDR=ELSEWHERE)
    assert (status, list(report["checks"])) == (503, CHECKS)


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["national_admin", "secadmin", "audit_admin", "reviewer",
                                     "liaoning_staff", "fushun_officer"])
def test_full_report_is_not_found_for_other_roles_from_elsewhere(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("healthz_full"), REMOTE_ADDR=ELSEWHERE).status_code == 404


# --- what each check says ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_check_reports_ok_detail_and_time(client):
    _, report = full_report(client)
    checks = report["checks"]
    assert {name: sorted(check) for name, check in checks.items()} == {
        "database": ["detail", "ok", "took_ms"],
        "broker": ["detail", "ok", "took_ms"],
        "worker": ["detail", "ok", "took_ms", "workers"],
        "beat": ["age_seconds", "detail", "ok", "stale_after", "took_ms"],
        "disk": ["detail", "free_bytes", "free_percent", "ok", "took_ms"],
        "migrations": ["detail", "ok", "pending", "took_ms"],
    }
    assert all(isinstance(check["took_ms"], float) for check in checks.values())
    assert (checks["worker"]["workers"], checks["beat"]["age_seconds"], checks["migrations"]["pending"]) == (0, None, 0)
    assert checks["worker"]["took_ms"] >= 1000  # waited the whole second for an answer
    assert 0 < checks["disk"]["free_percent"] <= 100 and checks["disk"]["free_bytes"] > 0


def test_beat_check_is_fresh_after_a_heartbeat_and_stale_once_older_than_the_setting(settings):
    settings.HEALTH_BEAT_STALE_AFTER = 60
    with time_machine.travel(1_800_000_000, tick=False):
        record_beat_heartbeat()
        assert health.check_beat() == health.Check(True, "fresh", {"age_seconds": 0.0, "stale_after": 60})
    with time_machine.travel(1_800_000_060, tick=False):
        assert health.check_beat() == health.Check(True, "fresh", {"age_seconds": 60.0, "stale_after": 60})
    with time_machine.travel(1_800_000_061, tick=False):
        assert health.check_beat() == health.Check(False, "stale", {"age_seconds": 61.0, "stale_after": 60})


def test_disk_check_fails_below_either_threshold(settings):
    def verdict():
        check = health.check_disk()
        return check.ok, check.detail

    assert verdict() == (True, "ok")
    settings.HEALTH_DISK_MIN_FREE_PERCENT = 101
    assert verdict() == (False, "low_space")
    settings.HEALTH_DISK_MIN_FREE_PERCENT = 0
    settings.HEALTH_DISK_MIN_FREE_MIB = 1024 ** 3  # an exbibyte
    assert verdict() == (False, "low_space")


@pytest.mark.django_db
def test_an_unapplied_migration_makes_the_full_report_fail(client):
    """The migration history says one migration is not applied (inside the test's transaction, rolled back)."""
    leaf = next(node for node in MigrationLoader(connection).graph.leaf_nodes() if node[0] == "cities")
    MigrationRecorder(connection).record_unapplied(*leaf)
    status, report = full_report(client)
    assert (status, report["checks"]["migrations"]) == (503, {
        "ok": False, "detail": "pending", "pending": 1, "took_ms": report["checks"]["migrations"]["took_ms"]})


# --- the system administrator's home page -----------------------------------------------------------------


def home_panels(client, user) -> list[dict]:
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return [panel for panel in response.context["panels"] if panel["template"] == "cities/_health_panel.html"]


def test_system_administrator_sees_what_is_down_on_the_home_page(client, sysadmin):
    [panel] = home_panels(client, sysadmin)
    assert panel["warnings"] == [NO_WORKER, BEAT_NEVER]
    html = client.get(reverse("home")).content.decode()
    assert "后台服务异常，需要处理" in html and NO_WORKER in html
    # The second page within a few seconds reuses the report: the home page does not wait for the ping again.
    assert home_panels(client, sysadmin)[0]["checked_at"] == panel["checked_at"]


def test_system_administrator_is_told_how_long_beat_has_been_silent(client, sysadmin):
    with time_machine.travel(time.time() - 300):
        record_beat_heartbeat()
    [panel] = home_panels(client, sysadmin)
    assert panel["warnings"][1] == ("定时调度进程（beat）最后一次报告运行是在 5\xa0分钟前：截止提醒、称号到期、"
                                    "清理过期生成文件等定时任务不会执行。")


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["national_admin", "secadmin", "audit_admin", "reviewer",
                                     "liaoning_staff", "fushun_officer"])
def test_other_roles_never_see_the_health_warning(client, request, persona):
    assert home_panels(client, request.getfixturevalue(persona)) == []
    assert cache.get(health.REPORT_CACHE_KEY) is None  # and their home page ran no probe


# --- real worker and beat ---------------------------------------------------------------------------------

needs_shared_broker = pytest.mark.skipif(
    str(settings.CELERY_BROKER_URL).startswith("filesystem://"),
    reason="needs a broker and a cache that web, worker and beat share: the embedded default still uses kombu's "
           "filesystem transport and a per-process cache, which the embedded Redis broker replaces")


def poll(client, until, seconds: float) -> tuple[float, dict]:
    """The first report (and the seconds it took to come) for which ``until(report)`` holds."""
    start = time.monotonic()
    while True:
        _, report = full_report(client)
        if until(report) or time.monotonic() - start > seconds:
            return time.monotonic() - start, report
        time.sleep(0.2)


@needs_shared_broker
def test_full_report_follows_a_real_worker_and_beat(tmp_path, client, settings, sysadmin):
    settings.HEALTH_BEAT_STALE_AFTER = 3
    env = celery_process_env(tmp_path, HEALTH_BEAT_STALE_AFTER="3")  # beat then passes its loop every second
    worker = start_celery(["worker", "--pool=solo", "--loglevel=INFO", "-n", f"health{time.time_ns()}@%h"], env,
                          tmp_path / "worker.log")
    beat = None
    try:
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True,
                       timeout=120)
        beat = start_celery(["beat", "--loglevel=INFO", f"--schedule={tmp_path / 'beat.db'}"], env,
                            tmp_path / "beat.log")
        _, report = poll(client, lambda r: r["checks"]["worker"]["ok"] and r["checks"]["beat"]["ok"], 45)
        logs = ((tmp_path / "worker.log").read_text()[-2000:], (tmp_path / "beat.log").read_text()[-2000:])
        assert (report["status"], details(report)) == ("ok", {
            "database": "ok", "broker": "ok", "worker": "ok", "beat": "fresh", "disk": "ok", "migrations": "ok"}), logs
        assert report["checks"]["worker"]["workers"] == 1
        assert client.get(reverse("healthz_full")).status_code == 200
        assert home_panels(client, sysadmin) == []  # all well: no warning

        stop_process(worker)
        seconds, report = poll(client, lambda r: not r["checks"]["worker"]["ok"], 30)
        assert seconds < 30 and report["checks"]["worker"] == {
            "ok": False, "detail": "none_answering", "workers": 0, "took_ms": report["checks"]["worker"]["took_ms"]}
        assert report["checks"]["beat"]["detail"] == "fresh"

        stop_process(beat)
        seconds, report = poll(client, lambda r: not r["checks"]["beat"]["ok"], 15)
        assert (report["checks"]["beat"]["detail"], report["checks"]["beat"]["stale_after"]) == ("stale", 3)
        assert report["checks"]["beat"]["age_seconds"] > 3
    finally:
        stop_process(worker)
        if beat is not None:
            stop_process(beat)
