"""Periodic tasks: the system administrator schedules maintenance tasks only (issue #14, "Edges": "periodic tasks
that the system administrator may schedule limited to an allow-list of maintenance tasks"; 等保 2.0 三员: the
system administrator operates the system, never the business)."""

from __future__ import annotations

import logging

from django.conf import settings
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from ipcity.beat import SCHEDULABLE_TASKS, HeartbeatScheduler
from ipcity.celery import app as celery_app

ADD_URL = "/admin/django_celery_beat/periodictask/add/"


def _form(interval, **fields):
    return {"name": "nightly", "regtask": "", "task": "", "enabled": "on", "description": "", "interval": interval.pk,
            "args": "[]", "kwargs": "{}", "priority": "", "queue": "", "exchange": "", "routing_key": "",
            "headers": "{}", "expire_seconds": "", **fields}


def test_the_default_schedule_uses_registered_maintenance_tasks_only():
    celery_app.loader.import_default_modules()
    assert {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()} <= SCHEDULABLE_TASKS
    assert SCHEDULABLE_TASKS <= set(celery_app.tasks)


def test_system_admin_cannot_schedule_a_business_task(client, sysadmin):
    interval = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.HOURS)
    client.force_login(sysadmin)
    for fields in ({"task": "reviews.generate_report"}, {"regtask": "evaluations.generate_recommendation_letter"}):
        response = client.post(ADD_URL, _form(interval, **fields))
        assert response.status_code == 200
        task = fields.get("task") or fields["regtask"]
        assert f"“{task}”不能定时执行：只有维护任务可以定时执行" in response.content.decode()
    assert PeriodicTask.objects.filter(name="nightly").count() == 0


def test_system_admin_schedules_a_maintenance_task_and_the_picker_offers_only_those(client, sysadmin):
    interval = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.HOURS)
    client.force_login(sysadmin)
    page = client.get(ADD_URL).content.decode()
    assert 'value="plans.sweep_deadlines"' in page
    assert 'value="reviews.generate_report"' not in page
    response = client.post(ADD_URL, _form(interval, regtask="plans.sweep_deadlines"))
    assert response.status_code == 302
    assert PeriodicTask.objects.get(name="nightly").task == "plans.sweep_deadlines"


def test_beat_skips_a_business_task_written_past_the_form(caplog, db):
    interval = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.HOURS)
    PeriodicTask.objects.create(name="smuggled", task="reviews.generate_report", interval=interval,
                                kwargs='{"file_id": 1}')
    PeriodicTask.objects.create(name="sweep", task="plans.sweep_deadlines", interval=interval)
    scheduler = HeartbeatScheduler(app=celery_app, lazy=True)
    with caplog.at_level(logging.ERROR, logger="ipcity.beat"):
        names = [model.name for model in scheduler.enabled_models()]
    assert names == ["sweep"]
    assert "'smuggled' names 'reviews.generate_report', which is not a maintenance task" in caplog.text
