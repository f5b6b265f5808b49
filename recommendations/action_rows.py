"""Actions as the pages that list them show them: with their latest update, and with the
dates that make them urgent (an update due or overdue, the target date passed)."""

import datetime
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.utils.translation import gettext as _

from oversight.models import User
from recommendations.models import Action, ProgressUpdate
from recommendations.permissions import UPDATABLE_STATUSES, can_update_action


def with_latest_update(actions: QuerySet[Action]) -> QuerySet[Action]:
    """Annotates each action with its latest update (date, review state, percent) and
    whether an update waits for OPCC review; one query, whatever the number of updates."""
    latest = ProgressUpdate.objects.filter(action=OuterRef("pk")).order_by("-created_at", "-pk")
    latest_accepted = latest.filter(review_state=ProgressUpdate.Review.ACCEPTED)
    return actions.annotate(
        latest_update_on=Subquery(latest.values("written_on")[:1]),
        latest_update_state=Subquery(latest.values("review_state")[:1]),
        latest_percent=Subquery(latest_accepted.values("percent_complete")[:1]),
        awaiting_review=Exists(
            ProgressUpdate.objects.filter(
                action=OuterRef("pk"), review_state=ProgressUpdate.Review.SUBMITTED
            )
        ),
    )


@dataclass(frozen=True)
class ActionRow:
    """An action with the dates that make it urgent, worked out once for the page."""

    action: Action
    update_due_in_days: int | None  # negative: overdue by that many days
    target_passed_days: int | None  # days since the current target date passed
    is_due: bool
    can_post_update: bool = False

    @property
    def waiting_for(self) -> str:
        """Whose move it is, while it is the OPCC's rather than the lead's."""
        if self.action.status == Action.Status.PENDING_SIGN_OFF:
            return _("Waiting for OPCC sign-off")
        if self.action.is_live and getattr(self.action, "awaiting_review", False):
            return _("Waiting for the OPCC to review your update")
        return ""

    @property
    def update_overdue(self) -> bool:
        return self.update_due_in_days is not None and self.update_due_in_days < 0

    @property
    def update_overdue_days(self) -> int:
        return -self.update_due_in_days if self.update_overdue else 0


def action_row(
    action: Action, *, today: datetime.date, due_within_days: int, user: User | None = None
) -> ActionRow:
    update_due_in_days = None
    # An update waiting for review is the lead's part done; the date then is the OPCC's.
    expects_update = action.status in UPDATABLE_STATUSES
    if expects_update and action.next_update_due and not getattr(action, "awaiting_review", False):
        update_due_in_days = (action.next_update_due - today).days
    target_passed_days = None
    if action.is_live and action.status != Action.Status.PENDING_SIGN_OFF:
        passed = (today - action.current_target_date).days
        target_passed_days = passed if passed > 0 else None
    is_due = target_passed_days is not None or (
        update_due_in_days is not None and update_due_in_days <= due_within_days
    )
    return ActionRow(
        action=action,
        update_due_in_days=update_due_in_days,
        target_passed_days=target_passed_days,
        is_due=is_due,
        can_post_update=user is not None and can_update_action(user, action),
    )
