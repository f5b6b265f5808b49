"""Recommendations, the force's action plan, progress updates and evidence."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce, Lower
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy
from simple_history.models import HistoricalRecords

from oversight.models import (
    CauseOfConcern,
    Force,
    InspectionReport,
    NationalReport,
    PartnerAgency,
    PriorityArea,
    TimeStampedModel,
)
from oversight.shared.dates import DateInRange


class Rag(models.TextChoices):
    """Red / amber / green, and blue for complete."""

    RED = "red", gettext_lazy("Red")
    AMBER = "amber", gettext_lazy("Amber")
    GREEN = "green", gettext_lazy("Green")
    COMPLETE = "complete", gettext_lazy("Complete (blue)")


class Recommendation(TimeStampedModel):
    class Kind(models.TextChoices):
        RECOMMENDATION = "recommendation", gettext_lazy("Recommendation")
        AREA_FOR_IMPROVEMENT = "afi", gettext_lazy("Area for improvement")

    class Timescale(models.TextChoices):
        IMMEDIATELY = "immediately", gettext_lazy("Immediately")
        ONE_MONTH = "1_month", gettext_lazy("Within one month")
        THREE_MONTHS = "3_months", gettext_lazy("Within three months")
        SIX_MONTHS = "6_months", gettext_lazy("Within six months")
        TWELVE_MONTHS = "12_months", gettext_lazy("Within twelve months")
        NONE = "none", gettext_lazy("No timescale stated")

    class Status(models.TextChoices):
        OPEN = "open", gettext_lazy("Open")
        IN_PROGRESS = "in_progress", gettext_lazy("In progress")
        PROPOSED_FOR_CLOSURE = "proposed_for_closure", gettext_lazy("Proposed for closure")
        CLOSED = "closed", gettext_lazy("Closed")
        SUPERSEDED = "superseded", gettext_lazy("Superseded")
        NO_ACTION = "no_action", gettext_lazy("No action")
        # Repeats one the force already answers: that one's response stands for both.
        COVERED = "covered", gettext_lazy("Covered by another")
        # Addressed only to national bodies: the force follows it, nobody chases it.
        FOR_INFORMATION = "for_information", gettext_lazy("For information")

    class InspectorateStatus(models.TextChoices):
        AWAITING_REVIEW = "awaiting_review", gettext_lazy("Awaiting review")
        BEING_PROGRESSED = "being_progressed", gettext_lazy("Being progressed")
        COMPLETE = "complete", gettext_lazy("Complete")
        NO_FURTHER_ACTION = "no_further_action", gettext_lazy("No further action")

    # HMICFRS has finished with it, whichever way.
    INSPECTORATE_DONE = (InspectorateStatus.COMPLETE, InspectorateStatus.NO_FURTHER_ACTION)

    class Acceptance(models.TextChoices):
        AGREED = "agreed", gettext_lazy("Agreed")
        PARTLY_AGREED = "partly_agreed", gettext_lazy("Partly agreed")
        NOT_AGREED = "not_agreed", gettext_lazy("Not agreed")

    OPEN_STATUSES = (Status.OPEN, Status.IN_PROGRESS, Status.PROPOSED_FOR_CLOSURE)

    report = models.ForeignKey(
        InspectionReport, on_delete=models.PROTECT, related_name="recommendations"
    )
    kind = models.CharField(
        verbose_name=gettext_lazy("kind"),
        max_length=20,
        choices=Kind.choices,
        default=Kind.RECOMMENDATION,
    )
    reference = models.CharField(
        verbose_name=gettext_lazy("reference"),
        max_length=20,
        help_text=gettext_lazy("As published, e.g. R1 or AFI3."),
    )
    publisher_reference = models.CharField(
        gettext_lazy("publisher's ID"),
        max_length=50,
        blank=True,
        help_text=gettext_lazy(
            "The identifier the publisher gives it (HMICFRS numbers each "
            "recommendation, e.g. “PEEL 2023 R3”): a spreadsheet re-import matches rows on it."
        ),
    )
    position = models.PositiveIntegerField(default=1)
    text = models.TextField()
    timescale = models.CharField(
        verbose_name=gettext_lazy("timescale"),
        max_length=12,
        choices=Timescale.choices,
        default=Timescale.NONE,
    )
    due_on = models.DateField(null=True, blank=True, validators=[DateInRange()])
    cause_of_concern = models.ForeignKey(
        CauseOfConcern,
        verbose_name=gettext_lazy("cause of concern"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="recommendations",
    )
    priority_areas = models.ManyToManyField(
        PriorityArea,
        verbose_name=gettext_lazy("priority areas"),
        related_name="recommendations",
        blank=True,
    )
    force_acceptance = models.CharField(max_length=15, choices=Acceptance.choices, blank=True)
    status = models.CharField(max_length=25, choices=Status.choices, default=Status.OPEN)
    inspectorate_status = models.CharField(
        max_length=20,
        choices=InspectorateStatus.choices,
        default=InspectorateStatus.AWAITING_REVIEW,
        help_text="The latest of its InspectorateStatusChange log, kept in step by "
        "recommendations.services.inspectorate_status_record.",
    )
    inspectorate_status_on = models.DateField(
        null=True,
        blank=True,
        help_text=gettext_lazy("The date of the inspectorate status's latest change."),
        validators=[DateInRange()],
    )
    carried_forward_from = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="carried_forward_to",
        help_text=gettext_lazy(
            "The area for improvement in an earlier inspection that this one continues."
        ),
    )
    superseded_by = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="supersedes"
    )
    covered_by = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="covers",
        help_text=gettext_lazy(
            "The recommendation of the same force whose response answers this one too."
        ),
    )
    national_recommendation = models.ForeignKey(
        "NationalRecommendation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="responses",
        help_text=gettext_lazy(
            "The national report's recommendation this is the force's response to: "
            "its wording is held there."
        ),
    )
    status_reason = models.TextField(
        blank=True,
        help_text=gettext_lazy("Why no action is taken, or why the recommendation was superseded."),
    )
    closure_rationale = models.TextField(blank=True)
    closure_proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    closure_proposed_at = models.DateTimeField(null=True, blank=True)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    signed_off_at = models.DateTimeField(null=True, blank=True)

    # The change reason holds the note of a bulk update (services_bulk), which may be
    # longer than simple-history's default 100 characters.
    history = HistoricalRecords(
        m2m_fields=[priority_areas], history_change_reason_field=models.TextField(null=True)
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["report", "reference"], name="recommendation_unique_reference"
            ),
            # The re-import's match key: one recommendation per publisher's ID in a report,
            # whatever its case.
            models.UniqueConstraint(
                F("report"),
                Lower("publisher_reference"),
                condition=~Q(publisher_reference=""),
                name="recommendation_unique_publisher_reference",
                violation_error_message=gettext_lazy(
                    "This report already has a recommendation with this "
                    "publisher's ID: use another ID or edit that recommendation."
                ),
            ),
            models.CheckConstraint(
                name="recommendation_superseded_needs_target",
                condition=~Q(status="superseded") | Q(superseded_by__isnull=False),
            ),
            models.CheckConstraint(
                name="recommendation_not_superseded_by_itself",
                condition=~Q(superseded_by=F("pk")),
            ),
            models.CheckConstraint(
                name="recommendation_covered_needs_target",
                condition=~Q(status="covered") | Q(covered_by__isnull=False),
            ),
            models.CheckConstraint(
                name="recommendation_not_covered_by_itself",
                condition=~Q(covered_by=F("pk")),
            ),
            # A force answers each national recommendation once.
            models.UniqueConstraint(
                fields=["report", "national_recommendation"],
                name="recommendation_national_once_per_report",
            ),
            models.CheckConstraint(
                name="recommendation_only_afis_carried_forward",
                condition=Q(carried_forward_from__isnull=True) | Q(kind="afi"),
            ),
            models.CheckConstraint(
                name="recommendation_not_carried_forward_from_itself",
                condition=~Q(carried_forward_from=F("pk")),
            ),
            # An area for improvement is carried into a given later report once.
            models.UniqueConstraint(
                fields=["carried_forward_from", "report"],
                name="recommendation_carried_forward_once_per_report",
            ),
            models.CheckConstraint(
                name="recommendation_no_action_needs_reason",
                condition=~Q(status="no_action") | ~Q(status_reason=""),
            ),
            models.CheckConstraint(
                name="recommendation_closed_needs_rationale_and_sign_off",
                condition=~Q(status="closed")
                | (~Q(closure_rationale="") & Q(signed_off_by__isnull=False)),
            ),
            models.CheckConstraint(
                name="recommendation_sign_off_by_another_person",
                condition=Q(signed_off_by__isnull=True)
                | Q(closure_proposed_by__isnull=True)
                | ~Q(signed_off_by=F("closure_proposed_by")),
            ),
        ]
        indexes = [
            # Register filtered by status, newest report first; dashboard counts by status.
            models.Index(fields=["status", "report"], name="rec_status_report_idx"),
            # Dashboard: the oldest proposals waiting for sign-off, and the open
            # recommendations due soonest, read in order and stopped after ten (their
            # totals are kept per force, recommendations.tallies).
            models.Index(
                fields=["closure_proposed_at", "id"],
                condition=Q(status="proposed_for_closure"),
                name="rec_proposed_idx",
            ),
            models.Index(
                fields=["due_on", "id"],
                condition=Q(status__in=["open", "in_progress"]),
                name="rec_open_due_idx",
            ),
        ]

    def __str__(self):
        return f"{self.reference}: {self.text[:80]}"

    def get_absolute_url(self):
        return reverse("recommendations:recommendation_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def is_afi(self) -> bool:
        return self.kind == self.Kind.AREA_FOR_IMPROVEMENT


class NationalRecommendation(TimeStampedModel):
    """One recommendation of a national or thematic report, worded once, with whom it is
    addressed to. Each force the report is applied to answers it through its own
    Recommendation (responses), whose wording is kept the same as this one's."""

    class Forces(models.TextChoices):
        ALL = "all", gettext_lazy("All chief constables")
        NAMED = "named", gettext_lazy("Named forces")
        NONE = "none", gettext_lazy("No force: national bodies only")

    class Body(models.TextChoices):
        NPCC = "npcc", gettext_lazy("NPCC")
        COLLEGE_OF_POLICING = "college_of_policing", gettext_lazy("College of Policing")
        HOME_OFFICE = "home_office", gettext_lazy("Home Office")
        IOPC = "iopc", gettext_lazy("IOPC")
        NCA = "nca", gettext_lazy("National Crime Agency")
        CPS = "cps", gettext_lazy("Crown Prosecution Service")
        PCCS = "pccs", gettext_lazy("Police and crime commissioners")
        APCC = "apcc", gettext_lazy("APCC")

    national_report = models.ForeignKey(
        NationalReport, on_delete=models.PROTECT, related_name="recommendations"
    )
    kind = models.CharField(
        verbose_name=gettext_lazy("kind"),
        max_length=20,
        choices=Recommendation.Kind.choices,
        default=Recommendation.Kind.RECOMMENDATION,
    )
    reference = models.CharField(
        verbose_name=gettext_lazy("reference"),
        max_length=20,
        help_text=gettext_lazy("As published, e.g. R1 or AFI3."),
    )
    publisher_reference = models.CharField(
        gettext_lazy("publisher's ID"), max_length=50, blank=True
    )
    position = models.PositiveIntegerField(default=1)
    text = models.TextField()
    timescale = models.CharField(
        verbose_name=gettext_lazy("timescale"),
        max_length=12,
        choices=Recommendation.Timescale.choices,
        default=Recommendation.Timescale.NONE,
    )
    addressed_forces = models.CharField(
        gettext_lazy("addressed to forces"),
        max_length=10,
        choices=Forces.choices,
        default=Forces.ALL,
    )
    named_forces = models.ManyToManyField(Force, blank=True, related_name="+")
    national_bodies = models.JSONField(
        default=list,
        blank=True,
        help_text="The national bodies it is addressed to (Body values).",
    )
    other_addressees = models.CharField(
        verbose_name=gettext_lazy("other addressees"),
        max_length=200,
        blank=True,
        help_text=gettext_lazy("Anyone else it is addressed to, as written."),
    )

    history = HistoricalRecords(m2m_fields=[named_forces])

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["national_report", "reference"],
                name="national_recommendation_unique_reference",
            ),
            models.UniqueConstraint(
                F("national_report"),
                Lower("publisher_reference"),
                condition=~Q(publisher_reference=""),
                name="national_recommendation_unique_publisher_reference",
            ),
        ]

    def __str__(self):
        return f"{self.reference}: {self.text[:80]}"

    def get_absolute_url(self):
        return reverse("recommendations:national_recommendation_detail", args=[self.pk])

    def addressees_label(self, named: list | None = None) -> str:
        """Whom it is addressed to, as a sentence part: "All chief constables; NPCC"."""
        parts = []
        if self.addressed_forces == self.Forces.ALL:
            parts.append(gettext("All chief constables"))
        elif self.addressed_forces == self.Forces.NAMED:
            forces = named if named is not None else list(self.named_forces.all())
            parts.append(", ".join(str(force) for force in forces) or gettext("Named forces"))
        labels = dict(self.Body.choices)
        parts += [str(labels.get(body, body)) for body in self.national_bodies]
        if self.other_addressees:
            parts.append(self.other_addressees)
        return "; ".join(parts)

    def is_addressed_to(self, force_id: int, named_ids: set[int]) -> bool:
        if self.addressed_forces == self.Forces.ALL:
            return True
        return self.addressed_forces == self.Forces.NAMED and force_id in named_ids


