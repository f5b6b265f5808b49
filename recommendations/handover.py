"""What a person leaves behind in the action plans, and who may take it on: the reads behind
the person page's panel (recommendations.panels) and the hand-over services
(recommendations.services_handover).

A leaver is an account an administrator deactivated; their history stays. What was live in
their name is listed to hand to someone else:
- live actions they own or lead;
- action plans they own that are not closed;
- progress updates they wrote that wait for OPCC review (the OPCC still reviews them:
  nothing there to hand over).

Who may take over, one rule for the choices offered and for the services that refuse:
- an action's owner, or a plan's owner: an active plan owner of the plan's force;
- an action's delivery lead: an active police lead or plan owner of the plan's force, or
  an active partner lead of the action's partner agency.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Length
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from oversight.accounts.selectors import administers
from oversight.models import User
from oversight.selectors import people_visible_to
from recommendations.models import Action, ActionPlan, ProgressUpdate
from recommendations.permissions import can_reassign_action, can_reassign_plan
from recommendations.selectors import (
    action_plans_visible_to,
    actions_visible_to,
    updates_visible_to,
)

OWNER, DELIVERY_LEAD = "owner", "delivery_lead"
ACTION_ROLES = {OWNER: gettext_lazy("owner"), DELIVERY_LEAD: gettext_lazy("delivery lead")}
_FORCE_LEADS = (User.Role.POLICE_LEAD, User.Role.PLAN_OWNER)


# --- Who may take over ------------------------------------------------------------------


def can_take_over_action(person: User, action: Action, role: str) -> bool:
    """Whether `person` may hold `role` on the action. No queries (the action's plan is
    read for its force: load it with the action)."""
    if not person.is_active:
        return False
    force_id = action.plan.force_id
    if role == OWNER:
        return person.role == User.Role.PLAN_OWNER and person.force_id == force_id
    if person.role in _FORCE_LEADS:
        return person.force_id == force_id
    return (
        person.role == User.Role.PARTNER_LEAD
        and action.partner_agency_id is not None
        and person.partner_agency_id == action.partner_agency_id
    )


def can_take_over_plan(person: User, plan: ActionPlan) -> bool:
    return (
        person.is_active
        and person.role == User.Role.PLAN_OWNER
        and person.force_id == plan.force_id
    )


def who_can_take_over_action(action: Action, role: str) -> str:
    """The rule, as the sentence ending a refusal: "Choose an active plan owner of Force A
    Police."."""
    force = action.plan.force
    if role == OWNER:
        return _("Choose an active plan owner of %(force)s.") % {"force": force}
    if action.partner_agency_id is not None:
        return _(
            "Choose an active police lead or plan owner of %(force)s, or a partner lead of "
            "%(agency)s."
        ) % {"force": force, "agency": action.partner_agency}
    return _("Choose an active police lead or plan owner of %(force)s.") % {"force": force}


def who_can_take_over_plan(plan: ActionPlan) -> str:
    return _("Choose an active plan owner of %(force)s.") % {"force": plan.force}


def administers_person(user: User, person: User | None) -> bool:
    """An office administrator looking after `person` (a query only for administrators)."""
    return bool(person is not None and user.is_office_admin and administers(user, person))


def reassignable_roles(user: User, action: Action) -> set[str]:
    """The roles on the action the user may hand to someone else: every held role for the
    force's plan owner; for an office administrator, the roles held by people they look
    after. At most one query per role holder, for administrators only. The action must be
    one the user sees (the views fetch it through actions_visible_to)."""
    roles = set()
    for role in ACTION_ROLES:
        holder = getattr(action, role)
        if holder is not None and can_reassign_action(
            user, action, administers_holder=administers_person(user, holder)
        ):
            roles.add(role)
    return roles


def may_reassign_plan(user: User, plan: ActionPlan) -> bool:
    return plan.owner_id is not None and can_reassign_plan(
        user, plan, administers_holder=administers_person(user, plan.owner)
    )


# --- What a person leaves ---------------------------------------------------------------


@dataclass(frozen=True)
class Handover:
    """One role on one item, with who may take it on (empty without the right to hand it
    over)."""

    item: Action | ActionPlan
    role: str
    role_label: str
    choices: list[User]
    can_reassign: bool

    @property
    def select_id(self) -> str:
        kind = "action" if isinstance(self.item, Action) else "plan"
        return f"handover-{kind}-{self.item.pk}-{self.role}"

    @property
    def select_label(self) -> str:
        if isinstance(self.item, Action):
            return _("Hand %(ref)s's %(role)s role to") % {
                "ref": self.item.reference,
                "role": self.role_label,
            }
        return _("Hand the plan %(plan)s to") % {"plan": self.item}


