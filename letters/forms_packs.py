"""Forms for committee meetings and packs."""

from django import forms
from django.utils.translation import gettext_lazy

from oversight.models import CommitteeMeeting, InspectionReport, Office, PriorityArea
from oversight.shared.dates import bound_date_fields


class MeetingForm(forms.ModelForm):
    class Meta:
        model = CommitteeMeeting
        fields = ["committee", "meets_on"]
        labels = {"committee": gettext_lazy("Committee"), "meets_on": gettext_lazy("Meeting date")}
        help_texts = {
            "meets_on": gettext_lazy(
                "You are reminded to issue the pack a week before, when papers go out."
            )
        }
        widgets = {"meets_on": forms.DateInput(attrs={"type": "date"})}
        error_messages = {
            "committee": {"required": gettext_lazy("Choose the committee.")},
            "meets_on": {"required": gettext_lazy("Enter the meeting date, e.g. 2027-03-18.")},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bound_date_fields(self)


class PackForm(forms.Form):
    previous_meeting_on = forms.DateField(
        label=gettext_lazy("Previous meeting"),
        help_text=gettext_lazy("Completions and extensions are counted from the day after it."),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "required": gettext_lazy("Enter the previous meeting's date, e.g. 2026-12-10.")
        },
    )
    forces = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("Forces"),
        help_text=gettext_lazy("None ticked: every force your office oversees."),
    )
    sources = forms.MultipleChoiceField(
        choices=InspectionReport.Source.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("Report sources"),
        help_text=gettext_lazy("None ticked: every source."),
    )
    priority_areas = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        label=gettext_lazy("Priority areas"),
        help_text=gettext_lazy("None chosen: every recommendation, in a priority area or not."),
    )

    def __init__(self, *args, office: Office, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["forces"].queryset = office.forces.order_by("name")
        self.fields["priority_areas"].queryset = (
            PriorityArea.objects.filter(report__force__in=office.forces.all())
            .select_related("report__force")
            .order_by("report__force__name", "-report__published_on", "position")
        )
        bound_date_fields(self)
        self.fields["priority_areas"].label_from_instance = lambda area: (
            f"{area.title} ({area.report.force.name}, {area.report.title})"
        )
