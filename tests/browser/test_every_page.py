"""Every page each kind of user can reach by following links, at 1366×768 in Chromium: it loads, it does
not scroll sideways, no button sticks out of its card or table container (tests/browser/layout.py), it logs no
console error and asks nothing of another host. A screenshot of each goes to var/screenshots/pages/ for a
reviewer to look at.

The world is the permission matrix's (tests/api/world.py): both provinces, cities of each, applications,
reviews, plans and responsibility lists; the crawl starts at the home page and follows same-site links.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import pytest

from tests.api.world import ROLES, build_world
from tests.browser.conftest import screenshot
from tests.browser.layout import clipped_buttons
from tests.browser.test_sign_in import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

# Links that leave the pages (files, the API reference, the admin) or sign out are not followed.
SKIP = re.compile(r"/(static|media|admin|api|i18n)/|/accounts/logout|download|export|xlsx|pdf|zip|/open/$")
MAX_PAGES = 70
OVERFLOW = "document.documentElement.scrollWidth - window.innerWidth"


def _links(page, base: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
    found = []
    for href in hrefs:
        if not href or href.startswith(("#", "mailto:", "javascript:")):
            continue
        url = urljoin(page.url, href)
        parts = urlsplit(url)
        if parts.netloc != urlsplit(base).netloc or SKIP.search(parts.path):
            continue
        found.append(parts._replace(fragment="").geturl())
    return found


def _shape(url: str) -> str:
    """Pages that differ only by ids or the page number are one page shape: visit one of each."""
    parts = urlsplit(url)
    query = "&".join(sorted(p.split("=")[0] for p in parts.query.split("&") if p and not p.startswith("page=")))
    return re.sub(r"/\d+/", "/N/", parts.path) + ("?" + query if query else "")


@pytest.mark.parametrize("role", ["national", "liaoning", "fushun", "expert"])
def test_every_reachable_page_fits_1366_and_is_clean(role, watched_page, live_server):
    page, watch = watched_page
    world = build_world()
    sign_in(page, live_server, world[ROLES[role]].username)
    page.wait_for_load_state("networkidle")
    queue, seen, visited, problems = [page.url], set(), [], []
    while queue and len(visited) < MAX_PAGES:
        url = queue.pop(0)
        shape = _shape(url)
        if shape in seen:
            continue
        seen.add(shape)
        response = page.goto(url)
        visited.append(url)
        if response is None or response.status != 200:
            problems.append(f"{url}: HTTP {response.status if response else '—'}")
            continue
        overflow = page.evaluate(OVERFLOW)
        if overflow > 1:
            problems.append(f"{url}: scrolls sideways by {overflow}px at 1366")
        problems += [f"{url}: button {clipped}" for clipped in clipped_buttons(page)]
        name = re.sub(r"[^a-z0-9]+", "-", shape.lower()).strip("-") or "home"
        screenshot(page, f"pages/{role}-{name}"[:120])
        queue += [link for link in _links(page, live_server.url) if _shape(link) not in seen]
    assert len(visited) >= 8, visited
    assert not problems, "\n".join(problems)
    assert watch.console_errors == []
