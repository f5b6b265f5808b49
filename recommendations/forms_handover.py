"""Forms for handing a leaver's actions and plans to someone else.

They only convert: the person must be someone the user sees (an active person); whether
they can take the role is the service's rule (recommendations.services_handover), which
refuses with a message naming who can. The selects on the page offer only people who can.
"""

from django import forms
from django.utils.translation import gettext_lazy

from oversight.models import User
from oversight.selectors import people_visible_to
from recommendations.handover import ACTION_ROLES

CHOOSE_FROM_LIST = gettext_lazy(
    "Choose someone from the list: only people who can take this on are offered.",
)


class ActionsHandOverForm(forms.Form):
    """Every role a person holds on the live actions the user may hand over, to one
    person; the base of the forms for one action or one plan."""

    person = forms.ModelChoiceField(
        queryset=User.objects.none(),
        label=gettext_lazy("Hand to"),
        error_messages={
            "required": gettext_lazy(
                "Choose who takes it on.",
            ),
            "invalid_choice": CHOOSE_FROM_LIST,
        },
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people_visible_to(user)


class PlanReassignForm(ActionsHandOverForm):
    """One plan's owner. `was` is who owned it when the page was drawn: if that has
    changed since, nothing is saved."""

    was = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)


class ActionReassignForm(PlanReassignForm):
    """One role (owner or delivery lead) on one action, and who held it (`was`)."""

    field = forms.ChoiceField(label=gettext_lazy("Field"), choices=list(ACTION_ROLES.items()))
