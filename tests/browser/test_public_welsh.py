"""The public site in Welsh, in a real browser: a report's page at /cy/public/... reads in
Welsh, passes axe, and its switch goes to the English twin and back."""

import pytest
from django.conf import settings
from django.utils import translation

from letters import services_public
from letters.public_snapshot import live_snapshot
from tests import factories
from tests.browser.axe import axe_violations, describe
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _english_afterwards():
    yield
    translation.activate(settings.LANGUAGE_CODE)


def test_a_welsh_report_page_switches_to_english_and_back(
    axe_page, live_server, opcc_staff, report_a
):
    office = opcc_staff.office
    factories.RecommendationFactory(report=report_a, reference="R1", position=1)
    factories.RecommendationFactory(report=report_a, reference="AFI1", position=2, kind="afi")
    summaries = dict.fromkeys(
        report_a.recommendations.values_list("pk", flat=True),
        "Mae’r heddlu wedi penodi tîm newydd; adolygir pob achos bob mis.",
    )
    services_public.report_publish(
        office=office,
        report=report_a,
        by=opcc_staff,
        summaries=summaries,
        expected_digest=live_snapshot(office=office, report=report_a).digest,
    )
    english = f"/public/{office.slug}/reports/{report_a.pk}/"
    page = axe_page
    page.goto(f"{live_server.url}/cy{english}")
    assert page.locator("html").get_attribute("lang") == "cy"
    assert page.get_by_role("heading", name="Argymhellion a chynnydd").is_visible()
    assert page.get_by_text("Mae’r heddlu wedi penodi tîm newydd").first.is_visible()
    screenshot(page, "public-report-welsh-1280")
    violations = axe_violations(page)
    assert not violations, describe(violations)

    page.get_by_role("link", name="English", exact=True).click()
    page.wait_for_load_state()
    assert page.url == f"{live_server.url}{english}"
    assert page.locator("html").get_attribute("lang") == "en-GB"
    assert page.get_by_role("heading", name="Recommendations and progress").is_visible()

    page.get_by_role("link", name="Cymraeg", exact=True).click()
    page.wait_for_load_state()
    assert page.url == f"{live_server.url}/cy{english}"
