"""How django-allauth and django-axes fit this site: nobody signs themselves up, single
sign-on reaches only accounts an administrator made or invited, and lock-outs count the
name a person typed whether it was a username or an e-mail address."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.providers.base import AuthProcess
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django.conf import settings
from django.db import transaction
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext_lazy

from oversight.accounts.models import AccountEvent, Invitation
from oversight.accounts.selectors import invitation_open_for_email, user_with_email
from oversight.accounts.services import account_event_record, invitation_accept
from oversight.models import User
from oversight.shared.language import language_for


def axes_username(request, credentials: dict | None) -> str:
    credentials = credentials or {}
    name = credentials.get("username") or credentials.get("email") or credentials.get("login")
    if not name and request is not None:
        name = request.POST.get("login", "")
    return (name or "").strip().lower()


class AccountAdapter(DefaultAccountAdapter):
    # allauth has no Welsh catalogue: the messages a person meets at sign-in and on the
    # password pages are in this project's (same English words as allauth's).
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "account_inactive": gettext_lazy("This account is currently inactive."),
        "email_password_mismatch": gettext_lazy(
            "The email address and/or password you specified are not correct."
        ),
        "username_password_mismatch": gettext_lazy(
            "The username and/or password you specified are not correct."
        ),
        "enter_current_password": gettext_lazy("Please type your current password."),
        "incorrect_password": gettext_lazy("Incorrect password."),
        "invalid_or_expired_key": gettext_lazy("Invalid or expired key."),
        "invalid_password_reset": gettext_lazy("The password reset token was invalid."),
        "too_many_login_attempts": gettext_lazy("Too many failed login attempts. Try again later."),
        "rate_limited": gettext_lazy("Be patient, you are sending too many requests."),
    }

    def is_open_for_signup(self, request):
        return False

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Every e-mail allauth sends (password reset) in the language of the person it
        is to; when they have not chosen one, in the language of the page that asked."""
        recipient = context.get("user") or user_with_email(email)
        if recipient is not None and recipient.language:
            language = language_for(recipient)
        else:
            language = translation.get_language() or settings.LANGUAGE_CODE
        with translation.override(language):
            super().send_mail(template_prefix, email, context)


class MFAAdapter(DefaultMFAAdapter):
    error_messages = {
        **DefaultMFAAdapter.error_messages,
        # Shown when the first code typed while setting up does not match (the sign-in
        # step words its own: oversight/accounts/two_factor.py).
        "incorrect_code": gettext_lazy(
            "That code did not match. Type the code the app shows now; it changes every 30 seconds."
        ),
    }


def _verified_emails(sociallogin) -> list[str]:
    # allauth has already marked every address verified when the app trusts the provider's
    # addresses ("verified_email", OIDC_TRUST_EMAIL); otherwise only the provider's own
    # email_verified claim counts.
    return [address.email for address in sociallogin.email_addresses if address.verified]


def _first_found(lookup, emails: list[str]):
    for email in emails:
        if found := lookup(email):
            return found
    return None


def _refusal(request, sociallogin, template: str) -> ImmediateHttpResponse:
    """Stops allauth's flow with a page saying why, in the site's layout."""
    emails = [address.email for address in sociallogin.email_addresses]
    context = {
        "provider_name": sociallogin.provider.name,
        "email": emails[0] if emails else "",
        "email_verified": bool(_verified_emails(sociallogin)),
    }
    return ImmediateHttpResponse(render(request, template, context, status=403))


def _locked_out(request, user: User) -> bool:
    """Whether django-axes has locked this person out after wrong passwords, under either
    name they may have typed: single sign-on waits out the same cool-off."""
    if not settings.AXES_ENABLED:
        return False
    return any(
        AxesProxyHandler.is_locked(request, credentials={"username": name})
        for name in (user.username, user.email)
        if name
    )


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """Single sign-on signs a person in to the account an administrator made for their
    verified e-mail address, or to the one their open invitation describes; nothing else
    the identity provider says (names, roles, groups) changes an account."""

    def pre_social_login(self, request, sociallogin):
        if sociallogin.state.get("process", AuthProcess.LOGIN) != AuthProcess.LOGIN:
            # Connecting from the signed-in person's own page links to their account.
            return
        linked = sociallogin.is_existing
        if linked:
            user = sociallogin.user
        else:
            user = _first_found(user_with_email, _verified_emails(sociallogin))
        if user is None:
            # allauth goes on to sign-up, which is_open_for_signup allows only by invitation.
            return
        if not user.is_active:
            raise _refusal(request, sociallogin, "socialaccount/account_inactive.html")
        if _locked_out(request, user):
            credentials = {"username": user.username}
            raise ImmediateHttpResponse(get_lockout_response(request, None, credentials))
        if not linked:
            # Links the provider's identity to the account for next time (SSO_LINKED in the
            # audit log, from the social_account_added signal).
            sociallogin.connect(request, user)

    def is_open_for_signup(self, request, sociallogin):
        if self._open_invitation(sociallogin) is None:
            raise _refusal(request, sociallogin, "socialaccount/signup_closed.html")
        return True

    def save_user(self, request, sociallogin, form=None):
        """Accept the person's invitation: the account gets the invitation's role and
        organisation, and no password (they sign in through their organisation)."""
        invitation = self._open_invitation(sociallogin)
        if invitation is None:
            raise _refusal(request, sociallogin, "socialaccount/signup_closed.html")
        with transaction.atomic():
            user = invitation_accept(
                invitation=invitation,
                username=self._new_username(invitation),
                password=None,
                request=request,
            )
            sociallogin.user = user
            # As for an existing account: invitation_accept has recorded the address already.
            sociallogin.save(request, connect=True)
            account_event_record(
                kind=AccountEvent.Kind.SSO_LINKED,
                subject=user,
                actor=user,
                invitation=invitation,
                detail=f"Identity provider account {sociallogin.account.uid}",
                request=request,
            )
        return user

    def _open_invitation(self, sociallogin) -> Invitation | None:
        return _first_found(invitation_open_for_email, _verified_emails(sociallogin))

    def _new_username(self, invitation: Invitation) -> str:
        local_part = invitation.email.partition("@")[0]
        full_name = f"{invitation.first_name}{invitation.last_name}"
        return get_account_adapter().generate_unique_username([local_part, full_name, "user"])