class InspectorateStatusChange(TimeStampedModel):
    """One dated change of the inspectorate's own verdict on a recommendation, as HMICFRS
    published it (its monitoring portal, a revisit letter). Never edited: a correction is a
    later change, so the log stays what the office was told and when."""

    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.PROTECT, related_name="inspectorate_changes"
    )
    status = models.CharField(max_length=20, choices=Recommendation.InspectorateStatus.choices)
    changed_on = models.DateField(validators=[DateInRange()])
    comment = models.TextField(blank=True)
    source_url = models.URLField(gettext_lazy("link to the source"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="inspectorate_change_known_status",
                condition=Q(status__in=Recommendation.InspectorateStatus.values),
            ),
        ]
        indexes = [
            # The recommendation page's log, newest first; the latest decides the status.
            models.Index(
                fields=["recommendation", "-changed_on", "-id"],
                name="inspectorate_change_rec_idx",
            ),
        ]

    def __str__(self):
        return f"{self.get_status_display()} on {self.changed_on}"


class ActionPlan(TimeStampedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", gettext_lazy("Draft")
        SUBMITTED = "submitted", gettext_lazy("Submitted")
        ACTIVE = "active", gettext_lazy("Active")
        CLOSED = "closed", gettext_lazy("Closed")

    report = models.ForeignKey(
        InspectionReport,
        verbose_name=gettext_lazy("report"),
        on_delete=models.PROTECT,
        related_name="action_plans",
    )
    force = models.ForeignKey(Force, on_delete=models.PROTECT, related_name="action_plans")
    title = models.CharField(verbose_name=gettext_lazy("title"), max_length=200, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_action_plans",
        help_text=gettext_lazy("The force chief officer who owns the plan."),
    )
    governance_board = models.CharField(
        verbose_name=gettext_lazy("governance board"), max_length=200, blank=True
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    submitted_on = models.DateField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["report", "force"], name="action_plan_one_per_force"),
        ]

    def __str__(self):
        return self.title or f"Action plan: {self.report}"

    def get_absolute_url(self):
        return reverse("recommendations:plan_detail", args=[self.pk])


