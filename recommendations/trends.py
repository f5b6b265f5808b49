"""Quarter by quarter: how many recommendations were open, added and closed, how old the
open ones were, how many actions had their target date moved, and how many open
recommendations were overdue at the quarter's end, by source or by priority area.

Worked out from the change history (django-simple-history keeps every version of each
recommendation and action), so a quarter's figures are what the register held then:

- open: a status of open, in progress or proposed for closure;
- opening / closing: open at the start of the quarter's first day / the end of its last;
- added: became open during the quarter (a new recommendation, or one reopened);
- closed: stopped being open during the quarter (closed, superseded, no action, deleted);
  so closing = opening + added - closed;
- average age: of those open at the quarter's end, the days since each was recorded;
- target dates moved: of the actions serving the group's recommendations that existed at
  the quarter's end, the share with a revised target date by then;
- overdue: of those open at the quarter's end, the share past their due date, or with a
  live action past its current target date, on the quarter's last day (as the register
  flags them, recommendations.rag).

Groups are read as they are now: a recommendation's report source, its priority areas
(a recommendation in two areas counts in both), the actions serving it. The last quarter
runs to the day asked for.

Queries: the recommendations' versions, their priority areas (only when grouping by
area), and the versions of the actions serving them (each with the recommendations it
serves): three at most, however many rows.
"""

import bisect
import datetime
import functools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Count,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import get_language, gettext_noop
from django.utils.translation import gettext as _

from oversight.models import Force, InspectionReport, PriorityArea, User
from oversight.selectors import reports_visible_to
from oversight.shared.built_querysets import built_once_per_person, rows_of
from oversight.shared.dates import day_text
from recommendations.models import Action, Recommendation, TrendQuarter
from recommendations.rag import overdue_condition
from recommendations.register_as_at import end_of_day
from recommendations.selectors import recommendations_visible_to

BY_SOURCE = "source"
BY_PRIORITY_AREA = "priority_area"
# Group keys, stored in packs in English; pages print them through {% translate %}.
ALL = gettext_noop("All")
NO_AREA = gettext_noop("Not in a priority area")
QUARTERS_SHOWN = 4


@dataclass(frozen=True)
class Quarter:
    start: datetime.date
    end: datetime.date  # the last day counted: the quarter's last, or the day asked for

    @property
    def label(self) -> str:
        return _quarter_label(self.start, self.end, get_language())


@functools.lru_cache(maxsize=256)
def _quarter_label(start: datetime.date, end: datetime.date, language: str | None) -> str:
    """A quarter's name in `language` (the active one), written once per process: a
    dashboard names each quarter some twenty times, its charts' every bar and point."""
    last_month = datetime.date(start.year, start.month + 2, 1)
    label = f"{day_text(start, 'M')}–{day_text(last_month, 'M Y')}"
    if end < _quarter_last_day(start):
        label += " " + _("(to %(day)s)") % {"day": day_text(end, "j M")}
    return label


@dataclass(frozen=True)
class TrendRow:
    quarter: Quarter
    group: str  # the source or priority area, or ALL
    opening: int
    added: int
    closed: int
    closing: int
    average_age_days: int | None  # None: nothing open at the quarter's end
    actions: int  # actions existing at the quarter's end
    targets_moved: int  # of those, with a revised target date
    overdue: int  # of the `closing` open recommendations

    @property
    def targets_moved_share(self) -> float | None:
        return self.targets_moved / self.actions if self.actions else None

    @property
    def overdue_share(self) -> float | None:
        return self.overdue / self.closing if self.closing else None


def quarters_to(day: datetime.date, count: int = QUARTERS_SHOWN) -> list[Quarter]:
    """The `count` calendar quarters up to the one holding `day`, oldest first; the last
    one ends on `day`. (April–June is also the financial year's first quarter.)"""
    start = datetime.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    starts = [start]
    for _step in range(count - 1):
        month, year = starts[0].month - 3, starts[0].year
        if month < 1:
            month, year = month + 12, year - 1
        starts.insert(0, datetime.date(year, month, 1))
    return [Quarter(s, min(_quarter_last_day(s), day)) for s in starts]


def _quarter_last_day(start: datetime.date) -> datetime.date:
    month, year = start.month + 3, start.year
    if month > 12:
        month, year = month - 12, year + 1
    return datetime.date(year, month, 1) - datetime.timedelta(days=1)


