"""People for the leaver tests: office administrators and deactivated accounts.

A leaver is deactivated as an administrator does it: the account is made inactive and the
account audit log records the deactivation, with its day.
"""

import datetime

from django.utils import timezone

from oversight.accounts.models import AccountEvent
from oversight.accounts.services import person_deactivate
from oversight.models import User
from tests import factories


def office_admin(office, username: str) -> User:
    return factories.person_with_role(
        username, User.Role.OPCC_STAFF, office=office, is_office_admin=True
    )


def person(username: str, role: str, **organisation) -> User:
    return factories.person_with_role(username, role, **organisation)


def deactivate(leaver: User, *, by: User | None = None, on: datetime.date | None = None) -> User:
    """Deactivate through the administrator's service (or, without one, as an account
    deactivated by other means with its audit row); `on` dates the deactivation."""
    if by is not None:
        person_deactivate(admin=by, person=leaver)
    else:
        User.objects.filter(pk=leaver.pk).update(is_active=False)
        AccountEvent.objects.create(kind=AccountEvent.Kind.DEACTIVATED, subject=leaver)
    if on is not None:
        when = timezone.make_aware(datetime.datetime.combine(on, datetime.time(10, 0)))
        AccountEvent.objects.filter(subject=leaver, kind=AccountEvent.Kind.DEACTIVATED).update(
            created_at=when
        )
    leaver.refresh_from_db()
    return leaver
