"""Numbers as shown: at most four decimals and no float noise, on every page the demo's users reach by following
links (the test client's crawl of the demo, per role) and in the dashboard API."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.http import HttpRequest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from cities.demo import DEMO_PASSWORD
from cities.models import User
from ipcity.numbers import plain_decimal
from tests.api.utils import token_client
from tests.utils import pass_second_factor

NOISE = re.compile(r"\d+\.\d{5,}")
# Links that leave the pages (files, the API reference, the admin) or sign out are not followed.
SKIP = re.compile(r"/(static|media|admin|api|i18n)/|/accounts/logout|download|export|xlsx|pdf|zip|/open/$")
MAX_PAGES = 45
ROLES = ("cnipa", "liaoning", "tianjin", "fushun", "xiqing", "changzhou", "expert1")


@pytest.mark.parametrize("value, expected", [
    (Decimal("3.20000000000000"), "3.2"), (Decimal("6.0000"), "6"), (Decimal("2.3500"), "2.35"),
    (3.2000000000000006, "3.2"), (Decimal("0.33333333"), "0.3333"), (19250, "19250"), (None, "None")])
def test_plain_decimal_keeps_four_decimals_at_most(value, expected):
    assert str(plain_decimal(value)) == expected


@pytest.mark.parametrize("language, expected", [
    # Django's formats: Chinese writes no thousands separator, English groups by three.
    ("zh-hans", "38500 3.2 2025 — 2021年12月31日 1234567.891"),
    ("en", "38,500 3.2 2025 — Dec. 31, 2021 1,234,567.891"),
])
def test_cell_filter_localizes_decimals_and_leaves_counts_and_years_alone(language, expected):
    template = Template("{% load numbers %}{{ a|cell }} {{ b|cell }} {{ c|cell }} {{ d|cell }} {{ e|cell }} "
                        "{{ f|number }}")
    with translation.override(language):
        text = template.render(Context({"a": Decimal("38500.0000"), "b": Decimal("3.20000000000000"), "c": 2025,
                                        "d": None, "e": dt.date(2021, 12, 31), "f": 1234567.891}))
    assert text == expected


class _Text(HTMLParser):
    """The text a reader sees (no script or style) and the same-site links of a page."""

    def __init__(self):
        super().__init__()
        self.text: list[str] = []
        self.links: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._hidden += 1
        href = dict(attrs).get("href")
        if tag == "a" and href and not href.startswith(("#", "mailto:", "javascript:")):
            self.links.append(href)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.text.append(data)


def _shape(url: str) -> str:
    """Pages that differ only by ids or the page number are one page shape: visit one of each."""
    parts = urlsplit(url)
    query = "&".join(sorted(p.split("=")[0] for p in parts.query.split("&") if p and not p.startswith("page=")))
    return re.sub(r"/\d+/", "/N/", parts.path) + ("?" + query if query else "")


def _crawl(client) -> tuple[list[str], list[str]]:
    queue, seen, visited, problems = ["/"], set(), [], []
    while queue and len(visited) < MAX_PAGES:
        url = queue.pop(0)
        if _shape(url) in seen:
            continue
        seen.add(_shape(url))
        response = client.get(url)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        visited.append(url)
        page = _Text()
        page.feed(response.content.decode())
        problems += [f"{url}: {match}" for match in NOISE.findall(" ".join(page.text))]
        for href in page.links:
            parts = urlsplit(urljoin("http://testserver" + url, href))
            if parts.netloc == "testserver" and not SKIP.search(parts.path):
                queue.append(parts._replace(scheme="", netloc="", fragment="").geturl())
    return visited, problems


def test_no_page_of_the_demo_shows_a_number_with_more_than_four_decimals(client, demo_loaded):
    problems, visited = [], {}
    for username in ROLES:
        client.logout()
        assert client.login(request=HttpRequest(), username=username, password=DEMO_PASSWORD)
        pass_second_factor(client, User.objects.get(username=username))
        visited[username], found = _crawl(client)
        problems += [f"{username} {problem}" for problem in found]
    assert not problems, "\n".join(problems)
    assert "/dashboard/" in visited["cnipa"]
    assert "/dashboard/" in visited["liaoning"]
    assert all(len(pages) >= 5 for pages in visited.values()), {user: len(pages) for user, pages in visited.items()}
    api = token_client(User.objects.get(username="cnipa")).get(reverse("api:dashboard"))
    assert NOISE.findall(api.content.decode()) == []
