"""The form staff publish a report with: a public summary per recommendation, and whether
to keep them as drafts or publish."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from letters.public_snapshot import ReportSnapshot
from letters.services_public import SUMMARY_MAX_LENGTH, summary_field


class PublishForm(forms.Form):
    SAVE, PUBLISH = "save", "publish"

    action = forms.ChoiceField(
        choices=[(SAVE, gettext_lazy("Save the summaries")), (PUBLISH, gettext_lazy("Publish"))],
        widget=forms.HiddenInput,
        error_messages={
            "required": gettext_lazy("Choose “Save the summaries” or “Publish”."),
            "invalid_choice": gettext_lazy("Choose “Save the summaries” or “Publish”."),
        },
    )
    digest = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, snapshot: ReportSnapshot, **kwargs):
        super().__init__(*args, **kwargs)
        self.snapshot = snapshot
        if not self.is_bound:
            self.initial["digest"] = snapshot.digest
        for row in snapshot.recommendations:
            name = summary_field(row.recommendation_id)
            self.fields[name] = forms.CharField(
                label=_("Public summary of %(reference)s") % {"reference": row.reference},
                required=False,
                max_length=SUMMARY_MAX_LENGTH,
                initial=row.public_summary,
                widget=forms.Textarea(attrs={"rows": 3}),
                help_text=_(
                    "For the public: what has been done and what is still to do, in plain "
                    "words. No names of officers or staff."
                ),
                error_messages={
                    "max_length": _(
                        "Shorten this summary to %(limit_value)d characters or fewer (it has "
                        "%(show_value)d)."
                    )
                },
            )

    def rows(self) -> list[tuple]:
        """Each recommendation with its summary field, in the report's order."""
        return [
            (row, self[summary_field(row.recommendation_id)])
            for row in self.snapshot.recommendations
        ]

    @property
    def summaries(self) -> dict[int, str]:
        return {
            row.recommendation_id: self.cleaned_data[summary_field(row.recommendation_id)]
            for row in self.snapshot.recommendations
        }
