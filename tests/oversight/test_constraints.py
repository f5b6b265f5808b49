"""Every invariant is enforced by the database itself, whatever code writes the row."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from letters.models import Letter
from oversight.models import CauseOfConcern, User
from recommendations.models import Action, ProgressUpdate, Recommendation
from reviews.models import ActionSample, DeepDiveReview, FollowUp, Investment
from tests import factories


def assert_rejected(constraint_name, save):
    with pytest.raises(IntegrityError) as error, transaction.atomic():
        save()
    assert constraint_name in str(error.value)


def test_recommendation_reference_unique_per_report(recommendation_a):
    assert_rejected(
        "recommendation_unique_reference",
        lambda: factories.RecommendationFactory(report=recommendation_a.report, reference="R1"),
    )


def test_same_reference_allowed_in_another_report(recommendation_a, report_b):
    factories.RecommendationFactory(report=report_b, reference="R1")


def test_superseded_needs_target(recommendation_a):
    recommendation_a.status = Recommendation.Status.SUPERSEDED
    assert_rejected("recommendation_superseded_needs_target", recommendation_a.save)


def test_recommendation_cannot_supersede_itself(recommendation_a):
    recommendation_a.status = Recommendation.Status.SUPERSEDED
    recommendation_a.superseded_by = recommendation_a
    assert_rejected("recommendation_not_superseded_by_itself", recommendation_a.save)


def test_no_action_needs_reason(recommendation_a):
    recommendation_a.status = Recommendation.Status.NO_ACTION
    assert_rejected("recommendation_no_action_needs_reason", recommendation_a.save)


def test_closed_recommendation_needs_rationale_and_sign_off(recommendation_a):
    recommendation_a.status = Recommendation.Status.CLOSED
    assert_rejected("recommendation_closed_needs_rationale_and_sign_off", recommendation_a.save)


def test_recommendation_not_signed_off_by_proposer(recommendation_a, opcc_staff):
    recommendation_a.closure_proposed_by = opcc_staff
    recommendation_a.signed_off_by = opcc_staff
    assert_rejected("recommendation_sign_off_by_another_person", recommendation_a.save)


def test_revised_target_date_needs_reason(action_a):
    action_a.revised_target_date = datetime.date(2027, 6, 30)
    assert_rejected("action_revised_date_needs_reason", action_a.save)


def test_custom_cadence_needs_days(action_a):
    action_a.cadence = Action.Cadence.CUSTOM
    assert_rejected("action_custom_cadence_needs_days", action_a.save)


def test_paused_action_needs_reason(action_a):
    action_a.status = Action.Status.PAUSED
    assert_rejected("action_not_needed_or_paused_needs_reason", action_a.save)


def test_closed_action_needs_sign_off(action_a):
    action_a.status = Action.Status.CLOSED
    assert_rejected("action_closed_needs_sign_off", action_a.save)


def test_action_not_signed_off_by_proposer(action_a, police_lead_a):
    action_a.completion_proposed_by = police_lead_a
    action_a.signed_off_by = police_lead_a
    assert_rejected("action_sign_off_by_another_person", action_a.save)


def test_action_reference_unique_per_plan(action_a):
    assert_rejected(
        "action_unique_reference",
        lambda: factories.ActionFactory(plan=action_a.plan, reference="A1"),
    )


@pytest.mark.parametrize("percent", [101, 150])
def test_update_percent_over_100_rejected(action_a, percent):
    assert_rejected(
        "update_percent_between_0_and_100",
        lambda: factories.ProgressUpdateFactory(action=action_a, percent_complete=percent),
    )


def test_update_narrative_not_blank(action_a):
    assert_rejected(
        "update_narrative_not_blank",
        lambda: factories.ProgressUpdateFactory(action=action_a, narrative=""),
    )


def test_returned_update_needs_reason(action_a, opcc_staff):
    assert_rejected(
        "update_returned_needs_reason",
        lambda: factories.ProgressUpdateFactory(
            action=action_a,
            review_state=ProgressUpdate.Review.RETURNED,
            reviewed_by=opcc_staff,
        ),
    )


def test_reviewed_update_needs_reviewer(action_a):
    assert_rejected(
        "update_reviewed_has_reviewer",
        lambda: factories.ProgressUpdateFactory(
            action=action_a, review_state=ProgressUpdate.Review.ACCEPTED
        ),
    )


def test_issued_letter_must_be_frozen(report_a):
    assert_rejected(
        "letter_issued_is_frozen",
        lambda: factories.LetterFactory(report=report_a, status=Letter.Status.ISSUED),
    )


def test_letter_version_unique(report_a):
    factories.LetterFactory(report=report_a, version=1)
    assert_rejected(
        "letter_unique_version", lambda: factories.LetterFactory(report=report_a, version=1)
    )


def test_fieldwork_end_after_start(report_a):
    report_a.fieldwork_start = datetime.date(2026, 5, 20)
    report_a.fieldwork_end = datetime.date(2026, 5, 1)
    assert_rejected("report_fieldwork_ends_after_start", report_a.save)


def test_report_not_its_own_parent(report_a):
    report_a.parent = report_a
    assert_rejected("report_is_not_its_own_parent", report_a.save)


def test_priority_area_position_unique(report_a):
    factories.PriorityAreaFactory(report=report_a, position=1)
    assert_rejected(
        "priority_area_unique_position",
        lambda: factories.PriorityAreaFactory(report=report_a, position=1),
    )


def test_discharged_cause_needs_date(report_a):
    assert_rejected(
        "cause_of_concern_discharged_has_date",
        lambda: factories.CauseOfConcernFactory(
            report=report_a, status=CauseOfConcern.Status.DISCHARGED
        ),
    )


def test_user_role_must_match_organisation(force_a):
    assert_rejected(
        "user_role_matches_organisation",
        lambda: User.objects.create(username="x", role=User.Role.OPCC_STAFF, force=force_a),
    )


def test_assurance_needs_rationale(office_a, force_a):
    assert_rejected(
        "review_performance_assurance_needs_rationale",
        lambda: DeepDiveReview.objects.create(
            office=office_a,
            force=force_a,
            theme="Missing children",
            held_on=datetime.date(2026, 1, 1),
            performance_assurance="assured",
        ),
    )


def test_not_effective_sample_needs_reason(action_a, opcc_staff, office_a, force_a):
    review = factories.DeepDiveReviewFactory(office=office_a, force=force_a)
    assert_rejected(
        "sample_not_effective_needs_reason",
        lambda: ActionSample.objects.create(
            review=review, action=action_a, verdict="not_effective", recorded_by=opcc_staff
        ),
    )


def test_done_follow_up_needs_date(opcc_staff, office_a, force_a):
    review = factories.DeepDiveReviewFactory(office=office_a, force=force_a)
    assert_rejected(
        "follow_up_done_has_date",
        lambda: FollowUp.objects.create(
            review=review,
            owner=opcc_staff,
            description="x",
            due_on=datetime.date(2026, 1, 1),
            status="done",
        ),
    )


def test_investment_amount_positive(office_a, force_a):
    assert_rejected(
        "investment_amount_positive",
        lambda: Investment.objects.create(
            office=office_a,
            force=force_a,
            title="x",
            purpose="y",
            amount=0,
            awarded_on=datetime.date(2026, 1, 1),
        ),
    )
