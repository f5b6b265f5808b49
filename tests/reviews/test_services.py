import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage

from oversight.shared.concurrency import StaleEditError, version_of
from oversight.shared.uploads import check_upload
from recommendations.models import Action, Rag, Recommendation
from reviews.models import (
    ActionSample,
    Assurance,
    DeepDiveReview,
    FollowUp,
    Investment,
    LineOfEnquiry,
)
from reviews.services import (
    InvestmentDetails,
    LineText,
    ReviewDetails,
    action_sample_record,
    follow_up_create,
    follow_up_edit,
    follow_up_update_status,
    investment_create,
    investment_update,
    line_of_enquiry_add,
    review_create,
    review_evidence_add,
    review_update,
)
from tests import factories
from tests.reviews.conftest import pdf_upload

TODAY = datetime.date(2026, 11, 20)


def details(force, report=None, **overrides) -> ReviewDetails:
    values = {
        "theme": "Child protection",
        "held_on": datetime.date(2026, 10, 1),
        "force": force,
        "report": report,
    }
    values.update(overrides)
    return ReviewDetails(**values)


# --- Reviews ---------------------------------------------------------------------------


def test_review_create_saves_lines_in_order_and_areas(opcc_staff, force_a, report_a, area_a):
    review = review_create(
        by=opcc_staff,
        details=details(
            force_a,
            report_a,
            priority_areas=[area_a],
            performance_assurance=Assurance.PARTLY_ASSURED,
            performance_rationale="Inconsistent between areas.",
        ),
        lines=[LineText("First?"), LineText(""), LineText("Second?", "Heard this.")],
    )
    assert review.office == opcc_staff.office
    assert list(review.priority_areas.all()) == [area_a]
    lines = list(review.lines_of_enquiry.order_by("position").values_list("position", "question"))
    assert lines == [(1, "First?"), (2, "Second?")]


def test_review_create_records_who_made_it(opcc_staff, force_a):
    review = review_create(by=opcc_staff, details=details(force_a))
    assert review.history.get().history_user == opcc_staff


@pytest.mark.parametrize("kind", ["performance", "plans"])
def test_review_create_refuses_an_assurance_without_rationale(opcc_staff, force_a, kind):
    with pytest.raises(ValidationError) as error:
        review_create(
            by=opcc_staff,
            details=details(force_a, **{f"{kind}_assurance": Assurance.ASSURED}),
            lines=[LineText("Question?")],
        )
    assert "rationale is required" in error.value.message_dict[f"{kind}_rationale"][0]
    assert not DeepDiveReview.objects.exists()
    assert not LineOfEnquiry.objects.exists()


def test_review_create_refuses_a_priority_area_of_another_report(opcc_staff, force_a, report_a):
    other_area = factories.PriorityAreaFactory(
        report=factories.InspectionReportFactory(force=force_a)
    )
    with pytest.raises(ValidationError) as error:
        review_create(
            by=opcc_staff, details=details(force_a, report_a, priority_areas=[other_area])
        )
    assert "priority_areas" in error.value.message_dict
    assert not DeepDiveReview.objects.exists()


def test_review_create_refuses_a_force_the_office_does_not_oversee(opcc_staff, force_b):
    with pytest.raises(ValidationError) as error:
        review_create(by=opcc_staff, details=details(force_b))
    assert "force" in error.value.message_dict


def test_review_create_refuses_a_report_about_another_force(opcc_staff, force_a, force_b):
    office = opcc_staff.office
    office.forces.add(force_b)
    report = factories.InspectionReportFactory(force=force_b)
    with pytest.raises(ValidationError) as error:
        review_create(by=opcc_staff, details=details(force_a, report))
    assert "not Force A Police" in error.value.message_dict["report"][0]


def test_review_create_refuses_a_revisit_before_the_review(opcc_staff, force_a):
    with pytest.raises(ValidationError) as error:
        review_create(by=opcc_staff, details=details(force_a, revisit_on=datetime.date(2026, 9, 1)))
    assert "revisit_on" in error.value.message_dict


@pytest.mark.parametrize("persona", ["read_only", "police_lead_a", "partner_lead"])
def test_review_create_refuses_anyone_but_opcc_staff(request, persona, force_a):
    user = request.getfixturevalue(persona)
    with pytest.raises(PermissionDenied):
        review_create(by=user, details=details(force_a))


