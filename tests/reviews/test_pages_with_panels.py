"""The reviews panels as they appear on the recommendations app's pages."""

from django.urls import reverse


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
