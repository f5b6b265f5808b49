"""Forms for national and thematic reports: the report, its recommendations with whom each
is addressed to, and the forces it is applied to."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from oversight.forms import NO_PROGRAMME, DateInput, ReportForm
from oversight.models import MAX_DAYS_BEFORE_PUBLICATION, Force, NationalReport, User
from oversight.selectors import forces_visible_to
from oversight.shared.concurrency import VersionedModelForm
from oversight.shared.dates import bound_date_fields
from recommendations.models import NationalRecommendation, Recommendation
from recommendations.references import normalise_publisher_reference
from recommendations.services_national import Addressees


class NationalReportForm(VersionedModelForm):
    class Meta:
        model = NationalReport
        fields = [
            "title",
            "source",
            "programme",
            "issued_by",
            "published_on",
            "summary",
            "source_url",
        ]
        labels = ReportForm.Meta.labels
        help_texts = {
            "published_on": gettext_lazy(
                "Starts each force's clocks: section 55 for an HMICFRS report "
                "(56 days), and the 6-week action plan deadline.",
            ),
            "programme": ReportForm.Meta.help_texts["programme"],
            "issued_by": ReportForm.Meta.help_texts["issued_by"],
        }
        widgets = {
            "published_on": DateInput(),
            "summary": forms.Textarea(attrs={"rows": 4}),
        }
        error_messages = {
            "title": {"required": gettext_lazy("Enter the report's title, as published.")},
            "source": {"required": gettext_lazy("Choose who published the report.")},
            "published_on": ReportForm.Meta.error_messages["published_on"],
        }

    _clean_for_source = ReportForm._clean_for_source

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].choices = [
            ("", NO_PROGRAMME),
            *NationalReport.Programme.choices,
        ]
        bound_date_fields(self, published_on=MAX_DAYS_BEFORE_PUBLICATION)

    def clean(self):
        cleaned = super().clean()
        self._clean_for_source(cleaned)
        return cleaned


class ForceNamesMultiple(forms.ModelMultipleChoiceField):
    def label_from_instance(self, force):
        return force.name


class NationalRecommendationForm(VersionedModelForm):
    """A national recommendation's wording and whom it is addressed to."""

    named_forces = ForceNamesMultiple(
        queryset=Force.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "force-columns"}),
        label=gettext_lazy("The forces named"),
    )
    national_bodies = forms.MultipleChoiceField(
        choices=NationalRecommendation.Body.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("National bodies it is addressed to"),
        help_text=gettext_lazy(
            "One addressed to national bodies only is tracked by each force for "
            "information: nobody chases it."
        ),
    )

    class Meta:
        model = NationalRecommendation
        fields = [
            "reference",
            "publisher_reference",
            "kind",
            "text",
            "timescale",
            "addressed_forces",
            "named_forces",
            "national_bodies",
            "other_addressees",
        ]
        labels = {
            "text": gettext_lazy(
                "Wording",
            ),
            "addressed_forces": gettext_lazy(
                "Addressed to forces",
            ),
        }
        help_texts = {
            "publisher_reference": gettext_lazy(
                "HMICFRS's own number for it, e.g. “VAWG 2024 R3”: a "
                "spreadsheet re-import matches rows on it.",
            ),
        }
        widgets = {
            "text": forms.Textarea(attrs={"rows": 5}),
            "addressed_forces": forms.RadioSelect,
        }
        error_messages = {
            "reference": {
                "required": gettext_lazy(
                    "Enter the reference the report gives it, e.g. R1.",
                )
            },
            "text": {"required": gettext_lazy("Enter the recommendation's wording as published.")},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["named_forces"].queryset = Force.objects.order_by("name")
        self.fields["kind"].choices = Recommendation.Kind.choices
        self.fields["timescale"].choices = Recommendation.Timescale.choices
        if self.instance.pk:
            self.initial["national_bodies"] = list(self.instance.national_bodies)

    def clean_reference(self):
        return self.cleaned_data["reference"].strip().upper()

    def clean_publisher_reference(self):
        return normalise_publisher_reference(self.cleaned_data["publisher_reference"])

    def clean(self):
        cleaned = super().clean()
        forces = cleaned.get("addressed_forces")
        named = cleaned.get("named_forces") or []
        if forces == NationalRecommendation.Forces.NAMED and not named:
            self.add_error(
                "named_forces",
                _("Tick the forces it is addressed to, or choose all chief constables."),
            )
        if forces != NationalRecommendation.Forces.NAMED and named:
            self.add_error(
                "named_forces",
                _("Forces are ticked but “Named forces” is not chosen: choose it, or untick them."),
            )
        if (
            forces == NationalRecommendation.Forces.NONE
            and not cleaned.get("national_bodies")
            and not cleaned.get("other_addressees", "").strip()
        ):
            self.add_error(
                "national_bodies",
                _(
                    "Addressed to no force: tick the national bodies it is addressed to, or name "
                    "them under other addressees."
                ),
            )
        return cleaned

    def values(self) -> tuple[dict, Addressees]:
        cleaned = self.cleaned_data
        fields = {
            name: cleaned[name]
            for name in ("reference", "publisher_reference", "kind", "text", "timescale")
        }
        addressees = Addressees(
            forces=cleaned["addressed_forces"],
            named=tuple(cleaned.get("named_forces") or ()),
            bodies=tuple(cleaned.get("national_bodies") or ()),
            other=cleaned.get("other_addressees", ""),
        )
        return fields, addressees


class ApplyForm(forms.Form):
    """The forces a national report is applied to: those the office oversees that do not
    answer it yet."""

    forces = ForceNamesMultiple(
        queryset=Force.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("Forces that must answer it"),
        error_messages={"required": gettext_lazy("Tick at least one force.")},
    )

    def __init__(self, *args, user: User, national_report: NationalReport, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["forces"].queryset = (
            forces_visible_to(user)
            .exclude(reports__national_report=national_report)
            .order_by("name")
        )
