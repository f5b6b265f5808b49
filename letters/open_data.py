"""The published register as open data: one row per published recommendation, as CSV and
JSON, described by a Frictionless Table Schema (https://specs.frictionlessdata.io/table-schema/)
that the data page shows in words. One list of columns serves all four, so they cannot
drift apart. Only the snapshot a publication holds is read (letters.selectors_public).
"""

import csv
import datetime
import io
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse

from letters.models import PublishedRecommendation
from oversight.models import InspectionReport, Office
from recommendations.models import Recommendation

LICENCE = {
    "name": "OGL-UK-3.0",
    "title": "Open Government Licence v3.0",
    "path": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
}
# Spreadsheets run a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # a Table Schema type: string, integer, date, datetime
    title: str
    description: str
    value: Callable[[PublishedRecommendation, Office], object]
    enum: tuple[str, ...] = ()
    format: str = ""  # a Table Schema format, e.g. "uri"
    required: bool = False


def _page_url(row: PublishedRecommendation, office: Office) -> str:
    path = reverse("public:report", args=[office.slug, row.publication.report_id])
    return f"{settings.SITE_URL}{path}#recommendation-{row.recommendation_id}"


def _hmicfrs(row: PublishedRecommendation, value):
    """HMICFRS's status exists only for its own (and HMIC's) reports."""
    return value if row.publication.has_section_55 else None


COLUMNS = [
    Column(
        "office",
        "string",
        "Office",
        "The Office of the Police and Crime Commissioner that published the row.",
        lambda row, office: office.name,
        required=True,
    ),
    Column(
        "force",
        "string",
        "Force",
        "The police force the report is about.",
        lambda row, office: row.publication.force_name,
        required=True,
    ),
    Column(
        "report_id",
        "integer",
        "Report number",
        "This site's number for the report: the same in every publication of it.",
        lambda row, office: row.publication.report_id,
        required=True,
    ),
    Column(
        "report_title",
        "string",
        "Report",
        "The report's title as its publisher gave it.",
        lambda row, office: row.publication.title,
        required=True,
    ),
    Column(
        "report_source",
        "string",
        "Kind of report",
        "Who the report comes from: "
        + "; ".join(f"{value} ({label})" for value, label in InspectionReport.Source.choices)
        + ".",
        lambda row, office: row.publication.source,
        enum=tuple(InspectionReport.Source.values),
        required=True,
    ),
    Column(
        "report_publisher",
        "string",
        "Published by",
        "Who published the report, e.g. HMICFRS.",
        lambda row, office: row.publication.publisher,
        required=True,
    ),
    Column(
        "report_published_on",
        "date",
        "Report published on",
        "The day the report was published (YYYY-MM-DD).",
        lambda row, office: row.publication.published_on,
        required=True,
    ),
    Column(
        "report_url",
        "string",
        "Report link",
        "Where the publisher's report can be read; empty if no link was given.",
        lambda row, office: row.publication.source_url,
        format="uri",
    ),
    Column(
        "reference",
        "string",
        "Reference",
        "The recommendation's reference in the report, e.g. R3 or AFI2.",
        lambda row, office: row.reference,
        required=True,
    ),
    Column(
        "kind",
        "string",
        "Kind",
        "recommendation, or afi (an area for improvement).",
        lambda row, office: row.kind,
        enum=tuple(Recommendation.Kind.values),
        required=True,
    ),
    Column(
        "text",
        "string",
        "Recommendation",
        "The recommendation's wording.",
        lambda row, office: row.text,
        required=True,
    ),
    Column(
        "public_summary",
        "string",
        "Progress",
        "The office's summary, written for the public, of what has been done and what is "
        "still to do.",
        lambda row, office: row.public_summary,
        required=True,
    ),
    Column(
        "status",
        "string",
        "Status",
        "Where the recommendation stands in the office's view: "
        + "; ".join(f"{value} ({label})" for value, label in Recommendation.Status.choices)
        + ".",
        lambda row, office: row.status,
        enum=tuple(Recommendation.Status.values),
        required=True,
    ),
    Column(
        "status_label",
        "string",
        "Status (in words)",
        "The status as the public pages show it.",
        lambda row, office: row.get_status_display(),
        required=True,
    ),
    Column(
        "status_on",
        "date",
        "Status since",
        "The day the recommendation took its status (YYYY-MM-DD); empty if not known.",
        lambda row, office: row.status_on,
    ),
    Column(
        "hmicfrs_status",
        "string",
        "HMICFRS status",
        "Where HMICFRS says the recommendation stands (HMICFRS and HMIC reports only; empty "
        "for others): "
        + "; ".join(
            f"{value} ({label})" for value, label in Recommendation.InspectorateStatus.choices
        )
        + ".",
        lambda row, office: _hmicfrs(row, row.inspectorate_status),
        enum=tuple(Recommendation.InspectorateStatus.values),
    ),
    Column(
        "hmicfrs_status_label",
        "string",
        "HMICFRS status (in words)",
        "HMICFRS's status as the public pages show it.",
        lambda row, office: _hmicfrs(row, row.get_inspectorate_status_display()),
    ),
    Column(
        "hmicfrs_status_on",
        "date",
        "HMICFRS status since",
        "The day HMICFRS gave that status (YYYY-MM-DD); empty if not known.",
        lambda row, office: _hmicfrs(row, row.inspectorate_status_on),
    ),
    Column(
        "due_on",
        "date",
        "Due by",
        "When the report's timescale says the recommendation should be met (YYYY-MM-DD); "
        "empty where the report gives none.",
        lambda row, office: row.due_on,
    ),
    Column(
        "published_at",
        "datetime",
        "Last published",
        "When the office last published this report here (ISO 8601, UTC).",
        lambda row, office: row.publication.published_at,
        required=True,
    ),
    Column(
        "page_url",
        "string",
        "Public page",
        "The recommendation on this site.",
        _page_url,
        format="uri",
        required=True,
    ),
]


