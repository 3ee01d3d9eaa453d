"""Server-rendered charts: inline SVG, no JavaScript, no external fonts.

Every chart comes with the table it was drawn from (``Chart.table``): the table is the
accessible, printable, copyable form and the chart only a picture of it. Charts are
readable in greyscale: series differ by line dash, marker shape and fill pattern, and the
values are written beside the marks. Colours come from classes in static/css/site.css
(no ``style`` attributes, so a strict Content-Security-Policy holds).

The functions take already-translated strings; only ``paren`` and ``unit_label`` look at the
language, to write 「（千円）」 on Japanese pages and " (thousand yen)" on English ones, and a
KPI's unit as printed (人) in English (people) on English pages.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from core.japanese import format_number

WIDTH = 420
FONT = 13  # user units; the SVG is at most ~1.4× its viewBox on a desktop, ~0.78× on a phone
MARKERS = ["circle", "square", "triangle", "diamond"]


@dataclass
class Table:
    """A data table: ``columns`` are header cells (the first heads the row-header column),
    each row starts with its row header."""

    caption: str
    columns: list[str]
    rows: list[list[str]]
    note: str = ""
    total_rows: int = 0  # how many rows at the end are totals (shown in bold)

    @property
    def body_rows(self):
        return self.rows[: len(self.rows) - self.total_rows] if self.total_rows else self.rows

    @property
    def foot_rows(self):
        return self.rows[len(self.rows) - self.total_rows :] if self.total_rows else []

    def html(self, table_id: str) -> SafeString:
        """The table as HTML: caption, column headers (scope=col), row headers (scope=row).

        Built here rather than cell by cell in a template (the statistics page has
        hundreds of cells); every text is escaped unless it is already safe HTML.
        """
        table_id = conditional_escape(table_id)
        head = "".join(
            ('<th scope="col">' if i == 0 else '<th scope="col" class="num">')
            + f"{conditional_escape(c)}</th>"
            for i, c in enumerate(self.columns)
        )
        parts = [
            f'<div class="table-wrap" role="region" tabindex="0" '
            f'aria-labelledby="{table_id}-caption">\n<table class="data-table">\n'
            f'<caption id="{table_id}-caption">{conditional_escape(self.caption)}</caption>\n'
            f"<thead><tr>{head}</tr></thead>\n<tbody>\n",
            *_html_rows(self.body_rows),
            "</tbody>\n",
        ]
        if self.foot_rows:
            parts += ["<tfoot>\n", *_html_rows(self.foot_rows), "</tfoot>\n"]
        parts.append("</table>\n</div>\n")
        if self.note:
            parts.append(f'<p class="table-note">{conditional_escape(self.note)}</p>\n')
        return mark_safe("".join(parts))  # noqa: S308 - every text is escaped


def _html_rows(rows) -> list[str]:
    return [
        "<tr>"
        + "".join(
            f'<th scope="row">{conditional_escape(cell)}</th>'
            if i == 0
            else f'<td class="num">{conditional_escape(cell)}</td>'
            for i, cell in enumerate(row)
        )
        + "</tr>\n"
        for row in rows
    ]


@dataclass
class Chart:
    id: str
    title: str
    description: str
    svg: SafeString
    table: Table
    notes: list[str] = field(default_factory=list)


@dataclass
class Series:
    name: str
    values: list  # one per category / x position; None where there is no value
    dashed: bool = False
    markers: bool = True
    marker_from: int = 0  # no markers before this index (a line continued from another series)


# English names of the units the document prints; core.formats shows the same names.
UNITS_EN = {
    "回": "times",
    "人": "people",
    "千人": "thousand people",
    "社": "companies",
    "本": "trains",
    "所": "facilities",
    "kg": "kg",
    "t": "t",
    "%": "%",
}


def _english() -> bool:
    return (get_language() or "ja").startswith("en")


def unit_label(unit: str) -> str:
    """人 on Japanese pages, people on English ones; a unit with no English name stays."""
    if not unit:
        return ""
    return UNITS_EN.get(unit, unit) if _english() else unit


def paren(text: str) -> str:
    """（text） on Japanese pages, " (text)" on English ones; "" for no text."""
    if not text:
        return ""
    if _english():
        return f" ({text})"
    return f"（{text}）"


def fmt(value, unit: str = "") -> str:
    """1,358 / 89.6; blank as −, never 0."""
    if value is None:
        return "−"
    return f"{format_number(value)}{unit}"


def fmt_printed(value, unit: str = "") -> str:
    """A printed decimal with its printed places kept (-5.0, 83.0, 100.0); blank as −."""
    if value is None:
        return "−"
    if isinstance(value, Decimal):
        return f"{value:,}{unit}"
    return fmt(value, unit)


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering low..high (e.g. 0, 20,000, 40,000 …)."""
    if high <= low:
        high = low + 1
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    for step in (1, 2, 2.5, 5, 10):
        if raw <= step * magnitude:
            step = step * magnitude
            break
    start = math.floor(low / step) * step
    ticks = []
    value = start
    while value < high + step * 0.999:
        ticks.append(round(value, 10))
        value += step
    return ticks


