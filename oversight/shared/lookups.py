"""Fetching the one row a detail page is about, and the people it names."""

from collections.abc import Iterable

from django.db.models import Model, QuerySet
from django.http import Http404

from oversight.shared.built_querysets import rows_where


def one_or_404[M: Model](queryset: QuerySet[M], *, pk: int) -> M:
    """The row with this primary key, or 404, like get_object_or_404 but without its
    LIMIT 21: a detail page's row joins many tables, and on a LIMIT PostgreSQL weighs
    fast-start plans for every join order, which doubled or tripled planning (5-14 ms
    against 2-5 ms on the national data). A primary key matches one row at most."""
    rows = rows_where(queryset, "pk", pk)
    if not rows:
        raise Http404(f"No {queryset.model._meta.object_name} matches the given query.")
    return rows[0]


def attach_related(links: Iterable[tuple[Model, str]], queryset: QuerySet) -> None:
    """Fill the foreign keys named in `links` ((row, field name), every field pointing at
    `queryset`'s model) from one query, as select_related would with a join each.

    For a row that names several people (an owner, a lead, a proposer, a signer): each
    LEFT JOIN to the user table costs PostgreSQL planning time on every page, 0.3 ms or
    so apiece, where one lookup by primary key costs less than all of them together. A
    field left empty, or naming a row the queryset does not hold, reads None."""
    links = [(row, row._meta.get_field(name)) for row, name in links]
    ids = {getattr(row, field.attname) for row, field in links} - {None}
    found = queryset.in_bulk(ids) if ids else {}
    for row, field in links:
        field.set_cached_value(row, found.get(getattr(row, field.attname)))
