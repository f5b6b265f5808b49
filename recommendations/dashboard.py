"""The OPCC dashboard: charts of the recommendations by priority area, the totals, and
short lists of what is overdue, due soon, waiting for a decision or returned, every list
bounded with its total and scoped to the user."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Count,
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
from recommendations.bounded_lists import count_of, first_per_partition, first_with_total
from recommendations.filters import (
    CLOSED_NOT_COMPLETE,
    COMPLETE_STILL_OPEN,
    divergence_condition,
)
from recommendations.models import Action, ExtensionRequest, ProgressUpdate, Recommendation
from recommendations.rag import overdue_for_counting, with_rag_and_overdue
from recommendations.review_queue import review_queue_panel
from recommendations.selectors import (
    actions_visible_to,
    extensions_visible_to,
    recommendations_visible_to,
    updates_visible_to,
)
from recommendations.tallies import (
    DUE_SOON_DAYS,
    LIST_COUNTS,
    QUARTER_COUNTS,
    TILE_COUNTS,
    tallied_totals,
    uses_tallies,
)
from recommendations.trends import QuarterTotals, quarter_totals

# Every list on the dashboard is bounded, with its total, so the page costs the same for
# an office overseeing one force as for a reader of all 43.
DASHBOARD_LIST_LIMIT = 10
# The charts show the priority areas of the most recently published reports being
# monitored; the register has every recommendation.
DASHBOARD_CHART_REPORTS = 10
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
    review_queue: dict | None = None  # review_queue_panel(): what waits for a decision
    deadline_reports_total: int = 0  # reports with an outstanding deadline
    deadline_report_limit: int = DASHBOARD_DEADLINE_REPORTS  # how many of them are listed
    chart_report_limit: int = DASHBOARD_CHART_REPORTS
    trends: list[QuarterTotals] = field(default_factory=list)  # the last four quarters

    @property
    def charts_left_out_reports(self) -> bool:
        return self.totals.get("reports", 0) > self.chart_report_limit


def _overdue_for_counting(*, user: User, today: datetime.date) -> Q:
    """overdue_condition() for counting every recommendation the user sees at once
    (overdue_for_counting): the late actions are those the user sees, and an action serves
    only recommendations of its own plan's report, so none of the user's rows is left out."""
    return overdue_for_counting(actions_visible_to(user), today=today)


def _totals(user: User, *, today: datetime.date) -> tuple[dict, int, dict | None]:
    """The tiles' counts, "overdue now" and the lists' totals (with the trends' current
    quarter): from the forces' kept rows for OPCC staff and readers
    (recommendations.tallies), otherwise the tiles' counted now (_counted_totals) and the
    lists' counted with them (None)."""
    if uses_tallies(user):
        kept = tallied_totals(user, today=today)
        tiles = {name: kept[name] for name in TILE_COUNTS if name != "overdue_elsewhere"}
        lists = {name: kept[name] for name in LIST_COUNTS + QUARTER_COUNTS}
        return tiles, kept["overdue"] + kept["overdue_elsewhere"], lists
    return (*_counted_totals(user, today=today), None)


