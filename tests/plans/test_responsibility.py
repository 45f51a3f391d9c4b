"""Responsibility lists: loading, editing, coverage of the national plan, progress and verification, views."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.conf import settings as django_settings
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from cities.enums import DesignationStatus, Role, Tier
from cities.models import AuditEntry, Notification
from plans.coverage import coverage
from plans.enums import ItemStatus, Requirement
from plans.models import NationalPlan, NationalTask, ProgressEvidence, ProgressReport, ResponsibilityItem
from plans.services import responsibility as services
from plans.services.plans import load_national_plan
from plans.services.responsibility import load_list_json, report_progress, verify_progress
from tests.factories import CityFactory, DesignationFactory
from tests.files import PDF as PDF_BYTES
from tests.files import hostile_files
from tests.utils import queries_for

FUSHUN_JSON = django_settings.BASE_DIR / "plans" / "data" / "responsibility_list_fushun_2021.json"
WORK_AREAS = ["推动知识产权高质量创造", "促进知识产权高效益运用", "强化知识产权高标准保护", "推进知识产权高效能管理服务"]


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "private-media"
    return settings.MEDIA_ROOT


@pytest.fixture
def fushun_list(fushun_city, fushun_officer):
    return load_list_json(FUSHUN_JSON, city=fushun_city, year=2021, by=fushun_officer)


@pytest.fixture
def plan_2018(db):
    return load_national_plan(by=None)


def english(client):
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def flashed(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def pdf(name: str = "验收报告.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


# --- Loading and editing -----------------------------------------------------------------------


def test_load_list_json_gives_the_18_items_of_fushun_2021(fushun_list, fushun_city):
    assert (fushun_list.city, fushun_list.year, fushun_list.title) == (fushun_city, 2021, "2021年工作计划责任清单")
    items = list(fushun_list.items.order_by("number"))
    assert [item.number for item in items] == list(range(1, 19))
    assert [item.work_area for item in items] == [WORK_AREAS[0]] * 6 + [WORK_AREAS[1]] * 5 + [WORK_AREAS[2]] * 4 + [
        WORK_AREAS[3]] * 3
    assert {item.due_date for item in items} == {dt.date(2021, 12, 31)}
    assert {item.lead_unit for item in items} == {"市知识产权局"}
    assert {item.status for item in items} == {ItemStatus.NOT_STARTED}
    eighth = items[7]
    assert (eighth.task, eighth.completion_standard, eighth.responsible_units) == (
        "推进知识产权质押融资。", "完成5个质押融资项目，融资额8000万元。",
        ["市知识产权局", "市发改委", "市金融发展局", "市国资委", "抚顺银保监分局", "各县区政府"])
    assert [items[11].task, items[12].task] == ["健全知识产权保护体系。", "健全知识产权保护体系。"]
    assert list(AuditEntry.objects.filter(city=fushun_city).values_list("action", flat=True).order_by("pk")) == [
        "list.create", "list.load"]


def test_load_list_json_again_changes_nothing(fushun_list, fushun_city, fushun_officer):
    pks = list(fushun_list.items.values_list("pk", flat=True).order_by("number"))
    entries = AuditEntry.objects.count()
    again = load_list_json(FUSHUN_JSON, city=fushun_city, year=2021, by=fushun_officer)
    assert again.pk == fushun_list.pk
    assert list(again.items.values_list("pk", flat=True).order_by("number")) == pks
    assert AuditEntry.objects.count() == entries


def test_load_list_json_for_another_year_is_refused(fushun_city, fushun_officer):
    with pytest.raises(ValidationError):
        load_list_json(FUSHUN_JSON, city=fushun_city, year=2022, by=fushun_officer)


@pytest.mark.parametrize("who", ["yangjiang_officer", "liaoning_staff", "reviewer"])
def test_only_the_city_and_cnipa_edit_a_list(request, fushun_list, who):
    user = request.getfixturevalue(who)
    item = fushun_list.items.get(number=1)
    with pytest.raises(PermissionDenied):
        services.add_item(fushun_list, work_area="新", task="新任务", by=user)
    with pytest.raises(PermissionDenied):
        services.update_item(item, task="改", by=user)
    with pytest.raises(PermissionDenied):
        services.delete_item(item, by=user)


def test_add_update_and_delete_items(fushun_list, fushun_officer, national_admin, plan_2018):
    task_5 = plan_2018.tasks.get(number=5)
    item = services.add_item(fushun_list, work_area="推进知识产权高效能管理服务", task="开展贯标辅导。",
                             responsible_units="市知识产权局、各县区政府", national_task=task_5, by=fushun_officer)
    assert (item.number, item.lead_unit, item.responsible_units, item.due_date) == (
        19, "市知识产权局", ["市知识产权局", "各县区政府"], dt.date(2021, 12, 31))
    # A task of a later national plan cannot be linked.
    later = NationalTask.objects.create(plan=NationalPlan.objects.create(year=2022, title="2022年计划"), number=1,
                                        title="新任务", requirement=Requirement.MANDATORY)
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        services.update_item(item, national_task=later, by=fushun_officer)
    assert refused.value.message_dict == {
        "national_task": ["The national task must belong to a national plan of 2021 or before."]}
    updated = services.update_item(item, completion_standard="辅导20家企业。", due_date=dt.date(2021, 11, 30),
                                   by=national_admin)
    assert (updated.completion_standard, updated.due_date) == ("辅导20家企业。", dt.date(2021, 11, 30))
    entry = AuditEntry.objects.filter(action="list.item_update").get()
    assert entry.data == {"changed": {"completion_standard": ["", "辅导20家企业。"],
                                      "due_date": ["2021-12-31", "2021-11-30"]}}
    report_progress(updated, status=ItemStatus.IN_PROGRESS, percent=20, by=fushun_officer)
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        services.delete_item(updated, by=fushun_officer)
    assert refused.value.messages == ["Item 19 has progress reports and cannot be deleted."]
    first = fushun_list.items.get(number=1)
    services.delete_item(first, by=fushun_officer)
    assert list(fushun_list.items.values_list("number", flat=True).order_by("number")) == list(range(2, 20))


# --- Coverage ------------------------------------------------------------------------------------


def test_coverage_flags_a_demonstration_city_missing_a_mandatory_task(
        fushun_list, fushun_city, yangjiang_city, liaoning, plan_2018, django_assert_num_queries):
    mandatory = list(plan_2018.tasks.filter(requirement=Requirement.MANDATORY).order_by("number"))
    assert [task.number for task in mandatory] == [1, 2, 3, 4, 5, 6]
    DesignationFactory(city=fushun_city, tier=Tier.DEMONSTRATION)
    DesignationFactory(city=yangjiang_city, tier=Tier.DEMONSTRATION, status=DesignationStatus.RECTIFYING,
                       rectification_deadline=dt.date(2018, 12, 31))
    lapsed = CityFactory(code="210500", province=liaoning, name="本溪市")
    DesignationFactory(city=lapsed, tier=Tier.DEMONSTRATION, status=DesignationStatus.REVOKED)
    pilot = CityFactory(code="210600", province=liaoning, name="丹东市")
    DesignationFactory(city=pilot, tier=Tier.PILOT)
    # 抚顺's list of 2018 covers tasks 1–5 and the optional task 7; nothing covers 6 (强县工程).
    list_2018 = services.create_list(fushun_city, year=2018, title="2018年工作计划责任清单", by=None)
    for number in (1, 2, 3, 4, 5, 5, 7):
        services.add_item(list_2018, work_area="示范城市工作", task=f"落实任务{number}",
                          national_task=plan_2018.tasks.get(number=number), by=None)
    # The 2021 list's items do not count for 2018 even when linked.
    ResponsibilityItem.objects.filter(list=fushun_list, number=1).update(national_task=mandatory[5])
    with django_assert_num_queries(3):
        gaps = coverage(plan_2018, year=2018)
    assert gaps == {fushun_city.pk: [mandatory[5]], yangjiang_city.pk: mandatory}
    assert coverage(plan_2018, year=2018, cities=[fushun_city]) == {fushun_city.pk: [mandatory[5]]}
    # A city with a list of the year is held to the plan even without a current title.
    services.create_list(pilot, year=2018, title="丹东2018", by=None)
    assert coverage(plan_2018, year=2018)[pilot.pk] == mandatory


# --- Progress ------------------------------------------------------------------------------------


def test_progress_with_evidence_then_province_verifies(fushun_list, fushun_officer, liaoning_staff, guangdong_staff,
                                                       media, django_capture_on_commit_callbacks):
    item = fushun_list.items.get(number=17)
    with django_capture_on_commit_callbacks(execute=True):
        first = report_progress(item, status=ItemStatus.IN_PROGRESS, percent=60, note="已组织2次培训",
                                by=fushun_officer)
    assert Notification.objects.count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        report = report_progress(item, status=ItemStatus.COMPLETED, percent=100, actual_value=3,
                                 note="已组织3次培训", evidence_files=[pdf()], by=fushun_officer)
    item.refresh_from_db()
    assert (item.status, item.percent) == (ItemStatus.COMPLETED, 100)
    assert list(item.reports.values_list("pk", flat=True)) == [report.pk, first.pk]
    [evidence] = ProgressEvidence.objects.all()
    assert (evidence.report, evidence.original_name, evidence.content_type, evidence.size, evidence.sha256) == (
        report, "验收报告.pdf", "application/pdf", len(PDF_BYTES), hashlib.sha256(PDF_BYTES).hexdigest())
    with evidence.file.open("rb") as handle:
        assert handle.read() == PDF_BYTES
    assert evidence.file.name == f"progress/{item.pk}/{report.pk}-{evidence.sha256[:16]}"
    [note] = Notification.objects.all()
    assert (note.recipient, note.url) == (liaoning_staff, reverse("item_detail", args=[item.pk]))

    with pytest.raises(PermissionDenied):
        verify_progress(report, verdict=ItemStatus.VERIFIED, by=fushun_officer)
    with pytest.raises(PermissionDenied):
        verify_progress(report, verdict=ItemStatus.VERIFIED, by=guangdong_staff)
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        verify_progress(report, verdict=ItemStatus.SENT_BACK, reason="  ", by=liaoning_staff)
    assert refused.value.message_dict == {"reason": ["Say why the report is sent back."]}
    item.refresh_from_db()
    assert item.status == ItemStatus.COMPLETED

    with django_capture_on_commit_callbacks(execute=True):
        verify_progress(report, verdict=ItemStatus.VERIFIED, by=liaoning_staff)
    item.refresh_from_db()
    report.refresh_from_db()
    assert (item.status, report.verdict, report.verified_by) == (ItemStatus.VERIFIED, ItemStatus.VERIFIED,
                                                                 liaoning_staff)
    assert list(Notification.objects.filter(recipient=fushun_officer).values_list("url", flat=True)) == [
        reverse("item_detail", args=[item.pk])]
    assert list(AuditEntry.objects.filter(object_id=str(item.pk), action__startswith="progress.")
                .values_list("action", "from_state", "to_state").order_by("pk")) == [
        ("progress.report", "not_started", "in_progress"), ("progress.report", "in_progress", "completed"),
        ("progress.verify", "completed", "verified")]
    with pytest.raises(ValidationError):  # a verified item is closed
        report_progress(item, status=ItemStatus.IN_PROGRESS, percent=50, by=fushun_officer)


def test_send_back_with_a_reason_reopens_the_item(fushun_list, fushun_officer, liaoning_staff):
    item = fushun_list.items.get(number=2)
    report = report_progress(item, status=ItemStatus.COMPLETED, percent=100, by=fushun_officer)
    verify_progress(report, verdict=ItemStatus.SENT_BACK, reason="缺少商标注册统计", by=liaoning_staff)
    item.refresh_from_db()
    report.refresh_from_db()
    assert (item.status, report.verdict, report.verdict_reason) == (ItemStatus.SENT_BACK, ItemStatus.SENT_BACK,
                                                                    "缺少商标注册统计")
    with pytest.raises(ValidationError):  # judged once
        verify_progress(report, verdict=ItemStatus.VERIFIED, by=liaoning_staff)


def test_progress_is_refused_for_a_wrong_file_or_reporter(fushun_list, fushun_officer, yangjiang_officer,
                                                          liaoning_staff, media):
    item = fushun_list.items.get(number=1)
    with pytest.raises(PermissionDenied):
        report_progress(item, status=ItemStatus.IN_PROGRESS, percent=10, by=yangjiang_officer)
    with pytest.raises(PermissionDenied):
        report_progress(item, status=ItemStatus.IN_PROGRESS, percent=10, by=liaoning_staff)
    fake = SimpleUploadedFile("证明.pdf", b"MZ\x90\x00 not a pdf")
    with pytest.raises(ValidationError):
        report_progress(item, status=ItemStatus.IN_PROGRESS, percent=10, evidence_files=[fake], by=fushun_officer)
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        report_progress(item, status=ItemStatus.COMPLETED, percent=80, by=fushun_officer)
    assert refused.value.message_dict == {"percent": ["A completed item is 100 percent complete."]}
    with pytest.raises(ValidationError):
        report_progress(item, status=ItemStatus.VERIFIED, percent=100, by=fushun_officer)
    assert ProgressReport.objects.count() == 0
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


EVIDENCE_HOSTILE = [h for h in hostile_files() if h.id in {"pdf-javascript-openaction", "php-after-jpeg", "macro-workbook"}]


@pytest.mark.parametrize("hostile", EVIDENCE_HOSTILE, ids=lambda h: h.id)
def test_hostile_evidence_is_refused_and_audited(fushun_list, fushun_officer, fushun_city, media, hostile):
    item = fushun_list.items.get(number=1)
    with pytest.raises(ValidationError) as refused:
        report_progress(item, status=ItemStatus.IN_PROGRESS, percent=10, by=fushun_officer,
                        evidence_files=[pdf(), SimpleUploadedFile(hostile.name, hostile.content)])
    assert refused.value.messages == [hostile.message]
    assert (ProgressReport.objects.count(), ProgressEvidence.objects.count()) == (0, 0)
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))
    assert [(e.actor, e.city, e.data) for e in AuditEntry.objects.filter(action="upload.refused")] == [
        (fushun_officer, fushun_city, {"name": hostile.name, "kind": "progress_evidence", "size": len(hostile.content),
                                       "code": refused.value.code, "reason": hostile.message})]


# --- Views ---------------------------------------------------------------------------------------


def test_list_detail_shows_gaps_items_and_the_officer_forms(client, fushun_list, fushun_city, fushun_officer):
    plan_2021 = NationalPlan.objects.create(year=2021, title="2021年示范城市工作计划")
    for number, requirement in ((1, Requirement.MANDATORY), (2, Requirement.MANDATORY), (3, Requirement.OPTIONAL)):
        NationalTask.objects.create(plan=plan_2021, number=number, title=f"任务{number}", requirement=requirement)
    ResponsibilityItem.objects.filter(list=fushun_list, number=1).update(national_task=plan_2021.tasks.get(number=1))
    client.force_login(fushun_officer)
    response = english(client).get(reverse("list_detail", args=[fushun_list.pk]))
    assert response.status_code == 200
    assert response.context["gaps"] == [plan_2021.tasks.get(number=2)]
    assert [(area, [row.item.number for row in rows]) for area, rows in response.context["groups"]] == [
        (WORK_AREAS[0], [1, 2, 3, 4, 5, 6]), (WORK_AREAS[1], [7, 8, 9, 10, 11]),
        (WORK_AREAS[2], [12, 13, 14, 15]), (WORK_AREAS[3], [16, 17, 18])]
    html = response.content.decode()
    assert "2. 任务2" in html
    assert html.count('action="/responsibility/items/') == 18  # one progress form per item
    assert (response.context["can_edit"], response.context["can_report"], response.context["can_verify"]) == (
        True, True, False)
    # Every item of 2021 is overdue today.
    assert response.context["overdue_count"] == 18


def test_province_verifies_through_the_views(client, fushun_list, fushun_officer, liaoning_staff, media):
    item = fushun_list.items.get(number=5)
    client.force_login(fushun_officer)
    response = client.post(reverse("item_progress", args=[item.pk]), {
        "status": ItemStatus.COMPLETED, "percent": 100, "actual_value": "15", "note": "15家通过",
        "evidence_files": [pdf("认证证书.pdf")], "back": "list"})
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('list_detail', args=[fushun_list.pk])}#item-{item.pk}"
    report = ProgressReport.objects.get()
    assert response.status_code == 302
    assert client.post(reverse("progress_verify", args=[report.pk]), {"verdict": ItemStatus.VERIFIED}).status_code == 403

    client.force_login(liaoning_staff)
    page = client.get(reverse("list_detail", args=[fushun_list.pk]))
    assert [row.item.number for _area, rows in page.context["groups"] for row in rows if row.may_verify] == [5]
    response = english(client).post(reverse("progress_verify", args=[report.pk]),
                                     {"verdict": ItemStatus.SENT_BACK, "reason": ""})
    assert flashed(response) == ["Say why the report is sent back."]
    response = english(client).post(reverse("progress_verify", args=[report.pk]), {"verdict": ItemStatus.VERIFIED})
    assert response["Location"] == reverse("item_detail", args=[item.pk])
    item.refresh_from_db()
    assert item.status == ItemStatus.VERIFIED
    detail = client.get(reverse("item_detail", args=[item.pk]))
    evidence = ProgressEvidence.objects.get()
    assert f'href="{reverse("evidence_download", args=[evidence.pk])}"' in detail.content.decode()
    download = client.get(reverse("evidence_download", args=[evidence.pk]))
    assert (download.status_code, b"".join(download.streaming_content)) == (200, PDF_BYTES)


@pytest.mark.parametrize("who", ["yangjiang_officer", "guangdong_staff", "reviewer"])
def test_out_of_scope_users_get_404(client, request, fushun_list, fushun_officer, media, who):
    item = fushun_list.items.get(number=1)
    report = report_progress(item, status=ItemStatus.COMPLETED, percent=100, evidence_files=[pdf()],
                             by=fushun_officer)
    evidence = ProgressEvidence.objects.get()
    client.force_login(request.getfixturevalue(who))
    for url in (reverse("list_detail", args=[fushun_list.pk]), reverse("list_xlsx", args=[fushun_list.pk]),
                reverse("item_detail", args=[item.pk]), reverse("evidence_download", args=[evidence.pk]),
                reverse("item_edit", args=[item.pk])):
        assert client.get(url).status_code == 404, url
    for url, data in ((reverse("item_progress", args=[item.pk]), {"status": "in_progress", "percent": 5}),
                      (reverse("progress_verify", args=[report.pk]), {"verdict": "verified"}),
                      (reverse("list_import", args=[fushun_list.pk]), {})):
        assert client.post(url, data).status_code == 404, url
    item.refresh_from_db()
    assert item.status == ItemStatus.COMPLETED


def test_list_index_is_scoped_and_filtered(client, fushun_list, yangjiang_city, yangjiang_officer, liaoning_staff,
                                           national_admin):
    other = services.create_list(yangjiang_city, year=2021, title="阳江2021", by=yangjiang_officer)
    older = services.create_list(yangjiang_city, year=2020, title="阳江2020", by=yangjiang_officer)
    for user, expected in ((yangjiang_officer, [other, older]), (liaoning_staff, [fushun_list]),
                           (national_admin, [fushun_list, other, older])):
        client.force_login(user)
        assert list(client.get(reverse("list_index")).context["page"].object_list) == expected
    client.force_login(national_admin)
    page = client.get(reverse("list_index"), {"city": yangjiang_city.code, "year": 2020}).context["page"]
    assert list(page.object_list) == [older]
    [row] = client.get(reverse("list_index"), {"city": "210400"}).context["page"].object_list
    assert (row.item_count, row.verified_count, row.overdue_count) == (18, 0, 18)


def test_import_view_shows_cell_errors(client, fushun_list, fushun_officer, liaoning_staff):
    client.force_login(liaoning_staff)
    assert client.post(reverse("list_import", args=[fushun_list.pk]),
                       {"file": SimpleUploadedFile("a.xlsx", b"x")}).status_code == 403
    client.force_login(fushun_officer)
    response = english(client).post(reverse("list_import", args=[fushun_list.pk]),
                                    {"file": SimpleUploadedFile("a.xlsx", b"")})
    assert response.status_code == 200
    assert response.context["import_errors"] == ["the file is empty"]
    assert fushun_list.items.count() == 18


def test_coverage_view_lists_the_gaps_of_the_users_cities(client, fushun_list, fushun_city, yangjiang_city,
                                                          fushun_officer, liaoning_staff, national_admin, plan_2018):
    DesignationFactory(city=fushun_city, tier=Tier.DEMONSTRATION)
    DesignationFactory(city=yangjiang_city, tier=Tier.DEMONSTRATION)
    client.force_login(fushun_officer)
    assert client.get(reverse("coverage_view")).status_code == 403
    client.force_login(liaoning_staff)
    response = client.get(reverse("coverage_view"), {"year": 2018})
    assert [(row["city"], row["list_pk"], [t.number for t in row["missing"]]) for row in response.context["rows"]] == [
        (fushun_city, None, [1, 2, 3, 4, 5, 6])]
    client.force_login(national_admin)
    response = client.get(reverse("coverage_view"), {"year": 2021})
    # No 2021 plan: the 2018 plan applies; 抚顺's 2021 list links no task.
    assert response.context["national_plan"] == plan_2018
    assert [row["city"] for row in response.context["rows"]] == [fushun_city, yangjiang_city]
    assert response.context["rows"][0]["list_pk"] == fushun_list.pk


# --- Query counts --------------------------------------------------------------------------------


def _lists(province, start: int, n: int):
    for i in range(n):
        city = CityFactory(code=f"21{start + i:04d}", province=province)
        rlist = services.create_list(city, year=2021, title=f"清单{i}", by=None)
        services.add_item(rlist, work_area="工作", task="任务", by=None)


def test_list_index_query_count_is_flat(client, national_admin, liaoning):
    client.force_login(national_admin)
    _lists(liaoning, 100, 1)
    one, response = queries_for(client, reverse("list_index"))
    assert len(response.context["page"].object_list) == 1
    _lists(liaoning, 200, 19)
    twenty, response = queries_for(client, reverse("list_index"))
    assert len(response.context["page"].object_list) == 20
    assert one == twenty


@pytest.mark.parametrize("who", ["fushun_officer", "liaoning_staff"])
def test_list_detail_query_count_is_flat(client, request, fushun_city, fushun_officer, plan_2018, who):
    rlist = services.create_list(fushun_city, year=2018, title="2018年工作计划责任清单", by=None)

    def add(numbers):
        for number in numbers:
            item = services.add_item(rlist, work_area=f"事项{number % 3}", task=f"任务{number}",
                                     national_task=plan_2018.tasks.get(number=1), by=None)
            report_progress(item, status=ItemStatus.COMPLETED, percent=100, by=fushun_officer)

    client.force_login(request.getfixturevalue(who))
    add([1])
    one, response = queries_for(client, reverse("list_detail", args=[rlist.pk]))
    assert response.context["item_count"] == 1
    add(range(2, 21))
    twenty, response = queries_for(client, reverse("list_detail", args=[rlist.pk]))
    assert response.context["item_count"] == 20
    assert one == twenty


def test_item_detail_query_count_is_flat(client, fushun_list, fushun_officer, media):
    item = fushun_list.items.get(number=1)
    client.force_login(fushun_officer)
    report_progress(item, status=ItemStatus.IN_PROGRESS, percent=5, evidence_files=[pdf()], by=fushun_officer)
    one, _response = queries_for(client, reverse("item_detail", args=[item.pk]))
    for percent in range(6, 25):
        report_progress(item, status=ItemStatus.IN_PROGRESS, percent=percent, evidence_files=[pdf(f"{percent}.pdf")],
                        by=fushun_officer)
    twenty, response = queries_for(client, reverse("item_detail", args=[item.pk]))
    assert len(response.context["row"].reports) == 20
    assert one == twenty


def test_city_officer_creates_a_list(client, fushun_city, fushun_officer):
    client.force_login(fushun_officer)
    response = client.post(reverse("list_create"), {"city": fushun_city.pk, "year": 2022, "title": ""})
    rlist = fushun_city.responsibility_lists.get()
    assert response["Location"] == reverse("list_detail", args=[rlist.pk])
    assert (rlist.year, rlist.title) == (2022, "2022年工作计划责任清单")
    assert Role.CITY_OFFICER in fushun_officer.roles


def test_item_form_views_add_and_edit(client, fushun_list, fushun_officer, liaoning_staff, plan_2018):
    client.force_login(liaoning_staff)
    assert client.get(reverse("item_create", args=[fushun_list.pk])).status_code == 403
    client.force_login(fushun_officer)
    page = client.get(reverse("item_create", args=[fushun_list.pk]))
    # The 2018 plan is the one in force for 2021: its tasks are offered.
    assert [task.number for task in page.context["form"].fields["national_task"].queryset] == list(range(1, 9))
    task_6 = plan_2018.tasks.get(number=6)
    response = client.post(reverse("item_create", args=[fushun_list.pk]), {
        "work_area": "推进知识产权高效能管理服务", "task": "创建知识产权强县。", "completion_standard": "1家",
        "responsible_units": "市知识产权局、新抚区政府", "national_task": task_6.pk})
    assert response["Location"] == reverse("list_detail", args=[fushun_list.pk])
    item = fushun_list.items.get(number=19)
    assert (item.task, item.lead_unit, item.responsible_units, item.national_task, item.due_date) == (
        "创建知识产权强县。", "市知识产权局", ["市知识产权局", "新抚区政府"], task_6, dt.date(2021, 12, 31))
    page = client.get(reverse("item_edit", args=[item.pk]))
    assert page.context["form"]["responsible_units"].value() == "市知识产权局、新抚区政府"
    response = client.post(reverse("item_edit", args=[item.pk]), {
        "number": 19, "work_area": item.work_area, "task": item.task, "completion_standard": "2家",
        "responsible_units": "新抚区政府", "due_date": "2021-10-31", "national_task": task_6.pk})
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.completion_standard, item.lead_unit, item.due_date) == ("2家", "新抚区政府", dt.date(2021, 10, 31))
    # A number already taken is refused on the form.
    response = english(client).post(reverse("item_edit", args=[item.pk]), {
        "number": 1, "work_area": item.work_area, "task": item.task})
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "__all__": ["This list already has an item with this number."]}
    page = client.get(reverse("item_detail", args=[item.pk]))
    assert f'action="{reverse("item_delete", args=[item.pk])}"' in page.content.decode()
    assert client.post(reverse("item_delete", args=[item.pk])).status_code == 302
    assert fushun_list.items.count() == 18


def test_send_back_form_asks_for_confirmation(client, fushun_list, fushun_officer, liaoning_staff):
    item = fushun_list.items.get(number=4)
    report = report_progress(item, status=ItemStatus.COMPLETED, percent=100, by=fushun_officer)
    client.force_login(liaoning_staff)
    html = english(client).get(reverse("item_detail", args=[item.pk])).content.decode()
    action = reverse("progress_verify", args=[report.pk])
    assert html.count(f'action="{action}"') == 2
    assert ('data-confirm="Send this report back to the city?"') in html
    assert "<script>" not in html and "style=" not in html
