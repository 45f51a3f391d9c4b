"""The audit log's entries for refusals and downloads, the audit administrator's export, and retention (purge)."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from io import StringIO

import openpyxl
import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.urls import path, reverse
from django.utils import timezone, translation

from cities import audit
from cities.audit_chain import GENESIS
from cities.models import AuditEntry
from evaluations.enums import CycleKind, CycleStatus
from evaluations.models import Application, Cycle
from ipcity.urls import urlpatterns as site_urlpatterns
from tests.cities.test_audit_chain import update_trigger_off
from tests.utils import queries_for

pytestmark = pytest.mark.django_db
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def atomic_refusal(request):
    """A view that writes inside its transaction, then refuses: the transaction rolls back."""
    with transaction.atomic():
        audit.record(actor=request.user, action="place.update", reason="rolled back")
        raise PermissionDenied


urlpatterns = [path("atomic-refusal/", atomic_refusal), *site_urlpatterns]


@pytest.fixture
def cycle(db):
    return Cycle.objects.create(kind=CycleKind.PILOT, year=2026, title="2026年国家知识产权试点城市评定",
                                status=CycleStatus.OPEN, city_deadline=dt.date(2026, 8, 15),
                                province_deadline=dt.date(2026, 8, 31), data_year=2025)


def denials():
    return list(AuditEntry.objects.filter(action="access.denied").order_by("pk").values_list(
        "actor_name", "reason", "data"))


# --- Refusals ------------------------------------------------------------------------------------------------


def test_another_citys_application_is_a_404_recorded_with_its_path(client, cycle, fushun_officer, yangjiang_city):
    other = Application.objects.create(cycle=cycle, city=yangjiang_city)
    client.force_login(fushun_officer)
    url = reverse("application_detail", args=[other.pk])
    assert client.get(url, {"tab": "materials"}).status_code == 404
    assert denials() == [("fushun_t", f"404 GET {url}?tab=materials", {
        "method": "GET", "path": url, "query": "tab=materials", "query_trimmed": False, "status": 404})]
    assert AuditEntry.objects.get(action="access.denied").actor == fushun_officer


def test_an_api_403_is_recorded_for_the_tokens_user(api, cycle, liaoning_staff):
    url = reverse("api:cycle-close", args=[cycle.pk])
    assert api(liaoning_staff).post(url).status_code == 403
    assert denials() == [("liaoning_t", f"403 POST {url}", {
        "method": "POST", "path": url, "query": "", "query_trimmed": False, "status": 403})]


def test_a_long_query_string_is_trimmed(client, fushun_officer):
    client.force_login(fushun_officer)
    assert client.get("/no-such-page/", {"q": "x" * 500}).status_code == 404
    [(_name, reason, data)] = denials()
    assert (reason, data["query"], data["query_trimmed"]) == (
        "404 GET /no-such-page/?q=" + "x" * 198, "q=" + "x" * 198, True)


def test_anonymous_and_static_404s_are_not_recorded(client, fushun_officer):
    assert client.get("/no-such-page/").status_code == 404
    assert client.get("/api/v1/no-such-endpoint/").status_code == 404
    client.force_login(fushun_officer)
    assert client.get("/static/no-such-file.css").status_code == 404
    assert denials() == []


def test_pages_answered_200_are_not_recorded(client, fushun_officer):
    client.force_login(fushun_officer)
    assert client.get(reverse("home")).status_code == 200
    assert denials() == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.urls("tests.cities.test_audit_log")
def test_the_refusal_is_recorded_although_the_views_transaction_rolled_back(client, fushun_officer):
    client.force_login(fushun_officer)
    assert client.get("/atomic-refusal/").status_code == 403
    assert list(AuditEntry.objects.exclude(action="auth.login").values_list("action", "reason")) == [
        ("access.denied", "403 GET /atomic-refusal/")]
    assert verify_audit().startswith("审计日志完好")


# --- Downloads and exports -----------------------------------------------------------------------------------


def test_downloading_a_material_records_the_file(client, cycle, fushun_city, fushun_officer, settings, tmp_path):
    from evaluations import materials
    from evaluations.enums import MaterialKind
    from tests.evaluations.test_materials import PDF_BYTES, upload

    settings.MEDIA_ROOT = tmp_path
    application = Application.objects.create(cycle=cycle, city=fushun_city)
    material_file = materials.upload_material(application, kind=MaterialKind.GOVERNMENT_LETTER,
                                              file=upload("申报函.pdf", PDF_BYTES), by=fushun_officer)
    client.force_login(fushun_officer)
    response = client.get(reverse("material_download", args=[material_file.pk]))
    assert b"".join(response.streaming_content) == PDF_BYTES
    entry = AuditEntry.objects.get(action="file.download")
    assert (entry.actor, entry.content_type.model, entry.object_id, entry.data) == (
        fushun_officer, "materialfile", str(material_file.pk),
        {"file": "申报函.pdf", "size": len(PDF_BYTES), "sha256": hashlib.sha256(PDF_BYTES).hexdigest()})


def test_an_excel_export_records_the_table_and_its_hash(client, national_admin):
    client.force_login(national_admin)
    response = client.get(reverse("reviewer_export"))
    assert response.status_code == 200
    entry = AuditEntry.objects.get(action="file.export")
    assert (entry.actor, entry.object_id, entry.data) == (national_admin, "", {
        "file": "评审专家.xlsx", "table": "reviewers", "size": len(response.content),
        "sha256": hashlib.sha256(response.content).hexdigest()})


def test_an_api_excel_export_records_the_object(api, cycle, fushun_city, fushun_officer):
    from plans.models import ResponsibilityList

    rlist = ResponsibilityList.objects.create(city=fushun_city, year=2026, title="2026年责任清单")
    response = api(fushun_officer).get(reverse("api:responsibilitylist-xlsx", args=[rlist.pk]))
    assert response.status_code == 200
    entry = AuditEntry.objects.get(action="file.export")
    assert (entry.actor, entry.object_id, entry.city, entry.data["table"], entry.data["sha256"]) == (
        fushun_officer, str(rlist.pk), fushun_city, "responsibility-list", hashlib.sha256(response.content).hexdigest())


# --- Export of the log ---------------------------------------------------------------------------------------


@pytest.fixture
def logged(national_admin, fushun_city):
    """Four entries, two of them place updates; one reason would be a formula in a spreadsheet."""
    return [
        audit.record(actor=national_admin, action="place.update", obj=fushun_city, from_state="a", to_state="b",
                     reason="=HYPERLINK(\"http://x\")", data={"name": "抚顺市", "n": 2}),
        audit.record(actor=None, action="system.backup", data={"archive": "x.zip"}),
        audit.record(actor=national_admin, action="place.import", reason="全国区划"),
        audit.record(actor=national_admin, action="place.update", obj=fushun_city, reason="更正"),
    ]


HEADERS = ["ID", "时间", "操作人ID", "操作人", "操作代码", "操作", "对象类型ID", "对象类型", "对象ID", "对象",
           "原状态", "新状态", "理由", "数据（JSON）", "IP地址", "城市ID", "城市", "前一哈希值（SM3）", "哈希值（SM3）"]


def expected_rows(entries):
    return [[entry.pk, timezone.localtime(entry.created_at).isoformat(timespec="microseconds"), entry.actor_id,
             entry.actor_name, entry.action, "修改地区信息", entry.content_type_id, "城市", entry.object_id,
             entry.object_repr, entry.from_state, entry.to_state, entry.reason,
             json.dumps(entry.data, ensure_ascii=False, sort_keys=True, separators=(",", ":")), None,
             entry.city_id, "抚顺市", entry.prev_hash, entry.entry_hash] for entry in entries]


def export(client, fmt, **filters):
    client.cookies["django_language"] = "zh-hans"
    response = client.get(reverse("audit_log_export", args=[fmt]), filters)
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content), response


def assert_export_recorded(auditor, content: bytes, fmt: str, rows: int, filters: dict):
    entry = AuditEntry.objects.filter(action="audit.export").get()
    assert entry.actor == auditor
    assert {key: value for key, value in entry.data.items() if key != "file"} == {
        "format": fmt, "rows": rows, "filter": filters, "size": len(content),
        "sm3": hashlib.new("sm3", content).hexdigest(), "sha256": hashlib.sha256(content).hexdigest()}
    assert entry.data["file"].startswith("审计日志-") and entry.data["file"].endswith(f".{fmt}")


def test_csv_export_holds_exactly_the_filtered_entries(client, audit_admin, logged):
    client.force_login(audit_admin)
    content, response = export(client, "csv", action="place.update")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="audit-log-')
    assert content.startswith(b"\xef\xbb\xbf")  # the BOM: WPS and Excel read it as UTF-8
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    expected = [[("" if value is None else str(value)) for value in row] for row in expected_rows(
        [logged[0], logged[3]])]
    expected[0][12] = "'=HYPERLINK(\"http://x\")"  # never run as a formula
    assert rows == [HEADERS, *expected]
    assert_export_recorded(audit_admin, content, "csv", 2, {"action": "place.update"})


def test_xlsx_export_holds_exactly_the_filtered_entries(client, audit_admin, logged):
    client.force_login(audit_admin)
    content, _response = export(client, "xlsx", action="place.update", q="更正")
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    # A workbook has no empty text: an empty field is an empty cell.
    assert rows == [HEADERS, *[[None if value == "" else value for value in row] for row in expected_rows(
        [logged[3]])]]
    assert_export_recorded(audit_admin, content, "xlsx", 1, {"action": "place.update", "q": "更正"})


def test_xlsx_keeps_a_formula_like_reason_as_text(client, audit_admin, logged):
    client.force_login(audit_admin)
    content, _response = export(client, "xlsx", q="HYPERLINK")
    cell = openpyxl.load_workbook(io.BytesIO(content)).active["M2"]
    assert (cell.value, cell.data_type) == ("=HYPERLINK(\"http://x\")", "s")


def test_export_with_an_invalid_filter_exports_nothing(client, audit_admin, logged):
    client.force_login(audit_admin)
    client.cookies["django_language"] = "zh-hans"
    response = client.get(reverse("audit_log_export", args=["csv"]), {"since": "2026-13-45"})
    assert response.status_code == 400
    assert "未导出任何内容：请先更正筛选条件。" in response.content.decode()
    assert not AuditEntry.objects.filter(action="audit.export").exists()


@pytest.mark.parametrize(("persona", "status"), [
    ("national_admin", 403), ("sysadmin", 403), ("secadmin", 403), ("fushun_officer", 403)])
def test_only_the_audit_administrator_exports(client, request, logged, persona, status):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    for fmt in ("csv", "xlsx"):
        assert client.get(reverse("audit_log_export", args=[fmt])).status_code == status
    assert not AuditEntry.objects.filter(action="audit.export").exists()
    assert [data["path"] for _name, _reason, data in denials()] == [
        reverse("audit_log_export", args=["csv"]), reverse("audit_log_export", args=["xlsx"])]


def test_an_unknown_export_format_is_a_404(client, audit_admin):
    client.force_login(audit_admin)
    assert client.get(reverse("audit_log_export", args=["pdf"])).status_code == 404


def test_the_audit_page_links_the_exports_with_the_filter(client, audit_admin, logged):
    client.force_login(audit_admin)
    html = client.get(reverse("audit_log"), {"action": "place.update"}).content.decode()
    assert f'href="{reverse("audit_log_export", args=["csv"])}?action=place.update"' in html
    assert f'href="{reverse("audit_log_export", args=["xlsx"])}?action=place.update"' in html


def test_the_audit_page_makes_as_many_queries_for_1_and_20_rows(client, audit_admin, national_admin, fushun_city):
    client.force_login(audit_admin)
    audit.record(actor=national_admin, action="place.update", obj=fushun_city)
    one, _response = queries_for(client, reverse("audit_log"))
    for _ in range(19):
        audit.record(actor=national_admin, action="place.update", obj=fushun_city)
    twenty, response = queries_for(client, reverse("audit_log"))
    assert response.content.decode().count("place.update") == 20
    assert one == twenty


# --- Retention -----------------------------------------------------------------------------------------------


def verify_audit() -> str:
    stdout = StringIO()
    with translation.override("zh-hans"):
        call_command("verify_audit", stdout=stdout)
    return stdout.getvalue()


def purge(before: str, archive) -> str:
    stdout = StringIO()
    with translation.override("zh-hans"):
        call_command("purge_audit", before=before, export=str(archive), stdout=stdout)
    return stdout.getvalue()


def refused(before: str, archive) -> str:
    with translation.override("zh-hans"), pytest.raises(CommandError) as refusal:
        call_command("purge_audit", before=before, export=str(archive))
    return str(refusal.value)


TODAY = dt.datetime(2026, 12, 8, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def history(national_admin, fushun_city):
    """Entries written 300, 200, 181 and 10 days before TODAY (retention: 180 days)."""
    entries = []
    for days in (300, 200, 181, 10):
        with time_machine.travel(TODAY - dt.timedelta(days=days), tick=False):
            entries.append(audit.record(actor=national_admin, action="place.update", obj=fushun_city,
                                        reason=f"{days} 天前"))
    return entries


@time_machine.travel(TODAY, tick=False)
def test_purge_refuses_a_cut_off_within_the_retention(history, tmp_path):
    archive = tmp_path / "a.csv"
    assert refused("2026-06-12", archive) == (
        "已拒绝：清理 2026-06-12 之前的记录会删除保存期（180 天）以内的记录。今天允许的最晚日期为 2026-06-11。")
    assert (AuditEntry.objects.count(), archive.exists()) == (4, False)


@time_machine.travel(TODAY, tick=False)
@pytest.mark.parametrize(("before", "name", "message"), [
    ("2026-6-1", "a.csv", "“2026-6-1”不是日期：请写成 YYYY-MM-DD 格式。"),
    ("2026-06-01", "a.txt", "归档文件必须是 .csv 或 .xlsx 文件，不能是“a.txt”。"),
])
def test_purge_refuses_bad_arguments(history, tmp_path, before, name, message):
    assert refused(before, tmp_path / name) == message
    assert AuditEntry.objects.count() == 4


@time_machine.travel(TODAY, tick=False)
def test_purge_refuses_to_overwrite_an_archive(history, tmp_path):
    archive = tmp_path / "a.csv"
    archive.write_bytes(b"kept")
    assert refused("2026-06-01", archive) == f"已拒绝：归档文件 {archive} 已存在，请换一个文件名。"
    assert (AuditEntry.objects.count(), archive.read_bytes()) == (4, b"kept")


@time_machine.travel(TODAY, tick=False)
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_purge_archives_removes_and_records_then_the_chain_verifies(history, tmp_path, fmt):
    archive = tmp_path / f"archive.{fmt}"
    printed = purge("2026-06-11", archive)
    content = archive.read_bytes()
    old = history[:3]
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    else:
        rows = [list(row) for row in openpyxl.load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True)]
    assert [str(row[0]) for row in rows[1:]] == [str(entry.pk) for entry in old]
    assert [row[-1] for row in rows[1:]] == [entry.entry_hash for entry in old]

    remaining = list(AuditEntry.objects.order_by("pk"))
    record = remaining[-1]
    assert [entry.pk for entry in remaining] == [history[3].pk, record.pk]
    sm3 = hashlib.new("sm3", content).hexdigest()
    assert (record.action, record.actor, record.data) == ("audit.purge", None, {
        "rows": 3, "before": "2026-06-11", "retention_days": 180, "first_id": old[0].pk, "last_id": old[2].pk,
        "first_time": old[0].created_at.isoformat(), "last_time": old[2].created_at.isoformat(),
        "anchor": old[2].entry_hash, "file": archive.name, "format": fmt, "size": len(content), "sm3": sm3,
        "sha256": hashlib.sha256(content).hexdigest()})
    assert printed == (f"已清理 3 条审计记录（ID {old[0].pk} 至 {old[2].pk}），清理前已归档到 {archive}"
                       f"（SM3 {sm3}，SHA-256 {hashlib.sha256(content).hexdigest()}）。已记录为第 {record.pk} "
                       f"条记录；哈希链现从 {old[2].entry_hash} 开始。\n")

    assert verify_audit() == (
        f"审计日志完好：已验证 2 条记录。最后一条的哈希值（SM3）：{record.entry_hash}\n"
        f"哈希链从第 {record.pk} 条记录所记的清理之后开始（{timezone.localtime(record.created_at).isoformat(timespec='seconds')}）："
        f"ID 不大于 {old[2].pk} 的记录已归档到 {archive.name}（SM3 {sm3}），哈希链从其最后一个哈希值 "
        f"{old[2].entry_hash} 接续。\n")


@time_machine.travel(TODAY, tick=False)
def test_verify_audit_still_names_an_altered_entry_after_a_purge(history, tmp_path):
    purge("2026-06-11", tmp_path / "archive.csv")
    with update_trigger_off() as cursor:
        cursor.execute("UPDATE cities_auditentry SET reason = %s WHERE id = %s", ["篡改", history[3].pk])
    with translation.override("zh-hans"), pytest.raises(CommandError) as broken:
        call_command("verify_audit")
    assert str(broken.value).startswith(f"审计日志在 ID 为 {history[3].pk} 的记录")
    assert "其内容与哈希值不符" in str(broken.value)


@time_machine.travel(TODAY, tick=False)
def test_verify_audit_notices_entries_deleted_after_the_purge_anchor(history, tmp_path):
    purge("2026-06-05", tmp_path / "archive.csv")  # removes the entries of 300 and 200 days ago
    with update_trigger_off() as cursor, gate_open_for_test():
        cursor.execute("DELETE FROM cities_auditentry WHERE id = %s", [history[2].pk])
    with translation.override("zh-hans"), pytest.raises(CommandError) as broken:
        call_command("verify_audit")
    assert str(broken.value).startswith(f"审计日志在 ID 为 {history[3].pk} 的记录")


@time_machine.travel(TODAY, tick=False)
def test_purge_with_nothing_old_enough_writes_nothing(history, tmp_path):
    archive = tmp_path / "a.csv"
    assert purge("2025-01-01", archive) == "2025-01-01 之前没有审计记录：未清理任何记录，也未写入文件。\n"
    assert (AuditEntry.objects.count(), archive.exists()) == (4, False)
    assert verify_audit().startswith("审计日志完好：已验证 4 条记录。")


@time_machine.travel(TODAY, tick=False)
def test_a_second_purge_chains_from_the_newest_anchor(history, tmp_path):
    purge("2026-03-01", tmp_path / "first.csv")  # the entry of 300 days ago
    purge("2026-06-11", tmp_path / "second.xlsx")  # those of 200 and 181 days ago
    remaining = list(AuditEntry.objects.order_by("pk"))
    assert [(entry.action, entry.data.get("file")) for entry in remaining] == [
        ("place.update", None), ("audit.purge", "first.csv"), ("audit.purge", "second.xlsx")]
    assert remaining[0].prev_hash == remaining[2].data["anchor"] == history[2].entry_hash != GENESIS
    assert verify_audit().startswith("审计日志完好：已验证 3 条记录。")


class gate_open_for_test:
    """What a test needs to delete rows itself: on SQLite the flush's allowance, on PostgreSQL the setting."""

    def __enter__(self):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL ipcity.audit_purge = on")

    def __exit__(self, *exc):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL ipcity.audit_purge = off")