def test_review_update_changes_the_review(opcc_staff, review_a, force_a, report_a):
    review_update(
        review=review_a,
        by=opcc_staff,
        details=details(force_a, report_a, theme="Missing children", status="closed"),
        expected_version=version_of(review_a),
    )
    review_a.refresh_from_db()
    assert (review_a.theme, review_a.status) == ("Missing children", "closed")
    assert review_a.performance_assurance == ""
    assert not review_a.priority_areas.exists()


def test_review_update_refuses_a_stale_form(opcc_staff, review_a, force_a):
    stale = version_of(review_a)
    DeepDiveReview.objects.filter(pk=review_a.pk).update(
        updated_at=review_a.updated_at + datetime.timedelta(seconds=5)
    )
    with pytest.raises(StaleEditError):
        review_update(
            review=review_a,
            by=opcc_staff,
            details=details(force_a, theme="Changed"),
            expected_version=stale,
        )
    assert DeepDiveReview.objects.get(pk=review_a.pk).theme == "Child protection"


def test_review_update_refuses_staff_of_another_office(opcc_staff_b, review_a, force_a):
    with pytest.raises(PermissionDenied):
        review_update(
            review=review_a,
            by=opcc_staff_b,
            details=details(force_a),
            expected_version=version_of(review_a),
        )


def test_line_of_enquiry_add_goes_after_the_last(opcc_staff, review_a):
    line = line_of_enquiry_add(review=review_a, by=opcc_staff, question="  And then?  ")
    assert (line.position, line.question) == (2, "And then?")


def test_line_of_enquiry_add_refuses_a_blank_question(opcc_staff, review_a):
    with pytest.raises(ValidationError):
        line_of_enquiry_add(review=review_a, by=opcc_staff, question="  ")
    assert review_a.lines_of_enquiry.count() == 1


# --- Evidence --------------------------------------------------------------------------


def test_review_evidence_add_stores_the_file_privately(opcc_staff, review_a):
    evidence = review_evidence_add(
        review=review_a, by=opcc_staff, upload=check_upload(pdf_upload("../../etc/x.pdf"))
    )
    assert default_storage.exists(evidence.file.name)
    assert evidence.file.name.startswith("reviews/")
    assert ".." not in evidence.file.name
    assert (evidence.content_type, evidence.uploaded_by) == ("application/pdf", opcc_staff)


def test_review_evidence_add_refuses_a_police_lead(police_lead_a, review_a):
    with pytest.raises(PermissionDenied):
        review_evidence_add(review=review_a, by=police_lead_a, upload=check_upload(pdf_upload()))


# --- Follow-ups ------------------------------------------------------------------------


def test_follow_up_create_links_owner_and_recommendation(
    opcc_staff, review_a, police_lead_a, recommendation_a
):
    follow_up = follow_up_create(
        review=review_a,
        by=opcc_staff,
        description="Bring the data.",
        owner=police_lead_a,
        due_on=datetime.date(2026, 12, 1),
        recommendation=recommendation_a,
    )
    assert (follow_up.owner, follow_up.recommendation, follow_up.status) == (
        police_lead_a,
        recommendation_a,
        FollowUp.Status.OPEN,
    )


def test_follow_up_create_refuses_an_owner_outside_the_office_reach(
    opcc_staff, review_a, police_lead_b
):
    with pytest.raises(ValidationError) as error:
        follow_up_create(
            review=review_a,
            by=opcc_staff,
            description="Bring the data.",
            owner=police_lead_b,
            due_on=datetime.date(2026, 12, 1),
        )
    assert "owner" in error.value.message_dict
    assert not FollowUp.objects.exists()


def test_follow_up_create_refuses_a_recommendation_of_another_report(
    opcc_staff, review_a, police_lead_a, force_a
):
    other = factories.RecommendationFactory(report=factories.InspectionReportFactory(force=force_a))
    with pytest.raises(ValidationError) as error:
        follow_up_create(
            review=review_a,
            by=opcc_staff,
            description="Bring the data.",
            owner=police_lead_a,
            due_on=datetime.date(2026, 12, 1),
            recommendation=other,
        )
    assert "recommendation" in error.value.message_dict


