"""The dashboard's lists as HTML, written out in Python.

Drawn through the template language, their fifty rows cost 6 of the 11 ms the dashboard's
body took to render (a link, a date, a truncated text and a translated sentence or two per
row). Here the labels and URL patterns are looked up once per page in the page's language
and each row is one f-string, every value escaped as the template escaped it. The markup is
what templates/recommendations/_dashboard_body.html and _review_queue_panel.html drew, as
the body's whitespace is squeezed (recommendations.views._dashboard_body), less the line
breaks between tags: each fell between blocks or between the flex items of an .item-head,
where it drew nothing.
"""

import datetime

from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

from oversight.shared.dates import day_text
from oversight.shared.html_text import escape_value, shortened
from oversight.shared.urls import url_pattern
from recommendations.dashboard import (
    DueItem,
    ListedAction,
    ListedRecommendation,
    ListedUpdate,
    OverdueUpdate,
)
from recommendations.register_rows import escaped


def _text(value) -> str:
    """A value as `{{ value }}` writes it: localized, then escaped unless already safe."""
    return escape_value(localize(value))


def _day(day: datetime.date | None, pattern: str) -> str:
    """`{{ day|date:pattern }}`: a moment in the current time zone, empty without a day."""
    return day_text(day, pattern) if day else ""


def _truncated(text: str, length: int) -> str:
    """`{{ text|truncatechars:length }}`, escaped."""
    return escape_value(shortened(text, length))


def _items(rows: list[str]) -> SafeString:
    # Safe: every row escapes each value it writes.
    return mark_safe("".join(rows))  # noqa: S308


class DashboardListWriter:
    """Writes the dashboard's lists in the active language. Built once per page."""

    def __init__(self):
        urls = escaped(
            recommendation=url_pattern("recommendations:recommendation_detail"),
            action=url_pattern("recommendations:action_detail"),
        )
        self.recommendation_url, self.action_url = urls["recommendation"], urls["action"]
        # Translations are written as the template wrote them, unescaped: the catalogue's
        # text is the project's own (its values are escaped where they go in).
        self.no_lead = gettext("No lead")
        resubmitted, waiting = gettext("Resubmitted"), gettext("Waiting for resubmission")
        self.resubmitted = f'<span class="badge text-bg-success">{resubmitted}</span>'
        self.waiting = f'<span class="badge text-bg-warning">{waiting}</span>'

    def awaiting_sign_off(self, recommendations: list[ListedRecommendation]) -> SafeString:
        rows = []
        for r in recommendations:
            who = _text(r.closure_proposed_by) if r.closure_proposed_by else "—"
            if r.closure_proposed_at:
                proposed = gettext("Proposed by %(who)s on %(on)s") % {
                    "who": who,
                    "on": _text(_day(r.closure_proposed_at, "j M Y")),
                }
            else:
                proposed = gettext("Proposed by %(who)s") % {"who": who}
            rows.append(
                '<li class="list-group-item">'
                f'<a href="{self.recommendation_url % r.pk}" class="fw-semibold">'
                f"{_text(r.reference)}</a> · "
                f'<span class="small">{_truncated(r.report_title, 60)}</span>'
                f'<div class="item-meta">{proposed}</div></li>\n'
            )
        return _items(rows)

    def overdue_updates(self, overdue: list[OverdueUpdate]) -> SafeString:
        rows = []
        for row in overdue:
            a = row.action
            days = ngettext(
                "%(counter)s day overdue", "%(counter)s days overdue", row.days_overdue
            ) % {"counter": _text(row.days_overdue)}
            due = gettext("due %(due)s") % {"due": _text(_day(a.next_update_due, "j M Y"))}
            lead = _text(a.delivery_lead) if a.delivery_lead else self.no_lead
            rows.append(
                '<li class="list-group-item"><div class="item-head">'
                f'<a href="{self.action_url % a.pk}" class="fw-semibold">{_text(a.name)}</a>'
                f'<span class="small"><span class="overdue">{days}</span> '
                f'<span class="text-body-secondary">({due})</span></span></div>'
                f'<div class="small">{_truncated(a.description, 110)}</div>'
                f'<div class="item-meta">{lead} · {_truncated(a.report_title, 50)}</div></li>\n'
            )
        return _items(rows)

    def due_soon(self, items: list[DueItem]) -> SafeString:
        rows = []
        for item in items:
            who = f'<div class="item-meta">{_text(item.who)}</div>' if item.who else ""
            rows.append(
                '<li class="list-group-item"><div class="item-head">'
                f'<span><span class="badge text-bg-light border">{_text(item.what)}</span> '
                f'<a href="{_text(item.url)}">{_truncated(item.title, 120)}</a></span>'
                f'<span class="small text-nowrap">{_text(_day(item.due_on, "D j M"))}</span>'
                f"</div>{who}</li>\n"
            )
        return _items(rows)

    def returned_updates(self, updates: list[ListedUpdate]) -> SafeString:
        rows = []
        for u in updates:
            written = gettext("update of %(written)s by %(author)s") % {
                "written": _text(_day(u.written_on, "j M Y")),
                "author": _text(u.author),
            }
            returned = gettext("Returned by %(who)s on %(on)s: “%(comment)s”") % {
                "who": _text(u.reviewed_by),
                "on": _text(_day(u.reviewed_at, "j M Y")),
                "comment": _truncated(u.review_comment, 160),
            }
            rows.append(
                '<li class="list-group-item"><div class="item-head">'
                f'<span><a href="{self.action_url % u.action_id}#update-{u.pk}"'
                f' class="fw-semibold">{_text(u.action_name)}</a> · {written}</span>'
                f"{self.resubmitted if u.resubmitted else self.waiting}</div>"
                f'<div class="small">{returned}</div></li>\n'
            )
        return _items(rows)

    def review_updates(self, updates: list[ListedUpdate]) -> SafeString:
        """The review queue panel's progress updates waiting for a decision."""
        return _items(
            [
                f'<li><a href="{self.action_url % u.action_id}#update-{u.pk}">'
                f"{_text(u.action_name)}</a> {_truncated(u.action_description, 60)} "
                f'<span class="text-body-secondary">· {_text(u.author)}, '
                f"{_text(_day(u.written_on, 'j M'))}</span></li>"
                for u in updates
            ]
        )

    def review_completions(self, actions: list[ListedAction]) -> SafeString:
        """The review queue panel's actions proposed complete."""
        return _items(
            [
                f'<li><a href="{self.action_url % a.pk}">{_text(a.name)}</a> '
                f"{_truncated(a.description, 60)} "
                f'<span class="text-body-secondary">· {_text(a.completion_proposed_by)}'
                "</span></li>"
                for a in actions
            ]
        )