def _counted_totals(user: User, *, today: datetime.date) -> tuple[dict, int]:
    """The tiles' counts over every recommendation the user sees on a monitored report, and
    "overdue now" over all of them (the trends count those of closed reports too).

    One GROUP BY over status, kind and four yes/no columns (monitored, overdue and the two
    divergences from HMICFRS's status), a few dozen groups summed here, rather than a dozen
    filtered counts each testing its conditions again on every row. The number of
    monitored reports and of requests to move a target date waiting for a decision come
    with it, each counted once."""
    flags = {
        "monitored": ~Q(report__status=InspectionReport.Status.CLOSED),
        "overdue": _overdue_for_counting(user=user, today=today),
        "closed_not_complete": divergence_condition(CLOSED_NOT_COMPLETE),
        "complete_still_open": divergence_condition(COMPLETE_STILL_OPEN),
    }
    # The reports the charts' ten are drawn from: every monitored one, with recommendations
    # recorded yet or not.
    monitored_reports = reports_visible_to(user).exclude(status=InspectionReport.Status.CLOSED)
    # Requests to move a target date waiting for the OPCC's decision (the review queue's
    # third list): counted here, once, rather than by a query of their own.
    pending_extensions = extensions_visible_to(user).filter(
        decision=ExtensionRequest.Decision.PENDING
    )
    groups = (
        recommendations_visible_to(user)
        .annotate(
            **{name: ExpressionWrapper(q, output_field=BooleanField()) for name, q in flags.items()}
        )
        .values("status", "kind", *flags)
        .annotate(
            n=Count("pk"),
            reports=count_of(monitored_reports),
            extensions=count_of(pending_extensions),
        )
        .order_by()
    )
    # The kept counts' names (recommendations.tallies), "overdue now" apart.
    totals = dict.fromkeys((name for name in TILE_COUNTS if name != "overdue_elsewhere"), 0)
    overdue_elsewhere = 0
    grouped = False
    for group in groups:
        n, grouped = group["n"], True
        totals["reports"] = group["reports"]
        totals["extensions_waiting"] = group["extensions"]
        if not group["monitored"]:
            overdue_elsewhere += n if group["overdue"] else 0
            continue
        kind = (
            "afis"
            if group["kind"] == Recommendation.Kind.AREA_FOR_IMPROVEMENT
            else "recommendations"
        )
        totals["all"] += n
        totals[kind] += n
        if group["status"] in Recommendation.OPEN_STATUSES:
            totals["open"] += n
            totals[f"open_{kind}"] += n
        if group["status"] == Recommendation.Status.PROPOSED_FOR_CLOSURE:
            totals["awaiting_sign_off"] += n
        for flag in ("overdue", "closed_not_complete", "complete_still_open"):
            totals[flag] += n if group[flag] else 0
    if not grouped:
        # No recommendation to carry the counts: an office whose reports have none
        # recorded yet (two more queries, for that office only).
        totals["reports"] = monitored_reports.count()
        totals["extensions_waiting"] = pending_extensions.count()
    return totals, totals["overdue"] + overdue_elsewhere


