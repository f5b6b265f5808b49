"""Charts drawn on the server as SVG: no chart JavaScript, and they print.

This module lays a chart out (which segment goes where, how wide, whether its count fits
inside) and bars_html() draws it. Geometry is in percent of the bar's width, so the chart
fills any screen while its text keeps its size. Colour is never the only carrier: every
segment has its count written on it (or, when too narrow, in the bar's text summary, its
accessible name), the legend names each colour, and each series has its own hatching so
the bars still read in black-and-white print.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from oversight.shared.html_text import escape_value
from recommendations.models import Rag, Recommendation
from recommendations.rag import NO_RAG, NO_RAG_LABEL

# A segment narrower than this (percent of the bar) has no room for its count.
MIN_LABELLED_WIDTH = 6.0


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    css: str  # colour: `chart-fill-<css>` in app.css
    pattern: str = ""  # hatching drawn over the colour (series_patterns_html)
    dark_text: bool = False  # the count is written in dark ink on a light colour


@dataclass(frozen=True)
class Segment:
    series: Series
    count: int
    x: str  # percent, formatted for SVG
    width: str
    text_x: str
    show_count: bool


@dataclass(frozen=True)
class Bar:
    label: str
    sublabel: str
    url: str
    total: int
    segments: list[Segment]
    summary: str  # the same facts in words, for screen readers and narrow segments


@dataclass(frozen=True)
class StackedBarChart:
    title: str
    series: list[Series]
    bars: list[Bar]
    id: str


@dataclass(frozen=True)
class ChartRow:
    label: str
    sublabel: str
    url: str
    counts: Mapping[str, int]


RAG_SERIES = [
    Series(Rag.RED, gettext_lazy("Red"), "red"),
    Series(Rag.AMBER, gettext_lazy("Amber"), "amber", pattern="diagonal", dark_text=True),
    Series(Rag.GREEN, gettext_lazy("Green"), "green", pattern="dots"),
    Series(Rag.COMPLETE, gettext_lazy("Complete (blue)"), "complete", pattern="horizontal"),
    Series(NO_RAG, NO_RAG_LABEL, "none", pattern="cross", dark_text=True),
]

_S = Recommendation.Status
STATUS_SERIES = [
    Series(_S.OPEN, _S.OPEN.label, "status-open", pattern="cross", dark_text=True),
    Series(_S.IN_PROGRESS, _S.IN_PROGRESS.label, "status-in-progress", pattern="diagonal"),
    Series(_S.PROPOSED_FOR_CLOSURE, _S.PROPOSED_FOR_CLOSURE.label, "status-proposed", "dots"),
    Series(_S.CLOSED, _S.CLOSED.label, "status-closed"),
    Series(_S.SUPERSEDED, _S.SUPERSEDED.label, "status-superseded", "horizontal", True),
    Series(_S.NO_ACTION, _S.NO_ACTION.label, "status-no-action", "vertical", True),
    Series(_S.COVERED, _S.COVERED.label, "status-covered", "dots", True),
    Series(_S.FOR_INFORMATION, _S.FOR_INFORMATION.label, "status-for-information", "cross", True),
]


_K = Recommendation.Kind
KIND_SERIES = [
    Series(_K.RECOMMENDATION, gettext_lazy("Recommendations"), "kind-recommendation"),
    Series(
        _K.AREA_FOR_IMPROVEMENT,
        gettext_lazy(
            "Areas for improvement",
        ),
        "kind-afi",
        "diagonal",
        True,
    ),
]


def _percent(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def stacked_bar_chart(
    *, title: str, id: str, series: list[Series], rows: Iterable[ChartRow]
) -> StackedBarChart:
    """One horizontal bar per row, its segments in series order. Bars share one scale (the
    largest total fills the width), so their lengths compare."""
    rows = list(rows)
    scale = max((sum(row.counts.get(s.key, 0) for s in series) for row in rows), default=0)
    words = {one.key: str(one.label).lower() for one in series}  # translated once, not per bar
    bars = []
    for row in rows:
        segments, x = [], 0.0
        for one in series:
            count = row.counts.get(one.key, 0)
            if not count:
                continue
            width = 100.0 * count / scale
            segments.append(
                Segment(
                    series=one,
                    count=count,
                    x=_percent(x),
                    width=_percent(width),
                    text_x=_percent(x + width / 2),
                    show_count=width >= MIN_LABELLED_WIDTH,
                )
            )
            x += width
        total = sum(segment.count for segment in segments)
        summary = (
            ", ".join(f"{segment.count} {words[segment.series.key]}" for segment in segments)
            if segments
            else _("no recommendations")
        )
        bars.append(
            Bar(
                label=row.label,
                sublabel=row.sublabel,
                url=row.url,
                total=total,
                segments=segments,
                summary=f"{row.label}: {summary}",
            )
        )
    return StackedBarChart(title=title, series=series, bars=bars, id=id)


# --- Trends: bars per quarter, and the share overdue as points ------------------------------

TREND_SERIES = [
    Series("added", gettext_lazy("Added"), "trend-added"),
    Series("closed", gettext_lazy("Closed"), "trend-closed", pattern="diagonal"),
    Series(
        "closing",
        gettext_lazy(
            "Open at quarter end",
        ),
        "trend-open",
        pattern="dots",
        dark_text=True,
    ),
]
# The drawing's own units (the SVG scales to the width it is given).
TREND_WIDTH, TREND_BAR_HEIGHT, TREND_LINE_HEIGHT = 640, 240, 170
_LEFT, _RIGHT, _TOP, _BOTTOM = 44, 12, 16, 40


@dataclass(frozen=True)
class TrendBar:
    series: Series
    quarter: str
    count: int
    x: str
    y: str
    width: str
    height: str
    text_x: str
    text_y: str
    inside: bool  # the count is written inside the bar, else just above it


@dataclass(frozen=True)
class TrendPoint:
    quarter: str
    label: str  # e.g. "40%"
    x: str
    y: str
    text_y: str


@dataclass(frozen=True)
class AxisTick:
    label: str
    y: str


@dataclass(frozen=True)
class QuarterLabel:
    label: str
    x: str


@dataclass(frozen=True)
class TrendChart:
    id: str
    title: str
    description: str  # the figures in words, for screen readers
    series: list[Series]
    bars: list[TrendBar]
    points: list[TrendPoint]
    line: str  # the points joined, as an SVG polyline's points
    ticks: list[AxisTick]
    quarters: list[QuarterLabel]
    width: int
    height: int
    baseline: str
    plot_left: int = _LEFT
    plot_right: int = TREND_WIDTH - _RIGHT

    @property
    def quarter_label_y(self) -> int:
        return self.height - 14


def _axis_steps(largest: int) -> tuple[int, int]:
    """(step, number of steps) for a count axis: a step of 1, 2 or 5 times a power of ten,
    at most five steps to reach `largest` (at least one, so an empty chart has an axis)."""
    step = 1
    while -(-largest // step) > 5:
        step = step * 5 // 2 if str(step).startswith("2") else step * 2
    return step, max(-(-largest // step), 1)


def _units(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def trend_bar_chart(*, id: str, title: str, rows) -> TrendChart:
    """Per quarter (`rows`: one TrendRow a quarter, oldest first), a bar each for the
    recommendations added, closed, and open at the quarter's end, on one scale."""
    rows = list(rows)
    height = TREND_BAR_HEIGHT
    plot_width, plot_height = TREND_WIDTH - _LEFT - _RIGHT, height - _TOP - _BOTTOM
    step, steps = _axis_steps(
        max((getattr(r, s.key) for r in rows for s in TREND_SERIES), default=0)
    )
    top = step * steps
    slot = plot_width / max(len(rows), 1)
    bar_width = slot * 0.8 / len(TREND_SERIES)
    bars, quarters = [], []
    for i, row in enumerate(rows):
        left = _LEFT + i * slot + slot * 0.1
        quarters.append(QuarterLabel(row.quarter.label, _units(_LEFT + (i + 0.5) * slot)))
        for j, series in enumerate(TREND_SERIES):
            count = getattr(row, series.key)
            bar_height = plot_height * count / top
            y = _TOP + plot_height - bar_height
            inside = bar_height >= 18
            bars.append(
                TrendBar(
                    series=series,
                    quarter=row.quarter.label,
                    count=count,
                    x=_units(left + j * bar_width),
                    y=_units(y),
                    width=_units(bar_width - 2),
                    height=_units(bar_height),
                    text_x=_units(left + j * bar_width + (bar_width - 2) / 2),
                    text_y=_units(y + 14 if inside else y - 4),
                    inside=inside,
                )
            )
    ticks = [
        AxisTick(str(step * k), _units(_TOP + plot_height * (1 - k / steps)))
        for k in range(steps + 1)
    ]
    description = "; ".join(
        _("%(quarter)s: %(added)s added, %(closed)s closed, %(open)s open at quarter end")
        % {
            "quarter": row.quarter.label,
            "added": row.added,
            "closed": row.closed,
            "open": row.closing,
        }
        for row in rows
    )
    return TrendChart(
        id=id,
        title=title,
        description=description,
        series=TREND_SERIES,
        bars=bars,
        points=[],
        line="",
        ticks=ticks,
        quarters=quarters,
        width=TREND_WIDTH,
        height=height,
        baseline=_units(_TOP + plot_height),
    )


