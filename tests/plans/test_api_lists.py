"""API of responsibility lists, items, progress reports with evidence, verdicts and coverage: the same services,
audit entries, notifications and scope as the pages."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cities.models import AuditEntry, Notification
from plans.enums import ItemStatus, Requirement
from plans.models import NationalPlan, NationalTask, ProgressEvidence, ProgressReport, ResponsibilityItem
from plans.services import responsibility as services
from tests.api.utils import api_queries, assert_error, token_client
from tests.factories import CityFactory
from tests.files import PDF

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "private-media"
    return settings.MEDIA_ROOT


@pytest.fixture
def fushun_list(fushun_city, fushun_officer):
    rlist = services.create_list(fushun_city, year=2021, by=fushun_officer)
    services.add_item(rlist, work_area="创造", task="培育高价值专利", due_date=dt.date(2021, 6, 30), by=fushun_officer)
    services.add_item(rlist, work_area="运用", task="开展质押融资", by=fushun_officer)
    return rlist


def actions(city) -> list[str]:
    return list(AuditEntry.objects.filter(city=city).order_by("pk").values_list("action", flat=True))


def pdf(name: str = "验收报告.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def assert_constant_queries(client, url: str, add_row) -> None:
    """The list at ``url`` costs as many queries with 20 rows as with 1 (``add_row(n)`` adds row n)."""
    add_row(0)
    one, _response = api_queries(client, url)
    for number in range(1, 20):
        add_row(number)
    twenty, response = api_queries(client, url)
    assert (response.data["count"], twenty) == (20, one)


# --- Lists ------------------------------------------------------------------------------------------------


def test_lists_are_scoped_filtered_and_counted(fushun_list, yangjiang_city, yangjiang_officer, liaoning_staff):
    yangjiang = services.create_list(yangjiang_city, year=2022, by=yangjiang_officer)
    client = token_client(liaoning_staff)
    body = client.get(reverse("api:responsibilitylist-list")).json()
    assert [(row["id"], row["item_count"], row["verified_count"]) for row in body["results"]] == [
        (fushun_list.pk, 2, 0)]
    assert body["results"][0]["overdue_count"] == 2
    other = token_client(yangjiang_officer)
    url = reverse("api:responsibilitylist-list")
    assert [row["id"] for row in other.get(url, {"year": 2022, "province": "440000"}).json()["results"]] == [
        yangjiang.pk]
    assert other.get(url, {"city": "210400"}).json()["count"] == 0
    detail = client.get(reverse("api:responsibilitylist-detail", args=[fushun_list.pk])).json()
    assert [(item["number"], item["task"]) for item in detail["items"]] == [(1, "培育高价值专利"), (2, "开展质押融资")]
    assert_error(other.get(reverse("api:responsibilitylist-detail", args=[fushun_list.pk])), 404)


def test_list_index_query_count_is_constant(liaoning, national_admin):
    def add_row(number):
        city = CityFactory(province=liaoning)
        rlist = services.create_list(city, year=2021, by=national_admin)
        services.add_item(rlist, work_area="创造", task="任务", by=national_admin)

    assert_constant_queries(token_client(national_admin), reverse("api:responsibilitylist-list"), add_row)


def test_officer_creates_a_list_and_province_may_not(fushun_city, fushun_officer, liaoning_staff):
    url = reverse("api:responsibilitylist-list")
    assert_error(token_client(liaoning_staff).post(url, {"city": "210400", "year": 2022}), 403)
    response = token_client(fushun_officer).post(url, {"city": "210400", "year": 2022})
    assert (response.status_code, response.json()["title"], response.json()["item_count"]) == (
        201, "2022年工作计划责任清单", 0)
    assert actions(fushun_city) == ["list.create"]


# --- Items --------------------------------------------------------------------------------------------------


def test_items_are_filtered(fushun_list, fushun_officer):
    client = token_client(fushun_officer)
    first, second = fushun_list.items.order_by("number")
    services.report_progress(second, status=ItemStatus.COMPLETED, percent=100, by=fushun_officer)

    def ids(**params):
        return [item["id"] for item in client.get(reverse("api:responsibilityitem-list"), params).json()["results"]]

    assert ids() == ids(list=fushun_list.pk) == ids(city="210400") == ids(year=2021) == [first.pk, second.pk]
    assert ids(year=2022) == ids(city="441700") == []
    assert ids(status="completed") == ids(overdue=False) == [second.pk]
    assert ids(overdue=True) == ids(due_before="2021-07-01") == [first.pk]
    assert ids(due_after="2021-07-01") == [second.pk]
    assert ids(ordering="-number") == [second.pk, first.pk]


def test_item_list_query_count_is_constant(fushun_list, fushun_officer, media):
    def add_row(number):
        item = services.add_item(fushun_list, work_area="保护", task=f"任务{number}", by=fushun_officer)
        services.report_progress(item, status=ItemStatus.IN_PROGRESS, percent=10, evidence_files=[pdf()],
                                 by=fushun_officer)

    fushun_list.items.all().delete()
    assert_constant_queries(token_client(fushun_officer), reverse("api:responsibilityitem-list"), add_row)


def test_the_lists_editor_adds_changes_and_deletes_items(fushun_list, fushun_city, fushun_officer):
    client = token_client(fushun_officer)
    response = client.post(reverse("api:responsibilityitem-list"), {
        "list": fushun_list.pk, "work_area": "保护", "task": "开展执法", "responsible_units": ["市市场监管局", "市公安局"]})
    assert response.status_code == 201, response.content
    item = ResponsibilityItem.objects.get(pk=response.json()["id"])
    assert (item.number, item.lead_unit, item.due_date) == (3, "市市场监管局", dt.date(2021, 12, 31))
    response = client.patch(reverse("api:responsibilityitem-detail", args=[item.pk]), {"due_date": "2021-09-30"})
    assert (response.status_code, response.json()["due_date"], response.json()["task"]) == (
        200, "2021-09-30", "开展执法")
    assert client.delete(reverse("api:responsibilityitem-detail", args=[item.pk])).status_code == 204
    assert not ResponsibilityItem.objects.filter(pk=item.pk).exists()
    assert actions(fushun_city)[-3:] == ["list.item_add", "list.item_update", "list.item_delete"]


def test_item_writes_are_refused(fushun_list, fushun_officer, liaoning_staff, yangjiang_officer):
    item = fushun_list.items.get(number=1)
    url = reverse("api:responsibilityitem-detail", args=[item.pk])
    officer = token_client(fushun_officer)
    assert_error(token_client(liaoning_staff).patch(url, {"task": "改"}), 403)
    other = token_client(yangjiang_officer)
    assert_error(other.delete(url), 404)
    assert_error(other.post(reverse("api:responsibilityitem-list"), {
        "list": fushun_list.pk, "work_area": "保护", "task": "开展执法"}), 404)
    body = assert_error(officer.patch(url, {"due_date": "六月", "number": 0}), 400, "invalid")
    assert set(body["fields"]) == {"due_date", "number"} and CJK.search(body["fields"]["number"][0])
    body = assert_error(officer.patch(url, {"number": 2}), 400)
    assert CJK.search(body["message"] + str(body["fields"]))
    services.report_progress(item, status=ItemStatus.IN_PROGRESS, percent=10, by=fushun_officer)
    body = assert_error(officer.delete(url), 400, "refused")
    assert CJK.search(body["message"])
    assert ResponsibilityItem.objects.get(pk=item.pk).task == "培育高价值专利"


# --- Progress, verdicts, evidence ---------------------------------------------------------------------------------


def test_officer_reports_completion_with_evidence_and_the_province_verifies(
        fushun_list, fushun_city, fushun_officer, liaoning_staff, django_capture_on_commit_callbacks):
    item = fushun_list.items.get(number=1)
    officer = token_client(fushun_officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = officer.post(
            reverse("api:responsibilityitem-progress", args=[item.pk]),
            {"status": "completed", "percent": "100", "actual_value": "3", "note": "已完成",
             "evidence_files": [pdf(), pdf("照片.pdf", PDF + b"%")]}, format="multipart")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["percent"], body["actual_value"], body["verdict"]) == (
        "completed", 100, "3.0000", "")
    assert [(e["original_name"], e["sha256"]) for e in body["evidence"]] == [
        ("验收报告.pdf", hashlib.sha256(PDF).hexdigest()), ("照片.pdf", hashlib.sha256(PDF + b"%").hexdigest())]
    assert Notification.objects.filter(recipient=liaoning_staff).count() == 1

    province = token_client(liaoning_staff)
    download = province.get(body["evidence"][0]["download"])
    assert (download.status_code, b"".join(download.streaming_content)) == (200, PDF)
    assert download["Content-Type"] == "application/pdf"
    assert [r["id"] for r in province.get(reverse("api:progressreport-list"), {"awaiting": True}).json()[
        "results"]] == [body["id"]]
    with django_capture_on_commit_callbacks(execute=True):
        response = province.post(reverse("api:progressreport-verify", args=[body["id"]]), {"verdict": "verified"})
    assert (response.status_code, response.json()["verdict"]) == (200, "verified")
    item.refresh_from_db()
    assert item.status == ItemStatus.VERIFIED
    assert Notification.objects.filter(recipient=fushun_officer).count() == 1
    assert actions(fushun_city)[-2:] == ["progress.report", "progress.verify"]
    detail = officer.get(reverse("api:responsibilityitem-detail", args=[item.pk])).json()
    assert [(r["status"], r["verdict"], len(r["evidence"])) for r in detail["reports"]] == [
        ("completed", "verified", 2)]


def test_province_sends_back_with_a_reason(fushun_list, fushun_city, fushun_officer, liaoning_staff):
    item = fushun_list.items.get(number=1)
    report = services.report_progress(item, status=ItemStatus.COMPLETED, percent=100, by=fushun_officer)
    client = token_client(liaoning_staff)
    url = reverse("api:progressreport-verify", args=[report.pk])
    body = assert_error(client.post(url, {"verdict": "sent_back"}), 400, "invalid")
    assert list(body["fields"]) == ["reason"] and CJK.search(body["fields"]["reason"][0])
    assert_error(token_client(fushun_officer).post(url, {"verdict": "verified"}), 403)
    response = client.post(url, {"verdict": "sent_back", "reason": "缺少统计"})
    assert (response.status_code, response.json()["verdict_reason"]) == (200, "缺少统计")
    assert ResponsibilityItem.objects.get(pk=item.pk).status == ItemStatus.SENT_BACK
    assert actions(fushun_city)[-1] == "progress.send_back"


def test_progress_is_refused_for_a_wrong_file_type_or_reporter(fushun_list, fushun_officer, liaoning_staff,
                                                               yangjiang_officer, media):
    item = fushun_list.items.get(number=1)
    url = reverse("api:responsibilityitem-progress", args=[item.pk])
    data = {"status": "in_progress", "percent": "10"}
    assert_error(token_client(liaoning_staff).post(url, data, format="multipart"), 403)
    assert_error(token_client(yangjiang_officer).post(url, data, format="multipart"), 404)
    officer = token_client(fushun_officer)
    fake = SimpleUploadedFile("证明.pdf", b"MZ\x90\x00 not a pdf")
    body = assert_error(officer.post(url, {**data, "evidence_files": [fake]}, format="multipart"), 400, "refused")
    assert CJK.search(body["message"])
    body = assert_error(officer.post(url, {"status": "verified", "percent": "101"}, format="multipart"), 400)
    assert set(body["fields"]) == {"status", "percent"}
    assert_error(officer.post(url, data, format="json"), 415)
    assert ProgressReport.objects.count() == 0
    assert not media.exists() or not any(path.is_file() for path in media.rglob("*"))


def test_evidence_download_is_scoped(fushun_list, fushun_officer, yangjiang_officer, reviewer):
    item = fushun_list.items.get(number=1)
    services.report_progress(item, status=ItemStatus.IN_PROGRESS, percent=10, evidence_files=[pdf()],
                             by=fushun_officer)
    url = reverse("api:progressevidence-download", args=[ProgressEvidence.objects.get().pk])
    other = token_client(yangjiang_officer)
    assert token_client(fushun_officer).get(url).status_code == 200
    assert_error(other.get(url), 404)
    assert_error(token_client(reviewer).get(url), 404)
    assert_error(other.get(
        reverse("api:progressreport-detail", args=[ProgressReport.objects.get().pk])), 404)


def test_report_list_query_count_is_constant(fushun_list, liaoning_staff, fushun_officer, media):
    item = fushun_list.items.get(number=1)

    def add_row(number):
        services.report_progress(item, status=ItemStatus.IN_PROGRESS, percent=number, evidence_files=[pdf()],
                                 by=fushun_officer)

    assert_constant_queries(token_client(liaoning_staff), reverse("api:progressreport-list"), add_row)


# --- Coverage --------------------------------------------------------------------------------------------------


def test_coverage_of_the_mandatory_national_tasks(fushun_list, yangjiang_city, yangjiang_officer, fushun_officer,
                                                   national_admin):
    plan = NationalPlan.objects.create(year=2020, title="2020年工作计划")
    covered, _missing = (NationalTask.objects.create(plan=plan, number=n, title=f"任务{n}",
                                                     requirement=Requirement.MANDATORY) for n in (1, 2))
    NationalTask.objects.create(plan=plan, number=3, title="选做", requirement=Requirement.OPTIONAL)
    services.update_item(fushun_list.items.get(number=1), national_task=covered, by=fushun_officer)
    services.create_list(yangjiang_city, year=2021, by=yangjiang_officer)
    national = token_client(national_admin)
    body = national.get(reverse("api:responsibilitylist-coverage"), {"year": 2021}).json()
    assert (body["year"], body["national_plan"]["id"]) == (2021, plan.pk)
    assert [(row["city"], [task["number"] for task in row["missing"]]) for row in body["cities"]] == [
        ("210400", [2]), ("441700", [1, 2])]
    assert body["cities"][0]["list"] == fushun_list.pk
    own = token_client(fushun_officer).get(reverse("api:responsibilitylist-coverage"), {"year": 2021}).json()
    assert [row["city"] for row in own["cities"]] == ["210400"]
    filtered = national.get(reverse("api:responsibilitylist-coverage"),
                                                {"year": 2021, "province": "440000"}).json()
    assert [row["city"] for row in filtered["cities"]] == ["441700"]
