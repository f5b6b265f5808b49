"""The formal letters: generated from the live data, frozen once issued."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from oversight.models import (
    CommitteeMeeting,
    Force,
    InspectionReport,
    Office,
    PriorityArea,
    TimeStampedModel,
)
from oversight.shared.dates import DateInRange
from recommendations.models import Recommendation


class Letter(TimeStampedModel):
    """A formal letter generated from the live data; once issued it is frozen."""

    class Kind(models.TextChoices):
        FORMAL_RESPONSE = "formal_response", _("Chief constable's formal response to the PCC")
        RESPONSE_REQUEST = "response_request", _("OPCC request for a formal response")
        SECTION_55 = "section_55", _("PCC's section 55 response")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ISSUED = "issued", _("Issued")

    class RenderState(models.TextChoices):
        IDLE = "idle", _("Not rendered")
        QUEUED = "queued", _("Queued")
        RENDERING = "rendering", _("Rendering")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    Language = Office.LetterLanguage

    report = models.ForeignKey(InspectionReport, on_delete=models.PROTECT, related_name="letters")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    version = models.PositiveIntegerField(default=1)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    reference = models.CharField(max_length=60, blank=True)
    # Drafted in the office's language (Office.letter_language); an issued letter keeps the
    # language its snapshot and PDF were made in.
    language = models.CharField(max_length=10, choices=Language.choices, default=Language.ENGLISH)
    letter_date = models.DateField(default=datetime.date.today, validators=[DateInRange()])
    addressee = models.TextField(blank=True)
    salutation = models.CharField(verbose_name=_("salutation"), max_length=120, blank=True)
    opening = models.TextField(blank=True, help_text=_("Covering paragraphs before the detail."))
    closing = models.TextField(blank=True, help_text=_("Paragraphs after the detail."))
    signatory_name = models.CharField(max_length=120, blank=True)
    signatory_title = models.CharField(max_length=120, blank=True)
    # The Welsh wording of a bilingual letter, printed in its Welsh part (the fields above
    # are then the English part). A letter in one language uses the fields above only.
    salutation_cy = models.CharField(max_length=120, blank=True)
    opening_cy = models.TextField(blank=True)
    closing_cy = models.TextField(blank=True)
    signatory_title_cy = models.CharField(max_length=120, blank=True)
    response_due_on = models.DateField(
        null=True,
        blank=True,
        help_text=_("For a request for a formal response: the date the response is due."),
        validators=[DateInRange()],
    )
    render_state = models.CharField(
        max_length=10, choices=RenderState.choices, default=RenderState.IDLE
    )
    render_error = models.TextField(blank=True)
    # Who asked for the render, and when: the worker renders as that person (their scope
    # decides what the letter shows), and a render that never ran is sent again from these
    # (letters.services.letters_requeue_stalled_renders).
    render_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    render_requested_at = models.DateTimeField(null=True, blank=True)
    rendered_pdf = models.FileField(upload_to="letters/drafts/", blank=True)
    rendered_at = models.DateTimeField(null=True, blank=True)
    issued_pdf = models.FileField(upload_to="letters/issued/", blank=True)
    checksum = models.CharField(
        max_length=64, blank=True, help_text=_("SHA-256 of the issued PDF.")
    )
    snapshot = models.JSONField(null=True, blank=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    # The tables keep the names they had when letters lived in the recommendations app.
    history = HistoricalRecords(table_name="recommendations_historicalletter")

    class Meta:
        db_table = "recommendations_letter"
        constraints = [
            models.UniqueConstraint(
                fields=["report", "kind", "version"], name="letter_unique_version"
            ),
            models.CheckConstraint(
                name="letter_issued_is_frozen",
                condition=Q(status="draft")
                | (
                    Q(issued_at__isnull=False, issued_by__isnull=False, snapshot__isnull=False)
                    & Q(checksum__regex=r"^[0-9a-f]{64}$")
                    & ~Q(issued_pdf="")
                ),
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} v{self.version} ({self.get_status_display()})"

    def get_absolute_url(self):
        return reverse("letters:letter_detail", args=[self.pk])


class CommitteePack(TimeStampedModel):
    """The paper for a committee meeting: a summary with the trends, then the live
    recommendations, those completed since the previous meeting, the extensions asked for
    with their decisions, and the overdue ones. Rendered by the worker as a PDF and an XLSX
    workbook from a snapshot of the data; once issued it is frozen (checksums kept)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ISSUED = "issued", _("Issued")

    RenderState = Letter.RenderState

    meeting = models.ForeignKey(CommitteeMeeting, on_delete=models.PROTECT, related_name="packs")
    version = models.PositiveIntegerField(default=1)
    previous_meeting_on = models.DateField(
        validators=[DateInRange()],
        help_text=_("Completions and extensions are counted from the day after this."),
    )
    forces = models.ManyToManyField(
        Force, related_name="+", blank=True, help_text=_("None chosen: every force you oversee.")
    )
    sources = models.JSONField(
        default=list, blank=True, help_text=_("Report sources covered; empty: every source.")
    )
    priority_areas = models.ManyToManyField(
        PriorityArea, related_name="+", blank=True, help_text=_("None chosen: every area.")
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    render_state = models.CharField(
        max_length=10, choices=Letter.RenderState.choices, default=Letter.RenderState.IDLE
    )
    render_progress = models.PositiveSmallIntegerField(default=0)  # percent
    render_step = models.CharField(max_length=120, blank=True)
    render_error = models.TextField(blank=True)
    render_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    render_requested_at = models.DateTimeField(null=True, blank=True)
    rendered_at = models.DateTimeField(null=True, blank=True)
    as_at = models.DateField(null=True, blank=True, help_text=_("The day the figures stand at."))
    pdf = models.FileField(upload_to="packs/", blank=True)
    xlsx = models.FileField(upload_to="packs/", blank=True)
    pdf_checksum = models.CharField(max_length=64, blank=True)
    xlsx_checksum = models.CharField(max_length=64, blank=True)
    snapshot = models.JSONField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords(excluded_fields=["render_progress", "render_step"])

    class Meta:
        ordering = ["-meeting__meets_on", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "version"], name="pack_unique_version"),
            models.CheckConstraint(
                name="pack_issued_is_frozen",
                condition=Q(status="draft")
                | (
                    Q(issued_at__isnull=False, issued_by__isnull=False, snapshot__isnull=False)
                    & Q(pdf_checksum__regex=r"^[0-9a-f]{64}$")
                    & Q(xlsx_checksum__regex=r"^[0-9a-f]{64}$")
                    & ~Q(pdf="")
                    & ~Q(xlsx="")
                ),
            ),
            models.CheckConstraint(
                name="pack_progress_is_a_percentage", condition=Q(render_progress__lte=100)
            ),
        ]

    def __str__(self):
        return f"Committee pack for the {self.meeting} (v{self.version})"

    def get_absolute_url(self):
        return reverse("letters:pack_detail", args=[self.pk])

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def progress_bar_step(self) -> int:
        """The progress in steps of 5%, for the bar's width class (no inline styles)."""
        return 5 * (self.render_progress // 5)


# --- The office's public site -------------------------------------------------------------
# Nothing reaches the public pages from the live records: OPCC staff publish a snapshot
# (letters.services_public), and the public pages read only the snapshot and the frozen
# PDFs of the letters published. A later change to the live data shows once staff publish
# again; every publication is kept, with who published it and when.

LIVE_PUBLICATION = Q(replaced_at__isnull=True, withdrawn_at__isnull=True)


class PublicSummary(TimeStampedModel):
    """An office's summary, written for the public, of what has been done about one
    recommendation: a draft, kept while staff write it, copied into the report's next
    publication."""

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="+")
    recommendation = models.ForeignKey(Recommendation, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["office", "recommendation"], name="public_summary_once_per_office"
            ),
        ]

    def __str__(self):
        return f"Public summary of {self.recommendation.reference}"


