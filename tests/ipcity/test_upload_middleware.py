"""Background uploads (app.js's progress bar): redirects become 204 + X-Location, a refused form 200 with
X-Upload-Status; ordinary requests are untouched."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse


def _bad_workbook():
    return SimpleUploadedFile("年度考核.xlsx", b"not a workbook", content_type="application/octet-stream")


def test_a_refused_background_upload_is_shown_in_place(client, national_admin):
    client.force_login(national_admin)
    url = reverse("assessment_import")
    plain = client.post(url, {"file": _bad_workbook()})
    assert plain.status_code == 400
    background = client.post(url, {"file": _bad_workbook()}, headers={"X-Upload": "progress"})
    assert background.status_code == 200 and background["X-Upload-Status"] == "400"
    assert "text/html" in background["Content-Type"]


def test_an_accepted_background_upload_navigates_to_the_redirect(client, national_admin):
    client.force_login(national_admin)
    url = reverse("api_tokens")
    assert client.post(reverse("api_token_revoke", args=[999])).status_code == 404
    response = client.post(reverse("logout"), headers={"X-Upload": "progress"})
    assert response.status_code == 204 and response["X-Location"]
    assert client.get(url).status_code == 302
