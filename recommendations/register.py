"""The recommendation register and its CSV export: every recommendation the user may see,
with its RAG and overdue flag, and the details of the rows shown.

Filtering is recommendations.filters.RecommendationFilter's.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Case, F, IntegerField, OrderBy, QuerySet, Value, When
from django.utils import timezone

from oversight.models import User
from recommendations.models import Action, Recommendation
from recommendations.rag import with_rag_and_overdue
from recommendations.selectors import actions_visible_to, recommendations_visible_to


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
    "status": [
        _ordered_by_lifecycle("status", list(Recommendation.Status)),
        "report__title",
        "position",
        "pk",
    ],
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