def _percent_label(share: float) -> str:
    return f"{round(100 * share)}%"


def trend_share_chart(*, id: str, title: str, rows, share: str) -> TrendChart:
    """Per quarter, a point for `share` (a TrendRow property giving 0–1, or None when there
    is nothing to share out), on a 0–100% scale, the points joined by a line."""
    rows = list(rows)
    height = TREND_LINE_HEIGHT
    plot_width, plot_height = TREND_WIDTH - _LEFT - _RIGHT, height - _TOP - _BOTTOM
    slot = plot_width / max(len(rows), 1)
    points, quarters, words = [], [], []
    for i, row in enumerate(rows):
        x = _LEFT + (i + 0.5) * slot
        quarters.append(QuarterLabel(row.quarter.label, _units(x)))
        value = getattr(row, share)
        if value is None:
            words.append(_("%(quarter)s: none open") % {"quarter": row.quarter.label})
            continue
        y = _TOP + plot_height * (1 - value)
        label = _percent_label(value)
        points.append(
            TrendPoint(row.quarter.label, label, _units(x), _units(y), _units(max(y - 8, 11)))
        )
        words.append(f"{row.quarter.label}: {label}")
    ticks = [AxisTick(f"{25 * k}%", _units(_TOP + plot_height * (1 - k / 4))) for k in range(5)]
    return TrendChart(
        id=id,
        title=title,
        description="; ".join(words),
        series=[],
        bars=[],
        points=points,
        line=" ".join(f"{p.x},{p.y}" for p in points),
        ticks=ticks,
        quarters=quarters,
        width=TREND_WIDTH,
        height=height,
        baseline=_units(_TOP + plot_height),
    )


