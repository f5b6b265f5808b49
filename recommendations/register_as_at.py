"""The register as it stood at the end of a past day, rebuilt from the change history.

django-simple-history keeps every version of each recommendation and action, and with each
version the links it had (a recommendation's priority areas, the recommendations an action
serves). The register "as at" a day reads, for every recommendation and action, its last
version saved before midnight at the end of that day: a recommendation added later, or
deleted by then, is absent; its status, HMICFRS status (kept in step with the inspectorate's
log by recommendations.services.inspectorate_status_record, so as the office knew it that
day), due date and priority areas are that version's; its RAG and overdue flag are worked
out, as the live register does (recommendations.rag), from the actions' versions of that
day: their status, RAG (set by the latest accepted update) and original and revised
target dates.

The reports, forces, causes of concern, priority-area titles and people's names are read
as they are now: they name things, and the register is about their recommendations.

Scoping is today's: a user sees the recommendations `recommendations_visible_to` gives
them now, and the delivery leads of the actions `actions_visible_to` gives them now.

The same filters and sort as the live register (recommendations.filters) are applied in
Python to the rebuilt rows. Queries: the recommendations' versions, their priority areas,
the actions' versions, their links, and the actions the user may see: five, however many
rows, then the page or the CSV is cut from the list.
"""

import datetime
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from oversight.models import InspectionReport, User
from recommendations.filters import (
    ANY_OPEN,
    CLOSED_NOT_COMPLETE,
    DEFAULT_REGISTER_SORT,
    RecommendationFilter,
)
from recommendations.models import Action, Rag, Recommendation
from recommendations.rag import NO_RAG, RAG_BY_RANK, RAG_RANKS
from recommendations.register import RegisterRow
from recommendations.selectors import actions_visible_to, recommendations_visible_to


