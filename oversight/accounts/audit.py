"""The account audit log's feed from sign-in machinery that is not ours.

Django, django-allauth and django-axes announce sign-ins, failures, lock-outs, password
changes and two-factor changes only as signals; each receiver here records one
AccountEvent and does nothing else. Changes this app makes itself (invitations, roles,
leavers) are recorded by its services, in the same transaction as the change.
"""

from allauth.account import signals as account_signals
from allauth.mfa import signals as mfa_signals
from allauth.socialaccount import signals as social_signals
from axes import signals as axes_signals
from django.contrib.auth import signals as auth_signals

from oversight.accounts.models import AccountEvent
from oversight.accounts.services import account_event_record
from oversight.models import User

Kind = AccountEvent.Kind


def _user_named(name: str) -> User | None:
    if not name:
        return None
    lookup = {"email__iexact": name} if "@" in name else {"username": name}
    return User.objects.filter(**lookup).first()


def _attempted_name(credentials: dict | None, request=None) -> str:
    credentials = credentials or {}
    name = credentials.get("username") or credentials.get("email") or credentials.get("login")
    if not name and request is not None and request.method == "POST":
        name = request.POST.get("login", "")
    return (name or "")[:254]


def on_signed_in(sender, request, user, **kwargs):
    account_event_record(kind=Kind.SIGNED_IN, subject=user, actor=user, request=request)


def on_sign_in_failed(sender, credentials, request=None, **kwargs):
    name = _attempted_name(credentials, request)
    account_event_record(
        kind=Kind.SIGN_IN_FAILED, subject=_user_named(name), attempted_name=name, request=request
    )


def on_locked_out(sender, request, username, **kwargs):
    account_event_record(
        kind=Kind.LOCKED_OUT,
        subject=_user_named(username or ""),
        attempted_name=(username or "")[:254],
        request=request,
    )


def on_signed_out(sender, request, user, **kwargs):
    if user is not None:
        account_event_record(kind=Kind.SIGNED_OUT, subject=user, actor=user, request=request)


def on_password_changed(sender, request, user, **kwargs):
    account_event_record(kind=Kind.PASSWORD_CHANGED, subject=user, actor=user, request=request)


def on_password_reset(sender, request, user, **kwargs):
    account_event_record(kind=Kind.PASSWORD_RESET, subject=user, actor=user, request=request)


def _authenticator_event(kind_by_type: dict[str, str]):
    def receiver(sender, request, user, authenticator, **kwargs):
        kind = kind_by_type.get(authenticator.type)
        if kind:
            account_event_record(kind=kind, subject=user, actor=user, request=request)

    return receiver


on_authenticator_added = _authenticator_event({"totp": Kind.TWO_FACTOR_ENABLED})
on_authenticator_removed = _authenticator_event({"totp": Kind.TWO_FACTOR_DISABLED})
on_authenticator_reset = _authenticator_event({"recovery_codes": Kind.RECOVERY_CODES_GENERATED})


def on_social_account_added(sender, request, sociallogin, **kwargs):
    user = sociallogin.user
    account_event_record(
        kind=Kind.SSO_LINKED,
        subject=user,
        actor=user,
        detail=f"Identity provider account {sociallogin.account.uid}"[:300],
        request=request,
    )


def connect_receivers() -> None:
    auth_signals.user_logged_in.connect(on_signed_in, dispatch_uid="accounts_signed_in")
    auth_signals.user_login_failed.connect(on_sign_in_failed, dispatch_uid="accounts_failed")
    auth_signals.user_logged_out.connect(on_signed_out, dispatch_uid="accounts_signed_out")
    axes_signals.user_locked_out.connect(on_locked_out, dispatch_uid="accounts_locked_out")
    account_signals.password_changed.connect(on_password_changed, dispatch_uid="accounts_pw")
    account_signals.password_reset.connect(on_password_reset, dispatch_uid="accounts_reset")
    mfa_signals.authenticator_added.connect(on_authenticator_added, dispatch_uid="accounts_2fa+")
    mfa_signals.authenticator_removed.connect(
        on_authenticator_removed, dispatch_uid="accounts_2fa-"
    )
    mfa_signals.authenticator_reset.connect(on_authenticator_reset, dispatch_uid="accounts_rc")
    social_signals.social_account_added.connect(
        on_social_account_added, dispatch_uid="accounts_sso"
    )
