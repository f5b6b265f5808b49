"""Short lists with their totals: the first rows of a long queryset and how many match, in
one query, so a page costs the same for a thousand rows as for ten."""

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Value, Window
from django.db.models.functions import Coalesce, RowNumber


def first_with_total(
    queryset: QuerySet,
    *,
    limit: int,
    order_by: list,
    totals: dict[str, Q] | None = None,
    read_with: QuerySet | None = None,
    counted: dict[str, int] | None = None,
) -> list:
    """The first `limit` rows, each annotated with `totals` ({name: condition}; by default
    `total`, every matching row), counted by once-run subqueries: one query that reads
    only the first rows in full, however many match.

    `read_with`: the rows are picked by key from `queryset` in a subquery, then read by
    `read_with` (the same model with the joins and annotations shown, `order_by`'s among
    them, and no filter of its own). For a long list whose order no index gives (a
    computed sort key) the database then sorts the keys of thousands of rows, not their
    joined columns.

    `counted`: the totals already known ({name: n}, kept elsewhere): set on the rows as
    they are, and only the first rows read."""
    totals = totals if totals is not None else {"total": Q()}
    counts = {} if counted else {n: count_of(queryset, c) for n, c in totals.items()}
    if read_with is not None:
        picked = queryset.order_by(*order_by).values("pk")[:limit]
        queryset = read_with.filter(pk__in=picked)
    rows = list(queryset.annotate(**counts).order_by(*order_by)[:limit])
    for row in rows if counted else ():
        row.__dict__.update(counted)
    return rows


def first_per_partition(queryset: QuerySet, *, limit: int, partition_by=None, order_by) -> list:
    """The first `limit` rows (of each partition), each with `total` (rows in its
    partition) and `row` (its place): one query, however many rows match."""
    return list(
        queryset.annotate(
            row=Window(RowNumber(), partition_by=partition_by, order_by=order_by),
            total=Window(Count("pk"), partition_by=partition_by),
        ).filter(row__lte=limit)
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
