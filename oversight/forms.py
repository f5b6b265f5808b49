"""Forms for reports and what the OPCC logs against them.

Forms validate and convert, with messages that say what to fix next to the field; the
services in oversight.services save. Every edit form carries the row's version
(oversight.shared.concurrency) so a stale save is refused rather than overwriting someone else.
"""

from django import forms
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from oversight.models import (
    MAX_DAYS_BEFORE_PUBLICATION,
    NATIONAL_REPORT_FIELDS,
    CauseOfConcern,
    Finding,
    InspectionReport,
    Judgement,
    PriorityArea,
    User,
)
from oversight.selectors import forces_visible_to, people_visible_to, reports_visible_to
from oversight.shared.concurrency import VersionedModelForm
from oversight.shared.dates import bound_date_fields
from oversight.shared.file_types import REPORT_KINDS
from oversight.shared.uploads import CheckedUpload, check_upload


class DateInput(forms.DateInput):
    """The browser's own date picker; the value travels as YYYY-MM-DD."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


NO_PROGRAMME = gettext_lazy("None: not an inspection")


class ReportForm(VersionedModelForm):
    class Meta:
        model = InspectionReport
        fields = [
            "title",
            "force",
            "source",
            "programme",
            "issued_by",
            "published_on",
            "fieldwork_start",
            "fieldwork_end",
            "parent",
            "status",
            "summary",
            "source_url",
            "action_plan_received_on",
            "section_55_published_on",
            "coroner_response_sent_on",
            "formal_response_requested_on",
            "formal_response_due_on",
            "formal_response_received_on",
        ]
        labels = {
            "published_on": gettext_lazy("Date published"),
            "source_url": gettext_lazy("Link to the published report"),
            "parent": gettext_lazy("Original report"),
            "section_55_published_on": gettext_lazy("Section 55 comments published on"),
            "coroner_response_sent_on": gettext_lazy("Response to the coroner sent on"),
            "issued_by": gettext_lazy("Issued by"),
            "action_plan_received_on": gettext_lazy("Force action plan received on"),
            "formal_response_requested_on": gettext_lazy("Formal response requested on"),
            "formal_response_due_on": gettext_lazy("Formal response due on"),
            "formal_response_received_on": gettext_lazy("Formal response received on"),
        }
        help_texts = {
            "published_on": gettext_lazy(
                "For a coroner's report, its date. Starts the 56-day statutory "
                "clock (HMICFRS and HMIC: section 55; a coroner's report: the reply) and the "
                "6-week action plan deadline."
            ),
            "programme": gettext_lazy("Inspections only (HMICFRS, HMIC, another inspectorate)."),
            "issued_by": gettext_lazy(
                "Needed for a coroner's report (the coroner and area), another "
                "inspectorate or other source."
            ),
            "parent": gettext_lazy("Only for a post-inspection review: the report it follows up."),
            "section_55_published_on": gettext_lazy(
                "HMICFRS and HMIC reports only. Leave empty until the PCC's comments are published."
            ),
            "coroner_response_sent_on": gettext_lazy(
                "Coroners' reports only. Leave empty until the response is sent."
            ),
        }
        widgets = {
            "published_on": DateInput(),
            "fieldwork_start": DateInput(),
            "fieldwork_end": DateInput(),
            "action_plan_received_on": DateInput(),
            "section_55_published_on": DateInput(),
            "coroner_response_sent_on": DateInput(),
            "formal_response_requested_on": DateInput(),
            "formal_response_due_on": DateInput(),
            "formal_response_received_on": DateInput(),
            "summary": forms.Textarea(attrs={"rows": 4}),
        }
        error_messages = {
            "title": {"required": gettext_lazy("Enter the report's title, as published.")},
            "force": {"required": gettext_lazy("Choose the force the report is about.")},
            "source": {"required": gettext_lazy("Choose who published the report.")},
            "published_on": {
                "required": gettext_lazy(
                    "Enter the date the report was published: the deadlines count from it."
                ),
                "invalid": gettext_lazy("Enter the date as day, month and year."),
            },
        }

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["force"].queryset = forces_visible_to(user).order_by("name")
        parents = reports_visible_to(user).select_related("force").order_by("-published_on")
        if self.instance.pk:
            parents = parents.exclude(pk=self.instance.pk)
        self.fields["parent"].queryset = parents
        self.fields["parent"].empty_label = _("None: this is an original inspection")
        self.fields["programme"].choices = [
            ("", NO_PROGRAMME),
            *InspectionReport.Programme.choices,
        ]
        # Every deadline counts from the publication date: no report is logged years
        # before it is published.
        bound_date_fields(self, published_on=MAX_DAYS_BEFORE_PUBLICATION)
        if self.instance.national_report_id:
            # A force's copy of a national report: what was published is held there.
            for name in NATIONAL_REPORT_FIELDS:
                self.fields[name].disabled = True
            self.fields["force"].disabled = True
            self.fields["title"].help_text = _(
                "Held on the national report, with its source, date, summary and link: "
                "change them there."
            )

    def clean(self):
        cleaned = super().clean()
        self._clean_for_source(cleaned)
        start, end = cleaned.get("fieldwork_start"), cleaned.get("fieldwork_end")
        if start and end and end < start:
            self.add_error("fieldwork_end", _("The fieldwork cannot end before it starts."))
        requested = cleaned.get("formal_response_requested_on")
        due = cleaned.get("formal_response_due_on")
        if requested and due and due < requested:
            self.add_error(
                "formal_response_due_on",
                _("The response cannot be due before it was requested: check both dates."),
            )
        received = cleaned.get("formal_response_received_on")
        if received and not requested:
            self.add_error(
                "formal_response_requested_on",
                _("Enter when the formal response was requested, as well as when it arrived."),
            )
        parent, force = cleaned.get("parent"), cleaned.get("force")
        if parent and force and parent.force_id != force.pk:
            self.add_error(
                "parent",
                _(
                    "The original report is about %(original_force)s; choose a report about "
                    "%(force)s, or none."
                )
                % {"original_force": parent.force, "force": force},
            )
        published = cleaned.get("published_on")
        if parent and published and parent.published_on > published:
            self.add_error(
                "parent", _("The original report must have been published before this one.")
            )
        return cleaned

    def _clean_for_source(self, cleaned: dict) -> None:
        """What each source needs, and the dates and programme that only some have."""
        source = cleaned.get("source")
        if not source:
            return
        label = InspectionReport.Source(source).label
        if source in InspectionReport.INSPECTORATE_SOURCES:
            if not cleaned.get("programme"):
                self.add_error("programme", _("Choose the inspection programme."))
        elif cleaned.get("programme"):
            self.add_error(
                "programme",
                _("%(source)s is not an inspection: choose “%(none)s” as the programme.")
                % {"source": label, "none": NO_PROGRAMME},
            )
        if (
            source in InspectionReport.NAMED_ISSUER_SOURCES
            and not cleaned.get("issued_by", "").strip()
        ):
            self.add_error(
                "issued_by",
                _(
                    "Enter who issued it, e.g. “HM Senior Coroner for Plymouth, Torbay and "
                    "South Devon”."
                ),
            )
        if cleaned.get("section_55_published_on") and (
            source not in InspectionReport.SECTION_55_SOURCES
        ):
            self.add_error(
                "section_55_published_on",
                _("Section 55 covers HMICFRS and HMIC reports only: leave this date empty."),
            )
        if cleaned.get("coroner_response_sent_on") and source != InspectionReport.Source.CORONER:
            self.add_error(
                "coroner_response_sent_on",
                _("Only a coroner's report is answered to the coroner: leave this date empty."),
            )


class _ReportPartForm(VersionedModelForm):
    """A form for something that belongs to one report: its priority-area choices and
    uniqueness checks are limited to that report."""

    def __init__(self, *args, report: InspectionReport, **kwargs):
        self.report = report
        super().__init__(*args, **kwargs)
        if "priority_areas" in self.fields:
            # The widget first: setting the queryset hands the choices to the widget.
            self.fields["priority_areas"].widget = forms.CheckboxSelectMultiple()
            self.fields["priority_areas"].queryset = PriorityArea.objects.filter(
                report=report
            ).order_by("position")
            self.fields["priority_areas"].help_text = ""

    def _siblings(self, model):
        siblings = model.objects.filter(report=self.report)
        if self.instance.pk:
            siblings = siblings.exclude(pk=self.instance.pk)
        return siblings


class FindingForm(_ReportPartForm):
    class Meta:
        model = Finding
        fields = ["kind", "text", "priority_areas"]
        labels = {"kind": gettext_lazy("Kind of finding"), "text": gettext_lazy("Finding")}
        widgets = {"kind": forms.RadioSelect, "text": forms.Textarea(attrs={"rows": 3})}
        error_messages = {
            "kind": {
                "required": gettext_lazy(
                    "Choose whether this is something that works well or a concern."
                )
            },
            "text": {"required": gettext_lazy("Enter the finding, as the report puts it.")},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = Finding.Kind.choices  # no empty radio button


class JudgementForm(_ReportPartForm):
    class Meta:
        model = Judgement
        fields = ["topic", "grade"]
        labels = {"topic": gettext_lazy("What was graded")}
        error_messages = {
            "topic": {
                "required": gettext_lazy(
                    "Enter what was graded, e.g. “Protecting vulnerable people”."
                )
            },
            "grade": {"required": gettext_lazy("Choose the grade the inspectorate gave.")},
        }

    def clean_topic(self):
        topic = self.cleaned_data["topic"].strip()
        if self._siblings(Judgement).filter(topic__iexact=topic).exists():
            raise forms.ValidationError(
                _("This report already has a judgement on that topic: edit that one instead.")
            )
        return topic


class PriorityAreaForm(_ReportPartForm):
    class Meta:
        model = PriorityArea
        fields = ["title", "description", "opcc_lead", "position"]
        labels = {
            "opcc_lead": gettext_lazy("OPCC lead"),
            "position": gettext_lazy("Order on the report page"),
        }
        help_texts = {"position": gettext_lazy("Leave empty to add it at the end.")}
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}
        error_messages = {
            "title": {
                "required": gettext_lazy("Enter a short title, e.g. “Children who go missing”.")
            },
        }

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["opcc_lead"].queryset = people_visible_to(user).filter(
            role=User.Role.OPCC_STAFF
        )
        self.fields["opcc_lead"].empty_label = _("No lead yet")
        self.fields["position"].required = False
        if not self.instance.pk:
            # Empty means "at the end", worked out when saving; not the model's default.
            self.initial.pop("position", None)
            self.fields["position"].initial = None

    def clean_title(self):
        title = self.cleaned_data["title"].strip()
        if self._siblings(PriorityArea).filter(title__iexact=title).exists():
            raise forms.ValidationError(
                _(
                    "This report already has a priority area with that title: choose another "
                    "title or edit the existing one."
                )
            )
        return title

    def clean_position(self):
        position = self.cleaned_data.get("position")
        if position is not None and self._siblings(PriorityArea).filter(position=position).exists():
            raise forms.ValidationError(
                _(
                    "Another priority area is already number %(position)s: choose a free "
                    "number or leave it empty to add this one at the end."
                )
                % {"position": position}
            )
        return position


class CauseOfConcernForm(_ReportPartForm):
    class Meta:
        model = CauseOfConcern
        fields = ["reference", "text", "status", "discharged_on", "priority_areas"]
        labels = {
            "text": gettext_lazy("Cause of concern"),
            "discharged_on": gettext_lazy("Discharged on"),
        }
        widgets = {"text": forms.Textarea(attrs={"rows": 3}), "discharged_on": DateInput()}
        error_messages = {
            "reference": {
                "required": gettext_lazy("Enter the reference the report gives it, e.g. C1.")
            },
            "text": {
                "required": gettext_lazy("Enter the cause of concern, as the report puts it.")
            },
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bound_date_fields(self)

    def clean_reference(self):
        reference = self.cleaned_data["reference"].strip()
        if self._siblings(CauseOfConcern).filter(reference__iexact=reference).exists():
            raise forms.ValidationError(
                _(
                    "This report already has a cause of concern %(reference)s: use another "
                    "reference or edit that one."
                )
                % {"reference": reference}
            )
        return reference

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("status") == CauseOfConcern.Status.DISCHARGED and not cleaned.get(
            "discharged_on"
        ):
            self.add_error(
                "discharged_on", _("Enter the date the cause of concern was discharged.")
            )
        if cleaned.get("status") == CauseOfConcern.Status.OPEN and cleaned.get("discharged_on"):
            self.add_error(
                "discharged_on",
                _(
                    "An open cause of concern has no discharge date: clear the date or mark "
                    "it discharged."
                ),
            )
        return cleaned


class ReportFileForm(forms.Form):
    """The inspection report's own PDF, checked like any evidence (PDF only)."""

    file = forms.FileField(
        label=gettext_lazy("The report's PDF"),
        error_messages={"required": gettext_lazy("Choose the report's PDF file.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        megabytes = settings.REPORT_FILE_MAX_BYTES // (1024 * 1024)
        self.fields["file"].help_text = _("The report as a PDF; up to %(megabytes)s MB.") % {
            "megabytes": megabytes
        }

    def clean_file(self) -> CheckedUpload:
        return check_upload(
            self.cleaned_data["file"],
            kinds=REPORT_KINDS,
            max_bytes=settings.REPORT_FILE_MAX_BYTES,
        )
