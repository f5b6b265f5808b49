"""The OPCC's own scrutiny: deep-dive reviews, their follow-ups, and investments."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from oversight.models import Force, InspectionReport, Office, PriorityArea, TimeStampedModel
from oversight.shared.dates import DateInRange
from recommendations.models import Action, Recommendation


class Assurance(models.TextChoices):
    ASSURED = "assured", _("Assured")
    PARTLY_ASSURED = "partly_assured", _("Partly assured")
    NOT_ASSURED = "not_assured", _("Not assured")


class DeepDiveReview(TimeStampedModel):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        HELD = "held", _("Held")
        CLOSED = "closed", _("Closed")

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="reviews")
    force = models.ForeignKey(Force, on_delete=models.PROTECT, related_name="reviews")
    report = models.ForeignKey(
        InspectionReport,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reviews",
    )
    priority_areas = models.ManyToManyField(PriorityArea, related_name="reviews", blank=True)
    theme = models.CharField(max_length=200)
    held_on = models.DateField(validators=[DateInRange()])
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.HELD)
    panel = models.TextField(blank=True, help_text=_("Panel members, one per line."))
    evidence_summary = models.TextField(blank=True, help_text=_("Evidence the force presented."))
    findings = models.TextField(blank=True)
    performance_assurance = models.CharField(max_length=15, choices=Assurance.choices, blank=True)
    performance_rationale = models.TextField(blank=True)
    plans_assurance = models.CharField(max_length=15, choices=Assurance.choices, blank=True)
    plans_rationale = models.TextField(blank=True)
    revisit_on = models.DateField(null=True, blank=True, validators=[DateInRange()])

    history = HistoricalRecords(m2m_fields=[priority_areas])

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="review_performance_assurance_needs_rationale",
                condition=Q(performance_assurance="") | ~Q(performance_rationale=""),
            ),
            models.CheckConstraint(
                name="review_plans_assurance_needs_rationale",
                condition=Q(plans_assurance="") | ~Q(plans_rationale=""),
            ),
        ]

    def __str__(self):
        return f"{self.theme} ({self.held_on:%d %b %Y})"

    def get_absolute_url(self):
        return reverse("reviews:review_detail", args=[self.pk])


class LineOfEnquiry(TimeStampedModel):
    review = models.ForeignKey(
        DeepDiveReview, on_delete=models.CASCADE, related_name="lines_of_enquiry"
    )
    position = models.PositiveSmallIntegerField(default=1)
    question = models.TextField()
    response = models.TextField(blank=True, help_text=_("What the panel heard and concluded."))

    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = _("lines of enquiry")
        constraints = [
            models.UniqueConstraint(
                fields=["review", "position"], name="line_of_enquiry_unique_position"
            ),
        ]

    def __str__(self):
        return self.question[:80]


class ReviewEvidence(TimeStampedModel):
    review = models.ForeignKey(DeepDiveReview, on_delete=models.PROTECT, related_name="evidence")
    title = models.CharField(max_length=200, blank=True)
    file = models.FileField(upload_to="reviews/%Y/%m/")
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name_plural = _("review evidence")

    def __str__(self):
        return self.title or self.original_name

    def get_absolute_url(self):
        return reverse("reviews:evidence_download", args=[self.pk])


class FollowUp(TimeStampedModel):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    OPEN_STATUSES = (Status.OPEN, Status.IN_PROGRESS)

    review = models.ForeignKey(DeepDiveReview, on_delete=models.PROTECT, related_name="follow_ups")
    description = models.TextField()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="follow_ups"
    )
    due_on = models.DateField(validators=[DateInRange()])
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    recommendation = models.ForeignKey(
        Recommendation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="follow_ups",
    )
    outcome = models.TextField(blank=True)
    completed_on = models.DateField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="follow_up_done_has_date",
                condition=~Q(status="done") | Q(completed_on__isnull=False),
            ),
        ]
        indexes = [
            # "My actions" and the reminder sweep: an owner's open follow-ups by due date.
            models.Index(fields=["owner", "status", "due_on"], name="follow_up_owner_due_idx"),
        ]

    def __str__(self):
        return self.description[:80]

    def get_absolute_url(self):
        return reverse("reviews:review_detail", args=[self.review_id]) + f"#follow-up-{self.pk}"


class ActionSample(TimeStampedModel):
    """A completed action the review tested: was it effective?"""

    class Verdict(models.TextChoices):
        EFFECTIVE = "effective", _("Effective")
        NOT_EFFECTIVE = "not_effective", _("Not effective")

    review = models.ForeignKey(DeepDiveReview, on_delete=models.CASCADE, related_name="samples")
    action = models.ForeignKey(Action, on_delete=models.PROTECT, related_name="samples")
    verdict = models.CharField(max_length=15, choices=Verdict.choices)
    reason = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["review", "action"], name="sample_once_per_review"),
            models.CheckConstraint(
                name="sample_not_effective_needs_reason",
                condition=~Q(verdict="not_effective") | ~Q(reason=""),
            ),
        ]

    def __str__(self):
        return f"{self.action.reference}: {self.get_verdict_display()}"


class Investment(TimeStampedModel):
    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        APPROVED = "approved", _("Approved")
        IN_DELIVERY = "in_delivery", _("In delivery")
        COMPLETED = "completed", _("Completed")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="investments")
    force = models.ForeignKey(Force, on_delete=models.PROTECT, related_name="investments")
    title = models.CharField(max_length=200)
    purpose = models.TextField()
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    awarded_on = models.DateField(validators=[DateInRange()])
    outcome = models.TextField(blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.APPROVED)
    recommendations = models.ManyToManyField(Recommendation, related_name="investments", blank=True)

    history = HistoricalRecords(m2m_fields=[recommendations])

    class Meta:
        constraints = [
            models.CheckConstraint(name="investment_amount_positive", condition=Q(amount__gt=0)),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("reviews:investment_detail", args=[self.pk])
