"""Fetching the one row a detail page is about."""

from django.db.models import Model, QuerySet
from django.http import Http404


def one_or_404[M: Model](queryset: QuerySet[M], *, pk: int) -> M:
    """The row with this primary key, or 404, like get_object_or_404 but without its
    LIMIT 21: a detail page's row joins many tables, and on a LIMIT PostgreSQL weighs
    fast-start plans for every join order, which doubled or tripled planning (5-14 ms
    against 2-5 ms on the national data). A primary key matches one row at most."""
    rows = list(queryset.filter(pk=pk))
    if not rows:
        raise Http404(f"No {queryset.model._meta.object_name} matches the given query.")
    return rows[0]
