"""A Welsh speaker in a real browser: switches to Cymraeg on the sign-in page, signs in
with the Welsh form, works in Welsh, finds Welsh again in a new browser (kept on the
account), and switches back to English."""

import pytest

from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_welsh_speaker_switches_signs_in_and_is_remembered(
    browser, live_server, opcc_staff, report_a
):
    from tests.factories import PASSWORD

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    assert page.locator("html").get_attribute("lang") == "en-GB"
    page.get_by_role("button", name="Cymraeg").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "cy"
    assert page.get_by_role("heading", level=1).inner_text() == "Mewngofnodi"
    page.get_by_label("Enw defnyddiwr").fill(opcc_staff.username)
    page.get_by_label("Cyfrinair").fill(PASSWORD)
    page.get_by_role("button", name="Mewngofnodi", exact=True).click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Dangosfwrdd"
    # Every link of the bar fits in it: nothing runs off the side of the page.
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    screenshot(page, "dashboard-welsh")
    context.close()

    # A new browser, signed in: the account remembered Welsh.
    opcc_staff.refresh_from_db()
    assert opcc_staff.language == "cy"
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(opcc_staff.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Dangosfwrdd"

    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Dashboard"
    assert page.locator("html").get_attribute("lang") == "en-GB"
    context.close()
    opcc_staff.refresh_from_db()
    assert opcc_staff.language == "en-gb"
