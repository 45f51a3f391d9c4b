"""A responsibility list through the API in its Excel layout: download, change, import (all or nothing)."""

from __future__ import annotations

import io
import re

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile

from cities.models import AuditEntry
from plans.services import responsibility as list_services
from tests.api.utils import assert_error, token_client

CJK = re.compile(r"[\u4e00-\u9fff]")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _upload(workbook) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("责任清单.xlsx", buffer.getvalue(), content_type=XLSX)


def test_export_then_import_the_list(fushun_city, fushun_officer, liaoning_staff):
    rlist = list_services.create_list(fushun_city, year=2026, by=fushun_officer)
    list_services.add_item(rlist, work_area="知识产权运用", task="开展专利质押融资", by=fushun_officer)
    client = token_client(fushun_officer)
    base = f"/api/v1/responsibility-lists/{rlist.pk}/"
    response = client.get(f"{base}xlsx/")
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))

    refused = assert_error(token_client(liaoning_staff).post(f"{base}import/", {"file": _upload(workbook)},
                                                             format="multipart"), 403)
    assert CJK.search(refused["message"])
    unchanged = client.post(f"{base}import/", {"file": _upload(workbook)}, format="multipart")
    assert unchanged.status_code == 200, unchanged.content[:400]
    assert unchanged.json() == {"added": 0, "updated": 0, "deleted": 0, "unchanged": 1}

    broken = SimpleUploadedFile("责任清单.xlsx", b"not a workbook", content_type=XLSX)
    body = assert_error(client.post(f"{base}import/", {"file": broken}, format="multipart"), 400, "invalid")
    assert CJK.search(body["fields"]["file"][0])
    assert rlist.items.count() == 1
    assert AuditEntry.objects.filter(actor=fushun_officer, action__startswith="list.").exists()