def dashboard_for(user: User, *, today: datetime.date | None = None) -> Dashboard:
    """What the OPCC dashboard shows, all scoped to the user, every list bounded.

    Queries (12), whatever the number of rows: the priority areas of the newest monitored
    reports (select_related report); their recommendation counts by priority area, status
    and RAG (one GROUP BY); the tiles' totals (_totals(): for OPCC staff and readers each
    force's kept counts, one query, and one more for the forces changed since they were
    counted, recommendations.tallies, which keeps the lists' totals too: the lists below
    then read their first rows only, otherwise each counts its total as well); the review
    queue (the oldest 5 submitted updates, select_related action, author; the oldest 5
    proposed completions, select_related completion_proposed_by); overdue updates (the
    first 10; select_related plan__report, delivery_lead); actions with an update or
    target date in the next 14 days (the first 10); recommendations proposed for closure
    and those due in the next 14 days (the first 10 of each; select_related report,
    closure_proposed_by); the reports with an
    outstanding statutory deadline (the 10 oldest, with the total); updates returned in
    the last 30 days (select_related action, author, reviewed_by, annotate resubmitted);
    and the last four quarters' trends (the stored sums of the completed quarters; and,
    unless the forces' kept counts hold them, the versions of the recommendations changed
    this quarter; see recommendations.trends.quarter_totals).
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
        .values("priority_areas", "status", "rag", "kind")
        .annotate(n=Count("pk", distinct=True))
    ):
        area_counts = counts.setdefault(
            row["priority_areas"],
            AreaCounts(None, None, defaultdict(int), defaultdict(int), defaultdict(int)),
        )
        area_counts.by_status[row["status"]] += row["n"]
        area_counts.by_rag[row["rag"]] += row["n"]
        area_counts.by_kind[row["kind"]] += row["n"]
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

    totals, overdue_now, lists = _totals(user, today=today)
    review_queue = review_queue_panel(
        user=user,
        extensions_waiting=totals.pop("extensions_waiting"),
        waiting=lists and (lists["updates_waiting"], lists["completions_waiting"]),
    )
    totals["updates_awaiting_review"] = review_queue["update_count"] if review_queue else 0

    # The report's status read through the join the scoping already makes, not a second
    # IN (…) over the user's reports.
    live_actions = (
        actions_visible_to(user)
        .filter(status__in=Action.LIVE_STATUSES)
        .exclude(plan__report__status=InspectionReport.Status.CLOSED)
    )
    # Both action lists are picked by key among the live actions, then read with what they
    # show (first_with_total's read_with): ten rows joined to their plan, report, force
    # and lead, not the thousands that match for a reader of every force.
    shown_actions = Action.objects.select_related(
        "plan__report", "plan__force", "delivery_lead"
    ).only(
        *action_name_columns(),
        *User.name_columns("delivery_lead"),
        "description",
        "next_update_due",
        "target_date",
        "revised_target_date",
    )
    # The lists' totals are the forces' kept ones where there are (see _totals()): then
    # only the first rows are read, not every one that matches counted.
    overdue_updates = first_with_total(
        live_actions.filter(next_update_due__lt=today),
        limit=DASHBOARD_LIST_LIMIT,
        order_by=["next_update_due", "pk"],
        read_with=shown_actions,
        counted=lists and {"total": lists["overdue_updates"]},
    )

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

    due = with_soonest(live_actions).filter(update_due | target_due)
    if lists:
        # With the totals kept, the first ten by the soonest date are among the first ten
        # by either date (an action ahead of another by the soonest is ahead by that
        # date too): both read in their indexes' order, and those twenty read by key,
        # not every due action sorted.
        by_update = live_actions.filter(update_due).order_by("next_update_due", "pk")
        by_target = with_soonest(live_actions).filter(target_due).order_by("current_target", "pk")
        firsts = [
            candidates.values("pk")[:DASHBOARD_LIST_LIMIT] for candidates in (by_update, by_target)
        ]
        if connection.features.supports_slicing_ordering_in_compound:
            due = with_soonest(Action.objects.filter(pk__in=firsts[0].union(firsts[1])))
        else:  # SQLite: no LIMIT inside a UNION
            due = due.filter(Q(pk__in=firsts[0]) | Q(pk__in=firsts[1]))
    due_actions = first_with_total(
        due,
        limit=DASHBOARD_LIST_LIMIT,
        order_by=["soonest", "pk"],
        totals={"updates_due": update_due, "targets_due": target_due},
        read_with=with_soonest(shown_actions),
        counted=lists and {name: lists[name] for name in ("updates_due", "targets_due")},
    )
    due_soon, due_soon_total = [], 0
    if due_actions:
        due_soon_total = due_actions[0].updates_due + due_actions[0].targets_due
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
    if lists and connection.features.supports_slicing_ordering_in_compound:
        # With the totals kept: the first ten of each read in order and stopped (the
        # partial indexes rec_proposed_idx and rec_open_due_idx), not every match ranked.
        firsts = [
            in_monitored.filter(condition).order_by(*order).values("pk")[:DASHBOARD_LIST_LIMIT]
            for condition in (proposed, due_open)
        ]
        listed = list(
            Recommendation.objects.filter(pk__in=firsts[0].union(firsts[1]))
            .select_related("report", "closure_proposed_by")
            .only(*LISTED_RECOMMENDATION_COLUMNS)
            .annotate(is_proposed=is_proposed)
            .order_by(*order)
        )
        kept = {True: totals["awaiting_sign_off"], False: lists["recommendations_due"]}
        for recommendation in listed:
            recommendation.total = kept[recommendation.is_proposed]
    else:
        listed = first_per_partition(
            in_monitored.filter(proposed | due_open)
            .select_related("report", "closure_proposed_by")
            .only(*LISTED_RECOMMENDATION_COLUMNS)
            .annotate(is_proposed=is_proposed),
            limit=DASHBOARD_LIST_LIMIT,
            partition_by=[is_proposed],
            order_by=order,
        )
    awaiting_sign_off = [r for r in listed if r.is_proposed]
    due_recommendations = [r for r in listed if not r.is_proposed]
    # Each row carries its list's total.
    due_soon_total += due_recommendations[0].total if due_recommendations else 0
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

    # The ten rows picked first (the subquery), then read with what they show: the database
    # joins the action, plan, report and people of ten updates, not of every one returned.
    returned = updates_visible_to(user).filter(
        review_state=ProgressUpdate.Review.RETURNED,
        reviewed_at__gte=timezone.now() - datetime.timedelta(days=30),
    )
    returned_updates = list(
        ProgressUpdate.objects.filter(
            pk__in=returned.order_by("-reviewed_at", "-pk").values("pk")[:DASHBOARD_LIST_LIMIT]
        )
        .select_related("action__plan__report", "action__plan__force", "author", "reviewed_by")
        .only(
            *action_name_columns("action"),
            *User.name_columns("author"),
            *User.name_columns("reviewed_by"),
            "written_on",
            "reviewed_at",
            "review_comment",
        )
        .annotate(resubmitted=Exists(ProgressUpdate.objects.filter(resubmission_of=OuterRef("pk"))))
        .order_by("-reviewed_at", "-pk")
    )

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
        returned_updates=returned_updates,
        trends=quarter_totals(
            user,
            as_at=today,
            overdue_now=overdue_now,
            moved=lists and (lists["quarter_added"], lists["quarter_closed"]),
        ),
    )
