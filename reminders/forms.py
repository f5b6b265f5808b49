from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy

from oversight.models import User


class ReminderPreferencesForm(forms.Form):
    email_reminders = forms.BooleanField(
        required=False,
        label=gettext_lazy("E-mail me my reminders"),
        help_text=gettext_lazy(
            "Untick to see reminders only here, in the app. Reminders recorded while "
            "e-mail is off are not mailed later."
        ),
    )
    digest_frequency = forms.ChoiceField(
        choices=User.DigestFrequency.choices,
        widget=forms.RadioSelect,
        label=gettext_lazy("How often"),
        help_text=gettext_lazy(
            "One e-mail lists everything that needs your attention. The weekly digest "
            "comes on Mondays; the notification list here is updated every day."
        ),
        error_messages={"invalid_choice": gettext_lazy("Choose daily or weekly.")},
    )
    # Each language named in itself. Left out of a post, the choice stays as it is.
    language = forms.ChoiceField(
        choices=settings.LANGUAGES,
        widget=forms.RadioSelect,
        required=False,
        label=gettext_lazy("Language of the site, e-mails and reminders"),
        error_messages={"invalid_choice": gettext_lazy("Choose English or Cymraeg.")},
    )
