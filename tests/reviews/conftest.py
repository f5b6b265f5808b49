"""A deep dive in each office, with follow-ups, evidence, a closed action and an investment.

Office A's review (review_a) is about report_a and one of its priority areas (area_a,
which recommendation_a serves). Police lead A owns follow_up_a; the partner lead owns
partner_follow_up_a. Office B has its own review and investment.
"""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from oversight.shared.uploads import check_upload
from recommendations.models import Action, Rag
from reviews.models import Assurance
from reviews.services import review_evidence_add
from tests import factories

PDF_BYTES = factories.tiny_pdf("Minutes")


def pdf_upload(name: str = "minutes.pdf", content: bytes = PDF_BYTES) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Personas get real passwords; hashing them slowly is most of these tests' run time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def area_a(report_a, recommendation_a):
    area = factories.PriorityAreaFactory(report=report_a, title="Children who go missing")
    recommendation_a.priority_areas.add(area)
    return area


@pytest.fixture
def review_a(office_a, force_a, report_a, area_a):
    review = factories.DeepDiveReviewFactory(
        office=office_a,
        force=force_a,
        report=report_a,
        theme="Child protection",
        held_on=datetime.date(2026, 10, 1),
        performance_assurance=Assurance.PARTLY_ASSURED,
        performance_rationale="Response to missing children is inconsistent.",
        plans_assurance=Assurance.ASSURED,
        plans_rationale="Credible, resourced plans.",
        revisit_on=datetime.date(2027, 1, 15),
    )
    review.priority_areas.add(area_a)
    factories.LineOfEnquiryFactory(review=review, position=1, question="How do you know?")
    return review


@pytest.fixture
def review_b(office_b, force_b, report_b):
    return factories.DeepDiveReviewFactory(
        office=office_b, force=force_b, report=report_b, theme="Custody"
    )


@pytest.fixture
def follow_up_a(review_a, police_lead_a, recommendation_a):
    return factories.FollowUpFactory(
        review=review_a,
        owner=police_lead_a,
        recommendation=recommendation_a,
        description="Bring the missing-children data to the panel.",
        due_on=datetime.date(2026, 12, 20),
    )


@pytest.fixture
def partner_follow_up_a(review_a, partner_lead):
    return factories.FollowUpFactory(
        review=review_a,
        owner=partner_lead,
        description="Share the return-home interview figures.",
        due_on=datetime.date(2026, 12, 10),
    )


@pytest.fixture
def follow_up_b(review_b, police_lead_b):
    return factories.FollowUpFactory(review=review_b, owner=police_lead_b)


@pytest.fixture
def evidence_a(review_a, opcc_staff):
    return review_evidence_add(
        review=review_a, by=opcc_staff, upload=check_upload(pdf_upload()), title="Minutes"
    )


@pytest.fixture
def closed_action_a(plan_a, recommendation_a, police_lead_a, opcc_staff):
    """A police action, delivered and signed off by the OPCC."""
    return factories.ActionFactory(
        plan=plan_a,
        reference="A9",
        delivery_lead=police_lead_a,
        recommendations=[recommendation_a],
        status=Action.Status.CLOSED,
        rag=Rag.COMPLETE,
        next_update_due=None,
        completion_evidence="Delivered.",
        completion_proposed_by=police_lead_a,
        completion_proposed_at=timezone.now(),
        signed_off_by=opcc_staff,
        signed_off_at=timezone.now(),
    )


@pytest.fixture
def investment_a(office_a, force_a, recommendation_a):
    investment = factories.InvestmentFactory(
        office=office_a, force=force_a, title="Missing children analyst", amount="25000.00"
    )
    investment.recommendations.add(recommendation_a)
    return investment


@pytest.fixture
def investment_b(office_b, force_b, recommendation_b):
    investment = factories.InvestmentFactory(
        office=office_b, force=force_b, title="Custody diversion", amount="9000.00"
    )
    investment.recommendations.add(recommendation_b)
    return investment
