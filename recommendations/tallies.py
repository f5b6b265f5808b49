"""Each force's dashboard counts kept in a row of its own (DashboardTally), so a dashboard
over many forces sums a row per force instead of counting all their recommendations,
actions and updates on every request: 40,000 recommendations for a reader of every force.

Writers mark a force's row stale in their own transaction: every save or delete of a
recommendation, action, action plan, report, progress update or request to move a target
date, every change to an action's recommendations or to a recommendation's priority areas,
and every priority area deleted, raises the generation of the forces it belongs to (as the
page cache places it, oversight.shared.pagecache). A dashboard reads its forces' rows in
one query; those stale (changed since, or counted another day) it counts afresh in one more
statement, which keeps the counts where the row's generation is still the one read with
them and no writer holds the row: a change committed or under way meanwhile leaves the row
stale for the next dashboard, never wrong. The same statement keeps the chart's counts of
each of those forces' ten newest monitored reports (ReportChartTally), which hold while
they were counted at the force's generation, and the force's first rows of each of the
dashboard's lists with what they show (DashboardTally.lists), kept with its counts: so
the rows name people and the force, and renaming either marks the rows too.

For OPCC staff and readers only, whose scope is whole forces; a partner lead's
dashboard counts would differ (only their agency's actions), and they have none.
"""

import contextlib
import datetime
import functools
import json
import threading

from django.db import DatabaseError, connection, transaction
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, Lag, Left
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.utils import timezone

from oversight.models import Force, InspectionReport, PriorityArea, User
from oversight.selectors import forces_visible_to
from oversight.shared import pagecache
from oversight.shared.built_querysets import built_once_per_person, rows_of
from recommendations.bounded_lists import count_of, firsts_per_partition
from recommendations.filters import (
    CLOSED_NOT_COMPLETE,
    COMPLETE_STILL_OPEN,
    divergence_condition,
)
from recommendations.models import (
    Action,
    ActionPlan,
    DashboardTally,
    ExtensionRequest,
    ProgressUpdate,
    Recommendation,
    ReportChartTally,
)
from recommendations.rag import RAG_RANKS, overdue_for_counting, rag_of
from recommendations.review_queue import REVIEW_QUEUE_PANEL_LIMIT

# "Due soon": an update, target date or recommendation due within this many days.
DUE_SOON_DAYS = 14

# The figures a row holds: counted over the force's recommendations, then its monitored
# reports and its requests to move a target date waiting for a decision.
RECOMMENDATION_COUNTS = (
    "all",
    "open",
    "recommendations",
    "open_recommendations",
    "afis",
    "open_afis",
    "awaiting_sign_off",
    "overdue",
    "closed_not_complete",
    "complete_still_open",
    "overdue_elsewhere",
    "recommendations_due",
)
# The totals of the dashboard's lists (recommendations.dashboard), kept with the tiles':
# those counted over the force's actions and updates, and its open recommendations due in
# the next 14 days.
ACTION_LIST_COUNTS = (
    "updates_waiting",
    "completions_waiting",
    "overdue_updates",
    "updates_due",
    "targets_due",
)
LIST_COUNTS = (*ACTION_LIST_COUNTS, "recommendations_due")
FORCE_COUNTS = ("reports", "extensions_waiting", *ACTION_LIST_COUNTS)
# The trends' current quarter (recommendations.trends.quarter_totals): the times a
# recommendation became open and stopped being open since the quarter began, counted over
# the versions of those changed in it (_moves).
QUARTER_COUNTS = ("quarter_added", "quarter_closed")
TALLIED = RECOMMENDATION_COUNTS + FORCE_COUNTS + QUARTER_COUNTS
TILE_COUNTS = tuple(name for name in TALLIED if name not in LIST_COUNTS + QUARTER_COUNTS)
# The dashboard charts the priority areas of the user's ten most recently published
# monitored reports. Each force's ten have their counts kept (ReportChartTally) with its
# row: whatever forces a dashboard covers, its ten are among theirs.
CHARTED_REPORTS = 10


