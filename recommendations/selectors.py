"""Reads for recommendations, action plans, actions, updates, evidence and letters.

Each model has one `*_visible_to(user)` scoping function; everything a user sees starts
from one of them.
"""

import datetime
from collections import defaultdict
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
    IntegerField,
    OrderBy,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce, Least, Length, RowNumber
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import cached_property

from oversight.models import (
    CauseOfConcern,
    Finding,
    InspectionReport,
    Judgement,
    PriorityArea,
    User,
)
from oversight.selectors import (
    people_visible_to,
    priority_areas_visible_to,
    report_deadlines,
    reports_visible_to,
)
from recommendations.models import (
    Action,
    ActionPlan,
    Evidence,
    ProgressUpdate,
    Rag,
    Recommendation,
)
from recommendations.permissions import UPDATABLE_STATUSES, can_update_action


def recommendations_visible_to(user: User) -> QuerySet[Recommendation]:
    if not user.is_authenticated:
        return Recommendation.objects.none()
    if user.is_partner:
        # Partner leads see the recommendations their agency's actions serve.
        return Recommendation.objects.filter(
            Exists(
                Action.recommendations.through.objects.filter(
                    recommendation=OuterRef("pk"), action__partner_agency=user.partner_agency_id
                )
            )
        )
    return Recommendation.objects.filter(report__in=reports_visible_to(user).values("pk"))


def action_plans_visible_to(user: User) -> QuerySet[ActionPlan]:
    if not user.is_authenticated:
        return ActionPlan.objects.none()
    if user.is_partner:
        return ActionPlan.objects.filter(
            Exists(
                Action.objects.filter(plan=OuterRef("pk"), partner_agency=user.partner_agency_id)
            )
        )
    if user.is_force_user:
        return ActionPlan.objects.filter(force=user.force_id)
    return ActionPlan.objects.filter(report__in=reports_visible_to(user).values("pk"))


def actions_visible_to(user: User) -> QuerySet[Action]:
    """Partner leads see only their agency's actions, never police-only ones."""
    if not user.is_authenticated:
        return Action.objects.none()
    if user.is_partner:
        return Action.objects.filter(partner_agency=user.partner_agency_id)
    if user.is_force_user:
        return Action.objects.filter(plan__force=user.force_id)
    # OPCC staff and readers: the actions of the plans on the reports they see (as
    # action_plans_visible_to), joined to the plan rather than nested through it, so the
    # planner judges a reader of every force's rows correctly.
    return Action.objects.filter(plan__report__in=reports_visible_to(user).values("pk"))


def updates_visible_to(user: User) -> QuerySet[ProgressUpdate]:
    """The updates on the actions the user sees (as actions_visible_to decides), written as
    a join to the action and a test of its plan or agency: for a reader of every force the
    database then counts a few thousand updates without hashing all 120,000 actions."""
    if not user.is_authenticated:
        return ProgressUpdate.objects.none()
    if user.is_partner:
        return ProgressUpdate.objects.filter(action__partner_agency=user.partner_agency_id)
    return ProgressUpdate.objects.filter(
        action__plan__in=action_plans_visible_to(user).values("pk")
    )


def evidence_visible_to(user: User) -> QuerySet[Evidence]:
    return Evidence.objects.filter(action__in=actions_visible_to(user).values("pk"))


# --- Action plans, actions, progress updates (issue 4) ---------------------------------


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


def _with_latest_update(actions: QuerySet[Action]) -> QuerySet[Action]:
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


@dataclass(frozen=True)
class ActionRow:
    """An action with the dates that make it urgent, worked out once for the page."""

    action: Action
    update_due_in_days: int | None  # negative: overdue by that many days
    target_passed_days: int | None  # days since the current target date passed
    is_due: bool
    can_post_update: bool = False

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


