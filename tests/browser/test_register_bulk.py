"""Bulk update in the browser: OPCC staff tick rows of the register (the keyboard reaches
"select all"), record HMICFRS's status for them with one note, check the change and
confirm it, and land back on the register with the same filters."""

import datetime

import pytest
from playwright.sync_api import expect

from recommendations.models import InspectorateStatusChange
from tests import factories
from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_select_rows_and_record_an_hmicfrs_status(
    page, login, live_server, opcc_staff, report_a
):
    rows = [
        factories.RecommendationFactory(report=report_a, reference=f"R{i}", position=i)
        for i in (1, 2, 3)
    ]
    login(page, opcc_staff)
    page.goto(f"{live_server.url}/recommendations/?sort=reference")
    page.get_by_label("Select R1 (Child protection in force A)").check()
    # The first tick opens the panel above the table and loads its fields, moving the rows
    # down: the second waits for that, as a person does, rather than clicking where R2 was.
    expect(page.locator("[data-bulk-count]")).to_have_text("(1 selected)")
    expect(page.locator("[data-bulk-panel]").get_by_label("HMICFRS status")).to_be_visible()
    page.get_by_label("Select R2 (Child protection in force A)").check()
    expect(page.locator("[data-bulk-count]")).to_have_text("(2 selected)")
    expect(page.get_by_label("Select all 3 on this page")).to_have_js_property(
        "indeterminate", True
    )

    panel = page.locator("[data-bulk-panel]")
    panel.get_by_label("HMICFRS status").check()
    expect(panel.get_by_label("New OPCC status")).to_be_hidden()  # only this change's fields
    panel.get_by_label("New status with HMICFRS").select_option(label="Being progressed")
    panel.get_by_label("Date of HMICFRS's change").fill("2026-10-01")
    panel.get_by_label("Note").fill("HMICFRS revisited in October.")
    screenshot(page, "register-bulk-selected")
    panel.get_by_role("button", name="Check the change").click()

    expect(
        page.get_by_role("heading", name="Check the change to 2 recommendations")
    ).to_be_visible()
    expect(
        page.get_by_text("HMICFRS: awaiting review → being progressed on 1 October 2026")
    ).to_have_count(2)
    screenshot(page, "register-bulk-check")
    page.get_by_role("button", name="Apply to 2 recommendations").click()

    expect(page.get_by_text("2 recommendations updated.")).to_be_visible()
    assert page.url.endswith("/recommendations/?sort=reference")
    changed = InspectorateStatusChange.objects.filter(recommendation__in=rows)
    assert sorted(c.recommendation.reference for c in changed) == ["R1", "R2"]
    assert {c.changed_on for c in changed} == {datetime.date(2026, 10, 1)}


def test_select_all_is_reached_and_ticked_with_the_keyboard(
    page, login, live_server, opcc_staff, report_a
):
    for i in (1, 2):
        factories.RecommendationFactory(report=report_a, reference=f"R{i}")
    login(page, opcc_staff)
    page.goto(f"{live_server.url}/recommendations/")
    select_all = page.get_by_label("Select all 2 on this page")
    select_all.focus()
    page.keyboard.press("Space")
    expect(page.get_by_label("Select R1 (Child protection in force A)")).to_be_checked()
    expect(page.get_by_label("Select R2 (Child protection in force A)")).to_be_checked()
    expect(page.locator("[data-bulk-panel]")).to_have_attribute("open", "")


def test_opening_the_panel_after_the_session_ended_signs_in_again_and_comes_back(
    page, login, live_server, opcc_staff, report_a
):
    from tests.factories import PASSWORD

    factories.RecommendationFactory(report=report_a, reference="R1")
    login(page, opcc_staff)
    page.goto(f"{live_server.url}/recommendations/?sort=reference")
    page.context.clear_cookies()  # the session ends (timed out, or signed out in another tab)
    page.get_by_text("Change several at once").click()

    # The whole page goes to the sign-in form; it is not drawn inside the panel.
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    assert "/accounts/login/" in page.url
    expect(page.locator("[data-bulk-panel]")).to_have_count(0)
    page.get_by_label("Username").fill(opcc_staff.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_label("Select R1 (Child protection in force A)")).to_be_visible()
    assert page.url == f"{live_server.url}/recommendations/?sort=reference"


def test_the_next_page_shows_only_the_chosen_changes_fields(
    page, login, live_server, opcc_staff, plan_owner_a, report_a
):
    factories.RecommendationFactory(report=report_a, reference="R1")
    login(page, opcc_staff)
    page.goto(f"{live_server.url}/recommendations/")
    page.get_by_label("Select R1 (Child protection in force A)").check()
    panel = page.locator("[data-bulk-panel]")
    expect(panel.get_by_label("Note")).to_be_visible()
    expect(panel.get_by_label("New OPCC status")).to_be_hidden()  # nothing chosen yet
    panel.get_by_label("Owner of the open actions").check()
    panel.get_by_label("Note").fill("The new head of public protection owns these.")
    panel.get_by_role("button", name="Check the change").click()

    # The owner is chosen on the next page: its field is there, not every other change's.
    expect(page.get_by_text("Choose who will own the open actions")).to_be_visible()
    owner = page.get_by_label("New owner of their open actions")
    expect(owner).to_be_visible()
    expect(page.get_by_label("New OPCC status")).to_be_hidden()
    expect(page.get_by_label("New status with HMICFRS")).to_be_hidden()
    expect(page.get_by_label("Note")).to_have_value("The new head of public protection owns these.")
    screenshot(page, "register-bulk-next-page-owner")
    # Choosing another change there shows its fields instead.
    page.get_by_label("OPCC status", exact=True).check()
    expect(page.get_by_label("New OPCC status")).to_be_visible()
    expect(owner).to_be_hidden()
