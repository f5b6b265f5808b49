"""Forms for the letter builder: choosing a letter, and editing a draft's wording."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from letters.models import Letter
from oversight.shared.concurrency import VersionedModelForm
from oversight.shared.dates import bound_date_fields


class LetterCreateForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Which letter?"),
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose the letter to prepare.")},
    )

    def __init__(self, *args, kinds: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(Letter.Kind.choices)
        self.fields["kind"].choices = [(kind, labels[kind]) for kind in kinds]
        if len(kinds) == 1:
            self.initial["kind"] = kinds[0]


class LetterForm(VersionedModelForm):
    """The builder: covering paragraphs, addressee, signatory and dates of a draft."""

    class Meta:
        model = Letter
        fields = [
            "reference",
            "language",
            "letter_date",
            "response_due_on",
            "addressee",
            "salutation",
            "opening",
            "closing",
            "signatory_name",
            "signatory_title",
            "salutation_cy",
            "opening_cy",
            "closing_cy",
            "signatory_title_cy",
        ]
        labels = {
            "reference": gettext_lazy("Our reference"),
            "language": gettext_lazy("Language of the letter"),
            "letter_date": gettext_lazy("Date of the letter"),
            "response_due_on": gettext_lazy("Response due on"),
            "addressee": gettext_lazy("To"),
            "opening": gettext_lazy("Covering paragraphs (before the detail)"),
            "closing": gettext_lazy("Closing paragraphs (after the detail)"),
            "signatory_name": gettext_lazy("Signed by"),
            "signatory_title": gettext_lazy("Signatory's title"),
            "salutation_cy": gettext_lazy("Salutation in Welsh"),
            "opening_cy": gettext_lazy("Covering paragraphs in Welsh"),
            "closing_cy": gettext_lazy("Closing paragraphs in Welsh"),
            "signatory_title_cy": gettext_lazy("Signatory's title in Welsh"),
        }
        help_texts = {
            "addressee": gettext_lazy("Name and address, one line each."),
            "opening": gettext_lazy("Leave a blank line between paragraphs."),
            "closing": gettext_lazy(
                "Leave a blank line between paragraphs. “Yours sincerely” follows."
            ),
            "language": gettext_lazy(
                "Bilingual: the Welsh letter first, then the English. Save, and the Welsh "
                "wording appears below to check. What you type is printed as you typed it."
            ),
            "response_due_on": gettext_lazy(
                "Recorded on the report as the formal response due date when the letter is issued."
            ),
        }
        widgets = {
            "letter_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "response_due_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "addressee": forms.Textarea(attrs={"rows": 5}),
            "opening": forms.Textarea(attrs={"rows": 8}),
            "closing": forms.Textarea(attrs={"rows": 4}),
            "opening_cy": forms.Textarea(attrs={"rows": 8}),
            "closing_cy": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.kind != Letter.Kind.RESPONSE_REQUEST:
            del self.fields["response_due_on"]
        if self.instance.language != Letter.Language.BILINGUAL:
            for name in ("salutation_cy", "opening_cy", "closing_cy", "signatory_title_cy"):
                del self.fields[name]
        self.fields["letter_date"].error_messages["invalid"] = _(
            "Enter the date as day, month and year, e.g. 14/03/2026."
        )
        bound_date_fields(self)

    def clean(self):
        cleaned = super().clean()
        due_on, dated = cleaned.get("response_due_on"), cleaned.get("letter_date")
        if due_on and dated and due_on < dated:
            self.add_error(
                "response_due_on", _("The response cannot be due before the letter is dated.")
            )
        return cleaned

    @property
    def letter_fields(self) -> dict:
        """The cleaned values the service saves (every field but the version)."""
        return {name: self.cleaned_data[name] for name in self.fields if name != "version"}
