"""django-allauth's two-factor forms in this site's words (MFA_FORMS in settings), and the
sign-in code step brought under django-axes's lock-out.

allauth's own limit on wrong codes shares the "login_failed" rate limit, which settings turn
off because django-axes owns lock-outs; without this a person who knew the password could
guess codes for as long as the half-finished sign-in lasted.
"""

from allauth.core import context
from allauth.mfa.base.forms import AuthenticateForm, ReauthenticateForm
from allauth.mfa.totp.forms import ActivateTOTPForm
from axes.handlers.proxy import AxesProxyHandler
from django import forms
from django.contrib.auth.signals import user_login_failed
from django.utils.translation import gettext_lazy

CODE_ATTRS = {
    "autocomplete": "one-time-code",
    # Six-digit app codes and eight-digit recovery codes are both digits: a phone shows
    # its number pad.
    "inputmode": "numeric",
    "autocapitalize": "off",
    "spellcheck": "false",
    "class": "form-control code-input",
}
WRONG_SIGN_IN_CODE = gettext_lazy(
    "That code did not work. Type the code the app shows now, or a recovery code you have "
    "not used before."
)
LOCKED_OUT = gettext_lazy(
    "Too many wrong codes or passwords. Sign in again later, or ask your office's "
    "administrator to unlock your account."
)


class SetUpForm(ActivateTOTPForm):
    """Turning on two-factor sign-in: scan the QR code (or type the key), then prove it
    worked with the first code the app shows."""

    code = forms.CharField(
        label=gettext_lazy("Six-digit code from the app"),
        max_length=20,
        widget=forms.TextInput(attrs=CODE_ATTRS),
    )

    @property
    def secret_in_groups(self) -> list[str]:
        """The key in fours, as authenticator apps accept it typed, and easier to read out."""
        return [self.secret[start : start + 4] for start in range(0, len(self.secret), 4)]


class SignInCodeForm(AuthenticateForm):
    """The step after the password: a code from the app, or a recovery code.

    A wrong code counts as a failed sign-in for django-axes, as a wrong password does, and
    the step refuses every code while the account is locked out.
    """

    code = forms.CharField(
        label=gettext_lazy("Code from your authenticator app"),
        max_length=20,
        help_text=gettext_lazy("No phone with you? Type one of your recovery codes instead."),
        widget=forms.TextInput(attrs=CODE_ATTRS),
    )

    def clean_code(self) -> str:
        request = context.request
        # axes counts by the name typed at sign-in (AXES_USERNAME_CALLABLE); a code has
        # none, so it counts against the username.
        credentials = {"username": self.user.get_username()}
        if not AxesProxyHandler.is_allowed(request, credentials):
            # The flag axes's own backend sets: its middleware then answers with the
            # lock-out page, as it does for a password typed during a lock-out.
            request.axes_locked_out = True
            raise forms.ValidationError(LOCKED_OUT, code="locked_out")
        try:
            return super().clean_code()
        except forms.ValidationError as error:
            # The signal Django's authenticate() sends for a wrong password: axes counts
            # it and the account audit log records it.
            user_login_failed.send(sender=__name__, credentials=credentials, request=request)
            raise forms.ValidationError(WRONG_SIGN_IN_CODE, code="incorrect_code") from error


class ConfirmCodeForm(ReauthenticateForm):
    """Confirming it is you, before a change to how you sign in, with a code instead of
    the password. Signed in already, so no lock-out: allauth limits the attempts
    ("reauthenticate" rate limit)."""

    code = forms.CharField(
        label=gettext_lazy("Code from your authenticator app, or a recovery code"),
        max_length=20,
        widget=forms.TextInput(attrs=CODE_ATTRS),
    )