def _num(value) -> float:
    return float(value) if isinstance(value, Decimal) else value


def _text(x, y, text, *, cls="chart-text", anchor="start", extra="") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" class="{cls}" text-anchor="{anchor}"{extra}>'
        f"{escape(text)}</text>"
    )


def _marker(kind: str, x: float, y: float, cls: str, size: float = 4.5) -> str:
    if kind == "square":
        return (
            f'<rect x="{x - size:.1f}" y="{y - size:.1f}" width="{2 * size:.1f}" '
            f'height="{2 * size:.1f}" class="{cls}"/>'
        )
    if kind == "triangle":
        s = size * 1.25
        return (
            f'<polygon points="{x:.1f},{y - s:.1f} {x + s:.1f},{y + s * 0.8:.1f} '
            f'{x - s:.1f},{y + s * 0.8:.1f}" class="{cls}"/>'
        )
    if kind == "diamond":
        s = size * 1.3
        return (
            f'<polygon points="{x:.1f},{y - s:.1f} {x + s:.1f},{y:.1f} {x:.1f},{y + s:.1f} '
            f'{x - s:.1f},{y:.1f}" class="{cls}"/>'
        )
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{size:.1f}" class="{cls}"/>'


def _svg(chart_id: str, title: str, description: str, height: float, body: list[str]) -> SafeString:
    head = (
        f'<svg class="chart__svg" viewBox="0 0 {WIDTH} {height:.0f}" role="img" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d" focusable="false" '
        f'xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{chart_id}-t">{escape(title)}</title>'
        f'<desc id="{chart_id}-d">{escape(description)}</desc>'
    )
    return mark_safe(head + "".join(body) + "</svg>")  # noqa: S308 - every text is escaped


def _patterns(chart_id: str) -> str:
    """Fill patterns so that bars differ without colour."""
    return (
        "<defs>"
        f'<pattern id="{chart_id}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)">'
        '<rect width="6" height="6" class="pattern-bg"/>'
        '<line x1="0" y1="0" x2="0" y2="6" class="pattern-line"/></pattern>'
        f'<pattern id="{chart_id}-dots" width="5" height="5" patternUnits="userSpaceOnUse">'
        '<rect width="5" height="5" class="pattern-bg"/>'
        '<circle cx="2.5" cy="2.5" r="1.1" class="pattern-dot"/></pattern>'
        "</defs>"
    )


def _fill(chart_id: str, index: int) -> str:
    """fill attribute and class for the n-th series of bars."""
    if index % 3 == 1:
        return f'fill="url(#{chart_id}-hatch)" class="bar bar--hatch"'
    if index % 3 == 2:
        return f'fill="url(#{chart_id}-dots)" class="bar bar--dots"'
    return 'class="bar bar--solid"'


def _legend(items: list[tuple[str, str]], x: float, y: float) -> tuple[list[str], float]:
    """Legend rows: (sample svg, label). Returns the parts and the height used."""
    parts = []
    for n, (sample, label) in enumerate(items):
        row_y = y + n * 22
        parts.append(f'<g transform="translate({x:.1f},{row_y:.1f})">{sample}</g>')
        parts.append(_text(x + 34, row_y + 4.5, label))
    return parts, len(items) * 22


