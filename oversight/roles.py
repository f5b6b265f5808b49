"""Roles as auth groups.

`User.role` decides object-level access in the selectors; the group of the same name
carries the Django model permissions (used by the admin and by `user.has_perm`).
"""

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils import translation

from oversight.models import User

# In INSTALLED_APPS order: the groups are refreshed once the last of them has migrated.
ALL_APPS = ("oversight", "recommendations", "reviews", "letters", "reminders")

# (app_label, model) pairs each role may add/change besides viewing everything it can see.
_CHANGE = {
    User.Role.OPCC_STAFF: {
        "oversight": {"inspectionreport", "priorityarea", "judgement", "causeofconcern", "finding"},
        "recommendations": {"recommendation", "progressupdate", "action"},
        "letters": {"letter"},
        "reviews": {
            "deepdivereview",
            "lineofenquiry",
            "reviewevidence",
            "followup",
            "actionsample",
            "investment",
        },
    },
    User.Role.READ_ONLY: {},
    User.Role.PLAN_OWNER: {
        "recommendations": {"actionplan", "action", "progressupdate", "evidence"}
    },
    User.Role.POLICE_LEAD: {"recommendations": {"action", "progressupdate", "evidence"}},
    User.Role.PARTNER_LEAD: {"recommendations": {"action", "progressupdate", "evidence"}},
}


def group_name(role: str) -> str:
    # The group's name is stored: the role's English name, whatever the page's language.
    with translation.override(None):
        return str(User.Role(role).label)


@transaction.atomic
def roles_ensure_groups() -> None:
    """Create or refresh one group per role with its model permissions."""
    permissions = list(
        Permission.objects.filter(content_type__app_label__in=ALL_APPS).select_related(
            "content_type"
        )
    )
    for role in User.Role:
        group, _ = Group.objects.get_or_create(name=group_name(role))
        changeable = _CHANGE[role]
        granted = [
            permission
            for permission in permissions
            if permission.codename.startswith("view_")
            or (
                permission.content_type.model
                in changeable.get(permission.content_type.app_label, ())
                and permission.codename.split("_", 1)[0] in {"add", "change"}
            )
        ]
        group.permissions.set(granted)


def roles_ensure_groups_after_migrate(*, app_config, **kwargs) -> None:
    if app_config.label == ALL_APPS[-1]:
        roles_ensure_groups()


@transaction.atomic
def user_set_role(*, user: User, role: str) -> User:
    """Give a user a role, keeping their group membership in step."""
    user.role = role
    user.save(update_fields=["role"])
    role_groups = Group.objects.filter(name__in=[group_name(r) for r in User.Role])
    user.groups.remove(*role_groups)
    if role:
        user.groups.add(Group.objects.get(name=group_name(role)))
    return user
