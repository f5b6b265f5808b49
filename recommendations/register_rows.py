"""The register's table rows as HTML, written out in Python.

A page of 25 rows drawn through the template language cost more than everything else on the
page together (a choice label, a URL and a date per cell, through includes). Here the labels
are looked up once per page in the page's language, the URLs are formatted from one reverse()
each, and each row is a single format_html() call. The markup is what
templates/recommendations/_register_body.html drew, without its whitespace, with the
columns styled by position (static/css/app.css) and short classes for what repeats in cells.
"""

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext

from oversight.models import InspectionReport
from oversight.shared.dates import day_text
from oversight.shared.html_text import escape_text, shortened
from oversight.shared.urls import url_pattern
from recommendations.models import Recommendation
from recommendations.rag import NO_RAG, RAG_ORDER, rag_label
from recommendations.register import RegisterRow


def escaped(**labels: str) -> dict[str, str]:
    """The labels HTML-escaped, by name: a row writer's cell labels, looked up once a page."""
    return {key: escape_text(label) for key, label in labels.items()}


def _labels(choices) -> dict[str, str]:
    return {value: str(label) for value, label in choices}


class RegisterRowWriter:
    """Writes register rows in the active language. Built once per page: the labels and URL
    patterns it holds are the same for every row."""

    def __init__(self, *, bulk_form_id: str | None = None, with_force: bool = True):
        # The form the rows' checkboxes belong to, for OPCC staff who may change several.
        self.bulk_form_id = escape_text(bulk_form_id) if bulk_form_id else None
        # Each report's force under its title: not when every row is of one force.
        self.with_force = with_force
        self.recommendation_url = escape_text(url_pattern("recommendations:recommendation_detail"))
        self.report_url = escape_text(url_pattern("recommendations:report_detail"))
        self.status_labels = _labels(Recommendation.Status.choices)
        self.timescale_labels = _labels(Recommendation.Timescale.choices)
        self.inspectorate_labels = _labels(Recommendation.InspectorateStatus.choices)
        self.source_labels = _labels(InspectionReport.Source.choices)
        # As InspectionReport.source_short: the source in a few words.
        self.source_labels.update(
            {
                InspectionReport.Source.HMIC: "HMIC",
                InspectionReport.Source.IOPC: "IOPC",
                InspectionReport.Source.CORONER: gettext("Coroner (PFD)"),
            }
        )
        # Stacked on a narrow screen, a cell says what it is where its value does not (the
        # reference, the report and the status chip speak for themselves).
        self.cell_labels = escaped(
            due=gettext("Due"), rag=gettext("RAG"), leads=gettext("Delivery leads")
        )
        self._report_cells: dict[int, str] = {}
        self.afi_badge = format_html(
            '<br><span class="badge text-bg-light border fw-normal" title="{}">{}</span>',
            gettext("Area for improvement"),
            gettext("AFI"),
        )
        self.overdue_badge = format_html(
            '<br><span class="badge text-bg-danger">{}</span>', gettext("Overdue")
        )
        # The RAG in the user's language, as the recommendation page names it.
        self.rag_cells = {
            rag: format_html('<span class="rag rag-{}">{}</span>', rag, rag_label(rag))
            for rag in RAG_ORDER
        }
        self.no_rag = format_html('<span class="rag rag-none">{}</span>', gettext("No actions"))
        self.no_rag_at_all = format_html('<span class="sub">{}</span>', gettext("No RAG"))
        self.no_lead = '<span class="sub">—</span>'
        self.select_label = gettext("Select %(ref)s (%(title)s)")
        self.hmicfrs_label = gettext("HMICFRS: %(status)s")

    def rows(self, rows: list[RegisterRow]) -> SafeString:
        # Safe: row() escapes every value it writes.
        return mark_safe("".join(self.row(row) for row in rows))  # noqa: S308

    def row(self, row: RegisterRow) -> str:
        """One row's <tr>. Every value is escaped here (html.escape, as Django's escape),
        the labels once in __init__."""
        r, report, labels = row.recommendation, row.recommendation.report, self.cell_labels
        select = ""
        if self.bulk_form_id:
            select_label = self.select_label % {"ref": r.reference, "title": report.title}
            select = (
                '<td><input class="form-check-input" type="checkbox" name="bulk-selected"'
                f' value="{escape_text(row.selection_value)}" form="{self.bulk_form_id}"'
                f' aria-label="{escape_text(select_label)}"'
                "></td>"
            )
        due = escape_text(day_text(r.due_on, "j M Y")) if r.due_on else "—"
        if r.is_overdue:
            if r.due_on:
                due = f'<span class="overdue">{due}</span>'
            due += self.overdue_badge
        if r.rag == NO_RAG:
            rag = self.no_rag
        elif r.rag:
            rag = self.rag_cells[r.rag]
        else:
            rag = self.no_rag_at_all
        hmicfrs = ""
        if report.source in InspectionReport.INSPECTORATE_SOURCES:
            status = self.inspectorate_labels.get(r.inspectorate_status, r.inspectorate_status)
            status = self.hmicfrs_label % {"status": status.lower()}
            hmicfrs = f'<br><small class="sub">{escape_text(status)}</small>'
        areas = f'<div class="sub">{escape_text("; ".join(row.areas))}</div>' if row.areas else ""
        leads = "<br>".join(escape_text(lead) for lead in row.leads) if row.leads else self.no_lead
        afi = self.afi_badge if r.kind == Recommendation.Kind.AREA_FOR_IMPROVEMENT else ""
        status_label = self.status_labels.get(r.status, r.status)
        timescale = self.timescale_labels.get(r.timescale, r.timescale)
        text = escape_text(Truncator(r.text).words(28, truncate=" …"))
        return (
            f"<tr>{select}"
            f'<td><a href="{self.recommendation_url % r.pk}">{escape_text(r.reference)}</a>'
            f"{afi}</td>"
            f"{self._report_cell(report)}"
            f'<td><div class="rec-text">{text}</div>'
            f"{areas}</td>"
            f'<td data-label="{labels["due"]}">{due}'
            f'<br><span class="sub">{escape_text(timescale)}</span></td>'
            f'<td><span class="rec-status rec-status-{escape_text(r.status)}">'
            f"{escape_text(status_label)}</span>"
            f"{hmicfrs}</td>"
            f'<td data-label="{labels["rag"]}">{rag}</td>'
            f'<td data-label="{labels["leads"]}">{leads}</td></tr>'
        )

    def _report_cell(self, report: InspectionReport) -> str:
        """The report's cell, the same on each of its rows: written once per page."""
        cell = self._report_cells.get(report.pk)
        if cell is None:
            source = self.source_labels.get(report.source, report.source)
            title = shortened(report.title, 70)
            force = f"{escape_text(report.force.name)} · " if self.with_force else ""
            cell = self._report_cells[report.pk] = (
                f'<td><a href="{self.report_url % report.pk}">{escape_text(title)}</a>'
                f'<br><span class="sub">{force}{escape_text(source)} · '
                f"{escape_text(day_text(report.published_on, 'M Y'))}</span></td>"
            )
        return cell
