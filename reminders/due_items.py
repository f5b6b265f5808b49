"""What a due item is, and the bulk reads that say who answers for it: the building
blocks of the due-item sources (due_actions, due_reviews, due_leavers)."""

import datetime
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.urls import NoReverseMatch, reverse
from django.utils.formats import date_format
from django.utils.functional import Promise, lazy

from oversight.models import User

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DueItem:
    """A dated thing someone must act on, as a provider reports it."""

    subject_type_id: int
    subject_id: int
    what: str
    due_on: datetime.date
    # Translatable (format_lazy): written down in each recipient's language (ledger).
    title: str | Promise
    url: str
    recipients: frozenset[int]
    escalate_to: frozenset[int] = frozenset()


_lazy_date_format = lazy(date_format, str)


def lazy_day(value: datetime.date, fmt: str = "j M Y") -> str:
    """A date for a title, in the language the title is written down in."""
    return _lazy_date_format(value, fmt)


def content_type_id(model) -> int:
    """Cached by Django after the first lookup."""
    return ContentType.objects.get_for_model(model).pk


_SAMPLE_PK = 987654321


def subject_paths(viewname: str) -> Callable[[int], str]:
    """pk -> the item's page, for a view taking one pk; "" while the page does not exist
    (the digest then links to the notification list). Reverses once: a sweep builds the
    paths of every due item, and reverse() costs more than the rest of the work."""
    try:
        sample = reverse(viewname, args=[_SAMPLE_PK])
    except NoReverseMatch:
        return lambda pk: ""
    if sample.count(str(_SAMPLE_PK)) != 1:
        return lambda pk: reverse(viewname, args=[pk])
    before, after = sample.split(str(_SAMPLE_PK))
    return lambda pk: f"{before}{pk}{after}"


@dataclass(frozen=True)
class Person:
    """Who answers for an item, with their manager (for escalations)."""

    pk: int
    manager_id: int | None = None


def people_by(rows: Iterable[tuple]) -> dict[int, set[Person]]:
    """(key, user id, manager id) rows, as read by providers, grouped by key."""
    grouped: dict[int, set[Person]] = defaultdict(set)
    for key, user_id, manager_id in rows:
        if user_id is not None:
            grouped[key].add(Person(user_id, manager_id))
    return grouped


def ids(people: Iterable[Person]) -> frozenset[int]:
    return frozenset(person.pk for person in people)


def managers(people: Iterable[Person]) -> frozenset[int]:
    return frozenset(person.manager_id for person in people if person.manager_id)


def person_name(first: str, last: str, username: str) -> str:
    return User.name_from(first, last, username)


def short(text: str, length: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 3].rstrip() + "..."
