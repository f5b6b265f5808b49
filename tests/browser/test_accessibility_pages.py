"""axe-core at WCAG 2.2 AA on every page each demo persona can open, and on each form's
error state.

One walk per persona (the force's in test_accessibility_force_pages.py, OPCC staff's in
test_accessibility_opcc_pages.py): after the test has loaded the demo scenario, the persona
signs in through the real form and walks their pages in a browser context of their own,
and every page's violations are collected so a failure lists them all at once. Besides
axe's WCAG rules it runs the structure rules (tests.browser.axe.STRUCTURE), opens every
<details> first so folded forms are checked, and scans each page's HTML for what the
Content-Security-Policy would block.
Two personas walk at a phone's width. File downloads (evidence, PDFs, CSV) and POST-only
URLs are not pages; the Django admin is not the product's own interface.
"""

import datetime
import io
from dataclasses import dataclass

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from letters.models import CommitteePack, Letter
from letters.pack_jobs import pack_render
from letters.services import letter_create, letter_issue
from oversight.models import (
    CauseOfConcern,
    CommitteeMeeting,
    Finding,
    InspectionReport,
    PriorityArea,
    User,
)
from recommendations.models import Action, ProgressUpdate, Recommendation
from reminders.services import reminders_sweep
from reviews.demo_content import DEMO_PASSWORD
from reviews.models import DeepDiveReview, FollowUp, Investment, LineOfEnquiry
from tests.browser.axe import STRUCTURE, axe_context, axe_violations, describe
from tests.test_templates_csp import csp_offences

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.long,
]


@dataclass(frozen=True)
class Visit:
    """A page: its URL name, the demo objects in its URL (keys of `_demo_ids`), a query."""

    name: str
    ids: tuple[str, ...] = ()
    query: str = ""

    def path(self, ids: dict[str, int]) -> str:
        url = reverse(self.name, args=[ids[key] for key in self.ids])
        return f"{url}?{self.query}" if self.query else url


def _v(name: str, *ids: str, query: str = "") -> Visit:
    return Visit(name, ids, query)


