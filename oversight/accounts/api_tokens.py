"""Personal access tokens for the API: made, listed and revoked by their owner, and read
back from a request's `Authorization: Bearer …` header by the API's authentication.

A token is shown once when made; only its SHA-256 digest and its first characters are
kept. It stops working when revoked, when it expires, or when its owner can no longer
sign in.
"""

import datetime
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions

from oversight.accounts.models import ApiToken, token_digest
from oversight.models import User

TOKEN_PREFIX = "ovs_"
MAX_TOKEN_DAYS = 366
MAX_LIVE_TOKENS = 10


def api_tokens_of(user: User) -> QuerySet[ApiToken]:
    """A person's own tokens, newest first: nobody sees another's."""
    if not user.is_authenticated:
        return ApiToken.objects.none()
    return ApiToken.objects.filter(user=user).order_by("-created_at")


def api_token_create(
    *, user: User, name: str, scope: str, expires_on: datetime.date
) -> tuple[ApiToken, str]:
    """Make a token; returns it and the secret, which is never shown again."""
    if not user.is_authenticated or not user.is_active or not user.role:
        raise PermissionDenied(_("Sign in to make an API token."))
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Name the token after the tool that will use it.")})
    if scope not in ApiToken.Scope.values:
        raise ValidationError({"scope": _("Choose read, or read and post progress updates.")})
    if scope == ApiToken.Scope.WRITE and user.role == User.Role.READ_ONLY:
        raise ValidationError({"scope": _("A read-only account makes read tokens only.")})
    today = timezone.localdate()
    if not today < expires_on <= today + datetime.timedelta(days=MAX_TOKEN_DAYS):
        raise ValidationError(
            {
                "expires_on": _("Choose an expiry after today and within %(days)d days.")
                % {"days": MAX_TOKEN_DAYS}
            }
        )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        live = api_tokens_of(user).select_for_update().filter(revoked_at__isnull=True)
        if sum(1 for token in live if token.is_live) >= MAX_LIVE_TOKENS:
            raise ValidationError(
                _("You have %(count)d live tokens: revoke one you no longer use first.")
                % {"count": MAX_LIVE_TOKENS}
            )
        token = ApiToken.objects.create(
            user=user,
            name=name[:80],
            prefix=secret[: len(TOKEN_PREFIX) + 6],
            token_digest=token_digest(secret),
            scope=scope,
            expires_on=expires_on,
        )
    return token, secret


def api_token_revoke(*, user: User, token: ApiToken) -> ApiToken:
    if token.user_id != user.pk:
        raise PermissionDenied(_("You may revoke only your own tokens."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer ovs_…`: the token's owner, while the token is live and the
    owner may sign in. A bad token is refused (401) with what to do."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        keyword, _space, secret = header.partition(" ")
        if keyword != self.keyword or not secret.strip():
            raise exceptions.AuthenticationFailed(
                "Send the token as “Authorization: Bearer <token>”."
            )
        token = (
            ApiToken.objects.select_related("user")
            .filter(token_digest=token_digest(secret.strip()))
            .first()
        )
        if token is None or token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(
                "This token is not known or was revoked: make a new one on your API tokens page."
            )
        if token.expires_on < timezone.localdate():
            raise exceptions.AuthenticationFailed(
                f"This token expired on {token.expires_on:%-d %B %Y}: make a new one."
            )
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("The token's owner can no longer sign in.")
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword


class TokenScope(permissions.BasePermission):
    """Reads need any live token; writes a "read and post updates" one."""

    message = (
        "This token may only read: make one that may read and write (post progress updates; "
        "for OPCC staff, import recommendations)."
    )

    def has_permission(self, request, view):
        token = request.auth
        if not isinstance(token, ApiToken):
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        return token.scope == ApiToken.Scope.WRITE


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI schema describes BearerTokenAuthentication."""

    target_class = BearerTokenAuthentication
    name = "bearer"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal access token (ovs_…) made on the site.",
        }
