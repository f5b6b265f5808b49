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
from django.utils import translation
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy

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
    """A field of the files. Its title and description are in the reader's language on the
    data page, and in English in the schema (which, like the files, is the same for all)."""

    name: str
    type: str  # a Table Schema type: string, integer, date, datetime
    title: str
    description: str
    value: Callable[[PublishedRecommendation, Office], object]
    enum: tuple[str, ...] = ()
    format: str = ""  # a Table Schema format, e.g. "uri"
    required: bool = False


def _with_codes(description: str, choices) -> str:
    """`description` (with a %(codes)s placeholder) naming each code and its label."""
    codes = "; ".join(f"{value} ({label})" for value, label in choices)
    return str(description) % {"codes": codes}


_described = lazy(_with_codes, str)


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
        gettext_lazy("Office"),
        gettext_lazy("The Office of the Police and Crime Commissioner that published the row."),
        lambda row, office: office.name,
        required=True,
    ),
    Column(
        "force",
        "string",
        gettext_lazy("Force"),
        gettext_lazy("The police force the report is about."),
        lambda row, office: row.publication.force_name,
        required=True,
    ),
    Column(
        "report_id",
        "integer",
        gettext_lazy("Report number"),
        gettext_lazy("This site's number for the report: the same in every publication of it."),
        lambda row, office: row.publication.report_id,
        required=True,
    ),
    Column(
        "report_title",
        "string",
        gettext_lazy("Report"),
        gettext_lazy("The report's title as its publisher gave it."),
        lambda row, office: row.publication.title,
        required=True,
    ),
    Column(
        "report_source",
        "string",
        gettext_lazy("Kind of report"),
        _described(
            gettext_lazy("Who the report comes from: %(codes)s."), InspectionReport.Source.choices
        ),
        lambda row, office: row.publication.source,
        enum=tuple(InspectionReport.Source.values),
        required=True,
    ),
    Column(
        "report_publisher",
        "string",
        gettext_lazy("Published by"),
        gettext_lazy("Who published the report, e.g. HMICFRS."),
        lambda row, office: row.publication.publisher,
        required=True,
    ),
    Column(
        "report_published_on",
        "date",
        gettext_lazy("Report published on"),
        gettext_lazy("The day the report was published (YYYY-MM-DD)."),
        lambda row, office: row.publication.published_on,
        required=True,
    ),
    Column(
        "report_url",
        "string",
        gettext_lazy("Report link"),
        gettext_lazy("Where the publisher's report can be read; empty if no link was given."),
        lambda row, office: row.publication.source_url,
        format="uri",
    ),
    Column(
        "reference",
        "string",
        gettext_lazy("Reference"),
        gettext_lazy("The recommendation's reference in the report, e.g. R3 or AFI2."),
        lambda row, office: row.reference,
        required=True,
    ),
    Column(
        "kind",
        "string",
        gettext_lazy("Kind"),
        gettext_lazy("recommendation, or afi (an area for improvement)."),
        lambda row, office: row.kind,
        enum=tuple(Recommendation.Kind.values),
        required=True,
    ),
    Column(
        "text",
        "string",
        gettext_lazy("Recommendation"),
        gettext_lazy("The recommendation's wording."),
        lambda row, office: row.text,
        required=True,
    ),
    Column(
        "public_summary",
        "string",
        gettext_lazy("Progress"),
        gettext_lazy(
            "The office's summary, written for the public, of what has been done and what is "
            "still to do."
        ),
        lambda row, office: row.public_summary,
        required=True,
    ),
    Column(
        "status",
        "string",
        gettext_lazy("Status"),
        _described(
            gettext_lazy("Where the recommendation stands in the office's view: %(codes)s."),
            Recommendation.Status.choices,
        ),
        lambda row, office: row.status,
        enum=tuple(Recommendation.Status.values),
        required=True,
    ),
    Column(
        "status_label",
        "string",
        gettext_lazy("Status (in words)"),
        gettext_lazy("The status as the public pages show it."),
        lambda row, office: row.get_status_display(),
        required=True,
    ),
    Column(
        "status_on",
        "date",
        gettext_lazy("Status since"),
        gettext_lazy(
            "The day the recommendation took its status (YYYY-MM-DD); empty if not known."
        ),
        lambda row, office: row.status_on,
    ),
    Column(
        "hmicfrs_status",
        "string",
        gettext_lazy("HMICFRS status"),
        _described(
            gettext_lazy(
                "Where HMICFRS says the recommendation stands (HMICFRS and HMIC reports only; "
                "empty for others): %(codes)s."
            ),
            Recommendation.InspectorateStatus.choices,
        ),
        lambda row, office: _hmicfrs(row, row.inspectorate_status),
        enum=tuple(Recommendation.InspectorateStatus.values),
    ),
    Column(
        "hmicfrs_status_label",
        "string",
        gettext_lazy("HMICFRS status (in words)"),
        gettext_lazy("HMICFRS's status as the public pages show it."),
        lambda row, office: _hmicfrs(row, row.get_inspectorate_status_display()),
    ),
    Column(
        "hmicfrs_status_on",
        "date",
        gettext_lazy("HMICFRS status since"),
        gettext_lazy("The day HMICFRS gave that status (YYYY-MM-DD); empty if not known."),
        lambda row, office: _hmicfrs(row, row.inspectorate_status_on),
    ),
    Column(
        "due_on",
        "date",
        gettext_lazy("Due by"),
        gettext_lazy(
            "When the report's timescale says the recommendation should be met (YYYY-MM-DD); "
            "empty where the report gives none."
        ),
        lambda row, office: row.due_on,
    ),
    Column(
        "published_at",
        "datetime",
        gettext_lazy("Last published"),
        gettext_lazy("When the office last published this report here (ISO 8601, UTC)."),
        lambda row, office: row.publication.published_at,
        required=True,
    ),
    Column(
        "page_url",
        "string",
        gettext_lazy("Public page"),
        gettext_lazy("The recommendation on this site."),
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
    """The rows as records, in English whatever the page's language: the files are the same
    for everybody (their labels and links included)."""
    with translation.override(settings.LANGUAGE_CODE):
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
    """The Frictionless Table Schema of the register (CSV columns and JSON records), in
    English whatever the page's language."""
    with translation.override(settings.LANGUAGE_CODE):
        return _table_schema(schema_url)


def _table_schema(schema_url: str) -> dict:
    fields = []
    for column in COLUMNS:
        described = {
            "name": column.name,
            "type": column.type,
            "title": str(column.title),
            "description": str(column.description),
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