# Pages every signed-in persona of the force or the office opens.
COMMON = [
    _v("recommendations:my_actions"),
    _v("oversight:report_list"),
    _v("recommendations:report_detail", "report"),
    _v("recommendations:register"),
    _v("recommendations:register", query="status=in_progress&rag=red&sort=-due"),
    _v("recommendations:register", query="q=nothing+matches+this&overdue=true"),
    # The register as at today, rebuilt from the history the demo was seeded with.
    _v("recommendations:register", query=f"as_at={timezone.localdate().isoformat()}"),
    _v("recommendations:plan_list"),
    _v("recommendations:plan_detail", "plan"),
    _v("recommendations:review_queue"),
    _v("reminders:notifications"),
    _v("reminders:preferences"),
]
# What the office and the force (not a partner agency) also read.
READERS = [
    _v("recommendations:recommendation_detail", "recommendation"),
    _v("recommendations:recommendation_detail", "closed_recommendation"),
    _v("letters:letter_list", "report"),
    _v("letters:letter_detail", "issued_letter"),
    _v("letters:letter_detail", "draft_letter"),
    _v("letters:letter_preview", "draft_letter"),
    _v("letters:letter_compare", "issued_letter", "draft_letter"),
    _v("reviews:review_list"),
    _v("reviews:review_detail", "review"),
    _v("reviews:investment_list"),
    _v("reviews:investment_detail", "investment"),
]
OFFICE = [
    _v("letters:public_site"),
    _v("recommendations:dashboard"),
    _v("letters:pack_list"),
    _v("letters:pack_detail", "pack"),
    _v("recommendations:action_detail", "action_with_updates"),
    _v("recommendations:action_detail", "pending_action"),
]
PAGES = {
    "opcc": COMMON
    + READERS
    + OFFICE
    + [
        _v("letters:meeting_create"),
        _v("letters:pack_create", "meeting"),
        _v("letters:public_report", "report"),
        _v("oversight:report_create"),
        _v("oversight:report_edit", "report"),
        _v("oversight:finding_create", "report"),
        _v("oversight:finding_edit", "finding"),
        _v("oversight:judgement_create", "report"),
        _v("oversight:priority_area_create", "report"),
        _v("oversight:priority_area_edit", "area"),
        _v("oversight:cause_create", "report"),
        _v("oversight:cause_edit", "cause"),
        _v("recommendations:recommendation_create", "report"),
        _v("recommendations:recommendation_edit", "recommendation"),
        _v("recommendations:recommendation_paste", "report"),
        _v("recommendations:recommendation_import", "report"),
        _v("recommendations:update_review", "submitted_update"),
        _v("recommendations:action_sign_off", "pending_action"),
        _v("letters:letter_create", "report"),
        _v("reviews:review_create"),
        _v("reviews:review_edit", "review"),
        _v("reviews:line_add", "review"),
        _v("reviews:line_edit", "review", "line"),
        _v("reviews:evidence_upload", "review"),
        _v("reviews:follow_up_create", "review"),
        _v("reviews:follow_up_edit", "follow_up"),
        _v("reviews:follow_up_update", "follow_up"),
        _v("reviews:sample_create", "review"),
        _v("reviews:investment_create"),
        _v("reviews:investment_edit", "investment"),
    ],
    "panel": COMMON + READERS + OFFICE,
    "admin": [
        _v("accounts:people"),
        _v("accounts:people", query="status=all"),
        _v("accounts:invite"),
        _v("accounts:activity"),
        _v("accounts:activity", query="kind=signed_in"),
        _v("accounts:two_factor_rule"),
        _v("accounts:person_detail", "lead_person"),
        _v("accounts:person_edit", "lead_person"),
        _v("accounts:email"),
        _v("account_change_password"),
    ],
    "acc": COMMON
    + READERS
    + [
        _v("recommendations:plan_create"),
        _v("recommendations:plan_edit", "plan"),
        _v("recommendations:action_create", "plan"),
        _v("recommendations:action_detail", "lead_action"),
        _v("recommendations:action_edit", "lead_action"),
        _v("recommendations:extension_request", "lead_action"),
        _v("recommendations:action_propose_completion", "lead_action"),
        _v("recommendations:update_create", "lead_action"),
        _v("letters:letter_create", "report"),
    ],
    "lead": COMMON
    + READERS
    + [
        _v("recommendations:action_detail", "lead_action"),
        _v("recommendations:action_detail", "action_with_updates"),
        _v("recommendations:update_create", "lead_action"),
        _v("recommendations:action_propose_completion", "lead_action"),
        _v("recommendations:extension_request", "lead_action"),
        _v("reviews:follow_up_update", "follow_up"),
    ],
    "lead2": COMMON
    + READERS
    + [
        _v("recommendations:action_detail", "lead2_action"),
        _v("recommendations:update_create", "lead2_action"),
        _v("recommendations:action_propose_completion", "lead2_action"),
    ],
    "partner": COMMON
    + [
        _v("recommendations:action_detail", "partner_action"),
        _v("recommendations:update_create", "partner_action"),
        _v("recommendations:action_propose_completion", "partner_action"),
    ],
}


@dataclass(frozen=True)
class EmptySend:
    """A form page sent with every field emptied (after `choose`: (label, option) pairs
    picked so the empty answer is a mistake), by pressing `button`."""

    visit: Visit
    button: str
    choose: tuple[tuple[str, str], ...] = ()
    unfold: str = ""  # the <summary> that shows the form, if it is folded away


