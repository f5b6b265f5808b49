"""Writes on the ledger: the sweep that records and mails the day's reminders, and what
a person does with their notifications and preferences."""

import datetime
import logging
import secrets
import smtplib
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation

from oversight.accounts.services import user_language_set
from oversight.models import (
    User,
)
from oversight.shared.language import language_for
from reminders.calendar import token_digest
from reminders.decided import decided_items
from reminders.digests import decision_message, digest_message, returned_message
from reminders.ledger import (
    AT_ONCE_WHATS,
    MONDAY,
    REASON_MAIL_OFF,
    REASON_NO_ADDRESS,
    REASON_NOT_CURRENT,
    STAGE_ORDER,
    LedgerKey,
    LedgerState,
    PlannedReminder,
    Stage,
    digest_pending,
    ledger_key,
    ledger_row,
    ledger_state,
    mail_pending,
    new_reminder,
    reminders_plan,
)
from reminders.models import CalendarFeed, Reminder
from reminders.permissions import can_mark_read
from reminders.returned import RETURN_NOTICE_DAYS, ReturnedItem, returned_items
from reminders.selectors import reminders_for

logger = logging.getLogger(__name__)


class Outcome:
    SENT = "sent"
    WOULD_SEND = "would send"
    WAITS_FOR_MONDAY = "waits for Monday's weekly digest"
    IN_APP_ONLY = "in the app only"
    FAILED = "failed"


@dataclass
class Digest:
    """What a sweep did, or would do, for one person (a dry run's reminders are
    PlannedReminders, which read like ledger rows)."""

    recipient: User
    reminders: list[Reminder] | list[PlannedReminder]
    outcome: str
    detail: str = ""


@dataclass
class SweepResult:
    today: datetime.date
    dry_run: bool
    planned: int = 0
    created: int = 0
    digests: list[Digest] = field(default_factory=list)

    @property
    def failed(self) -> list[Digest]:
        return [digest for digest in self.digests if digest.outcome == Outcome.FAILED]

    @property
    def sent(self) -> list[Digest]:
        return [digest for digest in self.digests if digest.outcome == Outcome.SENT]

    def summary(self) -> dict:
        return {
            "today": self.today.isoformat(),
            "planned": self.planned,
            "created": self.created,
            "digests_sent": len(self.sent),
            "digests_failed": len(self.failed),
        }


def _mail_decision(*, recipient: User, today: datetime.date) -> tuple[str, str]:
    """(outcome, reason) for a person with reminders to mail today."""
    if not recipient.email_reminders:
        return Outcome.IN_APP_ONLY, REASON_MAIL_OFF
    if not recipient.email:
        return Outcome.IN_APP_ONLY, REASON_NO_ADDRESS
    if recipient.digest_frequency == User.DigestFrequency.WEEKLY and today.weekday() != MONDAY:
        return Outcome.WAITS_FOR_MONDAY, ""
    return Outcome.WOULD_SEND, ""


def _mark_not_mailed(reminders: list[Reminder], reason: str) -> None:
    if reminders:
        Reminder.objects.filter(pk__in=[r.pk for r in reminders]).update(last_error=reason)


def _send_and_record(message, *, recipient: User, rows: list[Reminder], connection) -> Digest:
    """Send one message carrying `rows` (locked by the caller) over the run's open
    connection, then mark them sent; a mail failure is counted on the rows and marks none
    sent, so the next run tries again."""
    pks = [row.pk for row in rows]
    try:
        message.connection = connection
        connection.open()  # kept open for the next message (a no-op once open)
        message.send()
    except (smtplib.SMTPException, OSError) as error:
        connection.close()  # the next message opens a fresh connection
        detail = f"{error.__class__.__name__}: {error}"[:1000]
        Reminder.objects.filter(pk__in=pks).update(
            send_attempts=F("send_attempts") + 1, last_error=detail
        )
        logger.warning("Mail to %s failed: %s", recipient.pk, detail)
        return Digest(recipient, rows, Outcome.FAILED, detail)
    Reminder.objects.filter(pk__in=pks).update(
        sent_at=timezone.now(), send_attempts=F("send_attempts") + 1, last_error=""
    )
    return Digest(recipient, rows, Outcome.SENT)


def _deliver(
    *,
    recipient: User,
    planned: dict[LedgerKey, PlannedReminder],
    today: datetime.date,
    mail_connection,
) -> Digest | None:
    """Lock the person's unsent rows, mail one digest of the current ones, then mark them
    sent. Rows another sweep holds are skipped: that sweep is mailing them."""
    with transaction.atomic():
        rows = list(
            Reminder.objects.filter(digest_pending(), recipient=recipient)
            .select_for_update(skip_locked=True)
            .order_by("due_on", "pk")
        )
        if not rows:
            return None
        current = [row for row in rows if ledger_key(row) in planned]
        _mark_not_mailed(
            [row for row in rows if ledger_key(row) not in planned], REASON_NOT_CURRENT
        )
        if not current:
            return None
        outcome, reason = _mail_decision(recipient=recipient, today=today)
        if outcome == Outcome.IN_APP_ONLY:
            _mark_not_mailed(current, reason)
            return Digest(recipient, current, outcome, reason)
        if outcome == Outcome.WAITS_FOR_MONDAY:
            return Digest(recipient, current, outcome)
        message = digest_message(recipient=recipient, reminders=current, today=today)
        return _send_and_record(
            message, recipient=recipient, rows=current, connection=mail_connection
        )


