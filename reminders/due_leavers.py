"""Due items from leavers: live actions whose owner or delivery lead has left (an
administrator deactivated their account). Until someone new holds the role, the plan's
owner is reminded, on the day the person left and once overdue, and escalations go to the
plan owner's manager and the OPCC; once the role is handed over, the item is gone and
nothing more is sent.

The date is the day the person left: their latest deactivation in the account audit log
(else their last sign-in, else the day they joined, for an account deactivated some other
way). It never moves while they stay deactivated, so the ledger sends each stage once.
"""

import datetime

from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from oversight.accounts.models import AccountEvent
from oversight.models import User
from recommendations.action_names import action_name
from recommendations.models import Action, ActionPlan
from reminders.due_actions import opcc_staff_by_force
from reminders.due_items import (
    DueItem,
    content_type_id,
    ids,
    managers,
    people_by,
    person_name,
    short,
    subject_paths,
)

LEFT_WITHOUT_OWNER = "left_without_owner"
LABELS = {LEFT_WITHOUT_OWNER: gettext_lazy("Left without an owner: hand it to someone")}


def _deactivated_at(person: str) -> Subquery:
    """When the action's `person` ("owner" or "delivery_lead") was last deactivated."""
    return Subquery(
        AccountEvent.objects.filter(subject=OuterRef(person), kind=AccountEvent.Kind.DEACTIVATED)
        .order_by("-created_at")
        .values("created_at")[:1]
    )


def _left_on(deactivated_at, last_login, date_joined) -> datetime.date:
    return timezone.localdate(deactivated_at or last_login or date_joined)


def leaver_due_items(*, today: datetime.date, horizon: datetime.date) -> list[DueItem]:
    """One item per live action (in a plan that is not closed) whose owner or delivery
    lead is deactivated, due the day the first of them left. The plan's owner is reminded
    (else, while the plan has no active owner, the force's active plan owners);
    escalations go to their managers and the OPCC staff overseeing the force. Three
    queries."""
    action_type = content_type_id(Action)
    left = (
        Action.objects.filter(status__in=Action.LIVE_STATUSES)
        .exclude(plan__status=ActionPlan.Status.CLOSED)
        .filter(Q(owner__is_active=False) | Q(delivery_lead__is_active=False))
        .annotate(
            owner_deactivated_at=_deactivated_at("owner"),
            lead_deactivated_at=_deactivated_at("delivery_lead"),
        )
    )
    force_plan_owners = people_by(
        User.objects.filter(
            role=User.Role.PLAN_OWNER, is_active=True, force__in=left.values("plan__force")
        ).values_list("force_id", "pk", "manager_id")
    )
    office_staff = opcc_staff_by_force(left.values("plan__force"))
    action_path = subject_paths("recommendations:action_detail")
    holder_fields = (
        "id",
        "is_active",
        "first_name",
        "last_name",
        "username",
        "last_login",
        "date_joined",
    )
    items = []
    for row in left.values(
        "pk",
        "reference",
        "description",
        "plan__title",
        "plan__report__title",
        "plan__force_id",
        "plan__force__name",
        "plan__owner_id",
        "plan__owner__is_active",
        "plan__owner__manager_id",
        "owner_deactivated_at",
        "lead_deactivated_at",
        *(f"owner__{name}" for name in holder_fields),
        *(f"delivery_lead__{name}" for name in holder_fields),
    ):
        gone: dict[int, tuple] = {}  # who left: (the day, what they were, their name)
        for role, label, deactivated_at in (
            ("owner", "owner", row["owner_deactivated_at"]),
            ("delivery_lead", "delivery lead", row["lead_deactivated_at"]),
        ):
            person_id = row[f"{role}__id"]
            if person_id is None or row[f"{role}__is_active"]:
                continue
            if person_id in gone:  # the same person held both roles
                left_on, held, name = gone[person_id]
                gone[person_id] = (left_on, f"{held} and {label}", name)
                continue
            name = person_name(
                row[f"{role}__first_name"], row[f"{role}__last_name"], row[f"{role}__username"]
            )
            left_on = _left_on(
                deactivated_at, row[f"{role}__last_login"], row[f"{role}__date_joined"]
            )
            gone[person_id] = (left_on, label, name)
        if row["plan__owner_id"] and row["plan__owner__is_active"]:
            owners = {row["plan__owner_id"]}
            owner_managers = {row["plan__owner__manager_id"]} - {None}
        else:
            force_owners = force_plan_owners.get(row["plan__force_id"], set())
            owners, owner_managers = set(ids(force_owners)), set(managers(force_owners))
        due_on = min(left_on for left_on, _, _ in gone.values())
        if due_on > horizon:
            continue
        name = action_name(
            row["reference"],
            plan_title=short(row["plan__title"], 60),
            report_title=short(row["plan__report__title"], 60),
            force=row["plan__force__name"],
        )
        items.append(
            DueItem(
                action_type,
                row["pk"],
                LEFT_WITHOUT_OWNER,
                due_on,
                _left_title(name, short(row["description"]), gone.values()),
                action_path(row["pk"]),
                frozenset(owners),
                frozenset(owner_managers) | ids(office_staff.get(row["plan__force_id"], set())),
            )
        )
    return items


_LEFT = {
    "owner": gettext_lazy("{name}: {what} (its owner {person} has left)"),
    "delivery lead": gettext_lazy("{name}: {what} (its delivery lead {person} has left)"),
    "owner and delivery lead": gettext_lazy(
        "{name}: {what} (its owner and delivery lead {person} has left)"
    ),
}


def _left_title(name: str, what: str, gone) -> str:
    """The notice's title, written down later in each recipient's language (ledger)."""
    held = {label: person for _, label, person in gone}
    if len(held) == 2:
        return format_lazy(
            gettext_lazy("{name}: {what} (its owner {owner} and delivery lead {lead} have left)"),
            name=name,
            what=what,
            owner=held["owner"],
            lead=held["delivery lead"],
        )
    [(label, person)] = held.items()
    return format_lazy(_LEFT[label], name=name, what=what, person=person)