class PublishedReport(TimeStampedModel):
    """One publication of a report on an office's public site, with its recommendations
    (PublishedRecommendation): what the public reads, copied from the live records when
    staff published it. Publishing again adds the next version and marks this one
    replaced; withdrawing takes the report off the site. The public sees the one version
    neither replaced nor withdrawn."""

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="published_reports")
    report = models.ForeignKey(InspectionReport, on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=255)
    force_name = models.CharField(max_length=120)
    source = models.CharField(max_length=20, choices=InspectionReport.Source.choices)
    programme = models.CharField(
        max_length=30, choices=InspectionReport.Programme.choices, blank=True
    )
    publisher = models.CharField(max_length=200, help_text=_("Who published the report."))
    published_on = models.DateField(help_text=_("When the report itself was published."))
    source_url = models.URLField(blank=True, max_length=500)
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    replaced_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["office", "report", "version"], name="published_report_unique_version"
            ),
            # Also the index of the public pages' reads: an office's live publications.
            models.UniqueConstraint(
                fields=["office", "report"],
                condition=LIVE_PUBLICATION,
                name="published_report_one_live",
            ),
            models.CheckConstraint(
                name="published_report_withdrawn_by_someone",
                condition=Q(withdrawn_at__isnull=True, withdrawn_by__isnull=True)
                | Q(withdrawn_at__isnull=False, withdrawn_by__isnull=False),
            ),
        ]

    def __str__(self):
        return f"{self.title} (published version {self.version})"

    def get_absolute_url(self):
        return reverse("public:report", args=[self.office.slug, self.report_id])

    @property
    def is_live(self) -> bool:
        return self.replaced_at is None and self.withdrawn_at is None

    @property
    def has_section_55(self) -> bool:
        return self.source in InspectionReport.SECTION_55_SOURCES