# The dashboard's lists (recommendations.dashboard) show their first rows: each force's
# first rows of each list are kept with its row (DashboardTally.lists), with what the
# lists show, so any dashboard's first rows are among its forces' kept ones.
LIST_LIMIT = 10
# Long texts are kept cut short: the lists show at most the first 160 characters.
LISTED_TEXT = 400
RETURNED_DAYS = 30  # returned updates are listed for this many days
# What each kept row holds, in this order.
LISTED_ACTION_COLUMNS = (
    "pk",
    "reference",
    "plan__title",
    "plan__report__title",
    "plan__force__name",
    "listed_description",
    "next_update_due",
    "target_date",
    "revised_target_date",
    "completion_proposed_at",
    *User.name_columns("delivery_lead"),
    *User.name_columns("completion_proposed_by"),
    "is_pending",
    "is_overdue",
    "is_due",
)
LISTED_UPDATE_COLUMNS = (
    "pk",
    "action_id",
    "action__reference",
    "action__plan__title",
    "action__plan__report__title",
    "action__plan__force__name",
    "listed_description",
    "review_state",
    "written_on",
    "created_at",
    "reviewed_at",
    "listed_comment",
    *User.name_columns("author"),
    *User.name_columns("reviewed_by"),
    "resubmitted",
)
LISTED_RECOMMENDATION_COLUMNS = (
    "pk",
    "reference",
    "status",
    "due_on",
    "closure_proposed_at",
    "report__title",
    *User.name_columns("closure_proposed_by"),
    "is_proposed",
)
LISTED = {
    "actions": LISTED_ACTION_COLUMNS,
    "updates": LISTED_UPDATE_COLUMNS,
    "recommendations": LISTED_RECOMMENDATION_COLUMNS,
}


def uses_tallies(user: User) -> bool:
    """Whether the user's dashboard is whole forces' (OPCC staff and readers)."""
    return user.is_authenticated and user.is_opcc


def _recommendation_counts(*, overdue: Q, today: datetime.date) -> dict:
    """RECOMMENDATION_COUNTS as filtered counts (named n_…) over recommendations."""
    monitored = ~Q(report__status=InspectionReport.Status.CLOSED)
    is_open = Q(status__in=Recommendation.OPEN_STATUSES)
    afi = Q(kind=Recommendation.Kind.AREA_FOR_IMPROVEMENT)
    conditions = {
        "all": monitored,
        "open": monitored & is_open,
        "recommendations": monitored & ~afi,
        "open_recommendations": monitored & is_open & ~afi,
        "afis": monitored & afi,
        "open_afis": monitored & is_open & afi,
        "awaiting_sign_off": monitored & Q(status=Recommendation.Status.PROPOSED_FOR_CLOSURE),
        "overdue": monitored & overdue,
        "closed_not_complete": monitored & divergence_condition(CLOSED_NOT_COMPLETE),
        "complete_still_open": monitored & divergence_condition(COMPLETE_STILL_OPEN),
        "overdue_elsewhere": ~monitored & overdue,
        "recommendations_due": monitored
        & is_open
        & ~Q(status=Recommendation.Status.PROPOSED_FOR_CLOSURE)
        & Q(due_on__range=(today, today + datetime.timedelta(days=DUE_SOON_DAYS))),
    }
    return {f"n_{name}": Count("pk", filter=conditions[name]) for name in RECOMMENDATION_COUNTS}


def _counted(forces: list[int], *, today: datetime.date) -> tuple[QuerySet, QuerySet]:
    """The forces' figures counted now, as two querysets: their recommendations' counts
    (a row per force that has any) and, a row per force, its row's generation (None
    without a row), monitored reports and waiting requests."""
    recommendations = (
        Recommendation.objects.filter(report__force__in=forces)
        .values(tally_force=F("report__force_id"))
        .annotate(
            **_recommendation_counts(
                overdue=overdue_for_counting(
                    Action.objects.filter(plan__report__force__in=forces), today=today
                ),
                today=today,
            )
        )
        .order_by()
        .values_list("tally_force", *(f"n_{name}" for name in RECOMMENDATION_COUNTS))
    )
    force = OuterRef("pk")
    live = (
        Action.objects.filter(plan__report__force=force, status__in=Action.LIVE_STATUSES)
        .exclude(plan__report__status=InspectionReport.Status.CLOSED)
        .alias(current_target=Coalesce("revised_target_date", "target_date"))
    )
    soon = (today, today + datetime.timedelta(days=DUE_SOON_DAYS))
    force_counts = {
        "reports": InspectionReport.objects.filter(force=force).exclude(
            status=InspectionReport.Status.CLOSED
        ),
        "extensions_waiting": ExtensionRequest.objects.filter(
            action__plan__report__force=force, decision=ExtensionRequest.Decision.PENDING
        ),
        "updates_waiting": ProgressUpdate.objects.filter(
            action__plan__report__force=force, review_state=ProgressUpdate.Review.SUBMITTED
        ),
        "completions_waiting": Action.objects.filter(
            plan__report__force=force, status=Action.Status.PENDING_SIGN_OFF
        ),
        "overdue_updates": live.filter(next_update_due__lt=today),
        "updates_due": live.filter(next_update_due__range=soon),
        "targets_due": live.filter(current_target__range=soon),
    }
    force_wide = (
        Force.objects.filter(pk__in=forces)
        .annotate(
            tally_force=F("pk"),
            tally_generation=Subquery(
                DashboardTally.objects.filter(force=force).values("generation")
            ),
            **{f"n_{name}": count_of(force_counts[name]) for name in FORCE_COUNTS},
        )
        .order_by()
        .values_list("tally_force", "tally_generation", *(f"n_{name}" for name in FORCE_COUNTS))
    )
    return recommendations, force_wide