def recommendation_trends(
    user: User,
    *,
    as_at: datetime.date | None = None,
    quarters: int = QUARTERS_SHOWN,
    group_by: str = BY_SOURCE,
    forces: Iterable[Force] = (),
    sources: Iterable[str] = (),
    priority_areas: Iterable[PriorityArea] = (),
) -> list[TrendRow]:
    """The figures for each of the `quarters` quarters up to `as_at` (today by default),
    of the recommendations the user may see, narrowed to the forces, sources and priority
    areas given: per quarter, the ALL row first, then one per group in name order."""
    as_at = as_at or timezone.localdate()
    periods = quarters_to(as_at, quarters)
    scope = _scope(user, forces=forces, sources=sources, priority_areas=priority_areas)
    before = end_of_day(periods[-1].end)
    versions, source_of, _report_of = _recommendation_versions(scope, before=before)
    groups_of = _groups(group_by, versions, source_of, scope)
    partner_agency = user.partner_agency_id if user.is_partner else None
    action_versions, served_by = _action_versions(
        scope, partner_agency=partner_agency, before=before
    )
    rows = []
    for quarter, figures in _figures_by_quarter(
        periods, versions, groups_of, action_versions, served_by
    ):
        names = sorted((g for g in figures if g != ALL), key=str.casefold)
        for group in [ALL, *names]:
            rows.append(figures[group].row(quarter, group))
    return rows


class _AnyOf(Func):
    """`column = ANY(ARRAY(subquery))`, a condition: PostgreSQL runs the subquery once,
    then reads the rows by index."""

    template = "%(expressions)s)"
    arg_joiner = " = ANY("
    output_field = BooleanField()


def _in(field: str, subquery: QuerySet) -> "Q | _AnyOf":
    """`field` among the subquery's values: = ANY(ARRAY(…)) on PostgreSQL, IN (…) on
    SQLite (`make run`), which builds no arrays."""
    if connection.vendor == "postgresql":
        return _AnyOf(F(field), ArraySubquery(subquery))
    return Q(**{f"{field}__in": subquery})


def _recommendation_versions(
    scope: "QuerySet | Q | _AnyOf", *, before: datetime.datetime, with_source: bool = True
):
    """Every version of each recommendation in scope (a queryset of pks, or a condition on
    the versions' id) saved before `before`, oldest first,
    as (when, is_open, due_on), with each one's report source and report. One query."""
    versions: dict[int, list[tuple]] = defaultdict(list)
    source_of: dict[int, str] = {}
    report_of: dict[int, int] = {}
    open_statuses = frozenset(Recommendation.OPEN_STATUSES)
    ids = scope if isinstance(scope, Q | _AnyOf) else Q(id__in=scope)
    for pk, when, kind, status, due_on, report, source in (
        Recommendation.history.filter(ids, history_date__lt=before)
        .order_by("id", "history_date", "history_id")
        .values_list(
            "id",
            "history_date",
            "history_type",
            "status",
            "due_on",
            "report_id",
            "report__source" if with_source else "report_id",
        )
    ):
        versions[pk].append((when, kind != "-" and status in open_statuses, due_on))
        source_of[pk] = source
        report_of[pk] = report
    return versions, source_of, report_of


def _action_versions(scope: QuerySet, *, partner_agency: int | None, before: datetime.datetime):
    """Every version of the actions serving the recommendations in scope (only the
    partner agency's, when given), as (when, exists, status, current target, moved), and
    the recommendations in scope each serves now. One query on PostgreSQL, two on SQLite."""
    links = Action.recommendations.through.objects.filter(recommendation__in=scope)
    if partner_agency is not None:  # partner leads count only their agency's actions
        links = links.filter(action__partner_agency=partner_agency)
    action_versions: dict[int, list[tuple]] = defaultdict(list)
    served_by: dict[int, set[int]] = defaultdict(set)
    history = Action.history.filter(history_date__lt=before).order_by(
        "id", "history_date", "history_id"
    )
    fields = ("id", "history_date", "history_type", "status", "target_date", "revised_target_date")
    if connection.vendor == "postgresql":
        # With the recommendations each serves as an array: one query.
        versions_read = (
            history.filter(id__in=links.values("action_id"))
            .annotate(
                served=ArraySubquery(
                    links.filter(action_id=OuterRef("id")).values("recommendation_id")
                )
            )
            .values_list(*fields, "served")
        )
    else:
        # SQLite (`make run`) builds no arrays: the links first, then the versions.
        for action_id, recommendation_id in links.values_list("action_id", "recommendation_id"):
            served_by[action_id].add(recommendation_id)
        versions_read = (
            (*row, served_by[row[0]])
            for row in history.filter(id__in=list(served_by)).values_list(*fields)
        )
    for pk, when, kind, status, target, revised, served in versions_read:
        exists = kind != "-"
        action_versions[pk].append((when, exists, status, revised or target, revised is not None))
        served_by[pk] = set(served)
    return action_versions, served_by