class Action(TimeStampedModel):
    class Status(models.TextChoices):
        AWAITING_ALLOCATION = "awaiting_allocation", gettext_lazy("Awaiting allocation")
        IN_PROGRESS = "in_progress", gettext_lazy("In progress")
        PENDING_SIGN_OFF = "pending_sign_off", gettext_lazy("Pending sign-off")
        CLOSED = "closed", gettext_lazy("Closed")
        PAUSED = "paused", gettext_lazy("Paused")
        NOT_NEEDED = "not_needed", gettext_lazy("Not needed")

    class Cadence(models.TextChoices):
        MONTHLY = "monthly", gettext_lazy("Monthly")
        QUARTERLY = "quarterly", gettext_lazy("Quarterly")
        CUSTOM = "custom", gettext_lazy("Every N days")

    LIVE_STATUSES = (Status.AWAITING_ALLOCATION, Status.IN_PROGRESS, Status.PENDING_SIGN_OFF)
    FINISHED_STATUSES = (Status.CLOSED, Status.NOT_NEEDED)

    plan = models.ForeignKey(ActionPlan, on_delete=models.PROTECT, related_name="actions")
    recommendations = models.ManyToManyField(
        Recommendation, verbose_name=gettext_lazy("recommendations"), related_name="actions"
    )
    reference = models.CharField(
        verbose_name=gettext_lazy("reference"), max_length=20, help_text=gettext_lazy("e.g. A1")
    )
    description = models.TextField(verbose_name=gettext_lazy("description"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_actions",
        help_text=gettext_lazy("The chief officer accountable for the action."),
    )
    delivery_lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("delivery lead"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="led_actions",
        help_text=gettext_lazy("The police lead or partner agency lead who keeps it up to date."),
    )
    partner_agency = models.ForeignKey(
        PartnerAgency,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="actions",
        help_text=gettext_lazy("Set when a partner agency owns the action."),
    )
    target_date = models.DateField(
        verbose_name=gettext_lazy("target date"),
        help_text=gettext_lazy("The original target date; never changed."),
        validators=[DateInRange()],
    )
    revised_target_date = models.DateField(null=True, blank=True, validators=[DateInRange()])
    revision_reason = models.TextField(blank=True)
    rag = models.CharField(max_length=10, choices=Rag.choices, default=Rag.AMBER)
    success_measure = models.TextField(verbose_name=gettext_lazy("success measure"), blank=True)
    cadence = models.CharField(max_length=10, choices=Cadence.choices, default=Cadence.QUARTERLY)
    cadence_days = models.PositiveSmallIntegerField(null=True, blank=True)
    next_update_due = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.AWAITING_ALLOCATION
    )
    status_reason = models.TextField(
        blank=True, help_text=gettext_lazy("Why the action is paused or not needed.")
    )
    completion_evidence = models.TextField(
        blank=True, help_text=gettext_lazy("Evidence of impact, given when completion is proposed.")
    )
    completion_proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    completion_proposed_at = models.DateTimeField(null=True, blank=True)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_off_at = models.DateTimeField(null=True, blank=True)
    return_reason = models.TextField(
        blank=True, help_text=gettext_lazy("Why the OPCC returned a proposed completion.")
    )

    history = HistoricalRecords(
        m2m_fields=[recommendations], history_change_reason_field=models.TextField(null=True)
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["plan", "reference"], name="action_unique_reference"),
            models.CheckConstraint(
                name="action_revised_date_needs_reason",
                condition=Q(revised_target_date__isnull=True) | ~Q(revision_reason=""),
            ),
            models.CheckConstraint(
                name="action_custom_cadence_needs_days",
                condition=~Q(cadence="custom") | Q(cadence_days__isnull=False, cadence_days__gte=1),
            ),
            models.CheckConstraint(
                name="action_not_needed_or_paused_needs_reason",
                condition=~Q(status__in=["not_needed", "paused"]) | ~Q(status_reason=""),
            ),
            models.CheckConstraint(
                name="action_closed_needs_sign_off",
                condition=~Q(status="closed") | Q(signed_off_by__isnull=False),
            ),
            models.CheckConstraint(
                name="action_sign_off_by_another_person",
                condition=Q(signed_off_by__isnull=True)
                | Q(completion_proposed_by__isnull=True)
                | ~Q(signed_off_by=F("completion_proposed_by")),
            ),
        ]
        indexes = [
            # "My actions": a lead's live actions, soonest update due first.
            models.Index(fields=["delivery_lead", "next_update_due"], name="action_lead_due_idx"),
            # Reminder sweep and dashboard: live actions by update due date.
            models.Index(fields=["status", "next_update_due"], name="action_status_due_idx"),
            # Dashboard "overdue updates": the live actions longest overdue first, read in
            # this order and stopped after ten, however many are overdue.
            models.Index(
                fields=["next_update_due", "id"],
                condition=Q(status__in=["awaiting_allocation", "in_progress", "pending_sign_off"]),
                name="action_live_update_due_idx",
            ),
            # Updates scoped to the plans a user sees (updates_visible_to): each update's
            # action is read with its plan from this index alone. For a reader of every
            # force, the count of updates waiting for review went from a scan of every
            # action (30 ms) to an index lookup per update (15 ms).
            models.Index(fields=["id", "plan"], name="action_plan_of_idx"),
            # Dashboard "due in the next 14 days": live actions by current target date.
            models.Index(
                Coalesce("revised_target_date", "target_date"),
                condition=Q(status__in=["awaiting_allocation", "in_progress", "pending_sign_off"]),
                name="action_live_target_idx",
            ),
            # Dashboard "waiting for an OPCC decision": the oldest proposed completions,
            # read in this order and stopped after five (their total is kept per force,
            # recommendations.tallies), not thousands sorted for a reader of every force.
            models.Index(
                fields=["completion_proposed_at", "id"],
                condition=Q(status="pending_sign_off"),
                name="action_proposed_idx",
            ),
        ]

    def __str__(self):
        return f"{self.reference}: {self.description[:80]}"

    def get_absolute_url(self):
        return reverse("recommendations:action_detail", args=[self.pk])

    @property
    def current_target_date(self) -> datetime.date:
        return self.revised_target_date or self.target_date

    @property
    def cadence_in_days(self) -> int:
        if self.cadence == self.Cadence.MONTHLY:
            return 30
        if self.cadence == self.Cadence.QUARTERLY:
            return 91
        return self.cadence_days or 30

    @property
    def is_live(self) -> bool:
        return self.status in self.LIVE_STATUSES


