import pytest
from playwright.sync_api import expect

from tests.browser.axe import axe_violations, describe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_login_page_has_no_wcag_violations(axe_page, live_server):
    axe_page.goto(f"{live_server.url}/accounts/login/")
    violations = axe_violations(axe_page)
    assert violations == [], describe(violations)


def test_login_error_is_announced(axe_page, live_server, opcc_staff):
    axe_page.goto(f"{live_server.url}/accounts/login/")
    axe_page.get_by_label("Username").fill(opcc_staff.username)
    axe_page.get_by_label("Password").fill("wrong")
    axe_page.get_by_role("button", name="Sign in").click()
    expect(axe_page.get_by_role("alert")).to_be_visible()
    assert axe_violations(axe_page) == []


def test_axe_finds_a_real_violation(axe_page):
    """Guard: the checker itself works (an image without alt text and no lang fail)."""
    axe_page.set_content("<html><body><main><img src='x.png'></main></body></html>")
    ids = {v["id"] for v in axe_violations(axe_page)}
    assert {"image-alt", "html-has-lang"} <= ids
