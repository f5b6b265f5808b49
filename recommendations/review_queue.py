"""What waits for an OPCC decision: submitted progress updates, proposed completions and
requests to move a target date, oldest first, for the review queue page and the
dashboard's panel."""

from dataclasses import dataclass

from django.db.models import QuerySet

from oversight.models import User
from recommendations.bounded_lists import count_per_row, first_with_total
from recommendations.models import Action, Evidence, ExtensionRequest, ProgressUpdate
from recommendations.selectors import (
    actions_visible_to,
    extensions_visible_to,
    updates_visible_to,
)


def updates_awaiting_review(user: User) -> QuerySet[ProgressUpdate]:
    """Submitted updates waiting for OPCC review, oldest first, each with its number of
    files (a correlated count, run for the rows read only). One query."""
    return (
        updates_visible_to(user)
        .filter(review_state=ProgressUpdate.Review.SUBMITTED)
        .select_related("action__plan__report", "action__plan__force", "author")
        .annotate(file_count=count_per_row(Evidence.objects.all(), "update"))
        .order_by("created_at", "pk")
    )


def actions_awaiting_sign_off(user: User) -> QuerySet[Action]:
    """Proposed completions waiting for an OPCC decision, oldest first. One query."""
    return (
        actions_visible_to(user)
        .filter(status=Action.Status.PENDING_SIGN_OFF)
        .select_related("plan__report", "plan__force", "completion_proposed_by")
        .order_by("completion_proposed_at", "pk")
    )


def extensions_awaiting_decision(user: User) -> QuerySet[ExtensionRequest]:
    """Requests to move a target date waiting for an OPCC decision, oldest first (the
    partial index extension_pending_idx). One query."""
    return (
        extensions_visible_to(user)
        .filter(decision=ExtensionRequest.Decision.PENDING)
        .select_related("action__plan__report", "action__plan__force", "requested_by")
        .order_by("requested_at", "pk")
    )


@dataclass(frozen=True)
class ReviewQueue:
    updates: list[ProgressUpdate]  # the oldest REVIEW_QUEUE_LIMIT
    update_total: int
    completions: list[Action]  # the oldest REVIEW_QUEUE_LIMIT
    completion_total: int
    extensions: list[ExtensionRequest]  # the oldest REVIEW_QUEUE_LIMIT
    extension_total: int


REVIEW_QUEUE_LIMIT = 50
REVIEW_QUEUE_PANEL_LIMIT = 5


def review_queue_for(user: User) -> ReviewQueue:
    """The review queue page: the oldest submitted updates, proposed completions and
    extension requests, each list with its total. Three queries, whatever the size of the
    queue: deciding the oldest brings the next ones in."""
    updates = first_with_total(
        updates_awaiting_review(user), limit=REVIEW_QUEUE_LIMIT, order_by=["created_at", "pk"]
    )
    completions = first_with_total(
        actions_awaiting_sign_off(user),
        limit=REVIEW_QUEUE_LIMIT,
        order_by=["completion_proposed_at", "pk"],
    )
    extensions = first_with_total(
        extensions_awaiting_decision(user),
        limit=REVIEW_QUEUE_LIMIT,
        order_by=["requested_at", "pk"],
    )
    return ReviewQueue(
        updates=updates,
        update_total=updates[0].total if updates else 0,
        completions=completions,
        completion_total=completions[0].total if completions else 0,
        extensions=extensions,
        extension_total=extensions[0].total if extensions else 0,
    )