def trend_chart_html(chart: TrendChart) -> str:
    """A trend chart (trend_bar_chart, trend_share_chart) as one SVG in a <figure>:
    role="img", its title and a description giving every figure (the table beside it has
    them too); needs series_patterns_html() of its series once on the page. Written here
    rather than by a template loop, each text escaped as a template would, as bars_html():
    the template took 2.9 ms of every dashboard for its two charts."""
    esc = escape_value
    chart_id, title = esc(chart.id), esc(chart.title)
    left, right = chart.plot_left, chart.plot_right
    lines = [
        "",
        f'<figure class="chart mb-3" aria-labelledby="chart-{chart_id}-title">',
        f'<figcaption id="chart-{chart_id}-title" class="h6 mb-1">{title}</figcaption>',
    ]
    if chart.series:
        lines.append('<ul class="chart-legend list-inline small mb-2">')
        lines.extend(
            '<li class="list-inline-item"><svg class="chart-swatch" aria-hidden="true">'
            f'<rect fill="url(#cs-{esc(s.css)})" '
            f'width="16" height="16"/></svg> {esc(s.label)}</li>'
            for s in chart.series
        )
        lines.append("</ul>")
    lines += [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="trend-chart" viewBox="0 0 '
        f'{chart.width} {chart.height}" role="img" '
        f'aria-labelledby="trend-{chart_id}-title trend-{chart_id}-desc">',
        f'<title id="trend-{chart_id}-title">{title}</title>',
        f'<desc id="trend-{chart_id}-desc">{esc(chart.description)}</desc>',
    ]
    # The grid is one path, a stroke across the plot at each tick; each tick's figure sits
    # level with its line, ending just left of the plot.
    grid = "".join(f"M{left} {tick.y}H{right}" for tick in chart.ticks)
    lines.append(f'<path class="trend-grid" d="{grid}"/>')
    lines.extend(
        f'<text class="trend-tick" x="{left - 6}" y="{_units(float(tick.y) + 4)}">'
        f"{esc(tick.label)}</text>"
        for tick in chart.ticks
    )
    lines.append(
        f'<line class="trend-axis" x1="{left}" x2="{right}" y1="{chart.baseline}" '
        f'y2="{chart.baseline}"/>'
    )
    for bar in chart.bars:
        inside = " trend-value-inside" if bar.inside else ""
        if bar.inside and bar.series.dark_text:
            inside += " chart-count-dark"
        lines.append(
            f'<g class="trend-bar"><title>{esc(bar.quarter)}: {bar.count} '
            f"{esc(str(bar.series.label).lower())}</title>"
            f'<rect fill="url(#cs-{esc(bar.series.css)})" x="{bar.x}" y="{bar.y}" '
            f'width="{bar.width}" height="{bar.height}"/><text class="trend-value{inside}" '
            f'x="{bar.text_x}" y="{bar.text_y}">{bar.count}</text></g>'
        )
    if chart.line:
        lines.append(f'<polyline class="trend-line" points="{esc(chart.line)}"/>')
    lines.extend(
        f'<g class="trend-marker"><title>{esc(point.quarter)}: {esc(point.label)}</title>'
        f'<circle class="trend-point" cx="{point.x}" cy="{point.y}" r="5"/>'
        f'<text class="trend-value" x="{point.x}" y="{point.text_y}">'
        f"{esc(point.label)}</text></g>"
        for point in chart.points
    )
    lines.extend(
        f'<text class="trend-quarter" x="{quarter.x}" y="{chart.quarter_label_y}">'
        f"{esc(quarter.label)}</text>"
        for quarter in chart.quarters
    )
    lines += ["</svg>", "</figure>", ""]
    # Safe: every text above is escaped, every number written by this module.
    return mark_safe("\n".join(lines))  # noqa: S308


