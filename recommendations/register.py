"""The recommendation register and its CSV export: every recommendation the user may see,
with its RAG and overdue flag, and the details of the rows shown.

Filtering and sorting are recommendations.filters.RecommendationFilter's.
"""

import datetime
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import (
    BooleanField,
    Count,
    F,
    IntegerField,
    QuerySet,
    TextField,
    Value,
)
from django.db.models.functions import Cast
from django.utils import timezone

from oversight.models import User
from oversight.shared.built_querysets import (
    built_once_for,
    built_once_per_person,
    rows_for_ids,
    rows_of,
)
from recommendations.models import Recommendation
from recommendations.rag import with_rag_and_overdue
from recommendations.selectors import actions_visible_to, recommendations_visible_to
from recommendations.services_bulk import selection_value

REGISTER_PER_PAGE = 25
# The register's first pages, which people open most, are each read by SQL compiled once
# per filter asked; a later page is compiled when it is read, so that paging through
# thousands of rows does not keep (and prepare) a read for every page number.
REGISTER_KEPT_PAGES = 3


@built_once_per_person
def recommendation_register(
    user: User, *, today: datetime.date | None = None
) -> QuerySet[Recommendation]:
    """Every recommendation the user may see, for the register and its CSV export. Built
    once per person, day and language in a process (oversight.shared.built_querysets).

    select_related: report, report__force, cause_of_concern (shown on every row).
    annotate: rag, is_overdue. The priority areas and delivery leads of the rows shown come
    from register_row_details(), one light query per page or per CSV chunk.
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


def register_page(
    user: User, recommendations: Callable[[], QuerySet[Recommendation]], chosen: tuple, number
) -> Page:
    """The register page `number` (as asked: a page past the last shows the last) of the
    filtered, sorted `recommendations()`, cut to the page's columns. The queryset and the
    first REGISTER_KEPT_PAGES pages' reads are built and compiled once per person, day,
    language and `chosen` (what the filter's cleaned choices are:
    recommendations.filters.RecommendationFilter.chosen_key), and the rows read afresh
    every time."""
    kept = built_once_for(
        user, ("register", chosen), lambda: register_page_columns(recommendations())
    )
    return Paginator(_KeptPages(user, chosen, kept), REGISTER_PER_PAGE).get_page(number)


class _KeptPages:
    """A register queryset as the paginator reads it: its count, and each page's rows by
    a read compiled once (oversight.shared.built_querysets.rows_of)."""

    ordered = True

    def __init__(self, user: User, chosen: tuple, recommendations: QuerySet[Recommendation]):
        self.user, self.chosen, self.recommendations = user, chosen, recommendations

    def count(self) -> int:
        # COUNT(*) as count() asks it (PostgreSQL answers it from an index), written as a
        # read of one row so that it is compiled once too: the rows grouped by a constant,
        # which the SQL leaves out.
        counted = built_once_for(
            self.user,
            ("register count", self.chosen),
            lambda: (
                self.recommendations.order_by()
                .annotate(everything=Value(1))
                .values("everything")
                .annotate(n=Count("*"))
                .values_list("n", flat=True)
            ),
        )
        return next(iter(rows_of(counted)), 0)

    def __getitem__(self, rows: slice) -> list[Recommendation]:
        if rows.start >= REGISTER_KEPT_PAGES * REGISTER_PER_PAGE:
            return list(self.recommendations[rows])
        page = built_once_for(
            self.user,
            ("register page", self.chosen, rows.start, rows.stop),
            lambda: self.recommendations[rows],
        )
        return rows_of(page)


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
    names of the delivery leads of the actions the user may see. One query of plain values
    (no model instances; the areas and the leads as one UNION ALL), however many rows: the
    page and each CSV chunk use it."""
    ids = [r.pk for r in recommendations]
    areas, leads = defaultdict(list), defaultdict(set)
    for recommendation_id, is_area, first, last, username, position, area_id in rows_for_ids(
        user, _details_of, ids
    ):
        if is_area:
            areas[recommendation_id].append((position, area_id, first))
        else:
            leads[recommendation_id].add(User.name_from(first, last, username))
    return [
        RegisterRow(
            r,
            [title for _, _, title in sorted(areas[r.pk])],
            sorted(leads[r.pk], key=str.casefold),
        )
        for r in recommendations
    ]


def _details_of(user: User, ids: list[int], *, today: datetime.date | None = None) -> QuerySet:
    """The priority areas and delivery leads of the recommendations `ids` (register_row_
    details()): read compiled once per person, day and number of rows (oversight.shared.
    built_querysets.rows_for_ids)."""
    # Each row of the union: recommendation, what it is, three texts, two ordering numbers.
    # An area: its title, ordered by its position; a lead: first, last and user name.
    area_rows = (
        Recommendation.priority_areas.through.objects.filter(recommendation__in=ids)
        .annotate(
            is_area=_typed(True),
            text_1=F("priorityarea__title"),
            text_2=_typed(""),
            text_3=_typed(""),
            order_1=F("priorityarea__position"),
            order_2=F("priorityarea_id"),
        )
        .values_list(
            "recommendation_id", "is_area", "text_1", "text_2", "text_3", "order_1", "order_2"
        )
    )
    # The visible actions joined to the rows' links, not the links tested against the
    # visible actions: PostgreSQL then reads the rows' few links and their actions rather
    # than hashing every action the user sees.
    lead_rows = (
        actions_visible_to(user)
        .filter(recommendations__in=ids, delivery_lead__isnull=False)
        .annotate(
            is_area=_typed(False),
            text_1=F("delivery_lead__first_name"),
            text_2=F("delivery_lead__last_name"),
            text_3=F("delivery_lead__username"),
            order_1=_typed(0),
            order_2=_typed(0),
        )
        .values_list(
            "recommendations", "is_area", "text_1", "text_2", "text_3", "order_1", "order_2"
        )
        .distinct()
    )
    return area_rows.union(lead_rows, all=True)


def _typed(value: bool | str | int) -> Cast:
    """A constant with its type written out (CAST(%s AS …)): PostgreSQL cannot tell an
    untyped parameter's type in a UNION's columns when it prepares the read."""
    field = {bool: BooleanField, str: TextField, int: IntegerField}[type(value)]
    return Cast(Value(value), field())