# Each form's error state: the page must come back 400 with its errors announced.
ERROR_STATES = {
    "admin": [
        EmptySend(_v("accounts:invite"), "Send the invitation"),
        EmptySend(_v("accounts:person_edit", "lead_person"), "Save"),
    ],
    "opcc": [
        EmptySend(_v("oversight:report_create"), "Log report"),
        EmptySend(_v("oversight:report_edit", "report"), "Save changes"),
        EmptySend(_v("oversight:finding_create", "report"), "Save"),
        EmptySend(_v("oversight:judgement_create", "report"), "Save"),
        EmptySend(_v("oversight:priority_area_create", "report"), "Save"),
        EmptySend(_v("oversight:cause_create", "report"), "Save"),
        EmptySend(_v("recommendations:recommendation_create", "report"), "Save"),
        EmptySend(_v("recommendations:recommendation_edit", "recommendation"), "Save changes"),
        EmptySend(_v("recommendations:recommendation_paste", "report"), "Read the recommendations"),
        EmptySend(
            _v("recommendations:recommendation_detail", "recommendation"),
            "Record no action",
            unfold="Record no action…",
        ),
        EmptySend(_v("recommendations:update_review", "submitted_update"), "Return with reason"),
        EmptySend(_v("recommendations:action_sign_off", "pending_action"), "Return with reason"),
        # A4 carries the demo's request to move a target date, waiting for the OPCC.
        EmptySend(
            _v("recommendations:action_detail", "action_with_updates"), "Refuse with comment"
        ),
        EmptySend(_v("letters:letter_detail", "draft_letter"), "Save the wording"),
        EmptySend(_v("letters:meeting_create"), "Add the meeting"),
        EmptySend(_v("letters:pack_create", "meeting"), "Prepare the pack"),
        # The demo's report is published: every summary emptied, "Publish again" refused.
        EmptySend(_v("letters:public_report", "report"), "Publish again"),
        EmptySend(_v("reviews:review_create"), "Record deep dive"),
        EmptySend(_v("reviews:line_add", "review"), "Add line"),
        EmptySend(_v("reviews:evidence_upload", "review"), "Upload"),
        EmptySend(_v("reviews:follow_up_create", "review"), "Add follow-up"),
        EmptySend(
            _v("reviews:follow_up_update", "follow_up"), "Save update", (("Status", "Done"),)
        ),
        EmptySend(_v("reviews:sample_create", "review"), "Record sample"),
        EmptySend(_v("reviews:investment_create"), "Record investment"),
    ],
    "acc": [
        EmptySend(_v("recommendations:plan_create"), "Create the plan"),
        EmptySend(_v("recommendations:action_create", "plan"), "Add the action"),
        EmptySend(_v("recommendations:action_edit", "lead_action"), "Save"),
        EmptySend(_v("recommendations:extension_request", "lead_action"), "Send the request"),
    ],
    "lead": [
        EmptySend(_v("recommendations:update_create", "lead_action"), "Post update"),
        EmptySend(
            _v("recommendations:action_propose_completion", "lead_action"), "Propose completion"
        ),
    ],
    "partner": [
        EmptySend(_v("recommendations:update_create", "partner_action"), "Post update"),
    ],
}

# Police and partner leads often post from a phone: two of them walk their pages at a
# phone's width (target sizes, scrolling regions and reflowed tables differ there).
DESKTOP = {"width": 1280, "height": 900}
VIEWPORTS = {"lead2": {"width": 390, "height": 844}, "partner": {"width": 390, "height": 844}}

EMPTY_THE_FORM = """(form) => {
  form.noValidate = true;
  for (const field of form.elements) {
    if (["hidden", "submit", "button", "file"].includes(field.type)) continue;
    if (field.type === "checkbox" || field.type === "radio") field.checked = false;
    else if (field.tagName === "SELECT") {
      if ([...field.options].some((option) => option.value === "")) field.value = "";
    } else field.value = "";
  }
}"""
OPEN_EVERY_DETAILS = "() => document.querySelectorAll('details').forEach((d) => (d.open = true))"
FOCUS_IN_ERROR_SUMMARY = "() => !!document.activeElement.closest('.error-summary')"
SUMMARY_LINKS = "() => [...document.querySelectorAll('.error-summary a[href^=\"#\"]')]" + (
    ".map((a) => [a.textContent.trim(), !!document.getElementById(a.hash.slice(1))])"
)


