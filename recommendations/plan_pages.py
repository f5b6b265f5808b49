"""The plan list, the plan page (its actions as rows with their urgency, and its totals),
the plan's CSV export and the action page (the action, its updates with evidence and its
requests to move the target date)."""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce, Length
from django.utils import timezone

from oversight.models import User
from oversight.shared.built_querysets import built_once_per_person, rows_where
from oversight.shared.lookups import attach_related
from recommendations.action_rows import ActionRow, action_row, with_latest_update
from recommendations.bounded_lists import count_per_row
from recommendations.models import (
    Action,
    ActionPlan,
    Evidence,
    ExtensionRequest,
    ProgressUpdate,
    Rag,
    Recommendation,
)
from recommendations.permissions import UPDATABLE_STATUSES
from recommendations.selectors import action_plans_visible_to, actions_visible_to


def _count_per_plan(actions: QuerySet[Action]) -> Coalesce:
    """How many of `actions` belong to the outer plan: a correlated COUNT the database runs
    for the rows of the page only (after its LIMIT), not for every plan."""
    counted = actions.filter(plan=OuterRef("pk")).order_by().values("plan")
    return Coalesce(Subquery(counted.annotate(n=Count("pk")).values("n")), 0)


def action_plans_for_list(user: User) -> QuerySet[ActionPlan]:
    """The plan list: each plan with its report, force and owner and its action counts
    (four correlated counts of the actions the user may see). One query (plus the
    paginator's count)."""
    today = timezone.localdate()
    in_scope = actions_visible_to(user)
    in_review = ProgressUpdate.objects.filter(
        action=OuterRef("pk"), review_state=ProgressUpdate.Review.SUBMITTED
    )
    return (
        action_plans_visible_to(user)
        .select_related("report", "force", "owner")
        .annotate(
            action_count=_count_per_plan(in_scope),
            finished_count=_count_per_plan(in_scope.filter(status__in=Action.FINISHED_STATUSES)),
            red_count=_count_per_plan(
                in_scope.filter(status__in=Action.LIVE_STATUSES, rag=Rag.RED)
            ),
            # As on the plan page: an update waiting for OPCC review is the lead's part done.
            overdue_count=_count_per_plan(
                in_scope.filter(status__in=UPDATABLE_STATUSES, next_update_due__lt=today).filter(
                    ~Exists(in_review)
                )
            ),
        )
        .order_by("-report__published_on", "force__name", "pk")
    )


@built_once_per_person
def plan_detail_queryset(user: User, *, today: datetime.date | None = None) -> QuerySet[ActionPlan]:
    """The plans the user may see, each with its report, force and owner. Built once per
    person, day and language in a process (the day is not read), its read of one plan
    compiled once (oversight.shared.built_querysets)."""
    return action_plans_visible_to(user).select_related("report", "force", "owner")


# What a plan's rows show (recommendations.plan_rows) and what deciding who may post an
# update reads (permissions.can_update_action: the plan's status and force, the leads' ids).
PLAN_ROW_COLUMNS = (
    "plan__status",
    "plan__force",
    "reference",
    "description",
    "status",
    "rag",
    "next_update_due",
    "target_date",
    "revised_target_date",
    "delivery_lead",
    *User.name_columns("delivery_lead"),
    "partner_agency__name",
)


def plan_actions(plan: ActionPlan, *, user: User) -> list[Action]:
    """The actions of a plan the user can see (a partner lead: only their agency's), with
    leads, recommendations and the latest update, read in the columns the rows show
    (PLAN_ROW_COLUMNS; a column missing there costs a query a row, which the plan page's
    query-count tests catch). Queries: 1 actions with annotations (a read compiled once,
    plan_actions_queryset()), 1 recommendations. Constant in the number of actions and
    updates."""
    return rows_where(plan_actions_queryset(user), "plan", plan.pk)


@built_once_per_person
def plan_actions_queryset(user: User, *, today: datetime.date | None = None) -> QuerySet[Action]:
    """plan_actions()'s actions before they are narrowed to one plan (`plan=`). Built once
    per person, day and language in a process (the day is not read)."""
    return (
        with_latest_update(actions_visible_to(user))
        .select_related("plan", "delivery_lead", "partner_agency")
        .only(*PLAN_ROW_COLUMNS)
        # Counted per action by a subquery on the updates' action index: a join and GROUP BY
        # sorted and grouped every update row by the actions' and people's columns (~3 of
        # the query's 4.6 ms for a plan of 60 actions).
        .annotate(update_count=count_per_row(ProgressUpdate.objects.all(), "action"))
        .prefetch_related(
            Prefetch("recommendations", queryset=Recommendation.objects.order_by("position"))
        )
        .order_by(Length("reference"), "reference", "pk")
    )


def plan_actions_for_export(plan: ActionPlan, *, user: User) -> list[Action]:
    """plan_actions() plus the narrative of each action's latest accepted update, for the
    CSV export. Queries: 1 actions, 1 recommendations."""
    latest_accepted = ProgressUpdate.objects.filter(
        action=OuterRef("pk"), review_state=ProgressUpdate.Review.ACCEPTED
    ).order_by("-created_at", "-pk")
    return list(
        with_latest_update(actions_visible_to(user).filter(plan=plan))
        .select_related("delivery_lead", "partner_agency", "owner")
        .annotate(latest_accepted_narrative=Subquery(latest_accepted.values("narrative")[:1]))
        .prefetch_related(
            Prefetch("recommendations", queryset=Recommendation.objects.order_by("position"))
        )
        .order_by(Length("reference"), "reference", "pk")
    )


