from django import forms

from oversight.models import User


class ReminderPreferencesForm(forms.Form):
    email_reminders = forms.BooleanField(
        required=False,
        label="E-mail me my reminders",
        help_text="Untick to see reminders only here, in the app. Reminders recorded while "
        "e-mail is off are not mailed later.",
    )
    digest_frequency = forms.ChoiceField(
        choices=User.DigestFrequency.choices,
        widget=forms.RadioSelect,
        label="How often",
        help_text="One e-mail lists everything that needs your attention. The weekly digest "
        "comes on Mondays; the notification list here is updated every day.",
        error_messages={"invalid_choice": "Choose daily or weekly."},
    )
