"""People for the leaver tests: office administrators and deactivated accounts.

A leaver is deactivated as an administrator does it: the account is made inactive and the
account audit log records the deactivation, with its day.
"""

import datetime

from django.utils import timezone

from oversight.accounts.models import AccountEvent
from oversight.models import User
from oversight.roles import roles_ensure_groups, user_set_role
from tests import factories


def office_admin(office, username: str) -> User:
    roles_ensure_groups()
    user = factories.UserFactory(
        username=username, role=User.Role.OPCC_STAFF, office=office, is_office_admin=True
    )
    return user_set_role(user=user, role=User.Role.OPCC_STAFF)


def person(username: str, role: str, **organisation) -> User:
    roles_ensure_groups()
    user = factories.UserFactory(username=username, role=role, **organisation)
    return user_set_role(user=user, role=role)


def deactivate(leaver: User, *, by: User | None = None, on: datetime.date | None = None) -> User:
    leaver.is_active = False
    leaver.save(update_fields=["is_active"])
    when = timezone.now()
    if on is not None:
        when = timezone.make_aware(datetime.datetime.combine(on, datetime.time(10, 0)))
    AccountEvent.objects.create(
        kind=AccountEvent.Kind.DEACTIVATED, subject=leaver, actor=by, created_at=when
    )
    return leaver