@dataclass
class LeftBehind:
    person: User
    actions: list[Handover] = field(default_factory=list)
    plans: list[Handover] = field(default_factory=list)
    updates: list[ProgressUpdate] = field(default_factory=list)
    # Who may take all of the person's actions at once (the bulk hand-over).
    everyone_can_take: list[User] = field(default_factory=list)

    @property
    def any(self) -> bool:
        return bool(self.actions or self.plans or self.updates)

    @property
    def can_reassign_any(self) -> bool:
        return any(row.can_reassign for row in [*self.actions, *self.plans])

    @property
    def action_count(self) -> int:
        return len({row.item.pk for row in self.actions})

    @property
    def offer_all_at_once(self) -> bool:
        """More than one role to hand over, and the right to hand them over."""
        return sum(row.can_reassign for row in self.actions) > 1


def live_actions_held_by(user: User, person: User) -> QuerySet[Action]:
    """The live actions the user sees that `person` owns or leads, in plan then reference
    order. select_related: the plan with its report and force (the action's name), the
    owner, the delivery lead and the partner agency."""
    return (
        actions_visible_to(user)
        .filter(Q(owner=person.pk) | Q(delivery_lead=person.pk), status__in=Action.LIVE_STATUSES)
        .exclude(plan__status=ActionPlan.Status.CLOSED)
        .select_related("plan__report", "plan__force", "owner", "delivery_lead", "partner_agency")
        .order_by("plan__force__name", "plan_id", Length("reference"), "reference", "pk")
    )


def replacement_candidates(
    user: User, *, force_ids: Iterable[int], agency_ids: Iterable[int]
) -> list[User]:
    """The active people the user sees who could take over something in these forces'
    plans or these agencies' actions, by name. One query."""
    force_ids, agency_ids = set(force_ids), set(agency_ids)
    if not force_ids and not agency_ids:
        return []
    return list(
        people_visible_to(user)
        .filter(
            Q(role__in=_FORCE_LEADS, force__in=force_ids)
            | Q(role=User.Role.PARTNER_LEAD, partner_agency__in=agency_ids)
        )
        .select_related("force", "partner_agency")
        .order_by("first_name", "last_name", "username")
    )


def left_behind_by(user: User, person: User) -> LeftBehind:
    """What `person` leaves, as much of it as the user sees, with who may take each role.

    Queries (a fixed number, whatever the number of rows): live actions; plans; updates
    waiting for review; and, when there is something the user may hand over, whether the
    user administers the person and the candidates for taking over.
    """
    actions = list(live_actions_held_by(user, person))
    plans = list(
        action_plans_visible_to(user)
        .filter(owner=person.pk)
        .exclude(status=ActionPlan.Status.CLOSED)
        .select_related("report", "force")
        .order_by("force__name", "report__published_on", "pk")
    )
    updates = list(
        updates_visible_to(user)
        .filter(author=person.pk, review_state=ProgressUpdate.Review.SUBMITTED)
        .select_related("action__plan__report", "action__plan__force")
        .order_by("created_at", "pk")
    )
    result = LeftBehind(person=person, updates=updates)
    if not actions and not plans:
        return result
    looks_after = administers_person(user, person)
    action_allowed = {
        a.pk: can_reassign_action(user, a, administers_holder=looks_after) for a in actions
    }
    plan_allowed = {p.pk: can_reassign_plan(user, p, administers_holder=looks_after) for p in plans}
    candidates = []
    if any(action_allowed.values()) or any(plan_allowed.values()):
        candidates = replacement_candidates(
            user,
            force_ids={a.plan.force_id for a in actions} | {p.force_id for p in plans},
            agency_ids={a.partner_agency_id for a in actions if a.partner_agency_id},
        )
        candidates = [c for c in candidates if c.pk != person.pk]
    for action in actions:
        allowed = action_allowed[action.pk]
        for role, label in ACTION_ROLES.items():
            if getattr(action, f"{role}_id") == person.pk:
                choices = [
                    c for c in candidates if allowed and can_take_over_action(c, action, role)
                ]
                result.actions.append(Handover(action, role, label, choices, allowed))
    for plan in plans:
        allowed = plan_allowed[plan.pk]
        choices = [c for c in candidates if allowed and can_take_over_plan(c, plan)]
        result.plans.append(Handover(plan, OWNER, "owner", choices, allowed))
    handing = [row for row in result.actions if row.can_reassign]
    if handing:
        result.everyone_can_take = [
            c
            for c in candidates
            if all(can_take_over_action(c, row.item, row.role) for row in handing)
        ]
    return result


# --- For the hand-over views ------------------------------------------------------------


def actions_for_handover(user: User) -> QuerySet[Action]:
    """The actions the user sees, with what naming them and checking who may take them on
    reads."""
    return actions_visible_to(user).select_related(
        "plan__report", "plan__force", "owner", "delivery_lead", "partner_agency"
    )


def plans_for_handover(user: User) -> QuerySet[ActionPlan]:
    return action_plans_visible_to(user).select_related("report", "force", "owner")


def action_holders_visible_to(user: User) -> QuerySet[User]:
    """People, active or not, who own or lead an action the user sees: whose actions the
    user may be asked to hand over. (people_visible_to leaves leavers out.)"""
    visible = actions_visible_to(user)
    return User.objects.filter(
        Exists(visible.filter(owner=OuterRef("pk")))
        | Exists(visible.filter(delivery_lead=OuterRef("pk")))
    )