def _firsts(rows: QuerySet, force: str, limit: int, *order) -> QuerySet:
    """The keys of each force's first `limit` rows, in that order (the later key first
    where the first key runs from the latest): a window over the rows alone, so each list
    is read by its own (partial) index."""
    last = F("pk").desc() if order[0].descending else F("pk").asc()
    return firsts_per_partition(
        rows, limit=limit, partition_by=[F(force)], order_by=[*order, last]
    ).values("pk")


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _listed(forces: list[int], *, today: datetime.date) -> dict[str, QuerySet]:
    """The first rows of each of the dashboard's lists over each force (LISTED's columns,
    after the force's id), as the dashboard orders them: among a force's actions, the 5
    oldest proposed completions, the 10 longest overdue updates, the first 10 with an
    update due or a target date in the next 14 days; among its progress updates, the 5
    oldest waiting for review and the 10 latest returned (since the start of the day 31
    days ago: more than a dashboard counted today reads, and a statement that depends on
    the day alone, see _statement()); among its recommendations on monitored reports,
    the first 10 proposed for closure and the first 10 open and due in 14 days. Each
    list's keys picked by a window of its own, then the rows of all of a kind read together
    with what the lists show."""
    soon = (today, today + datetime.timedelta(days=DUE_SOON_DAYS))
    monitored = ~Q(plan__report__status=InspectionReport.Status.CLOSED)
    live = Q(status__in=Action.LIVE_STATUSES) & monitored
    pending = Q(status=Action.Status.PENDING_SIGN_OFF)
    overdue = live & Q(next_update_due__lt=today)
    update_due = live & Q(next_update_due__range=soon)
    target_due = live & Q(current_target__range=soon)
    force = "plan__report__force_id"
    of_forces = Action.objects.filter(plan__report__force__in=forces).alias(
        current_target=Coalesce("revised_target_date", "target_date")
    )
    firsts = [
        _firsts(
            of_forces.filter(pending),
            force,
            REVIEW_QUEUE_PANEL_LIMIT,
            F("completion_proposed_at").asc(nulls_last=True),
        ),
        _firsts(of_forces.filter(overdue), force, LIST_LIMIT, F("next_update_due").asc()),
        _firsts(of_forces.filter(update_due), force, LIST_LIMIT, F("next_update_due").asc()),
        _firsts(of_forces.filter(target_due), force, LIST_LIMIT, F("current_target").asc()),
    ]
    actions = (
        Action.objects.filter(pk__in=firsts[0].union(*firsts[1:], all=True))
        .alias(current_target=Coalesce("revised_target_date", "target_date"))
        .annotate(
            tally_force=F(force),
            listed_description=Left("description", LISTED_TEXT),
            is_pending=ExpressionWrapper(pending, output_field=BooleanField()),
            is_overdue=ExpressionWrapper(overdue, output_field=BooleanField()),
            is_due=ExpressionWrapper(update_due | target_due, output_field=BooleanField()),
        )
    )
    force = "action__plan__report__force_id"
    of_forces = ProgressUpdate.objects.filter(action__plan__report__force__in=forces)
    submitted = of_forces.filter(review_state=ProgressUpdate.Review.SUBMITTED)
    returned = of_forces.filter(
        review_state=ProgressUpdate.Review.RETURNED,
        reviewed_at__gte=_start_of(today - datetime.timedelta(days=RETURNED_DAYS + 1)),
    )
    firsts = [
        _firsts(submitted, force, REVIEW_QUEUE_PANEL_LIMIT, F("created_at").asc()),
        _firsts(returned, force, LIST_LIMIT, F("reviewed_at").desc()),
    ]
    updates = ProgressUpdate.objects.filter(pk__in=firsts[0].union(firsts[1], all=True)).annotate(
        tally_force=F(force),
        listed_description=Left("action__description", LISTED_TEXT),
        listed_comment=Left("review_comment", LISTED_TEXT),
        resubmitted=Exists(ProgressUpdate.objects.filter(resubmission_of=OuterRef("pk"))),
    )
    proposed = Q(status=Recommendation.Status.PROPOSED_FOR_CLOSURE)
    due_open = Q(
        status__in=[Recommendation.Status.OPEN, Recommendation.Status.IN_PROGRESS],
        due_on__range=soon,
    )
    force = "report__force_id"
    of_forces = Recommendation.objects.filter(report__force__in=forces).exclude(
        report__status=InspectionReport.Status.CLOSED
    )
    order = (F("closure_proposed_at").asc(nulls_last=True), F("due_on").asc(nulls_last=True))
    firsts = [
        _firsts(of_forces.filter(proposed), force, LIST_LIMIT, *order),
        _firsts(of_forces.filter(due_open), force, LIST_LIMIT, *order),
    ]
    recommendations = Recommendation.objects.filter(
        pk__in=firsts[0].union(firsts[1], all=True)
    ).annotate(
        tally_force=F(force),
        is_proposed=ExpressionWrapper(proposed, output_field=BooleanField()),
    )
    return {
        "actions": actions.order_by().values_list("tally_force", *LISTED_ACTION_COLUMNS),
        "updates": updates.order_by().values_list("tally_force", *LISTED_UPDATE_COLUMNS),
        "recommendations": recommendations.order_by().values_list(
            "tally_force", *LISTED_RECOMMENDATION_COLUMNS
        ),
    }


