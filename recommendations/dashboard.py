"""The OPCC dashboard: charts of the recommendations by priority area, the totals, and
short lists of what is overdue, due soon, waiting for a decision or returned, every list
bounded with its total and scoped to the user."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import (
    BooleanField,
    Case,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from oversight.models import InspectionReport, PriorityArea, User
from oversight.selectors import (
    outstanding_deadline_condition,
    priority_areas_visible_to,
    report_deadlines,
    reports_visible_to,
)
from recommendations.action_names import action_name_columns, action_name_of
from recommendations.bounded_lists import among_firsts, first_per_partition
from recommendations.models import Action, ProgressUpdate, Recommendation
from recommendations.rag import NO_RAG, RAG_BY_RANK
from recommendations.review_queue import (
    REVIEW_QUEUE_PANEL_LIMIT,
    actions_awaiting_sign_off,
    updates_awaiting_review,
)
from recommendations.selectors import (
    actions_visible_to,
    recommendations_visible_to,
    updates_visible_to,
)
from recommendations.tallies import (
    CHARTED_REPORTS,
    DUE_SOON_DAYS,
    LIST_COUNTS,
    QUARTER_COUNTS,
    TILE_COUNTS,
    counted_for_chart,
    newest_monitored,
    tallied_totals,
    uses_tallies,
)
from recommendations.trends import QuarterTotals, quarter_totals

# Every list on the dashboard is bounded, with its total, so the page costs the same for
# an office overseeing one force as for a reader of all 43.
DASHBOARD_LIST_LIMIT = 10
# The charts show the priority areas of the most recently published reports being
# monitored; the register has every recommendation.
DASHBOARD_CHART_REPORTS = CHARTED_REPORTS
DASHBOARD_DEADLINE_REPORTS = 10
# The lists read only the columns they show: ten rows of the recommendation, its report and
# the person who proposed closing it, not every column of the three tables.
LISTED_RECOMMENDATION_COLUMNS = (
    "reference",
    "status",
    "due_on",
    "closure_proposed_at",
    "report__title",
    *User.name_columns("closure_proposed_by"),
)


@dataclass
class AreaCounts:
    area: PriorityArea | None  # None: recommendations in no priority area
    report: InspectionReport | None
    by_status: dict[str, int]
    by_rag: dict[str, int]
    by_kind: dict[str, int] = field(default_factory=dict)

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
    review_queue: dict | None = None  # what waits for a decision (the panel's lists and counts)
    deadline_reports_total: int = 0  # reports with an outstanding deadline
    deadline_report_limit: int = DASHBOARD_DEADLINE_REPORTS  # how many of them are listed
    chart_report_limit: int = DASHBOARD_CHART_REPORTS
    trends: list[QuarterTotals] = field(default_factory=list)  # the last four quarters

    @property
    def charts_left_out_reports(self) -> bool:
        return self.totals.get("reports", 0) > self.chart_report_limit


def _totals(user: User, *, today: datetime.date) -> tuple[dict, int, dict]:
    """The tiles' counts, "overdue now" and the lists' totals (with the trends' current
    quarter), from the forces' kept rows (recommendations.tallies)."""
    kept = tallied_totals(user, today=today)
    tiles = {name: kept[name] for name in TILE_COUNTS if name != "overdue_elsewhere"}
    lists = {name: kept[name] for name in LIST_COUNTS + QUARTER_COUNTS}
    return tiles, kept["overdue"] + kept["overdue_elsewhere"], lists


