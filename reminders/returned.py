"""Work the OPCC returned, read from state: progress updates returned and not yet
resubmitted, and proposed completions returned (the action back in progress with the
reason). Whoever must act hears of each at once (reminders.services.returns_notify),
not in the next digest.

Design: recommendations must not import reminders, so the return services queue nothing.
The notifier finds returned work by its state and the ledger's unique constraint (one row
per item, return, recipient) makes each notice go once; Celery beat runs it every few
minutes (oversight/celery.py), so a return reaches the person within minutes, and a run
the scheduler missed is made up by the next."""

import datetime
from dataclasses import dataclass

from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from recommendations.models import Action, ProgressUpdate
from recommendations.permissions import UPDATABLE_STATUSES
from reminders.due_items import content_type_id, lazy_day, person_name, short, subject_paths
from reminders.models import Reminder

UPDATE_RETURNED = "update_returned"
COMPLETION_RETURNED = "completion_returned"
RETURN_WHATS = (UPDATE_RETURNED, COMPLETION_RETURNED)
LABELS = {
    UPDATE_RETURNED: gettext_lazy("Progress update returned to you"),
    COMPLETION_RETURNED: gettext_lazy("Proposed completion returned to you"),
}

# Returns older than this are not announced: the first run after deployment does not
# mail every return ever made, and a notice weeks late helps nobody ("My actions" lists
# them all the same).
RETURN_NOTICE_DAYS = 14


@dataclass(frozen=True)
class ReturnedItem:
    """One return (or decision: reminders.decided) and who must hear of it. `returned_on`
    is the ledger row's date: the day an update was returned, the day a completion was
    proposed (each proposal is returned at most once), the day a request was decided."""

    subject_type_id: int
    subject_id: int
    what: str
    returned_on: datetime.date
    title: str
    url: str
    reason: str
    returned_by: str
    recipients: frozenset[int]
    stage: str = Reminder.Stage.RETURNED

    def key(self, recipient_id: int) -> tuple:
        return (
            self.subject_type_id,
            self.subject_id,
            self.what,
            self.returned_on,
            self.stage,
            recipient_id,
        )


def _who_acts(*people: int | None) -> frozenset[int]:
    return frozenset(people) - {None}


def returned_items(*, since: datetime.datetime) -> list[ReturnedItem]:
    """Returns made since `since` that still wait for the person: an update returned with
    nothing posted on its action since (its author and the action's delivery lead, else
    the plan owner, must act) and a completion returned and not proposed again (whoever
    proposed it and the delivery lead, else the plan owner). Two queries."""
    update_type = content_type_id(ProgressUpdate)
    action_type = content_type_id(Action)
    action_path = subject_paths("recommendations:action_detail")
    items = []
    returned_updates = ProgressUpdate.objects.filter(
        review_state=ProgressUpdate.Review.RETURNED,
        reviewed_at__gte=since,
        action__status__in=UPDATABLE_STATUSES,
    ).filter(
        ~Exists(
            ProgressUpdate.objects.filter(
                action=OuterRef("action"), created_at__gt=OuterRef("created_at")
            )
        )
    )
    for row in returned_updates.values_list(
        "pk",
        "action_id",
        "action__reference",
        "action__description",
        "action__plan__force__name",
        "written_on",
        "reviewed_at",
        "review_comment",
        "reviewed_by__first_name",
        "reviewed_by__last_name",
        "reviewed_by__username",
        "author_id",
        "action__delivery_lead_id",
        "action__plan__owner_id",
    ):
        (pk, action_id, reference, description, force, written_on, reviewed_at, reason) = row[:8]
        first, last, username, author_id, lead_id, owner_id = row[8:]
        url = action_path(action_id)
        items.append(
            ReturnedItem(
                update_type,
                pk,
                UPDATE_RETURNED,
                timezone.localdate(reviewed_at),
                format_lazy(
                    gettext_lazy("{reference}: the update of {day} was returned ({what}; {force})"),
                    reference=reference,
                    day=lazy_day(written_on),
                    what=short(description, 60),
                    force=force,
                ),
                f"{url}#update-{pk}" if url else "",
                reason,
                person_name(first, last, username),
                _who_acts(author_id, lead_id or owner_id),
            )
        )
    returned_completions = Action.objects.filter(
        status__in=UPDATABLE_STATUSES,
        completion_proposed_by__isnull=False,
        completion_proposed_at__isnull=False,
        updated_at__gte=since,
    ).exclude(return_reason="")
    for (
        pk,
        reference,
        description,
        force,
        proposed_at,
        reason,
        proposer_id,
        lead_id,
        owner_id,
    ) in returned_completions.values_list(
        "pk",
        "reference",
        "description",
        "plan__force__name",
        "completion_proposed_at",
        "return_reason",
        "completion_proposed_by_id",
        "delivery_lead_id",
        "plan__owner_id",
    ):
        items.append(
            ReturnedItem(
                action_type,
                pk,
                COMPLETION_RETURNED,
                timezone.localdate(proposed_at),
                format_lazy(
                    gettext_lazy(
                        "{reference}: the proposed completion was returned ({what}; {force})"
                    ),
                    reference=reference,
                    what=short(description, 60),
                    force=force,
                ),
                action_path(pk),
                reason,
                "OPCC staff",
                _who_acts(proposer_id, lead_id or owner_id),
            )
        )
    return items
