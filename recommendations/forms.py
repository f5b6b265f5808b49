"""Forms for recommendations: edit, status moves, pasting several at once and importing
a spreadsheet.

Forms validate and convert with messages that say what to fix; the services in
recommendations.services save and enforce the lifecycle.
"""

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from oversight.forms import DateInput
from oversight.models import CauseOfConcern, InspectionReport, PriorityArea, User
from oversight.shared.concurrency import VersionedModelForm
from oversight.shared.dates import bound_date_fields
from oversight.shared.file_types import CSV, XLSX
from oversight.shared.uploads import CheckedUpload, check_upload, limits_help_text
from oversight.written_fields import written_out
from recommendations.models import Recommendation
from recommendations.paste_import import MAX_CHARACTERS, MAX_ITEMS, PastedRecommendation
from recommendations.references import normalise_publisher_reference
from recommendations.selectors import (
    COVERING_EXCLUDED,
    carry_forward_reports,
    covering_choices,
    superseding_choices,
)
from recommendations.services import Transition
from recommendations.spreadsheet_import import MAX_FILE_BYTES, MAX_ROWS

SPREADSHEET_KINDS = (XLSX, CSV)


def _report_areas(report: InspectionReport):
    return PriorityArea.objects.filter(report=report).order_by("position")


class RecommendationForm(VersionedModelForm):
    class Meta:
        model = Recommendation
        fields = [
            "reference",
            "publisher_reference",
            "kind",
            "text",
            "timescale",
            "due_on",
            "cause_of_concern",
            "priority_areas",
            "force_acceptance",
        ]
        labels = {
            "text": gettext_lazy("Wording, as published"),
            "due_on": gettext_lazy("Due on"),
            "force_acceptance": gettext_lazy("Force's acceptance"),
        }
        help_texts = {
            "due_on": gettext_lazy(
                "Leave empty to work it out from the timescale and the publication date."
            ),
            "reference": gettext_lazy("As published, e.g. R1 or AFI3."),
            "publisher_reference": gettext_lazy(
                "The publisher's own identifier, e.g. “PEEL 2023 R3”; "
                "optional. A spreadsheet re-import matches rows on it."
            ),
        }
        widgets = {
            "text": forms.Textarea(attrs={"rows": 4}),
            "due_on": DateInput(),
            "priority_areas": forms.CheckboxSelectMultiple,
        }
        error_messages = {
            "reference": {
                "required": gettext_lazy("Enter the reference the report gives it, e.g. R1.")
            },
            "text": {"required": gettext_lazy("Enter the recommendation's wording.")},
        }

    def __init__(self, *args, report: InspectionReport, **kwargs):
        self.report = report
        super().__init__(*args, **kwargs)
        self.fields["priority_areas"].queryset = _report_areas(report)
        self.fields["priority_areas"].help_text = ""
        self.fields["cause_of_concern"].queryset = CauseOfConcern.objects.filter(
            report=report
        ).order_by("reference")
        self.fields["cause_of_concern"].empty_label = _("None")
        self.fields["force_acceptance"].choices = [
            ("", _("Not yet known")),
            *Recommendation.Acceptance.choices,
        ]
        bound_date_fields(self)
        if self.instance.national_recommendation_id:
            # A force's response to a national recommendation: its wording is held there.
            for name in ("reference", "publisher_reference", "kind", "text", "timescale"):
                if name in self.fields:
                    self.fields[name].disabled = True
            self.fields["text"].help_text = _(
                "Held once on the national report for every force: change it there."
            )

    def clean_reference(self):
        reference = self.cleaned_data["reference"].strip()
        taken = Recommendation.objects.filter(report=self.report, reference__iexact=reference)
        if self.instance.pk:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(
                _(
                    "This report already has a recommendation %(ref)s: use another "
                    "reference or edit that one."
                )
                % {"ref": reference}
            )
        return reference

    def clean_publisher_reference(self):
        publisher_reference = normalise_publisher_reference(
            self.cleaned_data["publisher_reference"]
        )
        if publisher_reference:
            taken = Recommendation.objects.filter(
                report=self.report, publisher_reference__iexact=publisher_reference
            )
            if self.instance.pk:
                taken = taken.exclude(pk=self.instance.pk)
            if taken.exists():
                raise forms.ValidationError(
                    _(
                        "Another recommendation of this report has the publisher's ID "
                        "%(id)s: use another ID or edit that one."
                    )
                    % {"id": publisher_reference}
                )
        return publisher_reference

    def clean_text(self):
        text = self.cleaned_data["text"].strip()
        if not text:
            raise forms.ValidationError(_("Enter the recommendation's wording."))
        return text


def _choice_label(recommendation: Recommendation) -> str:
    return (
        f"{recommendation.reference} · {recommendation.report} "
        f"({date_format(recommendation.report.published_on, 'M Y')})"
    )