class ExtensionRequest(TimeStampedModel):
    """A request to move an action's target date, and the OPCC's decision on it.

    Until OPCC staff agree it, the action keeps its current target date (which drives RAG,
    overdue and reminders). Agreeing sets the action's `revised_target_date` to `to_date`;
    the original `target_date` is never changed. Every request is kept, decided or not."""

    class Decision(models.TextChoices):
        PENDING = "pending", gettext_lazy("Awaiting the OPCC's decision")
        AGREED = "agreed", gettext_lazy("Agreed")
        REFUSED = "refused", gettext_lazy("Refused")
        WITHDRAWN = "withdrawn", gettext_lazy("Withdrawn")

    action = models.ForeignKey(Action, on_delete=models.PROTECT, related_name="extensions")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty only for a revision made before requests were kept.",
    )
    requested_at = models.DateTimeField()
    from_date = models.DateField(
        help_text=gettext_lazy("The target date when the request was made.")
    )
    to_date = models.DateField(validators=[DateInRange()])
    reason = models.TextField()
    decision = models.CharField(max_length=10, choices=Decision.choices, default=Decision.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_comment = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["action"],
                condition=Q(decision="pending"),
                name="extension_one_pending_per_action",
            ),
            models.CheckConstraint(name="extension_reason_not_blank", condition=~Q(reason="")),
            models.CheckConstraint(
                name="extension_moves_the_date", condition=~Q(to_date=F("from_date"))
            ),
            models.CheckConstraint(
                name="extension_decided_has_time",
                condition=Q(decision="pending") | Q(decided_at__isnull=False),
            ),
            models.CheckConstraint(
                name="extension_refusal_needs_comment",
                condition=~Q(decision="refused") | ~Q(decision_comment=""),
            ),
        ]
        indexes = [
            # The review queue and the decision reminders: requests waiting, oldest first.
            models.Index(
                fields=["requested_at", "id"],
                condition=Q(decision="pending"),
                name="extension_pending_idx",
            ),
        ]

    def __str__(self):
        return f"Extension for {self.action.reference} to {self.to_date:%d %b %Y}"

    def get_absolute_url(self):
        return reverse("recommendations:action_detail", args=[self.action_id]) + (
            f"#extension-{self.pk}"
        )

    @property
    def is_pending(self) -> bool:
        return self.decision == self.Decision.PENDING


