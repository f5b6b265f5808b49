"""Charts drawn on the server as SVG: no chart JavaScript, and they print.

This module lays a chart out (which segment goes where, how wide, whether its count fits
inside); the template `recommendations/_chart.html` draws it. Geometry is in percent of
the bar's width, so the chart fills any screen while its text keeps its size. Colour is
never the only carrier: every segment has its count written on it (or in its tooltip and
the row's text summary when too narrow), the legend names each colour, and each series
has its own hatching so the bars still read in black-and-white print.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from recommendations.models import Rag, Recommendation
from recommendations.rag import NO_RAG, NO_RAG_LABEL

# A segment narrower than this (percent of the bar) has no room for its count.
MIN_LABELLED_WIDTH = 6.0


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    css: str  # colour: `chart-fill-<css>` in app.css
    pattern: str = ""  # hatching: `chart-pattern-<pattern>` in _chart_patterns.html
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
    Series(Rag.RED, "Red", "red"),
    Series(Rag.AMBER, "Amber", "amber", pattern="diagonal", dark_text=True),
    Series(Rag.GREEN, "Green", "green", pattern="dots"),
    Series(Rag.COMPLETE, "Complete (blue)", "complete", pattern="horizontal"),
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
    Series(_K.RECOMMENDATION, "Recommendations", "kind-recommendation"),
    Series(_K.AREA_FOR_IMPROVEMENT, "Areas for improvement", "kind-afi", "diagonal", True),
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
            ", ".join(f"{segment.count} {segment.series.label.lower()}" for segment in segments)
            if segments
            else "no recommendations"
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