# --- The dashboard's bars by priority area, as short markup ---------------------------------

# Each series' colour with its hatching as one SVG pattern, so a segment is one <rect>.
_HATCH = {
    "": ("6", "", ""),
    "diagonal": ("6", ' patternTransform="rotate(45)"', '<line y2="6" class="hatch"/>'),
    "dots": ("6", "", '<circle cx="3" cy="3" r="1.3" class="hatch-dot"/>'),
    "horizontal": ("6", "", '<line y1="3" x2="6" y2="3" class="hatch"/>'),
    "vertical": ("6", "", '<line x1="3" x2="3" y2="6" class="hatch"/>'),
    "cross": (
        "8",
        ' patternTransform="rotate(45)"',
        '<line y1="4" x2="8" y2="4" class="hatch-dark"/>'
        '<line x1="4" x2="4" y2="8" class="hatch-dark"/>',
    ),
}


def series_patterns_html(series: list[Series]) -> str:
    """An invisible SVG defining `cs-<css>` for each series: its colour and its hatching
    in one pattern, so each bar or swatch is one shape filled with url(#cs-<css>)."""
    patterns = []
    for one in series:
        size, transform, hatch = _HATCH[one.pattern]
        patterns.append(
            f'<pattern id="cs-{one.css}" width="{size}" height="{size}" '
            f'patternUnits="userSpaceOnUse"{transform}><rect class="chart-fill-{one.css}" '
            f'width="{size}" height="{size}"/>{hatch}</pattern>'
        )
    return mark_safe(  # noqa: S308 (built from the series constants above, no user text)
        '<svg class="chart-defs" aria-hidden="true" width="0" height="0">'
        f"<defs>{''.join(patterns)}</defs></svg>"
    )


def _tenths(percent: str) -> str:
    """A percentage to a tenth: finer than a bar can show."""
    return f"{float(percent):.1f}".rstrip("0").rstrip(".")


def bars_html(chart: StackedBarChart) -> str:
    """The chart's bars as a list, in short markup rendered here rather than by a template
    loop (the dashboard draws a bar for each of up to a hundred priority areas): per bar,
    its label and total (under its report's name), then an SVG whose segments are one
    <rect> each, their counts written on them when they fit; the bar's text summary is its
    accessible name.

    Written with f-strings, each text escaped as format_html() would (as conditional_escape):
    format_html() per segment took 1.7 ms of every dashboard for a hundred bars."""
    esc = escape_value
    no_rows = esc(_("No recommendations yet"))
    empty = f'<text class="chart-count-dark chart-empty" x="6" y="18">{no_rows}</text>'
    rows, heading = [], ""
    for bar in chart.bars:
        if bar.sublabel and bar.sublabel != heading:  # grouped: the report named once, above
            heading = bar.sublabel
            rows.append(f'<li class="chart-group">{esc(heading)}</li>')
        segments = []
        for seg in bar.segments:
            x = f' x="{_tenths(seg.x)}%"' if seg.x != "0" else ""
            count = ""
            if seg.show_count:
                dark = ' class="chart-count-dark"' if seg.series.dark_text else ""
                count = f'<text{dark} x="{_tenths(seg.text_x)}%" y="18">{esc(seg.count)}</text>'
            segments.append(
                f'<rect fill="url(#cs-{esc(seg.series.css)})"{x} width="{_tenths(seg.width)}%"'
                f' height="26"/>{count}'
            )
        label = f'<a href="{esc(bar.url)}">{esc(bar.label)}</a>' if bar.url else esc(bar.label)
        rows.append(
            f'<li><div>{label} <span>· {esc(bar.total)}</span></div><svg class="cbar" '
            f'role="img" aria-label="{esc(bar.summary)}">{"".join(segments) or empty}</svg></li>'
        )
    # Safe: every text above is escaped.
    return mark_safe(f'<ol class="chart-bars list-unstyled mb-0">{"".join(rows)}</ol>')  # noqa: S308
