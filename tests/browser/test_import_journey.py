"""An OPCC officer re-imports a report's recommendations from the spreadsheet template:
download it, change one row's wording and HMICFRS status, upload it, see only that row in
the preview, confirm, and find the change on the recommendation's page."""

import datetime
import io
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import expect

from recommendations.models import Recommendation
from tests import factories
from tests.browser.axe import STRUCTURE, axe_violations, describe
from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_WORDING = "Within three months, the force should track every CSE investigation to its end."


@pytest.fixture
def report(force_a):
    report = factories.InspectionReportFactory(
        force=force_a,
        title="National child protection inspection: Force A Police",
        published_on=datetime.date(2026, 9, 1),
    )
    for number, text in enumerate(
        [
            "Immediately, the force should identify every child sexual exploitation case.",
            "Within three months, the force should track CSE investigations.",
            "Within six months, the force should train all frontline staff.",
        ],
        start=1,
    ):
        factories.RecommendationFactory(
            report=report,
            reference=f"R{number}",
            publisher_reference=f"NCPI 2026 R{number}",
            text=text,
            position=number,
        )
    return report


def _edit_template(path) -> bytes:
    workbook = openpyxl.load_workbook(io.BytesIO(Path(path).read_bytes()))
    sheet = workbook["Recommendations"]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[1].value == "R2")
    row[3].value = NEW_WORDING
    row[5].value = "Being progressed"
    row[6].value = datetime.date.today() - datetime.timedelta(days=1)
    row[7].value = "Tracking process in place; HMICFRS to revisit."
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _upload(page, data: bytes) -> None:
    page.get_by_label("The spreadsheet").set_input_files(
        {
            "name": "recommendations.xlsx",
            "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "buffer": data,
        }
    )
    page.get_by_role("button", name="Check the file").click()
    page.wait_for_load_state()


def test_opcc_officer_reimports_a_changed_template(page, login, live_server, opcc_staff, report):
    login(page, opcc_staff)
    page.goto(f"{live_server.url}{report.get_absolute_url()}")
    with page.expect_download() as download:
        page.get_by_role("link", name="Spreadsheet template").click()
    data = _edit_template(download.value.path())

    page.get_by_role("link", name="Import a spreadsheet").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Import recommendations from a spreadsheet"
    )
    _upload(page, data)
    expect(page.get_by_role("heading", level=1)).to_have_text("Check the import before saving")
    changed = page.locator(".import-change")
    expect(changed).to_have_count(1)
    expect(changed.get_by_role("heading")).to_have_text("Line 3 · R2")
    expect(changed.locator("tbody th")).to_have_text(["Text", "HMICFRS status"])
    expect(page.get_by_text("2 rows match the report as it stands")).to_be_visible()
    screenshot(page, "import-preview")
    assert Recommendation.objects.get(reference="R2").text != NEW_WORDING

    page.get_by_role("button", name="Save 1 changed").click()
    expect(page.get_by_text("Imported “recommendations.xlsx”: 1 changed (R2).")).to_be_visible()
    page.locator("#section-recommendations").get_by_role("link", name="R2", exact=True).click()
    expect(page.locator("blockquote.rec-quote")).to_have_text(NEW_WORDING)
    expect(page.get_by_text("NCPI 2026 R2")).to_be_visible()
    expect(page.get_by_text("Being progressed").first).to_be_visible()
    r1 = Recommendation.objects.get(reference="R1")
    assert r1.history.count() == 1  # created, never touched by the import


def test_import_pages_have_no_wcag_violations(axe_page, login, live_server, opcc_staff, report):
    page = axe_page
    login(page, opcc_staff)
    import_url = f"{live_server.url}/reports/{report.pk}/recommendations/import/"
    page.goto(import_url)
    screenshot(page, "import-upload")
    violations = axe_violations(page, also=STRUCTURE)
    assert not violations, describe(violations)

    template = page.request.get(
        f"{live_server.url}/reports/{report.pk}/recommendations/template.xlsx"
    )
    workbook = openpyxl.load_workbook(io.BytesIO(template.body()))
    sheet = workbook["Recommendations"]
    sheet["D2"] = "Changed wording."
    sheet["F3"] = "done"  # a bad row: the errors are shown too
    sheet.append(["NCPI 2026 R4", "R4", "", "A new one.", ""])
    out = io.BytesIO()
    workbook.save(out)
    _upload(page, out.getvalue())
    expect(page.get_by_text("Line 3: HMICFRS status “done” is not one of:")).to_be_visible()
    screenshot(page, "import-preview-bad-row")
    violations = axe_violations(page, also=STRUCTURE)
    assert not violations, describe(violations)