def test_follow_up_create_refuses_a_due_date_before_the_review(opcc_staff, review_a, police_lead_a):
    with pytest.raises(ValidationError) as error:
        follow_up_create(
            review=review_a,
            by=opcc_staff,
            description="Bring the data.",
            owner=police_lead_a,
            due_on=datetime.date(2026, 9, 1),
        )
    assert "due_on" in error.value.message_dict


@time_machine.travel(TODAY)
def test_follow_up_update_status_done_sets_completed_on(police_lead_a, follow_up_a):
    follow_up_update_status(
        follow_up=follow_up_a,
        by=police_lead_a,
        status=FollowUp.Status.DONE,
        outcome="Presented on 19 November.",
        expected_version=version_of(follow_up_a),
    )
    follow_up_a.refresh_from_db()
    assert (follow_up_a.status, follow_up_a.completed_on) == (FollowUp.Status.DONE, TODAY)
    assert follow_up_a.history.order_by("-history_id").first().history_user == police_lead_a


def test_follow_up_update_status_done_needs_an_outcome(police_lead_a, follow_up_a):
    with pytest.raises(ValidationError) as error:
        follow_up_update_status(
            follow_up=follow_up_a,
            by=police_lead_a,
            status=FollowUp.Status.DONE,
            outcome=" ",
            expected_version=version_of(follow_up_a),
        )
    assert "outcome" in error.value.message_dict
    follow_up_a.refresh_from_db()
    assert follow_up_a.status == FollowUp.Status.OPEN


def test_follow_up_update_status_reopening_clears_completed_on(police_lead_a, follow_up_a):
    FollowUp.objects.filter(pk=follow_up_a.pk).update(
        status=FollowUp.Status.DONE, completed_on=TODAY, outcome="Done."
    )
    follow_up_a.refresh_from_db()
    follow_up_update_status(
        follow_up=follow_up_a,
        by=police_lead_a,
        status=FollowUp.Status.IN_PROGRESS,
        outcome="Panel asked for more.",
        expected_version=version_of(follow_up_a),
    )
    follow_up_a.refresh_from_db()
    assert follow_up_a.completed_on is None


@pytest.mark.parametrize("persona", ["police_lead_a2", "read_only", "plan_owner_a"])
def test_follow_up_update_status_refuses_anyone_but_the_owner(request, persona, follow_up_a):
    with pytest.raises(PermissionDenied):
        follow_up_update_status(
            follow_up=follow_up_a,
            by=request.getfixturevalue(persona),
            status=FollowUp.Status.IN_PROGRESS,
            outcome="",
            expected_version=version_of(follow_up_a),
        )


def test_follow_up_edit_lets_staff_reassign(opcc_staff, follow_up_a, police_lead_a2):
    follow_up_edit(
        follow_up=follow_up_a,
        by=opcc_staff,
        expected_version=version_of(follow_up_a),
        description="Changed.",
        owner=police_lead_a2,
        due_on=datetime.date(2027, 1, 10),
        recommendation=None,
        status=FollowUp.Status.OPEN,
        outcome="",
    )
    follow_up_a.refresh_from_db()
    assert (follow_up_a.owner, follow_up_a.recommendation) == (police_lead_a2, None)


# --- Samples ---------------------------------------------------------------------------


def test_action_sample_record_effective_leaves_the_action_closed(
    opcc_staff, review_a, closed_action_a
):
    sample = action_sample_record(
        review=review_a, by=opcc_staff, action=closed_action_a, verdict="effective"
    )
    closed_action_a.refresh_from_db()
    assert sample.verdict == ActionSample.Verdict.EFFECTIVE
    assert closed_action_a.status == Action.Status.CLOSED


@time_machine.travel(TODAY)
def test_action_sample_record_not_effective_reopens_the_action(
    opcc_staff, review_a, closed_action_a
):
    action_sample_record(
        review=review_a,
        by=opcc_staff,
        action=closed_action_a,
        verdict="not_effective",
        reason="Dip-sample found cases still unallocated.",
    )
    action = Action.objects.get(pk=closed_action_a.pk)
    assert action.status == Action.Status.IN_PROGRESS
    assert action.rag == Rag.RED
    assert action.return_reason == "Dip-sample found cases still unallocated."
    assert (action.signed_off_by, action.signed_off_at) == (None, None)
    assert action.next_update_due == TODAY + datetime.timedelta(days=30)  # monthly cadence
    latest, before = action.history.order_by("-history_id")[:2]
    assert latest.history_user == opcc_staff
    assert before.status == Action.Status.CLOSED