class ProgressUpdate(TimeStampedModel):
    """A dated progress report on an action. Never overwritten: a resubmission is a new row."""

    class Review(models.TextChoices):
        SUBMITTED = "submitted", gettext_lazy("Submitted")
        ACCEPTED = "accepted", gettext_lazy("Accepted")
        RETURNED = "returned", gettext_lazy("Returned")

    action = models.ForeignKey(Action, on_delete=models.PROTECT, related_name="updates")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="progress_updates"
    )
    written_on = models.DateField(default=datetime.date.today, validators=[DateInRange()])
    narrative = models.TextField()
    rag = models.CharField(max_length=10, choices=Rag.choices)
    percent_complete = models.PositiveSmallIntegerField(default=0)
    review_state = models.CharField(max_length=10, choices=Review.choices, default=Review.SUBMITTED)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_comment = models.TextField(blank=True)
    resubmission_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="resubmissions"
    )

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="update_percent_between_0_and_100",
                condition=Q(percent_complete__gte=0) & Q(percent_complete__lte=100),
            ),
            models.CheckConstraint(name="update_narrative_not_blank", condition=~Q(narrative="")),
            models.CheckConstraint(
                name="update_returned_needs_reason",
                condition=~Q(review_state="returned") | ~Q(review_comment=""),
            ),
            models.CheckConstraint(
                name="update_reviewed_has_reviewer",
                condition=Q(review_state="submitted") | Q(reviewed_by__isnull=False),
            ),
        ]
        indexes = [
            # Latest accepted update per action (letters, next-update-due).
            models.Index(
                fields=["action", "review_state", "-written_on"], name="update_action_state_idx"
            ),
            # Updates waiting for OPCC review (a few thousand of half a million): the review
            # queue and dashboard panel read them oldest first and stop after a page; the
            # dashboard counts them without reading every update.
            models.Index(
                fields=["created_at", "id"],
                condition=Q(review_state="submitted"),
                name="update_submitted_idx",
            ),
            # The review queue's and dashboard's count of updates waiting for review, by
            # action (the count a force's kept dashboard row holds): read from the index
            # alone, joined to the user's actions, not from the updates' rows.
            models.Index(
                fields=["action", "id"],
                condition=Q(review_state="submitted"),
                name="update_submitted_action_idx",
            ),
            # Dashboard "updates returned in the last 30 days", newest first: the ten are
            # picked from the index alone (its order, and the action each belongs to for the
            # user's scope), not from some 2,400 updates' rows on as many pages.
            models.Index(
                fields=["-reviewed_at", "-id", "action"],
                condition=Q(review_state="returned"),
                name="update_returned_idx",
            ),
        ]

    def __str__(self):
        return f"Update on {self.action.reference} ({self.written_on:%d %b %Y})"

    def get_absolute_url(self):
        return (
            reverse("recommendations:action_detail", args=[self.action_id]) + f"#update-{self.pk}"
        )


