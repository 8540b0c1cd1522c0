"""Charts as inline SVG drawn on the server with pygal: no script, stylesheet or font fetched from anywhere.

pygal by default links its tooltip script from a CDN and writes comments naming its web site; here the
script list is empty, pygal's own inline config script and comments are stripped, and the font is the
system's CJK font so Chinese labels render. The page's CSP (script-src 'self') would block any script
left in the SVG anyway; the numbers are in a table under each chart, so nothing depends on tooltips.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import pygal
from markupsafe import Markup
from pygal.style import Style

FONT = '"Noto Sans CJK SC", "Noto Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif'
# The desk's accent first; red kept for what is overdue or urgent (passed explicitly).
PALETTE = ("#0f766e", "#2563eb", "#d97706", "#7c3aed", "#db2777", "#0891b2", "#65a30d", "#9f1239",
           "#475569", "#ca8a04", "#4338ca", "#15803d")
URGENT_RED = "#b91c1c"
GREY = "#94a3b8"
# Namespace names are URIs but are never fetched: the only "http" an inline chart may contain.
NAMESPACES = ("http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink")


def _style(colors: Sequence[str]) -> Style:
    return Style(font_family=FONT, background="transparent", plot_background="#ffffff",
                 foreground="#1f2933", foreground_strong="#1f2933", foreground_subtle="#e5e7eb",
                 colors=tuple(colors), label_font_size=13, major_label_font_size=13, legend_font_size=14,
                 value_font_size=12, title_font_size=15, no_data_font_size=20, tooltip_font_size=12)


def _local_only(title: str) -> Callable[[Any], Any]:
    """An xml filter: drop comments and scripts, and name the chart for screen readers."""

    def strip(root: Any) -> Any:
        for parent in list(root.iter()):
            for child in list(parent):
                tag = child.tag
                if callable(tag) or str(tag).rsplit("}", 1)[-1] == "script":  # comments, instructions, scripts
                    parent.remove(child)
                elif str(tag).rsplit("}", 1)[-1] == "title" and parent is root:
                    child.text = title
        root.set("role", "img")
        root.set("aria-label", title)
        return root

    return strip


def _config(title: str, colors: Sequence[str], **extra: Any) -> dict[str, Any]:
    """pygal's settings for an inline chart: no script links (``js=[]``; pygal's default is a CDN), no XML
    declaration, a CJK font, the legend under the plot (phone width), whole labels."""
    config = dict(js=[], disable_xml_declaration=True, style=_style(colors), width=560, height=360,
                  legend_at_bottom=True, legend_at_bottom_columns=4, truncate_legend=-1, truncate_label=-1,
                  no_data_text="暂无数据", show_minor_x_labels=True, print_values=False, margin=12, spacing=10)
    config.update(extra)
    return config


def _render(chart: Any, title: str, series: Sequence[tuple[str, Sequence[float | None]]]) -> Markup:
    """The chart's SVG; nothing but zeros and gaps is drawn as "暂无数据" rather than as an empty axis."""
    if any(value for _name, values in series for value in values):
        for name, values in series:
            chart.add(name, list(values))
    chart.add_xml_filter(_local_only(title))
    svg = chart.render(is_unicode=True)
    return Markup(svg)  # noqa: S704 - pygal escapes the labels and values it writes


def stacked_bars(title: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]],
                 colors: Sequence[str] = PALETTE, rotate: int = 0) -> Markup:
    """Bars stacked by series over ``labels`` (months, townships, situations)."""
    chart = pygal.StackedBar(**_config(title, colors, x_label_rotation=rotate, legend_at_bottom_columns=min(
        4, max(1, len(series)))))
    chart.x_labels = list(labels)
    return _render(chart, title, series)


def grouped_bars(title: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]],
                 colors: Sequence[str] = PALETTE, rotate: int = 0) -> Markup:
    """Bars side by side per label."""
    chart = pygal.Bar(**_config(title, colors, x_label_rotation=rotate))
    chart.x_labels = list(labels)
    return _render(chart, title, series)


# Ticks of a duration axis in minutes, named as people say them.
DURATION_TICKS = ((1, "1分钟"), (5, "5分钟"), (15, "15分钟"), (60, "1小时"), (240, "4小时"), (1440, "1天"),
                  (4320, "3天"), (10080, "1周"), (43200, "30天"))


def duration_ticks(values: Sequence[float | None]) -> list[dict[str, Any]]:
    """The duration ticks that frame ``values`` (minutes), one step beyond each end."""
    present = [value for value in values if value]
    if not present:
        return []
    low, high = min(present), max(present)
    below = [tick for tick in DURATION_TICKS if tick[0] <= low][-1:] or [DURATION_TICKS[0]]
    above = [tick for tick in DURATION_TICKS if tick[0] >= high][:1] or [DURATION_TICKS[-1]]
    inside = [tick for tick in DURATION_TICKS if below[0][0] < tick[0] < above[0][0]]
    return [{"value": value, "label": label} for value, label in [*below, *inside, *above]]


def lines(title: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]],
          colors: Sequence[str] = PALETTE, rotate: int = 0, durations: bool = False) -> Markup:
    """Lines over ``labels``; a None value leaves a gap (a month with nothing to measure). ``durations``:
    the values are minutes, drawn on a log scale with ticks in 分钟/小时/天 (claims take minutes, closing days)."""
    extra: dict[str, Any] = {}
    if durations:
        extra = dict(logarithmic=True, y_labels=duration_ticks([v for _n, values in series for v in values]))
    chart = pygal.Line(**_config(title, colors, x_label_rotation=rotate, allow_interruptions=True, dots_size=3,
                                 legend_at_bottom_columns=2, **extra))
    chart.x_labels = list(labels)
    return _render(chart, title, series)


def external_references(svg: str) -> list[str]:
    """Anything in ``svg`` that looks like a web address other than the SVG namespace names (should be none)."""
    text = str(svg)
    for namespace in NAMESPACES:
        text = text.replace(namespace, "")
    found = []
    for marker in ("http:", "https:", "//", "href="):
        start = text.find(marker)
        while start != -1:
            found.append(text[max(0, start - 30):start + 50])
            start = text.find(marker, start + 1)
    return found
