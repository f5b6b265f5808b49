"""The OPCC dashboard: charts of the recommendations by priority area, the totals, and
short lists of what is overdue, due soon, waiting for a decision or returned, every list
bounded with its total and scoped to the user."""

import datetime
import heapq
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from oversight.models import InspectionReport, PriorityArea, User
from oversight.selectors import (
    outstanding_deadline_condition,
    priority_areas_visible_to,
    report_deadlines,
    reports_visible_to,
)
from oversight.shared.built_querysets import built_once_per_person, rows_for_ids, rows_of
from oversight.shared.urls import url_pattern
from recommendations.action_names import action_name
from recommendations.bounded_lists import first_per_partition_unread
from recommendations.models import ProgressUpdate
from recommendations.rag import NO_RAG, RAG_BY_RANK
from recommendations.review_queue import REVIEW_QUEUE_PANEL_LIMIT
from recommendations.selectors import recommendations_visible_to
from recommendations.tallies import (
    CHARTED_REPORTS,
    DUE_SOON_DAYS,
    LIST_COUNTS,
    LIST_LIMIT,
    LISTED_ACTION_COLUMNS,
    LISTED_RECOMMENDATION_COLUMNS,
    LISTED_UPDATE_COLUMNS,
    QUARTER_COUNTS,
    RETURNED_DAYS,
    TILE_COUNTS,
    counted_for_chart,
    newest_monitored,
    tallied,
    uses_tallies,
)
from recommendations.trends import QuarterTotals, quarter_totals

# Every list on the dashboard is bounded, with its total, so the page costs the same for
# an office overseeing one force as for a reader of all 43.
DASHBOARD_LIST_LIMIT = LIST_LIMIT
# The charts show the priority areas of the most recently published reports being
# monitored; the register has every recommendation.
DASHBOARD_CHART_REPORTS = CHARTED_REPORTS
DASHBOARD_DEADLINE_REPORTS = 10


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


# The lists' rows, as their forces' rows keep them (recommendations.tallies.LISTED): what
# the lists show, read without a query. A row's values are read from the kept row when
# asked for: of a reader of every force's hundreds of rows, the lists show a few dozen.


