"""The recommendation register and its CSV export: every recommendation the user may see,
with its RAG and overdue flag, and the details of the rows shown.

Filtering and sorting are recommendations.filters.RecommendationFilter's.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from oversight.models import User
from recommendations.models import Action, Recommendation
from recommendations.rag import with_rag_and_overdue
from recommendations.selectors import actions_visible_to, recommendations_visible_to
from recommendations.services_bulk import selection_value


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


# The columns a register page shows (recommendations.register_rows), with the version its
# checkbox sends: a page of rows reads these, not every column of three tables.
PAGE_COLUMNS = (
    "reference",
    "kind",
    "text",
    "due_on",
    "timescale",
    "status",
    "inspectorate_status",
    "updated_at",
    "report__title",
    "report__source",
    "report__published_on",
    "report__force__name",
)


def register_page_columns(recommendations: QuerySet[Recommendation]) -> QuerySet[Recommendation]:
    """A recommendation_register() queryset cut to the columns a register page shows (the
    cause of concern, which only the CSV names, is not joined)."""
    return recommendations.select_related(None).select_related("report__force").only(*PAGE_COLUMNS)


@dataclass
class RegisterRow:
    recommendation: Recommendation
    areas: list[str]  # priority area titles, in position order
    leads: list[str]  # the delivery leads of the actions the user may see, by name

    @property
    def selection_value(self) -> str:
        """What the row's checkbox for the bulk update sends."""
        return selection_value(self.recommendation)


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
