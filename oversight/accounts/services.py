"""Writes for accounts: invitations, role changes, leavers, and the audit log they keep."""

from django.http import HttpRequest

from oversight.accounts.models import AccountEvent, Invitation
from oversight.models import User


def _client_address(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def account_event_record(
    *,
    kind: str,
    subject: User | None = None,
    actor: User | None = None,
    invitation: Invitation | None = None,
    attempted_name: str = "",
    detail: str = "",
    request: HttpRequest | None = None,
) -> AccountEvent:
    return AccountEvent.objects.create(
        kind=kind,
        subject=subject,
        actor=actor,
        invitation=invitation,
        attempted_name=attempted_name,
        detail=detail[:300],
        ip_address=_client_address(request),
    )
