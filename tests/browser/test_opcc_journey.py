"""OPCC staff do their job in the browser: log a report, group it into priority areas,
paste its recommendations, move one on, and find it on the dashboard and in the register,
whose CSV export holds exactly what the filter shows."""

import csv
import io
import re

import pytest
from playwright.sync_api import expect

from recommendations.models import Recommendation
from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASTED = """Recommendations

1. Immediately, the force should ensure that every child who goes missing repeatedly is
reassessed for risk after each episode.

2. Within three months, the force should put in place a process to track child sexual
exploitation investigations.

3. Within six months, the force should provide vulnerability training for all frontline
officers and staff."""


def test_opcc_staff_log_a_report_and_follow_a_recommendation(
    page, login, live_server, opcc_staff, force_a
):
    login(page, opcc_staff)
    assert page.get_by_role("heading", level=1).inner_text() == "Dashboard"

    # Log the report.
    page.get_by_role("link", name="Reports", exact=True).click()
    page.get_by_role("link", name="Log a new report").click()
    page.locator("#id_title").fill("National child protection inspection: Force A Police")
    page.locator("#id_force").select_option(label="Force A Police")
    page.locator("#id_programme").select_option(value="child_protection")
    page.locator("#id_published_on").fill("2026-09-01")
    page.get_by_role("button", name="Log report").click()
    heading = page.get_by_role("heading", level=1)
    assert heading.inner_text() == "National child protection inspection: Force A Police"
    # The page's scripts run once it has loaded: a click before then follows the link to
    # the form's own page (the no-JavaScript way) instead of opening it inline.
    page.wait_for_load_state("load")

    # Two priority areas, added inline (htmx) without leaving the page.
    report_url = page.url
    for title in ("Children who go missing from home", "Consistency of CSE investigations"):
        page.get_by_role("link", name="Add priority area").click()
        form = page.locator("#form-slot-areas form")
        form.get_by_label("Title").fill(title)
        form.get_by_role("button", name="Save").click()
        page.locator("#section-areas").get_by_role("heading", name=re.compile(title)).wait_for()
    assert page.url == report_url
    assert page.locator("#section-areas article").count() == 2

    # Paste three numbered recommendations, check how they were read, then save them.
    page.get_by_role("link", name="Paste several").click()
    page.get_by_label("Paste the recommendations").fill(PASTED)
    page.get_by_label("Children who go missing from home").check()
    page.get_by_role("button", name="Read the recommendations").click()
    assert page.get_by_role("heading", level=1).inner_text() == (
        "Check 3 recommendations before saving"
    )
    assert page.locator("#id_timescale_1").input_value() == "3_months"
    page.locator("input[name=areas_2]").nth(1).check()  # R3 also in the second area
    page.get_by_role("button", name="Save these 3 recommendations").click()
    expect(page.get_by_text("3 recommendations added: R1, R2, R3.")).to_be_visible()
    table = page.locator("#section-recommendations table")
    assert table.locator("tbody tr").count() == 3

    # Move R2 to in progress from its page.
    table.get_by_role("link", name="R2", exact=True).click()
    page.get_by_role("button", name="Mark in progress").click()
    expect(page.get_by_text("R2 is now in progress.")).to_be_visible()
    assert Recommendation.objects.get(reference="R2").status == "in_progress"

    # The dashboard counts it under its priority area.
    page.get_by_role("link", name="Dashboard").click()
    page.wait_for_url("**/dashboard/")
    # One chart by priority area at a time: RAG first, status behind its switch.
    charts = page.locator("section[aria-labelledby=charts-heading]")
    charts.get_by_role("link", name="Status", exact=True).click()
    page.wait_for_url("**/dashboard/?by=status")
    chart = page.locator("figure.chart").first
    expect(
        chart.locator("svg[aria-label='Children who go missing from home: 2 open, 1 in progress']")
    ).to_have_count(1)
    screenshot(page, "opcc-journey-dashboard")

    # The register filtered to "in progress" shows it alone...
    page.get_by_role("link", name="Recommendations", exact=True).click()
    # exact: "HMICFRS status" is a filter of its own.
    page.get_by_label("Status", exact=True).select_option(label="In progress")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**status=in_progress**")
    rows = page.locator("table.register-table tbody tr")
    expect(rows).to_have_count(1)
    assert rows.first.get_by_role("link", name="R2", exact=True).is_visible()

    # ...and its CSV export holds exactly that row.
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("as CSV")).click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    with open(download.path(), encoding="utf-8-sig") as exported:
        exported_rows = list(csv.DictReader(io.StringIO(exported.read())))
    assert [(r["Reference"], r["Status"], r["Report"]) for r in exported_rows] == [
        ("R2", "In progress", "National child protection inspection: Force A Police")
    ]
    assert exported_rows[0]["Timescale"] == "Within three months"
    screenshot(page, "opcc-journey-register")