def test_action_sample_record_not_effective_reopens_a_closed_recommendation(
    opcc_staff, police_lead_a, review_a, closed_action_a, recommendation_a
):
    Recommendation.objects.filter(pk=recommendation_a.pk).update(
        status=Recommendation.Status.CLOSED,
        closure_rationale="Delivered.",
        closure_proposed_by=police_lead_a,
        signed_off_by=opcc_staff,
    )
    action_sample_record(
        review=review_a,
        by=opcc_staff,
        action=closed_action_a,
        verdict="not_effective",
        reason="Not working.",
    )
    recommendation_a.refresh_from_db()
    assert recommendation_a.status == Recommendation.Status.IN_PROGRESS
    assert recommendation_a.signed_off_by is None


def test_action_sample_record_not_effective_needs_a_reason(opcc_staff, review_a, closed_action_a):
    with pytest.raises(ValidationError) as error:
        action_sample_record(
            review=review_a,
            by=opcc_staff,
            action=closed_action_a,
            verdict="not_effective",
            reason="  ",
        )
    assert "reason" in error.value.message_dict
    assert not ActionSample.objects.exists()
    closed_action_a.refresh_from_db()
    assert closed_action_a.status == Action.Status.CLOSED


def test_action_sample_record_refuses_an_action_that_is_not_closed(opcc_staff, review_a, action_a):
    with pytest.raises(ValidationError) as error:
        action_sample_record(review=review_a, by=opcc_staff, action=action_a, verdict="effective")
    assert "action" in error.value.message_dict


def test_action_sample_record_refuses_the_same_action_twice(opcc_staff, review_a, closed_action_a):
    action_sample_record(
        review=review_a, by=opcc_staff, action=closed_action_a, verdict="effective"
    )
    with pytest.raises(ValidationError):
        action_sample_record(
            review=review_a, by=opcc_staff, action=closed_action_a, verdict="effective"
        )
    assert ActionSample.objects.count() == 1


def test_action_sample_record_refuses_a_police_lead(police_lead_a, review_a, closed_action_a):
    with pytest.raises(PermissionDenied):
        action_sample_record(
            review=review_a, by=police_lead_a, action=closed_action_a, verdict="effective"
        )


# --- Investments -----------------------------------------------------------------------


def investment_details(force, **overrides) -> InvestmentDetails:
    values = {
        "title": "Analyst",
        "purpose": "Share intelligence.",
        "amount": Decimal("48000"),
        "awarded_on": datetime.date(2026, 7, 1),
        "force": force,
    }
    values.update(overrides)
    return InvestmentDetails(**values)


def test_investment_create_links_recommendations(opcc_staff, force_a, recommendation_a):
    investment = investment_create(
        by=opcc_staff,
        details=investment_details(force_a, recommendations=[recommendation_a]),
    )
    assert investment.office == opcc_staff.office
    assert list(investment.recommendations.all()) == [recommendation_a]


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("-5")])
def test_investment_create_refuses_an_amount_not_above_zero(opcc_staff, force_a, amount):
    with pytest.raises(ValidationError) as error:
        investment_create(by=opcc_staff, details=investment_details(force_a, amount=amount))
    assert "greater than zero" in error.value.message_dict["amount"][0]
    assert not Investment.objects.exists()


def test_investment_create_refuses_a_recommendation_of_another_force(
    opcc_staff, force_a, recommendation_b
):
    with pytest.raises(ValidationError) as error:
        investment_create(
            by=opcc_staff,
            details=investment_details(force_a, recommendations=[recommendation_b]),
        )
    assert "recommendations" in error.value.message_dict


def test_investment_update_refuses_a_stale_form(opcc_staff, investment_a, force_a):
    stale = version_of(investment_a)
    Investment.objects.filter(pk=investment_a.pk).update(
        updated_at=investment_a.updated_at + datetime.timedelta(seconds=5)
    )
    with pytest.raises(StaleEditError):
        investment_update(
            investment=investment_a,
            by=opcc_staff,
            details=investment_details(force_a),
            expected_version=stale,
        )


def test_investment_update_refuses_read_only(read_only, investment_a, force_a):
    with pytest.raises(PermissionDenied):
        investment_update(
            investment=investment_a,
            by=read_only,
            details=investment_details(force_a),
            expected_version=version_of(investment_a),
        )
