"""Who may do what with a reminder."""

from oversight.models import User
from reminders.models import Reminder


def can_mark_read(user: User, reminder: Reminder) -> bool:
    """A notification is read by the person it was sent to, and nobody else."""
    return reminder.recipient_id == user.pk
