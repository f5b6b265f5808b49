"""The three main journeys with the keyboard alone: Tab, Shift+Tab, Enter, Space, arrows
and typing. No mouse and no .click(); the only navigation by address is opening the
sign-in page. Every element reached with Tab must show where the focus is."""

import io
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Locator, expect

from letters.models import Letter
from oversight.models import InspectionReport
from recommendations.models import ProgressUpdate, Recommendation
from reviews.demo_content import DEMO_PASSWORD
from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MAX_PRESSES = 150

# The focused element shows an outline (app.css draws a 3px ring; the browser's own ring
# counts too) or a box-shadow ring.
FOCUS_IS_VISIBLE = """() => {
  const element = document.activeElement;
  if (!element || element === document.body) return false;
  const style = getComputedStyle(element);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  const ring = style.boxShadow && style.boxShadow !== "none";
  return outline || ring;
}"""
FOCUSED = """() => {
  const element = document.activeElement;
  const text = (element.innerText || element.value || "").trim().slice(0, 60);
  return `${element.tagName} ${text}`;
}"""


@pytest.fixture
def demo(db):
    call_command("seed_demo", quiet_logins=True, stdout=io.StringIO())
    return InspectionReport.objects.get(title__startswith="National child protection")


def tab_to(page, target: Locator, *, backwards: bool = False) -> Locator:
    """Press Tab (or Shift+Tab) until the focus is on `target` (a locator; the first of
    its matches that takes the focus), at most MAX_PRESSES times. The focus must be
    visible there."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(MAX_PRESSES):
        page.keyboard.press(key)
        if target.evaluate_all("(found) => found.includes(document.activeElement)"):
            assert page.evaluate(FOCUS_IS_VISIBLE), f"The focus on {target} is not visible."
            return target
    raise AssertionError(
        f"{MAX_PRESSES} presses of {key} never reached {target}; "
        f"the focus ended on {page.evaluate(FOCUSED)!r}."
    )


def role(page, kind: str, name) -> Locator:
    """The element with this ARIA role and exactly this accessible name."""
    return page.get_by_role(kind, name=name, exact=True)


def assert_focus_on(page, target: Locator) -> None:
    assert target.evaluate_all("(found) => found.includes(document.activeElement)"), (
        f"Expected the focus on {target}, it is on {page.evaluate(FOCUSED)!r}."
    )
    assert page.evaluate(FOCUS_IS_VISIBLE), f"The focus on {target} is not visible."


def sign_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    tab_to(page, role(page, "textbox", "Username or e-mail address*"))
    page.keyboard.type(username)
    tab_to(page, page.get_by_label("Password"))
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def open_link(page, name, *, backwards: bool = False) -> None:
    tab_to(page, role(page, "link", name), backwards=backwards)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_opcc_staff_log_a_recommendation_with_the_keyboard(page, live_server, demo):
    sign_in(page, live_server, "opcc")
    open_link(page, "Reports")
    open_link(page, demo.title)
    assert page.get_by_role("heading", level=1).inner_text() == demo.title

    # "On this page" jumps to the recommendations; Tab carries on from there.
    tab_to(page, role(page, "link", re.compile(r"^Recommendations \(\d+\)$")))
    page.keyboard.press("Enter")
    tab_to(page, role(page, "link", "Add one"))
    page.keyboard.press("Enter")

    # The inline form opens with the focus in its first field.
    form = page.locator("#form-slot-recommendations form")
    form.wait_for()
    assert_focus_on(page, role(page, "textbox", "Reference*"))
    page.keyboard.type("R11")
    tab_to(page, role(page, "textbox", "Wording, as published*"))
    page.keyboard.type(
        "Within three months, the force should check that every referral from a school "
        "reaches the safeguarding hub the same day."
    )
    tab_to(page, role(page, "combobox", "Timescale*"))
    page.keyboard.type("Within three")
    tab_to(page, role(page, "checkbox", "Consistency of child protection investigations"))
    page.keyboard.press("Space")
    tab_to(page, role(page, "button", "Save"))
    page.keyboard.press("Enter")

    section = page.locator("#section-recommendations")
    section.get_by_role("link", name="R11", exact=True).wait_for()
    assert_focus_on(page, role(page, "heading", "Recommendations"))
    recommendation = Recommendation.objects.get(report=demo, reference="R11")
    assert recommendation.timescale == Recommendation.Timescale.THREE_MONTHS
    assert [area.title for area in recommendation.priority_areas.all()] == [
        "Consistency of child protection investigations"
    ]
    screenshot(page, "keyboard-recommendation-logged")


def test_police_lead_posts_an_update_with_the_keyboard(page, live_server, demo):
    sign_in(page, live_server, "lead")
    assert page.get_by_role("heading", level=1).inner_text() == "My actions"
    before = ProgressUpdate.objects.filter(action__reference="A2").count()

    open_link(page, "Post update on A2")
    assert page.get_by_role("heading", level=1).inner_text() == "Post a progress update"
    tab_to(page, role(page, "textbox", "What has happened since the last update*"))
    page.keyboard.type("The CSE tracker now covers all three local authority areas.")
    # A radio group is one stop for Tab (on the chosen RAG); the arrows choose within it.
    tab_to(page, page.get_by_role("radio"))
    amber = role(page, "radio", "Amber")
    for _ in range(3):
        if amber.is_checked():
            break
        page.keyboard.press("ArrowDown")
    assert amber.is_checked()
    tab_to(page, role(page, "spinbutton", "Percent complete*"))
    page.keyboard.type("80")
    tab_to(page, role(page, "button", "Post update"))
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert page.get_by_role("status").first.inner_text().startswith("Update posted")
    update = ProgressUpdate.objects.filter(action__reference="A2").latest("created_at")
    assert ProgressUpdate.objects.filter(action__reference="A2").count() == before + 1
    assert (update.rag, update.percent_complete, update.review_state) == (
        "amber",
        80,
        ProgressUpdate.Review.SUBMITTED,
    )


def test_opcc_staff_generate_a_letter_with_the_keyboard(page, live_server, demo):
    sign_in(page, live_server, "opcc")
    open_link(page, "Reports")
    open_link(page, demo.title)

    tab_to(page, role(page, "button", "Generate the chief constable’s formal response"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_role("heading", level=1).inner_text() == (
        "Chief constable's formal response to the PCC"
    )

    tab_to(page, role(page, "button", "Render the PDF"))
    page.keyboard.press("Enter")
    download = role(page, "link", "Download the draft PDF")
    download.wait_for()
    # Each new state of the PDF is read out once, from a live region that stays put.
    announcer = page.locator("#main > .visually-hidden[role=status][aria-live=polite]")
    expect(announcer).to_contain_text("Draft PDF made")
    # The render button kept the focus through the swaps; the link is one step back.
    assert_focus_on(page, role(page, "button", "Render again"))
    tab_to(page, download, backwards=True)
    with page.expect_download() as pdf:
        page.keyboard.press("Enter")
    with open(pdf.value.path(), "rb") as data:
        assert data.read(5) == b"%PDF-"
    letter = Letter.objects.get(report=demo, kind=Letter.Kind.FORMAL_RESPONSE)
    assert letter.render_state == Letter.RenderState.READY
