"""The "my actions" page's action cards as HTML, written out in Python.

A page of 25 cards drawn through the template language, with four includes a card, cost
about a third of the page's time. As with the plan's rows (recommendations/plan_rows.py,
whose RAG, update-due and target cells the cards share), the labels are looked up once per
page in the page's language and the URLs formatted from one reverse() each. The markup is
what templates/recommendations/_action_card.html drew, without its whitespace.
"""

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

from oversight.models import User
from oversight.shared.html_text import shortened
from recommendations.action_names import action_name_of
from recommendations.action_rows import ActionRow
from recommendations.models import Action
from recommendations.plan_rows import PlanRowWriter


class ActionCardWriter(PlanRowWriter):
    """Writes the cards of `user`'s actions in the active language. Built once per page."""

    def __init__(self, *, user: User):
        super().__init__()
        self.user = user
        self.post = escape(gettext("Post update"))
        self.open = escape(gettext("Open"))

    def cards(self, rows: list[ActionRow]) -> SafeString:
        # Safe: card() escapes every value it writes.
        return mark_safe("".join(self.card(row) for row in rows))  # noqa: S308

    def card(self, row: ActionRow) -> str:
        action, labels = row.action, self.labels
        about = "".join(
            f'<span class="badge text-bg-light border me-1">{escape(r.reference)}</span>'
            for r in action.recommendations.all()
        )
        about += escape(shortened(action.plan.report.title, 70))
        if action.partner_agency:
            about += f" · {escape(action.partner_agency)}"
        if action.delivery_lead and action.delivery_lead != self.user:
            lead = gettext("lead: %(lead)s") % {"lead": action.delivery_lead}
            about += f" · {escape(lead)}"
        return (
            f'<li class="list-group-item action-card{" action-card-due" if row.is_due else ""}"'
            f' id="action-{action.pk}"><div class="row g-2 align-items-center">'
            f'<div class="col-lg-4"><a class="fw-semibold" href="{self.action_url % action.pk}">'
            f"{escape(action_name_of(action))}</a>"
            f" <span>{escape(shortened(action.description, 140))}</span>"
            f'<div class="small text-body-secondary mt-1">{about}</div></div>'
            f'<div class="col-6 col-lg-2"><div class="small text-body-secondary">RAG</div>'
            f"{self._rag(action)}{self._standing(row)}</div>"
            f'<div class="col-6 col-lg-2"><div class="small text-body-secondary">'
            f"{labels['next_update']}</div>{self._update_due(row)}</div>"
            f'<div class="col-6 col-lg-2"><div class="small text-body-secondary">'
            f"{labels['target']}</div>{self._target_or_passed(row)}</div>"
            f'<div class="col-6 col-lg-2 text-lg-end">{self._button(row)}</div>'
            "</div></li>"
        )

    def _standing(self, row: ActionRow) -> str:
        """Under the RAG: the status when it is not "in progress", whose move it is, and
        how far along the latest accepted update put it."""
        action, html = row.action, ""
        if action.status != Action.Status.IN_PROGRESS:
            html += f'<div class="mt-1">{self._status(action)}</div>'
        if waiting_for := row.waiting_for:
            html += f'<div class="small fw-semibold waiting-for">{escape(waiting_for)}</div>'
        if action.latest_percent is not None:
            percent = gettext("%(percent)s%% complete") % {"percent": action.latest_percent}
            html += f'<div class="small">{escape(percent)}</div>'
        return html

    def _target_or_passed(self, row: ActionRow) -> str:
        target = self._target(row.action)
        if not row.target_passed_days:
            return target
        days = row.target_passed_days
        passed = ngettext("Passed %(counter)s day ago", "Passed %(counter)s days ago", days)
        return (
            f'<span class="overdue">{escape(passed % {"counter": days})}</span><br>'
            f'<span class="small">{target}</span>'
        )

    def _button(self, row: ActionRow) -> str:
        action = row.action
        if row.can_post_update:
            on = escape(gettext("on %(ref)s") % {"ref": action.reference})
            return (
                '<a class="btn btn-primary btn-sm text-nowrap"'
                f' href="{self.update_url % action.pk}">{self.post}'
                f'<span class="visually-hidden"> {on}</span></a>'
            )
        return (
            f'<a class="btn btn-outline-secondary btn-sm" href="{self.action_url % action.pk}">'
            f'{self.open}<span class="visually-hidden"> {escape(action.reference)}</span></a>'
        )
