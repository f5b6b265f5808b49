"""Single sign-on as a person does it: real Chromium clicks "Sign in with ..." on the site
(live_server), signs in on the provider's own page and comes back."""

import pytest
from allauth.socialaccount.models import SocialAccount

from oversight.models import User
from tests.accounts.identity_provider import IDENTITIES, PROVIDER_NAME, PROVIDER_PASSWORD
from tests.browser.axe import STRUCTURE, axe_violations, describe
from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in_through_provider(page, live_server, identity: str, *, screenshot_as: str = ""):
    page.goto(f"{live_server.url}/accounts/login/")
    if screenshot_as:
        screenshot(page, screenshot_as)
    # A POST form whose answer redirects to the provider: the site's CSP form-action must
    # name the provider, or Chromium stops here.
    page.get_by_role("button", name=f"Sign in with {PROVIDER_NAME}").click()
    page.get_by_label("E-mail address").fill(IDENTITIES[identity]["email"])
    page.get_by_label("Password").fill(PROVIDER_PASSWORD)
    page.get_by_role("button", name="Sign in at the provider").click()
    page.wait_for_url(f"{live_server.url}/**")
    page.wait_for_load_state()


def test_known_person_signs_in_to_their_own_account(
    page, live_server, single_sign_on, police_lead_a
):
    sign_in_through_provider(page, live_server, "lead_a", screenshot_as="sso-sign-in-page")

    assert page.get_by_role("heading", level=1).inner_text() == "My actions"
    assert str(police_lead_a) in page.get_by_role("navigation", name="Main").inner_text()
    assert SocialAccount.objects.get().user == police_lead_a


def test_unknown_address_is_told_to_ask_for_an_invitation(
    browser, live_server, single_sign_on, police_lead_a
):
    # A context that lets axe-core in despite the site's CSP.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    violations = axe_violations(page, also=STRUCTURE)
    assert not violations, f"sign-in page with single sign-on:\n{describe(violations)}"
    sign_in_through_provider(page, live_server, "stranger")
    violations = axe_violations(page, also=STRUCTURE)
    assert not violations, f"no-account page:\n{describe(violations)}"

    screenshot(page, "sso-no-account")
    heading = page.get_by_role("heading", level=1).inner_text()
    assert heading == "You do not have an account here yet"
    assert "Ask your office administrator for an invitation" in page.inner_text("main")
    assert page.get_by_role("link", name="OPCC oversight").is_visible()  # the site's layout
    assert User.objects.count() == 2  # police_lead_a and their manager, nobody new
    page.goto(f"{live_server.url}/")
    assert page.url.startswith(f"{live_server.url}/accounts/login/")
    context.close()
