"""The reminder ledger: from the state of the database to one digest per person.

A sweep (`reminders_sweep`) works from state, never from timers:

1. Every due-item source (`DUE_ITEM_SOURCES`) returns the items whose date falls on or
   before the horizon (today + REMINDER_DAYS_BEFORE) and who answers for each: the people
   to remind and the people to escalate to. Sources read in bulk, so a sweep runs the same number of
   queries for ten actions as for a hundred thousand (plus a few per person mailed).
2. Each item's stage is computed as of `today`: due soon (within REMINDER_DAYS_BEFORE
   days), due today, overdue, escalated (overdue by more than REMINDER_ESCALATE_AFTER_DAYS).
3. One ledger row (`Reminder`) per (thing, due date, stage, recipient) is inserted with
   ON CONFLICT DO NOTHING: the unique constraint, not the code, makes a second row, and so
   a second send, impossible, even when two sweeps run at once.
4. Per recipient, the unsent rows are locked (SELECT ... FOR UPDATE SKIP LOCKED), ONE
   digest is mailed, and only then are the rows marked sent. A mail failure marks nothing
   sent; it records `send_attempts` and `last_error`, and the Celery task retries.

Catch-up: only the stage that applies today is created. A day the scheduler missed is made
up by the next run, which finds the stage the item has reached: an item that went from
"due soon" straight to "overdue" while nobody ran the sweep gets the overdue reminder, not
stale "due soon" and "due today" ones. When an item is already past escalation, its owner
still gets the overdue reminder (if they never had it) alongside the escalation, so nobody
hears from their manager about something they were never told was late.

Only reminders that are still current are mailed: an unsent row whose item has moved on
(closed, paused, a new due date, a later stage) is left in the in-app list but not mailed.

"Not e-mailed" rows: a row that will never be mailed is marked by a `last_error` starting
with NOT_MAILED (the reason follows: e-mail switched off in the person's preferences, no
e-mail address, no longer current). `sent_at` stays empty, so the ledger never claims a
mail that did not go; `mail_pending()` is the one definition of "still to be mailed".
Weekly-digest rows stay pending until Monday's run.
"""

import datetime
import logging
from dataclasses import dataclass, replace

from django.conf import settings
from django.db.models import Q
from django.utils import translation

from oversight.models import (
    User,
)
from reminders import (
    decided,
    due_actions,
    due_extensions,
    due_leavers,
    due_packs,
    due_reviews,
    returned,
)
from reminders.due_actions import action_due_items, report_due_items
from reminders.due_extensions import extension_due_items
from reminders.due_items import DueItem
from reminders.due_leavers import leaver_due_items
from reminders.due_packs import pack_due_items
from reminders.due_reviews import review_due_items
from reminders.models import Reminder

logger = logging.getLogger(__name__)

Stage = Reminder.Stage

NOT_MAILED = "Not e-mailed: "
REASON_MAIL_OFF = NOT_MAILED + "e-mail reminders are switched off in this person's preferences."
REASON_NO_ADDRESS = NOT_MAILED + "this person has no e-mail address."
REASON_NOT_CURRENT = NOT_MAILED + "no longer current when the digest went out."

# Most urgent first, in digests and in the notification list.
STAGE_ORDER = [
    Stage.RETURNED,
    Stage.DECIDED,
    Stage.ESCALATED,
    Stage.OVERDUE,
    Stage.DUE_TODAY,
    Stage.DUE_SOON,
]
MONDAY = 0

# Where due items come from, each reading in bulk: `source(today=..., horizon=...)` returns
# every item whose date is on or before `horizon`.
DUE_ITEM_SOURCES = (
    action_due_items,
    report_due_items,
    review_due_items,
    leaver_due_items,
    extension_due_items,
    pack_due_items,
)
WHAT_LABELS = {
    **due_actions.LABELS,
    **due_reviews.LABELS,
    **due_leavers.LABELS,
    **due_extensions.LABELS,
    **due_packs.LABELS,
    **returned.LABELS,
    **decided.LABELS,
}
# Told at once, on their own (reminders.services.returns_notify), never in a digest.
AT_ONCE_WHATS = returned.RETURN_WHATS + decided.DECISION_WHATS


def what_label(what: str) -> str:
    label = WHAT_LABELS.get(what)
    return str(label) if label else what.replace("_", " ").capitalize()


def reminder_stage(
    *, due_on: datetime.date, today: datetime.date, days_before: int, escalate_after: int
) -> str | None:
    """The stage an item with this due date is at on `today`, or None (not yet due soon)."""
    days_left = (due_on - today).days
    if days_left > days_before:
        return None
    if days_left > 0:
        return Stage.DUE_SOON
    if days_left == 0:
        return Stage.DUE_TODAY
    if -days_left > escalate_after:
        return Stage.ESCALATED
    return Stage.OVERDUE


LedgerKey = tuple[int, int, str, datetime.date, str, int]