def line_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    x_labels: list[str],
    series: list[Series],
    table: Table,
    unit: str = "",
    zero_based: bool = True,
    label_every: int = 1,
    annotations: list[tuple] | None = None,
    notes: list[str] | None = None,
) -> Chart:
    """A line chart over categorical x positions (years).

    ``annotations``: (series index, x index, text[, placement]) written beside that point;
    placement is "ne", "nw", "se" or "sw" (the side of the point the text goes).
    """
    left, right, top = 62, 20, 18
    plot_h = 190
    bottom_axis = top + plot_h
    values = [_num(v) for s in series for v in s.values if v is not None]
    low = 0 if zero_based or not values else min(values)
    high = max(values) if values else 1
    if not zero_based and values:
        pad = (high - low) * 0.15 or abs(high) * 0.1 or 1
        low, high = low - pad, high + pad
        if min(values) >= 0:
            low = max(low, 0)
    ticks = nice_ticks(low, high)
    y_min, y_max = ticks[0], ticks[-1]
    plot_w = WIDTH - left - right
    n = len(x_labels)

    def x_at(i):
        return left + (plot_w * (i / (n - 1)) if n > 1 else plot_w / 2)

    def y_at(v):
        return bottom_axis - (float(v) - y_min) / ((y_max - y_min) or 1) * plot_h

    body = []
    for t in ticks:
        y = y_at(t)
        body.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{WIDTH - right}" y2="{y:.1f}" class="grid"/>'
        )
        body.append(_text(left - 6, y + 4.5, format_number(_tick(t)), anchor="end"))
    body.append(
        f'<line x1="{left}" y1="{bottom_axis}" x2="{WIDTH - right}" y2="{bottom_axis}" class="axis"/>'
    )
    for i, label in enumerate(x_labels):
        if i % label_every == 0 or i == n - 1:
            body.append(_text(x_at(i), bottom_axis + 18, label, anchor="middle"))
    for si, s in enumerate(series):
        cls = f"series series-{si + 1}{' series--dashed' if s.dashed else ''}"
        segment: list[str] = []
        segments = []
        for i, v in enumerate(s.values):
            if v is None:
                if segment:
                    segments.append(segment)
                segment = []
                continue
            segment.append(f"{x_at(i):.1f},{y_at(v):.1f}")
        if segment:
            segments.append(segment)
        for seg in segments:
            if len(seg) > 1:
                body.append(f'<polyline points="{" ".join(seg)}" class="{cls}"/>')
        if s.markers:
            kind = MARKERS[si % len(MARKERS)]
            for i, v in enumerate(s.values):
                if v is not None and i >= s.marker_from:
                    body.append(_marker(kind, x_at(i), y_at(v), f"marker marker-{si + 1}"))
    for si, xi, text, *placement in annotations or []:
        v = series[si].values[xi]
        if v is None:
            continue
        x, y = x_at(xi), y_at(v)
        where = placement[0] if placement else ("nw" if xi > n / 2 else "ne")
        anchor = "end" if where.endswith("w") else "start"
        dx = -9 if anchor == "end" else 9
        dy = -10 if where.startswith("n") else 22
        body.append(_text(x + dx, y + dy, text, cls="chart-text chart-text--strong", anchor=anchor))
    legend_items = []
    for si, s in enumerate(series):
        sample = (
            f'<line x1="0" y1="0" x2="26" y2="0" class="series series-{si + 1}'
            f'{" series--dashed" if s.dashed else ""}"/>'
        )
        if s.markers:
            sample += _marker(MARKERS[si % len(MARKERS)], 13, 0, f"marker marker-{si + 1}")
        legend_items.append((sample, s.name + (paren(unit_label(unit)) if si == 0 else "")))
    legend, legend_h = _legend(legend_items, left, bottom_axis + 42)
    body += legend
    height = bottom_axis + 42 + legend_h
    svg = _svg(chart_id, title, description, height, body)
    return Chart(chart_id, title, description, svg, table, notes or [])


def _tick(t: float):
    return int(t) if float(t).is_integer() else Decimal(str(t))


