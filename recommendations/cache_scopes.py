"""Where a change to recommendations and action plans belongs, for the page cache
(oversight.shared.pagecache): the force of the report or plan it hangs off. National
recommendations (held once for many forces) are not placed: a change to one can alter
anyone's pages."""

from oversight.cache_scopes import related_value
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
    return placed(forces=[related_value(recommendation, "report__force_id")])


def place_status_change(change: InspectorateStatusChange) -> Placement | None:
    return placed(forces=[related_value(change, "recommendation__report__force_id")])


def place_plan(plan: ActionPlan) -> Placement | None:
    return placed(forces=[plan.force_id])


def place_action(action: Action) -> Placement | None:
    return placed(forces=[related_value(action, "plan__force_id")])


def place_on_action(instance) -> Placement | None:
    """Progress updates, evidence and extension requests: their action's plan's force."""
    return placed(forces=[related_value(instance, "action__plan__force_id")])


def register_placements() -> None:
    pagecache.register(Recommendation, place_recommendation)
    pagecache.register(InspectorateStatusChange, place_status_change)
    pagecache.register(ActionPlan, place_plan)
    pagecache.register(Action, place_action)
    for model in (ProgressUpdate, Evidence, ExtensionRequest):
        pagecache.register(model, place_on_action)
