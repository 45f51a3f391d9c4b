"""/healthz, /healthz/full and the system administrator's warning: who may read what, what each check says, and
(with real processes) that a stopped worker and a stopped beat show within seconds.

No worker or beat runs during the unit tests here, so their checks fail for real there."""

from __future__ import annotations

import json
import os
import time

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.urls import reverse

from ipcity import health
from ipcity.beat import BEAT_HEARTBEAT_KEY, record_beat_heartbeat
from tests.processes import migrated_database, process_env, run_python, start_celery, start_worker, stop

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
    env = process_env(tmp_path, DATABASE_URL="postgres://ipcity@127.0.0.1:1/ipcity", REDIS_URL="redis://127.0.0.1:1/0")
    out = run_python(["-c", DOWN], env, timeout=60)
    (short_status, short), (full_status, full) = [json.loads(line) for line in out.splitlines()[-2:]]
    assert (short_status, short) == (503, {"status": "error"})
    assert (full_status, full["status"]) == (503, "error")
    assert details(full) == {"database": "unreachable", "broker": "unreachable", "worker": "broker_unreachable",
                             "beat": "error:ConnectionError", "disk": "ok", "migrations": "error:OperationalError"}
    assert full["checks"]["worker"]["workers"] is None
    # Nothing of the configuration leaks: no URL, host or port.
    assert "127.0.0.1" not in out and "postgres" not in out and "redis" not in out


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

# Run beside a real worker and beat, on their broker and cache (which the in-process tests never share: see
# tests/processes.py): waits until both are seen, stops the worker, then beat, and reports what was seen when.
SCENARIO = """
import json, os, signal, sys, time
import django
django.setup()
from django.core.cache import cache
from django.test import Client
from django.test.utils import setup_test_environment
from cities.enums import Role
from cities.models import Membership, User
from ipcity import health
setup_test_environment()
worker_pid, beat_pid = int(sys.argv[1]), int(sys.argv[2])
admin = User.objects.create(username="sysadmin", full_name="系统管理员")
Membership.objects.create(user=admin, role=Role.SYSTEM_ADMIN)
client = Client()

def report():
    return client.get("/healthz/full", REMOTE_ADDR="127.0.0.1").json()

def poll(until, seconds):
    start = time.monotonic()
    while True:
        seen = report()
        if until(seen) or time.monotonic() - start > seconds:
            return round(time.monotonic() - start, 1), seen

def warning():
    cache.delete(health.REPORT_CACHE_KEY)
    client.force_login(admin)
    html = client.get("/").content.decode()
    client.logout()
    return 'id="health-warning"' in html

out = {}
out["up_after"], out["up"] = poll(lambda r: r["checks"]["worker"]["ok"] and r["checks"]["beat"]["ok"], 60)
out["warning_when_up"] = warning()
os.kill(worker_pid, signal.SIGTERM)
out["worker_missing_after"], out["worker_down"] = poll(lambda r: not r["checks"]["worker"]["ok"], 30)
os.kill(beat_pid, signal.SIGTERM)
out["beat_stale_after"], out["beat_down"] = poll(lambda r: not r["checks"]["beat"]["ok"], 15)
out["warning_when_down"] = warning()
print(json.dumps(out))
"""


def test_full_report_follows_a_real_worker_and_beat(tmp_path):
    migrated_database(tmp_path)
    env = process_env(tmp_path, HEALTH_BEAT_STALE_AFTER="3")  # beat then passes its loop every second
    worker = start_worker(env, tmp_path / "worker.log", queue=f"health-{os.getpid()}", name=f"health{os.getpid()}")
    beat = start_celery(["beat", "--loglevel=INFO"], env, tmp_path / "beat.log")
    try:
        seen = json.loads(run_python(["-c", SCENARIO, str(worker.pid), str(beat.pid)], env, timeout=150)
                          .splitlines()[-1])
    finally:
        stop(worker)
        stop(beat)
    logs = ((tmp_path / "worker.log").read_text()[-2000:], (tmp_path / "beat.log").read_text()[-2000:])
    assert (seen["up"]["status"], details(seen["up"])) == ("ok", {
        "database": "ok", "broker": "ok", "worker": "ok", "beat": "fresh", "disk": "ok", "migrations": "ok"}), logs
    assert seen["up"]["checks"]["worker"]["workers"] == 1
    assert seen["warning_when_up"] is False  # all well: no warning

    assert seen["worker_missing_after"] < 30
    worker_check = seen["worker_down"]["checks"]["worker"]
    assert worker_check == {"ok": False, "detail": "none_answering", "workers": 0, "took_ms": worker_check["took_ms"]}
    assert seen["worker_down"]["checks"]["beat"]["detail"] == "fresh"

    beat_check = seen["beat_down"]["checks"]["beat"]
    assert (beat_check["detail"], beat_check["stale_after"]) == ("stale", 3)
    assert beat_check["age_seconds"] >= 3  # older than 3 s, shown to a tenth
    assert seen["warning_when_down"] is True