def _kept_value(value):
    """A listed value as kept in JSON (as PostgreSQL's jsonb writes it): days and moments
    in ISO 8601."""
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def newest_monitored(reports: QuerySet[InspectionReport]) -> QuerySet[InspectionReport]:
    """The reports being monitored (not closed), most recently published first: the order
    the dashboard charts them in."""
    return reports.exclude(status=InspectionReport.Status.CLOSED).order_by("-published_on", "-pk")


def _charted(forces: list[int]) -> tuple[QuerySet, QuerySet]:
    """Each force's charted reports (its CHARTED_REPORTS newest monitored), as `pk` and
    `force_id`, and their recommendations counted by report, priority area (None for those
    in none), status, RAG and kind: the counts the dashboard's chart sums."""
    ranked = firsts_per_partition(
        newest_monitored(InspectionReport.objects.filter(force__in=forces)).order_by(),
        limit=CHARTED_REPORTS,
        partition_by=[F("force_id")],
        order_by=[F("published_on").desc(), F("pk").desc()],
    )
    counts = counted_for_chart(
        Recommendation.objects.filter(report__in=ranked.values("pk")), by_report=True
    )
    return ranked.values("pk", "force_id"), counts


def counted_for_chart(
    recommendations: QuerySet[Recommendation], *, user: User | None = None, by_report=False
) -> QuerySet:
    """The recommendations counted by priority area (None for those in none), status, RAG
    (as `user` counts actions; None: every action) and kind, and by report too if asked:
    the rows the dashboard's chart sums."""
    keys = ("report_id",) if by_report else ()
    return (
        recommendations.annotate(rag=rag_of(user))
        .order_by()
        .values(*keys, "priority_areas", "status", "rag", "kind")
        .annotate(n=Count("pk", distinct=True))
    )


def chart_row(row: dict) -> list:
    """A row of a chart count (as _charted() counts them) in the form kept: [priority
    area, status, RAG rank (None without actions), kind, recommendations]."""
    return [row["priority_areas"], row["status"], RAG_RANKS.get(row["rag"]), row["kind"], row["n"]]