def dashboard_for(user: User, *, today: datetime.date | None = None) -> Dashboard:
    """What the OPCC dashboard shows to OPCC staff and readers, all scoped to the user,
    every list bounded.

    Queries (9 when nothing changed since the forces' counts were kept), whatever the
    number of rows: the tiles' and lists' totals (_totals(): each force's kept counts, one
    query, and one more for the forces changed since they were counted, which keeps their
    charted reports' counts too, recommendations.tallies); the newest monitored reports
    with their recommendation counts by priority area, status, RAG and kind as kept (one
    more query, a GROUP BY, only for those a change reached after they were counted); their
    priority areas (select_related report); the lists of actions (the 5 oldest proposed
    completions, the 10 longest overdue updates, the first 10 actions with an update or
    target date in the next 14 days: one query); recommendations proposed for closure and
    those due in the next 14 days (the first 10 of each, one query); the reports with an
    outstanding statutory deadline (the 10 oldest, with the total); the lists of progress
    updates (the 5 oldest waiting for review, the 10 latest returned in the last 30 days,
    annotated resubmitted: one query); and the last four quarters' trends (the stored sums
    of the completed quarters; see recommendations.trends.quarter_totals).
    """
    if not uses_tallies(user):
        raise ValueError("The dashboard is whole forces' (OPCC staff and readers).")
    today = today or timezone.localdate()
    soon = today + datetime.timedelta(days=DUE_SOON_DAYS)
    window = (today, soon)
    monitored = reports_visible_to(user).exclude(status=InspectionReport.Status.CLOSED)
    in_monitored = recommendations_visible_to(user).filter(report__in=monitored.values("pk"))

    # The tiles' and lists' totals first: counting a changed force afresh keeps its charted
    # reports' counts too (recommendations.tallies), read next.
    totals, overdue_now, lists = _totals(user, today=today)

    # The charted reports (the newest monitored), each with its counts by priority area,
    # status, RAG and kind as kept at its force's generation; those not kept at the
    # force's generation now (a change came after they were counted) are counted here.
    charted = list(
        newest_monitored(reports_visible_to(user)).values_list(
            "pk",
            "chart_tally__counted_generation",
            "force__dashboard_tally__generation",
            "chart_tally__counts",
        )[:DASHBOARD_CHART_REPORTS]
    )
    counts: dict[int | None, AreaCounts] = {}

    def count(area, status, rag, kind, n):
        area_counts = counts.setdefault(
            area, AreaCounts(None, None, defaultdict(int), defaultdict(int), defaultdict(int))
        )
        area_counts.by_status[status] += n
        area_counts.by_rag[rag] += n
        area_counts.by_kind[kind] += n

    unkept = []
    for report, counted_generation, generation, kept in charted:
        if kept is None or counted_generation != generation:
            unkept.append(report)
            continue
        for area, status, rank, kind, n in kept:
            count(area, status, RAG_BY_RANK.get(rank, NO_RAG), kind, n)
    if unkept:
        for row in counted_for_chart(
            recommendations_visible_to(user).filter(report__in=unkept), user=user
        ):
            count(row["priority_areas"], row["status"], row["rag"], row["kind"], row["n"])
    areas = []
    for area in (
        priority_areas_visible_to(user)
        .filter(report__in=[row[0] for row in charted])
        .select_related("report")
        .order_by("-report__published_on", "report__title", "position")
    ):
        area_counts = counts.get(area.pk) or AreaCounts(None, None, {}, {})
        area_counts.area, area_counts.report = area, area.report
        areas.append(area_counts)
    if None in counts:
        areas.append(counts[None])

    updates_waiting, completions_waiting = lists["updates_waiting"], lists["completions_waiting"]
    totals["updates_awaiting_review"] = updates_waiting

    # The three lists of actions (the proposed completions waiting for sign-off, overdue
    # updates, and what falls due in the next 14 days) in one query: each list's first rows
    # picked by key in its index's order, then read together with what they show, each
    # flagged with the lists it belongs to, and put in each list's order here. A list's
    # first rows are all among those picked, so each is what a query of its own would give.
    live = Q(status__in=Action.LIVE_STATUSES) & ~Q(
        plan__report__status=InspectionReport.Status.CLOSED
    )
    live_actions = actions_visible_to(user).filter(live)
    # actions_awaiting_sign_off()'s condition, to flag the rows read.
    pending = Q(status=Action.Status.PENDING_SIGN_OFF)
    overdue = live & Q(next_update_due__lt=today)
    # Actions due soon, soonest first: an action counts from the earlier of its dates
    # that falls in the window (an update due, or its current target date).
    update_due = Q(next_update_due__range=window)
    target_due = Q(current_target__range=window)

    def with_soonest(actions):
        return actions.annotate(
            current_target=Coalesce("revised_target_date", "target_date")
        ).annotate(
            soonest=Case(
                When(
                    update_due & (~target_due | Q(next_update_due__lte=F("current_target"))),
                    then="next_update_due",
                ),
                default="current_target",
            )
        )

    # The first ten by the soonest date are among the first ten by either date (an action
    # ahead of another by the soonest is ahead by that date too).
    firsts = [
        # The review queue's own list, oldest first (only the keys: its joins are dropped).
        actions_awaiting_sign_off(user).values("pk")[:REVIEW_QUEUE_PANEL_LIMIT],
        live_actions.filter(overdue)
        .order_by("next_update_due", "pk")
        .values("pk")[:DASHBOARD_LIST_LIMIT],
        live_actions.filter(update_due)
        .order_by("next_update_due", "pk")
        .values("pk")[:DASHBOARD_LIST_LIMIT],
        with_soonest(live_actions)
        .filter(target_due)
        .order_by("current_target", "pk")
        .values("pk")[:DASHBOARD_LIST_LIMIT],
    ]
    flags = {
        "is_pending": pending,
        "is_overdue": overdue,
        "is_due": live & (update_due | target_due),
    }
    picked_actions = list(
        with_soonest(among_firsts(Action.objects.all(), firsts))
        .annotate(
            **{name: ExpressionWrapper(q, output_field=BooleanField()) for name, q in flags.items()}
        )
        .select_related("plan__report", "plan__force", "delivery_lead", "completion_proposed_by")
        .only(
            *action_name_columns(),
            *User.name_columns("delivery_lead"),
            *User.name_columns("completion_proposed_by"),
            "description",
            "next_update_due",
            "target_date",
            "revised_target_date",
            "completion_proposed_at",
        )
    )
    completions = sorted(
        (action for action in picked_actions if action.is_pending),
        key=lambda action: (
            action.completion_proposed_at is None,
            action.completion_proposed_at,
            action.pk,
        ),
    )[:REVIEW_QUEUE_PANEL_LIMIT]
    overdue_updates = sorted(
        (action for action in picked_actions if action.is_overdue),
        key=lambda action: (action.next_update_due, action.pk),
    )[:DASHBOARD_LIST_LIMIT]
    due_actions = sorted(
        (action for action in picked_actions if action.is_due),
        key=lambda action: (action.soonest, action.pk),
    )[:DASHBOARD_LIST_LIMIT]
    due_soon, due_soon_total = [], lists["updates_due"] + lists["targets_due"]
    for action in due_actions:
        lead = str(action.delivery_lead or _("No lead"))
        if action.next_update_due and today <= action.next_update_due <= soon:
            due_soon.append(
                DueItem(
                    action.next_update_due,
                    _("Update due"),
                    f"{action_name_of(action)}: {action.description}",
                    action.get_absolute_url(),
                    lead,
                )
            )
        if today <= action.current_target <= soon:
            due_soon.append(
                DueItem(
                    action.current_target,
                    _("Action target date"),
                    f"{action_name_of(action)}: {action.description}",
                    action.get_absolute_url(),
                    lead,
                )
            )

    # Both lists of progress updates (the oldest submitted, waiting for review, and those
    # returned in the last 30 days, latest first) in one query the same way: the first
    # rows of each picked by key, then read with their action, plan, report and people.
    updates = list(
        among_firsts(
            ProgressUpdate.objects.all(),
            [
                updates_awaiting_review(user).values("pk")[:REVIEW_QUEUE_PANEL_LIMIT],
                updates_visible_to(user)
                .filter(
                    review_state=ProgressUpdate.Review.RETURNED,
                    reviewed_at__gte=timezone.now() - datetime.timedelta(days=30),
                )
                .order_by("-reviewed_at", "-pk")
                .values("pk")[:DASHBOARD_LIST_LIMIT],
            ],
        )
        .select_related("action__plan__report", "action__plan__force", "author", "reviewed_by")
        .only(
            *action_name_columns("action"),
            *User.name_columns("author"),
            *User.name_columns("reviewed_by"),
            "action__description",
            "review_state",
            "written_on",
            "created_at",
            "reviewed_at",
            "review_comment",
        )
        .annotate(resubmitted=Exists(ProgressUpdate.objects.filter(resubmission_of=OuterRef("pk"))))
    )
    review_queue = {
        "update_count": updates_waiting,
        "updates": sorted(
            (u for u in updates if u.review_state == ProgressUpdate.Review.SUBMITTED),
            key=lambda u: (u.created_at, u.pk),
        ),
        "completion_count": completions_waiting,
        "completions": completions,
        "extension_count": totals.pop("extensions_waiting"),
    }
    returned_updates = sorted(
        (u for u in updates if u.review_state == ProgressUpdate.Review.RETURNED),
        key=lambda u: (u.reviewed_at, u.pk),
        reverse=True,
    )

    # One query for both lists of recommendations: the first 10 proposals waiting for
    # sign-off (oldest proposal first) and the first 10 open ones due soon.
    proposed = Q(status=Recommendation.Status.PROPOSED_FOR_CLOSURE)
    due_open = Q(
        status__in=[Recommendation.Status.OPEN, Recommendation.Status.IN_PROGRESS],
        due_on__range=window,
    )
    is_proposed = ExpressionWrapper(proposed, output_field=BooleanField())
    order = [
        F("closure_proposed_at").asc(nulls_last=True),
        F("due_on").asc(nulls_last=True),
        F("pk").asc(),
    ]
    # The first ten of each read in order and stopped (the partial indexes
    # rec_proposed_idx and rec_open_due_idx), not every match ranked; their totals are kept.
    firsts = [
        in_monitored.filter(condition).order_by(*order).values("pk")[:DASHBOARD_LIST_LIMIT]
        for condition in (proposed, due_open)
    ]
    listed = list(
        among_firsts(Recommendation.objects.all(), firsts)
        .select_related("report", "closure_proposed_by")
        .only(*LISTED_RECOMMENDATION_COLUMNS)
        .annotate(is_proposed=is_proposed)
        .order_by(*order)
    )
    awaiting_sign_off = [r for r in listed if r.is_proposed]
    due_recommendations = [r for r in listed if not r.is_proposed]
    due_soon_total += lists["recommendations_due"]
    for recommendation in due_recommendations:
        due_soon.append(
            DueItem(
                recommendation.due_on,
                _("Recommendation due"),
                f"{recommendation.reference} · {recommendation.report}",
                recommendation.get_absolute_url(),
                "",
            )
        )
    due_soon.sort(key=lambda item: (item.due_on, item.what, item.title))

    deadlines = []
    outstanding = first_per_partition(
        monitored.filter(outstanding_deadline_condition()).select_related("force"),
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
        overdue_updates_total=lists["overdue_updates"],
        due_soon=due_soon[:DASHBOARD_LIST_LIMIT],
        due_soon_total=due_soon_total,
        review_queue=review_queue,
        deadlines=deadlines,
        deadline_reports_total=outstanding[0].total if outstanding else 0,
        awaiting_sign_off=awaiting_sign_off,
        returned_updates=returned_updates,
        trends=quarter_totals(
            user,
            as_at=today,
            overdue_now=overdue_now,
            moved=(lists["quarter_added"], lists["quarter_closed"]),
        ),
    )
