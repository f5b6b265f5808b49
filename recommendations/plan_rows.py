"""The action plan page's table rows as HTML, written out in Python.

A plan holds dozens of actions; drawn through the template language with four includes a
row, they were most of the page's time. Here the labels are looked up once per page in the
page's language and the URLs formatted from one reverse() each. The markup is what
templates/recommendations/plan_detail.html drew with recommendations/_status_badge.html,
_update_due.html, _target_date.html and the rag_badge tag, without their whitespace.
"""

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

from oversight.shared.dates import day_text
from oversight.shared.html_text import escape_text, shortened
from oversight.shared.urls import url_pattern
from recommendations.action_rows import ActionRow
from recommendations.models import Action, Rag
from recommendations.register_rows import escaped


def _date(day) -> str:
    return escape_text(day_text(day, "j M Y"))


class PlanRowWriter:
    """Writes a plan's action rows in the active language. Built once per page."""

    def __init__(self):
        self.action_url = escape_text(url_pattern("recommendations:action_detail"))
        self.update_url = escape_text(url_pattern("recommendations:update_create"))
        self.status_labels = {v: escape_text(str(label)) for v, label in Action.Status.choices}
        self.rag_labels = {v: escape_text(str(label)) for v, label in Rag.choices}
        self.labels = escaped(
            ref=gettext("Ref"),
            action=gettext("Action"),
            lead=gettext("Lead"),
            status=gettext("Status"),
            next_update=gettext("Next update"),
            target=gettext("Target"),
        )
        self.not_allocated = escape_text(gettext("Not allocated"))
        no_rag = escape_text(gettext("No RAG"))
        self.no_rag = f'<span class="text-body-secondary">{no_rag}</span>'
        self.revised = escape_text(gettext("Revised"))
        self.with_opcc = escape_text(gettext("Update with the OPCC for review"))
        self.no_update = escape_text(gettext("No update expected"))
        self.due_today = escape_text(gettext("Due today"))

    def rows(self, rows: list[ActionRow]) -> SafeString:
        # Safe: row() escapes every value it writes; the translations' own markup is kept,
        # as {% blocktranslate %} keeps it.
        return mark_safe("".join(self.row(row) for row in rows))  # noqa: S308

    def row(self, row: ActionRow) -> str:
        action, labels = row.action, self.labels
        references = "".join(
            f'<span class="badge text-bg-light border me-1">{escape_text(r.reference)}</span>'
            for r in action.recommendations.all()
        )
        counts = escape_text(
            ngettext("%(counter)s update", "%(counter)s updates", action.update_count)
            % {"counter": action.update_count}
        )
        if action.latest_percent is not None:
            percent = gettext("%(percent)s%% complete") % {"percent": action.latest_percent}
            counts += f" · {escape_text(percent)}"
        lead = (
            escape_text(str(action.delivery_lead)) if action.delivery_lead else self.not_allocated
        )
        if action.partner_agency:
            lead += (
                f'<div class="small text-body-secondary">{escape_text(action.partner_agency)}</div>'
            )
        post = ""
        if row.can_post_update:
            words = gettext('Post update<span class="visually-hidden"> on %(reference)s</span>')
            post = (
                '<a class="btn btn-sm btn-outline-primary text-nowrap"'
                f' href="{self.update_url % action.pk}">'
                f"{words % {'reference': escape_text(action.reference)}}</a>"
            )
        return (
            f'<tr id="action-{action.pk}">'
            f'<td data-label="{labels["ref"]}"><a class="fw-semibold"'
            f' href="{self.action_url % action.pk}">{escape_text(action.reference)}</a></td>'
            f'<td data-label="{labels["action"]}">'
            f"{escape_text(shortened(action.description, 160))}"
            f'<div class="small text-body-secondary">{references}{counts}</div></td>'
            f'<td data-label="{labels["lead"]}">{lead}</td>'
            f'<td data-label="RAG">{self._rag(action)}</td>'
            f'<td data-label="{labels["status"]}">{self._status(action)}</td>'
            f'<td data-label="{labels["next_update"]}">{self._update_due(row)}</td>'
            f'<td data-label="{labels["target"]}">{self._target(action)}</td>'
            f'<td data-label="">{post}</td></tr>'
        )

    def _rag(self, action: Action) -> str:
        """As the rag_badge tag (recommendations/templatetags/rag_tags.py)."""
        if not action.rag:
            return self.no_rag
        label = self.rag_labels.get(action.rag, escape_text(action.rag))
        return (
            f'<span class="rag rag-{escape_text(action.rag)}">{label[:1].upper()}{label[1:]}</span>'
        )

    def _status(self, action: Action) -> str:
        """As recommendations/_status_badge.html."""
        label = self.status_labels.get(action.status, escape_text(action.status))
        status = escape_text(action.status)
        return f'<span class="badge action-status action-status-{status}">{label}</span>'

    def _update_due(self, row: ActionRow) -> str:
        """As recommendations/_update_due.html."""
        action, days = row.action, row.update_due_in_days
        if action.awaiting_review:
            return f'<span class="text-body-secondary">{self.with_opcc}</span>'
        if days is None:
            return f'<span class="text-body-secondary">{self.no_update}</span>'
        if row.update_overdue:
            late = row.update_overdue_days
            overdue = ngettext("Overdue by %(counter)s day", "Overdue by %(counter)s days", late)
            was_due = gettext("was due %(due)s") % {
                "due": day_text(action.next_update_due, "j M Y")
            }
            return (
                f'<span class="overdue">{escape_text(overdue % {"counter": late})}</span><br>'
                f'<span class="small text-body-secondary">{escape_text(was_due)}</span>'
            )
        if days == 0:
            return f'<span class="due-soon">{self.due_today}</span>'
        if days <= 7:
            soon = ngettext("Due in %(counter)s day", "Due in %(counter)s days", days)
            return (
                f'<span class="due-soon">{escape_text(soon % {"counter": days})}</span><br>'
                f'<span class="small text-body-secondary">{_date(action.next_update_due)}</span>'
            )
        return _date(action.next_update_due)

    def _target(self, action: Action) -> str:
        """As recommendations/_target_date.html."""
        if action.revised_target_date:
            originally = gettext("originally <del>%(original)s</del>") % {
                "original": _date(action.target_date)
            }
            return (
                f'<span class="text-nowrap">{_date(action.revised_target_date)}</span>'
                f' <span class="badge text-bg-warning">{self.revised}</span><br>'
                f'<span class="small text-body-secondary">{originally}</span>'
            )
        return f'<span class="text-nowrap">{_date(action.target_date)}</span>'
