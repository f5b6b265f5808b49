"""The panels the reviews app adds to other apps' pages (oversight.shared.panels)."""

import datetime
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from oversight.shared import panels
from reviews.models import Assurance
from reviews.panels import dashboard_panel, my_actions_panel, recommendation_panel, report_panel
from tests import factories


def render_panel(template: str, context: dict) -> str:
    return render_to_string(template, {"panel": context})


# --- Registration ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("page", "template"),
    [
        ("recommendation_detail", "reviews/_panel_recommendation.html"),
        ("report_detail", "reviews/_panel_report.html"),
        ("dashboard", "reviews/_panel_dashboard.html"),
        ("my_actions", "reviews/_panel_my_actions.html"),
    ],
)
def test_panels_are_registered_for_each_page(page, template):
    assert template in [panel.template for panel in panels._registry[page]]


# --- Recommendation page ---------------------------------------------------------------


def test_recommendation_panel_lists_follow_ups_and_investments(
    opcc_staff, recommendation_a, follow_up_a, investment_a
):
    context = recommendation_panel(user=opcc_staff, obj=recommendation_a)
    assert [row["follow_up"] for row in context["follow_ups"]] == [follow_up_a]
    assert context["investments"] == [investment_a]
    assert context["investment_total"] == Decimal("25000.00")
    html = render_panel("reviews/_panel_recommendation.html", context)
    assert follow_up_a.description in html
    assert str(follow_up_a.owner) in html
    assert "20 Dec 2026" in html
    assert "£25,000.00" in html and "Missing children analyst" in html


def test_recommendation_panel_is_none_with_nothing_to_show(opcc_staff, recommendation_a):
    assert recommendation_panel(user=opcc_staff, obj=recommendation_a) is None


def test_recommendation_panel_for_a_partner_shows_their_follow_up_only(
    partner_lead, recommendation_a, follow_up_a, partner_follow_up_a, investment_a
):
    partner_follow_up_a.recommendation = recommendation_a
    partner_follow_up_a.save()
    context = recommendation_panel(user=partner_lead, obj=recommendation_a)
    [row] = context["follow_ups"]
    assert row["follow_up"] == partner_follow_up_a
    assert (row["review_visible"], row["can_update"]) == (False, True)
    assert context["investments"] == []
    html = render_panel("reviews/_panel_recommendation.html", context)
    assert partner_follow_up_a.review.get_absolute_url() not in html
    assert reverse("reviews:follow_up_update", args=[partner_follow_up_a.pk]) in html


def test_recommendation_panel_offers_update_to_the_owner_only(
    police_lead_a, police_lead_a2, recommendation_a, follow_up_a
):
    [owner_row] = recommendation_panel(user=police_lead_a, obj=recommendation_a)["follow_ups"]
    [other_row] = recommendation_panel(user=police_lead_a2, obj=recommendation_a)["follow_ups"]
    assert (owner_row["can_update"], other_row["can_update"]) == (True, False)


# --- Report page -----------------------------------------------------------------------


def test_report_panel_shows_reviews_assurance_and_funding(
    opcc_staff, report_a, area_a, review_a, investment_a
):
    context = report_panel(user=opcc_staff, obj=report_a)
    assert context["reviews"] == [review_a]
    [assurance] = context["assurance"]
    assert (assurance.area, assurance.review) == (area_a, review_a)
    [funding] = context["funding"]
    assert (funding.area, funding.total) == (area_a, Decimal("25000.00"))
    assert context["funding_total"] == Decimal("25000.00")
    html = render_panel("reviews/_panel_report.html", context)
    assert "Partly assured" in html and "Assured" in html
    assert "Response to missing children is inconsistent." in html
    assert "£25,000.00" in html


def test_report_panel_is_none_with_nothing_to_show(opcc_staff, report_a):
    assert report_panel(user=opcc_staff, obj=report_a) is None


def test_report_panel_is_scoped_to_the_office(opcc_staff_b, report_a, review_a, investment_a):
    assert report_panel(user=opcc_staff_b, obj=report_a) is None


# --- Dashboard -------------------------------------------------------------------------


def test_dashboard_panel_shows_latest_assurance_per_area(opcc_staff, area_a, review_a):
    context = dashboard_panel(user=opcc_staff, obj=None)
    assert [(row.area, row.review) for row in context["assurance"]] == [(area_a, review_a)]
    html = render_panel("reviews/_panel_dashboard.html", context)
    assert area_a.title in html and "Partly assured" in html


