"""Who may change what in recommendations, action plans, actions, progress updates and
closure.

Seeing is decided by the `*_visible_to(user)` selectors; these predicates decide changing,
for an object the user can already see. Views use them to answer 403 and to show only
the buttons that work, services use them to refuse, templates get their answers in the
context (never by calling them).

- OPCC staff move recommendations along their lifecycle; the force plan owner may also
  propose one of their force's for closure.
- The force plan owner manages the plans and actions of their force.
- A police lead changes only the actions they are the delivery lead of.
- A partner agency lead changes only their agency's actions.
- OPCC staff review progress updates and sign off completion; never their own proposal.
- A target date moves only when OPCC staff agree a request to move it, made by the
  action's delivery lead or the force's plan owner (recommendations.services_extensions).
- Read-only users change nothing.
- A leaver's actions and plans go to someone else by the force's plan owner, or by an
  office administrator looking after the leaver.
"""

from django.core.exceptions import PermissionDenied

from oversight.models import User
from recommendations.models import (
    Action,
    ActionPlan,
    ExtensionRequest,
    ProgressUpdate,
    Recommendation,
)


def refuse_unless(allowed: bool, message: str) -> None:
    """Services call this with a predicate's answer: PermissionDenied (403) with `message`."""
    if not allowed:
        raise PermissionDenied(message)


def _is_plan_owner_of_force(user: User, force_id: int) -> bool:
    return user.is_authenticated and user.role == User.Role.PLAN_OWNER and user.force_id == force_id


# --- Recommendations ------------------------------------------------------------------

# Who may move a recommendation into each status. The police side proposes closure and the
# OPCC signs it off (OPCC staff may propose too); every other move is OPCC staff's.
_RECOMMENDATION_MOVERS = {
    Recommendation.Status.PROPOSED_FOR_CLOSURE: frozenset(
        {User.Role.OPCC_STAFF, User.Role.PLAN_OWNER}
    ),
}
_OPCC_STAFF_ONLY = frozenset({User.Role.OPCC_STAFF})


def can_move_recommendation(user: User, recommendation: Recommendation, to_status: str) -> bool:
    """Whether the user may move the recommendation to `to_status`; which moves its status
    allows at all is services.RECOMMENDATION_TRANSITIONS'."""
    movers = _RECOMMENDATION_MOVERS.get(to_status, _OPCC_STAFF_ONLY)
    if not user.is_authenticated or user.role not in movers:
        return False
    # A plan owner acts only for their own force.
    return user.is_opcc_staff or user.force_id == recommendation.report.force_id


def can_record_inspectorate_status(user: User) -> bool:
    """OPCC staff record what the inspectorate published about a recommendation they see."""
    return user.is_authenticated and user.is_opcc_staff


def can_bulk_update_recommendations(user: User) -> bool:
    """OPCC staff change several recommendations of the register at once (their status,
    HMICFRS's status, their open actions' owner, their priority areas); each row is still
    checked by the rule for that change."""
    return user.is_authenticated and user.is_opcc_staff


def can_carry_forward(user: User, recommendation: Recommendation) -> bool:
    """OPCC staff carry an area for improvement into a later inspection of the force."""
    return user.is_authenticated and user.is_opcc_staff and recommendation.is_afi


# --- Action plans ---------------------------------------------------------------------


def can_create_plans(user: User) -> bool:
    return user.is_authenticated and user.role == User.Role.PLAN_OWNER


def can_edit_plan(user: User, plan: ActionPlan) -> bool:
    return plan.status != ActionPlan.Status.CLOSED and _is_plan_owner_of_force(user, plan.force_id)


def can_submit_plan(user: User, plan: ActionPlan) -> bool:
    return plan.status == ActionPlan.Status.DRAFT and _is_plan_owner_of_force(user, plan.force_id)


def can_activate_plan(user: User, plan: ActionPlan) -> bool:
    """The OPCC acknowledges a submitted plan, which makes it the plan being monitored."""
    return plan.status == ActionPlan.Status.SUBMITTED and user.is_opcc_staff


def can_return_plan_to_draft(user: User, plan: ActionPlan) -> bool:
    """A submitted plan goes back to draft: withdrawn by its owner or returned by the OPCC."""
    return plan.status == ActionPlan.Status.SUBMITTED and (
        user.is_opcc_staff or _is_plan_owner_of_force(user, plan.force_id)
    )


def can_close_plan(user: User, plan: ActionPlan) -> bool:
    return plan.status == ActionPlan.Status.ACTIVE and (
        user.is_opcc_staff or _is_plan_owner_of_force(user, plan.force_id)
    )


def can_transition_plan(user: User, plan: ActionPlan, to_status: str) -> bool:
    rule = {
        ActionPlan.Status.SUBMITTED: can_submit_plan,
        ActionPlan.Status.ACTIVE: can_activate_plan,
        ActionPlan.Status.DRAFT: can_return_plan_to_draft,
        ActionPlan.Status.CLOSED: can_close_plan,
    }.get(to_status)
    return rule is not None and rule(user, plan)


def can_add_actions(user: User, plan: ActionPlan) -> bool:
    return can_edit_plan(user, plan)


# --- Actions --------------------------------------------------------------------------


def _plan_is_open(action: Action) -> bool:
    return action.plan.status != ActionPlan.Status.CLOSED


