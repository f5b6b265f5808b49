"""The review list, review detail and investment list run a fixed number of queries,
whatever the number of reviews, lines, follow-ups, files and samples."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from oversight.shared.uploads import check_upload
from recommendations.models import Action, Rag
from reviews.models import ActionSample, Assurance
from reviews.services import review_evidence_add
from reviews.views import PAGE_SIZE
from tests import factories
from tests.reviews.conftest import pdf_upload


def add_reviews(office, force, report, area, count: int) -> None:
    for n in range(count):
        review = factories.DeepDiveReviewFactory(
            office=office,
            force=force,
            report=report,
            theme=f"Theme {n}",
            held_on=datetime.date(2026, 1, 1) + datetime.timedelta(days=n),
            plans_assurance=Assurance.ASSURED,
            plans_rationale="Good plans.",
        )
        review.priority_areas.add(area)
        factories.LineOfEnquiryFactory(review=review, position=1)


def fill_review(review, *, owner, staff, plan, recommendation, count: int) -> None:
    """`count` lines, follow-ups, evidence files and sampled closed actions."""
    for n in range(count):
        factories.LineOfEnquiryFactory(review=review, position=n + 10)
        factories.FollowUpFactory(review=review, owner=owner, recommendation=recommendation)
        review_evidence_add(review=review, by=staff, upload=check_upload(pdf_upload(f"{n}.pdf")))
        action = factories.ActionFactory(
            plan=plan,
            status=Action.Status.CLOSED,
            rag=Rag.COMPLETE,
            completion_proposed_by=owner,
            completion_proposed_at=timezone.now(),
            signed_off_by=staff,
            signed_off_at=timezone.now(),
        )
        ActionSample.objects.create(
            review=review, action=action, verdict="effective", recorded_by=staff
        )


@pytest.mark.parametrize("count", [2, 30])
def test_review_list_queries_do_not_grow_with_reviews(
    client, django_assert_num_queries, opcc_staff, office_a, force_a, report_a, area_a, count
):
    add_reviews(office_a, force_a, report_a, area_a, count)
    client.force_login(opcc_staff)
    # 1 session, 2 user (with organisation and the navigation's unread notifications), 3
    # paginator count, 4 page of reviews (force, report, line and open follow-up counts),
    # 5 their priority areas.
    with django_assert_num_queries(5):
        response = client.get(reverse("reviews:review_list"))
    assert response.content.count(b"Assured") == min(count, PAGE_SIZE)


@pytest.mark.parametrize("count", [2, 30])
def test_review_detail_queries_do_not_grow_with_rows(
    client,
    django_assert_num_queries,
    opcc_staff,
    police_lead_a,
    plan_a,
    recommendation_a,
    review_a,
    count,
):
    fill_review(
        review_a,
        owner=police_lead_a,
        staff=opcc_staff,
        plan=plan_a,
        recommendation=recommendation_a,
        count=count,
    )
    client.force_login(opcc_staff)
    # 1 session, 2 user (with organisation and unread notifications), 3 the review (force,
    # report), 4 priority areas, 5 lines of enquiry, 6 evidence files (uploader), 7
    # follow-ups (owner, recommendation), 8 samples (action, recorder).
    with django_assert_num_queries(8):
        response = client.get(review_a.get_absolute_url())
    assert response.content.count(b"Bring the data back to the panel.") == count


@pytest.mark.parametrize("count", [2, 30])
def test_investment_list_queries_do_not_grow_with_investments(
    client, django_assert_num_queries, opcc_staff, office_a, force_a, recommendation_a, count
):
    for n in range(count):
        investment = factories.InvestmentFactory(office=office_a, force=force_a, title=f"I{n}")
        investment.recommendations.add(recommendation_a)
    client.force_login(opcc_staff)
    # 1 session, 2 user (with organisation and unread notifications), 3 paginator count,
    # 4 totals, 5 page of investments (force, recommendation count).
    with django_assert_num_queries(5):
        client.get(reverse("reviews:investment_list"))
