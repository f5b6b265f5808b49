"""The recommendation page: the recommendation with its chain (what it supersedes and what
superseded it) and the actions the user may see, each with its latest updates and
evidence."""

import datetime

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from oversight.models import PriorityArea, User
from recommendations.models import Evidence, ProgressUpdate, Recommendation
from recommendations.rag import with_rag_and_overdue
from recommendations.selectors import actions_visible_to, recommendations_visible_to

LATEST_UPDATES_PER_ACTION = 3


def recommendation_detail_queryset(
    user: User, *, today: datetime.date | None = None
) -> QuerySet[Recommendation]:
    """The recommendation page's row and its chain.

    select_related: report, report__force, cause_of_concern, closure_proposed_by,
    signed_off_by. annotate: rag, is_overdue. prefetch_related: superseded_by__report,
    covered_by__report, carried_forward_from__report (no query when empty);
    priority_areas; the recommendations it supersedes that the user may see; the actions the
    user may see (to_attr `visible_actions`, with their leads and agency), each with its
    three latest updates (to_attr `latest_updates`, with author) and its evidence (to_attr
    `files`).
    """
    today = today or timezone.localdate()
    actions = (
        actions_visible_to(user)
        .select_related("delivery_lead", "owner", "partner_agency")
        .prefetch_related(
            Prefetch(
                "updates",
                queryset=ProgressUpdate.objects.select_related("author").order_by(
                    "-written_on", "-pk"
                )[:LATEST_UPDATES_PER_ACTION],
                to_attr="latest_updates",
            ),
            Prefetch(
                "evidence", queryset=Evidence.objects.order_by("-created_at"), to_attr="files"
            ),
        )
        .order_by("reference")
    )
    return (
        with_rag_and_overdue(recommendations_visible_to(user), user=user, today=today)
        .select_related("report__force", "cause_of_concern", "closure_proposed_by", "signed_off_by")
        .prefetch_related(
            # The chain's links are prefetched rather than joined: each join to another
            # recommendation and its report added 3-4 ms of PostgreSQL planning to every
            # page, and a prefetch of a link that is empty (most are) runs no query.
            "superseded_by__report",
            "covered_by__report",
            "carried_forward_from__report",
            Prefetch("priority_areas", queryset=PriorityArea.objects.order_by("position")),
            Prefetch(
                "supersedes",
                queryset=recommendations_visible_to(user).select_related("report"),
                to_attr="visible_supersedes",
            ),
            Prefetch("actions", queryset=actions, to_attr="visible_actions"),
            "national_recommendation__named_forces",
        )
    )
