"""SVG charts: accessible, no script or inline style, proportional, escaped, contrasted."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from markupsafe import Markup

from cyberaware import charts

NS = "{http://www.w3.org/2000/svg}"


def parse(svg: Markup) -> ET.Element:
    return ET.fromstring(str(svg))


def all_charts() -> list[Markup]:
    return [
        charts.bar_chart([("Sciences", 50.0), ("Lettres", 100.0), ("<b>&", None)], "Rates", "Rate per faculty",
                         chart_id="bars"),
        charts.stacked_bar_chart([("Intro", [1, 1, 3]), ("Second", [2, 1, 2]), ("Empty", [0, 0, 0])],
                                 ["Not started", "In progress", "Completed"], "Status", "Per module"),
        charts.column_chart([("2025-01-06", 4), ("2025-01-13", 0), ("2025-01-20", 2)], "Over time", "Per week"),
    ]


@pytest.mark.parametrize("index", range(3))
def test_charts_are_accessible_images_without_script_or_style(index):
    svg = all_charts()[index]
    root = parse(svg)
    assert isinstance(svg, Markup)
    assert root.get("role") == "img"
    title, desc = root.find(f"{NS}title"), root.find(f"{NS}desc")
    assert title is not None and desc is not None and title.text and desc.text
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    text = str(svg)
    assert "<script" not in text and "style=" not in text and "http://" not in text.replace(
        'xmlns="http://www.w3.org/2000/svg"', "")
    assert int(root.get("font-size")) >= 13


def test_bar_lengths_are_proportional_and_labels_escaped():
    svg = all_charts()[0]
    widths = [float(r.get("width")) for r in parse(svg).iter(f"{NS}rect")]
    assert widths == [charts.PLOT_WIDTH / 2, charts.PLOT_WIDTH]
    assert "&lt;b&gt;&amp;" in str(svg) and "<b>" not in str(svg)
    assert "50 %" in str(svg) and "100 %" in str(svg)


def test_stacked_segments_fill_the_bar_in_proportion():
    root = parse(all_charts()[1])
    segments = [r for r in root.iter(f"{NS}rect") if r.get("class") == "segment"]
    first = [float(r.get("width")) for r in segments[:3]]
    assert first == pytest.approx([charts.PLOT_WIDTH / 5, charts.PLOT_WIDTH / 5, 3 * charts.PLOT_WIDTH / 5], abs=0.1)
    assert len(segments) == 6  # the empty row draws nothing
    assert segments[2].find(f"{NS}title").text == "Intro: Completed 3"


def test_columns_scale_to_a_round_maximum():
    root = parse(all_charts()[2])
    columns = [r for r in root.iter(f"{NS}rect") if r.get("class") == "column"]
    heights = [float(c.get("height")) for c in columns]
    assert heights[1] == 0 and heights[0] == pytest.approx(2 * heights[2])
    assert charts._nice_ceiling(4) == 4 and charts._nice_ceiling(7) == 10 and charts._nice_ceiling(130) == 200


def luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_every_colour_used_has_aa_contrast_on_white():
    colours = set()
    for svg in all_charts():
        colours |= set(re.findall(r'(?:fill|stroke)="(#[0-9a-f]{6})"', str(svg)))
    colours.discard(charts.GRID)  # the grid lines are decoration, not information
    assert colours
    for colour in colours:
        assert (1.05) / (luminance(colour) + 0.05) >= 4.5, colour


def test_stacked_legend_wraps_inside_the_chart_and_labels_fit_their_column():
    import re

    from cyberaware.charts import CHAR_WIDTH, LABEL_WIDTH, stacked_bar_chart

    series = ["Not started", "In progress", "Completed", "Completed before the range, a long legend"]
    svg = str(stacked_bar_chart([("Phishing and social engineering, a very long module title", [1, 2, 3, 4])],
                                series, "t", "d"))
    width = int(re.search(r'viewBox="0 0 (\d+) ', svg).group(1))
    legend = re.findall(r'<rect x="(\d+)" y="(\d+)" width="14" height="14"[^>]*/><text x="\d+" y="\d+">([^<]+)</text>',
                        svg)
    assert len(legend) == 4 and len({y for _x, y, _name in legend}) == 2  # wrapped onto a second line
    for x, _y, name in legend:
        assert int(x) + 20 + CHAR_WIDTH * len(name) <= width  # no legend runs off the chart
    label = re.search(r'text-anchor="end"><title>[^<]*</title>([^<]+)</text>', svg).group(1)
    assert label.endswith("…") and CHAR_WIDTH * len(label) <= LABEL_WIDTH - 8  # fits left of the bars
