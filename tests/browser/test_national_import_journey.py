"""An OPCC officer whose office oversees two forces enters a national thematic report,
applies it to both forces, imports its recommendations from the XLSX template, then
re-imports a changed file and sees only the changed row change, in both forces."""

import datetime
import io
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import expect

from oversight.models import NationalReport, User
from recommendations.models import Recommendation
from tests import factories
from tests.browser.axe import STRUCTURE, axe_violations, describe
from tests.browser.conftest import screenshot
from tests.conftest import _persona

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROWS = [
    ("VAWG 2026 R1", "R1", "Chief constables should make tackling VAWG a priority.", ""),
    ("VAWG 2026 R2", "R2", "Chief constables should review how they triage stalking reports.", ""),
    (
        "VAWG 2026 R3",
        "R3",
        "The College of Policing should publish guidance.",
        "College of Policing",
    ),
]
NEW_WORDING = "By June 2027, chief constables should review how they triage stalking reports."


@pytest.fixture
def officer(db):
    north = factories.ForceFactory(name="Northshire Police")
    south = factories.ForceFactory(name="Southshire Constabulary")
    office = factories.OfficeFactory(name="OPCC for the Shires", forces=[north, south])
    return _persona("shires_officer", User.Role.OPCC_STAFF, office=office)


def _filled(path, rows) -> bytes:
    workbook = openpyxl.load_workbook(io.BytesIO(Path(path).read_bytes()))
    sheet = workbook["Recommendations"]
    header = [cell.value for cell in sheet[1]]
    for publisher_id, reference, text, addressed in rows:
        values = {
            "Publisher ID": publisher_id,
            "Reference": reference,
            "Text": text,
            "Addressed to": addressed,
        }
        sheet.append([values.get(column, "") for column in header])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _changed(path) -> bytes:
    workbook = openpyxl.load_workbook(io.BytesIO(Path(path).read_bytes()))
    sheet = workbook["Recommendations"]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[1].value == "R2")
    row[3].value = NEW_WORDING
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _upload(page, data: bytes) -> None:
    page.get_by_label("The spreadsheet").set_input_files(
        {
            "name": "thematic.xlsx",
            "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "buffer": data,
        }
    )
    page.get_by_role("button", name="Check the file").click()
    page.wait_for_load_state()


def _download_template(page):
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the template (.xlsx)").click()
    return download.value.path()


def test_thematic_report_for_two_forces_imported_then_reimported(page, login, live_server, officer):
    login(page, officer)
    page.goto(f"{live_server.url}/reports/")
    page.get_by_role("link", name="National and thematic reports").click()
    page.get_by_role("link", name="Enter a national report").click()
    page.get_by_label("Title").fill("Violence against women and girls: a thematic inspection")
    page.get_by_label("Source").select_option("hmicfrs")
    page.get_by_label("Programme").select_option("thematic")
    page.get_by_label("Date published").fill("2026-09-15")
    page.get_by_role("button", name="Enter the report").click()
    expect(page.get_by_text("National report entered.")).to_be_visible()

    page.get_by_label("Northshire Police").check()
    page.get_by_label("Southshire Constabulary").check()
    page.get_by_role("button", name="Apply to the forces ticked").click()
    expect(
        page.get_by_text("Applied to Northshire Police, Southshire Constabulary")
    ).to_be_visible()

    page.get_by_role("link", name="Import a spreadsheet").click()
    data = _filled(_download_template(page), ROWS)
    _upload(page, data)
    expect(page.get_by_role("heading", level=1)).to_have_text("Check the import before saving")
    expect(page.locator(".import-new-table tbody tr")).to_have_count(3)
    expect(page.locator(".import-new-table")).to_contain_text("College of Policing")
    page.get_by_role("button", name="Save 3 new").click()
    expect(page.get_by_text("Imported “thematic.xlsx”: 3 added (R1, R2, R3).")).to_be_visible()

    national = NationalReport.objects.get()
    responses = Recommendation.objects.filter(national_recommendation__national_report=national)
    assert responses.count() == 6
    assert set(responses.filter(reference="R3").values_list("status", flat=True)) == {
        "for_information"
    }
    screenshot(page, "national-report")

    # Each force's progress side by side.
    page.locator("table.national-recs").get_by_role("link", name="R1", exact=True).click()
    expect(page.locator("table.side-by-side tbody tr")).to_have_count(2)
    expect(page.locator("table.side-by-side tbody")).to_contain_text("Northshire Police")
    expect(page.locator("table.side-by-side tbody")).to_contain_text("Southshire Constabulary")
    screenshot(page, "national-side-by-side")

    # Re-import with one row changed: only that row changes, in both forces.
    histories = {r.pk: r.history.count() for r in responses}
    page.goto(f"{live_server.url}{national.get_absolute_url()}")
    page.get_by_role("link", name="Import a spreadsheet").click()
    _upload(page, _changed(_download_template(page)))
    changed = page.locator(".import-change")
    expect(changed).to_have_count(1)
    expect(changed.get_by_role("heading")).to_have_text("Line 3 · R2")
    expect(page.get_by_text("2 rows match the report as it stands")).to_be_visible()
    screenshot(page, "national-reimport-preview")
    page.get_by_role("button", name="Save 1 changed").click()
    expect(page.get_by_text("Imported “thematic.xlsx”: 1 changed (R2).")).to_be_visible()
    for response in Recommendation.objects.filter(
        national_recommendation__national_report=national
    ):
        changed_now = response.reference == "R2"
        assert response.history.count() == histories[response.pk] + changed_now, response
        assert (response.text == NEW_WORDING) is changed_now

    # The force's own copy says where its wording is held.
    north_copy = national.force_reports.get(force__name="Northshire Police")
    page.goto(f"{live_server.url}{north_copy.get_absolute_url()}")
    expect(page.get_by_text("own response to a national report")).to_be_visible()
    assert datetime.date(2026, 9, 15) + datetime.timedelta(days=56) == north_copy.section_55_due_on


def test_national_pages_have_no_wcag_violations(axe_page, login, live_server, officer):
    from recommendations.services_national import (
        Addressees,
        national_recommendation_save,
        national_report_apply,
        national_report_create,
    )

    national = national_report_create(
        by=officer,
        fields={
            "title": "Stalking: a national thematic inspection",
            "source": "hmicfrs",
            "programme": "thematic",
            "published_on": datetime.date(2026, 9, 1),
        },
    )
    rec = national_recommendation_save(
        national_report=national,
        by=officer,
        fields={"reference": "R1", "text": "Chief constables should appoint a stalking lead."},
        addressees=Addressees("all", bodies=("npcc",)),
    )
    national_report_apply(
        national_report=national, forces=list(officer.office.forces.all()), by=officer
    )
    page = axe_page
    login(page, officer)
    for path, name in (
        ("/national-reports/", "national-list"),
        (national.get_absolute_url(), "national-detail"),
        (rec.get_absolute_url(), "national-rec"),
        (f"/national-recommendations/{rec.pk}/edit/", "national-rec-form"),
        (f"/national-reports/{national.pk}/recommendations/import/", "national-import"),
    ):
        page.goto(f"{live_server.url}{path}")
        screenshot(page, name)
        violations = axe_violations(page, also=STRUCTURE)
        assert not violations, (path, describe(violations))
    page.set_viewport_size({"width": 390, "height": 844})
    for path, name in (
        (national.get_absolute_url(), "national-detail-phone"),
        (rec.get_absolute_url(), "national-rec-phone"),
    ):
        page.goto(f"{live_server.url}{path}")
        screenshot(page, name)