@dataclass(frozen=True)
class PlanSummary:
    total: int
    finished: int
    red: int
    updates_overdue: int
    pending_sign_off: int
    awaiting_review: int


def plan_action_rows(plan: ActionPlan, *, user: User) -> tuple[list[ActionRow], PlanSummary]:
    """The plan page's actions as rows with their urgency, and the plan's totals (worked
    out from the same rows: no extra query)."""
    today = timezone.localdate()
    rows = [
        action_row(a, today=today, due_within_days=settings.REMINDER_DAYS_BEFORE, user=user)
        for a in plan_actions(plan, user=user)
    ]
    actions = [row.action for row in rows]
    summary = PlanSummary(
        total=len(rows),
        finished=sum(a.status in Action.FINISHED_STATUSES for a in actions),
        red=sum(a.rag == Rag.RED and a.status not in Action.FINISHED_STATUSES for a in actions),
        updates_overdue=sum(row.update_overdue for row in rows),
        pending_sign_off=sum(a.status == Action.Status.PENDING_SIGN_OFF for a in actions),
        awaiting_review=sum(a.awaiting_review for a in actions),
    )
    return rows, summary


@built_once_per_person
def action_detail_queryset(user: User, *, today: datetime.date | None = None) -> QuerySet[Action]:
    """An action with its plan, report, force and partner agency: 1 query, plus 1 for its
    recommendations. The people it names come with action_people_attach(). Annotated with
    whether it has any evidence (`has_evidence`) and any request to move its target date
    (`has_extensions`), so that action_updates() and action_extensions() read them only
    where there are some (most actions have neither). Built once per person, day and
    language in a process (the day is not read), its read of one action compiled once
    (oversight.shared.built_querysets)."""
    return (
        actions_visible_to(user)
        .select_related("plan__report", "plan__force", "partner_agency")
        .annotate(
            has_evidence=Exists(Evidence.objects.filter(action=OuterRef("pk"))),
            has_extensions=Exists(ExtensionRequest.objects.filter(action=OuterRef("pk"))),
        )
        .prefetch_related(
            Prefetch("recommendations", queryset=Recommendation.objects.order_by("position"))
        )
    )


def action_people_attach(action: Action) -> Action:
    """The people an action's page names (its owner, delivery lead, who proposed it
    complete and who signed it off, and its plan's owner) read in one query, not joined
    to the action's row: five joins to the user table more than doubled the planning of
    that one-row query (2.2 ms against 0.8 on the national data)."""
    people = ("owner", "delivery_lead", "completion_proposed_by", "signed_off_by")
    attach_related(
        [(action, name) for name in people] + [(action.plan, "owner")], User.objects.all()
    )
    return action


@dataclass(frozen=True)
class ActionUpdates:
    updates: list[ProgressUpdate]  # newest first, each with `.files` (its evidence)
    completion_files: list[Evidence]  # evidence of impact given with a proposed completion
    returned_update: ProgressUpdate | None  # the returned update the lead still owes
    last_accepted: ProgressUpdate | None = None


def action_updates(action: Action) -> ActionUpdates:
    """An action's updates and evidence (the action as action_detail_queryset() reads
    it). Queries: 1 updates (with author and reviewer), 1 evidence for the whole action
    when it has any. The returned update a resubmission answers is one of
    the same action's (progress_update_submit checks it), so it is taken from the list
    rather than joined again with all its columns."""
    updates = list(
        action.updates.select_related("author", "reviewed_by").order_by("-created_at", "-pk")
    )
    by_pk = {update.pk: update for update in updates}
    answers = ProgressUpdate._meta.get_field("resubmission_of")
    for update in updates:
        if update.resubmission_of_id in by_pk:
            answers.set_cached_value(update, by_pk[update.resubmission_of_id])
    files_by_update: dict[int | None, list[Evidence]] = defaultdict(list)
    if action.has_evidence:
        for evidence in action.evidence.select_related("uploaded_by").order_by("created_at", "pk"):
            files_by_update[evidence.update_id].append(evidence)
    for update in updates:
        update.files = files_by_update.get(update.pk, [])
    latest = updates[0] if updates else None
    owed = latest if latest and latest.review_state == ProgressUpdate.Review.RETURNED else None
    accepted = [u for u in updates if u.review_state == ProgressUpdate.Review.ACCEPTED]
    return ActionUpdates(
        updates=updates,
        completion_files=files_by_update.get(None, []),
        returned_update=owed,
        last_accepted=accepted[0] if accepted else None,
    )


def action_extensions(action: Action) -> list[ExtensionRequest]:
    """Every request to move the action's target date, newest first, with who asked and
    who decided. One query, whatever their number, and none when it has none. (The action
    is the one the page shows, read by action_detail_queryset(), through
    actions_visible_to.)"""
    if not action.has_extensions:
        return []
    extensions = list(
        ExtensionRequest.objects.filter(action=action)
        .select_related("requested_by", "decided_by")
        .order_by("-requested_at", "-pk")
    )
    for extension in extensions:
        extension.action = action
    return extensions


def extension_waiting(action: Action) -> ExtensionRequest | None:
    """The action's request still waiting for the OPCC's decision (at most one), with who
    asked. One query."""
    return (
        action.extensions.filter(decision=ExtensionRequest.Decision.PENDING)
        .select_related("requested_by")
        .first()
    )
