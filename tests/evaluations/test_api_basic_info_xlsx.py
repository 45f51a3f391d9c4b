"""The basic-information table as the official Excel layout through the API: download, fill, import —
all values or none, each error naming its cell — as on the page."""

from __future__ import annotations

import re
from decimal import Decimal

from cities.models import AuditEntry
from tests.api.utils import assert_error, token_client
from tests.evaluations.basic_info_support import (  # noqa: F401 (fixtures)
    application,
    cycle,
    indicator,
    load,
    save,
    stored,
    submitted_application,
    table_snapshot,
    template,
    upload,
)

CJK = re.compile(r"[\u4e00-\u9fff]")


def url(application, what: str) -> str:
    return f"/api/v1/applications/{application.pk}/basic-info/{what}/"


def test_download_fill_and_import_the_official_table(template, application, fushun_city, fushun_officer):
    client = token_client(fushun_officer)
    response = client.get(url(application, "xlsx"))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    workbook = load(response.content)
    workbook.active["D17"] = "约三千"  # words, not a number
    before = table_snapshot()
    body = assert_error(client.post(url(application, "import"), {"file": upload(save(workbook))},
                                    format="multipart"), 400, "invalid")
    assert any("D17" in message and CJK.search(message) for message in body["fields"]["file"]), body
    assert table_snapshot() == before  # nothing imported

    workbook.active["D17"] = "3,210"
    response = client.post(url(application, "import"), {"file": upload(save(workbook))}, format="multipart")
    assert response.status_code == 200, response.content[:400]
    assert Decimal("3210") in stored(fushun_city).values()
    assert len(response.json()) == len(stored(fushun_city))  # the saved table comes back
    assert AuditEntry.objects.filter(action__startswith="basic_info.", actor=fushun_officer).exists()


def test_a_submitted_table_cannot_be_imported(template, submitted_application, fushun_officer, liaoning_staff):
    content = token_client(liaoning_staff).get(url(submitted_application, "xlsx")).content
    before = table_snapshot()
    body = assert_error(token_client(fushun_officer).post(url(submitted_application, "import"),
                                                          {"file": upload(content)}, format="multipart"), 400)
    assert CJK.search(body["message"])
    assert_error(token_client(liaoning_staff).post(url(submitted_application, "import"), {"file": upload(content)},
                                                   format="multipart"), 403)
    assert table_snapshot() == before