def plain(value):
    """A cell's value for JSON: dates as ISO 8601, the rest as they are."""
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def register_records(rows: list[PublishedRecommendation], office: Office) -> list[dict]:
    return [{c.name: plain(c.value(row, office)) for c in COLUMNS} for row in rows]


def register_csv(rows: list[PublishedRecommendation], office: Office) -> str:
    """The register as CSV: a header row of the column names, then one row per
    recommendation; a cell a spreadsheet would run as a formula starts with a quote."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([c.name for c in COLUMNS])
    for record in register_records(rows, office):
        cells = ["" if value is None else str(value) for value in record.values()]
        writer.writerow(["'" + cell if cell.startswith(FORMULA_STARTS) else cell for cell in cells])
    return out.getvalue()


def table_schema(*, schema_url: str) -> dict:
    """The Frictionless Table Schema of the register (CSV columns and JSON records)."""
    fields = []
    for column in COLUMNS:
        described = {
            "name": column.name,
            "type": column.type,
            "title": column.title,
            "description": column.description,
        }
        if column.format:
            described["format"] = column.format
        constraints = {}
        if column.required:
            constraints["required"] = True
        if column.enum:
            constraints["enum"] = list(column.enum)
        if constraints:
            described["constraints"] = constraints
        fields.append(described)
    return {
        "$schema": "https://specs.frictionlessdata.io/schemas/table-schema.json",
        "title": "Published inspection recommendations and progress",
        "description": "One row per recommendation an Office of the Police and Crime "
        "Commissioner has published, with its public summary of progress. Licence: "
        f"{LICENCE['title']} ({LICENCE['path']}).",
        "path": schema_url,
        "fields": fields,
        "primaryKey": ["report_id", "reference"],
        "missingValues": [""],
        "licenses": [LICENCE],
    }
