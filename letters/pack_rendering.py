"""A committee pack's content (letters.pack_data) as a tagged PDF (WeasyPrint, the letters'
house style and asset rules). The workbook is letters.pack_workbook's."""

from types import SimpleNamespace

from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from letters.rendering import LETTER_ORIGIN, STATIC_PREFIX, _cyclic_gc_paused, letter_url_fetcher
from recommendations import charts

PACK_TEMPLATE = "letters/pack_document.html"
# A table longer than this prints its first rows and its count per force; the workbook
# always has every row. (A committee reads a hundred or so rows on paper, not thousands,
# and WeasyPrint lays out only a few dozen of these rows a second.)
PDF_ROWS_PER_TABLE = 100

# The chart colours (app.css's chart-fill-*) written into the SVG, which WeasyPrint draws
# without the page's stylesheet.
CHART_FILLS = {
    "trend-added": "#0072b2",
    "trend-closed": "#009e73",
    "trend-open": "#e69f00",
}

TABLES = [
    (
        "live",
        gettext_lazy("Live recommendations"),
        gettext_lazy("Every recommendation still open."),
    ),
    (
        "completed",
        gettext_lazy("Completed or closed since the last meeting"),
        gettext_lazy("Recommendations that left the live list after the previous meeting."),
    ),
    (
        "extensions",
        gettext_lazy("Extensions requested"),
        gettext_lazy(
            "Requests to move an action's target date made or decided since the previous "
            "meeting, with the OPCC's decision."
        ),
    ),
    (
        "overdue",
        gettext_lazy("Overdue"),
        gettext_lazy("Live recommendations past their due date, or with a late action."),
    ),
]


def _trend_objects(summary: dict) -> list[SimpleNamespace]:
    """The ALL rows of the stored trends, shaped as recommendations.charts reads a TrendRow."""
    return [
        SimpleNamespace(
            quarter=SimpleNamespace(label=row["quarter"]),
            added=row["added"],
            closed=row["closed"],
            closing=row["closing"],
            overdue_share=row["overdue_share"],
        )
        for row in summary["trends"]
        if row["group"] == summary["trend_group_all"]
    ]


def _filled(chart) -> dict:
    """The chart with each bar's and legend entry's colour beside it."""
    return {
        "chart": chart,
        "bars": [(bar, CHART_FILLS[bar.series.css]) for bar in chart.bars],
        "legend": [(series.label, CHART_FILLS[series.css]) for series in chart.series],
    }


def pack_context(content: dict, *, is_draft: bool) -> dict:
    summary = content["summary"]
    trend_rows = _trend_objects(summary)
    tables = []
    for key, title, description in TABLES:
        rows = content[key]
        by_force: dict[str, int] = {}
        for row in rows:
            by_force[row["force"]] = by_force.get(row["force"], 0) + 1
        tables.append(
            {
                "key": key,
                "title": title,
                "description": description,
                "rows": rows[:PDF_ROWS_PER_TABLE],
                "count": f"{len(rows):,}",
                "cut": len(rows) > PDF_ROWS_PER_TABLE,
                "by_force": sorted(by_force.items()) if len(summary["forces"]) > 1 else [],
            }
        )
    return {
        "summary": summary,
        # The counts as printed: 17,632, not 17632.
        "counts": {
            key: f"{value:,}" for key, value in summary["counts"].items() if isinstance(value, int)
        },
        "tables": tables,
        "trend_chart": _filled(
            charts.trend_bar_chart(
                id="pack-trend",
                title=_("Recommendations added, closed and open, by quarter"),
                rows=trend_rows,
            )
        ),
        "overdue_chart": _filled(
            charts.trend_share_chart(
                id="pack-overdue",
                title=_("Share of open recommendations overdue at quarter end"),
                rows=trend_rows,
                share="overdue_share",
            )
        ),
        "is_draft": is_draft,
        "asset_base": STATIC_PREFIX,
        "rows_per_table": PDF_ROWS_PER_TABLE,
    }


def pack_render_html(content: dict, *, is_draft: bool) -> str:
    return render_to_string(PACK_TEMPLATE, pack_context(content, is_draft=is_draft))


def pack_render_pdf(content: dict, *, is_draft: bool) -> bytes:
    """A tagged PDF/UA-1 document, fonts embedded (subset), A4 landscape, pages numbered."""
    from weasyprint import HTML

    html = pack_render_html(content, is_draft=is_draft)
    with _cyclic_gc_paused():
        document = HTML(string=html, base_url=f"{LETTER_ORIGIN}/", url_fetcher=letter_url_fetcher())
        pdf = document.write_pdf(pdf_variant="pdf/ua-1")
        del document
    return pdf