def _day(value: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None


def _moment(value: str | None) -> datetime.datetime | None:
    return datetime.datetime.fromisoformat(value) if value else None


def _column(columns: tuple[str, ...], name: str, read=None) -> property:
    index = columns.index(name)
    if read is None:
        return property(lambda listed: listed.row[index])
    return property(lambda listed: read(listed.row[index]))


def _person(columns: tuple[str, ...], relation: str) -> property:
    """A person's name as str(User) writes it; None without one."""
    first = columns.index(f"{relation}__first_name")

    def name(listed):
        first_name, last_name, username = listed.row[first : first + 3]
        return None if username is None else User.name_from(first_name, last_name, username)

    return property(name)


def _action_name(columns: tuple[str, ...], relation: str = "") -> property:
    """The action's name as recommendations.action_names.action_name_of() writes it."""
    prefix = f"{relation}__" if relation else ""
    first = columns.index(f"{prefix}reference")

    def name(listed):
        reference, plan_title, report_title, force = listed.row[first : first + 4]
        return action_name(reference, plan_title=plan_title, report_title=report_title, force=force)

    return property(name)


class _Listed:
    """A kept row, its values read by name (a property per column) once it is listed."""

    __slots__ = ("row",)
    url_name = ""

    def __init__(self, row: list):
        self.row = row

    def __repr__(self):
        return f"<{type(self).__name__} {self.row[0]}>"

    def get_absolute_url(self) -> str:
        return url_pattern(self.url_name) % self.row[0]


class ListedAction(_Listed):
    __slots__ = ()
    url_name = "recommendations:action_detail"
    _columns = LISTED_ACTION_COLUMNS
    pk = _column(_columns, "pk")
    name = _action_name(_columns)
    description = _column(_columns, "listed_description")
    report_title = _column(_columns, "plan__report__title")
    next_update_due = _column(_columns, "next_update_due", _day)
    completion_proposed_at = _column(_columns, "completion_proposed_at", _moment)
    delivery_lead = _person(_columns, "delivery_lead")
    completion_proposed_by = _person(_columns, "completion_proposed_by")
    is_pending = _column(_columns, "is_pending")  # waiting for sign-off
    is_overdue = _column(_columns, "is_overdue")  # live, its update overdue
    is_due = _column(_columns, "is_due")  # live, an update or target date in 14 days
    _target = _columns.index("target_date")
    _revised_target = _columns.index("revised_target_date")

    @property
    def current_target(self) -> datetime.date:
        return _day(self.row[self._revised_target] or self.row[self._target])


class ListedUpdate(_Listed):
    __slots__ = ()
    _columns = LISTED_UPDATE_COLUMNS
    pk = _column(_columns, "pk")
    action_id = _column(_columns, "action_id")
    action_name = _action_name(_columns, "action")
    action_description = _column(_columns, "listed_description")
    review_state = _column(_columns, "review_state")
    written_on = _column(_columns, "written_on", _day)
    created_at = _column(_columns, "created_at", _moment)
    reviewed_at = _column(_columns, "reviewed_at", _moment)
    review_comment = _column(_columns, "listed_comment")
    author = _person(_columns, "author")
    reviewed_by = _person(_columns, "reviewed_by")
    resubmitted = _column(_columns, "resubmitted")  # a later update answers it


class ListedRecommendation(_Listed):
    __slots__ = ()
    url_name = "recommendations:recommendation_detail"
    _columns = LISTED_RECOMMENDATION_COLUMNS
    pk = _column(_columns, "pk")
    reference = _column(_columns, "reference")
    status = _column(_columns, "status")
    due_on = _column(_columns, "due_on", _day)
    closure_proposed_at = _column(_columns, "closure_proposed_at", _moment)
    report_title = _column(_columns, "report__title")
    closure_proposed_by = _person(_columns, "closure_proposed_by")
    is_proposed = _column(_columns, "is_proposed")  # else open and due in 14 days


@dataclass
class OverdueUpdate:
    action: ListedAction
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
    awaiting_sign_off: list[ListedRecommendation]
    returned_updates: list[ListedUpdate]
    due_soon_total: int = 0
    review_queue: dict | None = None  # what waits for a decision (the panel's lists and counts)
    deadline_reports_total: int = 0  # reports with an outstanding deadline
    deadline_report_limit: int = DASHBOARD_DEADLINE_REPORTS  # how many of them are listed
    chart_report_limit: int = DASHBOARD_CHART_REPORTS
    trends: list[QuarterTotals] = field(default_factory=list)  # the last four quarters

    @property
    def charts_left_out_reports(self) -> bool:
        return self.totals.get("reports", 0) > self.chart_report_limit


def _totals(user: User, *, today: datetime.date) -> tuple[dict, int, dict, list[dict]]:
    """The tiles' counts, "overdue now", the lists' totals (with the trends' current
    quarter) and each force's lists' first rows, from the forces' kept rows
    (recommendations.tallies)."""
    kept, listed = tallied(user, today=today)
    tiles = {name: kept[name] for name in TILE_COUNTS if name != "overdue_elsewhere"}
    lists = {name: kept[name] for name in LIST_COUNTS + QUARTER_COUNTS}
    return tiles, kept["overdue"] + kept["overdue_elsewhere"], lists, listed


def _kept(listed: list[dict], kind: str) -> list[list]:
    return [row for kept in listed for row in kept.get(kind, ())]


def _at(columns: tuple[str, ...], *names: str) -> tuple[int, ...]:
    return tuple(columns.index(name) for name in names)


# Where the lists' order and conditions read a kept row: they are applied to the rows as
# kept (a reader of every force's are some 3,000), and only those listed are made
# Listed…s. A day is kept as ISO text ("2026-12-06"), which orders as the days do; a
# moment is read as one, as only the rows of its list are.
_ACTION = _at(
    LISTED_ACTION_COLUMNS,
    "pk",
    "is_pending",
    "is_overdue",
    "is_due",
    "completion_proposed_at",
    "next_update_due",
    "target_date",
    "revised_target_date",
)
_UPDATE = _at(LISTED_UPDATE_COLUMNS, "pk", "review_state", "created_at", "reviewed_at")
_RECOMMENDATION = _at(
    LISTED_RECOMMENDATION_COLUMNS, "pk", "is_proposed", "closure_proposed_at", "due_on"
)


# The dashboard's reads that depend on nothing but the person and the day: built once per
# person, day and language in a process and compiled once (oversight.shared.
# built_querysets); the rows are read afresh on every request.


@built_once_per_person
def _charted_reports(user: User, *, today: datetime.date | None = None) -> QuerySet:
    """The charted reports (the newest monitored), each with its counts as kept and the
    generations that tell whether they still hold."""
    return newest_monitored(reports_visible_to(user)).values_list(
        "pk",
        "chart_tally__counted_generation",
        "force__dashboard_tally__generation",
        "chart_tally__counts",
    )[:DASHBOARD_CHART_REPORTS]


def _charted_areas(
    user: User, ids: list[int], *, today: datetime.date | None = None
) -> QuerySet[PriorityArea]:
    """The priority areas of the charted reports `ids`, in the charts' order: read
    compiled once per person, day and number of reports (built_querysets.rows_for_ids)."""
    return (
        priority_areas_visible_to(user)
        .filter(report__in=ids)
        .select_related("report")
        .order_by("-report__published_on", "report__title", "position")
    )


@built_once_per_person
def _outstanding_deadline_reports(
    user: User, *, today: datetime.date | None = None
) -> QuerySet[InspectionReport]:
    """The monitored reports with a statutory deadline outstanding, the 10 oldest, each
    with the total and its force."""
    return first_per_partition_unread(
        reports_visible_to(user)
        .exclude(status=InspectionReport.Status.CLOSED)
        .filter(outstanding_deadline_condition())
        .select_related("force"),
        limit=DASHBOARD_DEADLINE_REPORTS,
        order_by=[F("published_on").asc(), F("pk").asc()],
    )


def dashboard_for(user: User, *, today: datetime.date | None = None) -> Dashboard:
    """What the OPCC dashboard shows to OPCC staff and readers, all scoped to the user,
    every list bounded.

    Queries (6 when nothing changed since the forces' counts were kept), whatever the
    number of rows: the tiles' and lists' totals with each force's kept first rows of
    every list (_totals(): each force's kept row, one query, and one more for the forces
    changed since they were counted, which keeps their charted reports' counts and their
    lists' first rows too, recommendations.tallies); the newest monitored reports with
    their recommendation counts by priority area, status, RAG and kind as kept (one more
    query, a GROUP BY, only for those a change reached after they were counted); their
    priority areas (select_related report); the reports with an outstanding statutory
    deadline (the 10 oldest, with the total); and the last four quarters' trends (the
    stored sums of the completed quarters; see recommendations.trends.quarter_totals).
    The lists (the 5 oldest proposed completions and updates waiting for review, the 10
    longest overdue updates, the first 10 actions with an update or target date in the
    next 14 days, the 10 latest updates returned in the last 30 days, the first 10
    recommendations proposed for closure and due in the next 14 days) are put together
    from the forces' kept first rows, without a query.
    """
    if not uses_tallies(user):
        raise ValueError("The dashboard is whole forces' (OPCC staff and readers).")
    today = today or timezone.localdate()
    soon = today + datetime.timedelta(days=DUE_SOON_DAYS)

    # The tiles' and lists' totals first: counting a changed force afresh keeps its charted
    # reports' counts too (recommendations.tallies), read next.
    totals, overdue_now, lists, listed = _totals(user, today=today)

    # The charted reports (the newest monitored), each with its counts by priority area,
    # status, RAG and kind as kept at its force's generation; those not kept at the
    # force's generation now (a change came after they were counted) are counted here.
    charted = rows_of(_charted_reports(user, today=today))
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
    for area in rows_for_ids(user, _charted_areas, [row[0] for row in charted], today=today):
        area_counts = counts.get(area.pk) or AreaCounts(None, None, {}, {})
        area_counts.area, area_counts.report = area, area.report
        areas.append(area_counts)
    if None in counts:
        areas.append(counts[None])

    updates_waiting, completions_waiting = lists["updates_waiting"], lists["completions_waiting"]
    totals["updates_awaiting_review"] = updates_waiting

    # The lists' first rows, from each force's kept first rows of each list (any list's
    # first rows over the user's forces are among them), put in each list's order here
    # (heapq.nsmallest(n, rows, key) is sorted(rows, key=key)[:n]).
    pk, pending, overdue, due, proposed_at, update_on, target_on, revised_on = _ACTION
    actions = _kept(listed, "actions")
    completions = [
        ListedAction(row)
        for row in heapq.nsmallest(
            REVIEW_QUEUE_PANEL_LIMIT,
            (row for row in actions if row[pending]),
            key=lambda row: (row[proposed_at] is None, _moment(row[proposed_at]), row[pk]),
        )
    ]
    overdue_updates = [
        ListedAction(row)
        for row in heapq.nsmallest(
            DASHBOARD_LIST_LIMIT,
            (row for row in actions if row[overdue]),
            key=lambda row: (row[update_on], row[pk]),
        )
    ]
    # Actions due soon, soonest first: an action counts from the earlier of its dates
    # that falls in the window (an update due, or its current target date).
    first_day, last_day = today.isoformat(), soon.isoformat()
    due_actions = []
    for row in actions:
        if not row[due]:
            continue
        update_due_on, target = row[update_on], row[revised_on] or row[target_on]
        update_due = update_due_on is not None and first_day <= update_due_on <= last_day
        target_due = first_day <= target <= last_day
        soonest = (
            update_due_on if update_due and (not target_due or update_due_on <= target) else target
        )
        due_actions.append((soonest, row[pk], update_due, target_due, row))
    due_soon, due_soon_total = [], lists["updates_due"] + lists["targets_due"]
    for _soonest, _pk, update_due, target_due, row in heapq.nsmallest(
        DASHBOARD_LIST_LIMIT, due_actions, key=lambda due: due[:2]
    ):
        action = ListedAction(row)
        lead = action.delivery_lead or _("No lead")
        title = f"{action.name}: {action.description}"
        if update_due:
            due_soon.append(
                DueItem(
                    action.next_update_due,
                    _("Update due"),
                    title,
                    action.get_absolute_url(),
                    lead,
                )
            )
        if target_due:
            due_soon.append(
                DueItem(
                    action.current_target,
                    _("Action target date"),
                    title,
                    action.get_absolute_url(),
                    lead,
                )
            )

    # The progress updates waiting for review (the oldest) and those returned in the last
    # 30 days (the latest).
    pk, state, created_at, reviewed_at = _UPDATE
    updates = _kept(listed, "updates")
    returned_since = timezone.now() - datetime.timedelta(days=RETURNED_DAYS)
    returned = []
    for row in updates:
        if row[state] == ProgressUpdate.Review.RETURNED:
            returned_at = _moment(row[reviewed_at])
            if returned_at >= returned_since:
                returned.append((returned_at, row[pk], row))
    review_queue = {
        "update_count": updates_waiting,
        "updates": [
            ListedUpdate(row)
            for row in heapq.nsmallest(
                REVIEW_QUEUE_PANEL_LIMIT,
                (row for row in updates if row[state] == ProgressUpdate.Review.SUBMITTED),
                key=lambda row: (_moment(row[created_at]), row[pk]),
            )
        ],
        "completion_count": completions_waiting,
        "completions": completions,
        "extension_count": totals.pop("extensions_waiting"),
    }
    returned_updates = [
        ListedUpdate(row)
        for _returned_at, _pk, row in heapq.nlargest(
            DASHBOARD_LIST_LIMIT, returned, key=lambda returned: returned[:2]
        )
    ]

    # The recommendations proposed for closure (the oldest proposals first) and those open
    # and due in the next 14 days (the first due).
    pk, proposed, proposed_at, due_on = _RECOMMENDATION
    recommendations = _kept(listed, "recommendations")

    def first_recommendations(is_proposed: bool) -> list[ListedRecommendation]:
        return [
            ListedRecommendation(row)
            for row in heapq.nsmallest(
                DASHBOARD_LIST_LIMIT,
                (row for row in recommendations if bool(row[proposed]) is is_proposed),
                key=lambda row: (
                    row[proposed_at] is None,
                    _moment(row[proposed_at]),
                    row[due_on] is None,
                    row[due_on],
                    row[pk],
                ),
            )
        ]

    awaiting_sign_off = first_recommendations(True)
    due_recommendations = first_recommendations(False)
    due_soon_total += lists["recommendations_due"]
    for recommendation in due_recommendations:
        due_soon.append(
            DueItem(
                recommendation.due_on,
                _("Recommendation due"),
                f"{recommendation.reference} · {recommendation.report_title}",
                recommendation.get_absolute_url(),
                "",
            )
        )
    due_soon.sort(key=lambda item: (item.due_on, item.what, item.title))

    deadlines = []
    outstanding = rows_of(_outstanding_deadline_reports(user, today=today))
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
