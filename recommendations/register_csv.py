"""The register as CSV: exactly the rows the filter shows, streamed, spreadsheet-safe.

A cell a spreadsheet would run as a formula (starting with = + - @, or a tab or carriage
return that some spreadsheets skip before one) is prefixed with a single quote, so an
exported recommendation can never execute in the reader's spreadsheet.
"""

import csv
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.db.models import QuerySet
from django.utils.formats import date_format

from oversight.models import User
from recommendations.models import Recommendation
from recommendations.rag import rag_label
from recommendations.register import RegisterRow, register_row_details

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK_SIZE = 500

HEADER = [
    "Reference",
    "Kind",
    "Report",
    "Source",
    "Force",
    "Report published",
    "Recommendation",
    "Timescale",
    "Due on",
    "Status",
    "HMICFRS status",
    "HMICFRS status since",
    "RAG",
    "Overdue",
    "Priority areas",
    "Cause of concern",
    "Action delivery leads",
    "Link",
]


def spreadsheet_safe(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class _Echo:
    """A file-like object whose write() hands the line back to the csv writer's caller."""

    def write(self, value: str) -> str:
        return value


def row_cells(row: RegisterRow) -> list[str]:
    """A register row as the CSV's cells (before spreadsheet_safe), in HEADER's order."""
    recommendation = row.recommendation
    report = recommendation.report
    return [
        recommendation.reference,
        recommendation.get_kind_display(),
        report.title,
        report.get_source_display(),
        report.force.name,
        report.published_on.isoformat(),
        recommendation.text,
        recommendation.get_timescale_display(),
        recommendation.due_on.isoformat() if recommendation.due_on else "",
        recommendation.get_status_display(),
        recommendation.get_inspectorate_status_display() if report.is_inspection else "",
        (
            recommendation.inspectorate_status_on.isoformat()
            if recommendation.inspectorate_status_on and report.is_inspection
            else ""
        ),
        rag_label(recommendation.rag),
        "Yes" if recommendation.is_overdue else "No",
        "; ".join(row.areas),
        str(recommendation.cause_of_concern.reference) if recommendation.cause_of_concern else "",
        "; ".join(row.leads),
        settings.SITE_URL + recommendation.get_absolute_url(),
    ]


def _chunks(recommendations: QuerySet[Recommendation]) -> Iterator[list[Recommendation]]:
    chunk = []
    for recommendation in recommendations.iterator(chunk_size=CHUNK_SIZE):
        chunk.append(recommendation)
        if len(chunk) == CHUNK_SIZE:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def register_csv_lines(user: User, recommendations: QuerySet[Recommendation]) -> Iterator[str]:
    """CSV lines for a recommendation_register() queryset (already filtered and sorted),
    read from the database in chunks so memory stays flat however many rows there are:
    one chunk of CHUNK_SIZE rows, then its areas and leads, then the next."""
    yield from register_csv_from_rows(
        register_row_details(user, chunk) for chunk in _chunks(recommendations)
    )


def register_csv_from_rows(chunks: Iterable[list[RegisterRow]]) -> Iterator[str]:
    """CSV lines for register rows given a chunk at a time: the header, then a string of
    lines per chunk. The live register and the register as at a past day
    (recommendations.register_as_at) both write through it, so their files compare."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(HEADER)  # the byte-order mark tells Excel it is UTF-8
    for chunk in chunks:
        yield "".join(
            writer.writerow([spreadsheet_safe(cell) for cell in row_cells(row)]) for row in chunk
        )


def export_filename(today, *, as_at=None) -> str:
    if as_at is not None:
        return f"recommendations-as-at-{date_format(as_at, 'Y-m-d')}.csv"
    return f"recommendations-{date_format(today, 'Y-m-d')}.csv"