def _figures_by_quarter(
    periods: list[Quarter],
    versions: dict[int, list[tuple]],
    groups_of: dict[int, tuple],
    action_versions: dict[int, list[tuple]],
    served_by: dict[int, set[int]],
) -> list[tuple[Quarter, dict]]:
    """Per quarter, the figures of ALL and of each group (groups_of: the groups of each
    recommendation)."""
    tz = timezone.get_current_timezone()
    # Each recommendation's recorded day, read once rather than once a quarter.
    recorded = {pk: timezone.localdate(history[0][0], tz) for pk, history in versions.items()}
    live_statuses = frozenset(Action.LIVE_STATUSES)
    result = []
    for quarter in periods:
        start, end = end_of_day(quarter.start - datetime.timedelta(days=1)), end_of_day(quarter.end)
        figures: dict = defaultdict(_Figures)
        late_at_end: set[int] = set()
        for action_id, history in action_versions.items():
            state = _state_at(history, end)
            if state is None or not state[1]:
                continue
            _rec, _version, status, target, moved = state
            groups = {ALL} | {g for r in served_by[action_id] for g in groups_of.get(r, ())}
            for group in groups:
                figures[group].actions += 1
                figures[group].targets_moved += moved
            if status in live_statuses and target < quarter.end:
                late_at_end.update(served_by[action_id])
        for pk, history in versions.items():
            if history[0][0] >= end:
                continue  # recorded after the quarter: nothing to count
            opened, closed, open_at_start, open_at_end, due_on = _movement(history, start, end)
            if not (opened or closed or open_at_start or open_at_end):
                continue
            overdue = open_at_end and (
                (due_on is not None and due_on < quarter.end) or pk in late_at_end
            )
            age = (quarter.end - recorded[pk]).days
            for group in (ALL, *groups_of[pk]):
                f = figures[group]
                f.opening += open_at_start
                f.added += opened
                f.closed += closed
                if open_at_end:
                    f.ages.append(age)
                    f.overdue += overdue
        result.append((quarter, figures))
    return result


@dataclass(frozen=True)
class QuarterTotals:
    """A quarter's figures over every source: recommendation_trends()'s ALL row without
    the average age and the actions."""

    quarter: Quarter
    opening: int
    added: int
    closed: int
    closing: int
    overdue: int

    @property
    def overdue_share(self) -> float | None:
        return self.overdue / self.closing if self.closing else None


def quarter_totals(
    user: User,
    *,
    as_at: datetime.date | None = None,
    overdue_now: int | None = None,
    moved: tuple[int, int] | None = None,
) -> list[QuarterTotals]:
    """The ALL rows of recommendation_trends(user, as_at=...) (opening, added, closed,
    closing, overdue), for the dashboard, without reading every version on each request.

    Completed quarters never change (the history is append-only): their figures are kept
    per report in TrendQuarter, filled the first time a report is asked for, and summed
    over the reports the user sees. The current quarter opens with the last one's closing
    figure; what was added and closed since comes from the versions of the
    recommendations changed since it began; the overdue ones are those overdue now
    (`overdue_now` when the caller has counted them: open, and past their due date or
    with a live action past its target date, as recommendations.rag flags them). `moved`:
    what was added and closed this quarter when the caller has it (the forces' kept
    counts, recommendations.tallies), read the same way.

    Queries: the sums with the number of reports expected (one), the versions of the
    recommendations changed this quarter (one, unless `moved`), and the overdue count
    unless given; a report without its rows first costs its versions and its actions'
    versions, and the rows written. Partner leads, and days other than today, get
    recommendation_trends().
    """
    today = timezone.localdate()
    as_at = as_at or today
    periods = quarters_to(as_at, QUARTERS_SHOWN)
    if user.is_partner or as_at != today:
        return [
            _totals(row) for row in recommendation_trends(user, as_at=as_at) if row.group == ALL
        ]
    done, current = periods[:-1], periods[-1]
    reports = reports_visible_to(user).values("pk")
    sums = _stored_sums(reports, done, rows=rows_of(_kept_sums(user, today=as_at)))
    if sums is None:
        _trend_quarters_fill(reports, done)
        sums = _stored_sums(reports, done)
    rows = [QuarterTotals(quarter, *sums[quarter.start]) for quarter in done]

    if moved is None:
        moved = _moved_this_quarter(user, reports, current)
    added, closed = moved
    if overdue_now is None:
        overdue_now = (
            recommendations_visible_to(user)
            .filter(overdue_condition(user=user, today=as_at))
            .count()
        )
    opening = rows[-1].closing
    rows.append(
        QuarterTotals(current, opening, added, closed, opening + added - closed, overdue_now)
    )
    return rows


