"""Where a change to recommendations and action plans belongs, for the page cache
(oversight.shared.pagecache): the force of the report or plan it hangs off. National
recommendations (held once for many forces) are not placed: a change to one can alter
anyone's pages."""

from oversight.cache_scopes import held, report_force_id
from oversight.shared import pagecache
from oversight.shared.pagecache import Placement, placed
from recommendations.models import (
    Action,
    ActionPlan,
    Evidence,
    ExtensionRequest,
    InspectorateStatusChange,
    ProgressUpdate,
    Recommendation,
)


def place_recommendation(recommendation: Recommendation) -> Placement | None:
    return placed(forces=[report_force_id(recommendation)])


def place_status_change(change: InspectorateStatusChange) -> Placement | None:
    recommendation = held(change, "recommendation")
    if recommendation is not None:
        return place_recommendation(recommendation)
    force_id = (
        Recommendation.objects.filter(pk=change.recommendation_id)
        .values_list("report__force_id", flat=True)
        .first()
    )
    return placed(forces=[force_id])


def place_plan(plan: ActionPlan) -> Placement | None:
    return placed(forces=[plan.force_id])


def action_force_id(action: Action) -> int | None:
    plan = held(action, "plan")
    if plan is not None:
        return plan.force_id
    return ActionPlan.objects.filter(pk=action.plan_id).values_list("force_id", flat=True).first()


def place_action(action: Action) -> Placement | None:
    return placed(forces=[action_force_id(action)])


def place_on_action(instance) -> Placement | None:
    """Progress updates, evidence and extension requests: their action's plan's force."""
    action = held(instance, "action")
    if action is not None:
        return place_action(action)
    force_id = (
        Action.objects.filter(pk=instance.action_id)
        .values_list("plan__force_id", flat=True)
        .first()
    )
    return placed(forces=[force_id])


def register_placements() -> None:
    pagecache.register(Recommendation, place_recommendation)
    pagecache.register(InspectorateStatusChange, place_status_change)
    pagecache.register(ActionPlan, place_plan)
    pagecache.register(Action, place_action)
    for model in (ProgressUpdate, Evidence, ExtensionRequest):
        pagecache.register(model, place_on_action)