def can_edit_action(user: User, action: Action) -> bool:
    """Change the description, leads, recommendations and cadence; pause or resume."""
    return (
        _plan_is_open(action)
        and action.status not in Action.FINISHED_STATUSES
        and _is_plan_owner_of_force(user, action.plan.force_id)
    )


def can_change_action_status(user: User, action: Action) -> bool:
    """Pause, resume or mark not needed: the plan owner's call."""
    return can_edit_action(user, action) and action.status != Action.Status.PENDING_SIGN_OFF


def _is_responsible_for(user: User, action: Action) -> bool:
    """The person who keeps the action up to date: its delivery lead, its partner agency's
    lead, or the force's plan owner acting for a lead."""
    if not user.is_authenticated:
        return False
    if user.role == User.Role.POLICE_LEAD:
        return action.delivery_lead_id == user.pk
    if user.role == User.Role.PARTNER_LEAD:
        return action.partner_agency_id is not None and (
            action.partner_agency_id == user.partner_agency_id
        )
    return _is_plan_owner_of_force(user, action.plan.force_id)


UPDATABLE_STATUSES = (Action.Status.AWAITING_ALLOCATION, Action.Status.IN_PROGRESS)


def can_update_action(user: User, action: Action) -> bool:
    """Post a progress update: not while paused, waiting for sign-off or finished."""
    return (
        _plan_is_open(action)
        and action.status in UPDATABLE_STATUSES
        and _is_responsible_for(user, action)
    )


def can_propose_completion(user: User, action: Action) -> bool:
    return (
        _plan_is_open(action)
        and action.status == Action.Status.IN_PROGRESS
        and _is_responsible_for(user, action)
    )


def can_sign_off(user: User, action: Action) -> bool:
    """OPCC staff sign off (or return) a proposed completion, never their own proposal."""
    return (
        user.is_authenticated
        and user.is_opcc_staff
        and action.status == Action.Status.PENDING_SIGN_OFF
        and action.completion_proposed_by_id != user.pk
    )


# --- Extension requests: moving a target date -----------------------------------------


def can_request_extension(user: User, action: Action) -> bool:
    """Ask the OPCC to move the target date: the action's delivery lead or the force's plan
    owner, while the action is live in an open plan. (One request waits at a time: a second
    is refused by the service with a message, not here.)"""
    if not user.is_authenticated or not _plan_is_open(action) or not action.is_live:
        return False
    return action.delivery_lead_id == user.pk or _is_plan_owner_of_force(user, action.plan.force_id)


def can_decide_extensions(user: User) -> bool:
    """OPCC staff agree or refuse requests to move target dates (of the forces their office
    oversees: the `*_visible_to` selectors and the service see to that)."""
    return user.is_authenticated and user.is_opcc_staff


def can_withdraw_extension(user: User, extension: ExtensionRequest, action: Action) -> bool:
    """Whoever asked, or the force's plan owner, withdraws their request (while it waits:
    the service refuses one already decided, with a message saying so)."""
    if not user.is_authenticated:
        return False
    return extension.requested_by_id == user.pk or _is_plan_owner_of_force(
        user, action.plan.force_id
    )


# --- Handing over a leaver's work --------------------------------------------------------


def can_reassign_action(user: User, action: Action, *, administers_holder: bool) -> bool:
    """Hand an action's owner or delivery lead role to someone else, while the action is
    not finished: the force's plan owner (who may edit the action anyway), or an office
    administrator looking after the person who holds the role (`administers_holder`,
    a query the caller makes: recommendations.handover)."""
    if not _plan_is_open(action) or action.status in Action.FINISHED_STATUSES:
        return False
    return administers_holder or _is_plan_owner_of_force(user, action.plan.force_id)


def can_reassign_plan(user: User, plan: ActionPlan, *, administers_holder: bool) -> bool:
    """Hand a plan that is not closed to another owner: the force's plan owner, or an
    office administrator looking after its owner."""
    if plan.status == ActionPlan.Status.CLOSED:
        return False
    return administers_holder or _is_plan_owner_of_force(user, plan.force_id)


# --- Progress updates -----------------------------------------------------------------


def can_review_updates(user: User) -> bool:
    return user.is_authenticated and user.is_opcc_staff


def can_review_update(user: User, update: ProgressUpdate) -> bool:
    return (
        can_review_updates(user)
        and update.review_state == ProgressUpdate.Review.SUBMITTED
        and update.author_id != user.pk
    )


def action_permissions(user: User, action: Action) -> dict[str, bool]:
    """Every answer an action page needs, computed once for the template."""
    return {
        "can_update": can_update_action(user, action),
        "can_edit": can_edit_action(user, action),
        "can_request_extension": can_request_extension(user, action),
        "can_decide_extensions": can_decide_extensions(user),
        "can_change_status": can_change_action_status(user, action),
        "can_propose_completion": can_propose_completion(user, action),
        "can_sign_off": can_sign_off(user, action),
        "can_review_updates": can_review_updates(user),
    }


def plan_permissions(user: User, plan: ActionPlan) -> dict[str, bool]:
    return {
        "can_edit": can_edit_plan(user, plan),
        "can_add_actions": can_add_actions(user, plan),
        "can_submit": can_submit_plan(user, plan),
        "can_activate": can_activate_plan(user, plan),
        "can_return_to_draft": can_return_plan_to_draft(user, plan),
        "can_close": can_close_plan(user, plan),
    }
