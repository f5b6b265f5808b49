"""An office administrator hands a leaver's work on, in real Chromium: the demo's police
lead leaves; his page lists the actions he led, his updates waiting for review and his
deep-dive follow-ups; one action goes to a colleague, then the rest at once."""

import pytest
from django.core.management import call_command

from oversight.accounts.services import person_deactivate
from oversight.models import User
from recommendations.models import Action
from reviews.demo_content import DEMO_PASSWORD
from reviews.models import FollowUp
from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def test_administrator_hands_a_leavers_work_on(page, live_server):
    call_command("seed_demo", quiet_logins=True)
    User.objects.filter(username="opcc").update(is_office_admin=True)
    admin = User.objects.get(username="opcc")
    leaver = User.objects.get(username="lead")
    colleague = User.objects.get(username="lead2")
    person_deactivate(admin=admin, person=leaver, reason="Retired")
    led = list(Action.objects.filter(delivery_lead=leaver, status__in=Action.LIVE_STATUSES))
    assert len(led) >= 2, "the demo's lead should lead several live actions"

    sign_in(page, live_server, "opcc")
    page.goto(f"{live_server.url}/people/{leaver.pk}/")
    panel = page.get_by_role("region", name=f"What {leaver} leaves in the action plans")
    assert panel.is_visible()
    screenshot(page, "leaver-person-page")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "leaver-person-page-phone")
    page.set_viewport_size({"width": 1280, "height": 900})

    first = led[0]
    page.get_by_label(f"Hand {first.reference}'s delivery lead role to").select_option(
        label=f"{colleague} (Police lead)"
    )
    page.locator(f"#row-handover-action-{first.pk}-delivery_lead").get_by_role(
        "button", name="Hand over"
    ).click()
    page.wait_for_load_state()
    assert page.get_by_text(f"{first.reference}'s delivery lead is now {colleague}").is_visible()
    first.refresh_from_db()
    assert first.delivery_lead == colleague

    page.get_by_label(f"Or hand all {len(led) - 1} of them to").select_option(
        label=f"{colleague} (Police lead)"
    )
    page.get_by_role("button", name="Hand over all").click()
    page.wait_for_load_state()
    assert not Action.objects.filter(delivery_lead=leaver, status__in=Action.LIVE_STATUSES).exists()

    follow_ups = page.get_by_role("region", name=f"Deep-dive follow-ups {leaver} leaves")
    follow_up = FollowUp.objects.filter(owner=leaver, status__in=FollowUp.OPEN_STATUSES).first()
    assert follow_ups.is_visible() and follow_up is not None
    screenshot(page, "leaver-person-page-after")
    follow_ups.get_by_label("Hand this follow-up to").first.select_option(
        label=f"{admin} (OPCC staff)"
    )
    follow_ups.get_by_role("button", name="Hand over").first.click()
    page.wait_for_load_state()
    follow_up.refresh_from_db()
    assert follow_up.owner == admin
