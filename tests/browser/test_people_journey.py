"""An office administrator invites a new police lead, who sets a password from the e-mailed
link; later the administrator deactivates them as a leaver. Each page passes axe."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from oversight.models import User
from tests.browser.axe import STRUCTURE, axe_violations, describe
from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "Tamar-bridge-lantern-47"


def _no_violations(page, name):
    violations = axe_violations(page, also=STRUCTURE)
    assert not violations, f"{name}:\n{describe(violations)}"
    screenshot(page, f"people-{name}")


def test_administrator_invites_a_lead_who_joins_then_leaves(
    axe_page, browser, live_server, login, opcc_staff, force_a
):
    opcc_staff.is_office_admin = True
    opcc_staff.save(update_fields=["is_office_admin"])
    page = axe_page
    login(page, opcc_staff)
    page.get_by_role("link", name="People").click()
    _no_violations(page, "list")
    page.get_by_role("link", name="Invite someone").click()
    page.get_by_label("First name").fill("Nia")
    page.get_by_label("Last name").fill("Evans")
    page.get_by_label("E-mail address").fill("nia.evans@force-a.example")
    page.get_by_label("Role").select_option(label="Police lead")
    page.get_by_label("Organisation").select_option(label="Force A Police")
    _no_violations(page, "invite")
    page.get_by_role("button", name="Send the invitation").click()
    page.get_by_text("Invitation sent to nia.evans@force-a.example").wait_for()
    assert page.get_by_role("cell", name="nia.evans@force-a.example", exact=True).is_visible()

    link = re.search(r"https?://\S+/accounts/invitation/\S+/", mail.outbox[-1].body).group(0)
    path = link[link.index("/accounts/") :]
    newcomer = browser.new_context(viewport={"width": 390, "height": 844}, bypass_csp=True)
    their_page = newcomer.new_page()
    their_page.goto(f"{live_server.url}{path}")
    their_page.get_by_role("heading", name="Welcome, Nia").wait_for()
    _no_violations(their_page, "accept")
    their_page.get_by_label("Username").fill("nia.evans")
    their_page.locator("#id_password1").fill(NEW_PASSWORD)
    their_page.get_by_label("Password again").fill(NEW_PASSWORD)
    their_page.get_by_role("button", name="Create my account").click()
    their_page.get_by_text("Welcome, Nia. Your account is ready.").wait_for()
    nia = User.objects.get(username="nia.evans")
    assert (nia.role, nia.force) == ("police_lead", force_a)

    page.goto(f"{live_server.url}/people/")
    page.get_by_role("link", name="Nia Evans").click()
    _no_violations(page, "person")
    page.get_by_label("Reason").fill("Moved to another force")
    page.get_by_role("button", name="Deactivate Nia Evans").click()
    page.get_by_text("Nia Evans can no longer sign in").wait_for()
    _no_violations(page, "leaver")

    # The newcomer's open session ends: the next page asks them to sign in.
    their_page.reload()
    assert "/accounts/login/" in their_page.url
    newcomer.close()

    page.get_by_role("link", name="All activity").click()
    # expect() waits for the activity page to arrive; is_visible() would look at once.
    for what in ("Deactivated (leaver)", "Accepted an invitation", "Invited"):
        expect(page.get_by_role("cell", name=what, exact=True).first).to_be_visible()
    _no_violations(page, "activity")
