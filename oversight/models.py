"""The inspection domain: who oversees whom, and what the inspectorate published."""

import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.models import HistoricalRecords

from oversight.shared.dates import DateInRange

SECTION_55_RESPONSE_DAYS = 56
# A person sent a coroner's prevention of future deaths report must reply within 56 days
# of the date it was sent (Coroners (Investigations) Regulations 2013, regulation 29).
CORONER_RESPONSE_DAYS = 56
ACTION_PLAN_DUE_WEEKS = 6
MAX_DAYS_BEFORE_PUBLICATION = 365


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Force(TimeStampedModel):
    name = models.CharField(max_length=120, unique=True)
    short_name = models.CharField(max_length=40, blank=True)
    chief_constable = models.CharField(max_length=120, blank=True)
    address = models.TextField(
        blank=True, help_text=gettext_lazy("Postal address, used on letters.")
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Office(TimeStampedModel):
    """An Office of the Police and Crime Commissioner (OPCC)."""

    name = models.CharField(max_length=160, unique=True)
    # Empty until set: an office without one has no public site (letters.services_public).
    slug = models.SlugField(
        gettext_lazy("public address"),
        max_length=80,
        unique=True,
        null=True,
        blank=True,
        help_text=gettext_lazy(
            "The office's public site is at /public/<this>/, e.g. devon-and-cornwall-opcc. "
            "Lower-case letters, digits and hyphens."
        ),
    )
    commissioner = models.CharField(
        max_length=120, blank=True, help_text=gettext_lazy("The PCC's name.")
    )
    address = models.TextField(
        blank=True, help_text=gettext_lazy("Postal address, used on letters.")
    )
    email = models.EmailField(blank=True)
    forces = models.ManyToManyField(Force, related_name="offices", blank=True)
    require_two_factor = models.BooleanField(
        default=False,
        help_text=gettext_lazy(
            "Everyone this office administers must sign in with a one-time code too."
        ),
    )

    class LetterLanguage(models.TextChoices):
        ENGLISH = "en-gb", gettext_lazy("English")
        WELSH = "cy", gettext_lazy("Welsh (Cymraeg)")
        BILINGUAL = "bilingual", gettext_lazy("Bilingual (Welsh first, then English)")

    # Offices in Wales write in Welsh, or in both languages, by default.
    letter_language = models.CharField(
        max_length=10,
        choices=LetterLanguage.choices,
        default=LetterLanguage.ENGLISH,
        help_text=gettext_lazy(
            "The language new letters are drafted in; each letter can be changed."
        ),
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class CommitteeMeeting(TimeStampedModel):
    """A meeting the office reports to (its Joint Audit Committee, the Police and Crime
    Panel): the dates the committee pack is prepared for and the pack reminders count to.

    `pack_issued_at` is set when a pack for the meeting is issued (letters app), so the
    reminders know the papers have gone without reading the packs themselves."""

    class Committee(models.TextChoices):
        JOINT_AUDIT = "joint_audit", gettext_lazy("Joint Audit Committee")
        PANEL = "panel", gettext_lazy("Police and Crime Panel")
        OTHER = "other", gettext_lazy("Other meeting")

    # Committee papers go out about a week before the meeting.
    PAPERS_DAYS_BEFORE = 7

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="meetings")
    committee = models.CharField(max_length=20, choices=Committee.choices)
    meets_on = models.DateField(validators=[DateInRange()])
    pack_issued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["meets_on", "committee"]
        constraints = [
            models.UniqueConstraint(
                fields=["office", "committee", "meets_on"], name="meeting_once_a_day"
            ),
        ]

    def __str__(self):
        # Django's month names, so they come out in the page's language.
        return f"{self.get_committee_display()}, {date_format(self.meets_on, 'j F Y')}"

    @property
    def papers_due_on(self) -> datetime.date:
        return self.meets_on - datetime.timedelta(days=self.PAPERS_DAYS_BEFORE)


class PartnerAgency(TimeStampedModel):
    class Kind(models.TextChoices):
        CHILDRENS_SERVICES = (
            "childrens_services",
            gettext_lazy("Local authority children's services"),
        )
        HEALTH = "health", gettext_lazy("Health")
        EDUCATION = "education", gettext_lazy("Education")
        OTHER = "other", gettext_lazy("Other")

    name = models.CharField(max_length=160, unique=True)
    kind = models.CharField(max_length=30, choices=Kind.choices, default=Kind.OTHER)
    forces = models.ManyToManyField(
        Force,
        related_name="partner_agencies",
        blank=True,
        help_text=gettext_lazy("Forces it works with."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = gettext_lazy("partner agencies")

    def __str__(self):
        return self.name


def role_matches_organisation() -> Q:
    """A role belongs to one kind of organisation: the office's staff and read-only people
    to the office, plan owners and police leads to a force, partner leads to their agency.
    (A user may also have no role and no organisation; an invitation may not.)"""
    return (
        Q(
            role__in=["opcc_staff", "read_only"],
            office__isnull=False,
            force__isnull=True,
            partner_agency__isnull=True,
        )
        | Q(
            role__in=["plan_owner", "police_lead"],
            office__isnull=True,
            force__isnull=False,
            partner_agency__isnull=True,
        )
        | Q(
            role="partner_lead",
            office__isnull=True,
            force__isnull=True,
            partner_agency__isnull=False,
        )
    )


class User(AbstractUser):
    """A person, belonging to exactly one organisation: an OPCC, a force or a partner agency.

    The role decides what the person may do; the organisation decides what they may see.
    The matching auth group (see oversight.roles) carries the Django model permissions.
    """

    class Role(models.TextChoices):
        OPCC_STAFF = "opcc_staff", gettext_lazy("OPCC staff")
        READ_ONLY = "read_only", gettext_lazy("Read-only")
        PLAN_OWNER = "plan_owner", gettext_lazy("Force plan owner")
        POLICE_LEAD = "police_lead", gettext_lazy("Police lead")
        PARTNER_LEAD = "partner_lead", gettext_lazy("Partner agency lead")

    class DigestFrequency(models.TextChoices):
        DAILY = "daily", gettext_lazy("Daily")
        WEEKLY = "weekly", gettext_lazy("Weekly (Mondays)")

    role = models.CharField(max_length=20, choices=Role.choices, blank=True)
    office = models.ForeignKey(
        Office, on_delete=models.PROTECT, null=True, blank=True, related_name="staff"
    )
    force = models.ForeignKey(
        Force, on_delete=models.PROTECT, null=True, blank=True, related_name="staff"
    )
    partner_agency = models.ForeignKey(
        PartnerAgency, on_delete=models.PROTECT, null=True, blank=True, related_name="staff"
    )
    job_title = models.CharField(max_length=120, blank=True)
    manager = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports_to_me",
        help_text=gettext_lazy("Receives escalations when this person's items are long overdue."),
    )
    email_reminders = models.BooleanField(
        default=True, help_text=gettext_lazy("Send reminder digests by e-mail.")
    )
    digest_frequency = models.CharField(
        max_length=10, choices=DigestFrequency.choices, default=DigestFrequency.DAILY
    )
    language = models.CharField(
        max_length=8,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=gettext_lazy(
            "The language of the site, e-mails and reminders for this person; "
            "blank until they choose (English)."
        ),
    )
    is_office_admin = models.BooleanField(
        gettext_lazy("office administrator"),
        default=False,
        help_text=gettext_lazy(
            "May invite people, change their roles and deactivate leavers for the "
            "office, the forces it oversees and their partner agencies."
        ),
    )

    class Meta:
        constraints = [
            # Sign-in by e-mail address and single sign-on match a person by it.
            models.UniqueConstraint(
                Lower("email"), condition=~Q(email=""), name="user_email_unique"
            ),
            models.CheckConstraint(
                name="user_office_admin_is_opcc_staff",
                condition=Q(is_office_admin=False) | Q(role="opcc_staff"),
            ),
            models.CheckConstraint(
                name="user_role_matches_organisation",
                condition=(
                    role_matches_organisation()
                    | Q(
                        role="",
                        office__isnull=True,
                        force__isnull=True,
                        partner_agency__isnull=True,
                    )
                ),
            ),
        ]

    # The columns str() reads: a list naming people joined to its rows reads these alone
    # (only(*User.name_columns("author"))), not the password and the rest.
    NAME_COLUMNS = ("first_name", "last_name", "username")

    @classmethod
    def name_columns(cls, relation: str) -> tuple[str, ...]:
        return tuple(f"{relation}__{column}" for column in cls.NAME_COLUMNS)

    @staticmethod
    def name_from(first_name: str, last_name: str, username: str) -> str:
        """A person's name from NAME_COLUMNS' values, for code that reads values rather
        than rows: the full name, or the username."""
        return f"{first_name} {last_name}".strip() or username

    def __str__(self):
        return self.name_from(self.first_name, self.last_name, self.username)

    @property
    def is_opcc(self) -> bool:
        """OPCC staff and read-only users see what their office oversees."""
        return self.role in {self.Role.OPCC_STAFF, self.Role.READ_ONLY}

    @property
    def is_opcc_staff(self) -> bool:
        return self.role == self.Role.OPCC_STAFF

    @property
    def is_force_user(self) -> bool:
        return self.role in {self.Role.PLAN_OWNER, self.Role.POLICE_LEAD}

    @property
    def is_partner(self) -> bool:
        return self.role == self.Role.PARTNER_LEAD

    @property
    def organisation(self):
        return self.office or self.force or self.partner_agency


# What a force's copy of a national report takes from the NationalReport, and keeps in step
# (recommendations.services_national): the published document's own fields.
NATIONAL_REPORT_FIELDS = (
    "source",
    "programme",
    "issued_by",
    "title",
    "summary",
    "published_on",
    "source_url",
)


class PublishedDocument(TimeStampedModel):
    """What a publisher issued, as it issued it: the source, who, title, date and link.
    A report about one force and a national report held once for many share these."""

    class Source(models.TextChoices):
        HMICFRS = "hmicfrs", gettext_lazy("HMICFRS")
        HMIC = "hmic", gettext_lazy("HMIC (before 2017)")
        IOPC = "iopc", gettext_lazy("IOPC learning recommendations")
        CORONER = "coroner", gettext_lazy("Coroner: prevention of future deaths report")
        INTERNAL_AUDIT = "internal_audit", gettext_lazy("Internal audit")
        EXTERNAL_AUDIT = "external_audit", gettext_lazy("External audit")
        OTHER_INSPECTORATE = "other_inspectorate", gettext_lazy("Other inspectorate")
        OTHER = "other", gettext_lazy("Other")

    # Section 55 of the Police Act 1996 covers reports by HM Inspectors of Constabulary.
    SECTION_55_SOURCES = (Source.HMICFRS, Source.HMIC)
    # Inspection reports come from an inspection programme; the rest have none.
    INSPECTORATE_SOURCES = (Source.HMICFRS, Source.HMIC, Source.OTHER_INSPECTORATE)
    # Who issued it must be named where the source alone does not say.
    NAMED_ISSUER_SOURCES = (Source.CORONER, Source.OTHER_INSPECTORATE, Source.OTHER)

    class Programme(models.TextChoices):
        CHILD_PROTECTION = "child_protection", gettext_lazy("National child protection inspection")
        POST_INSPECTION_REVIEW = "post_inspection_review", gettext_lazy("Post-inspection review")
        PEEL = "peel", gettext_lazy("PEEL")
        THEMATIC = "thematic", gettext_lazy("Thematic inspection")
        JOINT = "joint", gettext_lazy("Joint inspection")
        OTHER = "other", gettext_lazy("Other")

    source = models.CharField(
        verbose_name=gettext_lazy("source"),
        max_length=20,
        choices=Source.choices,
        default=Source.HMICFRS,
    )
    programme = models.CharField(
        verbose_name=gettext_lazy("programme"),
        max_length=30,
        choices=Programme.choices,
        blank=True,
        help_text=gettext_lazy("Inspections only."),
    )
    issued_by = models.CharField(
        max_length=200,
        blank=True,
        help_text=gettext_lazy(
            "Who issued it, where the source does not say: the coroner and area, the "
            "inspectorate, the body."
        ),
    )
    title = models.CharField(verbose_name=gettext_lazy("title"), max_length=255)
    summary = models.TextField(verbose_name=gettext_lazy("summary"), blank=True)
    # Logged ahead of publication, but not by more than a year.
    published_on = models.DateField(
        validators=[DateInRange(days_ahead=MAX_DAYS_BEFORE_PUBLICATION)]
    )
    source_url = models.URLField(blank=True, max_length=500)

    class Meta:
        abstract = True

    @property
    def has_section_55(self) -> bool:
        return self.source in self.SECTION_55_SOURCES

    @property
    def is_inspection(self) -> bool:
        return self.source in self.INSPECTORATE_SOURCES

    @property
    def is_coroners_report(self) -> bool:
        return self.source == self.Source.CORONER

    @property
    def section_55_due_on(self) -> datetime.date | None:
        """The PCC must publish comments within 56 days of publication (Police Act 1996 s55);
        None for a report the section does not cover."""
        if not self.has_section_55:
            return None
        return self.published_on + datetime.timedelta(days=SECTION_55_RESPONSE_DAYS)

    @property
    def coroner_response_due_on(self) -> datetime.date | None:
        """A coroner's report is answered within 56 days of its date; None for any other."""
        if not self.is_coroners_report:
            return None
        return self.published_on + datetime.timedelta(days=CORONER_RESPONSE_DAYS)

    @property
    def source_short(self) -> str:
        """The source in a few words, for lists and table rows."""
        return {
            self.Source.HMIC: "HMIC",
            self.Source.IOPC: "IOPC",
            self.Source.CORONER: _("Coroner (PFD)"),
        }.get(self.source, self.get_source_display())

    @property
    def publisher(self) -> str:
        """Who published it, for a sentence: "HMICFRS", "the IOPC", "HM Senior Coroner…"."""
        if self.issued_by:
            return self.issued_by
        return {
            self.Source.HMICFRS: "HMICFRS",
            self.Source.HMIC: "HMIC",
            self.Source.IOPC: _("the IOPC"),
            self.Source.CORONER: _("the coroner"),
            self.Source.INTERNAL_AUDIT: _("internal audit"),
            self.Source.EXTERNAL_AUDIT: _("the external auditor"),
        }.get(self.source, _("the publisher"))


class InspectionReport(PublishedDocument):
    """A published report whose recommendations the office must answer about one force: an
    inspection report, an IOPC learning report, a coroner's report, an audit report. A
    national or thematic report is answered through one of these per force, linked to the
    NationalReport that holds its text once."""

    class Status(models.TextChoices):
        LOGGING = "logging", gettext_lazy("Being logged")
        MONITORING = "monitoring", gettext_lazy("Monitoring")
        CLOSED = "closed", gettext_lazy("Closed")

    force = models.ForeignKey(
        Force, verbose_name=gettext_lazy("force"), on_delete=models.PROTECT, related_name="reports"
    )
    national_report = models.ForeignKey(
        "NationalReport",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="force_reports",
        help_text=gettext_lazy("The national or thematic report this force's copy answers."),
    )
    fieldwork_start = models.DateField(
        verbose_name=gettext_lazy("fieldwork start"),
        null=True,
        blank=True,
        validators=[DateInRange()],
    )
    fieldwork_end = models.DateField(
        verbose_name=gettext_lazy("fieldwork end"),
        null=True,
        blank=True,
        validators=[DateInRange()],
    )
    report_file = models.FileField(upload_to="reports/%Y/", blank=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="follow_up_reports",
        help_text=gettext_lazy("The original report, when this is a post-inspection review."),
    )
    status = models.CharField(
        verbose_name=gettext_lazy("status"),
        max_length=12,
        choices=Status.choices,
        default=Status.LOGGING,
    )
    formal_response_requested_on = models.DateField(
        null=True,
        blank=True,
        help_text=gettext_lazy("When the OPCC asked the chief constable for a formal response."),
        validators=[DateInRange()],
    )
    formal_response_due_on = models.DateField(
        null=True,
        blank=True,
        help_text=gettext_lazy("When the chief constable's formal response is due."),
        validators=[DateInRange()],
    )
    formal_response_received_on = models.DateField(
        null=True, blank=True, validators=[DateInRange()]
    )
    section_55_published_on = models.DateField(
        null=True,
        blank=True,
        help_text=gettext_lazy("When the PCC published the section 55 comments."),
        validators=[DateInRange()],
    )
    action_plan_received_on = models.DateField(null=True, blank=True, validators=[DateInRange()])
    coroner_response_sent_on = models.DateField(
        null=True,
        blank=True,
        help_text=gettext_lazy("When the response to the coroner was sent."),
        validators=[DateInRange()],
    )

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="report_fieldwork_ends_after_start",
                condition=Q(fieldwork_start__isnull=True)
                | Q(fieldwork_end__isnull=True)
                | Q(fieldwork_end__gte=F("fieldwork_start")),
            ),
            models.CheckConstraint(
                name="report_is_not_its_own_parent", condition=~Q(parent=F("pk"))
            ),
            # A force answers a national report once.
            models.UniqueConstraint(
                fields=["national_report", "force"], name="report_national_once_per_force"
            ),
            models.CheckConstraint(
                name="report_section_55_only_for_hmicfrs",
                condition=Q(section_55_published_on__isnull=True)
                | Q(source__in=["hmicfrs", "hmic"]),
            ),
            models.CheckConstraint(
                name="report_coroner_response_only_for_coroner",
                condition=Q(coroner_response_sent_on__isnull=True) | Q(source="coroner"),
            ),
            models.CheckConstraint(
                name="report_programme_only_for_inspections",
                condition=Q(programme="") | Q(source__in=["hmicfrs", "hmic", "other_inspectorate"]),
            ),
            models.CheckConstraint(
                name="report_formal_response_due_after_request",
                condition=Q(formal_response_requested_on__isnull=True)
                | Q(formal_response_due_on__isnull=True)
                | Q(formal_response_due_on__gte=F("formal_response_requested_on")),
            ),
        ]
        indexes = [
            # Report list: newest first within a force.
            models.Index(fields=["force", "-published_on"], name="report_force_published_idx"),
            # The register's default sort (newest report first, then title): read the
            # reports in this order and stop after a page of recommendations, instead of
            # sorting all 40,000 of a national register.
            models.Index(fields=["-published_on", "title"], name="report_published_title_idx"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("recommendations:report_detail", args=[self.pk])

    @property
    def action_plan_due_on(self) -> datetime.date:
        return self.published_on + datetime.timedelta(weeks=ACTION_PLAN_DUE_WEEKS)


class NationalReport(PublishedDocument):
    """A national or thematic report held once: its text, and its recommendations
    (recommendations.NationalRecommendation) each addressed to all chief constables, to named
    forces or to national bodies. Applying it to a force creates that force's own
    InspectionReport, whose recommendations are each force's tracked response."""

    entered_by = models.ForeignKey(
        Office,
        on_delete=models.PROTECT,
        related_name="national_reports_entered",
        help_text=gettext_lazy("The office that entered it and keeps its text."),
    )

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="national_report_programme_only_for_inspections",
                condition=Q(programme="") | Q(source__in=["hmicfrs", "hmic", "other_inspectorate"]),
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("recommendations:national_report_detail", args=[self.pk])


class PriorityArea(TimeStampedModel):
    """What the OPCC groups locally from a report, e.g. 'children who go missing from home'."""

    report = models.ForeignKey(
        InspectionReport, on_delete=models.CASCADE, related_name="priority_areas"
    )
    position = models.PositiveSmallIntegerField(default=1)
    title = models.CharField(verbose_name=gettext_lazy("title"), max_length=200)
    description = models.TextField(verbose_name=gettext_lazy("description"), blank=True)
    opcc_lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="led_priority_areas",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["report", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "position"], name="priority_area_unique_position"
            ),
            models.UniqueConstraint(fields=["report", "title"], name="priority_area_unique_title"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        report_url = reverse("recommendations:report_detail", args=[self.report_id])
        return f"{report_url}#area-{self.pk}"


class Judgement(TimeStampedModel):
    class Grade(models.TextChoices):
        OUTSTANDING = "outstanding", gettext_lazy("Outstanding")
        GOOD = "good", gettext_lazy("Good")
        ADEQUATE = "adequate", gettext_lazy("Adequate")
        REQUIRES_IMPROVEMENT = "requires_improvement", gettext_lazy("Requires improvement")
        INADEQUATE = "inadequate", gettext_lazy("Inadequate")

    report = models.ForeignKey(
        InspectionReport, on_delete=models.CASCADE, related_name="judgements"
    )
    topic = models.CharField(max_length=200)
    grade = models.CharField(
        verbose_name=gettext_lazy("grade"), max_length=25, choices=Grade.choices
    )

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["report", "topic"], name="judgement_unique_topic"),
        ]

    def __str__(self):
        return f"{self.topic}: {self.get_grade_display()}"


