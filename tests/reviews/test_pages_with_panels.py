"""The reviews panels as they appear on the recommendations app's pages."""

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories


def test_recommendation_page_shows_follow_ups_and_investments(
    client, opcc_staff, recommendation_a, follow_up_a, investment_a
):
    client.force_login(opcc_staff)
    response = client.get(
        reverse("recommendations:recommendation_detail", args=[recommendation_a.pk])
    )
    content = response.content.decode()
    assert follow_up_a.description in content
    assert "Missing children analyst" in content


def _reviews_tables_read(client, recommendation) -> list[str]:
    """The reviews app's tables the recommendation page reads rows of."""
    url = reverse("recommendations:recommendation_detail", args=[recommendation.pk])
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return [
        found.group(1)
        for q in captured
        if (found := re.match(r'SELECT \(?"(reviews_\w+)"', q["sql"]))
    ]


def test_recommendation_page_reads_follow_ups_and_investments_only_where_there_are_any(
    client, opcc_staff, recommendation_a, review_a, police_lead_a, office_a, force_a
):
    client.force_login(opcc_staff)
    assert _reviews_tables_read(client, recommendation_a) == []
    follow_up = factories.FollowUpFactory(
        review=review_a, owner=police_lead_a, recommendation=recommendation_a
    )
    assert _reviews_tables_read(client, recommendation_a) == [
        "reviews_followup",
        "reviews_investment",
        "reviews_deepdivereview",  # which reviews the user may open
    ]
    follow_up.delete()
    investment = factories.InvestmentFactory(office=office_a, force=force_a, title="Analyst")
    investment.recommendations.add(recommendation_a)
    assert _reviews_tables_read(client, recommendation_a) == [
        "reviews_followup",
        "reviews_investment",
    ]
    content = client.get(
        reverse("recommendations:recommendation_detail", args=[recommendation_a.pk])
    ).content.decode()
    assert "Analyst" in content


def test_my_actions_shows_the_owners_follow_ups(client, police_lead_a, follow_up_a):
    client.force_login(police_lead_a)
    response = client.get(reverse("recommendations:my_actions"))
    content = response.content.decode()
    assert follow_up_a.description in content
    assert reverse("reviews:follow_up_update", args=[follow_up_a.pk]) in content


def test_my_actions_shows_a_partner_their_follow_ups(client, partner_lead, partner_follow_up_a):
    client.force_login(partner_lead)
    content = client.get(reverse("recommendations:my_actions")).content.decode()
    assert partner_follow_up_a.description in content
    assert partner_follow_up_a.review.get_absolute_url() not in content


def test_report_page_shows_assurance_and_funding(
    client, opcc_staff, report_a, review_a, investment_a
):
    client.force_login(opcc_staff)
    content = client.get(
        reverse("recommendations:report_detail", args=[report_a.pk])
    ).content.decode()
    assert "Latest assurance by priority area" in content
    assert "Response to missing children is inconsistent." in content
    assert "£25,000.00" in content


def test_dashboard_shows_latest_assurance(client, opcc_staff, review_a, area_a):
    client.force_login(opcc_staff)
    content = client.get(reverse("recommendations:dashboard")).content.decode()
    assert "Latest deep-dive assurance" in content
    assert area_a.title in content
