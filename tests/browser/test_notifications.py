"""A police lead reads their reminders, marks them read and chooses a weekly digest; the
action page shows who was told when."""

import datetime

import pytest
from playwright.sync_api import expect

from reminders.services import reminders_sweep
from tests import factories
from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def reminded_lead(plan_a, recommendation_a, police_lead_a, opcc_staff, report_a):
    """Police lead A with three reminders recorded by the sweep, one escalated."""
    report_a.action_plan_received_on = datetime.date(2026, 10, 1)
    report_a.section_55_published_on = datetime.date(2026, 10, 20)
    report_a.save()
    area = factories.PriorityAreaFactory(report=report_a, opcc_lead=opcc_staff)
    recommendation_a.priority_areas.add(area)
    today = datetime.date.today()
    for reference, due_in in [("A1", -20), ("A2", 0), ("A3", 4)]:
        factories.ActionFactory(
            plan=plan_a,
            reference=reference,
            description=f"Deliver vulnerability training, part {reference}.",
            delivery_lead=police_lead_a,
            recommendations=[recommendation_a],
            next_update_due=today + datetime.timedelta(days=due_in),
            target_date=today + datetime.timedelta(days=200),
        )
    reminders_sweep(today=today)
    return police_lead_a


def test_a_lead_reads_marks_and_sets_preferences(page, login, live_server, reminded_lead):
    login(page, reminded_lead)
    nav = page.get_by_role("link", name="Notifications")
    assert "3" in nav.inner_text()

    nav.click()
    assert page.get_by_role("heading", level=1).inner_text() == "Notifications"
    screenshot(page, "notifications-lead-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "notifications-lead-390")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_role("button", name="Mark as read").first.click()
    expect(page.get_by_role("link", name="Notifications")).to_contain_text("2")
    expect(page.get_by_role("button", name="Mark as read")).to_have_count(2)

    page.get_by_role("link", name="Reminder preferences").click()
    page.get_by_label("Weekly (Mondays)").check()
    page.get_by_role("button", name="Save preferences").click()
    expect(page.get_by_text("Your reminder preferences are saved.")).to_be_visible()
    assert page.get_by_label("Weekly (Mondays)").is_checked()
    screenshot(page, "notification-preferences")


def test_the_action_page_shows_who_was_told_when(page, login, live_server, reminded_lead):
    action = reminded_lead.led_actions.get(reference="A1")
    login(page, reminded_lead)

    page.goto(f"{live_server.url}{action.get_absolute_url()}")

    panel = page.get_by_role("region", name="Reminders: who was told when")
    assert panel.get_by_text("Escalated").count() == 2
    panel.scroll_into_view_if_needed()
    screenshot(page, "action-reminder-chain")
