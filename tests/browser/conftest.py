"""Real-browser tests: Playwright drives Debian's Chromium (never a downloaded browser)
against pytest-django's live server. Screenshots go to var/screenshots/."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest

# The live server runs in a thread of this process; Playwright's sync API runs an event loop.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


@pytest.fixture(scope="session")
def browser_type_launch_args():
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.fail("Debian's chromium is not installed: `make test` installs it (apt-get install chromium).")
    return {
        "executable_path": executable,
        "headless": True,
        "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
    }


@pytest.fixture(scope="session")
def browser_context_args():
    return {"viewport": {"width": 1366, "height": 768}, "locale": "en-US"}


class PageWatch:
    """Every request the page makes and every console error it logs."""

    def __init__(self, page, base_url: str):
        self.base = urlsplit(base_url).netloc
        self.foreign: list[str] = []
        self.console_errors: list[str] = []
        page.on("request", self._request)
        page.on("console", lambda msg: msg.type == "error" and self.console_errors.append(msg.text))
        page.on("pageerror", lambda exc: self.console_errors.append(str(exc)))

    def _request(self, request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in ("data", "blob", "about"):
            return
        if parts.netloc != self.base:
            self.foreign.append(request.url)


@pytest.fixture
def watched_page(page, live_server):
    watch = PageWatch(page, live_server.url)
    yield page, watch
    assert watch.foreign == [], f"requests to other hosts: {watch.foreign}"
    assert watch.console_errors == [], f"console errors: {watch.console_errors}"


def screenshot(page, name: str) -> Path:
    path = SCREENSHOTS / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    return path
