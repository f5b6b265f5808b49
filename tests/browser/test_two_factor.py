"""Two-factor sign-in in real Chromium: a person turns it on from the user menu, reading the
key off the set-up page the way someone without a camera would, then signs out and back in
with a code their "app" (tests.totp) computes. axe-core checks every two-factor page and
the password pages around them, with and without errors showing."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.axe import STRUCTURE, axe_violations, describe
from tests.browser.conftest import screenshot
from tests.factories import PASSWORD
from tests.test_templates_csp import csp_offences
from tests.totp import totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _key_on_the_page(page) -> str:
    return re.sub(r"\s", "", page.locator("#totp-secret").inner_text())


def _turn_on(page) -> str:
    """From the two-factor page: confirm the password, read the key, type the code."""
    page.get_by_role("link", name="Set up two-factor sign-in").click()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    page.get_by_role("heading", name="Set up two-factor sign-in").wait_for()
    secret = _key_on_the_page(page)
    page.get_by_label("Six-digit code from the app").fill(totp_code(secret))
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    page.get_by_role("heading", name="Your recovery codes").wait_for()
    return secret


def test_person_turns_on_two_factor_and_signs_in_with_a_code(
    page, live_server, login, opcc_staff, report_a
):
    login(page, opcc_staff)
    page.get_by_role("button", name=str(opcc_staff)).click()
    page.get_by_role("link", name="Two-factor sign-in").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Two-factor sign-in"
    screenshot(page, "two-factor-off")

    page.get_by_role("link", name="Set up two-factor sign-in").click()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("img", name=re.compile("QR code"))).to_be_visible()
    screenshot(page, "two-factor-set-up")
    secret = _key_on_the_page(page)
    assert len(secret) == 32
    page.get_by_label("Six-digit code from the app").fill(totp_code(secret))
    page.get_by_role("button", name="Turn on two-factor sign-in").click()

    assert page.get_by_role("heading", level=1).inner_text() == "Your recovery codes"
    assert "Two-factor sign-in is on" in page.get_by_role("status").first.inner_text()
    codes = page.get_by_role("list", name="Unused recovery codes").get_by_role("listitem")
    assert codes.count() == 10
    screenshot(page, "two-factor-recovery-codes")

    page.get_by_role("button", name=str(opcc_staff)).click()
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("heading", name="Sign in").wait_for()

    login(page, opcc_staff)
    assert page.get_by_role("heading", level=1).inner_text() == "Enter your sign-in code"
    screenshot(page, "two-factor-sign-in-code")
    page.get_by_label("Code from your authenticator app").fill(totp_code(secret))
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Dashboard"


def test_wrong_sign_in_code_says_what_to_do(page, live_server, login, opcc_staff):
    login(page, opcc_staff)
    page.goto(f"{live_server.url}{reverse('mfa_index')}")
    secret = _turn_on(page)
    page.context.clear_cookies()
    login(page, opcc_staff)
    wrong = "000000" if totp_code(secret) != "000000" else "111111"
    page.get_by_label("Code from your authenticator app").fill(wrong)
    page.get_by_role("button", name="Sign in").click()
    summary = page.locator(".error-summary")
    assert summary.evaluate("(element) => element === document.activeElement")
    assert "That code did not work" in summary.inner_text()
    assert page.get_by_role("heading", level=1).inner_text() == "Enter your sign-in code"


def _send(page, button: str) -> None:
    """Press a form's button and wait for the page the server answers with, so that what
    is checked next is that page, not the one being left (axe injected into a page mid-
    navigation finds no document to add its script to)."""
    with page.expect_navigation():
        page.get_by_role("button", name=button).click()


def _problems(page, base_url, path=None) -> list[str]:
    if path is not None:
        response = page.goto(f"{base_url}{path}")
        offences = csp_offences(response.text())
        if response.status != 200:
            return [f"{path}: answered {response.status}"]
    else:
        path, offences = page.url.removeprefix(base_url) + " (after sending)", []
    violations = axe_violations(page, also=STRUCTURE)
    found = [f"{path}: {offence}" for offence in offences]
    return found + ([f"{path}:\n{describe(violations)}"] if violations else [])


def test_two_factor_and_password_pages_have_no_wcag_violations(
    axe_page, live_server, login, opcc_staff
):
    base = live_server.url
    page = axe_page
    login(page, opcc_staff)
    problems = _problems(page, base, reverse("mfa_index"))
    problems += _problems(page, base, reverse("account_change_password"))

    problems += _problems(page, base, reverse("mfa_activate_totp"))  # confirm the password
    page.get_by_label("Password").fill("wrong")
    _send(page, "Confirm")
    problems += _problems(page, base)
    page.get_by_label("Password").fill(PASSWORD)
    _send(page, "Confirm")
    page.get_by_role("heading", name="Set up two-factor sign-in").wait_for()
    problems += _problems(page, base)
    secret = _key_on_the_page(page)
    page.get_by_label("Six-digit code from the app").fill("12")
    _send(page, "Turn on two-factor sign-in")
    problems += _problems(page, base)
    page.get_by_label("Six-digit code from the app").fill(totp_code(secret))
    _send(page, "Turn on two-factor sign-in")
    page.get_by_role("heading", name="Your recovery codes").wait_for()
    problems += _problems(page, base)

    for name in [
        "mfa_index",
        "mfa_generate_recovery_codes",
        "mfa_deactivate_totp",
        "mfa_reauthenticate",
        "account_reauthenticate",
    ]:
        problems += _problems(page, base, reverse(name))

    page.context.clear_cookies()
    for name in ["account_reset_password", "account_reset_password_done"]:
        problems += _problems(page, base, reverse(name))
    problems += _problems(page, base, "/accounts/password/reset/key/1-set-password/")
    login(page, opcc_staff)
    problems += _problems(page, base)
    page.get_by_label("Code from your authenticator app").fill("12")
    _send(page, "Sign in")
    problems += _problems(page, base)
    assert problems == [], "\n\n".join(problems)
