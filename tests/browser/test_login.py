import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_opcc_staff_signs_in_and_lands_on_the_dashboard(page, login, opcc_staff, report_a):
    login(page, opcc_staff)
    assert page.get_by_role("heading", level=1).inner_text() == "Dashboard"
    screenshot(page, "home-opcc")


def test_wrong_password_says_what_to_do(page, live_server, opcc_staff):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(opcc_staff.username)
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_be_visible()
    assert "case-sensitive" in page.get_by_role("alert").inner_text()