def _preview(
    *,
    planned: dict[LedgerKey, PlannedReminder],
    ledger: LedgerState,
    recipients: dict[int, User],
    today: datetime.date,
) -> list[Digest]:
    """What a real sweep would mail, without writing or sending anything."""
    by_recipient: dict[int, list[PlannedReminder]] = defaultdict(list)
    for key, plan in planned.items():
        if key not in ledger.recorded or key in ledger.pending:
            by_recipient[plan.recipient_id].append(plan)
    digests = []
    for recipient_id, reminders in by_recipient.items():
        recipient = recipients[recipient_id]
        outcome, reason = _mail_decision(recipient=recipient, today=today)
        reminders.sort(key=lambda r: (STAGE_ORDER.index(r.stage), r.due_on, r.title))
        digests.append(Digest(recipient, reminders, outcome, reason))
    return digests


def reminders_sweep(*, today: datetime.date | None = None, dry_run: bool = False) -> SweepResult:
    """Record today's reminders in the ledger and mail one digest per person.

    Safe to run any number of times, at once or after days of not running: the ledger's
    unique constraint and the row locks make every reminder go out once. Each person's
    digest commits on its own, so a failure for one person leaves the others sent.
    """
    today = today or timezone.localdate()
    planned = reminders_plan(today=today)
    ledger = ledger_state(planned)
    result = SweepResult(today=today, dry_run=dry_run, planned=len(planned))
    new = [plan for key, plan in planned.items() if key not in ledger.recorded]
    recipient_ids = {plan.recipient_id for plan in new} | {key[5] for key in ledger.pending}
    if dry_run:
        recipients = User.objects.in_bulk(recipient_ids)
        result.created = len(new)
        result.digests = _preview(
            planned=planned, ledger=ledger, recipients=recipients, today=today
        )
        return result

    mail_off = {
        user.pk: user
        for user in User.objects.filter(
            pk__in={plan.recipient_id for plan in new}, email_reminders=False
        )
    }
    rows = [new_reminder(plan, mail_off=plan.recipient_id in mail_off) for plan in new]
    # ON CONFLICT DO NOTHING: a row another sweep recorded meanwhile is simply skipped.
    Reminder.objects.bulk_create(rows, ignore_conflicts=True)
    result.created = len(rows)
    in_app_only: dict[int, list[Reminder]] = defaultdict(list)
    for row in rows:
        if row.recipient_id in mail_off:
            in_app_only[row.recipient_id].append(row)
    result.digests = [
        Digest(mail_off[recipient_id], reminders, Outcome.IN_APP_ONLY, REASON_MAIL_OFF)
        for recipient_id, reminders in in_app_only.items()
    ]
    # Everyone with something still to mail, including what an earlier run left pending
    # (a failed mail, a weekly digest waiting for Monday).
    pending_recipients = Reminder.objects.filter(digest_pending()).values("recipient_id")
    # One connection to the mail server for the whole run, not one per digest.
    mail_connection = get_connection()
    try:
        for recipient in User.objects.filter(pk__in=pending_recipients).order_by("pk"):
            digest = _deliver(
                recipient=recipient,
                planned=planned,
                today=today,
                mail_connection=mail_connection,
            )
            if digest is not None:
                result.digests.append(digest)
    finally:
        mail_connection.close()
    return result


@dataclass
class ReturnsResult:
    created: int = 0
    notices: list[Digest] = field(default_factory=list)

    @property
    def failed(self) -> list[Digest]:
        return [notice for notice in self.notices if notice.outcome == Outcome.FAILED]

    def summary(self) -> dict:
        sent = [notice for notice in self.notices if notice.outcome == Outcome.SENT]
        return {"created": self.created, "sent": len(sent), "failed": len(self.failed)}


def _send_returned_notice(
    *, recipient: User, rows: list[Reminder], items: dict[LedgerKey, ReturnedItem], connection
) -> Digest:
    """Mail one person the returns, or the decisions, in `rows` (locked by the caller), then
    mark them sent."""
    if not recipient.email_reminders:
        _mark_not_mailed(rows, REASON_MAIL_OFF)
        return Digest(recipient, rows, Outcome.IN_APP_ONLY, REASON_MAIL_OFF)
    if not recipient.email:
        _mark_not_mailed(rows, REASON_NO_ADDRESS)
        return Digest(recipient, rows, Outcome.IN_APP_ONLY, REASON_NO_ADDRESS)
    compose = decision_message if rows[0].stage == Stage.DECIDED else returned_message
    message = compose(recipient=recipient, notices=[(row, items[ledger_key(row)]) for row in rows])
    return _send_and_record(message, recipient=recipient, rows=rows, connection=connection)


