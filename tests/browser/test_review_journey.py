"""OPCC staff record a deep dive on the demo report in real Chromium; the follow-up reaches
the recommendation page and its owner's "My actions"; a completed action sampled as not
effective is reopened."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from recommendations.models import Action, Rag, Recommendation
from reviews.demo_content import DEMO_PASSWORD
from reviews.models import Assurance, DeepDiveReview, FollowUp
from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEMO_REPORT = "National child protection inspection: Devon and Cornwall Police"
FOLLOW_UP = "Show the panel the repeat-missing children dashboard for the last quarter."


def sign_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def sign_out(page) -> None:
    if not page.get_by_role("button", name="Show navigation").is_hidden():
        page.get_by_role("button", name="Show navigation").click()
    page.locator("#main-nav .dropdown-toggle").click()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()


def test_opcc_records_a_deep_dive_with_follow_up_and_sample(page, live_server):
    call_command("seed_demo", quiet_logins=True)
    today = timezone.localdate()
    due = today + datetime.timedelta(days=30)
    r4 = Recommendation.objects.get(report__title=DEMO_REPORT, reference="R4")

    # OPCC staff record the deep dive.
    sign_in(page, live_server, "opcc")
    page.get_by_role("link", name="Deep dives", exact=True).click()
    page.get_by_role("link", name="Record a deep dive").click()
    page.get_by_label("Theme").fill("Children who go missing")
    page.get_by_label("Inspection report").select_option(label=DEMO_REPORT)
    # The report's priority areas replace the full list (htmx), labelled without the report.
    page.get_by_label("Children who go missing from home", exact=True).check()
    page.locator("input[name=held_on]").fill(today.isoformat())
    page.locator("textarea[name=lines-0-question]").fill(
        "How is a child who goes missing for the third time reassessed?"
    )
    page.locator("textarea[name=lines-1-question]").fill(
        "What do return-home interviews tell the force, and who reads them?"
    )
    page.get_by_label("Assurance on current performance").select_option(label="Partly assured")
    page.get_by_label("Rationale for the performance assurance").fill(
        "Reassessment happens in two of the three areas; the third relies on one officer."
    )
    page.locator("input[name=revisit_on]").fill((today + datetime.timedelta(days=90)).isoformat())
    screenshot(page, "review-journey-form")
    page.get_by_role("button", name="Record deep dive").click()

    page.get_by_role("heading", level=1, name="Children who go missing deep dive").wait_for()
    assert page.get_by_text("Partly assured").first.is_visible()
    lines = page.locator("#lines ol > li")
    assert lines.count() == 2
    review = DeepDiveReview.objects.get(theme="Children who go missing")
    assert review.performance_assurance == Assurance.PARTLY_ASSURED
    assert list(review.priority_areas.values_list("title", flat=True)) == [
        "Children who go missing from home"
    ]

    # A follow-up due in 30 days, owned by the police lead, serving R4.
    page.get_by_role("link", name="Add a follow-up").click()
    page.get_by_label("What has to be done").fill(FOLLOW_UP)
    page.get_by_label("Owner").select_option(label="Daniel Hughes (Devon & Cornwall Police)")
    page.locator("input[name=due_on]").fill(due.isoformat())
    page.get_by_label("Recommendation").select_option(value=str(r4.pk))
    page.get_by_role("button", name="Add follow-up").click()
    row = page.locator("#follow-ups tr", has_text=FOLLOW_UP)
    row.wait_for()
    assert "Daniel Hughes" in row.inner_text()
    follow_up = FollowUp.objects.get(description=FOLLOW_UP)
    assert (follow_up.due_on, follow_up.recommendation) == (due, r4)
    screenshot(page, "review-journey-detail")

    # It shows on the recommendation page.
    page.goto(f"{live_server.url}{r4.get_absolute_url()}")
    assert page.get_by_text(FOLLOW_UP).is_visible()
    screenshot(page, "review-journey-recommendation")

    # Sampling a completed action as not effective reopens it.
    page.goto(f"{live_server.url}{review.get_absolute_url()}")
    page.get_by_role("link", name="Sample a completed action").click()
    a1 = Action.objects.get(plan__report=review.report, reference="A1")
    assert a1.status == Action.Status.CLOSED
    page.get_by_label("Completed action").select_option(value=str(a1.pk))
    page.get_by_label("Not effective").check()
    page.get_by_label("Reason").fill("Two CSE cases in the dip-sample had no specialist.")
    page.get_by_role("button", name="Record sample").click()
    page.get_by_text("recorded as not effective and reopened").wait_for()
    a1.refresh_from_db()
    assert (a1.status, a1.rag) == (Action.Status.IN_PROGRESS, Rag.RED)
    assert a1.return_reason == "Two CSE cases in the dip-sample had no specialist."
    assert a1.signed_off_by is None
    screenshot(page, "review-journey-sampled")

    # The owner sees the follow-up under "My actions" and can update it.
    sign_out(page)
    sign_in(page, live_server, "lead")
    page.get_by_role("link", name="My actions").click()
    item = page.locator("li", has_text=FOLLOW_UP)
    item.wait_for()
    screenshot(page, "review-journey-my-actions")
    item.get_by_role("link", name="Update").click()
    page.get_by_label("Status").select_option(label="In progress")
    page.get_by_role("button", name="Save update").click()
    page.get_by_text("Follow-up updated.").wait_for()
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUp.Status.IN_PROGRESS
