"""A recommendation's RAG and whether it is overdue, worked out from its actions: as
annotations for the rows a page shows, and as conditions for filtering or counting a whole
register. Partner leads count only their agency's actions."""

import datetime

from django.db.models import (
    BooleanField,
    Case,
    Exists,
    ExpressionWrapper,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy

from oversight.models import User
from recommendations.models import Action, Rag, Recommendation

# A recommendation's RAG is the worst RAG among its live actions; blue (complete) once every
# action it has is finished; none while it has no actions. Ranked so that "worst" is a Max.
RAG_RANKS = {Rag.COMPLETE: 1, Rag.GREEN: 2, Rag.AMBER: 3, Rag.RED: 4}
RAG_ORDER = [Rag.RED, Rag.AMBER, Rag.GREEN, Rag.COMPLETE]
NO_RAG = "none"
NO_RAG_LABEL = gettext_lazy("No actions yet")


def _action_links(user: User | None) -> QuerySet:
    """(recommendation, action) pairs the user may count (every pair for None). Partner
    leads count only their agency's actions, so a RAG or an overdue flag never reveals
    police-only work."""
    links = Action.recommendations.through.objects.all()
    if user is not None and user.is_partner:
        links = links.filter(action__partner_agency=user.partner_agency_id)
    return links


class _RagField(IntegerField):
    """A recommendation's RAG as the database ranks it (4 red … 1 complete, NULL without
    actions) and as Python reads it (the Rag value, or "none"). One column serves the
    page, the filter (`rag="red"` compares ranks) and the "worst first" sort, so the
    ranking subquery runs once per row, not once per RAG it is compared with."""

    def from_db_value(self, value, expression, connection):
        return RAG_BY_RANK.get(value, NO_RAG)

    def get_prep_value(self, value):
        if value is None or value == NO_RAG:
            return None
        return RAG_RANKS[value] if isinstance(value, str) else int(value)


RAG_BY_RANK = {rank: rag for rag, rank in RAG_RANKS.items()}


def _late_actions(links: QuerySet, *, today: datetime.date) -> QuerySet:
    """The links to live actions past their current (revised, else original) target date."""
    return links.filter(action__status__in=Action.LIVE_STATUSES).filter(
        Q(action__revised_target_date__lt=today)
        | Q(action__revised_target_date__isnull=True, action__target_date__lt=today)
    )


def rag_of(user: User | None) -> Subquery:
    """A recommendation's RAG (with_rag_and_overdue's `rag`) as an expression: a correlated
    LIMIT 1 subquery ranking the actions the user counts (None: every action, as OPCC staff
    and readers count them), worst first."""
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
    return Subquery(worst, output_field=_RagField())


def with_rag_and_overdue(
    recommendations: QuerySet[Recommendation], *, user: User, today: datetime.date
) -> QuerySet[Recommendation]:
    """Annotate `rag` (the Rag value or "none"; ranked 4 red … 1 complete in SQL, see
    _RagField) and `is_overdue`: open and past its due date, or with a live action past
    its current target date. Two correlated subqueries, each LIMIT 1 so the database runs
    them only for the rows it returns (after a page's LIMIT); no query per row.

    To filter or count a whole register by RAG or overdue, use rag_condition() and
    overdue_condition(): semi-joins that do not rank every row."""
    links = _action_links(user).filter(recommendation=OuterRef("pk"))
    # A scalar LIMIT 1 rather than EXISTS: PostgreSQL would hash an EXISTS in the select
    # list by reading every late action in the database, even for a page of 25 rows.
    first_late_action = _late_actions(links, today=today).values("action_id")[:1]
    return recommendations.alias(first_late_action=Subquery(first_late_action)).annotate(
        rag=rag_of(user),
        is_overdue=ExpressionWrapper(
            Q(status__in=Recommendation.OPEN_STATUSES)
            & (Q(due_on__lt=today) | Q(first_late_action__isnull=False)),
            output_field=BooleanField(),
        ),
    )


def rag_condition(rag: str, *, user: User) -> Q:
    """The recommendations whose RAG (as with_rag_and_overdue ranks it) is `rag`, as
    EXISTS / NOT EXISTS the database answers with one pass over the actions instead of
    ranking every recommendation: red has a live red action; amber a live amber one and
    no live red; green a live green one and no live red or amber; complete has counted
    actions and none live red, amber or green; "none" has no counted action."""
    links = _action_links(user).filter(recommendation=OuterRef("pk"))
    live = links.filter(action__status__in=Action.LIVE_STATUSES)

    def live_with(*rags) -> Q:
        return Q(Exists(live.filter(action__rag__in=rags)))

    counted = Q(
        Exists(links.filter(action__status__in=Action.LIVE_STATUSES + Action.FINISHED_STATUSES))
    )
    conditions = {
        Rag.RED: live_with(Rag.RED),
        Rag.AMBER: live_with(Rag.AMBER) & ~live_with(Rag.RED),
        Rag.GREEN: live_with(Rag.GREEN) & ~live_with(Rag.RED, Rag.AMBER),
        Rag.COMPLETE: counted & ~live_with(Rag.RED, Rag.AMBER, Rag.GREEN),
        NO_RAG: ~counted,
    }
    return conditions[rag]


def overdue_condition(*, user: User, today: datetime.date) -> Q:
    """The recommendations with_rag_and_overdue marks `is_overdue`, for filtering or
    counting a whole register: EXISTS, which the database answers in one pass."""
    links = _action_links(user).filter(recommendation=OuterRef("pk"))
    return Q(status__in=Recommendation.OPEN_STATUSES) & (
        Q(due_on__lt=today) | Q(Exists(_late_actions(links, today=today)))
    )


def overdue_for_counting(actions: QuerySet[Action], *, today: datetime.date) -> Q:
    """overdue_condition() for counting many recommendations at once, late actions among
    `actions`: the recommendations with a late live action listed once (read through the
    partial index action_live_target_idx, which serves COALESCE(revised, original
    target)) and hashed, rather than an EXISTS probed for each open recommendation (40,000
    rows for a reader of every force)."""
    late_actions = actions.alias(current_target=Coalesce("revised_target_date", "target_date"))
    late = Action.recommendations.through.objects.filter(
        action__in=late_actions.filter(
            status__in=Action.LIVE_STATUSES, current_target__lt=today
        ).values("pk")
    ).values("recommendation_id")
    return Q(status__in=Recommendation.OPEN_STATUSES) & (Q(due_on__lt=today) | Q(pk__in=late))


def rag_label(rag: str) -> str:
    return str(NO_RAG_LABEL if rag == NO_RAG else Rag(rag).label)
