"""Reads for recommendations, action plans, actions, updates, evidence and letters.

Each model has one `*_visible_to(user)` scoping function; everything a user sees starts
from one of them.
"""

from django.db.models import Exists, OuterRef, QuerySet

from oversight.models import User
from oversight.selectors import reports_visible_to
from recommendations.models import (
    Action,
    ActionPlan,
    Evidence,
    Letter,
    ProgressUpdate,
    Recommendation,
    Reminder,
)


def recommendations_visible_to(user: User) -> QuerySet[Recommendation]:
    if not user.is_authenticated:
        return Recommendation.objects.none()
    if user.is_partner:
        # Partner leads see the recommendations their agency's actions serve.
        return Recommendation.objects.filter(
            Exists(
                Action.recommendations.through.objects.filter(
                    recommendation=OuterRef("pk"), action__partner_agency=user.partner_agency_id
                )
            )
        )
    return Recommendation.objects.filter(report__in=reports_visible_to(user).values("pk"))


def action_plans_visible_to(user: User) -> QuerySet[ActionPlan]:
    if not user.is_authenticated:
        return ActionPlan.objects.none()
    if user.is_partner:
        return ActionPlan.objects.filter(
            Exists(
                Action.objects.filter(plan=OuterRef("pk"), partner_agency=user.partner_agency_id)
            )
        )
    if user.is_force_user:
        return ActionPlan.objects.filter(force=user.force_id)
    return ActionPlan.objects.filter(report__in=reports_visible_to(user).values("pk"))


def actions_visible_to(user: User) -> QuerySet[Action]:
    """Partner leads see only their agency's actions, never police-only ones."""
    if not user.is_authenticated:
        return Action.objects.none()
    if user.is_partner:
        return Action.objects.filter(partner_agency=user.partner_agency_id)
    return Action.objects.filter(plan__in=action_plans_visible_to(user).values("pk"))


def updates_visible_to(user: User) -> QuerySet[ProgressUpdate]:
    return ProgressUpdate.objects.filter(action__in=actions_visible_to(user).values("pk"))


def evidence_visible_to(user: User) -> QuerySet[Evidence]:
    return Evidence.objects.filter(action__in=actions_visible_to(user).values("pk"))


def letters_visible_to(user: User) -> QuerySet[Letter]:
    """Letters are the OPCC's and the force's business; partner agencies do not see them."""
    if not user.is_authenticated or user.is_partner:
        return Letter.objects.none()
    return Letter.objects.filter(report__in=reports_visible_to(user).values("pk"))


def reminders_for(user: User) -> QuerySet[Reminder]:
    """A person's own notifications; nobody reads anybody else's."""
    if not user.is_authenticated:
        return Reminder.objects.none()
    return Reminder.objects.filter(recipient=user)
