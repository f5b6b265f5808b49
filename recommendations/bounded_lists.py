"""Short lists with their totals: the first rows of a long queryset and how many match, in
one query, so a page costs the same for a thousand rows as for ten."""

from django.db import connection
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Value, Window
from django.db.models.functions import Coalesce, RowNumber


def first_with_total(
    queryset: QuerySet, *, limit: int, order_by: list, totals: dict[str, Q] | None = None
) -> list:
    """The first `limit` rows, each annotated with `totals` ({name: condition}; by default
    `total`, every matching row), counted by once-run subqueries: one query that reads
    only the first rows in full, however many match."""
    totals = totals if totals is not None else {"total": Q()}
    counts = {n: count_of(queryset, c) for n, c in totals.items()}
    return list(queryset.annotate(**counts).order_by(*order_by)[:limit])


def among_firsts(queryset: QuerySet, firsts: list[QuerySet]) -> QuerySet:
    """The rows of `queryset` whose key is among the first rows of any of `firsts` (each a
    sliced, ordered values("pk")): several short lists read in one query. A UNION of their
    keys, each list read in its index's order and stopped; SQLite allows no LIMIT inside a
    UNION, so there an IN (…) per list."""
    if connection.features.supports_slicing_ordering_in_compound:
        return queryset.filter(pk__in=firsts[0].union(*firsts[1:]))
    picked = Q()
    for first in firsts:
        picked |= Q(pk__in=first)
    return queryset.filter(picked)


def firsts_per_partition(
    queryset: QuerySet, *, limit: int, partition_by=None, order_by
) -> QuerySet:
    """The first `limit` rows (of each partition), each with `row` (its place), unread:
    for a subquery, as a set of keys say."""
    return queryset.annotate(
        row=Window(RowNumber(), partition_by=partition_by, order_by=order_by)
    ).filter(row__lte=limit)


def first_per_partition(queryset: QuerySet, *, limit: int, partition_by=None, order_by) -> list:
    """The first `limit` rows (of each partition), each with `total` (rows in its
    partition) and `row` (its place): one query, however many rows match."""
    return list(
        first_per_partition_unread(
            queryset, limit=limit, partition_by=partition_by, order_by=order_by
        )
    )


def first_per_partition_unread(
    queryset: QuerySet, *, limit: int, partition_by=None, order_by
) -> QuerySet:
    """first_per_partition()'s rows, unread (to be kept, say)."""
    return firsts_per_partition(
        queryset.annotate(total=Window(Count("pk"), partition_by=partition_by)),
        limit=limit,
        partition_by=partition_by,
        order_by=order_by,
    )


def count_of(queryset: QuerySet, *conditions: Q) -> Coalesce:
    """COUNT(*) of the queryset (narrowed by `conditions`) as an uncorrelated subquery:
    the database runs it once per query, not once per row."""
    counted = queryset.filter(*conditions).order_by().annotate(all=Value(1)).values("all")
    return Coalesce(Subquery(counted.annotate(n=Count("pk")).values("n")), 0)


def count_per_row(queryset: QuerySet, to: str) -> Coalesce:
    """How many rows of the queryset point at each outer row through the foreign key `to`:
    a correlated COUNT on that key's index, run for the rows read only. Unlike Count() over
    the reverse relation, no join and no GROUP BY by every selected column."""
    counted = (
        queryset.filter(**{to: OuterRef("pk")})
        .order_by()
        .values(to)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted), 0)