def _demo_ids() -> dict[str, int]:
    """Load the demo scenario, its reminders and two versions of the formal response."""
    call_command("seed_demo", quiet_logins=True, stdout=io.StringIO())
    reminders_sweep()
    report = InspectionReport.objects.get(title__startswith="National child protection")
    opcc = User.objects.get(username="opcc")
    issued = letter_create(report=report, kind=Letter.Kind.FORMAL_RESPONSE, user=opcc)
    letter_issue(letter=issued, user=opcc)
    draft = letter_create(report=report, kind=Letter.Kind.FORMAL_RESPONSE, user=opcc)
    meeting = CommitteeMeeting.objects.filter(office=opcc.office).order_by("meets_on").last()
    pack = CommitteePack.objects.create(
        meeting=meeting,
        previous_meeting_on=meeting.meets_on - datetime.timedelta(days=84),
        created_by=opcc,
        render_state=CommitteePack.RenderState.QUEUED,
    )
    pack_render(pack_id=pack.pk, user_id=opcc.pk)
    actions = dict(Action.objects.filter(plan__report=report).values_list("reference", "pk"))
    review = DeepDiveReview.objects.get(report=report)
    return {
        "report": report.pk,
        "finding": Finding.objects.filter(report=report).first().pk,
        "area": PriorityArea.objects.filter(report=report).first().pk,
        "cause": CauseOfConcern.objects.filter(report=report).first().pk,
        "recommendation": Recommendation.objects.get(report=report, reference="R2").pk,
        "closed_recommendation": Recommendation.objects.get(report=report, reference="R1").pk,
        "plan": report.action_plans.get().pk,
        "lead_action": actions["A2"],
        "action_with_updates": actions["A4"],
        "partner_action": actions["A5"],
        "lead2_action": actions["A6"],
        "pending_action": actions["A12"],
        "submitted_update": ProgressUpdate.objects.get(
            action_id=actions["A4"], review_state=ProgressUpdate.Review.SUBMITTED
        ).pk,
        "issued_letter": issued.pk,
        "draft_letter": draft.pk,
        "review": review.pk,
        "line": LineOfEnquiry.objects.filter(review=review).first().pk,
        "follow_up": FollowUp.objects.get(
            review=review, owner__username="lead", status=FollowUp.Status.OPEN
        ).pk,
        "investment": Investment.objects.get().pk,
        "lead_person": User.objects.get(username="lead").pk,
        "meeting": meeting.pk,
        "pack": pack.pk,
    }


def _sign_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def _submit_empty(page, send: EmptySend) -> int:
    """Empty the form's fields and send it; returns the answer's status code."""
    if send.unfold:
        page.locator("summary", has_text=send.unfold).click()
    button = page.get_by_role("button", name=send.button, exact=True)
    form = page.locator("main form", has=button)
    submit = form.get_by_role("button", name=send.button, exact=True)
    form.evaluate(EMPTY_THE_FORM)
    for label, option in send.choose:
        form.get_by_label(label).select_option(label=option)
    with page.expect_response(lambda response: response.request.method == "POST") as answer:
        submit.click()
    page.wait_for_load_state()
    page.locator(".error-summary").first.wait_for()
    return answer.value.status


def _page_problems(page, path: str) -> list[str]:
    """axe's findings, with every <details> opened so the forms folded inside are checked."""
    page.evaluate(OPEN_EVERY_DETAILS)
    violations = axe_violations(page, also=STRUCTURE)
    return [f"{path}:\n{describe(violations)}"] if violations else []


def _error_state_problems(page, path: str, send: EmptySend) -> list[str]:
    """The form sent empty comes back 400 with an error summary that has the focus and
    links each problem to its field, and the page still passes axe."""
    problems = []
    try:
        status = _submit_empty(page, send)
    except PlaywrightTimeoutError as error:
        return [f"{path}: sent empty, no error summary appeared ({error.message.splitlines()[0]})"]
    if status != 400:
        problems.append(f"{path}: an empty form answered {status}, not 400")
    if not page.evaluate(FOCUS_IN_ERROR_SUMMARY):
        problems.append(f"{path}: the focus is not on the error summary")
    links = page.evaluate(SUMMARY_LINKS)
    if not links or not all(target_exists for _, target_exists in links):
        problems.append(f"{path}: the error summary's links do not lead to fields: {links}")
    return problems + _page_problems(page, f"{path} (errors shown)")