def test_dashboard_panel_rows_escape_what_they_show_and_word_a_missing_judgement(
    opcc_staff, area_a, review_a
):
    area_a.title = "Missing <i>children</i>"
    area_a.save()
    review_a.theme = "Child <b>protection</b> & care"
    review_a.plans_assurance = review_a.plans_rationale = ""
    review_a.save()
    html = render_panel("reviews/_panel_dashboard.html", dashboard_panel(user=opcc_staff, obj=None))
    assert "<tr><td>Missing &lt;i&gt;children&lt;/i&gt;<div" in html
    theme = "Child &lt;b&gt;protection&lt;/b&gt; &amp; care"
    assert f'<a href="{review_a.get_absolute_url()}">{theme}</a>' in html
    assert '<span class="assurance assurance-partly_assured">Partly assured</span>' in html
    assert '<span class="assurance assurance-none">Not judged</span>' in html
    assert "1 Oct 2026" in html
    assert "<i>" not in html and "<b>" not in html


@pytest.mark.parametrize("persona", ["partner_lead", "police_lead_b", "opcc_staff_b"])
def test_dashboard_panel_is_none_for_those_who_cannot_see_the_review(request, persona, review_a):
    assert dashboard_panel(user=request.getfixturevalue(persona), obj=None) is None


# --- My actions ------------------------------------------------------------------------


def test_my_actions_panel_lists_open_follow_ups_due_first(police_lead_a, review_a, follow_up_a):
    sooner = factories.FollowUpFactory(
        review=review_a, owner=police_lead_a, due_on=datetime.date(2026, 11, 1)
    )
    factories.FollowUpFactory(
        review=review_a,
        owner=police_lead_a,
        status="done",
        completed_on=datetime.date(2026, 10, 30),
    )
    context = my_actions_panel(user=police_lead_a, obj=None)
    assert [row["follow_up"] for row in context["follow_ups"]] == [sooner, follow_up_a]
    html = render_panel("reviews/_panel_my_actions.html", context)
    assert reverse("reviews:follow_up_update", args=[follow_up_a.pk]) in html


def test_my_actions_panel_is_none_without_follow_ups(police_lead_a2, follow_up_a):
    assert my_actions_panel(user=police_lead_a2, obj=None) is None


def test_my_actions_panel_for_a_partner_does_not_link_the_review(partner_lead, partner_follow_up_a):
    context = my_actions_panel(user=partner_lead, obj=None)
    html = render_panel("reviews/_panel_my_actions.html", context)
    assert partner_follow_up_a.description in html
    assert partner_follow_up_a.review.get_absolute_url() not in html


# --- Queries ---------------------------------------------------------------------------


def add_rows(*, office, force, report, area, recommendation, owner, count: int) -> None:
    for n in range(count):
        review = factories.DeepDiveReviewFactory(
            office=office,
            force=force,
            report=report,
            held_on=datetime.date(2026, 1, 1) + datetime.timedelta(days=n),
            performance_assurance=Assurance.ASSURED,
            performance_rationale="Fine.",
        )
        review.priority_areas.add(area, factories.PriorityAreaFactory(report=report))
        factories.FollowUpFactory(review=review, owner=owner, recommendation=recommendation)
        investment = factories.InvestmentFactory(office=office, force=force)
        investment.recommendations.add(recommendation)


@pytest.mark.parametrize("count", [2, 20])
def test_panel_queries_do_not_grow_with_rows(
    django_assert_num_queries,
    opcc_staff,
    police_lead_a,
    office_a,
    force_a,
    report_a,
    area_a,
    recommendation_a,
    count,
):
    add_rows(
        office=office_a,
        force=force_a,
        report=report_a,
        area=area_a,
        recommendation=recommendation_a,
        owner=police_lead_a,
        count=count,
    )
    # 1 follow-ups (owner, review), 2 investments, 3 reviews the user may open.
    with django_assert_num_queries(3):
        recommendation_panel(user=opcc_staff, obj=recommendation_a)
    # 1 the report's priority areas (the report page has them prefetched), 2 reviews on
    # the report or covering its areas, a row per (review, area), 3 (investment, area)
    # pairs with their investments.
    with django_assert_num_queries(3):
        report_panel(user=opcc_staff, obj=report_a)
    # 1 (review, area) links of judged reviews, newest review per area (with the review
    # and the area's report).
    with django_assert_num_queries(1):
        dashboard_panel(user=opcc_staff, obj=None)
    # 1 open follow-ups (review, recommendation), 2 reviews the user may open.
    with django_assert_num_queries(2):
        my_actions_panel(user=police_lead_a, obj=None)