@dataclass(frozen=True)
class PlannedReminder:
    """A reminder that applies today; reads like a ledger row (what, due_on, stage,
    title), which is all a digest shows."""

    key: LedgerKey
    title: str
    url: str

    @property
    def what(self) -> str:
        return self.key[2]

    @property
    def due_on(self) -> datetime.date:
        return self.key[3]

    @property
    def stage(self) -> str:
        return self.key[4]

    @property
    def recipient_id(self) -> int:
        return self.key[5]


def ledger_key(reminder: Reminder) -> LedgerKey:
    return (
        reminder.subject_type_id,
        reminder.subject_id,
        reminder.what,
        reminder.due_on,
        reminder.stage,
        reminder.recipient_id,
    )


def _rows_for(item: DueItem, stage: str) -> list[tuple[str, int]]:
    if stage != Stage.ESCALATED:
        return [(stage, recipient) for recipient in item.recipients]
    # Past escalation: the owner hears it is overdue (a no-op if they already did), and
    # the escalation goes to the others (never back to the owner).
    return [(Stage.OVERDUE, recipient) for recipient in item.recipients] + [
        (Stage.ESCALATED, recipient) for recipient in item.escalate_to - item.recipients
    ]


def reminders_plan(*, today: datetime.date) -> dict[LedgerKey, PlannedReminder]:
    """Every reminder that applies on `today`, from the state of the database, for
    active people only. Already-recorded ones are included: the plan is what is current,
    the ledger says what was done about it."""
    days_before = settings.REMINDER_DAYS_BEFORE
    escalate_after = settings.REMINDER_ESCALATE_AFTER_DAYS
    horizon = today + datetime.timedelta(days=days_before)
    planned: dict[LedgerKey, PlannedReminder] = {}
    for source in DUE_ITEM_SOURCES:
        for item in source(today=today, horizon=horizon):
            stage = reminder_stage(
                due_on=item.due_on,
                today=today,
                days_before=days_before,
                escalate_after=escalate_after,
            )
            if stage is None:
                continue
            for row_stage, recipient in _rows_for(item, stage):
                key = (
                    item.subject_type_id,
                    item.subject_id,
                    item.what,
                    item.due_on,
                    row_stage,
                    recipient,
                )
                planned[key] = PlannedReminder(key=key, title=item.title, url=item.url)
    recipients = {plan.recipient_id for plan in planned.values()}
    languages = dict(
        User.objects.filter(pk__in=recipients, is_active=True).values_list("pk", "language")
    )
    # Each title is written down in its recipient's language (it is kept on the ledger).
    current = {}
    for key, plan in planned.items():
        if plan.recipient_id in languages:
            with translation.override(languages[plan.recipient_id] or settings.LANGUAGE_CODE):
                current[key] = replace(plan, title=str(plan.title)[:255])
    return current


def mail_pending() -> Q:
    """Ledger rows still to be mailed: not sent, and not set aside as never to be mailed."""
    return Q(sent_at__isnull=True) & ~Q(last_error__startswith=NOT_MAILED)


def digest_pending() -> Q:
    """Rows still to be mailed in a digest: returned work and the OPCC's decisions are
    mailed at once, on their own (reminders.services.returns_notify), never in a digest."""
    return mail_pending() & ~Q(what__in=AT_ONCE_WHATS)


@dataclass(frozen=True)
class LedgerState:
    recorded: set[LedgerKey]
    pending: set[LedgerKey]


def ledger_state(planned: dict[LedgerKey, PlannedReminder]) -> LedgerState:
    """Which planned reminders the ledger already holds, and which of those are still to
    be mailed. One query, over the planned due dates."""
    if not planned:
        return LedgerState(recorded=set(), pending=set())
    due_dates = [key[3] for key in planned]
    rows = Reminder.objects.filter(
        due_on__gte=min(due_dates), due_on__lte=max(due_dates)
    ).values_list(
        "subject_type_id",
        "subject_id",
        "what",
        "due_on",
        "stage",
        "recipient_id",
        "sent_at",
        "last_error",
    )
    recorded, pending = set(), set()
    for *key, sent_at, last_error in rows:
        key = tuple(key)
        if key in planned:
            recorded.add(key)
            if sent_at is None and not last_error.startswith(NOT_MAILED):
                pending.add(key)
    return LedgerState(recorded=recorded, pending=pending)


def ledger_row(key: LedgerKey, *, title: str, url: str, mail_off: bool) -> Reminder:
    """An unsaved ledger row for `key`; a row for someone whose e-mail is off is shown in
    the app all the same and set aside so it is never mailed later."""
    subject_type_id, subject_id, what, due_on, stage, recipient_id = key
    return Reminder(
        subject_type_id=subject_type_id,
        subject_id=subject_id,
        what=what,
        due_on=due_on,
        stage=stage,
        recipient_id=recipient_id,
        title=title,
        url=url,
        last_error=REASON_MAIL_OFF if mail_off else "",
    )


def new_reminder(plan: PlannedReminder, *, mail_off: bool) -> Reminder:
    return ledger_row(plan.key, title=plan.title, url=plan.url, mail_off=mail_off)