def bar_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    categories: list[str],
    series: list[Series],
    table: Table,
    unit: str = "",
    reference: tuple[float, str] | None = None,
    notes: list[str] | None = None,
) -> Chart:
    """Horizontal bars, one group per category, one bar per series; values written at the end."""
    label_w = 92
    value_w = 78
    top = 8
    bar_h = 15 if len(series) > 1 else 18
    gap = 12
    group_h = bar_h * len(series) + gap
    plot_w = WIDTH - label_w - value_w
    values = [_num(v) for s in series for v in s.values if v is not None]
    high = max(values + ([reference[0]] if reference else [])) if values else 1
    ticks = nice_ticks(0, high or 1, 4)
    x_max = ticks[-1]

    def x_at(v):
        return label_w + float(v) / (x_max or 1) * plot_w

    body = [_patterns(chart_id)]
    plot_bottom = top + len(categories) * group_h - gap + 4
    ref_x = 0.0
    if reference:
        ref_x = x_at(reference[0])
        body.append(
            f'<line x1="{ref_x:.1f}" y1="{top - 4}" x2="{ref_x:.1f}" y2="{plot_bottom:.1f}" '
            'class="reference"/>'
        )
    for i, category in enumerate(categories):
        y0 = top + i * group_h
        body.append(_text(label_w - 6, y0 + bar_h * len(series) / 2 + 4.5, category, anchor="end"))
        for si, s in enumerate(series):
            v = s.values[i]
            y = y0 + si * bar_h
            if v is None:
                body.append(_text(label_w + 4, y + bar_h - 3.5, "−", cls="chart-text"))
                continue
            w = max(x_at(v) - label_w, 0)
            if w > 0:
                body.append(
                    f'<rect x="{label_w}" y="{y:.1f}" width="{w:.1f}" height="{bar_h - 2}" '
                    f"{_fill(chart_id, si)}/>"
                )
            body.append(
                _text(label_w + w + 4, y + bar_h - 4, fmt_printed(v), cls="chart-text halo")
            )
    body.append(
        f'<line x1="{label_w}" y1="{top - 4}" x2="{label_w}" y2="{plot_bottom:.1f}" class="axis"/>'
    )
    if reference:
        body.append(_text(ref_x, plot_bottom + 16, reference[1], anchor="middle"))
        plot_bottom += 20
    legend_h = 0
    if len(series) > 1 or unit:
        items = []
        for si, s in enumerate(series):
            sample = (
                f'<rect x="0" y="-7" width="26" height="14" {_fill(chart_id, si)}/>'
                if len(series) > 1
                else ""
            )
            items.append((sample, s.name + paren(unit_label(unit))))
        legend, legend_h = _legend(items, label_w, plot_bottom + 18)
        body += legend
    height = plot_bottom + 18 + legend_h
    svg = _svg(chart_id, title, description, height, body)
    return Chart(chart_id, title, description, svg, table, notes or [])


def stacked_bar_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    categories: list[str],
    segments: list[tuple[str, str, list[int]]],
    table: Table,
    notes: list[str] | None = None,
) -> Chart:
    """One 100% bar per category; ``segments`` are (css suffix, short label, counts)."""
    label_w = 0
    top = 4
    bar_h = 26
    row_h = bar_h + 30
    plot_w = WIDTH - 8
    body = []
    for i, category in enumerate(categories):
        y = top + i * row_h
        body.append(_text(0, y + 14, category, cls="chart-text chart-text--strong"))
        total = sum(seg[2][i] for seg in segments)
        x = label_w
        bar_y = y + 20
        if total == 0:
            body.append(
                f'<rect x="0" y="{bar_y}" width="{plot_w}" height="{bar_h}" class="seg seg--none"/>'
            )
            continue
        for suffix, short, counts in segments:
            count = counts[i]
            if not count:
                continue
            w = plot_w * count / total
            body.append(
                f'<rect x="{x:.1f}" y="{bar_y}" width="{w:.1f}" height="{bar_h}" '
                f'class="seg seg--{suffix}"/>'
            )
            if w >= 34:
                body.append(
                    _text(
                        x + w / 2,
                        bar_y + 18,
                        f"{short}{count}",
                        cls=f"chart-text seg-text seg-text--{suffix}",
                        anchor="middle",
                    )
                )
            x += w
    height = top + len(categories) * row_h + 4
    svg = _svg(chart_id, title, description, height, body)
    return Chart(chart_id, title, description, svg, table, notes or [])


