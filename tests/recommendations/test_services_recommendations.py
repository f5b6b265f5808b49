"""The OPCC recommendation lifecycle and recording recommendations."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from oversight.shared.concurrency import StaleEditError, version_of
from recommendations.models import Action, Recommendation
from recommendations.services import (
    RECOMMENDATION_TRANSITIONS,
    recommendation_create,
    recommendation_due_on,
    recommendation_transition,
    recommendation_transitions_for,
    recommendation_update,
    recommendations_create_many,
)
from tests import factories

S = Recommendation.Status


def _finish(action):
    Action.objects.filter(pk=action.pk).update(
        status=Action.Status.NOT_NEEDED, status_reason="Covered by another action."
    )


def _move(recommendation, to_status, by, **kwargs):
    return recommendation_transition(
        recommendation=recommendation, to_status=to_status, by=by, **kwargs
    )


def test_transition_table_covers_every_status():
    assert set(RECOMMENDATION_TRANSITIONS) == set(S)


def test_open_moves_to_in_progress(opcc_staff, recommendation_a):
    moved = _move(recommendation_a, S.IN_PROGRESS, opcc_staff)
    assert moved.status == S.IN_PROGRESS
    assert moved.history.latest().history_user == opcc_staff


def test_a_move_the_table_does_not_allow_is_refused(opcc_staff, recommendation_a):
    with pytest.raises(ValidationError) as error:
        _move(recommendation_a, S.CLOSED, opcc_staff, reason="Done.")
    assert "cannot be moved to closed" in error.value.messages[0]
    recommendation_a.refresh_from_db()
    assert recommendation_a.status == S.OPEN


@pytest.mark.parametrize("persona", ["read_only", "police_lead_a", "partner_lead"])
def test_only_opcc_staff_move_recommendations(request, persona, recommendation_a, partner_action_a):
    with pytest.raises(PermissionDenied):
        _move(recommendation_a, S.IN_PROGRESS, request.getfixturevalue(persona))


def test_opcc_staff_of_another_office_cannot_move_it(opcc_staff_b, recommendation_a):
    with pytest.raises(PermissionDenied):
        _move(recommendation_a, S.IN_PROGRESS, opcc_staff_b)


def test_proposing_for_closure_names_the_actions_still_open(
    opcc_staff, recommendation_a, action_a, partner_action_a
):
    _finish(partner_action_a)
    with pytest.raises(ValidationError) as error:
        _move(recommendation_a, S.PROPOSED_FOR_CLOSURE, opcc_staff, reason="All done.")
    assert "still open: A1" in error.value.messages[0]
    recommendation_a.refresh_from_db()
    assert recommendation_a.status == S.OPEN


def test_proposing_for_closure_needs_a_rationale(opcc_staff, recommendation_a):
    with pytest.raises(ValidationError) as error:
        _move(recommendation_a, S.PROPOSED_FOR_CLOSURE, opcc_staff, reason="  ")
    assert "reason" in error.value.message_dict


def test_plan_owner_proposes_and_opcc_signs_off(
    plan_owner_a, opcc_staff, recommendation_a, action_a
):
    _finish(action_a)
    _move(recommendation_a, S.PROPOSED_FOR_CLOSURE, plan_owner_a, reason="Impact shown.")
    closed = _move(recommendation_a, S.CLOSED, opcc_staff, reason="Evidence reviewed.")
    assert closed.status == S.CLOSED
    assert closed.closure_proposed_by == plan_owner_a
    assert closed.signed_off_by == opcc_staff
    assert closed.closure_rationale == "Evidence reviewed."


def test_plan_owner_of_another_force_cannot_propose(recommendation_b, plan_owner_a):
    with pytest.raises(PermissionDenied):
        _move(recommendation_b, S.PROPOSED_FOR_CLOSURE, plan_owner_a, reason="Done.")


def test_plan_owner_cannot_sign_off(plan_owner_a, opcc_staff, recommendation_a):
    _move(recommendation_a, S.PROPOSED_FOR_CLOSURE, opcc_staff, reason="Done.")
    with pytest.raises(PermissionDenied):
        _move(recommendation_a, S.CLOSED, plan_owner_a, reason="Done.")


def test_nobody_signs_off_their_own_proposal(opcc_staff, recommendation_a):
    _move(recommendation_a, S.PROPOSED_FOR_CLOSURE, opcc_staff, reason="Done.")
    with pytest.raises(ValidationError) as error:
        _move(recommendation_a, S.CLOSED, opcc_staff, reason="Done.")
    assert "someone else must sign it off" in error.value.messages[0]
    recommendation_a.refresh_from_db()
    assert recommendation_a.status == S.PROPOSED_FOR_CLOSURE


def test_returning_a_proposal_clears_it_and_keeps_the_reason(
    plan_owner_a, opcc_staff, recommendation_a
):
    _move(recommendation_a, S.PROPOSED_FOR_CLOSURE, plan_owner_a, reason="Done.")
    returned = _move(recommendation_a, S.IN_PROGRESS, opcc_staff, reason="No impact evidence.")
    assert returned.status == S.IN_PROGRESS
    assert returned.closure_proposed_by is None
    assert returned.status_reason == "No impact evidence."


def test_superseding_needs_the_superseding_recommendation(opcc_staff, recommendation_a):
    with pytest.raises(ValidationError) as error:
        _move(recommendation_a, S.SUPERSEDED, opcc_staff)
    assert "superseded_by" in error.value.message_dict


def test_superseding_by_a_recommendation_the_user_cannot_see_is_refused(
    opcc_staff, recommendation_a, recommendation_b
):
    with pytest.raises(ValidationError) as error:
        _move(recommendation_a, S.SUPERSEDED, opcc_staff, superseded_by=recommendation_b)
    assert "superseded_by" in error.value.message_dict


def test_superseding_records_the_later_recommendation(opcc_staff, recommendation_a, report_a):
    later = factories.RecommendationFactory(report=report_a, reference="R7")
    moved = _move(recommendation_a, S.SUPERSEDED, opcc_staff, superseded_by=later)
    assert moved.status == S.SUPERSEDED
    assert moved.superseded_by == later


def test_no_action_needs_a_reason(opcc_staff, recommendation_a):
    with pytest.raises(ValidationError):
        _move(recommendation_a, S.NO_ACTION, opcc_staff, reason="")
    moved = _move(recommendation_a, S.NO_ACTION, opcc_staff, reason="Force disagreed; PCC accepts.")
    assert moved.status_reason == "Force disagreed; PCC accepts."


def test_reopening_a_superseded_recommendation_clears_the_link(
    opcc_staff, recommendation_a, report_a
):
    later = factories.RecommendationFactory(report=report_a, reference="R7")
    _move(recommendation_a, S.SUPERSEDED, opcc_staff, superseded_by=later)
    reopened = _move(recommendation_a, S.OPEN, opcc_staff, reason="Superseded in error.")
    assert reopened.status == S.OPEN
    assert reopened.superseded_by is None


def test_a_second_person_acting_on_the_old_status_is_told(opcc_staff, recommendation_a):
    seen_by_second = Recommendation.objects.get(pk=recommendation_a.pk)
    _move(recommendation_a, S.NO_ACTION, opcc_staff, reason="Not needed.")
    with pytest.raises(ValidationError) as error:
        _move(seen_by_second, S.IN_PROGRESS, opcc_staff)
    assert "is now no action" in error.value.messages[0]


def test_buttons_offered_depend_on_status_and_role(
    opcc_staff, plan_owner_a, read_only, police_lead_a, recommendation_a
):
    recommendation_a.status = S.IN_PROGRESS
    staff = [
        t.to_status
        for t in recommendation_transitions_for(recommendation=recommendation_a, user=opcc_staff)
    ]
    owner = [
        t.to_status
        for t in recommendation_transitions_for(recommendation=recommendation_a, user=plan_owner_a)
    ]
    assert staff == [S.PROPOSED_FOR_CLOSURE, S.SUPERSEDED, S.COVERED, S.NO_ACTION]
    assert owner == [S.PROPOSED_FOR_CLOSURE]
    for reader in (read_only, police_lead_a):
        assert recommendation_transitions_for(recommendation=recommendation_a, user=reader) == []


# --- Recording recommendations ----------------------------------------------------------


@pytest.mark.parametrize(
    ("timescale", "due"),
    [
        ("immediately", datetime.date(2026, 8, 31)),
        ("1_month", datetime.date(2026, 9, 30)),
        ("3_months", datetime.date(2026, 11, 30)),
        ("6_months", datetime.date(2027, 2, 28)),
        ("12_months", datetime.date(2027, 8, 31)),
        ("none", None),
    ],
)
def test_due_date_follows_the_timescale(timescale, due):
    assert (
        recommendation_due_on(published_on=datetime.date(2026, 8, 31), timescale=timescale) == due
    )


def test_create_works_out_the_due_date_and_position(opcc_staff, report_a, recommendation_a):
    created = recommendation_create(
        report=report_a,
        by=opcc_staff,
        fields={"reference": "R2", "text": "Do it.", "timescale": "3_months", "due_on": None},
    )
    assert created.due_on == datetime.date(2026, 12, 1)
    assert created.position == recommendation_a.position + 1


def test_create_many_saves_all_or_none(opcc_staff, report_a, recommendation_a):
    rows = [
        {"reference": "R2", "text": "First.", "timescale": "none"},
        {"reference": "R1", "text": "Clashes with an existing one.", "timescale": "none"},
    ]
    with pytest.raises(ValidationError) as error:
        recommendations_create_many(report=report_a, by=opcc_staff, rows=rows)
    assert "already has a recommendation R1" in str(error.value)
    assert list(Recommendation.objects.values_list("reference", flat=True)) == ["R1"]


@pytest.mark.parametrize("persona", ["read_only", "plan_owner_a", "police_lead_a"])
def test_create_is_refused_to_anyone_but_opcc_staff(request, persona, report_a):
    with pytest.raises(PermissionDenied):
        recommendation_create(
            report=report_a,
            by=request.getfixturevalue(persona),
            fields={"reference": "R5", "text": "x", "timescale": "none"},
        )


def test_update_with_a_stale_version_overwrites_nothing(opcc_staff, recommendation_a):
    stale = version_of(recommendation_a)
    recommendation_update(
        recommendation=recommendation_a, by=opcc_staff, fields={"text": "First."}, version=stale
    )
    with pytest.raises(StaleEditError):
        recommendation_update(
            recommendation=Recommendation.objects.get(pk=recommendation_a.pk),
            by=opcc_staff,
            fields={"text": "Second."},
            version=stale,
        )
    recommendation_a.refresh_from_db()
    assert recommendation_a.text == "First."


def test_update_refuses_a_status_change(opcc_staff, recommendation_a):
    with pytest.raises(ValidationError):
        recommendation_update(
            recommendation=recommendation_a,
            by=opcc_staff,
            fields={"status": S.CLOSED},
            version=version_of(recommendation_a),
        )
