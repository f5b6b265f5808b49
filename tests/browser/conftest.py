"""Helpers for the browser journeys against pytest-django's live_server; the `browser` and
`page` fixtures (real Chromium) are in tests/conftest.py, for journeys in other folders too.
"""

import os
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.browser.axe import axe_context

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def login(live_server):
    """Sign in through the real login form: login(page, user)."""
    from tests.factories import PASSWORD

    def sign_in(page, user):
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
        return page

    return sign_in


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot under test-artifacts/ for a person to look at.

    Headless Chromium now and then answers "Unable to capture screenshot" when the
    capture meets a frame still being drawn; the picture is for a person, not a check,
    so it is taken once more after the next frame rather than failing the journey.
    """
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    try:
        page.screenshot(path=str(path), full_page=True)
    except PlaywrightError as error:
        if "Unable to capture screenshot" not in str(error):
            raise
        page.wait_for_load_state()
        page.evaluate("() => new Promise(requestAnimationFrame)")
        page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def axe_page(browser):
    """A page whose context may inject axe-core despite the site's CSP."""
    with axe_context(browser) as page:
        yield page
