"""Services for action plans and actions: next update due, cadence, pausing, leads and
plans. (Moving a target date: test_services_extensions.py.)"""

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from oversight.shared.concurrency import version_of
from recommendations import services_actions, services_progress
from recommendations.models import Action, ActionPlan, ProgressUpdate, Rag
from tests import factories

TODAY = datetime.date(2026, 11, 10)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fixed_today():
    with time_machine.travel(datetime.datetime(2026, 11, 10, 10, 0, tzinfo=datetime.UTC)):
        yield


def _submit(action, author, **overrides):
    arguments = {"narrative": "Done some.", "rag": Rag.GREEN, "percent_complete": 50}
    arguments.update(overrides)
    return services_progress.progress_update_submit(action=action, author=author, **arguments)


# --- Next update due ------------------------------------------------------------------


def test_next_update_due_counts_from_creation_without_accepted_updates(action_a):
    action_a.cadence = Action.Cadence.MONTHLY
    assert services_actions.action_next_update_due(action=action_a) == TODAY + datetime.timedelta(
        30
    )


@pytest.mark.parametrize(
    ("cadence", "days", "expected"),
    [("monthly", None, 30), ("quarterly", None, 91), ("custom", 14, 14)],
)
def test_next_update_due_follows_the_cadence_from_the_last_accepted_update(
    action_a, police_lead_a, opcc_staff, cadence, days, expected
):
    factories.ProgressUpdateFactory(
        action=action_a,
        written_on=datetime.date(2026, 10, 1),
        review_state=ProgressUpdate.Review.ACCEPTED,
        reviewed_by=opcc_staff,
    )
    factories.ProgressUpdateFactory(action=action_a, written_on=datetime.date(2026, 11, 1))
    action_a.cadence, action_a.cadence_days = cadence, days
    assert services_actions.action_next_update_due(action=action_a) == datetime.date(
        2026, 10, 1
    ) + datetime.timedelta(expected)


@pytest.mark.parametrize("status", ["paused", "pending_sign_off", "closed", "not_needed"])
def test_next_update_due_is_none_when_no_update_is_expected(action_a, status):
    action_a.status = status
    assert services_actions.action_next_update_due(action=action_a) is None


# --- Cadence, pausing ---------------------------------------------------


@pytest.mark.parametrize("status", [Action.Status.PAUSED, Action.Status.NOT_NEEDED])
def test_pausing_or_setting_aside_needs_a_reason_and_stops_updates(action_a, plan_owner_a, status):
    with pytest.raises(ValidationError):
        services_actions.action_change_status(action=action_a, by=plan_owner_a, status=status)
    services_actions.action_change_status(
        action=action_a, by=plan_owner_a, status=status, reason="Superseded by force review."
    )
    action_a.refresh_from_db()
    assert action_a.status == status
    assert action_a.next_update_due is None


def test_resuming_a_paused_action_makes_an_update_due_again(action_a, plan_owner_a):
    services_actions.action_change_status(
        action=action_a, by=plan_owner_a, status=Action.Status.PAUSED, reason="Pilot on hold."
    )
    services_actions.action_change_status(
        action=action_a, by=plan_owner_a, status=Action.Status.IN_PROGRESS
    )
    action_a.refresh_from_db()
    assert action_a.status == Action.Status.IN_PROGRESS
    assert action_a.next_update_due == TODAY + datetime.timedelta(days=30)


def test_action_without_a_lead_awaits_allocation_until_assigned(
    plan_a, recommendation_a, plan_owner_a, police_lead_a
):
    action = services_actions.action_create(
        plan=plan_a,
        by=plan_owner_a,
        reference="A9",
        description="New action.",
        recommendations=[recommendation_a],
        target_date=datetime.date(2027, 3, 1),
        cadence=Action.Cadence.QUARTERLY,
    )
    assert action.status == Action.Status.AWAITING_ALLOCATION
    assert action.next_update_due == TODAY + datetime.timedelta(days=91)
    action = services_actions.action_update(
        action=action,
        by=plan_owner_a,
        expected_version=version_of(action),
        reference="A9",
        description="New action.",
        recommendations=[recommendation_a],
        cadence=Action.Cadence.MONTHLY,
        delivery_lead=police_lead_a,
    )
    assert action.status == Action.Status.IN_PROGRESS
    assert action.next_update_due == TODAY + datetime.timedelta(days=30)