class CauseOfConcern(TimeStampedModel):
    class Status(models.TextChoices):
        OPEN = "open", gettext_lazy("Open")
        DISCHARGED = "discharged", gettext_lazy("Discharged")

    report = models.ForeignKey(
        InspectionReport, on_delete=models.CASCADE, related_name="causes_of_concern"
    )
    reference = models.CharField(
        verbose_name=gettext_lazy("reference"),
        max_length=20,
        help_text=gettext_lazy("As published, e.g. C1."),
    )
    text = models.TextField()
    status = models.CharField(
        verbose_name=gettext_lazy("status"),
        max_length=12,
        choices=Status.choices,
        default=Status.OPEN,
    )
    discharged_on = models.DateField(null=True, blank=True, validators=[DateInRange()])
    priority_areas = models.ManyToManyField(
        PriorityArea,
        verbose_name=gettext_lazy("priority areas"),
        related_name="causes_of_concern",
        blank=True,
    )

    history = HistoricalRecords(m2m_fields=[priority_areas])

    class Meta:
        verbose_name_plural = gettext_lazy("causes of concern")
        constraints = [
            models.UniqueConstraint(
                fields=["report", "reference"], name="cause_of_concern_unique_reference"
            ),
            models.CheckConstraint(
                name="cause_of_concern_discharged_has_date",
                condition=~Q(status="discharged") | Q(discharged_on__isnull=False),
            ),
        ]

    def __str__(self):
        return f"{self.reference} {self.text[:60]}"


class Finding(TimeStampedModel):
    class Kind(models.TextChoices):
        POSITIVE = "positive", gettext_lazy("Positive")
        CONCERN = "concern", gettext_lazy("Concern")

    report = models.ForeignKey(InspectionReport, on_delete=models.CASCADE, related_name="findings")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    text = models.TextField()
    position = models.PositiveSmallIntegerField(default=1)
    priority_areas = models.ManyToManyField(
        PriorityArea,
        verbose_name=gettext_lazy("priority areas"),
        related_name="findings",
        blank=True,
    )

    history = HistoricalRecords(m2m_fields=[priority_areas])

    def __str__(self):
        return f"{self.get_kind_display()}: {self.text[:60]}"
