"""The report page's table of recommendations as HTML, written out in Python.

Drawn through the template language, a report's rows (a label, a link, a date and a
truncated text per cell, each row's priority areas as links) were a fifth of the page's
time. Here the labels are looked up once per page in the page's language; the row URLs come
with the rows (recommendations.report_page). The markup is what
templates/recommendations/_report_recommendations.html drew, without its whitespace.
"""

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext, pgettext

from oversight.shared.dates import day_text
from recommendations.models import Recommendation
from recommendations.rag import NO_RAG
from recommendations.register_rows import escaped

# As the template's truncatewords:45.
TEXT_WORDS = 45


class ReportRowWriter:
    """Writes a report's recommendation rows in the active language. Built once per page;
    `can_change`: the row has its "Edit" link (OPCC staff)."""

    def __init__(self, *, can_change: bool):
        self.can_change = can_change
        self.labels = escaped(
            ref=gettext("Ref"),
            recommendation=gettext("Recommendation"),
            timescale=gettext("Timescale"),
            status=gettext("Status"),
        )
        self.edit = escape(gettext("Edit"))
        self.afi = escape(gettext("Area for improvement"))
        self.priority_area = escape(pgettext("before a list of links", "Priority area:"))
        no_area, overdue = escape(gettext("Not in a priority area")), escape(gettext("Overdue"))
        no_actions, no_rag = escape(gettext("No actions")), escape(gettext("No RAG"))
        self.no_area = f'<span class="text-warning-emphasis">{no_area}</span>'
        self.overdue = f'<span class="badge text-bg-danger">{overdue}</span>'
        self.no_actions = f'<span class="rag rag-none">{no_actions}</span>'
        self.no_rag = f'<span class="text-body-secondary">{no_rag}</span>'
        self.timescales = {v: escape(label) for v, label in Recommendation.Timescale.choices}
        self.statuses = {v: escape(label) for v, label in Recommendation.Status.choices}

    def rows(self, recommendations: list[Recommendation]) -> SafeString:
        # Safe: row() escapes every value it writes.
        return mark_safe("".join(self.row(r) for r in recommendations))  # noqa: S308

    def row(self, r: Recommendation) -> str:
        labels, reference = self.labels, escape(r.reference)
        edit = (
            f'<br><a class="small fw-normal no-print" href="{escape(r.edit_url)}">{self.edit}'
            f'<span class="visually-hidden"> {reference}</span></a>'
            if self.can_change
            else ""
        )
        return (
            "<tr>"
            f'<td data-label="{labels["ref"]}" class="fw-semibold text-nowrap">'
            f'<a href="{escape(r.url)}">{reference}</a>{edit}</td>'
            f'<td data-label="{labels["recommendation"]}">'
            f'<div class="rec-text">{escape(Truncator(r.text).words(TEXT_WORDS, truncate=" …"))}'
            f'</div><div class="small text-body-secondary">{self._about(r)}</div></td>'
            f'<td data-label="{labels["timescale"]}" class="small">{self._due(r)}</td>'
            f'<td data-label="{labels["status"]}"><span class="rec-status'
            f' rec-status-{escape(r.status)}">{self.statuses.get(r.status, escape(r.status))}'
            "</span></td>"
            f'<td data-label="RAG">{self._rag(r)}</td>'
            "</tr>"
        )

    def _about(self, r: Recommendation) -> str:
        """Its kind, priority areas (links to their sections) and cause of concern."""
        about = f"{self.afi} · " if r.kind == Recommendation.Kind.AREA_FOR_IMPROVEMENT else ""
        if r.linked_areas:
            about += f"{self.priority_area} " + "; ".join(
                f'<a href="#area-{area.pk}">{escape(area.title)}</a>' for area in r.linked_areas
            )
        else:
            about += self.no_area
        if r.cause_of_concern:
            cause = gettext("cause of concern %(ref)s") % {"ref": r.cause_of_concern.reference}
            about += f" · {escape(cause)}"
        return about

    def _due(self, r: Recommendation) -> str:
        due = self.timescales.get(r.timescale, escape(r.timescale))
        if r.due_on:
            overdue = "overdue" if r.is_overdue else ""
            on = gettext("due %(due)s") % {"due": day_text(r.due_on, "j M Y")}
            due += f'<br><span class="{overdue}">{escape(on)}</span>'
        if r.is_overdue:
            due += f" {self.overdue}"
        return due

    def _rag(self, r: Recommendation) -> str:
        """As the template's RAG cell (recommendations/_rec_rag.html, written in place)."""
        if r.rag == NO_RAG:
            return self.no_actions
        if r.rag:
            return f'<span class="rag rag-{escape(r.rag)}">{escape(r.rag_label)}</span>'
        return self.no_rag
