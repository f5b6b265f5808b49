"""The dashboard's trends and the register "as at" a past day, in the browser, with
screenshots to look at (test-artifacts/)."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from recommendations.models import Rag, Recommendation
from tests import factories
from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _on(day: datetime.date):
    return time_machine.travel(datetime.datetime(day.year, day.month, day.day, 12, 0), tick=False)


@pytest.fixture
def a_year(force_a, police_lead_a):
    """A year of recommendations from three sources, some closed, some overdue, some with
    a target date moved, recorded on the days they happened."""
    today = timezone.localdate()
    year_ago = today - datetime.timedelta(days=365)
    with _on(year_ago):
        hmicfrs = factories.InspectionReportFactory(
            force=force_a, title="Child protection", published_on=year_ago
        )
        iopc = factories.InspectionReportFactory(
            force=force_a, title="IOPC learning", source="iopc", programme="", published_on=year_ago
        )
        audit = factories.InspectionReportFactory(
            force=force_a,
            title="Internal audit: evidence handling",
            source="internal_audit",
            programme="",
            published_on=year_ago,
        )
        plan = factories.ActionPlanFactory(report=hmicfrs)
    made = []
    for i in range(14):
        report = (hmicfrs, iopc, audit)[i % 3]
        with _on(year_ago + datetime.timedelta(days=20 + 24 * i)):
            recommendation = factories.RecommendationFactory(
                report=report,
                reference=f"R{i + 1}",
                position=i + 1,
                due_on=year_ago + datetime.timedelta(days=120 + 20 * i),
            )
            if report == hmicfrs:
                factories.ActionFactory(
                    plan=plan,
                    delivery_lead=police_lead_a,
                    rag=(Rag.RED, Rag.AMBER, Rag.GREEN)[i % 3],
                    target_date=year_ago + datetime.timedelta(days=100 + 20 * i),
                    recommendations=[recommendation],
                )
            made.append(recommendation)
    for i, recommendation in enumerate(made[:8]):
        if i % 2:
            continue
        with _on(year_ago + datetime.timedelta(days=200 + 15 * i)):
            recommendation.status = Recommendation.Status.NO_ACTION
            recommendation.status_reason = "Overtaken by the national programme."
            recommendation.save()
    return {"year_ago": year_ago}


def test_dashboard_trends_chart_and_table(page, login, live_server, opcc_staff, a_year):
    login(page, opcc_staff)
    page.goto(live_server.url + reverse("recommendations:dashboard"))
    trends = page.locator("section[aria-labelledby=trends-heading]")
    expect(trends.get_by_role("img")).to_have_count(2)
    expect(trends.locator("table tbody tr")).to_have_count(4)  # the last four quarters
    trends.scroll_into_view_if_needed()
    screenshot(page, "dashboard-trends")
    trends.screenshot(path="test-artifacts/dashboard-trends-section.png")

    # On a phone each quarter's figures stack under it, each with its column's name shown
    # before it, and nothing is wider than the screen.
    page.set_viewport_size({"width": 390, "height": 844})
    table = trends.locator("table")
    assert table.bounding_box()["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    added = table.locator("tbody tr").first.locator("td").nth(1)
    label = added.evaluate("cell => getComputedStyle(cell, '::before').content")
    assert label == '"Added: "', label
    first, second = (table.locator("tbody tr").first.locator("td").nth(i) for i in (0, 1))
    assert second.bounding_box()["y"] > first.bounding_box()["y"]  # one under the other
    trends.screenshot(path="test-artifacts/dashboard-trends-section-phone.png")


def test_register_as_at_a_past_day(page, login, live_server, opcc_staff, a_year):
    day = a_year["year_ago"] + datetime.timedelta(days=180)
    login(page, opcc_staff)
    page.goto(live_server.url + reverse("recommendations:register"))
    page.get_by_label("As at").fill(day.isoformat())
    page.get_by_role("button", name="Filter").click()
    page.wait_for_load_state()
    expect(page.get_by_role("status").first).to_contain_text(
        f"Register as it stood at the end of {day.day} {day:%B %Y}"
    )
    screenshot(page, "register-as-at")
    page.get_by_label("As at").fill((timezone.localdate() + datetime.timedelta(days=3)).isoformat())
    page.get_by_role("button", name="Filter").click()
    page.wait_for_load_state()
    expect(page.get_by_text("cannot be shown as at a day still to come").first).to_be_visible()
    screenshot(page, "register-as-at-refused")