def test_the_database_refuses_a_delete_outside_the_purge(history, settings):
    settings.AUDIT_ALLOW_FLUSH = False  # as in production: the SQLite gate is shut
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM cities_auditentry WHERE id = %s", [history[0].pk])
    assert AuditEntry.objects.count() == 4


@time_machine.travel(TODAY, tick=False)
def test_the_purge_passes_the_closed_gate_and_closes_it_again(history, settings, tmp_path):
    settings.AUDIT_ALLOW_FLUSH = False
    purge("2026-06-11", tmp_path / "archive.csv")
    assert AuditEntry.objects.count() == 2
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM cities_auditentry WHERE id = %s", [history[3].pk])
    assert AuditEntry.objects.count() == 2


@pytest.mark.parametrize(("fmt", "message"), [
    ("csv", "筛选条件匹配 3 条记录；每次导出最多 2 条。请缩小日期或操作范围，分批导出。"),
    ("xlsx", "筛选条件匹配 3 条记录；每次导出 Excel 最多 2 条。请缩小日期或操作范围，或改为导出 CSV（可容纳更多记录）。"),
])
def test_an_export_above_the_row_limit_is_refused(client, audit_admin, logged, settings, fmt, message):
    settings.IPCITY = {**settings.IPCITY, "AUDIT_EXPORT_MAX_ROWS": {"csv": 2, "xlsx": 2}}
    client.force_login(audit_admin)
    client.cookies["django_language"] = "zh-hans"
    response = client.get(reverse("audit_log_export", args=[fmt]), {"action": "place."})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not AuditEntry.objects.filter(action="audit.export").exists()
    settings.IPCITY = {**settings.IPCITY, "AUDIT_EXPORT_MAX_ROWS": {"csv": 3, "xlsx": 3}}
    assert client.get(reverse("audit_log_export", args=[fmt]), {"action": "place."}).status_code == 200
