"""Moving a target date, in real Chromium: the police lead asks for a new date with a
reason, OPCC staff find the request in the review queue and agree it on the action page,
and the new date (with the original struck through) is what the lead then sees."""

import datetime

import pytest
from django.utils import timezone
from django.utils.formats import date_format
from playwright.sync_api import expect

from recommendations.models import ExtensionRequest
from tests import factories
from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def opcc_page(browser):
    """A second browser, so the lead and the OPCC are signed in at the same time."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_lead_asks_for_a_new_date_and_opcc_staff_agree_it(
    page, opcc_page, login, live_server, plan_a, recommendation_a, police_lead_a, opcc_staff
):
    today = timezone.localdate()
    original = today + datetime.timedelta(days=20)
    asked_for = today + datetime.timedelta(days=80)
    action = factories.ActionFactory(
        plan=plan_a,
        reference="A1",
        description="Deliver vulnerability training to all frontline officers.",
        delivery_lead=police_lead_a,
        recommendations=[recommendation_a],
        target_date=original,
        next_update_due=today + datetime.timedelta(days=30),
    )
    action_url = live_server.url + action.get_absolute_url()

    # The lead asks on the action page, with a reason.
    login(page, police_lead_a)
    page.goto(action_url)
    page.get_by_role("link", name="Ask to move the target date").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ask to move the target date")
    page.get_by_label("New target date").fill(asked_for.isoformat())
    page.get_by_label("Why the date needs to move").fill(
        "The training provider cancelled two cohorts."
    )
    page.get_by_role("button", name="Send the request").click()
    expect(page.get_by_role("status").first).to_contain_text(
        f"Until OPCC staff agree, {date_format(original, 'j F Y')} stands"
    )
    waiting = page.locator(".extension-card")
    expect(waiting).to_contain_text("Awaiting the OPCC's decision")
    expect(waiting).to_contain_text("The training provider cancelled two cohorts.")
    expect(page.get_by_role("link", name="Ask to move the target date")).to_have_count(0)
    screenshot(page, "extension-journey-1-asked")

    # OPCC staff find it in the review queue and agree it on the action page.
    login(opcc_page, opcc_staff)
    opcc_page.goto(live_server.url + "/updates/awaiting-review/")
    queue = opcc_page.locator(
        "section",
        has=opcc_page.get_by_role("heading", level=2).filter(
            has_text="Extension requests awaiting your decision (1)"
        ),
    )
    expect(queue).to_contain_text(date_format(asked_for, "j M Y"))
    queue.get_by_role("link", name="Agree or refuse").click()
    opcc_page.get_by_role("button", name="Agree the new date").click()
    expect(opcc_page.get_by_role("status").first).to_contain_text(
        f"A1's target date is now {date_format(asked_for, 'j F Y')}"
    )
    expect(opcc_page.locator(".extension-card")).to_contain_text(f"Agreed by {opcc_staff}")
    screenshot(opcc_page, "extension-journey-2-agreed")

    # The lead sees the new date, the original struck through beside it.
    page.reload()
    facts = page.locator(".action-facts")
    expect(facts).to_contain_text(date_format(asked_for, "j M Y"))
    expect(facts.locator("del")).to_have_text(date_format(original, "j M Y"))
    expect(facts).to_contain_text("Why: The training provider cancelled two cohorts.")
    assert ExtensionRequest.objects.get().decision == ExtensionRequest.Decision.AGREED
