"""Due items from requests to move a target date: each request waiting for the OPCC's
decision is due EXTENSION_DECISION_DAYS after it was made.

The OPCC answers for it as for an update waiting for review or a completion waiting for
sign-off (reminders.due_actions): the OPCC leads of the action's priority areas, else the
OPCC staff of the offices overseeing its force, are reminded, and once it is long overdue
the escalation goes to their managers. With the usual REMINDER_DAYS_BEFORE (longer than
the decision's days) the first reminder comes in the next digest after the request is
made: that is how they hear of it. Meanwhile the action's current target date stands, and
its own reminders still go to the lead. Once the request is decided or withdrawn, the item
is gone and nothing more is sent.
"""

import datetime

from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from recommendations.action_names import action_name
from recommendations.models import ExtensionRequest
from reminders.due_actions import area_leads_by_action, opcc_staff_by_force
from reminders.due_items import (
    DueItem,
    content_type_id,
    ids,
    lazy_day,
    managers,
    person_name,
    short,
    subject_paths,
)

EXTENSION_DECISION_DAYS = 5
EXTENSION_DECISION_DUE = "extension_decision_due"
LABELS = {
    EXTENSION_DECISION_DUE: gettext_lazy("Request to move a target date waiting for your decision")
}


def extension_due_items(*, today: datetime.date, horizon: datetime.date) -> list[DueItem]:
    """One item per request waiting for a decision, due EXTENSION_DECISION_DAYS after the
    day it was made. Three queries."""
    extension_type = content_type_id(ExtensionRequest)
    made_by = horizon - datetime.timedelta(days=EXTENSION_DECISION_DAYS)
    waiting = ExtensionRequest.objects.filter(
        decision=ExtensionRequest.Decision.PENDING, requested_at__date__lte=made_by
    )
    area_leads = area_leads_by_action(waiting.values("action"))
    office_staff = opcc_staff_by_force(waiting.values("action__plan__force"))
    action_path = subject_paths("recommendations:action_detail")
    items = []
    for (
        pk,
        action_id,
        reference,
        description,
        force_id,
        force_name,
        plan_title,
        report_title,
        requested_at,
        from_date,
        to_date,
        first,
        last,
        username,
    ) in waiting.values_list(
        "pk",
        "action_id",
        "action__reference",
        "action__description",
        "action__plan__force_id",
        "action__plan__force__name",
        "action__plan__title",
        "action__plan__report__title",
        "requested_at",
        "from_date",
        "to_date",
        "requested_by__first_name",
        "requested_by__last_name",
        "requested_by__username",
    ):
        opcc = area_leads.get(action_id) or office_staff.get(force_id, set())
        name = action_name(
            reference,
            plan_title=short(plan_title, 60),
            report_title=short(report_title, 60),
            force=force_name,
        )
        asked_by = person_name(first or "", last or "", username or "") or gettext_lazy("the force")
        page = action_path(action_id)
        items.append(
            DueItem(
                extension_type,
                pk,
                EXTENSION_DECISION_DUE,
                timezone.localdate(requested_at) + datetime.timedelta(days=EXTENSION_DECISION_DAYS),
                format_lazy(
                    gettext_lazy(
                        "{name}: move the target date from {old} to {new}? ({what}; asked by {who})"
                    ),
                    name=name,
                    old=lazy_day(from_date),
                    new=lazy_day(to_date),
                    what=short(description, 60),
                    who=asked_by,
                ),
                f"{page}#extension-{pk}" if page else "",
                ids(opcc),
                managers(opcc),
            )
        )
    return items
