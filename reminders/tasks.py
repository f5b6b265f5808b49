"""Celery tasks of the reminders: thin adapters that call a service."""

import datetime
import smtplib

from celery import shared_task


class ReminderDigestsNotSent(smtplib.SMTPException):
    """Some digests were refused by the mail server; raising it makes Celery retry."""


@shared_task(
    # The registered name is older than this app: beat's rows and queued messages carry it.
    name="recommendations.sweep_reminders",
    bind=True,
    acks_late=True,
    # A sweep over a large estate mails many digests; each person's commits on its own,
    # so a sweep stopped by the limit leaves nothing half done and the next one resumes.
    soft_time_limit=20 * 60,
    time_limit=22 * 60,
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=60,
    retry_backoff_max=30 * 60,  # below the broker's visibility timeout (settings)
    retry_jitter=True,
    max_retries=6,
)
def sweep_reminders(self, today: str | None = None) -> dict:
    """Record the day's reminders and mail one digest per person.

    `today` (YYYY-MM-DD) defaults to the day the task runs, so a retry after midnight
    sweeps the new day. A mail failure is recorded on the reminders and retried with
    exponential backoff; the reminders already mailed are not mailed again.
    """
    from reminders.services import reminders_sweep

    result = reminders_sweep(today=datetime.date.fromisoformat(today) if today else None)
    if result.failed:
        raise ReminderDigestsNotSent(
            f"{len(result.failed)} digest(s) not sent: "
            + "; ".join(digest.detail for digest in result.failed[:5])
        )
    return result.summary()


@shared_task(
    name="reminders.notify_returns",
    acks_late=True,
    soft_time_limit=4 * 60,
    time_limit=5 * 60,
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=60,
    retry_backoff_max=10 * 60,
    retry_jitter=True,
    max_retries=3,
)
def notify_returns() -> dict:
    """Tell whoever must act on returned work, and whoever asked to move a target date of
    the OPCC's decision, at once (reminders.returned says why this runs on a schedule
    rather than being queued by the return or decision)."""
    from reminders.services import returns_notify

    result = returns_notify()
    if result.failed:
        raise ReminderDigestsNotSent(
            f"{len(result.failed)} returned-work notice(s) not sent: "
            + "; ".join(notice.detail for notice in result.failed[:5])
        )
    return result.summary()
