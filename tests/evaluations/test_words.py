"""Pages say one word per concept (cities.glossary): a draft application is 草稿 on its page and in its activity
log, never the cycle's 筹备中; a city list shows the title a city holds (示范城市), not the procedure."""

from __future__ import annotations

import re

from django.urls import reverse

from evaluations.enums import ApplicationState, CycleKind
from tests.evaluations.conftest import application_in


def _row_of(html: str, name: str) -> str:
    rows = [row for row in re.findall(r"<tr>.*?</tr>", html, flags=re.S) if name in row]
    assert len(rows) == 1, rows
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", rows[0])).strip()


def test_a_draft_application_reads_draft_on_its_page_and_in_its_activity(client, world):
    application = application_in(world, CycleKind.PILOT, ApplicationState.DRAFT)
    client.force_login(world["officers"][CycleKind.PILOT])
    html = client.get(reverse("application_detail", args=[application.pk])).content.decode()
    assert re.findall(r'id="application-state">([^<]*)<', html) == ["草稿"]
    assert "（— → 草稿）" in html or "(— → 草稿)" in html
    assert "筹备中" not in html


def test_city_list_shows_the_title_not_the_procedure(client, world):
    client.force_login(world["national"])
    html = client.get(reverse("city_list")).content.decode()
    assert _row_of(html, "大连市").split(" ")[4:6] == ["示范城市", "2023年3月"]
