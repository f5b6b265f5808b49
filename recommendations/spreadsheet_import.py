"""Reading a report's recommendations from a spreadsheet (CSV or .xlsx), and working out
what importing it would do. Nothing here saves and nothing here queries.

1. `read_spreadsheet` turns the file's bytes into a header and rows of raw cells.
2. `parse_rows` turns those into typed rows, each bad cell reported as "Line 7: …" (the
   line is the row's number in the spreadsheet; the header is line 1).
3. `plan_import` compares the rows with the report's recommendations as they stand
   (`ExistingRecommendation`, from `existing_from`) and says what would be created,
   changed (which fields, old → new), left alone, and which recommendations the file
   does not mention (listed, never deleted). services_import applies a plan: all of it,
   or nothing when any row is bad.

How rows are matched (the README's "Import and re-import"):
- a row with a publisher's ID (HMICFRS numbers each recommendation) matches the
  recommendation with that ID, whatever its case and spacing; failing that, the one with
  the row's reference and no publisher's ID yet, which then takes the ID;
- a row without a publisher's ID matches on its reference, and the stored ID is kept;
- an empty kind or timescale cell leaves the field as it is (a new row takes the kind from
  its reference, "AFI…", and the timescale from its wording, as the paste import does);
- the HMICFRS status is recorded through the dated log only when the row's status, or its
  date, is not already there: the same file imported twice changes nothing.
"""

import codecs
import csv
import datetime
import hashlib
import io
import json
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from recommendations.models import Recommendation
from recommendations.paste_import import timescale_in
from recommendations.references import normalise_publisher_reference

# What an import may hold: far more than any report's recommendations, far less than
# would make the preview slow or the copy kept between preview and confirmation large.
MAX_ROWS = 500
MAX_FILE_BYTES = 1024 * 1024
# An .xlsx is a zip: what it may unpack to before it is read at all.
MAX_UNPACKED_BYTES = 30 * 1024 * 1024
MAX_TEXT_CHARACTERS = 10_000
MAX_COMMENT_CHARACTERS = 4_000
# Columns read from each row; anything further right is ignored.
MAX_COLUMNS = 40

# A spreadsheet runs a cell starting with one of these as a formula: exports prefix it with
# a single quote (register_csv.spreadsheet_safe), which a re-import takes off again.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Characters an .xlsx cannot hold, and that no recommendation needs: C0 controls but tab
# and line breaks.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    help: str
    width: int
    aliases: tuple[str, ...] = ()
    required: bool = False

    @property
    def names(self) -> tuple[str, ...]:
        return (_header_key(self.header), *(_header_key(alias) for alias in self.aliases))


