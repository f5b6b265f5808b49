"""Text typed into an inline form on the report page is not lost when the session has
ended before it is sent: the browser goes to sign in, comes back, and the same form opens
with what was typed, to check and save."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_what_was_typed_comes_back_after_signing_in_again(
    page, login, live_server, opcc_staff, report_a
):
    login(page, opcc_staff)
    report_url = f"{live_server.url}{report_a.get_absolute_url()}"
    page.goto(report_url)
    page.get_by_role("link", name="Add priority area").click()
    form = page.locator("#form-slot-areas form")
    form.get_by_label("Title").fill("Children who go missing from home")
    page.context.clear_cookies(name="sessionid")  # the session times out
    form.get_by_role("button", name="Save").click()

    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    page.get_by_label("Username").fill(opcc_staff.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(report_url)
    assert page.locator("#section-areas article").count() == 0  # nothing half-saved

    page.get_by_role("link", name="Add priority area").click()
    form = page.locator("#form-slot-areas form")
    expect(form.get_by_role("status")).to_have_text(
        "What you typed before your session ended is back. Check it, then save."
    )
    expect(form.get_by_label("Title")).to_have_value("Children who go missing from home")
    screenshot(page, "unsent-inline-form-back")
    form.get_by_role("button", name="Save").click()
    page.locator("#section-areas").get_by_role(
        "heading", name="Children who go missing from home"
    ).wait_for()

    # Kept once: the next form opens empty.
    page.get_by_role("link", name="Add priority area").click()
    form = page.locator("#form-slot-areas form")
    expect(form.get_by_label("Title")).to_have_value("")
    expect(form.get_by_role("status")).to_have_count(0)
