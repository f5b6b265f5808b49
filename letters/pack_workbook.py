"""A committee pack's content as an XLSX workbook (openpyxl in write-only mode: one sheet a
table, real dates and numbers, filters on), written in a process of its own beside the PDF.

Tens of thousands of rows take openpyxl seconds of CPU a sheet; the PDF takes as long again
on one core. So the worker starts `python -m letters.pack_workbook` with the content
(pickled to a temporary file), lays out the PDF meanwhile, then collects the workbook
(pack_workbook_started). This module imports openpyxl and nothing of Django, so the child
starts in a fraction of a second and needs no settings or database.
"""

import io
import pickle
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.table import Table, TableStyleInfo

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Longer than any pack takes (about 10 s for every force); then the child is stopped.
CHILD_TIMEOUT_SECONDS = 600


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


def pack_workbook_started(content: dict) -> Callable[[], bytes]:
    """Start writing the workbook in a child process; returns the function that waits for
    it and gives the workbook's bytes (raising RuntimeError, with the child's last words,
    if it failed)."""
    folder = tempfile.TemporaryDirectory(prefix="pack-workbook-")
    source, target = Path(folder.name, "content.pickle"), Path(folder.name, "pack.xlsx")
    with source.open("wb") as out:
        pickle.dump(content, out, protocol=pickle.HIGHEST_PROTOCOL)
    # Our own interpreter and module, with paths made here: no outside input.
    child = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "letters.pack_workbook", str(source), str(target)],
        cwd=PROJECT_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )

    def finished() -> bytes:
        try:
            try:
                _, errors = child.communicate(timeout=CHILD_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                child.kill()
                child.communicate()
                raise RuntimeError(
                    f"writing the workbook took over {CHILD_TIMEOUT_SECONDS} s"
                ) from None
            if child.returncode != 0:
                last = errors.decode(errors="replace").strip().splitlines()[-1:] or ["no message"]
                raise RuntimeError(f"writing the workbook failed: {last[0]}")
            return target.read_bytes()
        finally:
            folder.cleanup()

    return finished


def _main(source: str, target: str) -> None:
    with open(source, "rb") as incoming:
        # Written by pack_workbook_started in a private temporary folder, never by a user.
        content = pickle.load(incoming)  # noqa: S301
    Path(target).write_bytes(pack_render_xlsx(content))


if __name__ == "__main__":
    _main(*sys.argv[1:3])