class Evidence(TimeStampedModel):
    """A file attached to a progress update or to a proposed completion of an action."""

    action = models.ForeignKey(Action, on_delete=models.PROTECT, related_name="evidence")
    update = models.ForeignKey(
        ProgressUpdate, on_delete=models.PROTECT, null=True, blank=True, related_name="evidence"
    )
    file = models.FileField(upload_to="evidence/%Y/%m/")
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = gettext_lazy("evidence")

    def __str__(self):
        return self.original_name

    def get_absolute_url(self):
        return reverse("recommendations:evidence_download", args=[self.pk])


class TrendQuarter(models.Model):
    """A completed quarter's trend figures (recommendations.trends, every source together)
    for one report's recommendations. The change history is append-only, so a quarter that
    has ended keeps its figures: the dashboard sums these rows instead of reading every
    version on each request. Kept per report, so a report moving force carries its rows;
    dropped (recommendations.trends.trend_quarters_forget) when a change rewrites the
    past, such as a recommendation deleted or an action's links changed."""

    report = models.ForeignKey(InspectionReport, on_delete=models.CASCADE, related_name="+")
    quarter_start = models.DateField()
    opening = models.PositiveIntegerField()
    added = models.PositiveIntegerField()
    closed = models.PositiveIntegerField()
    closing = models.PositiveIntegerField()
    overdue = models.PositiveIntegerField()

    class Meta:
        constraints = [
            # Also the index of the dashboard's sum (report IN …, quarter_start IN …).
            models.UniqueConstraint(
                fields=["report", "quarter_start"], name="trend_quarter_unique_report"
            ),
        ]

    def __str__(self):
        return f"{self.report_id} from {self.quarter_start:%d %b %Y}"


