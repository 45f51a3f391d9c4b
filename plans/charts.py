"""Charts as inline SVG built on the server: no script, no external reference, no ``style`` attribute.

Colours and sizes are SVG presentation attributes (allowed by the CSP, unlike inline CSS). Text carries no
font-family, so it inherits the page's CJK fonts. Every chart is ``role="img"`` named by its ``<title>``; the
page also shows the numbers in a table, which is what screen readers and the Excel export use.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

WIDTH = 640
BAR_LABEL_WIDTH = 170
BAR_ROW = 26
BAR_HEIGHT = 16
TITLE_SPACE = 30
NAVY = "#1f3a5f"
GRID = "#d5dbe3"
TEXT = "#212529"
MUTED = "#5c6773"
# Distinguishable in print and for the common colour-vision deficiencies.
PALETTE = ("#1f3a5f", "#b22222", "#2e7d32", "#e08a00", "#6f42c1", "#0d7c8c")


def format_number(value) -> str:
    """1234567 -> "1,234,567"; 2.3500 -> "2.35"; None -> "—"."""
    if value is None:
        return "—"
    number = Decimal(str(value))
    if number == number.to_integral_value():
        return f"{int(number):,}"
    text = f"{number.quantize(Decimal('0.01')):,}"
    return text.rstrip("0").rstrip(".")


def _chart_id(kind: str, *parts) -> str:
    digest = hashlib.sha1(repr((kind, parts)).encode("utf-8")).hexdigest()[:10]
    return f"chart-{kind}-{digest}"


def _open(chart_id: str, title: str, height: int, description: str) -> list[str]:
    return [
        f'<svg viewBox="0 0 {WIDTH} {height}" width="100%" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" class="chart" focusable="false">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
        f'<text x="0" y="18" font-size="14" font-weight="600" fill="{TEXT}">{escape(title)}</text>',
    ]


def bar_chart_svg(labels, values, *, title: str, unit: str = "", max_value=None) -> SafeString:
    """Horizontal bars, one per label (long Chinese names read best on the left). ``None`` values show "—"."""
    labels = [str(label) for label in labels]
    values = list(values)
    if len(labels) != len(values):
        raise ValueError("labels and values differ in length")
    numbers = [Decimal(str(v)) for v in values if v is not None]
    top = Decimal(str(max_value)) if max_value is not None else max(numbers, default=Decimal(0))
    top = top if top > 0 else Decimal(1)
    plot_width = WIDTH - BAR_LABEL_WIDTH - 90
    height = TITLE_SPACE + max(len(labels), 1) * BAR_ROW + 8
    description = "; ".join(f"{label}: {format_number(value)}{unit if value is not None else ''}"
                            for label, value in zip(labels, values, strict=True))
    chart_id = _chart_id("bar", title, tuple(labels), tuple(format_number(v) for v in values))
    parts = _open(chart_id, title, height, description)
    x0 = BAR_LABEL_WIDTH
    parts.append(f'<line x1="{x0}" y1="{TITLE_SPACE - 4}" x2="{x0}" y2="{height - 4}" stroke="{GRID}" '
                 f'stroke-width="1"/>')
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = TITLE_SPACE + index * BAR_ROW
        middle = y + BAR_HEIGHT / 2 + 4
        suffix = escape(unit) if value is not None else ""
        parts.append(f"<g><title>{escape(label)}: {escape(format_number(value))}{suffix}</title>")
        parts.append(f'<text x="{x0 - 8}" y="{middle:g}" font-size="12" text-anchor="end" fill="{TEXT}">'
                     f'{escape(label)}</text>')
        width = 0.0
        if value is not None:
            share = min(max(Decimal(str(value)) / top, Decimal(0)), Decimal(1))
            width = round(float(share) * plot_width, 1)
            parts.append(f'<rect x="{x0}" y="{y}" width="{width:g}" height="{BAR_HEIGHT}" fill="{NAVY}"/>')
        text = format_number(value) + (unit if value is not None else "")
        parts.append(f'<text x="{x0 + width + 6:g}" y="{middle:g}" font-size="12" fill="{MUTED}">'
                     f'{escape(text)}</text></g>')
    if not labels:
        parts.append(f'<text x="{x0 + 8}" y="{TITLE_SPACE + 16}" font-size="12" fill="{MUTED}">—</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every piece of text above is escaped


def line_chart_svg(series: dict, *, title: str) -> SafeString:
    """One line per series over the years; ``series`` maps a name to ``[(year, value), ...]`` (``None`` breaks
    the line). The y axis starts at zero unless a value is negative."""
    named = [(str(name), sorted(points, key=lambda point: point[0])) for name, points in series.items()]
    years = sorted({year for _, points in named for year, _ in points})
    if len(years) == 1:
        return _one_year_svg(named, years[0], title=title)
    numbers = [Decimal(str(value)) for _, points in named for _, value in points if value is not None]
    high = max(numbers, default=Decimal(1))
    low = min([Decimal(0), *numbers])
    if high <= low:
        high = low + 1
    left, right, top, bottom = 70, 20, TITLE_SPACE + 10, 40
    legend_rows = len(named)
    plot_height = 200
    height = top + plot_height + bottom + legend_rows * 18
    plot_width = WIDTH - left - right

    def x_of(year) -> float:
        return left + (years.index(year) / (len(years) - 1)) * plot_width

    def y_of(value) -> float:
        return top + plot_height - float((Decimal(str(value)) - low) / (high - low)) * plot_height

    description = "; ".join(
        f"{name}: " + ", ".join(f"{year} {format_number(value)}" for year, value in points) for name, points in named)
    chart_id = _chart_id("line", title, tuple((name, tuple(points)) for name, points in named))
    parts = _open(chart_id, title, height, description)
    for tick in (low, (low + high) / 2, high):
        y = y_of(tick)
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{WIDTH - right}" y2="{y:.1f}" stroke="{GRID}" '
                     f'stroke-width="1"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end" fill="{MUTED}">'
                     f'{escape(format_number(tick))}</text>')
    for year in years:
        parts.append(f'<text x="{x_of(year):.1f}" y="{top + plot_height + 18}" font-size="11" text-anchor="middle" '
                     f'fill="{MUTED}">{escape(str(year))}</text>')
    for index, (name, points) in enumerate(named):
        colour = PALETTE[index % len(PALETTE)]
        segment: list[str] = []
        segments = [segment]
        for year, value in points:
            if value is None:
                segment = []
                segments.append(segment)
            else:
                segment.append(f"{x_of(year):.1f},{y_of(value):.1f}")
        for line in segments:
            if len(line) > 1:
                parts.append(f'<polyline points="{" ".join(line)}" fill="none" stroke="{colour}" '
                             f'stroke-width="2"/>')
        for year, value in points:
            if value is not None:
                parts.append(f'<circle cx="{x_of(year):.1f}" cy="{y_of(value):.1f}" r="3.5" fill="{colour}">'
                             f'<title>{escape(name)} {escape(str(year))}: {escape(format_number(value))}</title>'
                             f'</circle>')
        legend_y = top + plot_height + bottom + index * 18
        parts.append(f'<rect x="{left}" y="{legend_y - 9}" width="12" height="12" fill="{colour}"/>')
        parts.append(f'<text x="{left + 18}" y="{legend_y + 1}" font-size="12" fill="{TEXT}">{escape(name)}</text>')
    if not years:
        parts.append(f'<text x="{left + 8}" y="{top + plot_height / 2:.0f}" font-size="12" fill="{MUTED}">—</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every piece of text above is escaped


def _one_year_svg(named: list, year, *, title: str) -> SafeString:
    """A trend of a single year is no trend: say so and give the values rather than draw a lone point."""
    note = _("Values of %(year)s only: a trend needs two years or more.") % {"year": year}
    lines = [f"{name}: {format_number(value)}" for name, points in named for _year, value in points]
    height = TITLE_SPACE + 24 + 20 * len(lines)
    chart_id = _chart_id("line", title, tuple((name, tuple(points)) for name, points in named))
    parts = _open(chart_id, title, height, "; ".join([note, *lines]))
    parts.append(f'<text x="0" y="{TITLE_SPACE + 12}" font-size="12" fill="{MUTED}" data-one-year="{escape(year)}">'
                 f'{escape(note)}</text>')
    for index, line in enumerate(lines):
        parts.append(f'<text x="0" y="{TITLE_SPACE + 34 + index * 20}" font-size="12" fill="{TEXT}">'
                     f'{escape(line)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every piece of text above is escaped
