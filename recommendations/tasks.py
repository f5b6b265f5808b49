"""Celery tasks: thin adapters that take ids and call a service.

Queue them with transaction.on_commit so a task never runs before its data is committed.
"""

import datetime
import smtplib

from celery import shared_task
from django.db import OperationalError

# --- Reminders (issue 5) ---------------------------------------------------------------


class ReminderDigestsNotSent(smtplib.SMTPException):
    """Some digests were refused by the mail server; raising it makes Celery retry."""


@shared_task(
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
    from recommendations.reminders import reminders_sweep

    result = reminders_sweep(today=datetime.date.fromisoformat(today) if today else None)
    if result.failed:
        raise ReminderDigestsNotSent(
            f"{len(result.failed)} digest(s) not sent: "
            + "; ".join(digest.detail for digest in result.failed[:5])
        )
    return result.summary()


# --- Letters (issue 6) -----------------------------------------------------------------


@shared_task(
    name="recommendations.render_letter",
    soft_time_limit=120,
    time_limit=150,
    autoretry_for=(OperationalError,),
    retry_backoff=10,
    max_retries=3,
)
def render_letter(letter_id: int, user_id: int) -> None:
    """Render a draft letter's PDF as the person who asked for it (their scope decides
    what the letter may show). Queued by letters.letter_request_render on commit."""
    from recommendations.letters import letter_render_draft

    letter_render_draft(letter_id=letter_id, user_id=user_id)


@shared_task(
    name="recommendations.requeue_stalled_letters",
    soft_time_limit=60,
    time_limit=90,
    # No retries: beat runs it every few minutes, and the next run is the retry.
)
def requeue_stalled_letters() -> int:
    """Send the draft renders that never ran to the worker again (beat, every 5 minutes):
    the catch-up for a render asked for while the broker was down or lost with a worker."""
    from recommendations.letters import letters_requeue_stalled_renders

    return letters_requeue_stalled_renders()