COLUMNS: tuple[Column, ...] = (
    Column(
        "publisher_reference",
        "Publisher ID",
        "The publisher's own identifier (HMICFRS numbers each recommendation, e.g. "
        "PEEL 2023 R3). Rows are matched on it; without one, on the reference.",
        18,
        ("publisher's id", "publisher reference", "hmicfrs id", "hmicfrs reference"),
    ),
    Column(
        "reference",
        "Reference",
        "As the report gives it, e.g. R1 or AFI3. Required.",
        12,
        ("ref",),
        required=True,
    ),
    Column(
        "kind",
        "Kind",
        "Recommendation, or area for improvement. Empty: as it is (a new row: from the "
        "reference, AFI… is an area for improvement).",
        22,
        ("type",),
    ),
    Column(
        "text",
        "Text",
        "The wording as published. Required.",
        80,
        ("wording", "recommendation", "recommendation text"),
        required=True,
    ),
    Column(
        "timescale",
        "Timescale",
        "Immediately, within one, three, six or twelve months, or no timescale stated. "
        "Empty: as it is (a new row: read from the wording).",
        22,
    ),
    Column(
        "status",
        "HMICFRS status",
        "Awaiting review, being progressed, complete or no further action, as HMICFRS "
        "publishes it. Empty: nothing recorded.",
        20,
        ("inspectorate status",),
    ),
    Column(
        "status_on",
        "HMICFRS status date",
        "The date HMICFRS gave that status, as 2026-10-01. Needed when the status changes.",
        20,
        ("hmicfrs status since", "hmicfrs date"),
    ),
    Column(
        "comment",
        "HMICFRS comment",
        "What HMICFRS said, kept with a change of status.",
        40,
    ),
    Column(
        "link",
        "HMICFRS link",
        "The web address of HMICFRS's page or letter, kept with a change of status.",
        40,
        ("hmicfrs url",),
    ),
)
HMICFRS_KEYS = ("status", "status_on", "comment", "link")
# A national report's template: its wording and whom each recommendation is addressed to.
# HMICFRS keeps its status per force, so statuses are imported on each force's report.
NATIONAL_COLUMNS: tuple[Column, ...] = (
    *(column for column in COLUMNS if column.key not in HMICFRS_KEYS),
    Column(
        "addressed_to",
        "Addressed to",
        "All chief constables; or the forces named, as the list of forces names them; and "
        "any national bodies (NPCC, College of Policing, Home Office, IOPC, National Crime "
        "Agency, Crown Prosecution Service, Police and crime commissioners, APCC), separated "
        "by semicolons. Empty: as it is (a new row: all chief constables).",
        40,
        ("addressees", "addressed"),
    ),
    Column(
        "other_addressees",
        "Other addressees",
        "Anyone else it is addressed to, as written (kept as text).",
        30,
    ),
)
COLUMNS_BY_KEY = {column.key: column for column in (*COLUMNS, *NATIONAL_COLUMNS)}


def _header_key(text: str) -> str:
    text = str(text).replace("’", "'").casefold()
    return " ".join(re.sub(r"[^a-z0-9' ]+", " ", text).split())


def _listed(labels: Iterable[str]) -> str:
    with translation.override("en-gb"):
        return ", ".join(label.lower() for label in labels)


# --- Values a cell may hold ------------------------------------------------------------


def _choices(choices: Iterable[tuple[str, str]], *extra: tuple[str, str]) -> dict[str, str]:
    """Each choice recognised by its label or its stored value, without regard to case,
    spacing or underscores."""
    found = {}
    for value, label in [*choices, *extra]:
        for name in (value, label):
            found[_header_key(str(name).replace("_", " "))] = value
    return found


# A spreadsheet's cells are read in English, whatever the language of the page that uploads
# it: the labels are taken untranslated.
with translation.override("en-gb"):
    KINDS = _choices(Recommendation.Kind.choices, ("afi", "AFI"), ("afi", "Area of improvement"))
    TIMESCALES = _choices(
        Recommendation.Timescale.choices,
        *(
            (value, re.sub(r"^within ", "", str(label), flags=re.IGNORECASE))
            for value, label in Recommendation.Timescale.choices
        ),
        ("1_month", "1 month"),
        ("3_months", "3 months"),
        ("6_months", "6 months"),
        ("12_months", "12 months"),
        ("none", "None"),
    )
    STATUSES = _choices(Recommendation.InspectorateStatus.choices)


@dataclass(frozen=True)
class Formula:
    """A cell that holds a formula: refused, since what it shows is not in the file."""

    text: str


@dataclass
class Sheet:
    """A spreadsheet read but not yet understood: the header row and the rows below it,
    each with its line number; `error` when it could not be read at all."""

    header: list[Any] = field(default_factory=list)
    rows: list[tuple[int, list[Any]]] = field(default_factory=list)
    error: str = ""


def read_spreadsheet(name: str, data: bytes) -> Sheet:
    """The first worksheet of an .xlsx (the one called "Recommendations", if there is
    one), or a CSV: header and non-blank rows. The caller has already checked the file
    with oversight.shared.uploads.check_upload."""
    if name.lower().endswith(".xlsx"):
        return _read_xlsx(data)
    return _read_csv(data)


