"""An action plan as CSV, for board papers and for anyone who still wants a spreadsheet.

Only the actions the user can see are written (a partner lead gets their agency's only),
and every cell is spreadsheet-safe (recommendations.register_csv.spreadsheet_safe).
"""

import csv
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.utils.formats import date_format

from recommendations.models import Action, ActionPlan
from recommendations.register_csv import spreadsheet_safe

HEADER = [
    "Reference",
    "Action",
    "Recommendations",
    "Delivery lead",
    "Partner agency",
    "Chief officer owner",
    "Status",
    "RAG",
    "Percent complete",
    "Latest update",
    "Latest update state",
    "Next update due",
    "Original target date",
    "Revised target date",
    "Reason for revision",
    "Success measure",
    "Latest accepted update",
    "Link",
]


class _Echo:
    def write(self, value: str) -> str:
        return value


def _date(value) -> str:
    return value.isoformat() if value else ""


def _row(action: Action) -> list:
    return [
        action.reference,
        action.description,
        "; ".join(r.reference for r in action.recommendations.all()),
        action.delivery_lead or "",
        action.partner_agency or "",
        action.owner or "",
        action.get_status_display(),
        action.get_rag_display(),
        "" if action.latest_percent is None else action.latest_percent,
        _date(action.latest_update_on),
        action.latest_update_state or "",
        _date(action.next_update_due),
        _date(action.target_date),
        _date(action.revised_target_date),
        action.revision_reason,
        action.success_measure,
        action.latest_accepted_narrative or "",
        settings.SITE_URL + action.get_absolute_url(),
    ]


def plan_csv_lines(actions: Iterable[Action]) -> Iterator[str]:
    """CSV lines for the actions of plan_pages.plan_actions_for_export()."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(HEADER)  # the byte-order mark tells Excel it is UTF-8
    for action in actions:
        yield writer.writerow([spreadsheet_safe(cell) for cell in _row(action)])


def plan_export_filename(plan: ActionPlan, today) -> str:
    return f"action-plan-{plan.pk}-{date_format(today, 'Y-m-d')}.csv"
