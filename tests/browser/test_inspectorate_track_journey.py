"""OPCC staff record HMICFRS's verdict from the recommendation page and follow the
difference to the register: a coroner's report logged with the fields its source needs."""

import re

import pytest
from playwright.sync_api import expect

from oversight.models import InspectionReport
from tests import factories
from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_opcc_staff_record_hmicfrs_complete_and_find_it_by_the_saved_filter(
    page, login, live_server, opcc_staff, report_a
):
    recommendation = factories.RecommendationFactory(
        report=report_a, reference="R7", status="in_progress"
    )
    login(page, opcc_staff)
    page.goto(f"{live_server.url}{recommendation.get_absolute_url()}")

    # A date in the future is refused next to the field; nothing is logged.
    page.get_by_text("Record a change…").click()
    page.get_by_label("New status with HMICFRS").select_option(label="Complete")
    page.get_by_label("Date of the change").fill("2099-01-01")
    page.get_by_role("button", name="Record the change").click()
    expect(page.locator("#id_inspectorate_changed_on")).to_have_class(re.compile("is-invalid"))

    page.get_by_label("Date of the change").fill("2026-10-12")
    page.get_by_label("Comment").fill("Closed at the revisit.")
    page.get_by_role("button", name="Record the change").click()
    expect(page.locator(".inspectorate-log")).to_contain_text("Closed at the revisit.")
    screenshot(page, "inspectorate-track-recommendation")

    # Complete for HMICFRS, still open for the force: one saved filter away.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Recommendations").click()
    page.get_by_role("link", name="Complete for HMICFRS, still open for the force").first.click()
    expect(page.locator(".register-table")).to_contain_text("R7")


def test_opcc_staff_log_a_coroners_report_without_a_programme(
    page, login, live_server, opcc_staff, force_a
):
    login(page, opcc_staff)
    page.goto(f"{live_server.url}/reports/new/")
    page.locator("#id_title").fill("Prevention of future deaths report")
    page.locator("#id_source").select_option(value="coroner")
    # The programme is for inspections: hidden once the source is a coroner.
    expect(page.locator("#id_programme")).to_be_hidden()
    page.locator("#id_force").select_option(label=str(force_a))
    page.locator("#id_published_on").fill("2026-10-01")
    page.get_by_role("button", name="Log report").click()
    # Who issued it is needed for a coroner's report.
    expect(page.locator("#id_issued_by")).to_have_class(re.compile("is-invalid"))
    page.locator("#id_issued_by").fill("HM Senior Coroner for Plymouth")
    page.get_by_role("button", name="Log report").click()
    expect(page.get_by_text("Response to the coroner")).to_be_visible()
    report = InspectionReport.objects.get(title="Prevention of future deaths report")
    assert (report.source, report.programme) == ("coroner", "")
