"""The register's filters in the browser: choosing a report lists its priority areas at
once, without submitting the form."""

import pytest
from playwright.sync_api import expect

from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_choosing_a_report_lists_its_priority_areas_without_submitting(
    page, login, live_server, opcc_staff, report_a
):
    factories.PriorityAreaFactory(report=report_a, title="Missing children", position=1)
    factories.PriorityAreaFactory(report=report_a, title="Children in detention", position=2)
    other = factories.InspectionReportFactory(force=report_a.force, title="PEEL 2026")
    factories.PriorityAreaFactory(report=other, title="Neighbourhood policing")
    login(page, opcc_staff)
    page.goto(f"{live_server.url}/recommendations/")
    register_url = page.url
    areas = page.locator("#id_priority_area option")
    expect(areas).to_have_count(1)

    page.locator("#id_report").select_option(label=str(report_a))

    expect(areas).to_have_count(3)
    expect(areas.nth(1)).to_contain_text("Missing children")
    expect(areas.nth(2)).to_contain_text("Children in detention")
    assert page.url == register_url  # nothing was submitted
