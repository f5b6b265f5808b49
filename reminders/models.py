"""The reminder ledger, which is also each person's list of notifications."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy

from oversight.models import TimeStampedModel


class Reminder(TimeStampedModel):
    """The reminder ledger: one row per (thing, due date, stage, recipient).

    The unique constraint is what makes a second send impossible, even when two sweeps
    run at once; `sent_at` stays empty until the digest carrying it was accepted by the
    mail server.
    """

    class Stage(models.TextChoices):
        DUE_SOON = "due_soon", gettext_lazy("Due soon")
        DUE_TODAY = "due_today", gettext_lazy("Due today")
        OVERDUE = "overdue", gettext_lazy("Overdue")
        ESCALATED = "escalated", gettext_lazy("Escalated")
        # Not a date's stage: the OPCC returned the work (reminders/returned.py).
        RETURNED = "returned", gettext_lazy("Returned to you")
        # Not a date's stage either: the OPCC decided a request (reminders/decided.py).
        DECIDED = "decided", gettext_lazy("OPCC decision")

    subject_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    subject_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("subject_type", "subject_id")
    what = models.CharField(max_length=40, help_text="Which date, e.g. update_due or target_date.")
    due_on = models.DateField()
    stage = models.CharField(max_length=10, choices=Stage.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminders"
    )
    title = models.CharField(max_length=255)
    url = models.CharField(max_length=255)
    sent_at = models.DateTimeField(null=True, blank=True)
    send_attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # The table keeps the name it had when reminders lived in the recommendations app.
        db_table = "recommendations_reminder"
        constraints = [
            models.UniqueConstraint(
                fields=["subject_type", "subject_id", "what", "due_on", "stage", "recipient"],
                name="reminder_once_per_thing_date_stage_recipient",
            ),
        ]
        indexes = [
            # Notification list and unread count in the navigation bar.
            models.Index(fields=["recipient", "read_at"], name="reminder_recipient_read_idx"),
            # Chain of who was told, shown on an item's page.
            models.Index(fields=["subject_type", "subject_id"], name="reminder_subject_idx"),
        ]

    def __str__(self):
        return f"{self.get_stage_display()}: {self.title} → {self.recipient}"


class CalendarFeed(TimeStampedModel):
    """A person's private calendar link (iCalendar), which Outlook or Google Calendar
    subscribe to. The link's token is shown once and stored only as its SHA-256 digest;
    revoking ends it at once, and a new link replaces the old one."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    token_digest = models.CharField(max_length=64, unique=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(revoked_at__isnull=True),
                name="calendar_feed_one_live_per_user",
            ),
        ]

    def __str__(self):
        return f"Calendar link of {self.user}"
