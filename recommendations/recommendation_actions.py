"""The recommendation page's actions as HTML, written out in Python.

Each action is a card with its lead, dates, latest updates and evidence; drawn through the
template language with two includes an action and a loop over its updates, the cards cost
3 of the page's 30 ms for four actions. As with the plan's rows (recommendations/plan_rows.py,
whose RAG, status and target cells the cards share), the labels are looked up once per page
in the page's language and the URL formatted from one reverse(). The markup is what
templates/recommendations/recommendation_detail.html drew, its blank space aside.
"""

from django.template.defaultfilters import linebreaksbr
from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext

from oversight.shared.dates import day_text
from oversight.shared.html_text import escape_text
from recommendations.models import Action, ProgressUpdate
from recommendations.plan_rows import PlanRowWriter
from recommendations.templatetags.action_tags import evidence_list


def _date(day) -> str:
    return escape_text(day_text(day, "j M Y"))


class RecommendationActionWriter(PlanRowWriter):
    """Writes a recommendation's actions in the active language. Built once per page."""

    def __init__(self):
        super().__init__()
        self.text = {
            key: escape_text(text)
            for key, text in (
                ("lead", gettext("Delivery lead")),
                ("target", gettext("Target date")),
                ("next", gettext("Next update due")),
                ("measure", gettext("Success measure")),
                ("latest", gettext("Latest updates")),
                ("none_yet", gettext("No progress updates yet.")),
                ("evidence", gettext("Evidence")),
            )
        }
        self.cadence_labels = {v: str(label).lower() for v, label in Action.Cadence.choices}
        self.review_labels = {
            v: escape_text(str(label)) for v, label in ProgressUpdate.Review.choices
        }

    def actions(self, actions: list[Action]) -> SafeString:
        """The cards of recommendation_detail_queryset()'s `visible_actions`, each with its
        `latest_updates` (with their authors) and `files` (read_listed())."""
        # Safe: action() escapes every value it writes; the translations' own markup is
        # kept, as {% blocktranslate %} keeps it.
        return mark_safe("".join(self.action(action) for action in actions))  # noqa: S308

    def action(self, a: Action) -> str:
        text = self.text
        lead = escape_text(a.delivery_lead) if a.delivery_lead else self.not_allocated
        if a.partner_agency:
            lead += f" · {escape_text(a.partner_agency)}"
        if a.owner:
            lead += " · " + gettext("accountable: %(owner)s") % {"owner": escape_text(a.owner)}
        target = f"\n{self._target(a)}\n"
        if a.revision_reason:
            why = gettext("Why revised: %(reason)s") % {"reason": escape_text(a.revision_reason)}
            target += f'<br><span class="text-body-secondary">{why}</span>'
        terms = [
            (text["lead"], lead),
            (text["target"], target),
        ]
        if a.is_live:
            cadence = gettext("%(cadence)s updates") % {
                "cadence": escape_text(self.cadence_labels.get(a.cadence, a.cadence))
            }
            due = _date(a.next_update_due) if a.next_update_due else "—"
            terms.append((text["next"], f"{due} · {cadence}"))
        if a.success_measure:
            terms.append((text["measure"], escape_text(a.success_measure)))
        listed = "\n".join(
            f'<dt class="col-sm-4 col-lg-3">{term}</dt>\n<dd class="col-sm-8 col-lg-9">{value}</dd>'
            for term, value in terms
        )
        if a.latest_updates:
            updates = "\n".join(self._update(u) for u in a.latest_updates)
            updates = (
                f'<h4 class="h6 small text-uppercase text-body-secondary mb-1">'
                f"{text['latest']}</h4>\n"
                f'<ul class="list-unstyled update-list small mb-2">\n{updates}\n</ul>'
            )
        else:
            updates = f'<p class="small text-body-secondary mb-2">{text["none_yet"]}</p>'
        files = ""
        if a.files:
            files = (
                f'\n<h4 class="h6 small text-uppercase text-body-secondary mb-1">'
                f"{text['evidence']}</h4>\n{evidence_list(a.files)}"
            )
        return (
            f'<article class="card mb-3 rec-action" id="action-{a.pk}">\n'
            '<div class="card-body">\n'
            '<div class="d-flex flex-wrap justify-content-between gap-2">\n'
            f'<h3 class="h6 mb-1"><a href="{self.action_url % a.pk}">{escape_text(a.reference)}</a>'
            f" · {linebreaksbr(a.description, autoescape=True)}</h3>\n"
            f'<span class="d-flex gap-2 align-items-start">\n{self._status(a)}\n'
            f" {self._rag(a)}</span>\n"
            "</div>\n"
            f'<dl class="row small mb-2">\n{listed}\n</dl>\n'
            f"{updates}{files}\n"
            "</div>\n"
            "</article>\n"
        )

    def _update(self, u: ProgressUpdate) -> str:
        state = escape_text(u.review_state)
        narrative = escape_text(Truncator(u.narrative).words(40, truncate=" …"))
        return (
            "<li>\n"
            f'<span class="fw-semibold">{_date(u.written_on)}</span> · {escape_text(u.author)} · '
            f"{self._rag(u)} · {escape_text(localize(u.percent_complete))}% ·\n"
            f'<span class="badge review-state review-{state}">'
            f"{self.review_labels.get(u.review_state, state)}</span>\n"
            f"<div>{narrative}</div>\n"
            "</li>"
        )