def _read_csv(data: bytes) -> Sheet:
    try:
        # Excel's "Unicode text" is UTF-16 with a byte-order mark, cells split by tabs.
        utf16 = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
        text = data.decode("utf-16" if utf16 else "utf-8-sig")
    except UnicodeDecodeError:
        # Excel on Windows saves "CSV" in the Windows code page.
        text = data.decode("cp1252", errors="replace")
    first_line = text.split("\n", 1)[0]
    # Excel writes ";" between cells where the decimal mark is a comma.
    delimiter = max([",", ";", "\t"], key=first_line.count)
    sheet = Sheet()
    try:
        for index, cells in enumerate(
            csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        ):
            if index == 0:
                sheet.header = cells[:MAX_COLUMNS]
            elif any(cell.strip() for cell in cells):
                sheet.rows.append((index + 1, cells[:MAX_COLUMNS]))
                if len(sheet.rows) > MAX_ROWS:
                    break
    except csv.Error as error:
        sheet.error = _(
            "The CSV could not be read (%(error)s). Save the spreadsheet as “CSV UTF-8” and "
            "upload it again."
        ) % {"error": error}
    return sheet


def _read_xlsx(data: bytes) -> Sheet:
    import openpyxl  # only here: the rest of the app never needs it loaded

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        return Sheet(error=_UNREADABLE_XLSX)
    if unpacked > MAX_UNPACKED_BYTES:
        return Sheet(
            error=_(
                "The spreadsheet unpacks to more than %(size)s MB. Copy the recommendations "
                "into the template and upload that."
            )
            % {"size": MAX_UNPACKED_BYTES // (1024 * 1024)}
        )
    sheet = Sheet()
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # the bytes are anyone's: whatever openpyxl trips on, it is unreadable
        return Sheet(error=_UNREADABLE_XLSX)
    try:
        names = {title.casefold(): title for title in workbook.sheetnames}
        worksheet = workbook[names.get("recommendations", workbook.sheetnames[0])]
        for index, row in enumerate(worksheet.iter_rows(max_col=MAX_COLUMNS)):
            cells = [
                Formula(str(cell.value)) if cell.data_type == "f" else cell.value for cell in row
            ]
            if index == 0:
                sheet.header = cells
            elif any(_text(cell) for cell in cells):
                sheet.rows.append((index + 1, cells))
                if len(sheet.rows) > MAX_ROWS:
                    break
    except Exception:
        return Sheet(error=_UNREADABLE_XLSX)
    finally:
        workbook.close()
    return sheet


_UNREADABLE_XLSX = gettext_lazy(
    "The spreadsheet could not be read: it may be damaged or password-protected. Open it "
    "in Excel, save it as .xlsx (or CSV) without a password and upload it again."
)


def _text(value: Any) -> str:
    """A cell's value as text: whole numbers without ".0", dates as 2026-10-01."""
    if value is None or isinstance(value, Formula):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def clean_text(value: str) -> str:
    """Wording as stored: line breaks as \\n, no control characters, no spreadsheet
    escape, no spaces at either end. Used on both sides of a comparison."""
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    if text.startswith("'") and text[1:2] and text[1] in FORMULA_STARTS:
        text = text[1:]
    text = _CONTROL.sub("", text)
    return "\n".join(line.rstrip() for line in text.split("\n")).strip()


def _one_line(value: str) -> str:
    return " ".join(clean_text(value).split())


# --- Typed rows --------------------------------------------------------------------------


@dataclass
class ParsedRow:
    line: int
    publisher_reference: str = ""
    reference: str = ""
    kind: str | None = None  # None: the cell was empty
    text: str = ""
    timescale: str | None = None
    status: str | None = None
    status_on: datetime.date | None = None
    comment: str = ""
    link: str = ""
    addressed_to: str | None = None  # None: the cell was empty (national reports only)
    other_addressees: str | None = None
    errors: list[str] = field(default_factory=list)


@dataclass
class ParsedFile:
    rows: list[ParsedRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # the file as a whole
    notes: list[str] = field(default_factory=list)
    columns: frozenset[str] = frozenset()


_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d %B %Y", "%d %b %Y", "%Y/%m/%d")


def _date(value: Any) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = _one_line(_text(value))
    for pattern in _DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def _column_positions(
    header: list[Any], columns: Sequence[Column]
) -> tuple[dict[str, int], list[str], list[str]]:
    """Where each known column is, the file's errors and its notes."""
    positions: dict[str, int] = {}
    errors, ignored = [], []
    by_name = {name: column for column in columns for name in column.names}
    for index, cell in enumerate(header):
        heading = _one_line(_text(cell))
        if not heading:
            continue
        column = by_name.get(_header_key(heading))
        if column is None:
            ignored.append(heading)
        elif column.key in positions:
            errors.append(
                _("Line 1: the column “%(column)s” appears twice: delete one of them.")
                % {"column": column.header}
            )
        else:
            positions[column.key] = index
    notes = (
        [
            _("Columns the template does not have were ignored: %(columns)s.")
            % {"columns": ", ".join(ignored)}
        ]
        if ignored
        else []
    )
    missing = [
        column.header for column in columns if column.required and column.key not in positions
    ]
    if missing:
        errors.append(
            _(
                "Line 1 has no %(missing)s column. The first row must name the columns, as the "
                "template does: %(columns)s."
            )
            % {
                "missing": (" " + _("or") + " ").join(f"“{name}”" for name in missing),
                "columns": ", ".join(column.header for column in columns),
            }
        )
    return positions, errors, notes


def parse_rows(
    sheet: Sheet,
    *,
    is_inspection: bool,
    source_label: str,
    published_on: datetime.date,
    today: datetime.date,
    columns: Sequence[Column] = COLUMNS,
) -> ParsedFile:
    """Typed rows, each with what is wrong with it in plain words."""
    parsed = ParsedFile()
    if sheet.error:
        parsed.errors.append(sheet.error)
        return parsed
    positions, parsed.errors, parsed.notes = _column_positions(sheet.header, columns)
    parsed.columns = frozenset(positions)
    if parsed.errors:
        return parsed
    if not sheet.rows:
        parsed.errors.append(
            _(
                "The file has a header row but no recommendations under it: add one row per "
                "recommendation."
            )
        )
        return parsed
    if len(sheet.rows) > MAX_ROWS:
        parsed.errors.append(
            _(
                "The file has more than %(count)s rows of recommendations; import at most "
                "%(count)s at a time."
            )
            % {"count": MAX_ROWS}
        )
        return parsed
    for line, cells in sheet.rows:
        parsed.rows.append(
            _parse_row(
                line,
                {
                    key: cells[index] if index < len(cells) else None
                    for key, index in positions.items()
                },
                is_inspection=is_inspection,
                source_label=source_label,
                published_on=published_on,
                today=today,
            )
        )
    return parsed


def _parse_row(
    line: int,
    cells: dict[str, Any],
    *,
    is_inspection: bool,
    source_label: str,
    published_on: datetime.date,
    today: datetime.date,
) -> ParsedRow:
    row = ParsedRow(line=line)
    errors = row.errors
    formulas = {key for key, value in cells.items() if isinstance(value, Formula)}
    for key, value in cells.items():
        if key in formulas:
            errors.append(
                _("the “%(column)s” cell holds a formula (%(formula)s): type the value itself.")
                % {"column": COLUMNS_BY_KEY[key].header, "formula": value.text[:40]}
            )
    raw = {key: _text(value) for key, value in cells.items()}

    row.publisher_reference = normalise_publisher_reference(
        clean_text(raw.get("publisher_reference", ""))
    )
    if len(row.publisher_reference) > 50:
        errors.append(
            _("the publisher ID has %(count)s characters; at most 50 fit.")
            % {"count": len(row.publisher_reference)}
        )
    row.reference = _one_line(raw.get("reference", ""))
    if not row.reference and "reference" not in formulas:
        errors.append(_("the reference is empty: give the reference the report uses, e.g. R1."))
    elif len(row.reference) > 20:
        errors.append(
            _("the reference “%(ref)s…” is too long: at most 20 characters.")
            % {"ref": row.reference[:30]}
        )
    row.text = clean_text(raw.get("text", ""))
    if not row.text and "text" not in formulas:
        errors.append(_("the text is empty: give the recommendation's wording as published."))
    elif len(row.text) > MAX_TEXT_CHARACTERS:
        errors.append(
            _("the text has %(count)s characters; at most %(most)s fit.")
            % {"count": f"{len(row.text):,}", "most": f"{MAX_TEXT_CHARACTERS:,}"}
        )

    kind = _one_line(raw.get("kind", ""))
    if kind:
        row.kind = KINDS.get(_header_key(kind))
        if row.kind is None:
            errors.append(
                _("kind “%(value)s” is not one of: %(allowed)s.")
                % {"value": kind[:40], "allowed": _listed(Recommendation.Kind.labels)}
            )
    timescale = _one_line(raw.get("timescale", ""))
    if timescale:
        row.timescale = TIMESCALES.get(_header_key(timescale))
        if row.timescale is None:
            errors.append(
                _("timescale “%(value)s” is not one of: %(allowed)s.")
                % {"value": timescale[:40], "allowed": _listed(Recommendation.Timescale.labels)}
            )

    if "addressed_to" in raw:
        row.addressed_to = clean_text(raw["addressed_to"]) or None
    if "other_addressees" in raw:
        row.other_addressees = _one_line(raw["other_addressees"])
        if len(row.other_addressees) > 200:
            errors.append(_("the other addressees are too long: at most 200 characters."))
    hmicfrs = {key: raw.get(key, "").strip() for key in HMICFRS_KEYS}
    if not is_inspection:
        if any(hmicfrs.values()):
            errors.append(
                _(
                    "this report's source (%(source)s) keeps no HMICFRS status: clear the "
                    "HMICFRS columns."
                )
                % {"source": source_label}
            )
        return row
    status = _one_line(hmicfrs["status"])
    if status:
        row.status = STATUSES.get(_header_key(status))
        if row.status is None:
            errors.append(
                _("HMICFRS status “%(value)s” is not one of: %(allowed)s.")
                % {
                    "value": status[:40],
                    "allowed": _listed(Recommendation.InspectorateStatus.labels),
                }
            )
    if hmicfrs["status_on"]:
        row.status_on = _date(cells.get("status_on"))
        if row.status_on is None:
            errors.append(
                _(
                    "HMICFRS status date “%(value)s” is not a date: write it as "
                    "year-month-day, e.g. 2026-10-01."
                )
                % {"value": hmicfrs["status_on"][:40]}
            )
        elif row.status_on < published_on:
            errors.append(
                _(
                    "HMICFRS status date %(date)s is before the report was published "
                    "(%(published)s): give a date on or after it."
                )
                % {
                    "date": date_format(row.status_on, "j F Y"),
                    "published": date_format(published_on, "j F Y"),
                }
            )
        elif row.status_on > today:
            errors.append(
                _(
                    "HMICFRS status date %(date)s is in the future: give the date HMICFRS made "
                    "the change."
                )
                % {"date": date_format(row.status_on, "j F Y")}
            )
    row.comment = clean_text(hmicfrs["comment"])
    if len(row.comment) > MAX_COMMENT_CHARACTERS:
        errors.append(
            _("the HMICFRS comment has %(count)s characters; at most %(most)s fit.")
            % {"count": f"{len(row.comment):,}", "most": f"{MAX_COMMENT_CHARACTERS:,}"}
        )
    row.link = _one_line(hmicfrs["link"])
    if row.link:
        try:
            URLValidator(schemes=["http", "https"])(row.link)
            if len(row.link) > 500:
                raise ValidationError("too long")
        except ValidationError:
            errors.append(
                _(
                    "HMICFRS link “%(value)s” is not a web address: give one starting "
                    "https://, or leave the cell empty."
                )
                % {"value": row.link[:60]}
            )
    if not status and (hmicfrs["status_on"] or row.comment or row.link):
        errors.append(
            _(
                "the HMICFRS status is empty but its date, comment or link is not: give the "
                "status, or clear those cells."
            )
        )
    return row


# --- What the report holds now ------------------------------------------------------------


@dataclass(frozen=True)
class LoggedStatus:
    status: str
    changed_on: datetime.date
    comment: str
    source_url: str


@dataclass(frozen=True)
class ExistingRecommendation:
    pk: int
    reference: str
    publisher_reference: str
    kind: str
    text: str
    timescale: str
    carried_forward: bool
    inspectorate_status: str
    inspectorate_status_on: datetime.date | None
    log: tuple[LoggedStatus, ...]  # newest first, as inspectorate_status_record orders it


def existing_from(recommendations: Iterable[Recommendation]) -> list[ExistingRecommendation]:
    """The report's recommendations as plain values; their `inspectorate_changes` must be
    prefetched newest first (selectors.recommendations_for_import)."""
    return [
        ExistingRecommendation(
            pk=recommendation.pk,
            reference=recommendation.reference,
            publisher_reference=recommendation.publisher_reference,
            kind=recommendation.kind,
            text=recommendation.text,
            timescale=recommendation.timescale,
            carried_forward=recommendation.carried_forward_from_id is not None,
            inspectorate_status=recommendation.inspectorate_status,
            inspectorate_status_on=recommendation.inspectorate_status_on,
            log=tuple(
                LoggedStatus(change.status, change.changed_on, change.comment, change.source_url)
                for change in recommendation.inspectorate_changes.all()
            ),
        )
        for recommendation in recommendations
    ]


# --- The plan -------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldChange:
    field: str
    label: str
    old: str  # as shown
    new: str
    value: Any  # as saved


@dataclass(frozen=True)
class StatusChange:
    status: str
    changed_on: datetime.date
    comment: str
    source_url: str
    becomes_current: bool  # False: an earlier entry filled into the log

    @property
    def label(self) -> str:
        return Recommendation.InspectorateStatus(self.status).label


@dataclass(frozen=True)
class NewRow:
    line: int
    fields: dict[str, str]
    status_change: StatusChange | None

    @property
    def kind_label(self) -> str:
        return Recommendation.Kind(self.fields["kind"]).label

    @property
    def timescale_label(self) -> str:
        return Recommendation.Timescale(self.fields["timescale"]).label


@dataclass(frozen=True)
class ChangedRow:
    line: int
    pk: int
    reference: str  # as it stands, before the import
    changes: tuple[FieldChange, ...]
    status_change: StatusChange | None
    status_before: str
    status_before_on: datetime.date | None

    @property
    def status_before_label(self) -> str:
        return Recommendation.InspectorateStatus(self.status_before).label


@dataclass(frozen=True)
class RowError:
    line: int | None  # None: the file as a whole
    message: str

    def __str__(self) -> str:
        if self.line is None:
            return str(self.message)
        return _("Line %(line)s: %(why)s") % {"line": self.line, "why": self.message}


@dataclass
class ImportPlan:
    new: list[NewRow] = field(default_factory=list)
    changed: list[ChangedRow] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)  # their lines
    unchanged_pks: dict[int, int] = field(default_factory=dict)  # line: pk
    missing: list[ExistingRecommendation] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def has_changes(self) -> bool:
        return bool(self.new or self.changed)

    @property
    def bad_lines(self) -> int:
        return len({error.line for error in self.errors if error.line is not None})

    @property
    def fingerprint(self) -> str:
        """A digest of everything the plan would write and of what it would overwrite:
        confirming checks that the plan worked out again from the same file still has it,
        so nothing that changed since the preview is written unseen."""
        actions = [
            ["new", row.line, row.fields, _status_key(row.status_change)] for row in self.new
        ] + [
            [
                "changed",
                row.pk,
                [[change.field, change.old, change.value] for change in row.changes],
                _status_key(row.status_change),
                [row.status_before, row.status_before_on],
            ]
            for row in self.changed
        ]
        encoded = json.dumps(actions, sort_keys=True, default=str).encode()
        return hashlib.sha256(encoded).hexdigest()


def _status_key(change: StatusChange | None) -> list | None:
    if change is None:
        return None
    return [change.status, change.changed_on, change.comment, change.source_url]


def plan_import(parsed: ParsedFile, existing: Sequence[ExistingRecommendation]) -> ImportPlan:
    plan = ImportPlan(
        errors=[RowError(None, error) for error in parsed.errors], notes=list(parsed.notes)
    )
    by_publisher = {
        item.publisher_reference.casefold(): item for item in existing if item.publisher_reference
    }
    by_reference = {item.reference.casefold(): item for item in existing}
    seen_publisher: dict[str, int] = {}
    seen_reference: dict[str, int] = {}
    matched: dict[int, int] = {}  # pk: line
    for row in parsed.rows:
        errors = list(row.errors)
        _check_repeats(row, seen_publisher, seen_reference, errors)
        target = _match(row, by_publisher, by_reference, errors)
        if target is not None:
            if target.pk in matched:
                errors.append(
                    _(
                        "this row and line %(line)s both match %(ref)s: keep one row per "
                        "recommendation."
                    )
                    % {"line": matched[target.pk], "ref": target.reference}
                )
            else:
                matched[target.pk] = row.line
        if not errors:
            if target is None:
                _plan_new(plan, row, errors)
            else:
                _plan_existing(plan, row, target, errors)
        plan.errors += [RowError(row.line, error) for error in errors]
    plan.missing = [item for item in existing if item.pk not in matched]
    plan.errors.sort(key=lambda error: error.line or 0)
    return plan


def _check_repeats(
    row: ParsedRow, seen_publisher: dict, seen_reference: dict, errors: list[str]
) -> None:
    for value, seen, what in (
        (row.publisher_reference, seen_publisher, _("publisher ID")),
        (row.reference, seen_reference, _("reference")),
    ):
        if not value:
            continue
        key = value.casefold()
        if key in seen:
            errors.append(
                _(
                    "the %(what)s %(value)s is also on line %(line)s: give each recommendation "
                    "its own.",
                )
                % {"what": what, "value": value, "line": seen[key]}
            )
        else:
            seen[key] = row.line


def _match(
    row: ParsedRow, by_publisher: dict, by_reference: dict, errors: list[str]
) -> ExistingRecommendation | None:
    same_reference = by_reference.get(row.reference.casefold()) if row.reference else None
    if not row.publisher_reference:
        return same_reference
    found = by_publisher.get(row.publisher_reference.casefold())
    if found is not None:
        if same_reference is not None and same_reference.pk != found.pk:
            errors.append(
                _(
                    "the reference %(ref)s belongs to another recommendation (%(other)s), not "
                    "to %(id)s: give this row another reference."
                )
                % {
                    "ref": row.reference,
                    "other": _describe(same_reference),
                    "id": row.publisher_reference,
                }
            )
        return found
    if same_reference is not None and same_reference.publisher_reference:
        errors.append(
            _(
                "%(ref)s has the publisher ID %(id)s, not %(row_id)s: correct the publisher ID "
                "or the reference."
            )
            % {
                "ref": same_reference.reference,
                "id": same_reference.publisher_reference,
                "row_id": row.publisher_reference,
            }
        )
    return same_reference  # None: a new recommendation


def _describe(item: ExistingRecommendation) -> str:
    if item.publisher_reference:
        return _("%(ref)s, publisher ID %(id)s") % {
            "ref": item.reference,
            "id": item.publisher_reference,
        }
    return item.reference


def _plan_new(plan: ImportPlan, row: ParsedRow, errors: list[str]) -> None:
    kind = row.kind or (
        Recommendation.Kind.AREA_FOR_IMPROVEMENT
        if row.reference.upper().startswith("AFI")
        else Recommendation.Kind.RECOMMENDATION
    )
    fields = {
        "reference": row.reference,
        "publisher_reference": row.publisher_reference,
        "kind": str(kind),
        "text": row.text,
        "timescale": str(row.timescale or timescale_in(row.text)),
    }
    status_change = _status_change(
        row,
        current=Recommendation.InspectorateStatus.AWAITING_REVIEW,
        current_on=None,
        log=(),
        errors=errors,
        notes=plan.notes,
    )
    if not errors:
        plan.new.append(NewRow(row.line, fields, status_change))


def _plan_existing(
    plan: ImportPlan, row: ParsedRow, item: ExistingRecommendation, errors: list[str]
) -> None:
    changes = []

    def compare(name: str, label: str, old: str, new: str | None, shown=lambda v: v) -> None:
        if new is not None and new != old:
            changes.append(FieldChange(name, label, shown(old) or "—", shown(new), new))

    if (
        row.publisher_reference
        and row.publisher_reference.casefold() != item.publisher_reference.casefold()
    ):
        changes.append(
            FieldChange(
                "publisher_reference",
                "Publisher ID",
                item.publisher_reference or "—",
                row.publisher_reference,
                row.publisher_reference,
            )
        )
    compare("reference", "Reference", item.reference, row.reference)
    if row.kind is not None and row.kind != item.kind and item.carried_forward:
        errors.append(
            _(
                "%(ref)s was carried forward from an earlier inspection as an area for "
                "improvement, so it stays one: put back “Area for improvement”."
            )
            % {"ref": item.reference}
        )
    compare("kind", "Kind", item.kind, row.kind, lambda v: Recommendation.Kind(v).label)
    if clean_text(item.text) != row.text:
        changes.append(FieldChange("text", "Text", item.text, row.text, row.text))
    compare(
        "timescale",
        "Timescale",
        item.timescale,
        row.timescale,
        lambda v: Recommendation.Timescale(v).label,
    )
    status_change = _status_change(
        row,
        current=item.inspectorate_status,
        current_on=item.inspectorate_status_on,
        log=item.log,
        errors=errors,
        notes=plan.notes,
    )
    if errors:
        return
    if changes or status_change:
        plan.changed.append(
            ChangedRow(
                row.line,
                item.pk,
                item.reference,
                tuple(changes),
                status_change,
                item.inspectorate_status,
                item.inspectorate_status_on,
            )
        )
    else:
        plan.unchanged.append(row.line)
        plan.unchanged_pks[row.line] = item.pk


def _status_change(
    row: ParsedRow,
    *,
    current: str,
    current_on: datetime.date | None,
    log: tuple[LoggedStatus, ...],
    errors: list[str],
    notes: list[str],
) -> StatusChange | None:
    """The HMICFRS status change the row asks for, or None when the log already has it
    (so a second import of the same file records nothing)."""
    if row.status is None:
        return None
    latest = log[0] if log else None
    already = any(
        entry.status == row.status and entry.changed_on == row.status_on for entry in log
    ) or (row.status == current and row.status_on in (None, current_on))
    if already:
        describes_latest = (
            latest is not None
            and row.status == latest.status
            and row.status_on in (None, latest.changed_on)
        )
        if describes_latest and (row.comment, row.link) != (latest.comment, latest.source_url):
            notes.append(
                _(
                    "Line %(line)s: the HMICFRS comment or link differs from the one logged, "
                    "but the status and its date do not: a comment is recorded only with a "
                    "change. Add it on the recommendation's page if it matters."
                )
                % {"line": row.line}
            )
        return None
    status_label = Recommendation.InspectorateStatus(row.status).label.lower()
    if row.status_on is None:
        current_label = Recommendation.InspectorateStatus(current).label.lower()
        errors.append(
            _(
                "the HMICFRS status changes from “%(was)s” to “%(status)s”: give the date "
                "HMICFRS changed it in “HMICFRS status date”."
            )
            % {"was": current_label, "status": status_label}
        )
        return None
    if latest and latest.status == row.status and latest.changed_on <= row.status_on:
        errors.append(
            _(
                "the HMICFRS status is already “%(status)s” (since %(date)s): a later date for "
                "the same status is not a change. Put back %(iso_date)s, or give the status "
                "that changed."
            )
            % {
                "status": status_label,
                "date": date_format(latest.changed_on, "j F Y"),
                "iso_date": f"{latest.changed_on:%Y-%m-%d}",
            }
        )
        return None
    return StatusChange(
        status=row.status,
        changed_on=row.status_on,
        comment=row.comment,
        source_url=row.link,
        becomes_current=latest is None or row.status_on >= latest.changed_on,
    )
