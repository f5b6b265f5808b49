"""Forms for handing a leaver's open follow-ups to someone else. They only convert; the
service (reviews.services_handover) decides who may take a follow-up on and says so."""

from django import forms
from django.utils.translation import gettext_lazy

from oversight.models import User
from oversight.selectors import people_visible_to

CHOOSE_FROM_LIST = gettext_lazy(
    "Choose someone from the list: only people who can take this on are offered."
)


class FollowUpsHandOverForm(forms.Form):
    """All of a person's open follow-ups the user may hand over, to one person."""

    person = forms.ModelChoiceField(
        queryset=User.objects.none(),
        label=gettext_lazy("Hand to"),
        error_messages={
            "required": gettext_lazy("Choose who takes it on."),
            "invalid_choice": CHOOSE_FROM_LIST,
        },
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people_visible_to(user)


class FollowUpReassignForm(FollowUpsHandOverForm):
    """One follow-up. `was` is its owner when the page was drawn: if it has changed since,
    nothing is saved."""

    was = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)