@dataclass(frozen=True)
class MyActions:
    returned_updates: list[ProgressUpdate]  # the first MY_ACTIONS_RETURNED_LIMIT
    due: list[ActionRow]  # on this page
    rest: list[ActionRow]  # on this page
    returned_total: int = 0
    due_total: int = 0
    rest_total: int = 0
    page: Page | None = None

    @property
    def is_empty(self) -> bool:
        return not (self.returned_total or self.due_total or self.rest_total)


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

    Queries (4), constant in rows: the due and other totals (one aggregate); the page of
    actions (with plan, report, lead, agency and latest-update annotations, due ones first);
    their recommendations; the first returned updates still owed, with their total."""
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
    actions = _with_latest_update(my_actions_queryset(user)).annotate(
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
        .select_related("plan__report", "delivery_lead", "partner_agency")
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
    returned = _first_with_total(
        _returned_updates_needing_resubmission(
            updates_visible_to(user).filter(action__in=my_actions_queryset(user).values("pk"))
        ).select_related("action", "reviewed_by"),
        limit=MY_ACTIONS_RETURNED_LIMIT,
        order_by=["reviewed_at", "pk"],
    )
    return MyActions(
        returned_updates=returned,
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


def plan_detail_queryset(user: User) -> QuerySet[ActionPlan]:
    return action_plans_visible_to(user).select_related("report", "force", "owner")


def plan_actions(plan: ActionPlan, *, user: User) -> list[Action]:
    """The actions of a plan the user can see (a partner lead: only their agency's), with
    leads, recommendations and the latest update. Queries: 1 actions with annotations,
    1 recommendations. Constant in the number of actions and updates."""
    return list(
        _with_latest_update(actions_visible_to(user).filter(plan=plan))
        .select_related("plan", "delivery_lead", "partner_agency", "owner")
        .annotate(update_count=Count("updates", distinct=True))
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
        _with_latest_update(actions_visible_to(user).filter(plan=plan))
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


def action_detail_queryset(user: User) -> QuerySet[Action]:
    """An action with everything its page shows about it: 1 query, plus 1 for its
    recommendations."""
    return (
        actions_visible_to(user)
        .select_related(
            "plan__report",
            "plan__force",
            "plan__owner",
            "owner",
            "delivery_lead",
            "partner_agency",
            "completion_proposed_by",
            "signed_off_by",
        )
        .prefetch_related(
            Prefetch("recommendations", queryset=Recommendation.objects.order_by("position"))
        )
    )


@dataclass(frozen=True)
class ActionUpdates:
    updates: list[ProgressUpdate]  # newest first, each with `.files` (its evidence)
    completion_files: list[Evidence]  # evidence of impact given with a proposed completion
    returned_update: ProgressUpdate | None  # the returned update the lead still owes
    last_accepted: ProgressUpdate | None = None


def action_updates(action: Action) -> ActionUpdates:
    """An action's updates and evidence. Queries: 1 updates (with author and reviewer),
    1 evidence for the whole action."""
    updates = list(
        action.updates.select_related("author", "reviewed_by", "resubmission_of").order_by(
            "-created_at", "-pk"
        )
    )
    files_by_update: dict[int | None, list[Evidence]] = defaultdict(list)
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


def updates_awaiting_review(user: User) -> QuerySet[ProgressUpdate]:
    """Submitted updates waiting for OPCC review, oldest first, each with its number of
    files (a correlated count, run for the rows read only). One query."""
    files = (
        Evidence.objects.filter(update=OuterRef("pk"))
        .order_by()
        .values("update")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        updates_visible_to(user)
        .filter(review_state=ProgressUpdate.Review.SUBMITTED)
        .select_related("action__plan__report", "author")
        .annotate(file_count=Coalesce(Subquery(files), 0))
        .order_by("created_at", "pk")
    )


def actions_awaiting_sign_off(user: User) -> QuerySet[Action]:
    """Proposed completions waiting for an OPCC decision, oldest first. One query."""
    return (
        actions_visible_to(user)
        .filter(status=Action.Status.PENDING_SIGN_OFF)
        .select_related("plan__report", "completion_proposed_by")
        .order_by("completion_proposed_at", "pk")
    )


@dataclass(frozen=True)
class ReviewQueue:
    updates: list[ProgressUpdate]  # the oldest REVIEW_QUEUE_LIMIT
    update_total: int
    completions: list[Action]  # the oldest REVIEW_QUEUE_LIMIT
    completion_total: int


REVIEW_QUEUE_LIMIT = 50


def review_queue_for(user: User) -> ReviewQueue:
    """The review queue page: the oldest submitted updates and proposed completions, each
    list with its total. Two queries, whatever the size of the queue: deciding the oldest
    brings the next ones in."""
    updates = _first_with_total(
        updates_awaiting_review(user), limit=REVIEW_QUEUE_LIMIT, order_by=["created_at", "pk"]
    )
    completions = _first_with_total(
        actions_awaiting_sign_off(user),
        limit=REVIEW_QUEUE_LIMIT,
        order_by=["completion_proposed_at", "pk"],
    )
    return ReviewQueue(
        updates=updates,
        update_total=updates[0].total if updates else 0,
        completions=completions,
        completion_total=completions[0].total if completions else 0,
    )


def review_queue_panel(*, user: User, obj=None) -> dict | None:
    """The dashboard's "waiting for an OPCC decision": the oldest submitted updates and
    proposed completions. Queries: 2 short lists, each with its total (a once-run count
    subquery), whatever the size of the queue. The dashboard's "updates to review" tile
    reads the same total."""
    if not user.is_authenticated or not user.is_opcc:
        return None
    updates = _first_with_total(
        updates_visible_to(user)
        .filter(review_state=ProgressUpdate.Review.SUBMITTED)
        .select_related("action", "author"),
        limit=REVIEW_QUEUE_PANEL_LIMIT,
        order_by=["created_at", "pk"],
    )
    completions = _first_with_total(
        actions_visible_to(user)
        .filter(status=Action.Status.PENDING_SIGN_OFF)
        .select_related("completion_proposed_by"),
        limit=REVIEW_QUEUE_PANEL_LIMIT,
        order_by=["completion_proposed_at", "pk"],
    )
    return {
        "update_count": updates[0].total if updates else 0,
        "updates": updates,
        "completion_count": completions[0].total if completions else 0,
        "completions": completions,
    }


REVIEW_QUEUE_PANEL_LIMIT = 5


# The action page's history: which fields are worth telling people about, and how.
_HISTORY_SKIP = {"id", "created_at", "updated_at", "plan", "action", "author"}


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: str
    new: str


@dataclass(frozen=True)
class HistoryEntry:
    when: datetime.datetime
    who: str
    what: str  # e.g. "Action changed", "Update of 3 Nov 2026 accepted"
    changes: list[FieldChange]


def _display(field, value, names: dict) -> str:
    if value is None or value == "":
        return "—"
    if field.is_relation:
        return names.get((field.related_model, value), f"#{value}")
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, datetime.datetime):
        return date_format(timezone.localtime(value), "j M Y H:i")
    if isinstance(value, datetime.date):
        return date_format(value, "j M Y")
    return str(value)


def _diffs(records: list, fields: list) -> list[tuple[object, list[tuple]]]:
    """(record, [(field, old, new)]) for each historical record against the one before."""
    out = []
    previous = None
    for record in records:
        if previous is None:
            out.append((record, []))
        else:
            changed = [
                (f, getattr(previous, f.attname), getattr(record, f.attname))
                for f in fields
                if getattr(previous, f.attname) != getattr(record, f.attname)
            ]
            out.append((record, changed))
        previous = record
    return out


def action_history(action: Action) -> list[HistoryEntry]:
    """Who changed what on an action and its updates, newest first, with each changed field
    old → new. Queries: 1 action history (with users), 1 the recommendations each version
    served, 1 update history (with users), and at most one per related model to name the
    people, agencies and recommendations involved: a fixed number whatever the history."""
    action_fields = [f for f in Action._meta.concrete_fields if f.name not in _HISTORY_SKIP]
    update_fields = [f for f in ProgressUpdate._meta.concrete_fields if f.name not in _HISTORY_SKIP]
    action_records = list(
        action.history.select_related("history_user")
        .prefetch_related("historicalaction_recommendations_set")
        .order_by("history_date", "history_id")
    )
    update_records = list(
        ProgressUpdate.history.filter(action_id=action.pk)
        .select_related("history_user")
        .order_by("id", "history_date", "history_id")
    )
    action_diffs = _diffs(action_records, action_fields)
    update_diffs: list = []
    by_update: dict[int, list] = defaultdict(list)
    for record in update_records:
        by_update[record.id].append(record)
    for records in by_update.values():
        update_diffs.extend(_diffs(records, update_fields))
    served = [
        {row.recommendation_id for row in record.historicalaction_recommendations_set.all()}
        for record in action_records
    ]

    # Name every related row mentioned, one query per related model.
    wanted: dict[type, set] = defaultdict(set)
    for record, changed in action_diffs:
        if record.history_type == "+":
            changed = [
                (f, None, getattr(record, f.attname)) for f in _created_fields(action_fields)
            ]
        for field, old, new in changed:
            if field.is_relation:
                wanted[field.related_model].update(v for v in (old, new) if v is not None)
    for _, changed in update_diffs:
        for field, old, new in changed:
            if field.is_relation:
                wanted[field.related_model].update(v for v in (old, new) if v is not None)
    wanted[Recommendation].update(*served)
    names = {}
    for model, ids in wanted.items():
        if ids:
            for obj in model._base_manager.filter(pk__in=ids):
                names[(model, obj.pk)] = (
                    obj.reference if isinstance(obj, Recommendation) else str(obj)
                )

    def change(field, old, new) -> FieldChange:
        shown_old = "" if old in (None, "") else _display(field, old, names)
        return FieldChange(str(field.verbose_name), shown_old, _display(field, new, names))

    def references(ids: set) -> str:
        return ", ".join(sorted(names[(Recommendation, i)] for i in ids))

    def who(record) -> str:
        return str(record.history_user) if record.history_user else "System"

    entries: list[HistoryEntry] = []
    for index, (record, changed) in enumerate(action_diffs):
        if record.history_type == "+":
            changes = [
                change(f, None, getattr(record, f.attname))
                for f in _created_fields(action_fields)
                if getattr(record, f.attname) not in (None, "")
            ]
            if served[index]:
                changes.append(FieldChange("recommendations", "", references(served[index])))
            entries.append(
                HistoryEntry(record.history_date, who(record), "Action created", changes)
            )
            continue
        changes = [change(f, old, new) for f, old, new in changed if f.name not in _HISTORY_QUIET]
        if served[index] != served[index - 1]:
            recommendations = FieldChange(
                "recommendations", references(served[index - 1]), references(served[index])
            )
            if not changes and action_records[index - 1].history_type == "+" and entries:
                # The recommendations are linked just after the action is created: one event.
                creation = entries[-1]
                entries[-1] = HistoryEntry(
                    creation.when, creation.who, creation.what, [*creation.changes, recommendations]
                )
                continue
            changes.append(recommendations)
        if not changes:
            continue
        status_changed = any(f.name == "status" for f, _, _ in changed)
        what = (
            f"Status changed to {record.get_status_display().lower()}"
            if status_changed
            else "Action changed"
        )
        entries.append(HistoryEntry(record.history_date, who(record), what, changes))

    rag = ProgressUpdate._meta.get_field("rag")
    for record, changed in update_diffs:
        label = f"Update of {date_format(record.written_on, 'j M Y')}"
        if record.history_type == "+":
            what = f"{label} posted"
            changes = [
                FieldChange("RAG", "", _display(rag, record.rag, names)),
                FieldChange("percent complete", "", f"{record.percent_complete}%"),
            ]
        else:
            changes = [
                change(f, old, new) for f, old, new in changed if f.name not in _HISTORY_QUIET
            ]
            if not changes:
                continue
            reviewed = any(f.name == "review_state" for f, _, _ in changed)
            what = (
                f"{label} {record.get_review_state_display().lower()}"
                if reviewed
                else f"{label} changed"
            )
        entries.append(HistoryEntry(record.history_date, who(record), what, changes))
    entries.sort(key=lambda entry: entry.when, reverse=True)
    return entries


def plan_history(plan: ActionPlan) -> list[HistoryEntry]:
    """Who changed the plan itself (status, owner, board, title), newest first. Queries:
    1 history (with users), at most 1 to name the owners mentioned."""
    fields = [
        f
        for f in ActionPlan._meta.concrete_fields
        if f.name not in {"id", "created_at", "updated_at", "report", "force"}
    ]
    records = list(
        plan.history.select_related("history_user").order_by("history_date", "history_id")
    )
    diffs = _diffs(records, fields)
    owner_ids = {
        v
        for _, changed in diffs
        for f, old, new in changed
        if f.name == "owner"
        for v in (old, new)
        if v
    }
    names = (
        {(User, u.pk): str(u) for u in User.objects.filter(pk__in=owner_ids)} if owner_ids else {}
    )
    entries = []
    for record, changed in diffs:
        changes = [
            FieldChange(
                str(f.verbose_name),
                "" if old in (None, "") else _display(f, old, names),
                _display(f, new, names),
            )
            for f, old, new in changed
        ]
        if record.history_type == "+":
            what = "Plan created"
        elif not changes:
            continue
        elif any(f.name == "status" for f, _, _ in changed):
            what = f"Plan {record.get_status_display().lower()}"
        else:
            what = "Plan changed"
        who = str(record.history_user) if record.history_user else "System"
        entries.append(HistoryEntry(record.history_date, who, what, changes))
    entries.reverse()
    return entries


# What a creation entry shows, and the fields whose change the entry's own time already says.
_HISTORY_ON_CREATION = ("delivery_lead", "partner_agency", "target_date", "cadence", "cadence_days")
_HISTORY_QUIET = {"written_on", "reviewed_at", "completion_proposed_at", "signed_off_at"}


def _created_fields(fields: list) -> list:
    return [f for f in fields if f.name in _HISTORY_ON_CREATION]


# --- Recommendations: register, report page, recommendation page, dashboard (issue 3) --

# A recommendation's RAG is the worst RAG among its live actions; blue (complete) once every
# action it has is finished; none while it has no actions. Ranked so that "worst" is a Max.
RAG_RANKS = {Rag.COMPLETE: 1, Rag.GREEN: 2, Rag.AMBER: 3, Rag.RED: 4}
RAG_ORDER = [Rag.RED, Rag.AMBER, Rag.GREEN, Rag.COMPLETE]
NO_RAG = "none"
NO_RAG_LABEL = "No actions yet"
STATUS_ORDER = list(Recommendation.Status)
DUE_SOON_DAYS = 14


def _action_links(user: User) -> QuerySet:
    """(recommendation, action) pairs the user may count. Partner leads count only their
    agency's actions, so a RAG or an overdue flag never reveals police-only work."""
    links = Action.recommendations.through.objects.all()
    if user.is_partner:
        links = links.filter(action__partner_agency=user.partner_agency_id)
    return links


class _RagField(IntegerField):
    """A recommendation's RAG as the database ranks it (4 red … 1 complete, NULL without
    actions) and as Python reads it (the Rag value, or "none"). One column serves the
    page, the filter (`rag="red"` compares ranks) and the "worst first" sort, so the
    ranking subquery runs once per row, not once per RAG it is compared with."""

    def from_db_value(self, value, expression, connection):
        return RAG_BY_RANK.get(value, NO_RAG)

    def get_prep_value(self, value):
        if value is None or value == NO_RAG:
            return None
        return RAG_RANKS[value] if isinstance(value, str) else int(value)


RAG_BY_RANK = {rank: rag for rag, rank in RAG_RANKS.items()}


def _late_actions(links: QuerySet, *, today: datetime.date) -> QuerySet:
    """The links to live actions past their current (revised, else original) target date."""
    return links.filter(action__status__in=Action.LIVE_STATUSES).filter(
        Q(action__revised_target_date__lt=today)
        | Q(action__revised_target_date__isnull=True, action__target_date__lt=today)
    )


def with_rag_and_overdue(
    recommendations: QuerySet[Recommendation], *, user: User, today: datetime.date
) -> QuerySet[Recommendation]:
    """Annotate `rag` (the Rag value or "none"; ranked 4 red … 1 complete in SQL, see
    _RagField) and `is_overdue`: open and past its due date, or with a live action past
    its current target date. Two correlated subqueries, each LIMIT 1 so the database runs
    them only for the rows it returns (after a page's LIMIT); no query per row.

    To filter or count a whole register by RAG or overdue, use rag_condition() and
    overdue_condition(): semi-joins that do not rank every row."""
    links = _action_links(user).filter(recommendation=OuterRef("pk"))
    rank = Case(
        When(action__status__in=Action.FINISHED_STATUSES, then=Value(RAG_RANKS[Rag.COMPLETE])),
        *[When(action__rag=rag, then=Value(value)) for rag, value in RAG_RANKS.items()],
        output_field=IntegerField(),
    )
    worst = (
        links.filter(action__status__in=Action.LIVE_STATUSES + Action.FINISHED_STATUSES)
        .annotate(rank=rank)
        .order_by("-rank")
        .values("rank")[:1]
    )
    # A scalar LIMIT 1 rather than EXISTS: PostgreSQL would hash an EXISTS in the select
    # list by reading every late action in the database, even for a page of 25 rows.
    first_late_action = _late_actions(links, today=today).values("action_id")[:1]
    return recommendations.alias(first_late_action=Subquery(first_late_action)).annotate(
        rag=Subquery(worst, output_field=_RagField()),
        is_overdue=ExpressionWrapper(
            Q(status__in=Recommendation.OPEN_STATUSES)
            & (Q(due_on__lt=today) | Q(first_late_action__isnull=False)),
            output_field=BooleanField(),
        ),
    )


def rag_condition(rag: str, *, user: User) -> Q:
    """The recommendations whose RAG (as with_rag_and_overdue ranks it) is `rag`, as
    EXISTS / NOT EXISTS the database answers with one pass over the actions instead of
    ranking every recommendation: red has a live red action; amber a live amber one and
    no live red; green a live green one and no live red or amber; complete has counted
    actions and none live red, amber or green; "none" has no counted action."""
    links = _action_links(user).filter(recommendation=OuterRef("pk"))
    live = links.filter(action__status__in=Action.LIVE_STATUSES)

    def live_with(*rags) -> Q:
        return Q(Exists(live.filter(action__rag__in=rags)))

    counted = Q(
        Exists(links.filter(action__status__in=Action.LIVE_STATUSES + Action.FINISHED_STATUSES))
    )
    conditions = {
        Rag.RED: live_with(Rag.RED),
        Rag.AMBER: live_with(Rag.AMBER) & ~live_with(Rag.RED),
        Rag.GREEN: live_with(Rag.GREEN) & ~live_with(Rag.RED, Rag.AMBER),
        Rag.COMPLETE: counted & ~live_with(Rag.RED, Rag.AMBER, Rag.GREEN),
        NO_RAG: ~counted,
    }
    return conditions[rag]


def overdue_condition(*, user: User, today: datetime.date) -> Q:
    """The recommendations with_rag_and_overdue marks `is_overdue`, for filtering or
    counting a whole register: EXISTS, which the database answers in one pass."""
    links = _action_links(user).filter(recommendation=OuterRef("pk"))
    return Q(status__in=Recommendation.OPEN_STATUSES) & (
        Q(due_on__lt=today) | Q(Exists(_late_actions(links, today=today)))
    )


def rag_label(rag: str) -> str:
    return NO_RAG_LABEL if rag == NO_RAG else Rag(rag).label


# --- The register --------------------------------------------------------------------


def _ordered_by_lifecycle(field: str, values: list) -> Case:
    return Case(
        *[When(**{field: value}, then=Value(i)) for i, value in enumerate(values)],
        output_field=IntegerField(),
    )


# Sort keys the register accepts (anything else falls back to the default): the key in
# the address, then the columns in ascending order. "rag" ascending puts the worst first.
REGISTER_SORTS = {
    "report": [F("report__published_on").desc(), "report__title", "position", "pk"],
    "force": ["report__force__name", F("report__published_on").desc(), "position", "pk"],
    "reference": ["position", "reference", "report__title", "pk"],
    "timescale": [
        _ordered_by_lifecycle("timescale", list(Recommendation.Timescale)),
        "report__title",
        "position",
        "pk",
    ],
    "due": [F("due_on").asc(nulls_last=True), "report__title", "position", "pk"],
    "status": [_ordered_by_lifecycle("status", STATUS_ORDER), "report__title", "position", "pk"],
    "rag": [F("rag").desc(nulls_last=True), "report__title", "position", "pk"],
}
DEFAULT_REGISTER_SORT = "report"


def _descending(expression):
    if isinstance(expression, str):
        return F(expression).desc()
    if isinstance(expression, OrderBy):
        return OrderBy(
            expression.expression,
            descending=not expression.descending,
            nulls_first=expression.nulls_last,
            nulls_last=expression.nulls_first,
        )
    return expression.desc()


def register_sort(sort: str | None) -> tuple[str, list]:
    """The sort key actually applied (whitelisted) and its order_by expressions."""
    key = (sort or "").removeprefix("-")
    if key not in REGISTER_SORTS:
        return DEFAULT_REGISTER_SORT, REGISTER_SORTS[DEFAULT_REGISTER_SORT]
    columns = REGISTER_SORTS[key]
    if sort.startswith("-"):
        return sort, [_descending(c) for c in columns]
    return key, columns


def recommendation_register(
    user: User, *, today: datetime.date | None = None
) -> QuerySet[Recommendation]:
    """Every recommendation the user may see, for the register and its CSV export.

    select_related: report, report__force, cause_of_concern (shown on every row).
    annotate: rag, is_overdue. The priority areas and delivery leads of the rows shown come
    from register_row_details(), two light queries per page or per CSV chunk.
    """
    today = today or timezone.localdate()
    recommendations = recommendations_visible_to(user).select_related(
        "report", "report__force", "cause_of_concern"
    )
    return with_rag_and_overdue(recommendations, user=user, today=today)


@dataclass
class RegisterRow:
    recommendation: Recommendation
    areas: list[str]  # priority area titles, in position order
    leads: list[str]  # the delivery leads of the actions the user may see, by name


def register_row_details(user: User, recommendations: list[Recommendation]) -> list[RegisterRow]:
    """The register's rows: each recommendation with its priority area titles and the
    names of the delivery leads of the actions the user may see. Two queries of plain
    values (no model instances), however many rows: the page and each CSV chunk use it."""
    ids = [r.pk for r in recommendations]
    areas = defaultdict(list)
    for recommendation_id, title in (
        Recommendation.priority_areas.through.objects.filter(recommendation__in=ids)
        .order_by("priorityarea__position", "priorityarea_id")
        .values_list("recommendation_id", "priorityarea__title")
    ):
        areas[recommendation_id].append(title)
    leads = defaultdict(set)
    for recommendation_id, first, last, username in (
        Action.recommendations.through.objects.filter(
            recommendation__in=ids,
            action__in=actions_visible_to(user).filter(delivery_lead__isnull=False),
        )
        .values_list(
            "recommendation_id",
            "action__delivery_lead__first_name",
            "action__delivery_lead__last_name",
            "action__delivery_lead__username",
        )
        .distinct()
    ):
        # As User.__str__: the full name, or the username.
        leads[recommendation_id].add(f"{first} {last}".strip() or username)
    return [
        RegisterRow(r, areas[r.pk], sorted(leads[r.pk], key=str.casefold)) for r in recommendations
    ]


def delivery_leads_visible_to(user: User) -> QuerySet[User]:
    """People who lead an action the user can see: the register's owner filter."""
    return (
        people_visible_to(user)
        .filter(Exists(actions_visible_to(user).filter(delivery_lead=OuterRef("pk"))))
        .order_by("first_name", "last_name", "username")
    )


# --- The report page -----------------------------------------------------------------


@dataclass
class AreaSummary:
    area: PriorityArea
    recommendations: list[Recommendation]
    rag_counts: list[tuple[str, str, int]]  # (rag, label, count), worst first, zeros left out


@dataclass
class ReportPage:
    report: InspectionReport
    positive_findings: list[Finding]
    concern_findings: list[Finding]
    judgements: list[Judgement]
    causes: list[CauseOfConcern]
    areas: list[AreaSummary]
    recommendations: list[Recommendation]
    unassigned: list[Recommendation]  # in no priority area
    parent: InspectionReport | None
    follow_ups: list[InspectionReport]  # post-inspection reviews of this report
    plans: list[ActionPlan]
    deadlines: list

    @property
    def findings_count(self) -> int:
        return len(self.positive_findings) + len(self.concern_findings)

    @property
    def open_count(self) -> int:
        return sum(1 for r in self.recommendations if r.is_open)

    @property
    def overdue_count(self) -> int:
        return sum(1 for r in self.recommendations if r.is_overdue)


def _rag_counts(recommendations: list[Recommendation]) -> list[tuple[str, str, int]]:
    counts = defaultdict(int)
    for recommendation in recommendations:
        counts[recommendation.rag] += 1
    return [(rag, rag_label(rag), counts[rag]) for rag in [*RAG_ORDER, NO_RAG] if counts[rag]]


def _priority_area_links(report: InspectionReport) -> dict[tuple[str, int], list[int]]:
    """("finding" | "cause" | "recommendation", row id) → the ids of its priority areas, for
    everything the report holds. One query: a UNION ALL over the three link tables."""

    def links(model, column: str, kind: str):
        return (
            model.priority_areas.through.objects.filter(**{f"{column}__report": report})
            .annotate(kind=Value(kind))
            .values_list("kind", f"{column}_id", "priorityarea_id")
        )

    linked: dict[tuple[str, int], list[int]] = defaultdict(list)
    rows = links(Finding, "finding", "finding").union(
        links(CauseOfConcern, "causeofconcern", "cause"),
        links(Recommendation, "recommendation", "recommendation"),
        all=True,
    )
    for kind, row_id, area_id in rows:
        linked[(kind, row_id)].append(area_id)
    return linked


def report_page(user: User, pk: int, *, today: datetime.date | None = None) -> ReportPage | None:
    """Everything the report page shows, or None when the user may not see the report.

    Queries (8, whatever the number of rows): the report with its parent and follow-up
    reports the user may see (select_related force); findings; judgements; causes of
    concern; priority areas (select_related opcc_lead); the priority-area links of the
    findings, causes and recommendations (one UNION, see _priority_area_links); the
    recommendations the user may see (select_related cause_of_concern, annotate rag and
    is_overdue); the action plans the user may see (select_related report, force, owner).

    Each finding, cause of concern and recommendation gets `linked_areas`: its priority
    areas in position order (the templates read that, not `priority_areas.all`). The
    report keeps its prefetched `priority_areas`, so panels reading them run no query.
    """
    today = today or timezone.localdate()
    own_parent = InspectionReport.objects.filter(pk=pk, parent__isnull=False).values("parent")
    found = list(
        reports_visible_to(user)
        .filter(Q(pk=pk) | Q(parent=pk) | Q(pk__in=own_parent))
        .select_related("force")
        .order_by("published_on", "pk")
    )
    report = next((r for r in found if r.pk == pk), None)
    if report is None:
        return None
    prefetch_related_objects(
        [report],
        Prefetch("findings", queryset=Finding.objects.order_by("position", "pk")),
        Prefetch("judgements", queryset=Judgement.objects.order_by("topic")),
        Prefetch("causes_of_concern", queryset=CauseOfConcern.objects.order_by("reference")),
        Prefetch(
            "priority_areas",
            queryset=PriorityArea.objects.order_by("position").select_related("opcc_lead"),
        ),
    )
    areas = list(report.priority_areas.all())
    linked = _priority_area_links(report)
    position = {area.pk: index for index, area in enumerate(areas)}

    def linked_areas(kind: str, row_id: int) -> list[PriorityArea]:
        # Only the report's own areas: a form never links another report's.
        ids = sorted((i for i in linked.get((kind, row_id), []) if i in position), key=position.get)
        return [areas[position[i]] for i in ids]

    findings = list(report.findings.all())
    for finding in findings:
        finding.linked_areas = linked_areas("finding", finding.pk)
    causes = list(report.causes_of_concern.all())
    for cause in causes:
        cause.linked_areas = linked_areas("cause", cause.pk)
    recommendations = list(
        with_rag_and_overdue(
            recommendations_visible_to(user).filter(report=report), user=user, today=today
        )
        .select_related("cause_of_concern")
        .order_by("position", "pk")
    )
    by_area = defaultdict(list)
    for recommendation in recommendations:
        recommendation.linked_areas = linked_areas("recommendation", recommendation.pk)
        for area in recommendation.linked_areas:
            by_area[area.pk].append(recommendation)
    return ReportPage(
        report=report,
        positive_findings=[f for f in findings if f.kind == Finding.Kind.POSITIVE],
        concern_findings=[f for f in findings if f.kind == Finding.Kind.CONCERN],
        judgements=list(report.judgements.all()),
        causes=causes,
        areas=[
            AreaSummary(area, by_area[area.pk], _rag_counts(by_area[area.pk])) for area in areas
        ],
        recommendations=recommendations,
        unassigned=[r for r in recommendations if not r.linked_areas],
        parent=next((r for r in found if r.pk == report.parent_id), None),
        follow_ups=[r for r in found if r.parent_id == report.pk],
        plans=list(
            action_plans_visible_to(user)
            .filter(report=report)
            .select_related("report", "force", "owner")
            .order_by("force__name")
        ),
        deadlines=report_deadlines(report, today=today),
    )


# --- The recommendation page ---------------------------------------------------------

LATEST_UPDATES_PER_ACTION = 3


def recommendation_detail_queryset(
    user: User, *, today: datetime.date | None = None
) -> QuerySet[Recommendation]:
    """The recommendation page's row and its chain.

    select_related: report, report__force, cause_of_concern, superseded_by__report,
    closure_proposed_by, signed_off_by. annotate: rag, is_overdue. prefetch_related:
    priority_areas; the recommendations it supersedes that the user may see; the actions the
    user may see (to_attr `visible_actions`, with leads and plan), each with its three latest
    updates (to_attr `latest_updates`, with author) and its evidence (to_attr `files`).
    """
    today = today or timezone.localdate()
    actions = (
        actions_visible_to(user)
        .select_related("delivery_lead", "owner", "partner_agency", "plan")
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
        .select_related(
            "report",
            "report__force",
            "cause_of_concern",
            "superseded_by__report",
            "closure_proposed_by",
            "signed_off_by",
        )
        .prefetch_related(
            Prefetch("priority_areas", queryset=PriorityArea.objects.order_by("position")),
            Prefetch(
                "supersedes",
                queryset=recommendations_visible_to(user).select_related("report"),
                to_attr="visible_supersedes",
            ),
            Prefetch("actions", queryset=actions, to_attr="visible_actions"),
        )
    )


# Fields of a recommendation's history worth telling people about.
_RECOMMENDATION_HISTORY_SKIP = {"id", "created_at", "updated_at", "report", "position"}


def recommendation_history(recommendation: Recommendation) -> list[HistoryEntry]:
    """Who changed what on the recommendation, newest first, each changed field old → new,
    with the reason given for a status change. Queries: 1 history (with users), and at most
    one per related model to name the people and recommendations mentioned."""
    fields = [
        f
        for f in Recommendation._meta.concrete_fields
        if f.name not in _RECOMMENDATION_HISTORY_SKIP
    ]
    records = list(
        recommendation.history.select_related("history_user").order_by("history_date", "history_id")
    )
    diffs = _diffs(records, fields)
    wanted: dict[type, set] = defaultdict(set)
    for _, changed in diffs:
        for field, old, new in changed:
            if field.is_relation:
                wanted[field.related_model].update(v for v in (old, new) if v is not None)
    names = {}
    for model, ids in wanted.items():
        for obj in model._base_manager.filter(pk__in=ids):
            names[(model, obj.pk)] = obj.reference if isinstance(obj, Recommendation) else str(obj)
    entries = []
    for record, changed in diffs:
        changes = [
            FieldChange(str(f.verbose_name), _display(f, old, names), _display(f, new, names))
            for f, old, new in changed
        ]
        if record.history_change_reason:
            changes.append(FieldChange("reason given", "", record.history_change_reason))
        if record.history_type == "+":
            what = "Recommendation recorded"
        elif not changes:
            continue
        elif any(f.name == "status" for f, _, _ in changed):
            what = f"Status changed to {record.get_status_display().lower()}"
        else:
            what = "Recommendation edited"
        who = str(record.history_user) if record.history_user else "System"
        entries.append(HistoryEntry(record.history_date, who, what, changes))
    entries.reverse()
    return entries


def superseding_choices(user: User, recommendation: Recommendation) -> QuerySet[Recommendation]:
    """Recommendations that may supersede this one: any other the user can see from a report
    published no earlier than this one's, newest report first. select_related: report."""
    return (
        recommendations_visible_to(user)
        .filter(report__published_on__gte=recommendation.report.published_on)
        .exclude(pk=recommendation.pk)
        .select_related("report")
        .order_by("-report__published_on", "report__title", "position")
    )


# --- The dashboard -------------------------------------------------------------------

# Every list on the dashboard is bounded, with its total, so the page costs the same for
# an office overseeing one force as for a reader of all 43.
DASHBOARD_LIST_LIMIT = 10
# The charts show the priority areas of the most recently published reports being
# monitored; the register has every recommendation.
DASHBOARD_CHART_REPORTS = 10
DASHBOARD_DEADLINE_REPORTS = 20


@dataclass
class AreaCounts:
    area: PriorityArea | None  # None: recommendations in no priority area
    report: InspectionReport | None
    by_status: dict[str, int]
    by_rag: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.by_status.values())


