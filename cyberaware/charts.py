"""Server-rendered SVG charts (no JavaScript, no CDN, no inline style).

Each chart is an ``<svg role="img">`` labelled by its ``<title>`` and ``<desc>``; the page shows the
same numbers in a table next to it. Only SVG presentation attributes (``fill``, ``font-size``...)
are used, which the Content-Security-Policy allows, unlike ``style=`` attributes. Colours have at
least 4.5:1 contrast on white (text and bars alike); text is at least 13 px at the natural size.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from markupsafe import Markup, escape

INK = "#1b1f24"
MUTED = "#4a5360"
GRID = "#c9d0d9"
BAR = "#0b4f8a"
# Stacked series, in the order not started / in progress / completed / completed before the range.
SERIES_COLOURS = ("#5c6670", "#b45309", "#146c2e", "#6d28d9")
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
FONT_SIZE = 14
ROW_HEIGHT = 30
LABEL_WIDTH = 230
PLOT_WIDTH = 420
VALUE_WIDTH = 70

_ids = itertools.count(1)


def _id(prefix: str | None) -> str:
    return prefix or f"chart{next(_ids)}"


def _fmt(value: float, unit: str) -> str:
    if unit == "%":
        return f"{value:.0f} %" if abs(value - round(value)) < 0.05 else f"{value:.1f} %"
    return f"{value:g}{(' ' + unit) if unit else ''}"


# Widest usual glyph advance at FONT_SIZE (DejaVu Sans, the fallback on Linux, is the widest).
CHAR_WIDTH = 9


def _truncate(label: str, limit: int = (LABEL_WIDTH - 12) // CHAR_WIDTH) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _svg(width: int, height: int, chart_id: str, title: str, desc: str, body: list[str]) -> Markup:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'font-family="{FONT}" font-size="{FONT_SIZE}" fill="{INK}">'
        f'<title id="{chart_id}-title">{escape(title)}</title><desc id="{chart_id}-desc">{escape(desc)}</desc>'
    )
    return Markup(head + "".join(body) + "</svg>")


def bar_chart(items: Sequence[tuple[str, float | None]], title: str, desc: str, max_value: float = 100.0,
              unit: str = "%", chart_id: str | None = None) -> Markup:
    """Horizontal bars, one per ``(label, value)``; ``None`` values are drawn as "–"."""
    chart_id = _id(chart_id)
    width = LABEL_WIDTH + PLOT_WIDTH + VALUE_WIDTH
    top = 8
    height = top + ROW_HEIGHT * max(len(items), 1) + 8
    peak = max([max_value] + [v for _, v in items if v is not None]) or 1.0
    body = [f'<line x1="{LABEL_WIDTH}" y1="{top}" x2="{LABEL_WIDTH}" y2="{height - 8}" stroke="{MUTED}"/>']
    for index, (label, value) in enumerate(items):
        y = top + index * ROW_HEIGHT
        body.append(f'<text x="{LABEL_WIDTH - 8}" y="{y + 20}" text-anchor="end"><title>{escape(label)}</title>'
                    f'{escape(_truncate(label))}</text>')
        if value is None:
            body.append(f'<text x="{LABEL_WIDTH + 6}" y="{y + 20}" fill="{MUTED}">–</text>')
            continue
        bar = round(PLOT_WIDTH * max(value, 0) / peak, 1)
        body.append(f'<rect class="bar" x="{LABEL_WIDTH}" y="{y + 5}" width="{bar}" height="{ROW_HEIGHT - 10}" '
                    f'fill="{BAR}"/>')
        body.append(f'<text x="{LABEL_WIDTH + bar + 6}" y="{y + 20}">{escape(_fmt(value, unit))}</text>')
    return _svg(width, height, chart_id, title, desc, body)


def stacked_bar_chart(rows: Sequence[tuple[str, Sequence[int]]], series: Sequence[str], title: str, desc: str,
                      chart_id: str | None = None) -> Markup:
    """Horizontal 100 % stacked bars: one bar per row, one segment per series (counts), with a legend."""
    chart_id = _id(chart_id)
    width = LABEL_WIDTH + PLOT_WIDTH + VALUE_WIDTH
    body = []
    # The legend flows left to right and wraps to a new line rather than running off the chart.
    x, line = 8, 0
    for name, colour in zip(series, SERIES_COLOURS, strict=False):
        needed = 36 + CHAR_WIDTH * len(name)
        if x > 8 and x + needed > width:
            x, line = 8, line + 1
        y = 6 + 24 * line
        body.append(f'<rect x="{x}" y="{y}" width="14" height="14" fill="{colour}"/>'
                    f'<text x="{x + 20}" y="{y + 12}">{escape(name)}</text>')
        x += needed
    top = 24 * (line + 1) + 12
    height = top + ROW_HEIGHT * max(len(rows), 1) + 8
    for index, (label, values) in enumerate(rows):
        y = top + index * ROW_HEIGHT
        body.append(f'<text x="{LABEL_WIDTH - 8}" y="{y + 20}" text-anchor="end"><title>{escape(label)}</title>'
                    f'{escape(_truncate(label))}</text>')
        total = sum(values)
        offset = 0.0
        for name, value, colour in zip(series, values, SERIES_COLOURS, strict=False):
            if not total or not value:
                continue
            segment = PLOT_WIDTH * value / total
            body.append(f'<rect class="segment" x="{round(LABEL_WIDTH + offset, 1)}" y="{y + 5}" '
                        f'width="{round(segment, 1)}" height="{ROW_HEIGHT - 10}" fill="{colour}">'
                        f'<title>{escape(label)}: {escape(name)} {value}</title></rect>')
            offset += segment
        body.append(f'<text x="{LABEL_WIDTH + PLOT_WIDTH + 6}" y="{y + 20}">{total}</text>')
    return _svg(width, height, chart_id, title, desc, body)


def column_chart(points: Sequence[tuple[str, float]], title: str, desc: str, unit: str = "",
                 chart_id: str | None = None) -> Markup:
    """Vertical columns over time, one per ``(label, value)``, with a labelled vertical scale."""
    chart_id = _id(chart_id)
    left, right, top, bottom = 56, 12, 16, 64
    plot_width = max(PLOT_WIDTH + 200, 12 * len(points))
    plot_height = 220
    width, height = left + plot_width + right, top + plot_height + bottom
    peak = max([v for _, v in points] + [0])
    scale_max = _nice_ceiling(peak)
    body = []
    for step in range(5):
        value = scale_max * step / 4
        y = round(top + plot_height - plot_height * step / 4, 1)
        body.append(f'<line x1="{left}" y1="{y}" x2="{left + plot_width}" y2="{y}" stroke="{GRID}"/>'
                    f'<text x="{left - 6}" y="{y + 5}" text-anchor="end" fill="{MUTED}">{_fmt(value, unit)}</text>')
    slot = plot_width / max(len(points), 1)
    label_every = max(1, round(len(points) / 8))
    for index, (label, value) in enumerate(points):
        x = left + index * slot
        bar_height = round(plot_height * value / scale_max, 1) if scale_max else 0
        body.append(f'<rect class="column" x="{round(x + slot * 0.15, 1)}" y="{round(top + plot_height - bar_height, 1)}" '
                    f'width="{round(slot * 0.7, 1)}" height="{bar_height}" fill="{BAR}">'
                    f'<title>{escape(label)}: {escape(_fmt(value, unit))}</title></rect>')
        if index % label_every == 0:
            body.append(f'<text x="{round(x + slot / 2, 1)}" y="{top + plot_height + 20}" text-anchor="middle">'
                        f'{escape(label)}</text>')
    body.append(f'<line x1="{left}" y1="{top + plot_height}" x2="{left + plot_width}" y2="{top + plot_height}" '
                f'stroke="{MUTED}"/>')
    return _svg(width, height, chart_id, title, desc, body)


def _nice_ceiling(value: float) -> float:
    """The smallest 1/2/5 × 10^n at least ``value`` (4 when 0, so an empty chart keeps a scale)."""
    if value <= 0:
        return 4.0
    magnitude = 1.0
    while magnitude * 10 <= value:
        magnitude *= 10
    while magnitude > value:
        magnitude /= 10
    for factor in (1, 2, 4, 5, 10):
        if factor * magnitude >= value:
            return factor * magnitude
    return 10 * magnitude
