"""``{% china_map section %}``: the map of China for a dashboard section (see ``plans.china_map``)."""

from __future__ import annotations

from django import template

from cities.enums import Role
from plans.china_map import china_map_svg, legend, map_view_for

register = template.Library()


@register.inclusion_tag("plans/_china_map_figure.html", takes_context=True)
def china_map(context, section):
    """The national section highlights nothing; a province section highlights its provinces."""
    highlighted = ()
    if section.role == Role.PROVINCE_STAFF:
        highlighted = [province.code for province in section.extra.get("provinces", ())]
    view = map_view_for(context["request"].user, highlighted=highlighted)
    return {"svg": china_map_svg(view), "legend": legend(), "partial": not context["request"].user.has_role(
        Role.NATIONAL_ADMIN)}