def test_action_refuses_a_lead_from_another_force(
    plan_a, recommendation_a, plan_owner_a, police_lead_b
):
    with pytest.raises(ValidationError) as error:
        services_actions.action_create(
            plan=plan_a,
            by=plan_owner_a,
            reference="A9",
            description="New action.",
            recommendations=[recommendation_a],
            target_date=datetime.date(2027, 3, 1),
            delivery_lead=police_lead_b,
        )
    assert "delivery_lead" in error.value.message_dict


def test_partner_lead_brings_their_agency(
    plan_a, recommendation_a, plan_owner_a, partner_lead, agency
):
    action = services_actions.action_create(
        plan=plan_a,
        by=plan_owner_a,
        reference="A9",
        description="Return-home interviews.",
        recommendations=[recommendation_a],
        target_date=datetime.date(2027, 3, 1),
        delivery_lead=partner_lead,
    )
    assert action.partner_agency == agency


def test_action_references_are_unique_within_a_plan(
    action_a, plan_a, recommendation_a, plan_owner_a
):
    with pytest.raises(ValidationError) as error:
        services_actions.action_create(
            plan=plan_a,
            by=plan_owner_a,
            reference="a1",
            description="Duplicate.",
            recommendations=[recommendation_a],
            target_date=datetime.date(2027, 3, 1),
        )
    assert "reference" in error.value.message_dict


def test_action_serves_only_its_plans_recommendations(plan_a, recommendation_b, plan_owner_a):
    with pytest.raises(ValidationError) as error:
        services_actions.action_create(
            plan=plan_a,
            by=plan_owner_a,
            reference="A9",
            description="x",
            recommendations=[recommendation_b],
            target_date=datetime.date(2027, 3, 1),
        )
    assert "recommendations" in error.value.message_dict


# --- Action plans ---------------------------------------------------------------------


def test_plan_owner_creates_a_draft_plan_for_their_force(report_a, plan_owner_a):
    plan = services_actions.action_plan_create(by=plan_owner_a, report=report_a, title="Plan")
    assert plan.status == ActionPlan.Status.DRAFT
    assert plan.force == report_a.force
    assert plan.owner == plan_owner_a


def test_one_plan_per_report_and_force(plan_a, report_a, plan_owner_a):
    with pytest.raises(ValidationError, match="already has an action plan"):
        services_actions.action_plan_create(by=plan_owner_a, report=report_a)


def test_plan_goes_draft_submitted_active_closed(
    report_a, recommendation_a, plan_owner_a, police_lead_a, opcc_staff
):
    plan = services_actions.action_plan_create(by=plan_owner_a, report=report_a)
    with pytest.raises(ValidationError, match="at least one action"):
        services_actions.action_plan_transition(plan=plan, by=plan_owner_a, to_status="submitted")
    action = factories.ActionFactory(
        plan=plan, delivery_lead=police_lead_a, recommendations=[recommendation_a]
    )
    services_actions.action_plan_transition(plan=plan, by=plan_owner_a, to_status="submitted")
    report_a.refresh_from_db()
    assert report_a.action_plan_received_on == TODAY
    with pytest.raises(PermissionDenied):
        services_actions.action_plan_transition(plan=plan, by=plan_owner_a, to_status="active")
    services_actions.action_plan_transition(plan=plan, by=opcc_staff, to_status="active")
    with pytest.raises(ValidationError, match=f"Still open: {action.reference}"):
        services_actions.action_plan_transition(plan=plan, by=plan_owner_a, to_status="closed")
    Action.objects.filter(pk=action.pk).update(
        status=Action.Status.NOT_NEEDED, status_reason="Covered elsewhere."
    )
    plan = services_actions.action_plan_transition(plan=plan, by=plan_owner_a, to_status="closed")
    assert plan.status == ActionPlan.Status.CLOSED


def test_nothing_changes_in_a_closed_plan(action_a, plan_a, police_lead_a, plan_owner_a):
    ActionPlan.objects.filter(pk=plan_a.pk).update(status=ActionPlan.Status.CLOSED)
    action_a.refresh_from_db()
    with pytest.raises(PermissionDenied):
        _submit(action_a, police_lead_a)