@dataclass
class OverdueUpdate:
    action: Action
    days_overdue: int


@dataclass
class DueItem:
    due_on: datetime.date
    what: str
    title: str
    url: str
    who: str


@dataclass
class Dashboard:
    today: datetime.date
    totals: dict
    areas: list[AreaCounts]
    overdue_updates: list[OverdueUpdate]
    overdue_updates_total: int
    due_soon: list[DueItem]
    deadlines: list
    awaiting_sign_off: list[Recommendation]
    returned_updates: list[ProgressUpdate]
    due_soon_total: int = 0
    review_queue: dict | None = None  # review_queue_panel(): what waits for a decision
    deadline_reports_total: int = 0  # reports with an outstanding deadline
    deadline_report_limit: int = DASHBOARD_DEADLINE_REPORTS  # how many of them are listed
    chart_report_limit: int = DASHBOARD_CHART_REPORTS

    @property
    def charts_left_out_reports(self) -> bool:
        return self.totals.get("reports", 0) > self.chart_report_limit


def _windowed(queryset: QuerySet, *, limit: int, partition_by=None, order_by) -> list:
    """The first `limit` rows (of each partition), each with `total` (rows in its
    partition) and `row` (its place): one query, however many rows match."""
    return list(
        queryset.annotate(
            row=Window(RowNumber(), partition_by=partition_by, order_by=order_by),
            total=Window(Count("pk"), partition_by=partition_by),
        ).filter(row__lte=limit)
    )