def _moved_this_quarter(user: User, reports: QuerySet, current: Quarter) -> tuple[int, int]:
    """(added, closed) in the current quarter over the recommendations the user sees, from
    the versions of those changed since it began. One query."""
    start, end = end_of_day(current.start - datetime.timedelta(days=1)), end_of_day(current.end)
    # Each step an = ANY(ARRAY(…)): the database lists the few versions saved this quarter,
    # keeps the recommendations the user sees, then reads their versions, each by index,
    # rather than scanning every recommendation and version to join them.
    # (The versions' own report narrows the first list: a recommendation changed this
    # quarter has a version since its start on the report it is on now.)
    saved_this_quarter = (
        Recommendation.history.filter(
            history_date__gte=start, history_date__lt=end, report__in=reports
        )
        .order_by()
        .values("id")
    )
    changed = (
        recommendations_visible_to(user)
        .filter(_in("pk", saved_this_quarter))
        .order_by()
        .values("pk")
    )
    versions, _sources, _reports = _recommendation_versions(
        _in("id", changed), before=end, with_source=False
    )
    added = closed = 0
    for history in versions.values():
        opened, stopped, *_rest = _movement(history, start, end)
        added, closed = added + opened, closed + stopped
    return added, closed


def _totals(row: TrendRow) -> QuarterTotals:
    return QuarterTotals(row.quarter, row.opening, row.added, row.closed, row.closing, row.overdue)


_SUMMED = ("opening", "added", "closed", "closing", "overdue")


def _stored_sums(
    reports: QuerySet, periods: list[Quarter], *, rows: list | None = None
) -> dict | None:
    """{quarter start: (opening, added, closed, closing, overdue)} summed over the stored
    rows of the reports; None when a report lacks one of its rows. One query (`rows`: those
    of _summed() already read)."""
    if rows is None:
        rows = list(_summed(reports, periods))
    found = {row["quarter_start"]: row for row in rows}
    if len(found) < len(periods) or any(r["rows"] != r["expected"] for r in found.values()):
        if not found and not reports.exists():
            return {q.start: (0,) * len(_SUMMED) for q in periods}
        return None
    return {start: tuple(row[f] for f in _SUMMED) for start, row in found.items()}


@built_once_per_person
def _kept_sums(user: User, *, today: datetime.date | None = None) -> QuerySet:
    """_summed() over the reports the user sees and the completed quarters shown on
    `today`. Built once per person, day and language in a process, its read compiled once
    (oversight.shared.built_querysets)."""
    reports = reports_visible_to(user).values("pk")
    return _summed(reports, quarters_to(today, QUARTERS_SHOWN)[:-1])


def _summed(reports: QuerySet, periods: list[Quarter]) -> QuerySet:
    """The stored rows of the reports in the periods summed by quarter, each quarter with
    its number of rows and the number of reports (`expected`)."""
    expected = Coalesce(
        Subquery(
            reports.order_by()
            .annotate(one=Value(1))
            .values("one")
            .annotate(n=Count("pk"))
            .values("n")
        ),
        0,
    )
    return (
        TrendQuarter.objects.filter(
            report__in=reports, quarter_start__in=[q.start for q in periods]
        )
        .order_by()
        .values("quarter_start")
        .annotate(rows=Count("pk"), expected=expected, **{f: Sum(f) for f in _SUMMED})
    )


