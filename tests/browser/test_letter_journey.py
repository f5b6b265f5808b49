"""The letter journey in real Chromium: from the report page to a downloaded, issued PDF."""

import io
import re

import pytest
from django.core.management import call_command

from letters.models import Letter
from oversight.models import InspectionReport, User
from recommendations.models import Action, Rag, Recommendation
from tests.browser.conftest import screenshot
from tests.factories import PASSWORD
from tests.letters.letter_pdf import pdf_text

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", quiet_logins=True, stdout=io.StringIO())
    for user in User.objects.filter(username__in=["opcc", "acc"]):
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    return InspectionReport.objects.get(title__startswith="National child protection")


def _download(page, link_name: str) -> bytes:
    with page.expect_download() as download:
        page.get_by_role("link", name=link_name).click()
    with open(download.value.path(), "rb") as pdf:
        return pdf.read()


def test_opcc_generates_the_chief_constables_response_from_the_report_page(
    page, login, live_server, demo
):
    opcc = User.objects.get(username="opcc")
    login(page, opcc)
    page.goto(f"{live_server.url}{demo.get_absolute_url()}")
    panel = page.locator("section", has=page.get_by_role("heading", name="Letters"))
    screenshot(page, "letters-report-page")
    panel.get_by_role("button", name="Generate the chief constable’s formal response").click()

    page.get_by_role("heading", name="Chief constable's formal response to the PCC").wait_for()
    screenshot(page, "letters-builder")
    page.get_by_role("button", name="Render the PDF").click()
    download_link = page.get_by_role("link", name="Download the draft PDF")
    download_link.wait_for()
    draft = _download(page, "Download the draft PDF")
    assert draft.startswith(b"%PDF-")
    text = pdf_text(draft)
    assert re.search(r"\bR10\b", text)
    assert "Shaun Sawyer" in text

    page.get_by_role("link", name="Preview the letter").click()
    page.locator(".letter-sheet").wait_for()
    assert (
        page.locator(".letter-sheet")
        .get_by_text("Backlog at the high-tech crime unit")
        .is_visible()
    )
    screenshot(page, "letters-preview")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "letters-preview-390")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("link", name="Back to the letter").click()

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Issue version 1").click()
    page.get_by_text("Version 1 issued.").wait_for()
    issued = _download(page, "Download the issued PDF")
    letter = Letter.objects.get(report=demo, kind=Letter.Kind.FORMAL_RESPONSE)
    assert letter.status == Letter.Status.ISSUED
    assert page.get_by_test_id("letter-checksum").inner_text() == letter.checksum
    import hashlib

    assert hashlib.sha256(issued).hexdigest() == letter.checksum
    assert "DRAFT" not in pdf_text(issued).replace(" ", "")
    screenshot(page, "letters-issued")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "letters-issued-390")
    page.set_viewport_size({"width": 1280, "height": 900})

    # A change after issue is a new version, compared with the frozen one.
    Recommendation.objects.filter(report=demo, reference="R4").update(
        status=Recommendation.Status.PROPOSED_FOR_CLOSURE
    )
    Action.objects.filter(plan__report=demo, reference="A6").update(rag=Rag.AMBER)
    page.get_by_role("button", name="Start version 2").click()
    page.get_by_text("Version 2 ·").wait_for()
    page.get_by_role("link", name="What changed").click()
    page.get_by_role("heading", name="What changed between version 1 and version 2").wait_for()
    assert page.get_by_role("heading", name="R4").is_visible()
    assert page.get_by_role("heading", name="R10").is_visible()
    screenshot(page, "letters-compare")


def test_plan_owner_renders_and_sees_the_status_update_without_reloading(
    page, login, live_server, demo
):
    acc = User.objects.get(username="acc")
    login(page, acc)
    page.goto(f"{live_server.url}/reports/{demo.pk}/letters/")
    page.get_by_role("button", name="Generate the chief constable’s formal response").click()
    url_before = page.url
    page.get_by_role("button", name="Render the PDF").click()
    page.get_by_role("link", name="Download the draft PDF").wait_for()
    assert page.url == url_before  # swapped in by htmx, not a new page
    assert page.get_by_role("button", name="Issue version 1").count() == 0
    assert page.get_by_text("OPCC staff issue letters.").is_visible()
    page.goto(f"{live_server.url}/reports/{demo.pk}/letters/")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "letters-list-390")
