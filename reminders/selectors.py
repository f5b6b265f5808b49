"""Reads of the reminder ledger, each scoped to the person asking."""

from functools import cache

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import TruncDate

from oversight.models import User
from reminders.ledger import STAGE_ORDER
from reminders.models import Reminder


def reminders_for(user: User) -> QuerySet[Reminder]:
    """A person's own notifications; nobody reads anybody else's."""
    if not user.is_authenticated:
        return Reminder.objects.none()
    return Reminder.objects.filter(recipient=user)


# A person's unread notifications (the names are filled in by _unread_count_sql).
_UNREAD_COUNT = """(SELECT COUNT(*) FROM "{reminder}" unread_r
  WHERE unread_r."{recipient}" = "{user}"."{user_pk}" AND unread_r."read_at" IS NULL)"""


@cache
def _unread_count_sql() -> str:
    return _UNREAD_COUNT.format(
        reminder=Reminder._meta.db_table,
        recipient=Reminder._meta.get_field("recipient").column,
        user=User._meta.db_table,
        user_pk=User._meta.pk.column,
    )


def unread_count_expression() -> RawSQL:
    """A person's unread notifications (as reminders_for scopes them), counted on the query
    that loads the signed-in user (oversight.auth.load_user_with): the navigation bar shows
    it on every page. Written in SQL from the models' table and column names, built once,
    taking no parameters (Django took longer to compile the count than to run it)."""
    return RawSQL(_unread_count_sql(), [], output_field=IntegerField())  # noqa: S611


def notifications_for(user: User) -> QuerySet[Reminder]:
    """A person's notifications (reminders_for scopes them): the latest day's first, the
    most urgent first within a day."""
    urgency = Case(
        *(When(stage=stage, then=Value(rank)) for rank, stage in enumerate(STAGE_ORDER)),
        output_field=IntegerField(),
    )
    return (
        reminders_for(user)
        .annotate(recorded_on=TruncDate("created_at"), urgency=urgency)
        .order_by("-recorded_on", "urgency", "due_on", "pk")
    )


def reminder_chain_for(*, subjects: list[tuple[int, QuerySet]]) -> QuerySet[Reminder]:
    """Who was told what about some items, and when; `subjects` are (content type id, the
    items' ids, a list or a subquery). The caller scopes them to the user."""
    about = Q(pk__in=[])  # nothing, until a subject is added
    for subject_type_id, subject_ids in subjects:
        about |= Q(subject_type_id=subject_type_id, subject_id__in=subject_ids)
    return (
        Reminder.objects.filter(about)
        .select_related("recipient")
        .order_by("due_on", "created_at", "pk")
    )
