"""The recommendation page: the recommendation with its chain (what it supersedes and what
superseded it) and the actions the user may see, each with its latest updates and
evidence."""

import datetime

from django.db.models import (
    Exists,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    prefetch_related_objects,
)
from django.utils import timezone

from oversight.models import PriorityArea, User
from oversight.shared import panels
from oversight.shared.built_querysets import built_once_per_person, rows_where
from recommendations.models import (
    Action,
    Evidence,
    InspectorateStatusChange,
    ProgressUpdate,
    Recommendation,
)
from recommendations.rag import with_rag_and_overdue
from recommendations.selectors import actions_visible_to, recommendations_visible_to

LATEST_UPDATES_PER_ACTION = 3

# An action's latest updates, as a condition on its own updates: each update read is kept if
# it is among the first of its action's in this order (a short read of the action's index).
# A sliced prefetch would number every update with ROW_NUMBER() in a wrapping query, whose
# building and compiling cost 3.7 ms of the page against 2.0 for this.
_latest_updates_of_action = (
    ProgressUpdate.objects.filter(action=OuterRef("action_id"))
    .order_by("-written_on", "-pk")
    .values("pk")[:LATEST_UPDATES_PER_ACTION]
)


@built_once_per_person
def recommendation_detail_queryset(
    user: User, *, today: datetime.date | None = None
) -> QuerySet[Recommendation]:
    """The recommendation page's row and its chain; read_listed() completes it for drawing.
    Built once per person, day and language in a process (oversight.shared.
    built_querysets), each call a clone to narrow to the page's row.

    select_related: report, report__force, cause_of_concern, closure_proposed_by,
    signed_off_by. annotate: rag, is_overdue; whether any recommendation names it as
    superseding (`supersedes_any`) and whether its inspectorate log has any change
    (`inspectorate_log_any`). prefetch_related: priority_areas. The actions the user may see
    and the recommendations it links to come with read_listed().
    """
    today = today or timezone.localdate()
    return (
        with_rag_and_overdue(recommendations_visible_to(user), user=user, today=today)
        .select_related("report__force", "cause_of_concern", "closure_proposed_by", "signed_off_by")
        .annotate(
            supersedes_any=Exists(Recommendation.objects.filter(superseded_by=OuterRef("pk"))),
            inspectorate_log_any=Exists(
                InspectorateStatusChange.objects.filter(recommendation=OuterRef("pk"))
            ),
            # Whether other apps' panels on the page have anything for it (oversight.shared.
            # panels): those that have nothing run no query.
            **panels.row_annotations("recommendation_detail"),
        )
        .prefetch_related(
            Prefetch("priority_areas", queryset=PriorityArea.objects.order_by("position"))
        )
    )


@built_once_per_person
def recommendation_actions_queryset(
    user: User, *, today: datetime.date | None = None
) -> QuerySet[Action]:
    """The actions of a recommendation the user may see, once narrowed to one
    (`recommendations=`, read_listed()), by reference: with their leads and agency, whether
    each has evidence (`has_files`), and each with its three latest updates (to_attr
    `latest_updates`, with author). Built once per person, day and language in a process
    (the day is not read), each read compiled once (oversight.shared.built_querysets)."""
    return (
        actions_visible_to(user)
        .select_related("delivery_lead", "owner", "partner_agency")
        .annotate(has_files=Exists(Evidence.objects.filter(action=OuterRef("pk"))))
        .prefetch_related(
            Prefetch(
                "updates",
                queryset=ProgressUpdate.objects.select_related("author")
                .filter(pk__in=Subquery(_latest_updates_of_action))
                .order_by("-written_on", "-pk"),
                to_attr="latest_updates",
            ),
        )
        .order_by("reference")
    )


def read_listed(user: User, recommendation: Recommendation) -> None:
    """What the page draws beyond the row (recommendation_detail_queryset), each read only
    where the row says there is some: a query each saved where there is none.

    - `visible_actions`: its actions the user may see (recommendation_actions_queryset()),
      read as one row is, with a read compiled once (oversight.shared.built_querysets).
    - The recommendations it links to (superseded by, covered by, carried forward from, the
      national recommendation and its forces), each with its report, prefetched here only
      where it has one: most have none, and a prefetch of an empty link, which runs no
      query, still cost 1 ms of Python for the four. (Prefetched rather than joined: each
      join to another recommendation and its report added 3-4 ms of PostgreSQL planning.)
    - `visible_supersedes`: the recommendations it supersedes that the user may see, with
      their report (most supersede none).
    - Each visible action's `files` (its evidence, newest first), once files are attached.

    The inspectorate log is read by the page only when `inspectorate_log_any`."""
    recommendation.visible_actions = rows_where(
        recommendation_actions_queryset(user), "recommendations", recommendation.pk
    )
    links = [
        lookup
        for lookup, link_id in (
            ("superseded_by__report", recommendation.superseded_by_id),
            ("covered_by__report", recommendation.covered_by_id),
            ("carried_forward_from__report", recommendation.carried_forward_from_id),
            ("national_recommendation__named_forces", recommendation.national_recommendation_id),
        )
        if link_id is not None
    ]
    if links:
        prefetch_related_objects([recommendation], *links)
    # Set only where nothing is read: a prefetch to an attribute the row already has is
    # taken as done.
    if recommendation.supersedes_any:
        prefetch_related_objects(
            [recommendation],
            Prefetch(
                "supersedes",
                queryset=recommendations_visible_to(user).select_related("report"),
                to_attr="visible_supersedes",
            ),
        )
    else:
        recommendation.visible_supersedes = []
    with_files = []
    for action in recommendation.visible_actions:
        if action.has_files:
            with_files.append(action)
        else:
            action.files = []
    if with_files:
        prefetch_related_objects(
            with_files,
            Prefetch(
                "evidence", queryset=Evidence.objects.order_by("-created_at"), to_attr="files"
            ),
        )
