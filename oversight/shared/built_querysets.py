"""Page querysets built once per person, day and language in a process, then cloned for
each request, as Django's generic views clone their class's `queryset`.

Building a page's queryset (its scope, annotations, subqueries and prefetches) takes
Django's ORM as long as reading the rows: 2.8 ms of the recommendation page's Python on
every request, for a queryset that comes out the same for the same person on the same day.
What is kept is the unevaluated queryset, never rows: every request clones it, narrows the
clone (to one row, say) and reads the database afresh.

A kept queryset may depend only on what its key holds: the person's scope as the
selectors read it (`scope_key`), the day, the active language and the function's own
arguments. A builder that reads the database in Python to decide what it builds (rather
than in the SQL it builds) must not be kept.
"""

import datetime
import functools
import threading
from collections import OrderedDict
from collections.abc import Callable

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import get_language

# Each kept function's most recent (person, day, language) querysets: a few KB each.
KEPT_PER_FUNCTION = 256

_kept_functions: list[Callable] = []


def scope_key(user) -> tuple:
    """What the *_visible_to selectors read of a person to build their scope: the
    account, its role and organisation, and the forces their office oversees as they
    arrived with the signed-in user (oversight.auth; None when the scope asks the
    database instead)."""
    if not user.is_authenticated:
        return ("anonymous",)
    return (
        user.pk,
        user.role,
        user.office_id,
        user.force_id,
        user.partner_agency_id,
        getattr(user, "overseen_forces", None),
    )


def built_once_per_person[**P, Q: QuerySet](build: Callable[P, Q]) -> Callable[P, Q]:
    """`build(user, *args, today=None)` kept per scope_key(user), args, day and language;
    each call returns a fresh clone."""
    kept: OrderedDict[tuple, QuerySet] = OrderedDict()
    lock = threading.Lock()

    @functools.wraps(build)
    def keeping(user, *args, today: datetime.date | None = None):
        today = today or timezone.localdate()
        key = (scope_key(user), args, today, get_language())
        with lock:
            queryset = kept.get(key)
            if queryset is not None:
                kept.move_to_end(key)
        if queryset is None:
            queryset = build(user, *args, today=today)
            with lock:
                kept[key] = queryset
                while len(kept) > KEPT_PER_FUNCTION:
                    kept.popitem(last=False)
        return queryset.all()

    keeping.forget = kept.clear
    _kept_functions.append(keeping)
    return keeping


def forget_all() -> None:
    """Drop every kept queryset (tests, which change the panels or settings a build reads)."""
    for keeping in _kept_functions:
        keeping.forget()
