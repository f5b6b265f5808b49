"""Who may change what: the predicates views, services and templates share."""

import pytest
from django.contrib.auth.models import AnonymousUser

from oversight.models import User
from recommendations import permissions
from recommendations.models import Action, ActionPlan
from tests import factories
from tests.conftest import _persona

PERSONAS = [
    "opcc_staff",
    "read_only",
    "plan_owner_a",
    "police_lead_a",
    "police_lead_a2",
    "police_lead_b",
    "partner_lead",
]


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _who(request, predicate, *args) -> set[str]:
    return {p for p in PERSONAS if predicate(request.getfixturevalue(p), *args)}


def test_only_the_delivery_lead_and_plan_owner_update_a_police_action(request, action_a):
    assert _who(request, permissions.can_update_action, action_a) == {
        "police_lead_a",
        "plan_owner_a",
    }


def test_the_partner_lead_updates_their_agency_action(request, partner_action_a):
    assert _who(request, permissions.can_update_action, partner_action_a) == {
        "partner_lead",
        "plan_owner_a",
    }


def test_a_partner_lead_cannot_update_another_agency_action(partner_lead, plan_a, force_a):
    other = factories.PartnerAgencyFactory(name="Health", forces=[force_a])
    action = factories.ActionFactory(plan=plan_a, partner_agency=other)
    assert not permissions.can_update_action(partner_lead, action)


def test_a_plan_owner_of_another_force_manages_nothing_here(action_a, force_b):
    owner_b = _persona("acc_b", User.Role.PLAN_OWNER, force=force_b)
    assert not permissions.can_update_action(owner_b, action_a)
    assert not permissions.can_edit_action(owner_b, action_a)
    assert not permissions.can_edit_plan(owner_b, action_a.plan)


@pytest.mark.parametrize("status", ["paused", "pending_sign_off", "closed", "not_needed"])
def test_no_update_while_paused_waiting_or_finished(action_a, police_lead_a, status):
    action_a.status = status
    assert not permissions.can_update_action(police_lead_a, action_a)


def test_nothing_changes_in_a_closed_plan(request, action_a):
    action_a.plan.status = ActionPlan.Status.CLOSED
    for predicate in (
        permissions.can_update_action,
        permissions.can_edit_action,
        permissions.can_propose_completion,
    ):
        assert _who(request, predicate, action_a) == set()
    assert _who(request, permissions.can_edit_plan, action_a.plan) == set()


def test_only_the_plan_owner_edits_actions_and_changes_their_status(request, action_a):
    assert _who(request, permissions.can_edit_action, action_a) == {"plan_owner_a"}
    assert _who(request, permissions.can_change_action_status, action_a) == {"plan_owner_a"}


def test_the_delivery_lead_and_plan_owner_ask_to_move_the_target_date(request, action_a):
    assert _who(request, permissions.can_request_extension, action_a) == {
        "police_lead_a",
        "plan_owner_a",
    }


def test_the_partner_lead_asks_for_their_agency_action_they_lead(request, partner_action_a):
    assert _who(request, permissions.can_request_extension, partner_action_a) == {
        "partner_lead",
        "plan_owner_a",
    }


@pytest.mark.parametrize("status", ["paused", "closed", "not_needed"])
def test_nobody_asks_to_move_the_date_of_an_action_that_is_not_live(request, action_a, status):
    action_a.status = status
    assert _who(request, permissions.can_request_extension, action_a) == set()


def test_only_opcc_staff_decide_extension_requests(request):
    assert _who(request, permissions.can_decide_extensions) == {"opcc_staff"}


def test_whoever_asked_and_the_plan_owner_withdraw_a_request(request, action_a, police_lead_a):
    extension = factories.ExtensionRequestFactory(action=action_a, requested_by=police_lead_a)
    assert _who(request, permissions.can_withdraw_extension, extension, action_a) == {
        "police_lead_a",
        "plan_owner_a",
    }


def test_only_opcc_staff_review_updates(request, action_a):
    assert _who(request, permissions.can_review_updates) == {"opcc_staff"}
    update = factories.ProgressUpdateFactory(action=action_a)
    assert _who(request, permissions.can_review_update, update) == {"opcc_staff"}


def test_nobody_reviews_their_own_update(action_a, opcc_staff):
    update = factories.ProgressUpdateFactory(action=action_a, author=opcc_staff)
    assert not permissions.can_review_update(opcc_staff, update)


def test_only_opcc_staff_sign_off_and_never_their_own_proposal(
    request, action_a, police_lead_a, opcc_staff
):
    action_a.status = Action.Status.PENDING_SIGN_OFF
    action_a.completion_proposed_by = police_lead_a
    assert _who(request, permissions.can_sign_off, action_a) == {"opcc_staff"}
    action_a.completion_proposed_by = opcc_staff
    assert not permissions.can_sign_off(opcc_staff, action_a)


def test_completion_is_proposed_by_the_people_who_update(request, action_a):
    assert _who(request, permissions.can_propose_completion, action_a) == {
        "police_lead_a",
        "plan_owner_a",
    }


def test_plan_moves(request, plan_a):
    plan_a.status = ActionPlan.Status.DRAFT
    assert _who(request, permissions.can_transition_plan, plan_a, "submitted") == {"plan_owner_a"}
    plan_a.status = ActionPlan.Status.SUBMITTED
    assert _who(request, permissions.can_transition_plan, plan_a, "active") == {"opcc_staff"}
    assert _who(request, permissions.can_transition_plan, plan_a, "draft") == {
        "opcc_staff",
        "plan_owner_a",
    }
    plan_a.status = ActionPlan.Status.ACTIVE
    assert _who(request, permissions.can_transition_plan, plan_a, "closed") == {
        "opcc_staff",
        "plan_owner_a",
    }
    assert _who(request, permissions.can_transition_plan, plan_a, "submitted") == set()


def test_anonymous_may_do_nothing(action_a):
    anonymous = AnonymousUser()
    assert not permissions.can_update_action(anonymous, action_a)
    assert not permissions.can_review_updates(anonymous)
    assert not permissions.can_create_plans(anonymous)
    assert not permissions.can_edit_action(anonymous, action_a)