def _count_of(queryset: QuerySet, *conditions: Q) -> Coalesce:
    """COUNT(*) of the queryset (narrowed by `conditions`) as an uncorrelated subquery:
    the database runs it once per query, not once per row."""
    counted = queryset.filter(*conditions).order_by().annotate(all=Value(1)).values("all")
    return Coalesce(Subquery(counted.annotate(n=Count("pk")).values("n")), 0)


def _first_with_total(
    queryset: QuerySet, *, limit: int, order_by: list, totals: dict[str, Q] | None = None
) -> list:
    """The first `limit` rows, each annotated with `totals` ({name: condition}; by default
    `total`, every matching row), counted by once-run subqueries: one query that reads
    only the first rows in full, however many match."""
    totals = totals if totals is not None else {"total": Q()}
    counts = {name: _count_of(queryset, condition) for name, condition in totals.items()}
    return list(queryset.annotate(**counts).order_by(*order_by)[:limit])


def dashboard_for(user: User, *, today: datetime.date | None = None) -> Dashboard:
    """What the OPCC dashboard shows, all scoped to the user, every list bounded.

    Queries (10), whatever the number of rows: the priority areas of the newest monitored
    reports (select_related report); their recommendation counts by priority area, status
    and RAG (one GROUP BY); the totals over every monitored recommendation (one aggregate,
    overdue as EXISTS); the review queue (the oldest 5 submitted updates with their total,
    select_related action, author; the oldest 5 proposed completions with theirs,
    select_related completion_proposed_by); overdue updates (the first 10,
    with the total as a window count; select_related plan__report, delivery_lead); actions
    with an update or target date in the next 14 days (the first 10, with the totals);
    recommendations proposed for closure and those due in the next 14 days (the first 10
    of each by row number, with totals; select_related report, closure_proposed_by); the
    reports with an outstanding statutory deadline (the 20 oldest, with the total); updates
    returned in the last 30 days (select_related action, author, reviewed_by, annotate
    resubmitted).
    """
    today = today or timezone.localdate()
    soon = today + datetime.timedelta(days=DUE_SOON_DAYS)
    window = (today, soon)
    monitored = reports_visible_to(user).exclude(status=InspectionReport.Status.CLOSED)
    in_monitored = recommendations_visible_to(user).filter(report__in=monitored.values("pk"))
    charted = monitored.order_by("-published_on", "-pk").values("pk")[:DASHBOARD_CHART_REPORTS]

    counts: dict[int | None, AreaCounts] = {}
    for row in (
        # `charted` is drawn from the monitored reports the user sees: filtering on it
        # alone (not on `in_monitored` too) lets the database start from its ten reports.
        with_rag_and_overdue(
            recommendations_visible_to(user).filter(report__in=charted), user=user, today=today
        )
        .order_by()
        .values("priority_areas", "status", "rag")
        .annotate(n=Count("pk", distinct=True))
    ):
        area_counts = counts.setdefault(
            row["priority_areas"], AreaCounts(None, None, defaultdict(int), defaultdict(int))
        )
        area_counts.by_status[row["status"]] += row["n"]
        area_counts.by_rag[row["rag"]] += row["n"]
    areas = []
    for area in (
        priority_areas_visible_to(user)
        .filter(report__in=charted)
        .select_related("report")
        .order_by("-report__published_on", "report__title", "position")
    ):
        area_counts = counts.get(area.pk) or AreaCounts(None, None, {}, {})
        area_counts.area, area_counts.report = area, area.report
        areas.append(area_counts)
    if None in counts:
        areas.append(counts[None])

    totals = in_monitored.aggregate(
        all=Count("pk"),
        open=Count("pk", filter=Q(status__in=Recommendation.OPEN_STATUSES)),
        overdue=Count("pk", filter=overdue_condition(user=user, today=today)),
        awaiting_sign_off=Count("pk", filter=Q(status=Recommendation.Status.PROPOSED_FOR_CLOSURE)),
        reports=Count("report", distinct=True),
    )
    review_queue = review_queue_panel(user=user)
    totals["updates_awaiting_review"] = review_queue["update_count"] if review_queue else 0

    live_actions = actions_visible_to(user).filter(
        status__in=Action.LIVE_STATUSES, plan__report__in=monitored.values("pk")
    )
    overdue_updates = _first_with_total(
        live_actions.filter(next_update_due__lt=today).select_related(
            "plan__report", "delivery_lead"
        ),
        limit=DASHBOARD_LIST_LIMIT,
        order_by=["next_update_due", "pk"],
    )

    # Actions due soon, soonest first: an action counts from the earlier of its dates
    # that falls in the window (an update due, or its current target date).
    update_due = Q(next_update_due__range=window)
    target_due = Q(current_target__range=window)
    due_actions = _first_with_total(
        live_actions.annotate(current_target=Coalesce("revised_target_date", "target_date"))
        .filter(update_due | target_due)
        .annotate(
            soonest=Case(
                When(
                    update_due & (~target_due | Q(next_update_due__lte=F("current_target"))),
                    then="next_update_due",
                ),
                default="current_target",
            )
        )
        .select_related("plan__report", "delivery_lead"),
        limit=DASHBOARD_LIST_LIMIT,
        order_by=["soonest", "pk"],
        totals={"updates_due": update_due, "targets_due": target_due},
    )
    due_soon, due_soon_total = [], 0
    if due_actions:
        due_soon_total = due_actions[0].updates_due + due_actions[0].targets_due
    for action in due_actions:
        lead = str(action.delivery_lead or "No lead")
        if action.next_update_due and today <= action.next_update_due <= soon:
            due_soon.append(
                DueItem(
                    action.next_update_due,
                    "Update due",
                    str(action),
                    action.get_absolute_url(),
                    lead,
                )
            )
        if today <= action.current_target <= soon:
            due_soon.append(
                DueItem(
                    action.current_target,
                    "Action target date",
                    str(action),
                    action.get_absolute_url(),
                    lead,
                )
            )

    # One query for both lists of recommendations: the first 10 proposals waiting for
    # sign-off (oldest proposal first) and the first 10 open ones due soon.
    proposed = Q(status=Recommendation.Status.PROPOSED_FOR_CLOSURE)
    is_proposed = ExpressionWrapper(proposed, output_field=BooleanField())
    listed = _windowed(
        in_monitored.filter(
            proposed | Q(status__in=Recommendation.OPEN_STATUSES, due_on__range=window)
        )
        .select_related("report", "closure_proposed_by")
        .annotate(is_proposed=is_proposed),
        limit=DASHBOARD_LIST_LIMIT,
        partition_by=[is_proposed],
        order_by=[
            F("closure_proposed_at").asc(nulls_last=True),
            F("due_on").asc(nulls_last=True),
            F("pk").asc(),
        ],
    )
    awaiting_sign_off = [r for r in listed if r.is_proposed]
    for recommendation in listed:
        if recommendation.is_proposed:
            continue
        due_soon_total += recommendation.total if recommendation.row == 1 else 0
        due_soon.append(
            DueItem(
                recommendation.due_on,
                "Recommendation due",
                f"{recommendation.reference} · {recommendation.report}",
                recommendation.get_absolute_url(),
                "",
            )
        )
    due_soon.sort(key=lambda item: (item.due_on, item.what, item.title))

    deadlines = []
    outstanding = _windowed(
        monitored.filter(
            Q(section_55_published_on__isnull=True)
            | Q(action_plan_received_on__isnull=True)
            | Q(formal_response_due_on__isnull=False, formal_response_received_on__isnull=True)
        ).select_related("force"),
        limit=DASHBOARD_DEADLINE_REPORTS,
        order_by=[F("published_on").asc(), F("pk").asc()],
    )
    for report in outstanding:
        deadlines.extend(d for d in report_deadlines(report, today=today) if not d.is_done)
    deadlines.sort(key=lambda d: d.due_on)

    return Dashboard(
        today=today,
        totals=totals,
        areas=areas,
        overdue_updates=[
            OverdueUpdate(action, (today - action.next_update_due).days)
            for action in overdue_updates
        ],
        overdue_updates_total=overdue_updates[0].total if overdue_updates else 0,
        due_soon=due_soon[:DASHBOARD_LIST_LIMIT],
        due_soon_total=due_soon_total,
        review_queue=review_queue,
        deadlines=deadlines,
        deadline_reports_total=outstanding[0].total if outstanding else 0,
        awaiting_sign_off=awaiting_sign_off,
        returned_updates=list(
            updates_visible_to(user)
            .filter(
                review_state=ProgressUpdate.Review.RETURNED,
                reviewed_at__gte=timezone.now() - datetime.timedelta(days=30),
            )
            .select_related("action", "author", "reviewed_by")
            .annotate(
                resubmitted=Exists(ProgressUpdate.objects.filter(resubmission_of=OuterRef("pk")))
            )
            .order_by("-reviewed_at")[:DASHBOARD_LIST_LIMIT]
        ),
    )
