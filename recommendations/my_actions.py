"""'My actions': the actions a person keeps up to date, most urgent first, with the returned
updates they still owe and the newest reports they can plan against."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    When,
)
from django.db.models.functions import Coalesce, Least
from django.utils import timezone
from django.utils.functional import cached_property

from oversight.models import InspectionReport, User
from oversight.selectors import reports_visible_to
from recommendations.action_names import action_name_columns
from recommendations.action_rows import ActionRow, action_row, with_latest_update
from recommendations.bounded_lists import first_per_partition, first_with_total
from recommendations.models import Action, ProgressUpdate, Recommendation
from recommendations.permissions import UPDATABLE_STATUSES
from recommendations.selectors import (
    action_plans_visible_to,
    actions_visible_to,
    updates_visible_to,
)


def my_actions_queryset(user: User) -> QuerySet[Action]:
    """The live and paused actions a person keeps up to date: a police lead's own, a partner
    lead's agency's, a plan owner's plans' (and any they lead themselves)."""
    visible = actions_visible_to(user).exclude(status__in=Action.FINISHED_STATUSES)
    if user.role == User.Role.POLICE_LEAD:
        return visible.filter(delivery_lead=user)
    if user.role == User.Role.PARTNER_LEAD:
        return visible.filter(partner_agency=user.partner_agency_id)
    if user.role == User.Role.PLAN_OWNER:
        return visible.filter(Q(plan__owner=user) | Q(delivery_lead=user))
    return Action.objects.none()


def _returned_updates_needing_resubmission(updates: QuerySet[ProgressUpdate]):
    """Returned updates with nothing posted on their action since: the lead still owes a
    resubmission."""
    return updates.filter(review_state=ProgressUpdate.Review.RETURNED).filter(
        ~Exists(
            ProgressUpdate.objects.filter(
                action=OuterRef("action"), created_at__gt=OuterRef("created_at")
            )
        )
    )


def _returned_completions(actions: QuerySet[Action]) -> QuerySet[Action]:
    """Actions whose proposed completion the OPCC returned, not proposed again since (a
    new proposal clears the reason; a reopened action has no proposer)."""
    return actions.filter(
        status__in=UPDATABLE_STATUSES, completion_proposed_by__isnull=False
    ).exclude(return_reason="")


def _returned_updates_owed(user: User) -> list[ProgressUpdate]:
    """The first MY_ACTIONS_RETURNED_LIMIT returned updates the user still owes (oldest
    return first), each with `total`, with their action, plan, report, force, author and
    reviewer. Ids first, then the rows by primary key: joined in one query with the
    anti-join and the visibility tests, PostgreSQL took ~20 ms to plan it and ~9 ms to run
    it; the two cost ~10 ms together, and the second runs only when something is owed.
    The ids come numbered and counted by window functions, so the anti-join and the
    visibility tests run once, not again in a subquery for the total."""
    first = first_per_partition(
        _returned_updates_needing_resubmission(
            updates_visible_to(user).filter(action__in=my_actions_queryset(user).values("pk"))
        ).values("pk"),
        limit=MY_ACTIONS_RETURNED_LIMIT,
        order_by=["reviewed_at", "pk"],
    )
    if not first:
        return []
    first.sort(key=lambda row: row["row"])
    rows = (
        ProgressUpdate.objects.select_related(
            "action__plan__report", "action__plan__force", "author", "reviewed_by"
        )
        .only(
            *action_name_columns("action"),
            *User.name_columns("author"),
            *User.name_columns("reviewed_by"),
            "action__description",
            "written_on",
            "reviewed_at",
            "review_comment",
        )
        .in_bulk([row["pk"] for row in first])
    )
    returned = [rows[row["pk"]] for row in first]
    for update in returned:
        update.total = first[0]["total"]
    return returned


@dataclass(frozen=True)
class MyActions:
    returned_updates: list[ProgressUpdate]  # the first MY_ACTIONS_RETURNED_LIMIT
    due: list[ActionRow]  # on this page
    rest: list[ActionRow]  # on this page
    returned_completions: list[Action] = ()  # the first MY_ACTIONS_RETURNED_LIMIT
    returned_completions_total: int = 0
    returned_total: int = 0
    due_total: int = 0
    rest_total: int = 0
    page: Page | None = None

    @property
    def is_empty(self) -> bool:
        return not (self.returned_total or self.due_total or self.rest_total)

    @property
    def returned_count(self) -> int:
        return self.returned_total + self.returned_completions_total


MY_ACTIONS_PER_PAGE = 25
MY_ACTIONS_RETURNED_LIMIT = 10


class _CountedPaginator(Paginator):
    """A paginator told its count (worked out with other totals in one query)."""

    def __init__(self, object_list, per_page, *, count: int):
        super().__init__(object_list, per_page)
        self.known_count = count

    @cached_property
    def count(self) -> int:
        return self.known_count


def my_actions_for(
    user: User, *, today: datetime.date | None = None, page: int | str | None = None
) -> MyActions:
    """'My actions': returned updates to resubmit, then what is due or overdue (update due
    within the reminder window, or the target date passed), soonest first, then the rest;
    a page of MY_ACTIONS_PER_PAGE at a time, whatever a plan owner's thousands of actions.

    Queries (5 or 6), constant in rows: the due and other totals (one aggregate); the page
    of actions (with plan, report, lead, agency and latest-update annotations, due ones
    first); their recommendations; the ids of the first returned updates still owed, with
    their total, then (when any) those updates; the first returned completions, with their
    total. Returned work shows for the delivery
    lead and the plan owner alike, whoever wrote or proposed it."""
    today = today or timezone.localdate()
    due_by = today + datetime.timedelta(days=settings.REMINDER_DAYS_BEFORE)
    # The same rule as action_row(), in SQL, so the due ones sort first across pages.
    target_passed = (
        Q(status__in=Action.LIVE_STATUSES)
        & ~Q(status=Action.Status.PENDING_SIGN_OFF)
        & Q(current_target__lt=today)
    )
    update_due = Q(status__in=UPDATABLE_STATUSES, next_update_due__lte=due_by) & Q(
        awaiting_review=False
    )
    is_due = target_passed | update_due
    actions = with_latest_update(my_actions_queryset(user)).annotate(
        current_target=Coalesce("revised_target_date", "target_date")
    )
    totals = actions.aggregate(total=Count("pk"), due=Count("pk", filter=is_due))
    ordered = (
        actions.annotate(
            is_due=ExpressionWrapper(is_due, output_field=BooleanField()),
            due_from=Case(
                When(
                    is_due,
                    then=Least(Coalesce("next_update_due", "current_target"), "current_target"),
                )
            ),
        )
        .select_related("plan__report", "plan__force", "delivery_lead", "partner_agency")
        .prefetch_related(
            Prefetch("recommendations", queryset=Recommendation.objects.order_by("position"))
        )
        .order_by(
            F("is_due").desc(),
            F("due_from").asc(nulls_last=True),
            F("next_update_due").asc(nulls_last=True),
            "reference",
            "pk",
        )
    )
    shown = _CountedPaginator(ordered, MY_ACTIONS_PER_PAGE, count=totals["total"]).get_page(page)
    rows = [
        action_row(a, today=today, due_within_days=settings.REMINDER_DAYS_BEFORE, user=user)
        for a in shown.object_list
    ]
    returned = _returned_updates_owed(user)
    completions = first_with_total(
        _returned_completions(my_actions_queryset(user))
        .select_related("plan__report", "plan__force", "completion_proposed_by")
        .only(
            *action_name_columns(),
            *User.name_columns("completion_proposed_by"),
            "description",
            "completion_proposed_at",
            "return_reason",
            "updated_at",
        ),
        limit=MY_ACTIONS_RETURNED_LIMIT,
        order_by=["updated_at", "pk"],
    )
    return MyActions(
        returned_updates=returned,
        returned_completions=completions,
        returned_completions_total=completions[0].total if completions else 0,
        due=[row for row in rows if row.is_due],
        rest=[row for row in rows if not row.is_due],
        returned_total=returned[0].total if returned else 0,
        due_total=totals["due"],
        rest_total=totals["total"] - totals["due"],
        page=shown,
    )


def reports_with_plans_for(user: User, *, limit: int = 10) -> QuerySet[InspectionReport]:
    """The newest reports a person can see, each with the plan they can see for it (if any).
    One query."""
    plans = action_plans_visible_to(user).filter(report=OuterRef("pk")).order_by("pk")
    return (
        reports_visible_to(user)
        .select_related("force")
        .annotate(
            plan_id=Subquery(plans.values("pk")[:1]),
            plan_status=Subquery(plans.values("status")[:1]),
        )
        .order_by("-published_on", "pk")[:limit]
    )
