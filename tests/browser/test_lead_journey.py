"""A police lead and the OPCC keep an action honest, in real Chromium: update with evidence,
return with a reason, resubmission, acceptance, proposed completion and sign-off."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from recommendations.models import Action, ProgressUpdate
from tests import factories
from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def opcc_page(browser):
    """A second browser, so the lead and the OPCC are signed in at the same time."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_lead_updates_opcc_returns_accepts_and_signs_off(
    page, opcc_page, login, live_server, plan_a, recommendation_a, police_lead_a, opcc_staff
):
    today = timezone.localdate()
    later = factories.ActionFactory(
        plan=plan_a,
        reference="A2",
        description="Publish recording standards for risk information.",
        delivery_lead=police_lead_a,
        recommendations=[recommendation_a],
        next_update_due=today + datetime.timedelta(days=40),
    )
    overdue = factories.ActionFactory(
        plan=plan_a,
        reference="A1",
        description="Deliver vulnerability training to all frontline officers.",
        delivery_lead=police_lead_a,
        recommendations=[recommendation_a],
        cadence=Action.Cadence.MONTHLY,
        next_update_due=today - datetime.timedelta(days=5),
    )

    # The lead signs in and lands on "my actions": the overdue action comes first.
    login(page, police_lead_a)
    expect(page.get_by_role("heading", level=1)).to_have_text("My actions")
    cards = page.locator(".action-card")
    expect(cards.first).to_contain_text(overdue.description)
    expect(cards.first).to_contain_text("Overdue by 5 days")
    expect(cards.nth(1)).to_contain_text(later.description)
    screenshot(page, "lead-journey-1-my-actions")

    # One click to post an update, with an evidence PDF.
    cards.first.get_by_role("link", name=re.compile("Post update")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Post a progress update")
    page.get_by_label("What has happened since the last update").fill("Training continuing.")
    page.get_by_label("Amber").check()
    page.get_by_label("Percent complete").fill("60")
    page.get_by_label("Evidence files").set_input_files(
        files=[
            {
                "name": "training-log.pdf",
                "mimeType": "application/pdf",
                "buffer": factories.tiny_pdf("Training log"),
            }
        ]
    )
    page.get_by_role("button", name="Post update").click()
    expect(page.get_by_role("status").first).to_contain_text("Update posted with 1 file")
    expect(page.get_by_role("link", name="training-log.pdf")).to_be_visible()

    # OPCC staff download the evidence and return the update with a reason.
    login(opcc_page, opcc_staff)
    opcc_page.goto(live_server.url + overdue.get_absolute_url())
    with opcc_page.expect_download() as download:
        opcc_page.get_by_role("link", name="training-log.pdf").click()
    assert download.value.suggested_filename == "training-log.pdf"
    update_card = opcc_page.locator(".update-card").first
    update_card.get_by_label(re.compile("Reason for returning")).fill(
        "Please give the percentage of frontline staff trained so far."
    )
    update_card.get_by_role("button", name="Return with reason").click()
    expect(opcc_page.get_by_role("status").first).to_contain_text("returned to")
    screenshot(opcc_page, "lead-journey-2-returned")

    # The lead sees the reason at the top of "my actions" and resubmits.
    page.goto(live_server.url + "/my-actions/")
    returned = page.locator(".returned-card")
    expect(returned).to_contain_text("Please give the percentage of frontline staff trained")
    screenshot(page, "lead-journey-3-returned-for-lead")
    returned.get_by_role("link", name=re.compile("Resubmit update")).click()
    narrative = page.get_by_label("What has happened since the last update")
    expect(narrative).to_have_value("Training continuing.")
    narrative.fill("81% of frontline officers and staff trained (2,940 of 3,630).")
    page.get_by_label("Percent complete").fill("81")
    page.get_by_role("button", name="Resubmit update").click()
    expect(page.get_by_role("status").first).to_contain_text("Update posted")
    resubmission = ProgressUpdate.objects.get(review_state="submitted")
    assert resubmission.resubmission_of.review_state == "returned"

    # The OPCC accepts it: the next update falls due one cadence (monthly: 30 days) later.
    opcc_page.goto(live_server.url + overdue.get_absolute_url())
    opcc_page.locator(".update-card").first.get_by_role("button", name="Accept update").click()
    next_due = today + datetime.timedelta(days=30)
    expect(opcc_page.get_by_role("status").first).to_contain_text(
        f"Next update due {next_due.day} {next_due:%B %Y}"
    )
    overdue.refresh_from_db()
    assert overdue.next_update_due == next_due

    # The lead proposes completion with evidence of impact...
    page.goto(live_server.url + overdue.get_absolute_url())
    page.get_by_role("link", name="Propose completion").click()
    page.get_by_label("Evidence of impact").fill(
        "95% of frontline staff trained; a dip-sample of 40 cases shows the training in use."
    )
    page.get_by_role("button", name="Propose completion").click()
    expect(page.get_by_role("status").first).to_contain_text("proposed for completion")
    expect(page.get_by_role("link", name="Propose completion")).to_have_count(0)

    # ...and OPCC staff sign it off.
    opcc_page.goto(live_server.url + "/updates/awaiting-review/")
    opcc_page.get_by_role("link", name=re.compile("Sign off or return")).click()
    screenshot(opcc_page, "lead-journey-4-sign-off")
    opcc_page.get_by_role("button", name="Sign off and close").click()
    expect(opcc_page.get_by_role("status").first).to_contain_text("signed off and closed")
    overdue.refresh_from_db()
    assert overdue.status == Action.Status.CLOSED
    assert overdue.signed_off_by == opcc_staff
    assert overdue.completion_proposed_by == police_lead_a

    # The closed action leaves the lead's list; the other one stays.
    page.goto(live_server.url + "/my-actions/")
    expect(page.locator(".action-card")).to_have_count(1)
    expect(page.locator(".action-card").first).to_contain_text(later.description)
