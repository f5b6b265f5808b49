"""How django-allauth and django-axes fit this site: nobody signs themselves up, single
sign-on reaches only accounts an administrator made or invited, and lock-outs count the
name a person typed whether it was a username or an e-mail address."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter


def axes_username(request, credentials: dict | None) -> str:
    credentials = credentials or {}
    name = credentials.get("username") or credentials.get("email") or credentials.get("login")
    if not name and request is not None:
        name = request.POST.get("login", "")
    return (name or "").strip().lower()


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        return False


class MFAAdapter(DefaultMFAAdapter):
    error_messages = {
        **DefaultMFAAdapter.error_messages,
        # Shown when the first code typed while setting up does not match (the sign-in
        # step words its own: oversight/accounts/two_factor.py).
        "incorrect_code": (
            "That code did not match. Type the code the app shows now; it changes every 30 seconds."
        ),
    }


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request, sociallogin):
        # An identity the site does not know by its verified address gets no account.
        return False