class PublishedRecommendation(models.Model):
    """A recommendation as one publication of its report shows it: the public fields only."""

    publication = models.ForeignKey(
        PublishedReport, on_delete=models.CASCADE, related_name="recommendations"
    )
    recommendation = models.ForeignKey(Recommendation, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveIntegerField()
    reference = models.CharField(max_length=20)
    kind = models.CharField(max_length=20, choices=Recommendation.Kind.choices)
    text = models.TextField()
    public_summary = models.TextField()
    status = models.CharField(max_length=25, choices=Recommendation.Status.choices)
    status_on = models.DateField(
        null=True, blank=True, help_text=_("Since when it has had this status.")
    )
    inspectorate_status = models.CharField(
        max_length=20, choices=Recommendation.InspectorateStatus.choices
    )
    inspectorate_status_on = models.DateField(null=True, blank=True)
    due_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["publication", "recommendation"],
                name="published_recommendation_once_per_publication",
            ),
        ]

    def __str__(self):
        return f"{self.reference} (published)"


class PublishedLetter(TimeStampedModel):
    """An issued letter an office put on its public site: its frozen PDF and checksum,
    shown with its report while the report is published. Withdrawing keeps the row."""

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="published_letters")
    letter = models.ForeignKey(Letter, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["office", "letter"],
                condition=Q(withdrawn_at__isnull=True),
                name="published_letter_once_live",
            ),
            models.CheckConstraint(
                name="published_letter_withdrawn_by_someone",
                condition=Q(withdrawn_at__isnull=True, withdrawn_by__isnull=True)
                | Q(withdrawn_at__isnull=False, withdrawn_by__isnull=False),
            ),
        ]

    def __str__(self):
        return f"{self.letter} on the public site"

    @property
    def is_live(self) -> bool:
        return self.withdrawn_at is None
