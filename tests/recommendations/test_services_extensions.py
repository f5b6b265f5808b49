"""Requests to move a target date: the lead or plan owner asks with a reason, OPCC staff
agree or refuse with a comment, whoever asked may withdraw; the current date stands until
agreed, and every request, decision and date is kept."""

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from oversight.models import User
from recommendations.models import Action, ExtensionRequest
from recommendations.services_extensions import (
    extension_decide,
    extension_request,
    extension_withdraw,
)
from tests import factories
from tests.conftest import _persona

TODAY = datetime.date(2026, 11, 10)
ORIGINAL = datetime.date(2027, 3, 31)  # ActionFactory's target date
LATER = datetime.date(2027, 6, 30)
Decision = ExtensionRequest.Decision


@pytest.fixture(autouse=True)
def _fixed_today():
    with time_machine.travel(datetime.datetime(2026, 11, 10, 10, 0, tzinfo=datetime.UTC)):
        yield


def _ask(action, by, to_date=LATER, reason="Two examiner posts vacant."):
    return extension_request(action=action, by=by, to_date=to_date, reason=reason)


def _target(action) -> tuple:
    action = Action.objects.get(pk=action.pk)
    return action.target_date, action.revised_target_date, action.revision_reason


# --- Asking -----------------------------------------------------------------------------


def test_a_request_keeps_the_current_date_until_agreed(action_a, police_lead_a):
    extension = _ask(action_a, police_lead_a)

    assert (extension.from_date, extension.to_date) == (ORIGINAL, LATER)
    assert extension.requested_by == police_lead_a
    assert extension.decision == Decision.PENDING
    assert _target(action_a) == (ORIGINAL, None, "")


@pytest.mark.parametrize("asker", ["police_lead_a", "plan_owner_a"])
def test_the_delivery_lead_or_the_plan_owner_may_ask(request, action_a, asker):
    person = request.getfixturevalue(asker)
    assert _ask(action_a, person).requested_by == person


@pytest.mark.parametrize(
    "asker", ["police_lead_a2", "police_lead_b", "partner_lead", "read_only", "opcc_staff"]
)
def test_nobody_else_may_ask(request, action_a, asker):
    with pytest.raises(PermissionDenied):
        _ask(action_a, request.getfixturevalue(asker))
    assert not ExtensionRequest.objects.exists()


def test_a_plan_owner_of_another_force_may_not_ask(action_a, force_b):
    owner_b = _persona("acc_b", User.Role.PLAN_OWNER, force=force_b)
    with pytest.raises(PermissionDenied):
        _ask(action_a, owner_b)


@pytest.mark.parametrize("status", [Action.Status.PAUSED, Action.Status.CLOSED])
def test_an_action_that_is_not_live_keeps_its_date(action_a, police_lead_a, opcc_staff, status):
    Action.objects.filter(pk=action_a.pk).update(
        status=status, status_reason="Waiting for funding.", signed_off_by=opcc_staff
    )
    with pytest.raises(PermissionDenied):
        _ask(action_a, police_lead_a)


@pytest.mark.parametrize(
    ("to_date", "reason", "field", "message"),
    [
        (TODAY - datetime.timedelta(days=1), "Delay.", "to_date", "cannot be in the past"),
        (ORIGINAL, "Delay.", "to_date", "is already the target date"),
        (LATER, "  ", "reason", "Say why the target date needs to move"),
        (datetime.date(2199, 1, 1), "Delay.", "to_date", "check the year"),
    ],
)
def test_bad_input_says_what_to_fix_and_saves_nothing(
    action_a, police_lead_a, to_date, reason, field, message
):
    with pytest.raises(ValidationError) as error:
        _ask(action_a, police_lead_a, to_date=to_date, reason=reason)

    assert message in " ".join(error.value.message_dict[field])
    assert not ExtensionRequest.objects.exists()
    assert _target(action_a) == (ORIGINAL, None, "")


def test_today_is_a_date_that_may_be_asked_for(action_a, police_lead_a):
    assert _ask(action_a, police_lead_a, to_date=TODAY).to_date == TODAY


def test_one_request_waits_at_a_time(action_a, police_lead_a, plan_owner_a):
    _ask(action_a, police_lead_a)

    with pytest.raises(ValidationError) as error:
        _ask(action_a, plan_owner_a, to_date=datetime.date(2027, 9, 30))

    assert "still waiting for the OPCC's decision" in error.value.messages[0]
    assert "withdraw that request" in error.value.messages[0]
    assert ExtensionRequest.objects.count() == 1


# --- Deciding ---------------------------------------------------------------------------


def test_agreeing_moves_the_date_and_the_action_history_says_who(
    action_a, police_lead_a, opcc_staff
):
    extension = _ask(action_a, police_lead_a)

    decided = extension_decide(extension=extension, by=opcc_staff, agree=True)

    assert (decided.decision, decided.decided_by, decided.decision_comment) == (
        Decision.AGREED,
        opcc_staff,
        "",
    )
    assert decided.decided_at is not None
    assert _target(action_a) == (ORIGINAL, LATER, "Two examiner posts vacant.")
    latest = Action.objects.get(pk=action_a.pk).history.latest()
    assert (latest.revised_target_date, latest.history_user) == (LATER, opcc_staff)
    assert latest.history_change_reason == f"Extension request agreed by {opcc_staff}"


