"""Reads for recommendations, action plans, actions, updates, evidence and letters.

Each model has one `*_visible_to(user)` scoping function; everything a user sees starts
from one of them.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db.models import (
    BooleanField,
    Case,
    CharField,
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
)
from django.db.models.functions import Coalesce, Length
from django.utils import timezone
from django.utils.formats import date_format

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
    Letter,
    ProgressUpdate,
    Rag,
    Recommendation,
    Reminder,
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
    return Action.objects.filter(plan__in=action_plans_visible_to(user).values("pk"))


def updates_visible_to(user: User) -> QuerySet[ProgressUpdate]:
    return ProgressUpdate.objects.filter(action__in=actions_visible_to(user).values("pk"))


def evidence_visible_to(user: User) -> QuerySet[Evidence]:
    return Evidence.objects.filter(action__in=actions_visible_to(user).values("pk"))


def letters_visible_to(user: User) -> QuerySet[Letter]:
    """Letters are the OPCC's and the force's business; partner agencies do not see them."""
    if not user.is_authenticated or user.is_partner:
        return Letter.objects.none()
    return Letter.objects.filter(report__in=reports_visible_to(user).values("pk"))


def reminders_for(user: User) -> QuerySet[Reminder]:
    """A person's own notifications; nobody reads anybody else's."""
    if not user.is_authenticated:
        return Reminder.objects.none()
    return Reminder.objects.filter(recipient=user)


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
    returned_updates: list[ProgressUpdate]
    due: list[ActionRow]
    rest: list[ActionRow]

    @property
    def is_empty(self) -> bool:
        return not (self.returned_updates or self.due or self.rest)


def my_actions_for(user: User, *, today: datetime.date | None = None) -> MyActions:
    """'My actions': returned updates to resubmit, then what is due or overdue (update due
    within the reminder window, or the target date passed), then the rest.

    Queries: 1 actions (with plan, report, lead, agency and latest-update annotations),
    1 their recommendations, 1 returned updates still owed. Constant in rows."""
    today = today or timezone.localdate()
    actions = list(
        _with_latest_update(my_actions_queryset(user))
        .select_related("plan__report", "delivery_lead", "partner_agency")
        .prefetch_related(
            Prefetch("recommendations", queryset=Recommendation.objects.order_by("position"))
        )
        .order_by(F("next_update_due").asc(nulls_last=True), "reference", "pk")
    )
    rows = [
        action_row(a, today=today, due_within_days=settings.REMINDER_DAYS_BEFORE, user=user)
        for a in actions
    ]
    due = sorted(
        (row for row in rows if row.is_due),
        key=lambda row: min(
            d for d in (row.action.next_update_due, row.action.current_target_date) if d is not None
        ),
    )
    returned = list(
        _returned_updates_needing_resubmission(
            updates_visible_to(user).filter(action__in=my_actions_queryset(user).values("pk"))
        )
        .select_related("action", "reviewed_by")
        .order_by("reviewed_at", "pk")
    )
    return MyActions(
        returned_updates=returned, due=due, rest=[row for row in rows if not row.is_due]
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


def action_plans_for_list(user: User) -> QuerySet[ActionPlan]:
    """The plan list: each plan with its report, force and owner and its action counts.
    One query (plus the paginator's count)."""
    today = timezone.localdate()
    visible_actions = actions_visible_to(user).values("pk")
    in_scope = Q(actions__in=visible_actions)
    live = in_scope & Q(actions__status__in=Action.LIVE_STATUSES)
    with_update_in_review = ProgressUpdate.objects.filter(
        review_state=ProgressUpdate.Review.SUBMITTED
    ).values("action")
    return (
        action_plans_visible_to(user)
        .select_related("report", "force", "owner")
        .annotate(
            action_count=Count("actions", filter=in_scope, distinct=True),
            finished_count=Count(
                "actions",
                filter=in_scope & Q(actions__status__in=Action.FINISHED_STATUSES),
                distinct=True,
            ),
            red_count=Count("actions", filter=live & Q(actions__rag=Rag.RED), distinct=True),
            # As on the plan page: an update waiting for OPCC review is the lead's part done.
            overdue_count=Count(
                "actions",
                filter=in_scope
                & Q(actions__status__in=UPDATABLE_STATUSES)
                & Q(actions__next_update_due__lt=today)
                & ~Q(actions__in=with_update_in_review),
                distinct=True,
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
    """Submitted updates waiting for OPCC review, oldest first. One query."""
    return (
        updates_visible_to(user)
        .filter(review_state=ProgressUpdate.Review.SUBMITTED)
        .select_related("action__plan__report", "author")
        .annotate(file_count=Count("evidence"))
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


def review_queue_panel(*, user: User, obj=None) -> dict | None:
    """The dashboard panel: what waits for an OPCC decision, oldest first. Queries: 2 counts
    and 2 short lists, whatever the size of the queue."""
    if not user.is_authenticated or not user.is_opcc:
        return None
    updates = updates_awaiting_review(user)
    completions = actions_awaiting_sign_off(user)
    return {
        "update_count": updates.count(),
        "updates": list(updates[:5]),
        "completion_count": completions.count(),
        "completions": list(completions[:5]),
    }


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


def with_rag_and_overdue(
    recommendations: QuerySet[Recommendation], *, user: User, today: datetime.date
) -> QuerySet[Recommendation]:
    """Annotate `rag_rank` (1 complete … 4 red, None without actions), `rag` (the Rag value
    or "none") and `is_overdue`: open and past its due date, or with a live action past its
    current target date. Two correlated subqueries; no query per row."""
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
    late_action = links.filter(action__status__in=Action.LIVE_STATUSES).filter(
        Q(action__revised_target_date__lt=today)
        | Q(action__revised_target_date__isnull=True, action__target_date__lt=today)
    )
    return recommendations.annotate(
        rag_rank=Subquery(worst, output_field=IntegerField()),
        rag=Case(
            *[When(rag_rank=value, then=Value(rag)) for rag, value in RAG_RANKS.items()],
            default=Value(NO_RAG),
            output_field=CharField(),
        ),
        is_overdue=ExpressionWrapper(
            Q(status__in=Recommendation.OPEN_STATUSES)
            & (Q(due_on__lt=today) | Q(Exists(late_action))),
            output_field=BooleanField(),
        ),
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
    "rag": [F("rag_rank").desc(nulls_last=True), "report__title", "position", "pk"],
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
    prefetch_related: priority_areas; the actions the user may see with their delivery
    lead (to_attr `visible_actions`). annotate: rag_rank, rag, is_overdue.
    """
    today = today or timezone.localdate()
    recommendations = recommendations_visible_to(user).select_related(
        "report", "report__force", "cause_of_concern"
    )
    return with_rag_and_overdue(recommendations, user=user, today=today).prefetch_related(
        Prefetch("priority_areas", queryset=PriorityArea.objects.order_by("position")),
        Prefetch(
            "actions",
            queryset=actions_visible_to(user).select_related("delivery_lead").order_by("reference"),
            to_attr="visible_actions",
        ),
    )


def delivery_leads(recommendation: Recommendation) -> list[User]:
    """The distinct delivery leads of the actions prefetched by recommendation_register."""
    leads = {a.delivery_lead_id: a.delivery_lead for a in recommendation.visible_actions}
    return sorted((lead for lead in leads.values() if lead), key=str)


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


def report_page(user: User, pk: int, *, today: datetime.date | None = None) -> ReportPage | None:
    """Everything the report page shows, or None when the user may not see the report.

    Queries (11; a prefetch with nothing to prefetch for is skipped): the report
    (select_related force); findings, their priority areas; judgements; causes of concern,
    their priority areas; priority areas (select_related opcc_lead); the recommendations
    the user may see (select_related cause_of_concern, annotate rag and is_overdue), their
    priority areas; the parent and follow-up reports the user may see; the action plans the
    user may see (select_related report, force, owner).
    """
    today = today or timezone.localdate()
    areas_in_order = PriorityArea.objects.order_by("position")
    report = (
        reports_visible_to(user)
        .select_related("force")
        .prefetch_related(
            Prefetch(
                "findings",
                queryset=Finding.objects.order_by("position", "pk").prefetch_related(
                    Prefetch("priority_areas", queryset=areas_in_order)
                ),
            ),
            Prefetch("judgements", queryset=Judgement.objects.order_by("topic")),
            Prefetch(
                "causes_of_concern",
                queryset=CauseOfConcern.objects.order_by("reference").prefetch_related(
                    Prefetch("priority_areas", queryset=areas_in_order)
                ),
            ),
            Prefetch("priority_areas", queryset=areas_in_order.select_related("opcc_lead")),
        )
        .filter(pk=pk)
        .first()
    )
    if report is None:
        return None
    recommendations = list(
        with_rag_and_overdue(
            recommendations_visible_to(user).filter(report=report), user=user, today=today
        )
        .select_related("cause_of_concern")
        .prefetch_related(Prefetch("priority_areas", queryset=areas_in_order))
        .order_by("position", "pk")
    )
    by_area = defaultdict(list)
    for recommendation in recommendations:
        for area in recommendation.priority_areas.all():
            by_area[area.pk].append(recommendation)
    related = list(
        reports_visible_to(user)
        .filter(Q(pk=report.parent_id) | Q(parent=report))
        .order_by("published_on")
    )
    findings = list(report.findings.all())
    return ReportPage(
        report=report,
        positive_findings=[f for f in findings if f.kind == Finding.Kind.POSITIVE],
        concern_findings=[f for f in findings if f.kind == Finding.Kind.CONCERN],
        judgements=list(report.judgements.all()),
        causes=list(report.causes_of_concern.all()),
        areas=[
            AreaSummary(area, by_area[area.pk], _rag_counts(by_area[area.pk]))
            for area in report.priority_areas.all()
        ],
        recommendations=recommendations,
        unassigned=[r for r in recommendations if not r.priority_areas.all()],
        parent=next((r for r in related if r.pk == report.parent_id), None),
        follow_ups=[r for r in related if r.parent_id == report.pk],
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

DASHBOARD_LIST_LIMIT = 10
DASHBOARD_RECOMMENDATIONS_LIMIT = 200


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


def dashboard_for(user: User, *, today: datetime.date | None = None) -> Dashboard:
    """What the OPCC dashboard shows, all scoped to the user.

    Queries (9), whatever the number of rows: recommendation counts by priority area,
    status and RAG (one GROUP BY); the priority areas of reports still being monitored
    (select_related report); the totals (one aggregate); updates waiting for review (count);
    overdue updates (with the total as a window count, select_related plan__report and
    delivery_lead); actions due in the next 14 days (select_related plan__report,
    delivery_lead); recommendations proposed for closure or due in the next 14 days
    (select_related report, closure_proposed_by); reports with an outstanding statutory
    deadline; updates returned in the last 30 days (select_related action, author,
    reviewed_by, annotate resubmitted).
    """
    today = today or timezone.localdate()
    soon = today + datetime.timedelta(days=DUE_SOON_DAYS)
    monitored = reports_visible_to(user).exclude(status=InspectionReport.Status.CLOSED)
    recommendations = with_rag_and_overdue(
        recommendations_visible_to(user).filter(report__in=monitored.values("pk")),
        user=user,
        today=today,
    )

    counts: dict[int | None, AreaCounts] = {}
    for row in (
        recommendations.order_by()
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
        .filter(report__in=monitored.values("pk"))
        .select_related("report")
        .order_by("-report__published_on", "report__title", "position")
    ):
        area_counts = counts.get(area.pk) or AreaCounts(None, None, {}, {})
        area_counts.area, area_counts.report = area, area.report
        areas.append(area_counts)
    if None in counts:
        areas.append(counts[None])

    totals = recommendations.aggregate(
        all=Count("pk"),
        open=Count("pk", filter=Q(status__in=Recommendation.OPEN_STATUSES)),
        overdue=Count("pk", filter=Q(is_overdue=True)),
        awaiting_sign_off=Count("pk", filter=Q(status=Recommendation.Status.PROPOSED_FOR_CLOSURE)),
    )
    totals["updates_awaiting_review"] = (
        updates_visible_to(user).filter(review_state=ProgressUpdate.Review.SUBMITTED).count()
    )

    live_actions = actions_visible_to(user).filter(
        status__in=Action.LIVE_STATUSES, plan__report__in=monitored.values("pk")
    )
    overdue_updates = list(
        live_actions.filter(next_update_due__lt=today)
        .select_related("plan__report", "delivery_lead")
        .annotate(total=Window(Count("pk")))
        .order_by("next_update_due", "pk")[:DASHBOARD_LIST_LIMIT]
    )

    due_soon = []
    for action in (
        live_actions.annotate(
            current_target=Coalesce("revised_target_date", "target_date"),
        )
        .filter(Q(next_update_due__range=(today, soon)) | Q(current_target__range=(today, soon)))
        .select_related("plan__report", "delivery_lead")
    ):
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
    # One query for both lists of recommendations: proposals waiting for sign-off first.
    proposed = Q(status=Recommendation.Status.PROPOSED_FOR_CLOSURE)
    listed = list(
        recommendations.filter(
            proposed | Q(status__in=Recommendation.OPEN_STATUSES, due_on__range=(today, soon))
        )
        .select_related("report", "closure_proposed_by")
        .annotate(is_proposed=ExpressionWrapper(proposed, output_field=BooleanField()))
        .order_by(F("is_proposed").desc(), "closure_proposed_at", "due_on", "pk")[
            :DASHBOARD_RECOMMENDATIONS_LIMIT
        ]
    )
    awaiting_sign_off = [r for r in listed if r.is_proposed][:DASHBOARD_LIST_LIMIT]
    for recommendation in listed:
        if not (recommendation.due_on and today <= recommendation.due_on <= soon):
            continue
        if recommendation.status not in Recommendation.OPEN_STATUSES:
            continue
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
    for report in monitored.filter(
        Q(section_55_published_on__isnull=True)
        | Q(action_plan_received_on__isnull=True)
        | Q(formal_response_due_on__isnull=False, formal_response_received_on__isnull=True)
    ).select_related("force"):
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
        due_soon=due_soon,
        deadlines=deadlines,
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
