"""A file upload shows a progress bar that moves while the file travels (on a slow intranet line), and a
refused file comes back as the form with its error, as an ordinary submission would."""

from __future__ import annotations

import os
import time

import pytest

from cities.enums import Role
from tests.browser.conftest import screenshot
from tests.browser.test_sign_in import sign_in
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db(transaction=True)

PROGRESS = "() => { const p = document.querySelector('form .upload-progress .progress');" \
           " return p ? Number(p.getAttribute('aria-valuenow')) : null; }"


def test_the_progress_bar_moves_during_a_slow_upload(watched_page, live_server):
    page, _watch = watched_page
    user_with_role(Role.NATIONAL_ADMIN, username="cnipa_upload")
    sign_in(page, live_server, "cnipa_upload")
    page.goto(f"{live_server.url}/assessments/")
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    # About 400 KB/s upstream: the 1.2 MB file takes ~3 s.
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 20, "downloadThroughput": -1,
                                                  "uploadThroughput": 400 * 1024})
    form = page.locator("form[action$='/assessments/import/']")
    form.locator("input[type=file]").set_input_files(
        {"name": "年度考核.xlsx", "mimeType": "application/octet-stream", "buffer": os.urandom(1_200_000)})
    form.locator("button[type=submit]").click()
    seen = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        value = page.evaluate(PROGRESS)
        if value is None and seen:
            break
        if value is not None and (not seen or value != seen[-1]):
            seen.append(value)
            if len(seen) == 2:
                screenshot(page, "upload-progress")
        page.wait_for_timeout(100)
    assert any(0 < value < 100 for value in seen), seen
    assert seen == sorted(seen), seen
    page.wait_for_function("() => document.readyState === 'complete' && !document.querySelector('form .upload-progress')")
    # The file is not a workbook: the page again, with the error next to the field, in Chinese.
    assert page.locator(".invalid-feedback, .alert-danger").count() > 0
    assert page.url.endswith("/assessments/import/") or page.url.endswith("/assessments/")