def test_refusing_needs_a_comment_and_keeps_the_date(action_a, police_lead_a, opcc_staff):
    extension = _ask(action_a, police_lead_a)

    with pytest.raises(ValidationError) as error:
        extension_decide(extension=extension, by=opcc_staff, agree=False, comment=" ")
    assert "Say why the target date cannot move" in error.value.message_dict["comment"][0]
    assert ExtensionRequest.objects.get().decision == Decision.PENDING

    extension_decide(
        extension=extension, by=opcc_staff, agree=False, comment="Recruit agency staff."
    )
    refused = ExtensionRequest.objects.get()
    assert (refused.decision, refused.decision_comment) == (
        Decision.REFUSED,
        "Recruit agency staff.",
    )
    assert _target(action_a) == (ORIGINAL, None, "")


def test_a_second_decision_on_the_same_request_is_refused(action_a, police_lead_a, opcc_staff):
    """Two clicks, or two OPCC staff at once: the second finds it decided, under the lock."""
    extension = _ask(action_a, police_lead_a)
    stale = ExtensionRequest.objects.get(pk=extension.pk)
    extension_decide(extension=extension, by=opcc_staff, agree=True)

    with pytest.raises(ValidationError) as error:
        extension_decide(extension=stale, by=opcc_staff, agree=False, comment="No.")

    assert "already agreed by" in error.value.messages[0]
    assert "Nothing was changed" in error.value.messages[0]
    assert ExtensionRequest.objects.get().decision == Decision.AGREED
    assert _target(action_a)[1] == LATER


@pytest.mark.parametrize("decider", ["opcc_staff_b", "read_only", "police_lead_a", "plan_owner_a"])
def test_only_opcc_staff_overseeing_the_force_decide(request, action_a, police_lead_a, decider):
    extension = _ask(action_a, police_lead_a)

    with pytest.raises(PermissionDenied):
        extension_decide(extension=extension, by=request.getfixturevalue(decider), agree=True)

    assert ExtensionRequest.objects.get().decision == Decision.PENDING
    assert _target(action_a) == (ORIGINAL, None, "")


def test_a_closed_action_keeps_its_date_but_the_request_can_be_refused(
    action_a, police_lead_a, opcc_staff
):
    extension = _ask(action_a, police_lead_a)
    Action.objects.filter(pk=action_a.pk).update(
        status=Action.Status.CLOSED, signed_off_by=opcc_staff
    )

    with pytest.raises(ValidationError) as error:
        extension_decide(extension=extension, by=opcc_staff, agree=True)
    assert "Refuse the request with a comment instead" in error.value.messages[0]

    extension_decide(extension=extension, by=opcc_staff, agree=False, comment="Closed.")
    assert ExtensionRequest.objects.get().decision == Decision.REFUSED


# --- Withdrawing ------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["police_lead_a", "plan_owner_a"])
def test_whoever_asked_or_the_plan_owner_withdraws(request, action_a, police_lead_a, who):
    extension = _ask(action_a, police_lead_a)

    withdrawn = extension_withdraw(extension=extension, by=request.getfixturevalue(who))

    assert withdrawn.decision == Decision.WITHDRAWN
    assert _target(action_a) == (ORIGINAL, None, "")


def test_nobody_else_withdraws(action_a, police_lead_a, police_lead_a2, opcc_staff):
    extension = _ask(action_a, police_lead_a)
    for person in (police_lead_a2, opcc_staff):
        with pytest.raises(PermissionDenied):
            extension_withdraw(extension=extension, by=person)
    assert ExtensionRequest.objects.get().decision == Decision.PENDING


def test_a_decided_request_cannot_be_withdrawn(action_a, police_lead_a, opcc_staff):
    extension = _ask(action_a, police_lead_a)
    extension_decide(extension=extension, by=opcc_staff, agree=True)

    with pytest.raises(ValidationError) as error:
        extension_withdraw(extension=extension, by=police_lead_a)

    assert "already agreed" in error.value.messages[0]
    assert ExtensionRequest.objects.get().decision == Decision.AGREED


# --- Every request, decision and date is kept -------------------------------------------


def test_every_request_decision_and_date_is_kept(action_a, police_lead_a, plan_owner_a, opcc_staff):
    first = _ask(action_a, police_lead_a, reason="Posts vacant.")
    extension_withdraw(extension=first, by=police_lead_a)
    second = _ask(action_a, plan_owner_a, reason="Posts still vacant.")
    extension_decide(extension=second, by=opcc_staff, agree=False, comment="Use agency staff.")
    third = _ask(action_a, police_lead_a, reason="Agency staff found; training first.")
    extension_decide(extension=third, by=opcc_staff, agree=True)
    fourth = _ask(action_a, police_lead_a, to_date=datetime.date(2027, 9, 30), reason="Again.")

    rows = list(
        ExtensionRequest.objects.order_by("requested_at", "pk").values_list(
            "requested_by__username",
            "from_date",
            "to_date",
            "decision",
            "decided_by__username",
            "decision_comment",
        )
    )
    assert rows == [
        ("lead_a", ORIGINAL, LATER, Decision.WITHDRAWN, "lead_a", ""),
        ("acc_a", ORIGINAL, LATER, Decision.REFUSED, "opcc_a", "Use agency staff."),
        ("lead_a", ORIGINAL, LATER, Decision.AGREED, "opcc_a", ""),
        ("lead_a", LATER, datetime.date(2027, 9, 30), Decision.PENDING, None, ""),
    ]
    assert fourth.from_date == LATER  # the agreed date is the one to move now
    # Each decided request was recorded when made and again when decided.
    assert sorted(ExtensionRequest.history.values_list("id", flat=True)) == sorted(
        [first.pk] * 2 + [second.pk] * 2 + [third.pk] * 2 + [fourth.pk]
    )


def test_the_factory_builds_a_request_the_constraints_accept(action_a):
    extension = factories.ExtensionRequestFactory(action=action_a)
    assert extension.from_date == ORIGINAL
    assert extension.to_date == ORIGINAL + datetime.timedelta(days=90)
    assert extension.is_pending
