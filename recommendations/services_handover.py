"""Writes for handing a leaver's work to someone else: an action's owner or delivery lead,
one at a time or all of a person's actions at once, and a plan's owner.

Each change is saved with its history (who handed it over, and when), like every other
change to an action or a plan. Who may take a role over is recommendations.handover's rule;
a person outside it is refused with a message naming who may. Each service owns its
transaction and raises ValidationError (what to do) or PermissionDenied (403).
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from oversight.models import User
from recommendations.handover import (
    ACTION_ROLES,
    administers_person,
    can_take_over_action,
    can_take_over_plan,
    live_actions_held_by,
    may_reassign_plan,
    reassignable_roles,
    who_can_take_over_action,
    who_can_take_over_plan,
)
from recommendations.models import Action, ActionPlan
from recommendations.permissions import can_reassign_action
from recommendations.selectors import action_plans_visible_to, actions_visible_to


def _lock_action(action: Action) -> Action:
    """The action, locked for the rest of the transaction, with what checking and naming
    the hand-over reads."""
    return (
        Action.objects.select_for_update(of=("self",))
        .select_related("plan__force", "owner", "delivery_lead", "partner_agency")
        .get(pk=action.pk)
    )


def _check_still_held(*, what: str, holder: User | None, expected_holder_id: int | None):
    """Refuse when the role moved on since the page was opened (someone handed it over
    first, or the same form was sent twice)."""
    if expected_holder_id is not None and (holder is None or holder.pk != expected_holder_id):
        if holder:
            message = _(
                "The %(what)s is now %(holder)s: someone changed it after you opened the page. "
                "Nothing was saved; reload the page to see who holds what."
            ) % {"what": what, "holder": holder}
        else:
            message = _(
                "The %(what)s has nobody in it now: someone changed it after you opened the "
                "page. Nothing was saved; reload the page to see who holds what."
            ) % {"what": what}
        raise ValidationError(message)


def action_reassign(
    *,
    action: Action,
    field: str,
    person: User,
    by: User,
    expected_holder_id: int | None = None,
) -> Action:
    """Give the action's owner or delivery lead role to `person`, who must be able to hold
    it (recommendations.handover)."""
    if field not in ACTION_ROLES:
        raise ValidationError({"field": _("Choose the owner or the delivery lead.")})
    with transaction.atomic():
        action = _lock_action(action)
        if not actions_visible_to(by).filter(pk=action.pk).exists():
            raise PermissionDenied("You cannot see this action.")
        holder = getattr(action, field)
        role = ACTION_ROLES[field]
        _check_still_held(
            what=_("%(ref)s's %(role)s") % {"ref": action.reference, "role": role},
            holder=holder,
            expected_holder_id=expected_holder_id,
        )
        if field not in reassignable_roles(by, action):
            raise PermissionDenied(
                f"Only the force's plan owner, or an office administrator looking after "
                f"{holder or 'its ' + role}, can hand over {action.reference}'s {role}."
            )
        if holder is not None and holder.pk == person.pk:
            raise ValidationError(
                {
                    "person": _("%(person)s is already %(ref)s's %(role)s.")
                    % {"person": person, "ref": action.reference, "role": role}
                }
            )
        if not can_take_over_action(person, action, field):
            raise ValidationError(
                {
                    "person": _("%(person)s cannot be %(ref)s's %(role)s.")
                    % {"person": person, "ref": action.reference, "role": role}
                    + " "
                    + who_can_take_over_action(action, field)
                }
            )
        setattr(action, field, person)
        action._history_user = by
        action.save()
    return action


def actions_hand_over(*, holder: User, person: User, by: User) -> list[Action]:
    """Give every role `holder` has on the live actions `by` may hand over to `person`.
    All or nothing: if `person` cannot take one of them, none is changed and the refusal
    names the ones they cannot take."""
    with transaction.atomic():
        actions = list(
            live_actions_held_by(by, holder).select_for_update(of=("self",)).order_by("pk")
        )
        administers_holder = administers_person(by, holder)
        held = [
            (action, field)
            for action in actions
            if can_reassign_action(by, action, administers_holder=administers_holder)
            for field in ACTION_ROLES
            if getattr(action, f"{field}_id") == holder.pk
        ]
        if not held:
            if actions:
                raise PermissionDenied(
                    f"Only the force's plan owner, or an office administrator looking after "
                    f"{holder}, can hand over {holder}'s actions."
                )
            raise ValidationError(
                _("%(holder)s has no live actions left to hand over.") % {"holder": holder}
            )
        if person.pk == holder.pk:
            raise ValidationError(
                {"person": _("Choose someone other than %(holder)s.") % {"holder": holder}}
            )
        refused = sorted(
            {
                f"{action.reference} ({ACTION_ROLES[field]})"
                for action, field in held
                if not can_take_over_action(person, action, field)
            }
        )
        if refused:
            raise ValidationError(
                {
                    "person": _(
                        "%(person)s cannot take over %(actions)s: nothing was handed over. "
                        "Choose someone who can take all of them, or hand those over one by one."
                    )
                    % {"person": person, "actions": ", ".join(refused)}
                }
            )
        changed = {}
        for action, field in held:
            setattr(action, field, person)
            changed[action.pk] = action
        for action in changed.values():
            action._history_user = by
            action.save()
    return list(changed.values())


def action_plan_reassign(
    *, plan: ActionPlan, person: User, by: User, expected_holder_id: int | None = None
) -> ActionPlan:
    """Give a plan that is not closed to another owner: an active plan owner of its
    force."""
    with transaction.atomic():
        plan = (
            ActionPlan.objects.select_for_update(of=("self",))
            .select_related("force", "owner")
            .get(pk=plan.pk)
        )
        if not action_plans_visible_to(by).filter(pk=plan.pk).exists():
            raise PermissionDenied("You cannot see this plan.")
        _check_still_held(
            what=_("owner of %(plan)s") % {"plan": plan},
            holder=plan.owner,
            expected_holder_id=expected_holder_id,
        )
        if not may_reassign_plan(by, plan):
            raise PermissionDenied(
                "Only the force's plan owner, or an office administrator looking after the "
                "plan's owner, can hand the plan over."
            )
        if plan.owner_id == person.pk:
            raise ValidationError(
                {
                    "person": _(
                        "%(person)s already owns %(plan)s.",
                    )
                    % {"person": person, "plan": plan}
                }
            )
        if not can_take_over_plan(person, plan):
            raise ValidationError(
                {
                    "person": _(
                        "%(person)s cannot own %(plan)s.",
                    )
                    % {"person": person, "plan": plan}
                    + " "
                    + who_can_take_over_plan(plan)
                }
            )
        plan.owner = person
        plan._history_user = by
        plan.save()
    return plan
