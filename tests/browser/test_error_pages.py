"""In real Chromium: the pages a person meets when something is refused (404, 405) and the
sign-out address opened from the address bar; and a paste longer than the limit, which
the box used to cut short without a word."""

import pytest
from django.urls import reverse

from tests.browser.axe import STRUCTURE, axe_violations, describe
from tests.browser.conftest import screenshot
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, live_server, user) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def _no_violations(page) -> None:
    violations = axe_violations(page, also=STRUCTURE)
    assert not violations, describe(violations)


def test_404_page_says_what_happened_and_leads_home(axe_page, live_server, opcc_staff):
    _sign_in(axe_page, live_server, opcc_staff)
    response = axe_page.goto(f"{live_server.url}/reports/999999/")
    assert response.status == 404
    assert axe_page.get_by_role("heading", level=1).inner_text() == "Page not found"
    assert axe_page.get_by_role("navigation", name="Main").is_visible()
    _no_violations(axe_page)
    screenshot(axe_page, "error-404")
    axe_page.get_by_role("link", name="Go to your home page").click()
    axe_page.wait_for_url(f"{live_server.url}{reverse('recommendations:dashboard')}")


def test_a_buttons_address_opened_as_a_page_explains_itself(
    axe_page, live_server, opcc_staff, recommendation_a
):
    _sign_in(axe_page, live_server, opcc_staff)
    move = reverse("recommendations:recommendation_transition", args=[recommendation_a.pk])
    response = axe_page.goto(f"{live_server.url}{move}")
    assert response.status == 405
    assert response.headers["allow"] == "POST"
    assert axe_page.get_by_role("heading", level=1).inner_text() == (
        "This address cannot be used that way"
    )
    _no_violations(axe_page)


def test_opening_the_sign_out_address_asks_then_signs_out(axe_page, live_server, opcc_staff):
    _sign_in(axe_page, live_server, opcc_staff)
    response = axe_page.goto(f"{live_server.url}{reverse('logout')}")
    assert response.status == 200
    assert axe_page.get_by_role("heading", level=1).inner_text() == "Sign out?"
    _no_violations(axe_page)
    screenshot(axe_page, "logout-confirm")
    axe_page.locator("main").get_by_role("button", name="Sign out").click()
    axe_page.wait_for_url(f"{live_server.url}{reverse('login')}")
    axe_page.goto(f"{live_server.url}{reverse('home')}")
    assert axe_page.url.startswith(f"{live_server.url}{reverse('login')}")


def test_a_paste_over_the_limit_is_refused_whole(page, live_server, opcc_staff, report_a):
    _sign_in(page, live_server, opcc_staff)
    page.goto(
        f"{live_server.url}{reverse('recommendations:recommendation_paste', args=[report_a.pk])}"
    )
    wording = "Within three months, the force should review its records. " * 17
    text = "\n".join(f"{n}. {wording.strip()}" for n in range(1, 121))
    assert len(text) > 100_000
    page.get_by_label("Paste the recommendations").fill(text)
    assert len(page.get_by_label("Paste the recommendations").input_value()) == len(text)
    with page.expect_response(lambda response: response.request.method == "POST") as answer:
        page.get_by_role("button", name="Read the recommendations").click()
    assert answer.value.status == 400
    summary = page.locator(".error-summary").inner_text()
    assert f"The pasted text has {len(text):,} characters" in summary
    assert "Split it: paste the first part" in summary
    beside_the_box = page.locator("strong", has_text="at most 100,000 can be read at a time")
    assert beside_the_box.is_visible()