def end_of_day(day: datetime.date) -> datetime.datetime:
    """Midnight at the end of `day`, in the office's time zone: the versions saved before it
    are the ones that stood that day."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min)) + (
        datetime.timedelta(days=1)
    )


def register_as_at(
    user: User, *, as_at: datetime.date, filters: Mapping[str, str] | None = None
) -> list[RegisterRow]:
    """The register's rows as they stood at the end of `as_at`, filtered and sorted as the
    register page does for the same query-string values, e.g. {"status": "any_open",
    "force": "3", "sort": "due"}. Raises ValidationError for a value the register's filter
    form refuses (a day still to come, or before the history starts, included).

    For the rows as plain cells, as the CSV has them: recommendations.register_csv.row_cells.
    """
    data = {**(filters or {}), "as_at": as_at.isoformat()}
    register_filter = RecommendationFilter(data, queryset=Recommendation.objects.none(), user=user)
    if not register_filter.form.is_valid():
        raise ValidationError(register_filter.form.errors)
    return register_rows_as_at(
        user,
        as_at=as_at,
        chosen=register_filter.form.cleaned_data,
        sort_key=register_filter.sort_key,
    )


@dataclass
class _Facts:
    """What a filter tests that the row does not show: the ids behind the names."""

    area_ids: set[int]
    owner_ids: set[int]


def register_rows_as_at(
    user: User, *, as_at: datetime.date, chosen: Mapping, sort_key: str = DEFAULT_REGISTER_SORT
) -> list[RegisterRow]:
    """The rows as at the end of `as_at`, for the register filter's cleaned values `chosen`
    and its applied sort key (RecommendationFilter.sort_key)."""
    cutoff = end_of_day(as_at)
    visible = recommendations_visible_to(user).values("pk")

    # 1. Each recommendation's last version of the day, with its report, force and cause.
    versions = _standing(
        Recommendation.history.filter(id__in=visible).select_related(
            "report__force", "cause_of_concern"
        ),
        cutoff,
    )
    recommendations: dict[int, Recommendation] = {}
    for version in versions:
        recommendation = version.instance
        recommendation.report = version.report
        recommendation.cause_of_concern = version.cause_of_concern
        recommendations[recommendation.pk] = recommendation

    # 2. The priority areas each of those versions was in.
    area_links = apps.get_model("recommendations", "HistoricalRecommendation_priority_areas")
    version_of = {version.history_id: version.id for version in versions}
    areas, area_ids = defaultdict(list), defaultdict(set)
    for history_id, area_id, title in (
        area_links.objects.filter(history_id__in=list(version_of))
        .order_by("priorityarea__position", "priorityarea_id")
        .values_list("history_id", "priorityarea_id", "priorityarea__title")
    ):
        areas[version_of[history_id]].append(title)
        area_ids[version_of[history_id]].add(area_id)

    # 3. Each action's last version of the day, among the actions ever linked to them.
    action_links = apps.get_model("recommendations", "HistoricalAction_recommendations")
    actions = _standing(
        Action.history.filter(
            id__in=action_links.objects.filter(recommendation__in=visible).values("action")
        ).select_related("delivery_lead"),
        cutoff,
    )
    action_version_of = {action.history_id: action for action in actions}
    # 4. The recommendations each of those versions served.
    served = defaultdict(list)
    for history_id, recommendation_id in action_links.objects.filter(
        history_id__in=list(action_version_of)
    ).values_list("history_id", "recommendation_id"):
        if recommendation_id in recommendations:
            served[recommendation_id].append(action_version_of[history_id])
    # 5. The actions whose leads the user may see named (as register_row_details).
    shown = set(
        actions_visible_to(user)
        .filter(pk__in=[action.id for action in actions], delivery_lead__isnull=False)
        .values_list("pk", flat=True)
    )

    rows, facts = [], {}
    for pk, recommendation in recommendations.items():
        linked = served[pk]
        # Partner leads count only their agency's actions (recommendations.rag).
        counted = [
            action
            for action in linked
            if not user.is_partner or action.partner_agency_id == user.partner_agency_id
        ]
        recommendation.rag = _worst_rag(counted)
        recommendation.is_overdue = recommendation.is_open and (
            (recommendation.due_on is not None and recommendation.due_on < as_at)
            or any(_is_late(action, as_at) for action in counted)
        )
        leads = {str(action.delivery_lead) for action in linked if action.id in shown}
        rows.append(RegisterRow(recommendation, areas[pk], sorted(leads, key=str.casefold)))
        facts[pk] = _Facts(
            area_ids[pk], {action.delivery_lead_id for action in linked if action.delivery_lead_id}
        )

    rows = [row for row in rows if _matches(row, facts[row.recommendation.pk], chosen, as_at)]
    return _sorted(rows, sort_key)


def _standing(history: QuerySet, cutoff: datetime.datetime) -> list:
    """The last version of each row saved before `cutoff`, leaving out rows deleted by then
    (one query: DISTINCT ON the row's id)."""
    ordered = history.filter(history_date__lt=cutoff).order_by("id", "-history_date", "-history_id")
    if connection.vendor == "postgresql":
        latest = ordered.distinct("id")
    else:  # SQLite (`make run`) has no DISTINCT ON: the first version of each id, read here
        seen: set[int] = set()
        latest = [v for v in ordered if not (v.id in seen or seen.add(v.id))]
    return [version for version in latest if version.history_type != "-"]


def _worst_rag(actions) -> str:
    """As recommendations.rag.with_rag_and_overdue: the worst RAG of the live actions, blue
    for a finished one, none without any counted."""
    ranks = [
        RAG_RANKS[Rag.COMPLETE]
        if action.status in Action.FINISHED_STATUSES
        else RAG_RANKS[action.rag]
        for action in actions
        if action.status in Action.LIVE_STATUSES + Action.FINISHED_STATUSES
    ]
    return RAG_BY_RANK[max(ranks)] if ranks else NO_RAG


def _is_late(action, day: datetime.date) -> bool:
    target = action.revised_target_date or action.target_date
    return action.status in Action.LIVE_STATUSES and target < day


# --- Filters, as recommendations.filters.RecommendationFilter applies them ---------------


def _matches(row: RegisterRow, facts: _Facts, chosen: Mapping, as_at: datetime.date) -> bool:
    recommendation = row.recommendation
    report = recommendation.report
    tests: list[tuple[str, Callable[[object], bool]]] = [
        ("q", lambda value: _text_matches(row, value)),
        ("force", lambda force: report.force_id == force.pk),
        ("report", lambda chosen_report: report.pk == chosen_report.pk),
        ("source", lambda source: report.source == source),
        ("kind", lambda kind: recommendation.kind == kind),
        ("priority_area", lambda area: area.pk in facts.area_ids),
        ("status", lambda status: _status_matches(recommendation, status)),
        ("inspectorate_status", lambda status: recommendation.inspectorate_status == status),
        ("divergence", lambda value: _diverges(recommendation, value)),
        ("rag", lambda rag: recommendation.rag == rag),
        ("overdue", lambda overdue: recommendation.is_overdue == overdue),
        ("owner", lambda owner: owner.pk in facts.owner_ids),
    ]
    return all(test(chosen[name]) for name, test in tests if chosen.get(name) not in (None, ""))


def _text_matches(row: RegisterRow, value: str) -> bool:
    words = value.strip().casefold()
    if not words:
        return True
    recommendation = row.recommendation
    return (
        words in recommendation.text.casefold()
        or words == recommendation.reference.casefold()
        or any(words in title.casefold() for title in row.areas)
    )


def _status_matches(recommendation: Recommendation, status: str) -> bool:
    if status == ANY_OPEN:
        return recommendation.is_open
    return recommendation.status == status


def _diverges(recommendation: Recommendation, value: str) -> bool:
    """As recommendations.filters.divergence_condition."""
    if recommendation.report.source not in InspectionReport.SECTION_55_SOURCES:
        return False
    if value == CLOSED_NOT_COMPLETE:
        return (
            recommendation.status == Recommendation.Status.CLOSED
            and recommendation.inspectorate_status not in Recommendation.INSPECTORATE_DONE
        )
    return (
        recommendation.is_open
        and recommendation.inspectorate_status == Recommendation.InspectorateStatus.COMPLETE
    )


# --- Sorts, as recommendations.filters.REGISTER_SORTS orders them ------------------------


@dataclass(frozen=True)
class _Column:
    value: Callable[[Recommendation], object]
    descending: bool = False
    # Where an empty value goes; PostgreSQL's default is last ascending, first descending.
    nulls_last: bool | None = None

    def reversed(self) -> "_Column":
        nulls_last = None if self.nulls_last is None else not self.nulls_last
        return _Column(self.value, not self.descending, nulls_last)

    def nulls_go_last(self) -> bool:
        return not self.descending if self.nulls_last is None else self.nulls_last


def _in_order(values: list) -> Callable[[str], int]:
    return {value: i for i, value in enumerate(values)}.__getitem__


def _published(r):
    return r.report.published_on


def _title(r):
    return r.report.title


def _position(r):
    return r.position


def _pk(r):
    return r.pk


AS_AT_SORTS: dict[str, list[_Column]] = {
    "report": [
        _Column(_published, descending=True),
        _Column(_title),
        _Column(_position),
        _Column(_pk),
    ],
    "force": [
        _Column(lambda r: r.report.force.name),
        _Column(_published, descending=True),
        _Column(_position),
        _Column(_pk),
    ],
    "reference": [
        _Column(_position),
        _Column(lambda r: r.reference),
        _Column(_title),
        _Column(_pk),
    ],
    "timescale": [
        _Column(lambda r: _in_order(list(Recommendation.Timescale))(r.timescale)),
        _Column(_title),
        _Column(_position),
        _Column(_pk),
    ],
    "due": [
        _Column(lambda r: r.due_on, nulls_last=True),
        _Column(_title),
        _Column(_position),
        _Column(_pk),
    ],
    "status": [
        _Column(lambda r: _in_order(list(Recommendation.Status))(r.status)),
        _Column(_title),
        _Column(_position),
        _Column(_pk),
    ],
    "rag": [
        _Column(lambda r: RAG_RANKS.get(r.rag), descending=True, nulls_last=True),
        _Column(_title),
        _Column(_position),
        _Column(_pk),
    ],
}


def _sorted(rows: list[RegisterRow], sort_key: str) -> list[RegisterRow]:
    columns = AS_AT_SORTS[sort_key.removeprefix("-")]
    if sort_key.startswith("-"):
        columns = [column.reversed() for column in columns]
    # Stable sorts, least significant column first, give the columns' combined order.
    for column in reversed(columns):

        def key(row, column=column):
            value = column.value(row.recommendation)
            empty = value is None
            # Reversing a sort reverses the empty flag too, so flip it for nulls last.
            last = empty if not column.descending else not empty
            return (last if column.nulls_go_last() else not last, 0 if empty else value)

        rows = sorted(rows, key=key, reverse=column.descending)
    return rows
