"""A committee pack's content (letters.pack_data) as a tagged PDF (WeasyPrint, the letters'
house style and asset rules) and as an XLSX workbook (openpyxl: one sheet a table, real
dates and numbers, filters on)."""

import io
import warnings
from types import SimpleNamespace

from django.template.loader import render_to_string
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.table import Table, TableStyleInfo

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
    ("live", "Live recommendations", "Every recommendation still open."),
    (
        "completed",
        "Completed or closed since the last meeting",
        "Recommendations that left the live list after the previous meeting.",
    ),
    (
        "extensions",
        "Extensions requested",
        "Requests to move an action's target date made or decided since the previous "
        "meeting, with the OPCC's decision.",
    ),
    ("overdue", "Overdue", "Live recommendations past their due date, or with a late action."),
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
                title="Recommendations added, closed and open, by quarter",
                rows=trend_rows,
            )
        ),
        "overdue_chart": _filled(
            charts.trend_share_chart(
                id="pack-overdue",
                title="Share of open recommendations overdue at quarter end",
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


# --- The workbook ------------------------------------------------------------------------

RECOMMENDATION_COLUMNS = [
    ("Force", "force", 24),
    ("Reference", "reference", 11),
    ("Kind", "kind", 14),
    ("Report", "report", 36),
    ("Source", "source", 16),
    ("Recommendation", "text", 60),
    ("Owner", "owner", 24),
    ("Due on", "due_on", 12),
    ("Status", "status", 18),
    ("HMICFRS status", "hmicfrs_status", 20),
    ("HMICFRS status since", "hmicfrs_status_on", 12),
    ("RAG", "rag", 10),
    ("Overdue", "overdue", 9),
    ("Latest accepted update on", "update_on", 12),
    ("Latest accepted update", "update", 60),
    ("Link", "url", 40),
]
COMPLETED_COLUMNS = [
    *RECOMMENDATION_COLUMNS[:9],
    ("Status at the previous meeting", "status_before", 18),
    *RECOMMENDATION_COLUMNS[9:],
]
EXTENSION_COLUMNS = [
    ("Force", "force", 24),
    ("Action", "action", 9),
    ("Recommendations", "recommendations", 16),
    ("Action description", "description", 50),
    ("Requested by", "requested_by", 20),
    ("Requested on", "requested_on", 12),
    ("Target date then", "from_date", 12),
    ("Date asked for", "to_date", 12),
    ("Reason", "reason", 50),
    ("Decision", "decision", 26),
    ("Decided by", "decided_by", 20),
    ("Decided on", "decided_on", 12),
    ("OPCC comment", "comment", 40),
    ("Link", "url", 40),
]
SHEETS = [
    ("Live", "live", RECOMMENDATION_COLUMNS),
    ("Completed", "completed", COMPLETED_COLUMNS),
    ("Extensions", "extensions", EXTENSION_COLUMNS),
    ("Overdue", "overdue", RECOMMENDATION_COLUMNS),
]
DATE_FORMAT = "d mmm yyyy"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value):
    """Dates stay dates and numbers numbers; text that a spreadsheet would run as a formula
    is prefixed with a quote, as in the register's CSV."""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if value is None:
        return None
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _styled(sheet, value, *, number_format: str = "", bold: bool = False, wrap: bool = False):
    cell = WriteOnlyCell(sheet, value=_cell(value))
    if number_format:
        cell.number_format = number_format
    if bold:
        cell.font = BOLD
    if wrap:
        cell.alignment = WRAP
    return cell


BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")


def pack_render_xlsx(content: dict) -> bytes:
    """Written row by row (openpyxl's write-only mode), so memory stays flat however many
    rows the pack holds."""
    summary = content["summary"]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Summary")
    sheet.column_dimensions["A"].width = 26
    sheet.column_dimensions["B"].width = 44
    title = f"{summary['committee']}, {summary['meets_on']:%-d %B %Y}"
    sheet.append([_styled(sheet, title, bold=True)])
    sheet.append([summary["office"]])
    sheet.append(["Figures as at", _styled(sheet, summary["as_at"], number_format=DATE_FORMAT)])
    sheet.append(
        [
            "Previous meeting",
            _styled(sheet, summary["previous_meeting_on"], number_format=DATE_FORMAT),
        ]
    )
    sheet.append(["Forces", ", ".join(summary["forces"])])
    sheet.append(["Sources", ", ".join(summary["sources"]) or "Every source"])
    sheet.append(["Priority areas", "; ".join(summary["areas"]) or "Every priority area"])
    sheet.append([])
    sheet.append([_styled(sheet, "Table", bold=True), _styled(sheet, "Rows", bold=True)])
    counts = summary["counts"]
    for name, key, _ in SHEETS:
        sheet.append([name, counts[key]])
    sheet.append([])
    sheet.append(
        [
            _styled(sheet, heading, bold=True)
            for heading in (
                "Quarter",
                "Group",
                "Opening",
                "Added",
                "Closed",
                "Closing",
                "Average age of open (days)",
                "Share of target dates moved",
                "Share overdue",
            )
        ]
    )
    for row in summary["trends"]:
        sheet.append(
            [
                row["quarter"],
                row["group"],
                row["opening"],
                row["added"],
                row["closed"],
                row["closing"],
                row["average_age_days"],
                _styled(sheet, row["targets_moved_share"], number_format="0%"),
                _styled(sheet, row["overdue_share"], number_format="0%"),
            ]
        )
    for name, key, columns in SHEETS:
        _table_sheet(workbook, name, content[key], columns)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _table_sheet(workbook: Workbook, title: str, rows: list[dict], columns) -> None:
    """One table a sheet: a bold header row frozen at the top, then a row per item, as an
    Excel table (filters on every column)."""
    sheet = workbook.create_sheet(title)
    keys = [key for _, key, _ in columns]
    for index, (_, _, width) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    last_column = get_column_letter(len(columns))
    # An empty table still has one (blank) row, so its header keeps its filter buttons.
    table = Table(displayName=f"{title}Table", ref=f"A1:{last_column}{max(len(rows), 1) + 1}")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
    # In write-only mode the table's column names are given, not read from the cells.
    table._initialise_columns()
    for column, (heading, _, _) in zip(table.tableColumns, columns, strict=True):
        column.name = heading
    with warnings.catch_warnings():
        # openpyxl warns on every table in write-only mode; the columns are named above.
        warnings.filterwarnings("ignore", "In write-only mode you must add table columns")
        sheet.add_table(table)
    sheet.append([_styled(sheet, heading, bold=True) for heading, _, _ in columns])
    for row in rows:
        sheet.append([_cell(row[key]) for key in keys])