# The force's personas (the plan owner, the leads and the partner lead) walk in
# test_accessibility_force_pages.py and OPCC staff (the longest walk, about a minute) in
# test_accessibility_opcc_pages.py, files of their own: the test run's two workers take
# whole files (xdist --dist loadfile), and these walks, run last with the other browser
# tests, made the run's longest tail.
FORCE_SIDE = ("acc", "lead", "lead2", "partner")
WALKED_ELSEWHERE = (*FORCE_SIDE, "opcc")


def test_every_page_of_the_other_personas_has_no_wcag_violations(browser, live_server):
    walk_personas(
        [username for username in PAGES if username not in WALKED_ELSEWHERE], browser, live_server
    )


def walk_personas(usernames, browser, live_server) -> None:
    """Load the demo once; each persona signs in, in a browser context of their own, and
    walks their pages and form error states. Every persona's problems are listed at once.

    The walks share one demo (loading it costs a few seconds): a walk reads pages and
    sends forms empty, which are refused, so what it leaves behind is its sign-in (the
    person's last sign-in, a line in the sign-in log), not a change to the records the
    next persona's pages show."""
    ids = _demo_ids()
    problems = []
    for username in usernames:
        with axe_context(browser, VIEWPORTS.get(username, DESKTOP)) as page:
            found = _walk(username, page, live_server.url, ids)
        problems += [f"{username}: {problem}" for problem in found]
    assert problems == [], "\n\n".join(problems)


def _walk(username: str, page, base_url: str, ids: dict[str, int]) -> list[str]:
    """Sign in as the persona and check each of their pages and form error states."""
    _sign_in(page, base_url, username)
    problems = []
    for visit in PAGES[username]:
        path = visit.path(ids)
        response = page.goto(f"{base_url}{path}")
        if response.status != 200:
            problems.append(f"{path}: answered {response.status}, not 200")
            continue
        problems += [f"{path}: {offence}" for offence in csp_offences(response.text())]
        problems += _page_problems(page, path)
    for send in ERROR_STATES.get(username, []):
        path = send.visit.path(ids)
        page.goto(f"{base_url}{path}")
        problems += _error_state_problems(page, path, send)
    return problems


def test_axe_also_checks_the_page_structure(axe_page):
    """Guard: the best-practice rules added to the WCAG ones do run."""
    axe_page.set_content(
        "<html lang='en'><head><title>x</title></head><body><main>"
        "<h2>Part</h2><p id='same'>One</p><p id='same'>Two</p></main></body></html>"
    )
    ids = {v["id"] for v in axe_violations(axe_page, also=STRUCTURE)}
    assert {"page-has-heading-one", "duplicate-id"} <= ids


PUBLIC_WIDTHS = [DESKTOP, {"width": 390, "height": 844}]


def test_public_site_has_no_wcag_violations(axe_page, live_server):
    """The public pages, as anybody opens them without signing in (the demo publishes the
    child protection report and its section 55 response), and the "not found" page, at a
    desktop's width and a phone's."""
    ids = _demo_ids()
    slug = "devon-and-cornwall-opcc"
    problems = []
    for viewport in PUBLIC_WIDTHS:
        axe_page.set_viewport_size(viewport)
        for path, status in [
            (reverse("public:index"), 200),
            (reverse("public:office", args=[slug]), 200),
            (reverse("public:report", args=[slug, ids["report"]]), 200),
            (reverse("public:data", args=[slug]), 200),
            (reverse("public:report", args=[slug, ids["report"] + 1000]), 404),
        ]:
            where = f"{path} at {viewport['width']} px"
            response = axe_page.goto(f"{live_server.url}{path}")
            if response.status != status:
                problems.append(f"{where}: answered {response.status}, not {status}")
                continue
            problems += [f"{where}: {offence}" for offence in csp_offences(response.text())]
            problems += _page_problems(axe_page, where)
            overflow = axe_page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            if overflow > 0:
                problems.append(f"{where}: {overflow} px wider than the screen")
    assert problems == [], "\n\n".join(problems)
