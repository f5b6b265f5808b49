from allauth.account.forms import (
    ChangePasswordForm,
    LoginForm,
    ResetPasswordForm,
    ResetPasswordKeyForm,
    SetPasswordForm,
)
from django import forms
from django.contrib.auth.password_validation import (
    password_validators_help_text_html,
    validate_password,
)
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from oversight.accounts.selectors import organisations_administered_by
from oversight.models import Force, Office, PartnerAgency, User


class SignInForm(LoginForm):
    """allauth's sign-in form with the site's wording."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["login"].label = _("Username or e-mail address")
        self.fields["login"].widget.attrs.pop("placeholder", None)
        self.fields["password"].widget.attrs.pop("placeholder", None)
        # allauth's own "Forgot your password?" link: the page has one beside the button.
        self.fields["password"].help_text = ""
        self.fields.pop("remember", None)


def _plain_labels(form: forms.Form, labels: dict[str, str]) -> None:
    """The site's sentence-case wording in place of allauth's Title Case, and no
    placeholders standing in for labels."""
    for name, label in labels.items():
        if name in form.fields:
            form.fields[name].label = label
            form.fields[name].widget.attrs.pop("placeholder", None)


class PasswordChangeForm(ChangePasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _plain_labels(
            self,
            {
                "oldpassword": _("Current password"),
                "password1": _("New password"),
                "password2": _("New password again"),
            },
        )


class PasswordSetForm(SetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _plain_labels(self, {"password1": _("Password"), "password2": _("Password again")})


class PasswordResetRequestForm(ResetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _plain_labels(self, {"email": _("E-mail address")})


class PasswordResetForm(ResetPasswordKeyForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _plain_labels(self, {"password1": _("New password"), "password2": _("New password again")})


class OrganisationChoiceField(forms.ChoiceField):
    """One list of the organisations an administrator looks after, grouped by kind; the
    value names the kind and the id ("force:3")."""

    def __init__(self, *, office, forces, agencies, **kwargs):
        self._by_value = {}
        groups = []
        for label, kind, items in (
            (_("Office"), "office", [office] if office else []),
            (_("Forces"), "force", forces),
            (_("Partner agencies"), "agency", agencies),
        ):
            if items:
                choices = []
                for item in items:
                    value = f"{kind}:{item.pk}"
                    self._by_value[value] = item
                    choices.append((value, str(item)))
                groups.append((label, choices))
        super().__init__(
            choices=[("", _("Choose an organisation"))] + groups,
            label=gettext_lazy("Organisation"),
            **kwargs,
        )

    def clean(self, value):
        value = super().clean(value)
        return self._by_value[value]

    @staticmethod
    def value_for(organisation) -> str:
        kind = {Office: "office", Force: "force", PartnerAgency: "agency"}[type(organisation)]
        return f"{kind}:{organisation.pk}"


ROLE_HELP = gettext_lazy(
    "OPCC staff and read-only people belong to the office; force plan owners and police "
    "leads to a force; partner agency leads to their agency."
)


def _role_choices():
    return [("", _("Choose a role"))] + list(User.Role.choices)


class InvitationForm(forms.Form):
    first_name = forms.CharField(label=gettext_lazy("First name"), max_length=150)
    last_name = forms.CharField(label=gettext_lazy("Last name"), max_length=150)
    email = forms.EmailField(label=gettext_lazy("E-mail address"), max_length=254)
    job_title = forms.CharField(label=gettext_lazy("Job title"), max_length=120, required=False)
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=_role_choices, help_text=ROLE_HELP)

    def __init__(self, *args, admin, **kwargs):
        super().__init__(*args, **kwargs)
        office, forces, agencies = organisations_administered_by(admin)
        self.fields["organisation"] = OrganisationChoiceField(
            office=office, forces=forces, agencies=agencies
        )


class PersonForm(forms.Form):
    first_name = forms.CharField(label=gettext_lazy("First name"), max_length=150)
    last_name = forms.CharField(label=gettext_lazy("Last name"), max_length=150)
    email = forms.EmailField(label=gettext_lazy("E-mail address"), max_length=254)
    job_title = forms.CharField(label=gettext_lazy("Job title"), max_length=120, required=False)
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=_role_choices, help_text=ROLE_HELP)
    is_office_admin = forms.BooleanField(
        label=gettext_lazy("Office administrator"),
        required=False,
        help_text=gettext_lazy(
            "May invite people, change roles and deactivate leavers. OPCC staff only."
        ),
    )

    def __init__(self, *args, admin, person, **kwargs):
        initial = {
            "first_name": person.first_name,
            "last_name": person.last_name,
            "email": person.email,
            "job_title": person.job_title,
            "role": person.role,
            "is_office_admin": person.is_office_admin,
        }
        if person.organisation is not None:
            initial["organisation"] = OrganisationChoiceField.value_for(person.organisation)
        super().__init__(*args, initial=initial, **kwargs)
        office, forces, agencies = organisations_administered_by(admin)
        self.fields["organisation"] = OrganisationChoiceField(
            office=office, forces=forces, agencies=agencies
        )
        self.order_fields(["first_name", "last_name", "email", "job_title", "role", "organisation"])


class DeactivateForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=300,
        required=False,
        help_text=gettext_lazy("For the record, e.g. 'Moved to another force, 30 Nov'."),
    )


class TwoFactorRuleForm(forms.Form):
    """The office's own settings, which its administrators change: the two-factor rule and
    the language its letters are drafted in."""

    require_two_factor = forms.BooleanField(
        label=gettext_lazy("Require two-factor sign-in for everyone this office administers"),
        required=False,
        help_text=gettext_lazy(
            "Once on, each person who has not set it up is asked to, before anything "
            "else, the next time they open a page."
        ),
    )
    letter_language = forms.ChoiceField(
        label=gettext_lazy("Language of new letters"),
        choices=Office.LetterLanguage.choices,
        help_text=gettext_lazy(
            "The language new letters are drafted in; each letter can be changed."
        ),
        error_messages={"required": gettext_lazy("Choose English, Welsh or bilingual.")},
    )


class AcceptInvitationForm(forms.Form):
    username = forms.CharField(
        label=gettext_lazy("Username"),
        max_length=150,
        validators=[UnicodeUsernameValidator()],
        help_text=gettext_lazy(
            "What you will sign in with (or your e-mail address). Letters, digits "
            "and @ . + - _ only."
        ),
    )
    password1 = forms.CharField(
        label=gettext_lazy("Password"),
        strip=False,
        widget=forms.PasswordInput(render_value=False),
    )
    password2 = forms.CharField(
        label=gettext_lazy("Password again"),
        strip=False,
        widget=forms.PasswordInput(render_value=False),
    )

    def __init__(self, *args, invitation, **kwargs):
        self.invitation = invitation
        super().__init__(*args, **kwargs)
        self.fields["password1"].help_text = password_validators_help_text_html()

    def clean(self):
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("The two passwords differ: type the same one twice."))
        elif password1:
            candidate = User(
                username=cleaned.get("username", ""),
                email=self.invitation.email,
                first_name=self.invitation.first_name,
                last_name=self.invitation.last_name,
            )
            try:
                validate_password(password1, user=candidate)
            except ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class ApiTokenForm(forms.Form):
    """A new personal access token: what it is for, what it may do, until when."""

    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=80,
        help_text=gettext_lazy("The tool that will use it, e.g. “Force performance dashboard”."),
        error_messages={
            "required": gettext_lazy("Name the token after the tool that will use it.")
        },
    )
    scope = forms.ChoiceField(
        label=gettext_lazy("It may"),
        choices=[
            ("read", gettext_lazy("Read what you can read")),
            (
                "write",
                gettext_lazy("Read, and write as you (post progress updates; OPCC staff: import)"),
            ),
        ],
        initial="read",
        widget=forms.RadioSelect,
    )
    expires_on = forms.DateField(
        label=gettext_lazy("Expires on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=gettext_lazy("At most a year from today."),
        error_messages={
            "required": gettext_lazy("Give the date it stops working."),
            "invalid": gettext_lazy("Enter the date as day, month and year."),
        },
    )