def _moves(forces: list[int], *, today: datetime.date) -> tuple[str, list]:
    """QUARTER_COUNTS of the forces (a row per force with any), as SQL and parameters:
    each version saved this quarter of a recommendation of the force, set against the
    version before it (LAG over the recommendation's versions), counts once as added where
    it opens what was not open and once as closed where it ends what was, as
    recommendations.trends._movement reads them. The versions read are those of the
    recommendations changed this quarter (by the history's date index), on the force's
    reports now."""
    # Imported here: the trends' module reaches the services, which mark these rows.
    from recommendations.register_as_at import end_of_day
    from recommendations.trends import quarters_to

    quarter = quarters_to(today, 1)[-1]
    start = end_of_day(quarter.start - datetime.timedelta(days=1))
    end = end_of_day(quarter.end)
    history = Recommendation.history
    is_open = Case(
        When(~Q(history_type="-") & Q(status__in=Recommendation.OPEN_STATUSES), then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    changed = history.filter(
        history_date__gte=start,
        history_date__lt=end,
        report__in=InspectionReport.objects.filter(force__in=forces).values("pk"),
    ).values("id")
    versions = (
        history.filter(id__in=changed, history_date__lt=end)
        .annotate(
            is_open=is_open,
            was_open=Window(
                Lag(is_open, default=Value(0)),
                partition_by=[F("id")],
                order_by=[F("history_date").asc(), F("history_id").asc()],
            ),
            in_quarter=Case(
                When(history_date__gte=start, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
        )
        .order_by()
        .values("id", "is_open", "was_open", "in_quarter")
    )
    versions_sql, params = versions.query.sql_with_params()
    quote = connection.ops.quote_name
    recommendation = Recommendation._meta
    report = InspectionReport._meta
    places = ", ".join(["%s"] * len(forces))
    sql = f"""
        SELECT rp.{quote(report.get_field("force").column)} AS tally_force,
            SUM(CASE WHEN v.is_open = 1 AND v.was_open = 0 THEN 1 ELSE 0 END)
                AS n_quarter_added,
            SUM(CASE WHEN v.is_open = 0 AND v.was_open = 1 THEN 1 ELSE 0 END)
                AS n_quarter_closed
        FROM ({versions_sql}) v
        JOIN {quote(recommendation.db_table)} r ON r.{quote(recommendation.pk.column)} = v.id
        JOIN {quote(report.db_table)} rp
            ON rp.{quote(report.pk.column)} = r.{quote(recommendation.get_field("report").column)}
        WHERE v.in_quarter = 1 AND rp.{quote(report.get_field("force").column)} IN ({places})
        GROUP BY rp.{quote(report.get_field("force").column)}
    """  # noqa: S608 (only table and column names are put in the text)
    return sql, [*params, *forces]


@built_once_per_person
def _kept_rows(user: User, *, today: datetime.date | None = None) -> QuerySet:
    """Each of the user's forces' kept row (tallied()). Built once per person, day and
    language in a process (the day is not read), its read compiled once (oversight.shared.
    built_querysets)."""
    return (
        forces_visible_to(user)
        .order_by()
        .values_list(
            "pk",
            "dashboard_tally__generation",
            "dashboard_tally__counted_generation",
            "dashboard_tally__counted_on",
            "dashboard_tally__lists",
            *(f"dashboard_tally__{name}" for name in TALLIED),
        )
    )


def tallied(user: User, *, today: datetime.date) -> tuple[dict[str, int], list[dict]]:
    """The dashboard tiles' counts summed over the user's forces, and each force's kept
    lists' first rows (LISTED): each force's from its kept row while that holds (one
    query), the others counted now and kept for the next dashboard (one query more on
    PostgreSQL, a query per count and list elsewhere)."""
    totals = dict.fromkeys(TALLIED, 0)
    lists, stale = [], []
    for force, generation, counted_generation, counted_on, kept_lists, *figures in rows_of(
        _kept_rows(user, today=today)
    ):
        if generation is None or counted_generation != generation or counted_on != today:
            stale.append(force)
            continue
        for name, n in zip(TALLIED, figures, strict=True):
            totals[name] += n
        lists.append(kept_lists)
    if stale:
        for figures in count_and_keep(stale, today=today).values():
            for name in TALLIED:
                totals[name] += figures[name]
            lists.append(figures["lists"])
    return totals, lists


def count_and_keep(forces: list[int], *, today: datetime.date) -> dict[int, dict]:
    """Count the forces' figures now and keep them in their rows where each row's
    generation is still the one read with the counts and no writer holds it: a change
    committed or under way meanwhile leaves the row stale for the next dashboard."""
    if connection.vendor == "postgresql":
        return _count_and_keep_at_once(*_statement_for(sorted(forces), today))
    recommendations, force_wide = _counted(sorted(forces), today=today)
    charted = _charted(sorted(forces))
    listed = _listed(sorted(forces), today=today)
    figures, generations = {}, {}
    for force, generation, *force_counts in force_wide:
        generations[force] = generation
        figures[force] = dict.fromkeys(RECOMMENDATION_COUNTS, 0) | dict(
            zip(FORCE_COUNTS, force_counts, strict=True)
        )
    for force, *counts in recommendations:
        figures[force].update(zip(RECOMMENDATION_COUNTS, counts, strict=True))
    for figures_of_force in figures.values():
        figures_of_force.update(dict.fromkeys(QUARTER_COUNTS, 0))
        figures_of_force["lists"] = {kind: [] for kind in LISTED}
    for kind, rows in listed.items():
        for force, *values in rows:
            figures[force]["lists"][kind].append([_kept_value(value) for value in values])
    with connection.cursor() as cursor:
        cursor.execute(*_moves(sorted(forces), today=today))
        for force, *counts in cursor.fetchall():
            figures[force].update(zip(QUARTER_COUNTS, counts, strict=True))
    _keep(figures, generations, today=today)
    _keep_charts(*charted, generations)
    return figures


def _count_and_keep_at_once(sql: str, params: tuple) -> dict[int, dict]:
    """count_and_keep() on PostgreSQL: the statement _statement() wrote, run, and the
    figures it returns."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    missing = [force for force, generation, *_ in rows if generation is None]
    if missing:
        _give_rows(missing)
    return {
        force: dict(zip(TALLIED, counts, strict=True)) | {"lists": json.loads(lists)}
        for force, _, lists, *counts in rows
    }


# Ids no force has, standing in for the forces counted while the statement is written:
# every force id it holds is a parameter, replaced by the real one when it runs.
_FIRST_STAND_IN = -(2**62)


def _stand_ins(count: int) -> list[int]:
    return [_FIRST_STAND_IN + i for i in range(count)]


def _statement_for(forces: list[int], today: datetime.date) -> tuple[str, tuple]:
    """The statement _written() writes for the forces (in order), from the one written for
    as many stand-ins (_statement()) with the forces' ids put in."""
    sql, params = _statement(len(forces), today)
    real = dict(zip(_stand_ins(len(forces)), forces, strict=True))
    return sql, tuple(real.get(p, p) if type(p) is int else p for p in params)


@functools.lru_cache(maxsize=64)
def _statement(count: int, today: datetime.date) -> tuple[str, tuple]:
    """_written() for `count` stand-in forces (_stand_ins()): its text depends on the
    number of forces and the day alone, and the forces are among its parameters, so each
    process writes it once per number of forces and day and count_and_keep() puts the
    forces' own ids in. Django took some 55 ms to build and compile its querysets for one
    force, longer than PostgreSQL takes to plan and run it, on every dashboard opened after
    a change in the force. What it reads is read when it runs."""
    return _written(_stand_ins(count), today)


def _written(forces: list[int], today: datetime.date) -> tuple[str, tuple]:
    """count_and_keep() on PostgreSQL as one statement: the counts and the lists' first
    rows as common table expressions, the rows kept by an UPDATE among them (a statement
    sees one snapshot, so the generation it reads is the one its counts hold for), the
    charted reports' counts kept at that generation too (whether or not the force's row
    was free to update: a change under way raises it past them when committed), the
    figures returned."""
    recommendations, force_wide = _counted(forces, today=today)
    charted = _charted(forces)
    listed = _listed(forces, today=today)
    quote = connection.ops.quote_name
    recommendations_sql, recommendations_params = recommendations.query.sql_with_params()
    force_wide_sql, force_wide_params = force_wide.query.sql_with_params()
    moves_sql, moves_params = _moves(forces, today=today)
    charted_sql, charted_params = charted[0].query.sql_with_params()
    chart_sql, chart_params = charted[1].query.sql_with_params()
    charts = quote(ReportChartTally._meta.db_table)
    figures = ", ".join(
        f"COALESCE(r.{quote('n_' + name)}, 0) AS {quote(name)}" for name in RECOMMENDATION_COUNTS
    )
    figures += "".join(
        f", COALESCE(m.{quote('n_' + name)}, 0) AS {quote(name)}" for name in QUARTER_COUNTS
    )
    force_figures = ", ".join(f"w.{quote('n_' + name)} AS {quote(name)}" for name in FORCE_COUNTS)
    kept = ", ".join(f"{quote(name)} = f.{quote(name)}" for name in TALLIED)
    table = quote(DashboardTally._meta.db_table)
    # Each list's rows as a CTE (columns named c0, c1, …), gathered per force as JSON
    # (grouped once, joined to the forces: not a subquery per force, which would pick
    # every force's rows again for each).
    lists_ctes, lists_params, gathered, joined = [], [], [], []
    for kind, rows in listed.items():
        rows_sql, rows_params = rows.query.sql_with_params()
        columns = ", ".join(f"c{i}" for i in range(len(LISTED[kind])))
        lists_ctes.append(  # only names are put in the text
            f"l_{kind}(tally_force, {columns}) AS ({rows_sql}), "  # noqa: S608
            f"g_{kind} AS (SELECT tally_force, jsonb_agg(jsonb_build_array({columns})) AS rows "
            f"FROM l_{kind} GROUP BY tally_force)"
        )
        lists_params.extend(rows_params)
        gathered.append(f"'{kind}', COALESCE(g_{kind}.rows, '[]'::jsonb)")
        joined.append(f"LEFT JOIN g_{kind} ON g_{kind}.tally_force = f.force_id")
    sql = f"""
        WITH r AS ({recommendations_sql}),
        w AS ({force_wide_sql}),
        m AS ({moves_sql}),
        f AS (
            SELECT w.tally_force AS force_id, w.tally_generation AS generation, {figures},
                {force_figures}
            FROM w LEFT JOIN r ON r.tally_force = w.tally_force
                LEFT JOIN m ON m.tally_force = w.tally_force
        ),
        {", ".join(lists_ctes)},
        l AS (
            SELECT f.force_id, jsonb_build_object({", ".join(gathered)}) AS lists
            FROM f {" ".join(joined)}
        ),
        kept AS (
            UPDATE {table} AS t
            SET counted_generation = f.generation, counted_on = %s, {kept}, lists = l.lists
            FROM f JOIN l ON l.force_id = f.force_id
            WHERE t.force_id = f.force_id AND t.generation = f.generation
                AND t.force_id IN (
                    SELECT force_id FROM {table} WHERE force_id IN (SELECT force_id FROM f)
                    FOR UPDATE SKIP LOCKED
                )
        ),
        cr AS ({charted_sql}),
        c AS ({chart_sql}),
        charts AS (
            INSERT INTO {charts} (report_id, counted_generation, counts)
            SELECT cr.pk, f.generation, COALESCE(
                jsonb_agg(jsonb_build_array(c.priority_areas, c.status, c.rag, c.kind, c.n))
                    FILTER (WHERE c.report_id IS NOT NULL),
                '[]'::jsonb
            )
            FROM cr JOIN f ON f.force_id = cr.force_id LEFT JOIN c ON c.report_id = cr.pk
            WHERE f.generation IS NOT NULL
            GROUP BY cr.pk, f.generation
            ORDER BY cr.pk
            ON CONFLICT (report_id) DO UPDATE
            SET counted_generation = EXCLUDED.counted_generation, counts = EXCLUDED.counts
        )
        SELECT f.force_id, f.generation, l.lists,
            {", ".join(f"f.{quote(name)}" for name in TALLIED)}
        FROM f JOIN l ON l.force_id = f.force_id
    """  # noqa: S608 (only table and column names are put in the text)
    params = (
        *recommendations_params,
        *force_wide_params,
        *moves_params,
        *lists_params,
        today,
        *charted_params,
        *chart_params,
    )
    return sql, params


def _keep(figures: dict, generations: dict, *, today: datetime.date) -> None:
    """count_and_keep()'s UPDATE where it is not one statement with the counts (SQLite):
    the generations were read with the force-wide counts, before the recommendations'
    were counted, so a change committed since has raised them and is not kept over."""
    missing = [force for force, generation in generations.items() if generation is None]
    if missing:
        _give_rows(missing)
    rows = [
        DashboardTally(
            force_id=force, counted_generation=generation, counted_on=today, **figures[force]
        )
        for force, generation in generations.items()
        if generation is not None
    ]
    if not rows:
        return
    unchanged = Q()
    for row in rows:
        unchanged |= Q(force_id=row.force_id, generation=row.counted_generation)
    free = (
        DashboardTally.objects.filter(force__in=[row.force_id for row in rows])
        .select_for_update(skip_locked=True)
        .values("force_id")
    )
    with transaction.atomic():
        DashboardTally.objects.filter(unchanged, force__in=free).bulk_update(
            rows, ["counted_generation", "counted_on", *TALLIED, "lists"]
        )


def _keep_charts(charted: QuerySet, counts: QuerySet, generations: dict) -> None:
    """count_and_keep()'s charted reports' counts where it is not one statement (SQLite),
    kept at the generation read before they were counted (see _keep())."""
    rows = {report["pk"]: (report["force_id"], []) for report in charted}
    for row in counts:
        rows[row["report_id"]][1].append(chart_row(row))
    ReportChartTally.objects.bulk_create(
        [
            ReportChartTally(report_id=report, counted_generation=generations[force], counts=kept)
            for report, (force, kept) in rows.items()
            if generations.get(force) is not None
        ],
        update_conflicts=True,
        unique_fields=["report"],
        update_fields=["counted_generation", "counts"],
    )


def _give_rows(forces: list[int]) -> None:
    """A stale row for forces without one (made in bulk, say), for writers to mark from
    now on; the next dashboard counts and keeps them."""
    DashboardTally.objects.bulk_create(
        [DashboardTally(force_id=force) for force in forces], ignore_conflicts=True
    )


# --- Writers ------------------------------------------------------------------------------


_collecting = threading.local()
_EVERY_FORCE = object()


def mark_stale(force_ids) -> None:
    """Raise the generation of these forces' rows (every force's for None), in the
    caller's transaction: their figures no longer hold. Inside marked_once(), the forces
    are gathered and marked on leaving it."""
    gathered = getattr(_collecting, "stack", None)
    if gathered:
        if force_ids is None:
            gathered[-1].add(_EVERY_FORCE)
        else:
            gathered[-1].update(force_ids)
        return
    rows = DashboardTally.objects.all()
    if force_ids is not None:
        rows = rows.filter(force__in=sorted(set(force_ids)))
    rows.update(generation=F("generation") + 1)


@contextlib.contextmanager
def marked_once():
    """Gather the forces the changes inside mark and mark them in one query on leaving
    (still in the caller's transaction): for a service saving many rows at once, the bulk
    update say, rather than a query for each save. Nothing is marked when leaving on a
    database error, which leaves the transaction to be rolled back."""
    gathered: set = set()
    stack = _collecting.__dict__.setdefault("stack", [])
    stack.append(gathered)
    failed = False
    try:
        yield
    except DatabaseError:
        failed = True
        raise
    finally:
        stack.pop()
        if gathered and not failed:
            mark_stale(None if _EVERY_FORCE in gathered else gathered)


def _forces_of(model, instance):
    placement = pagecache.placement_of(model, instance)
    return None if placement is None else placement.forces


def _changed(sender, instance, raw=False, **kwargs) -> None:
    if raw:
        return
    forces = _forces_of(sender, instance)
    if forces is None or forces:
        mark_stale(forces)
    moved_from = instance.__dict__.pop("_tally_moved_from", None)
    if moved_from is not None:
        mark_stale([moved_from])


def _links_changed(sender, instance, action, **kwargs) -> None:
    if action.startswith("post_"):
        _changed(type(instance), instance)


def _report_moving(sender, instance, raw=False, update_fields=None, **kwargs) -> None:
    """A report moving to another force changes the figures of the force it leaves."""
    if raw or instance._state.adding or instance.pk is None:
        return
    if update_fields is not None and not {"force", "force_id"} & set(update_fields):
        return
    stored = InspectionReport.objects.filter(pk=instance.pk).values_list("force_id", flat=True)
    before = stored.first()
    if before is not None and before != instance.force_id:
        instance._tally_moved_from = before


def _force_saved(sender, instance, created=False, raw=False, **kwargs) -> None:
    if raw:
        return
    if created:
        _give_rows([instance.pk])
    else:
        mark_stale([instance.pk])  # its name is in the kept lists' rows


def _person_renaming(sender, instance, raw=False, update_fields=None, **kwargs) -> None:
    """A person's name is in the kept lists' rows of any force they act in."""
    if raw or instance._state.adding or instance.pk is None:
        return
    if update_fields is not None and not set(User.NAME_COLUMNS) & set(update_fields):
        return
    stored = User.objects.filter(pk=instance.pk).values_list(*User.NAME_COLUMNS).first()
    if stored is not None and stored != tuple(getattr(instance, c) for c in User.NAME_COLUMNS):
        instance._tally_renamed = True


def _person_changed(sender, instance, raw=False, **kwargs) -> None:
    if not raw and instance.__dict__.pop("_tally_renamed", False):
        mark_stale(None)


def connect_signals() -> None:
    """Called from RecommendationsConfig.ready()."""
    models = (
        Recommendation,
        Action,
        ActionPlan,
        InspectionReport,
        ExtensionRequest,
        ProgressUpdate,
    )
    for model in models:
        uid = f"tally-{model._meta.label_lower}"
        post_save.connect(_changed, sender=model, dispatch_uid=f"{uid}-saved")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"{uid}-deleted")
    m2m_changed.connect(
        _links_changed, sender=Action.recommendations.through, dispatch_uid="tally-action-links"
    )
    # The charts count recommendations by priority area: a recommendation put in or taken
    # out of one, or an area deleted (its links go with it, unsignalled), changes them.
    m2m_changed.connect(
        _links_changed,
        sender=Recommendation.priority_areas.through,
        dispatch_uid="tally-priority-area-links",
    )
    post_delete.connect(_changed, sender=PriorityArea, dispatch_uid="tally-priority-area-deleted")
    pre_save.connect(_report_moving, sender=InspectionReport, dispatch_uid="tally-report-moving")
    post_save.connect(_force_saved, sender=Force, dispatch_uid="tally-force-saved")
    # The kept lists' rows name people (recommendations.dashboard.ListedAction, …). A person
    # named in one cannot be deleted (every such reference is PROTECT): renaming is the
    # change to mark.
    pre_save.connect(_person_renaming, sender=User, dispatch_uid="tally-person-renaming")
    post_save.connect(_person_changed, sender=User, dispatch_uid="tally-person-renamed")
