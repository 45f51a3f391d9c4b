"""The map of China on the national dashboard, in a real browser (issue #15, "What must be shown" 4): the country's
places and the published designations loaded as in production, the national administrator opens the dashboard,
the provinces holding titles are drawn in their tier's colour (the stylesheet applies), and clicking a province
opens that province's dashboard with the province highlighted. Screenshots: var/screenshots/china-map-*.png.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from cities.enums import Role
from cities.importers import import_designations
from cities.models import Province
from cities.places import load_places
from plans.china_map import map_view_for, tier_class
from tests.browser.conftest import SCREENSHOTS, screenshot
from tests.browser.journey_support import sign_in
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db(transaction=True)

# Fill colours of static/plans/china_map.css, as the browser computes them.
FILLS = {"cm-demonstration": "rgb(192, 57, 43)", "cm-pilot": "rgb(243, 197, 83)",
         "cm-demo-cultivation": "rgb(232, 131, 58)", "cm-strong-city-candidate": "rgb(127, 29, 29)",
         "cm-none": "rgb(228, 232, 237)"}
PROVINCE = "320000"  # 江苏省: compact, so a click at the middle of its outline lands on it


def test_the_national_dashboard_map_is_coloured_and_opens_a_province_dashboard(watched_page, live_server):
    page, _watch = watched_page
    load_places()
    import_designations()
    cnipa = user_with_role(Role.NATIONAL_ADMIN, username="cnipa")
    view = map_view_for(cnipa)
    expected = {code: tier_class(counts) for code, counts in view.counts.items()}
    coloured = {code for code, name in expected.items() if name != "cm-none"}
    assert len(coloured) >= 20  # the published titles cover most provinces

    sign_in(page, live_server, "cnipa", then=reverse("dashboard"))
    page.locator("#china-map svg.china-map").wait_for()
    screenshot(page, "china-map-national")
    page.locator("#china-map").screenshot(path=str(SCREENSHOTS / "china-map-national-map.png"))

    # Every province of the main map is drawn in the colour of its class (so the stylesheet applies).
    fills = page.eval_on_selector_all(
        "#china-map svg.china-map > a > path[data-province]",
        "paths => paths.map(p => [p.dataset.province, getComputedStyle(p).fill])")
    drawn = dict(fills)
    assert {code: drawn[code] for code in coloured if code in drawn} == {
        code: FILLS[expected[code]] for code in coloured if code in drawn}
    assert set(coloured) - {"660000"} <= set(drawn)
    province = page.locator(f"#china-map svg.china-map > a[data-province-link='{PROVINCE}']")
    assert province.bounding_box()["width"] > 20

    province.click()
    page.wait_for_url(f"{live_server.url}{reverse('province_dashboard', args=[PROVINCE])}")
    name = Province.objects.get(code=PROVINCE).name
    assert page.title().startswith(name)
    highlighted = page.locator(f"#china-map svg.china-map > a > path[data-province='{PROVINCE}']")
    assert "cm-highlight" in highlighted.get_attribute("class").split()
    assert page.locator("[data-table='province-cities']").count() == 1
    screenshot(page, "china-map-province")