def flow_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    hub: str,
    spokes: list[tuple[str, float, int, int]],
    table: Table,
    inbound_label: str,
    outbound_label: str,
    notes: list[str] | None = None,
) -> Chart:
    """Flows between a hub and the places around it.

    ``spokes``: (name, bearing in degrees clockwise from north, flow to the hub, flow from
    the hub). Arrow widths follow the numbers, and each number is written on its arrow.
    """
    cx, cy = WIDTH / 2, 200
    radius = 150
    hub_r = 36
    town_r = 28
    biggest = max([max(s[2], s[3]) for s in spokes] or [1]) or 1
    body = [
        "<defs>"
        f'<marker id="{chart_id}-arrow" viewBox="0 0 10 10" refX="8" refY="5" '
        'markerUnits="userSpaceOnUse" markerWidth="14" markerHeight="14" '
        'orient="auto-start-reverse">'
        '<path d="M0,0 L10,5 L0,10 z" class="arrow-head"/></marker>'
        "</defs>"
    ]
    labels = []
    for name, bearing, inbound, outbound in spokes:
        a = math.radians(bearing)
        ux, uy = math.sin(a), -math.cos(a)
        px, py = -uy, ux  # perpendicular, for two parallel arrows
        tx, ty = cx + ux * radius, cy + uy * radius
        for amount, offset, towards_hub, cls in (
            (inbound, 8, True, "flow flow--in"),
            (outbound, -8, False, "flow flow--out"),
        ):
            width = 1.5 + 9 * amount / biggest
            sx = cx + ux * (hub_r + 6) + px * offset
            sy = cy + uy * (hub_r + 6) + py * offset
            ex = tx - ux * (town_r + 6) + px * offset
            ey = ty - uy * (town_r + 6) + py * offset
            if towards_hub:
                sx, sy, ex, ey = ex, ey, sx, sy
            body.append(
                f'<line x1="{sx:.1f}" y1="{sy:.1f}" x2="{ex:.1f}" y2="{ey:.1f}" class="{cls}" '
                f'stroke-width="{width:.1f}" marker-end="url(#{chart_id}-arrow)"/>'
            )
            # Beside its arrow, clear of it: half the text's extent across the arrow plus a gap.
            label = format_number(amount)
            across = abs(px) * len(label) * 4.1 + abs(py) * 8
            distance = abs(offset) + width / 2 + across + 3
            side = 1 if offset > 0 else -1
            # inbound numbers nearer the town, outbound nearer the hub: neighbours never meet
            along = radius * (0.74 if towards_hub else 0.44)
            mx = cx + ux * along + px * side * distance
            my = cy + uy * along + py * side * distance + 4.5
            labels.append(_text(mx, my, label, cls="chart-text flow-text", anchor="middle"))
        body.append(f'<circle cx="{tx:.1f}" cy="{ty:.1f}" r="{town_r}" class="node"/>')
        labels.append(_text(tx, ty + 4.5, name, cls="chart-text node-text", anchor="middle"))
    body.append(f'<circle cx="{cx}" cy="{cy}" r="{hub_r}" class="node node--hub"/>')
    labels.append(_text(cx, cy + 5, hub, cls="chart-text node-text--hub", anchor="middle"))
    body += labels
    y = cy + radius + town_r + 24
    legend = [
        f'<line x1="20" y1="{y}" x2="52" y2="{y}" class="flow flow--in" stroke-width="4" '
        f'marker-end="url(#{chart_id}-arrow)"/>',
        _text(60, y + 4.5, inbound_label),
        f'<line x1="20" y1="{y + 22}" x2="52" y2="{y + 22}" class="flow flow--out" '
        f'stroke-width="4" marker-end="url(#{chart_id}-arrow)"/>',
        _text(60, y + 26.5, outbound_label),
    ]
    body += legend
    svg = _svg(chart_id, title, description, y + 40, body)
    return Chart(chart_id, title, description, svg, table, notes or [])