def _trend_quarters_fill(reports: QuerySet, periods: list[Quarter]) -> None:
    """Work out and store the completed quarters' figures of the reports lacking them."""
    complete = (
        TrendQuarter.objects.filter(quarter_start__in=[q.start for q in periods])
        .order_by()
        .values("report")
        .annotate(n=Count("pk"))
        .filter(n=len(periods))
        .values("report")
    )
    missing = list(
        InspectionReport.objects.filter(pk__in=reports)
        .exclude(pk__in=complete)
        .values_list("pk", flat=True)
    )
    scope = Recommendation.objects.filter(report__in=missing).values("pk")
    before = end_of_day(periods[-1].end)
    versions, _sources, report_of = _recommendation_versions(scope, before=before)
    action_versions, served_by = _action_versions(scope, partner_agency=None, before=before)
    groups_of = {pk: (report,) for pk, report in report_of.items()}
    by_quarter = _figures_by_quarter(periods, versions, groups_of, action_versions, served_by)
    rows = []
    for quarter, figures in by_quarter:
        for report in missing:
            f = figures.get(report) or _Figures()
            rows.append(
                TrendQuarter(
                    report_id=report,
                    quarter_start=quarter.start,
                    opening=f.opening,
                    added=f.added,
                    closed=f.closed,
                    closing=len(f.ages),
                    overdue=f.overdue,
                )
            )
    # A report's stored rows are all right or gone (trend_quarters_forget), so those it
    # already has are kept: two requests filling at once write the same rows, the second
    # ignored, and neither deletes what the other wrote. Quarters too old to be shown go.
    with transaction.atomic():
        TrendQuarter.objects.filter(quarter_start__lt=periods[0].start).delete()
        TrendQuarter.objects.bulk_create(rows, ignore_conflicts=True)


def trend_quarters_forget(*, report_ids: Iterable[int]) -> None:
    """Drop the stored quarters of these reports, in the caller's transaction, when a
    change rewrites their past: a recommendation deleted or moved to another report, an
    action deleted or its recommendations changed. The next dashboard works them out
    again."""
    TrendQuarter.objects.filter(report__in=list(report_ids)).delete()


@dataclass
class _Figures:
    opening: int = 0
    added: int = 0
    closed: int = 0
    overdue: int = 0
    actions: int = 0
    targets_moved: int = 0
    ages: list[int] = field(default_factory=list)

    def row(self, quarter: Quarter, group: str) -> TrendRow:
        return TrendRow(
            quarter=quarter,
            group=group,
            opening=self.opening,
            added=self.added,
            closed=self.closed,
            closing=len(self.ages),
            average_age_days=round(sum(self.ages) / len(self.ages)) if self.ages else None,
            actions=self.actions,
            targets_moved=self.targets_moved,
            overdue=self.overdue,
        )


def _scope(
    user: User,
    *,
    forces: Iterable[Force],
    sources: Iterable[str],
    priority_areas: Iterable[PriorityArea],
) -> QuerySet:
    recommendations = recommendations_visible_to(user)
    if forces := list(forces):
        recommendations = recommendations.filter(report__force__in=forces)
    if sources := list(sources):
        recommendations = recommendations.filter(report__source__in=sources)
    if priority_areas := list(priority_areas):
        recommendations = recommendations.filter(priority_areas__in=priority_areas)
    return recommendations.values("pk")


def _groups(group_by: str, versions: dict, source_of: dict, scope: QuerySet) -> dict:
    if group_by == BY_SOURCE:
        # Each label translated once per source, not once per recommendation.
        labels = dict(InspectionReport.Source.choices)
        names = {source: (str(labels.get(source, source)),) for source in set(source_of.values())}
        return {pk: names[source] for pk, source in source_of.items()}
    if group_by != BY_PRIORITY_AREA:
        raise ValueError(f"Group by {BY_SOURCE!r} or {BY_PRIORITY_AREA!r}, not {group_by!r}.")
    areas = defaultdict(list)
    for pk, title in Recommendation.priority_areas.through.objects.filter(
        recommendation__in=scope
    ).values_list("recommendation_id", "priorityarea__title"):
        areas[pk].append(title)
    return {pk: tuple(areas.get(pk) or [NO_AREA]) for pk in versions}


def _when(version: tuple) -> datetime.datetime:
    return version[0]


def _state_at(history: list[tuple], cutoff: datetime.datetime) -> tuple | None:
    """The last version saved before `cutoff`, None before the first."""
    i = bisect.bisect_left(history, cutoff, key=_when)
    return history[i - 1] if i else None


def _movement(history: list[tuple], start: datetime.datetime, end: datetime.datetime):
    """(became open, stopped being open, open at start, open at end, due date at end)
    between two moments, from a recommendation's versions (when, is_open, due_on)."""
    last = history[-1]
    if last[0] < start:  # most recommendations: unchanged since before the start
        return 0, 0, last[1], last[1], last[2]
    i = bisect.bisect_left(history, start, key=_when)
    before = history[i - 1] if i else None
    was_open = bool(before and before[1])
    open_at_start, opened, closed, due_on = was_open, 0, 0, before[2] if before else None
    for when, is_open, due in history[i:]:
        if when >= end:
            break
        opened += is_open and not was_open
        closed += was_open and not is_open
        was_open, due_on = is_open, due
    return opened, closed, open_at_start, was_open, due_on