class DashboardTally(models.Model):
    """One force's dashboard tiles (recommendations.tallies): the counts the dashboard
    shows over the force's recommendations, kept so that a dashboard over many forces sums
    a row per force instead of counting every recommendation on each request.

    A change to the force's recommendations, actions, action plans, reports or requests to
    move a target date raises `generation` in the writer's own transaction; the figures
    hold while `counted_generation` equals it and `counted_on` is today (overdue depends on
    the day). A dashboard that finds a force's row stale counts that force afresh and
    stores the figures unless a change came meanwhile."""

    force = models.OneToOneField(
        Force, on_delete=models.CASCADE, primary_key=True, related_name="dashboard_tally"
    )
    generation = models.BigIntegerField(default=0)
    counted_generation = models.BigIntegerField(null=True)
    counted_on = models.DateField(null=True)
    # On reports being monitored (not closed):
    all = models.PositiveIntegerField(default=0)
    open = models.PositiveIntegerField(default=0)
    recommendations = models.PositiveIntegerField(default=0)
    open_recommendations = models.PositiveIntegerField(default=0)
    afis = models.PositiveIntegerField(default=0)
    open_afis = models.PositiveIntegerField(default=0)
    awaiting_sign_off = models.PositiveIntegerField(default=0)
    overdue = models.PositiveIntegerField(default=0)
    closed_not_complete = models.PositiveIntegerField(default=0)
    complete_still_open = models.PositiveIntegerField(default=0)
    # Overdue on closed reports (the trends count those too), the monitored reports, and
    # the requests to move a target date waiting for a decision.
    overdue_elsewhere = models.PositiveIntegerField(default=0)
    reports = models.PositiveIntegerField(default=0)
    extensions_waiting = models.PositiveIntegerField(default=0)
    # The totals of the dashboard's lists: updates and proposed completions waiting for a
    # decision; live actions on monitored reports with an update overdue, an update due in
    # the next 14 days, or their current target date in them.
    updates_waiting = models.PositiveIntegerField(default=0)
    completions_waiting = models.PositiveIntegerField(default=0)
    overdue_updates = models.PositiveIntegerField(default=0)
    updates_due = models.PositiveIntegerField(default=0)
    targets_due = models.PositiveIntegerField(default=0)
    # Open recommendations on monitored reports due in the next 14 days (not proposed for
    # closure: those wait for sign-off, `awaiting_sign_off`).
    recommendations_due = models.PositiveIntegerField(default=0)
    # The trends' current quarter (recommendations.trends.quarter_totals): how many times
    # since the quarter began a recommendation of the force became open (added or
    # reopened) and stopped being open (closed, or no longer needed).
    quarter_added = models.PositiveIntegerField(default=0)
    quarter_closed = models.PositiveIntegerField(default=0)
    # The first rows of each of the dashboard's lists over the force, with what the lists
    # show (recommendations.tallies.LISTED): {"actions": [[...], ...], "updates": [...],
    # "recommendations": [...]}. Any dashboard's first rows of a list are among its forces'.
    lists = models.JSONField(default=dict)

    def __str__(self):
        return f"Dashboard tally of force {self.force_id} (generation {self.generation})"


class ReportChartTally(models.Model):
    """The dashboard chart's counts of one monitored report (recommendations.tallies): its
    recommendations by priority area, status, RAG and kind, kept for each force's ten most
    recently published monitored reports (any dashboard's charted reports are among them)
    when the force's DashboardTally is counted. They hold while `counted_generation` is the
    force's row's `generation`: every change the chart counts raises it."""

    report = models.OneToOneField(
        InspectionReport, on_delete=models.CASCADE, primary_key=True, related_name="chart_tally"
    )
    counted_generation = models.BigIntegerField()
    # [[priority area id or None, status, RAG rank or None, kind, recommendations], ...]
    counts = models.JSONField(default=list)

    def __str__(self):
        return f"Chart tally of report {self.report_id} (generation {self.counted_generation})"