def _notice_title(item: ReturnedItem, recipient) -> str:
    """Written down in the recipient's language (the reason is as its writer typed it)."""
    with translation.override(language_for(recipient)):
        title = str(item.title)
    return (f"{title[:150]}: {item.reason}" if item.reason else title)[:255]


def returns_notify(*, now: datetime.datetime | None = None) -> ReturnsResult:
    """Tell whoever must act on returned work (reminders/returned.py), and whoever asked
    to move a target date of the OPCC's decision (reminders/decided.py): a notification (a
    ledger row, stage "returned" or "decided") and, unless their e-mail is off, an e-mail at
    once with the reason or comment, whatever their digest frequency: a return is urgent,
    and a decision changes (or keeps) the date they work to. Returns and decisions go in
    separate e-mails.

    Safe to run any number of times: the ledger's unique constraint makes one row per
    return or decision and person, and the row locks one mail. Work resubmitted before its
    notice was mailed is not mailed (it is no longer the person's move)."""
    now = now or timezone.now()
    result = ReturnsResult()
    since = now - datetime.timedelta(days=RETURN_NOTICE_DAYS)
    items = returned_items(since=since) + decided_items(since=since)
    people = User.objects.filter(
        pk__in={pk for item in items for pk in item.recipients}, is_active=True
    ).in_bulk()
    current: dict[LedgerKey, ReturnedItem] = {
        item.key(recipient_id): item
        for item in items
        for recipient_id in item.recipients
        if recipient_id in people
    }
    recorded = set(
        Reminder.objects.filter(
            what__in=AT_ONCE_WHATS, subject_id__in={key[1] for key in current}
        ).values_list("subject_type_id", "subject_id", "what", "due_on", "stage", "recipient_id")
    )
    rows = [
        ledger_row(
            key,
            title=_notice_title(item, people[key[-1]]),
            url=item.url,
            mail_off=not people[key[-1]].email_reminders,
        )
        for key, item in current.items()
        if key not in recorded
    ]
    # ON CONFLICT DO NOTHING: a row another run recorded meanwhile is simply skipped.
    Reminder.objects.bulk_create(rows, ignore_conflicts=True)
    result.created = len(rows)
    pending = Reminder.objects.filter(mail_pending(), what__in=AT_ONCE_WHATS)
    connection = get_connection()
    try:
        for recipient in User.objects.filter(pk__in=pending.values("recipient_id")).order_by("pk"):
            with transaction.atomic():
                locked = list(
                    pending.filter(recipient=recipient)
                    .select_for_update(skip_locked=True)
                    .order_by("pk")
                )
                _mark_not_mailed(
                    [row for row in locked if ledger_key(row) not in current], REASON_NOT_CURRENT
                )
                mine = [row for row in locked if ledger_key(row) in current]
                for group in (
                    [row for row in mine if row.stage != Stage.DECIDED],
                    [row for row in mine if row.stage == Stage.DECIDED],
                ):
                    if group:
                        result.notices.append(
                            _send_returned_notice(
                                recipient=recipient,
                                rows=group,
                                items=current,
                                connection=connection,
                            )
                        )
    finally:
        connection.close()
    return result


@transaction.atomic
def reminder_mark_read(*, user: User, reminder: Reminder) -> Reminder:
    if not can_mark_read(user, reminder):
        raise PermissionDenied("Only the person a notification was sent to can mark it read.")
    if reminder.read_at is None:
        reminder.read_at = timezone.now()
        reminder.save(update_fields=["read_at", "updated_at"])
    return reminder


@transaction.atomic
def reminders_mark_all_read(*, user: User) -> int:
    return (
        reminders_for(user)
        .filter(read_at__isnull=True)
        .update(read_at=timezone.now(), updated_at=timezone.now())
    )


@transaction.atomic
def reminder_preferences_update(
    *, user: User, email_reminders: bool, digest_frequency: str, language: str | None = None
) -> User:
    user.email_reminders = email_reminders
    user.digest_frequency = User.DigestFrequency(digest_frequency)
    user.save(update_fields=["email_reminders", "digest_frequency"])
    if language is not None:
        user_language_set(user=user, language=language)
    return user


# --- The private calendar link ----------------------------------------------------------


def calendar_feed_create(*, user: User) -> tuple[CalendarFeed, str]:
    """A new private calendar link for the person, replacing (revoking) any they had.
    Returns the link's row and its token, which is shown once and stored only as a digest."""
    if not user.is_authenticated or not user.is_active:
        raise PermissionDenied("Sign in to make a calendar link.")
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        CalendarFeed.objects.select_for_update().filter(user=user, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        feed = CalendarFeed.objects.create(user=user, token_digest=token_digest(token))
    return feed, token


def calendar_feed_revoke(*, user: User) -> int:
    """End the person's calendar link at once; how many were live (0 or 1)."""
    return CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
