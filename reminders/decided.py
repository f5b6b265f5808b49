"""The OPCC's decisions on requests to move a target date, read from state: each request
agreed or refused lately reaches the person who asked and the force's plan owner at once
(reminders.services.returns_notify, which tells people of returned work the same way), with
the decision, the new date and the OPCC's comment.

As for returned work (reminders/returned.py): recommendations must not import reminders,
so the decision queues nothing; the notifier finds it by its state, the ledger's unique
constraint (one row per request, decision day, recipient) makes each notice go once, and a
run the scheduler missed is made up by the next. A withdrawn request is not announced: the
person who withdrew it knows."""

import datetime

from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from recommendations.models import ExtensionRequest
from reminders.due_items import content_type_id, lazy_day, person_name, short, subject_paths
from reminders.models import Reminder
from reminders.returned import ReturnedItem

EXTENSION_AGREED = "extension_agreed"
EXTENSION_REFUSED = "extension_refused"
DECISION_WHATS = (EXTENSION_AGREED, EXTENSION_REFUSED)
LABELS = {
    EXTENSION_AGREED: gettext_lazy("New target date agreed"),
    EXTENSION_REFUSED: gettext_lazy("New target date refused"),
}
_WHAT = {
    ExtensionRequest.Decision.AGREED: EXTENSION_AGREED,
    ExtensionRequest.Decision.REFUSED: EXTENSION_REFUSED,
}


def decided_items(*, since: datetime.datetime) -> list[ReturnedItem]:
    """Requests agreed or refused since `since`: the person who asked and the plan's owner
    hear of each (once, if they are the same person). One query."""
    extension_type = content_type_id(ExtensionRequest)
    action_path = subject_paths("recommendations:action_detail")
    decided = ExtensionRequest.objects.filter(
        decision__in=list(_WHAT), decided_at__gte=since
    ).values_list(
        "pk",
        "decision",
        "decided_at",
        "decision_comment",
        "from_date",
        "to_date",
        "decided_by__first_name",
        "decided_by__last_name",
        "decided_by__username",
        "requested_by_id",
        "action_id",
        "action__reference",
        "action__description",
        "action__plan__force__name",
        "action__plan__owner_id",
    )
    items = []
    for row in decided:
        pk, decision, decided_at, comment, from_date, to_date = row[:6]
        first, last, username, requester_id, action_id, reference, description, force = row[6:14]
        owner_id = row[14]
        agreed = decision == ExtensionRequest.Decision.AGREED
        outcome = (
            format_lazy(gettext_lazy("the target date is now {new}"), new=lazy_day(to_date))
            if agreed
            else format_lazy(
                gettext_lazy("the target date stays {old}, not {new}"),
                old=lazy_day(from_date),
                new=lazy_day(to_date),
            )
        )
        page = action_path(action_id)
        items.append(
            ReturnedItem(
                extension_type,
                pk,
                _WHAT[decision],
                timezone.localdate(decided_at),
                format_lazy(
                    gettext_lazy("{reference}: {outcome} ({what}; {force})"),
                    reference=reference,
                    outcome=outcome,
                    what=short(description, 60),
                    force=force,
                ),
                f"{page}#extension-{pk}" if page else "",
                comment,
                person_name(first or "", last or "", username or "") or "OPCC staff",
                frozenset({requester_id, owner_id} - {None}),
                Reminder.Stage.DECIDED,
            )
        )
    return items