class TransitionForm(forms.Form):
    """The input one status move needs: a reason, or the superseding recommendation."""

    to_status = forms.ChoiceField(choices=Recommendation.Status.choices, widget=forms.HiddenInput)
    reason = forms.CharField(
        label=gettext_lazy("Reason"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    superseded_by = forms.ModelChoiceField(
        queryset=Recommendation.objects.none(),
        required=False,
        label=gettext_lazy("Superseded by"),
        empty_label=gettext_lazy("Choose the recommendation that replaces it"),
    )
    covered_by = forms.ModelChoiceField(
        queryset=Recommendation.objects.none(),
        required=False,
        label=gettext_lazy("Covered by"),
        empty_label=gettext_lazy("Choose the recommendation whose response answers it"),
    )

    def __init__(
        self,
        *args,
        transition: Transition,
        recommendation: Recommendation,
        user: User,
        candidates: list[Recommendation] | None = None,
        **kwargs,
    ):
        """`candidates`: selectors.transition_candidates, read once for a page showing
        several of these forms; without it each form reads its own choices."""
        super().__init__(*args, **kwargs)
        self.transition = transition
        self.initial["to_status"] = transition.to_status
        # Field ids must be unique: each transition has its own form on the page.
        self.auto_id = f"id_{transition.to_status}_%s"
        choices = {"superseded_by": superseding_choices, "covered_by": covering_choices}
        fits = {
            "superseded_by": lambda r: r.report.published_on >= recommendation.report.published_on,
            "covered_by": lambda r: (
                r.report.force_id == recommendation.report.force_id
                and r.status not in COVERING_EXCLUDED
            ),
        }
        for name, chooser in choices.items():
            if transition.needs == name:
                field = self.fields[name]
                field.queryset = chooser(user, recommendation)
                field.required = True
                field.label_from_instance = _choice_label
                if candidates is not None:
                    # The same rows, read once for the page; validation still uses the
                    # queryset.
                    field.choices = [
                        ("", field.empty_label),
                        *((r.pk, _choice_label(r)) for r in candidates if fits[name](r)),
                    ]
                self.fields["reason"].label = transition.reason_label
            else:
                del self.fields[name]
        if transition.needs == "reason":
            self.fields["reason"].required = True
            self.fields["reason"].label = transition.reason_label
            self.fields["reason"].error_messages["required"] = _(
                "%(label)s: write a sentence or two; this is kept in the recommendation's history."
            ) % {"label": transition.reason_label}
            if transition.to_status == Recommendation.Status.CLOSED:
                # The signer confirms (or rewrites) the rationale the proposer gave.
                self.initial.setdefault("reason", recommendation.closure_rationale)
        elif transition.needs not in choices:
            del self.fields["reason"]
        written_out(self)  # drawn with every view of the recommendation page

    def clean_reason(self):
        reason = self.cleaned_data.get("reason", "").strip()
        if self.fields["reason"].required and not reason:
            raise forms.ValidationError(self.fields["reason"].error_messages["required"])
        return reason


class InspectorateStatusForm(forms.Form):
    """A change of the inspectorate's own status, as it published it."""

    status = forms.ChoiceField(
        label=gettext_lazy("New status with HMICFRS"),
        choices=[
            ("", gettext_lazy("Choose the status")),
            *Recommendation.InspectorateStatus.choices,
        ],
        error_messages={"required": gettext_lazy("Choose the status the inspectorate gave.")},
    )
    changed_on = forms.DateField(
        label=gettext_lazy("Date of the change"),
        widget=DateInput(),
        help_text=gettext_lazy("As the inspectorate dated it."),
        error_messages={
            "required": gettext_lazy("Enter the date the inspectorate changed the status."),
            "invalid": gettext_lazy("Enter the date as day, month and year."),
        },
    )
    comment = forms.CharField(
        label=gettext_lazy("Comment"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=4000,
        help_text=gettext_lazy("What the inspectorate said, in a line or two."),
    )
    source_url = forms.URLField(
        label=gettext_lazy("Link to the source"),
        required=False,
        max_length=500,
        help_text=gettext_lazy("Its monitoring portal page or letter."),
        error_messages={
            "invalid": gettext_lazy("Enter a web address starting https://, or leave it empty.")
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.auto_id = "id_inspectorate_%s"
        bound_date_fields(self)
        written_out(self)  # drawn with every view of the recommendation page

    def clean_changed_on(self):
        changed_on = self.cleaned_data["changed_on"]
        if changed_on > timezone.localdate():
            raise forms.ValidationError(
                _("Enter the date the inspectorate made the change: not a future one.")
            )
        return changed_on


class CarryForwardForm(forms.Form):
    """Which later inspection an area for improvement is carried into."""

    report = forms.ModelChoiceField(
        queryset=InspectionReport.objects.none(),
        label=gettext_lazy("Later report"),
        empty_label=gettext_lazy("Choose the later inspection"),
        error_messages={
            "required": gettext_lazy("Choose the later report to carry it into."),
            "invalid_choice": gettext_lazy("Choose one of the later reports listed."),
        },
    )
    reference = forms.CharField(
        label=gettext_lazy("Reference"),
        max_length=20,
        required=False,
        help_text=gettext_lazy(
            "Its reference in the later report; leave empty to keep the same one."
        ),
    )

    def __init__(self, *args, user: User, afi: Recommendation, **kwargs):
        super().__init__(*args, **kwargs)
        self.auto_id = "id_carry_%s"
        self.fields["report"].queryset = carry_forward_reports(user, afi)
        self.fields["report"].label_from_instance = lambda report: (
            f"{report.title} ({date_format(report.published_on, 'M Y')})"
        )
        written_out(self)  # drawn with every view of the recommendation page

    def clean_reference(self):
        return self.cleaned_data["reference"].strip()


class PasteForm(forms.Form):
    # No max_length: the browser would cut a longer paste short without a word (maxlength
    # on the box). parse_recommendations refuses it whole, saying what to do.
    text = forms.CharField(
        label=gettext_lazy("Paste the recommendations"),
        widget=forms.Textarea(attrs={"rows": 14, "spellcheck": "false"}),
        help_text=format_lazy(
            gettext_lazy(
                "One recommendation per numbered paragraph, as published: “1. …”, "
                "“2) …” or “Recommendation 3: …”; areas for improvement as “AFI 1 …”. "
                "Up to {items} recommendations and {characters} characters at a time: "
                "paste a longer text in parts."
            ),
            items=MAX_ITEMS,
            characters=f"{MAX_CHARACTERS:,}",
        ),
    )
    priority_areas = forms.ModelMultipleChoiceField(
        queryset=PriorityArea.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("Priority areas for all of them"),
        help_text=gettext_lazy("You can change this for each one on the next step."),
    )

    def __init__(self, *args, report: InspectionReport, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["priority_areas"].queryset = _report_areas(report)

    def clean_text(self):
        text = self.cleaned_data["text"]
        if not text.strip():
            raise forms.ValidationError(_("Paste at least one numbered recommendation."))
        return text


class PasteConfirmForm(forms.Form):
    """The recommendations read from the paste, one row each, with the reference, the
    timescale and the priority areas still open to correction before saving."""

    def __init__(
        self,
        *args,
        report: InspectionReport,
        items: list[PastedRecommendation],
        default_areas=(),
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.items = items
        areas = _report_areas(report)
        for index, item in enumerate(items):
            self.fields[f"reference_{index}"] = forms.CharField(
                label=_("Reference"), initial=item.reference, max_length=20
            )
            self.fields[f"timescale_{index}"] = forms.ChoiceField(
                label=_("Timescale"),
                choices=Recommendation.Timescale.choices,
                initial=item.timescale,
            )
            self.fields[f"areas_{index}"] = forms.ModelMultipleChoiceField(
                label=_("Priority areas"),
                queryset=areas,
                required=False,
                widget=forms.CheckboxSelectMultiple,
                initial=list(default_areas),
            )

    def rows(self):
        """Each item with its bound fields, for the template."""
        return [
            {
                "item": item,
                "reference": self[f"reference_{index}"],
                "timescale": self[f"timescale_{index}"],
                "areas": self[f"areas_{index}"],
            }
            for index, item in enumerate(self.items)
        ]

    def clean(self):
        cleaned = super().clean()
        seen = {}
        for index in range(len(self.items)):
            reference = (cleaned.get(f"reference_{index}") or "").strip().upper()
            if reference in seen:
                self.add_error(
                    f"reference_{index}",
                    _("%(ref)s is used twice: give each recommendation its own reference.")
                    % {"ref": reference},
                )
            seen[reference] = index
        return cleaned

    def recommendation_values(self) -> list[dict]:
        """What recommendations_create_many needs, in the pasted order."""
        return [
            {
                "reference": self.cleaned_data[f"reference_{index}"].strip(),
                "kind": item.kind,
                "text": item.text,
                "timescale": self.cleaned_data[f"timescale_{index}"],
                "priority_areas": list(self.cleaned_data[f"areas_{index}"]),
            }
            for index, item in enumerate(self.items)
        ]


# --- Spreadsheet import -----------------------------------------------------------------


class SpreadsheetUploadForm(forms.Form):
    """The spreadsheet to import: CSV or .xlsx, checked by name and bytes together."""

    file = forms.FileField(
        label=gettext_lazy("The spreadsheet"),
        error_messages={
            "required": gettext_lazy("Choose the spreadsheet to import (.xlsx or CSV)."),
            "empty": gettext_lazy("The file is empty: choose the spreadsheet again."),
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = (
            f"{limits_help_text(SPREADSHEET_KINDS, max_bytes=MAX_FILE_BYTES)} "
            + _("At most %(count)s rows.") % {"count": MAX_ROWS}
        )

    def clean_file(self) -> CheckedUpload:
        return check_upload(
            self.cleaned_data["file"], kinds=SPREADSHEET_KINDS, max_bytes=MAX_FILE_BYTES
        )


class SpreadsheetConfirmForm(forms.Form):
    """Which preview is being confirmed: the file's digest (its bytes are kept on the
    server between the two steps) and the plan's fingerprint. No row values: they are
    read again from the file."""

    sha256 = forms.RegexField(regex=r"^[0-9a-f]{64}$", widget=forms.HiddenInput)
    fingerprint = forms.RegexField(regex=r"^[0-9a-f]{64}$", widget=forms.HiddenInput)
