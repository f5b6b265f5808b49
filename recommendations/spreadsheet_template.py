"""The spreadsheet template of a report's recommendations, as CSV or .xlsx, filled in with
what the report holds now, so that "download, edit, import again" changes only what was
edited. Its columns are spreadsheet_import.COLUMNS; a cell a spreadsheet would run as a
formula is escaped with a single quote, which the import takes off again."""

import csv
import datetime
import io
from collections.abc import Iterable, Sequence
from typing import Any

from django.utils import timezone, translation

from oversight.models import InspectionReport, PublishedDocument
from recommendations.models import Recommendation
from recommendations.register_csv import spreadsheet_safe
from recommendations.spreadsheet_import import COLUMNS, Column

SHEET_TITLE = "Recommendations"
HOW_TO_TITLE = "How to fill this in"
# Rows the drop-down lists cover below the header.
VALIDATED_ROWS = 1000
HEADER_FILL = "1D2F5E"  # the app's navy (--app-navy)
HOW_TO = [
    "One row per recommendation or area for improvement; keep the first row as it is.",
    "Rows are matched on the Publisher ID (HMICFRS's own number for the recommendation); "
    "a row without one is matched on its Reference.",
    "A row that matches nothing is added to the report. A row that matches is changed only "
    "where a cell differs. A recommendation with no row in the file is listed on the "
    "preview and kept: nothing is deleted.",
    "An empty Kind or Timescale cell leaves it as it is.",
    "To record a new HMICFRS status, change the status and give its date (2026-10-01); the "
    "comment and link are kept with that change in the recommendation's HMICFRS log.",
    "Nothing is saved until you have checked the preview; a file with any bad row saves "
    "nothing, and the preview says which line is wrong and why.",
    "Type values, not formulas.",
]


def template_rows(
    recommendations: Iterable[Recommendation], *, report: InspectionReport
) -> list[list[Any]]:
    """One row per recommendation, in COLUMNS order. Each one's inspectorate_changes must
    be prefetched newest first (selectors.recommendations_for_import): no queries here.
    The cells are in English, as the import reads them, whatever the page's language."""
    with translation.override("en-gb"):
        return _template_rows(recommendations, report=report)


def _template_rows(
    recommendations: Iterable[Recommendation], *, report: InspectionReport
) -> list[list[Any]]:
    rows = []
    for recommendation in recommendations:
        inspection = report.is_inspection
        latest = next(iter(recommendation.inspectorate_changes.all()), None) if inspection else None
        values = {
            "publisher_reference": recommendation.publisher_reference,
            "reference": recommendation.reference,
            "kind": recommendation.get_kind_display(),
            "text": recommendation.text,
            "timescale": recommendation.get_timescale_display(),
            "status": recommendation.get_inspectorate_status_display() if inspection else "",
            "status_on": recommendation.inspectorate_status_on if inspection else None,
            "comment": latest.comment if latest else "",
            "link": latest.source_url if latest else "",
        }
        rows.append([values[column.key] for column in COLUMNS])
    return rows


def template_csv(rows: list[list[Any]], columns: Sequence[Column] = COLUMNS) -> bytes:
    """UTF-8 with a byte-order mark, which Excel needs to read anything but ASCII right."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([column.header for column in columns])
    for row in rows:
        writer.writerow(
            [
                value.isoformat() if isinstance(value, datetime.date) else spreadsheet_safe(value)
                for value in row
            ]
        )
    return out.getvalue().encode("utf-8-sig")


def template_xlsx(
    rows: list[list[Any]],
    *,
    report: PublishedDocument,
    columns: Sequence[Column] = COLUMNS,
    how_to_lines: Sequence[str] = HOW_TO,
) -> bytes:
    """A workbook with the recommendations (a styled, frozen header; drop-down lists for
    kind, timescale and HMICFRS status; widths to read by) and a sheet of instructions."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_TITLE
    sheet.append([column.header for column in columns])
    for row in rows:
        sheet.append(
            [
                ILLEGAL_CHARACTERS_RE.sub("", spreadsheet_safe(value))
                if isinstance(value, str)
                else value
                for value in row
            ]
        )
    header_font = Font(bold=True, color="FFFFFF")
    header_fill = PatternFill("solid", fgColor=HEADER_FILL)
    for cell in sheet[1]:
        cell.font = header_font
        cell.fill = header_fill
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    sheet.row_dimensions[1].height = 30
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(len(rows) + 1, 2)}"
    wrapped = Alignment(vertical="top", wrap_text=True)
    top = Alignment(vertical="top")
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = column.width
        for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
            cell.alignment = wrapped if column.width >= 40 else top
            if column.key == "status_on":
                cell.number_format = "yyyy-mm-dd"

    # The drop-down lists offer the English labels the import reads.
    with translation.override("en-gb"):
        choices = {
            "kind": [str(label) for label in Recommendation.Kind.labels],
            "timescale": [str(label) for label in Recommendation.Timescale.labels],
        }
        if report.is_inspection and any(column.key == "status" for column in columns):
            choices["status"] = [str(label) for label in Recommendation.InspectorateStatus.labels]
    for index, column in enumerate(columns, start=1):
        if column.key not in choices:
            continue
        letter = get_column_letter(index)
        validation = DataValidation(
            type="list",
            formula1='"' + ",".join(choices[column.key]) + '"',
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=f"{column.header}: choose from the list",
            error=f"Choose one of: {', '.join(choices[column.key])}.",
        )
        validation.add(f"{letter}2:{letter}{VALIDATED_ROWS + 1}")
        sheet.add_data_validation(validation)
    if report.is_inspection and any(column.key == "status_on" for column in columns):
        date_column = get_column_letter(
            next(i for i, column in enumerate(columns, start=1) if column.key == "status_on")
        )
        dates = DataValidation(
            type="date",
            operator="greaterThanOrEqual",
            formula1=f"DATE({report.published_on.year},{report.published_on.month},"
            f"{report.published_on.day})",
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="HMICFRS status date",
            error=f"Give a date on or after the report's publication "
            f"({report.published_on:%-d %B %Y}), as 2026-10-01.",
        )
        dates.add(f"{date_column}2:{date_column}{VALIDATED_ROWS + 1}")
        sheet.add_data_validation(dates)

    how_to = workbook.create_sheet(HOW_TO_TITLE)
    how_to.column_dimensions["A"].width = 24
    how_to.column_dimensions["B"].width = 100
    how_to.append([ILLEGAL_CHARACTERS_RE.sub("", spreadsheet_safe(report.title[:200]))])
    how_to["A1"].font = Font(bold=True, size=13)
    how_to.append([])
    for line in how_to_lines:
        how_to.append(["", line])
    how_to.append([])
    how_to.append(["Column", "What it holds"])
    for cell in how_to[how_to.max_row]:
        cell.font = header_font
        cell.fill = header_fill
    for column in columns:
        how_to.append([column.header, column.help])
    for row in how_to.iter_rows(min_row=3):
        for cell in row:
            cell.alignment = wrapped
    workbook.properties.creator = "OPCC oversight"
    workbook.properties.title = f"Recommendations: {report.title}"[:250]
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def template_filename(report: InspectionReport, extension: str) -> str:
    return f"recommendations-report-{report.pk}-{timezone.localdate():%Y-%m-%d}.{extension}"
