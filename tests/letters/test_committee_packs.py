"""The committee pack: its four tables are the register's on the day it stands at, read back
from the real PDF (pdftotext) and the real workbook (openpyxl); scoped like the register;
frozen with checksums once issued; the next meeting's pack is reminded of."""

import datetime
import hashlib
import io
import os
import pathlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from letters import pack_jobs
from letters.models import CommitteePack
from letters.pack_data import pack_build
from letters.pack_jobs import pack_render
from letters.pack_rendering import pack_context, pack_render_pdf
from letters.pack_workbook import pack_render_xlsx, pack_workbook_started
from letters.services_packs import meeting_create, pack_create, pack_issue, pack_request_render
from oversight.models import CommitteeMeeting
from recommendations.filters import RecommendationFilter
from recommendations.models import ExtensionRequest, Rag, Recommendation
from recommendations.register import recommendation_register
from recommendations.register_as_at import register_as_at
from reminders.models import Reminder
from reminders.services import reminders_sweep
from tests import factories
from tests.letters.letter_pdf import flat, pdf_info, pdf_text, pdf_text_by_block

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
PREVIOUS = TODAY - datetime.timedelta(days=30)


def _backdate(recommendation: Recommendation, days: int) -> None:
    """Every version of the recommendation saved `days` ago, as if it had been then."""
    recommendation.history.update(history_date=timezone.now() - datetime.timedelta(days=days))


@pytest.fixture
def world(report_a, plan_a, police_lead_a, opcc_staff, report_b, police_lead_b):
    """Force A: two live recommendations (one overdue, with an accepted update), one closed
    since the previous meeting, one closed long before it, one for information; an
    extension agreed and one waiting. Force B: one live recommendation."""
    live = factories.RecommendationFactory(
        report=report_a, reference="R1", text="Improve the triage of calls.", due_on=None
    )
    overdue = factories.RecommendationFactory(
        report=report_a,
        reference="R2",
        text="Train every supervisor.",
        due_on=TODAY - datetime.timedelta(days=10),
        status=Recommendation.Status.IN_PROGRESS,
    )
    done_since = factories.RecommendationFactory(
        report=report_a, reference="R3", text="Publish the audit.", due_on=None
    )
    _backdate(done_since, 60)
    done_since.status = Recommendation.Status.CLOSED
    done_since.closure_rationale = "Published."
    done_since.signed_off_by = opcc_staff
    done_since.save()
    done_before = factories.RecommendationFactory(
        report=report_a,
        reference="R4",
        text="Appoint a lead.",
        status=Recommendation.Status.CLOSED,
        closure_rationale="Appointed.",
        signed_off_by=opcc_staff,
    )
    _backdate(done_before, 60)
    factories.RecommendationFactory(
        report=report_a,
        reference="R5",
        text="Noted nationally.",
        status=Recommendation.Status.FOR_INFORMATION,
    )
    action = factories.ActionFactory(
        plan=plan_a,
        reference="A1",
        description="Run a supervisors' course.",
        delivery_lead=police_lead_a,
        rag=Rag.RED,
        recommendations=[overdue],
    )
    factories.ProgressUpdateFactory(
        action=action,
        narrative="Forty supervisors trained so far.",
        review_state="accepted",
        reviewed_by=opcc_staff,
        reviewed_at=timezone.now(),
        written_on=TODAY - datetime.timedelta(days=5),
    )
    factories.ProgressUpdateFactory(
        action=action, narrative="A draft not yet accepted.", written_on=TODAY
    )
    now = timezone.now()
    ExtensionRequest.objects.create(
        action=action,
        requested_by=police_lead_a,
        requested_at=now - datetime.timedelta(days=10),
        from_date=action.target_date,
        to_date=action.target_date + datetime.timedelta(days=60),
        reason="The trainer left.",
        decision=ExtensionRequest.Decision.AGREED,
        decided_by=opcc_staff,
        decided_at=now - datetime.timedelta(days=8),
        decision_comment="Agreed once.",
    )
    ExtensionRequest.objects.create(
        action=action,
        requested_by=police_lead_a,
        requested_at=now - datetime.timedelta(days=2),
        from_date=action.target_date + datetime.timedelta(days=60),
        to_date=action.target_date + datetime.timedelta(days=90),
        reason="Venue closed.",
    )
    factories.RecommendationFactory(report=report_b, reference="B1", text="Force B's own.")
    return {"live": live, "overdue": overdue, "done_since": done_since, "action": action}


@pytest.fixture
def meeting(office_a):
    return CommitteeMeeting.objects.create(
        office=office_a,
        committee=CommitteeMeeting.Committee.JOINT_AUDIT,
        meets_on=TODAY + datetime.timedelta(days=14),
    )


def _pack(meeting, by, **fields) -> CommitteePack:
    return CommitteePack.objects.create(
        meeting=meeting, previous_meeting_on=PREVIOUS, created_by=by, **fields
    )


def _register_count(user, **filters) -> int:
    register = RecommendationFilter(filters, queryset=recommendation_register(user), user=user)
    assert register.form.is_valid(), register.form.errors
    return register.qs.count()


def test_the_tables_are_the_registers_on_the_day(world, meeting, opcc_staff):
    content = pack_build(_pack(meeting, opcc_staff), opcc_staff)
    counts = content["summary"]["counts"]
    assert counts["live"] == _register_count(opcc_staff, status="any_open") == 2
    assert counts["overdue"] == _register_count(opcc_staff, status="any_open", overdue="true")
    assert [row["reference"] for row in content["live"]] == ["R1", "R2"]
    assert [row["reference"] for row in content["overdue"]] == ["R2"]
    # Completed since the previous meeting: R3 (closed after it), not R4 (closed before).
    assert [row["reference"] for row in content["completed"]] == ["R3"]
    assert content["completed"][0]["status_before"] == "Open"
    # The latest accepted update, not the newer one still waiting for review.
    overdue_row = content["live"][1]
    assert overdue_row["update"] == "Forty supervisors trained so far."
    assert overdue_row["owner"] == str(world["action"].delivery_lead)
    assert [(row["decision"], row["reason"]) for row in content["extensions"]] == [
        ("Agreed", "The trainer left."),
        ("Awaiting the OPCC's decision", "Venue closed."),
    ]


def test_a_reader_never_finds_a_force_they_may_not_see(world, office_b, opcc_staff_b):
    meeting_b = CommitteeMeeting.objects.create(
        office=office_b, committee="panel", meets_on=TODAY + datetime.timedelta(days=7)
    )
    pack = _pack(meeting_b, opcc_staff_b)
    pack.forces.add(world["live"].report.force)  # chosen by hand: still not theirs to see
    content = pack_build(pack, opcc_staff_b)
    text = str(content)
    assert "Improve the triage" not in text and "Train every supervisor" not in text
    assert content["summary"]["forces"] == []
    pack.forces.clear()
    content = pack_build(pack, opcc_staff_b)
    assert [row["reference"] for row in content["live"]] == ["B1"]
    assert "Force A" not in str(content) and world["live"].report.force.name not in str(content)


def test_the_pdf_and_workbook_read_back_with_the_same_rows_and_totals(world, meeting, opcc_staff):
    content = pack_build(_pack(meeting, opcc_staff), opcc_staff)
    pdf = pack_render_pdf(content, is_draft=True)
    if path := os.environ.get("PACK_PDF_OUT"):  # to look at it: pdftoppm -png
        pathlib.Path(path).write_bytes(pdf)
    info = pdf_info(pdf)
    assert info["Tagged"] == "yes"
    assert info["Page size"].startswith("841.89 x 595.276")  # A4 landscape
    text = flat(pdf_text_by_block(pdf))
    assert "2. Live recommendations (2)" in text
    assert "3. Completed or closed since the last meeting (1)" in text
    assert "4. Extensions requested (2)" in text
    assert "5. Overdue (1)" in text
    assert "Forty supervisors trained so far." in text
    assert "A draft not yet accepted." not in text
    assert "Venue closed." in text
    assert "DRAFT:NOTISSUED" in "".join(text.split())  # letter-spaced in the page margin
    assert "Page 1 of" in pdf_text(pdf)

    book = load_workbook(io.BytesIO(pack_render_xlsx(content)))
    assert book.sheetnames == ["Summary", "Live", "Completed", "Extensions", "Overdue"]
    for sheet, expected in [("Live", 2), ("Completed", 1), ("Extensions", 2), ("Overdue", 1)]:
        rows = list(book[sheet].iter_rows(min_row=2, values_only=True))
        assert len(rows) == expected, sheet
        assert book[sheet].tables, f"{sheet} has its filters on"
    overdue_row = next(book["Overdue"].iter_rows(min_row=2, values_only=True))
    header = [cell.value for cell in book["Overdue"][1]]
    due = overdue_row[header.index("Due on")]
    assert due.date() == world["overdue"].due_on  # a real date, not text
    summary = {row[0]: row[1] for row in book["Summary"].iter_rows(values_only=True) if row}
    assert summary["Live"] == 2 and summary["Overdue"] == 1


def test_a_meeting_already_held_stands_at_its_day(world, office_a, opcc_staff):
    held = CommitteeMeeting.objects.create(
        office=office_a, committee="panel", meets_on=TODAY - datetime.timedelta(days=1)
    )
    pack = CommitteePack.objects.create(
        meeting=held, previous_meeting_on=PREVIOUS, created_by=opcc_staff
    )
    _backdate(world["live"], 60)
    _backdate(world["overdue"], 60)
    factories.RecommendationFactory(report=world["live"].report, reference="R9", text="Today's.")
    content = pack_build(pack, opcc_staff)
    assert content["summary"]["as_at"] == held.meets_on
    # As the register stood at the end of the meeting's day: R3 was still open (closed
    # today) and R9 not yet recorded.
    assert [row["reference"] for row in content["live"]] == ["R1", "R2", "R3"]
    assert content["completed"] == []
    assert len(content["live"]) == len(
        register_as_at(
            opcc_staff,
            as_at=held.meets_on,
            filters={"status": "any_open", "force": str(world["live"].report.force_id)},
        )
    )


def test_a_meeting_before_the_history_starts_is_refused_in_plain_words(world, office_a, opcc_staff):
    long_ago = CommitteeMeeting.objects.create(
        office=office_a, committee="panel", meets_on=TODAY - datetime.timedelta(days=100)
    )
    pack = CommitteePack.objects.create(
        meeting=long_ago,
        previous_meeting_on=TODAY - datetime.timedelta(days=190),
        created_by=opcc_staff,
        render_state=CommitteePack.RenderState.QUEUED,
    )
    pack_render(pack_id=pack.pk, user_id=opcc_staff.pk)
    pack.refresh_from_db()
    assert pack.render_state == "failed" and not pack.pdf
    assert pack.render_error.startswith("The register's history starts on")
    assert "cannot be made" in pack.render_error and "ValidationError" not in pack.render_error


def test_rendering_records_its_progress_and_checksums(world, meeting, opcc_staff):
    pack = _pack(meeting, opcc_staff, render_state=CommitteePack.RenderState.QUEUED)
    pack_render(pack_id=pack.pk, user_id=opcc_staff.pk)
    pack.refresh_from_db()
    assert pack.render_state == "ready" and pack.render_progress == 100
    assert pack.status == "draft"
    assert pack.pdf_checksum == hashlib.sha256(pack.pdf.read()).hexdigest()
    assert pack.snapshot["counts"]["live"] == 2
    assert pack.as_at == timezone.localdate()  # the day rendered, not the tests collected
    workbook = pack.xlsx.read()
    assert pack.xlsx_checksum == hashlib.sha256(workbook).hexdigest()
    assert load_workbook(io.BytesIO(workbook)).sheetnames == [
        "Summary",
        "Live",
        "Completed",
        "Extensions",
        "Overdue",
    ]


def test_the_pack_is_made_in_the_language_of_whoever_asked(world, meeting, opcc_staff, monkeypatch):
    """The worker renders as the requester reads: a Welsh reader's PDF has its fixed wording
    in Welsh (the table titles here), and the steps they watch are in Welsh."""
    opcc_staff.language = "cy"
    opcc_staff.save(update_fields=["language"])
    seen = {}
    steps = []

    def pdf_in_the_language(content, *, is_draft):
        seen["language"] = translation.get_language()
        seen["titles"] = [
            str(table["title"]) for table in pack_context(content, is_draft=is_draft)["tables"]
        ]
        return b"%PDF-1.7 stand-in"

    monkeypatch.setattr("letters.pack_jobs.pack_render_pdf", pdf_in_the_language)
    real_progress = pack_jobs._progress

    def recorded(pack_id):
        report = real_progress(pack_id)

        def step(percent, text):
            steps.append(text)
            report(percent, text)

        return step

    monkeypatch.setattr("letters.pack_jobs._progress", recorded)
    pack = _pack(meeting, opcc_staff, render_state=CommitteePack.RenderState.QUEUED)
    pack_render(pack_id=pack.pk, user_id=opcc_staff.pk)
    pack.refresh_from_db()
    assert pack.render_state == "ready"
    assert seen["language"] == "cy"
    assert seen["titles"][0] == "Argymhellion byw"
    assert "Yn cadw" in steps
    assert translation.get_language() != "cy"  # the worker's own language is left as it was


def test_a_welsh_readers_pack_reads_in_welsh_on_every_page(world, meeting, opcc_staff):
    """The real PDF, read back: headings, table titles and the page margins in Welsh; the
    rows as typed."""
    with translation.override("cy"):
        content = pack_build(_pack(meeting, opcc_staff), opcc_staff)
        pdf = pack_render_pdf(content, is_draft=True)
    if path := os.environ.get("PACK_PDF_OUT_CY"):  # to look at it: pdftoppm -png
        pathlib.Path(path).write_bytes(pdf)
    text = flat(pdf_text_by_block(pdf))
    assert "Argymhellion byw (2)" in text
    assert "Forty supervisors trained so far." in text
    pages = pdf_text(pdf)
    assert "Tudalen 1 o" in pages and "Page 1 of" not in pages
    assert "Live recommendations" not in text


def test_the_workbook_is_written_by_a_process_of_its_own_that_reports_failure():
    """The worker writes the workbook in a child process while it lays out the PDF; a child
    that fails says why, and the pack then records a failure (pack_render's except)."""
    started = pack_workbook_started({"summary": {"committee": "JAC"}, "live": []})
    with pytest.raises(RuntimeError, match="writing the workbook failed: KeyError: 'meets_on'"):
        started()


def test_issuing_renders_without_the_draft_mark_and_freezes(
    world, meeting, opcc_staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        pack = pack_create(meeting=meeting, by=opcc_staff, previous_meeting_on=PREVIOUS)
    pack.refresh_from_db()
    assert pack.render_state == "ready"  # the eager worker ran on commit
    with django_capture_on_commit_callbacks(execute=True):
        pack_issue(pack=pack, by=opcc_staff)
    pack.refresh_from_db()
    meeting.refresh_from_db()
    assert pack.status == "issued" and pack.issued_by == opcc_staff
    assert meeting.pack_issued_at is not None
    pdf = pack.pdf.read()
    assert hashlib.sha256(pdf).hexdigest() == pack.pdf_checksum
    assert hashlib.sha256(pack.xlsx.read()).hexdigest() == pack.xlsx_checksum
    assert "DRAFT" not in "".join(pdf_text(pdf).split())
    with pytest.raises(ValidationError, match="never changed"):
        pack_request_render(pack=pack, by=opcc_staff)
    with pytest.raises(ValidationError, match="never changed"):
        pack_issue(pack=pack, by=opcc_staff)


def test_only_the_offices_staff_prepare_packs(world, meeting, read_only, opcc_staff_b):
    for person in (read_only, opcc_staff_b):
        with pytest.raises(PermissionDenied):
            pack_create(meeting=meeting, by=person, previous_meeting_on=PREVIOUS)
    assert not CommitteePack.objects.exists()


def test_bad_choices_are_refused_with_what_to_fix(world, meeting, opcc_staff, force_b):
    with pytest.raises(ValidationError, match="must be before this one"):
        pack_create(meeting=meeting, by=opcc_staff, previous_meeting_on=meeting.meets_on)
    with pytest.raises(ValidationError, match="only forces your office oversees"):
        pack_create(meeting=meeting, by=opcc_staff, previous_meeting_on=PREVIOUS, forces=[force_b])
    with pytest.raises(ValidationError, match="already meets on"):
        meeting_create(by=opcc_staff, committee=meeting.committee, meets_on=meeting.meets_on)
    assert not CommitteePack.objects.exists()
    assert CommitteeMeeting.objects.count() == 1


def test_the_next_meetings_pack_is_reminded_until_issued(meeting, opcc_staff, read_only):
    reminders_sweep(today=meeting.papers_due_on)
    reminders = Reminder.objects.filter(what="committee_pack_due")
    assert [(r.recipient, r.stage, r.due_on) for r in reminders] == [
        (opcc_staff, Reminder.Stage.DUE_TODAY, meeting.papers_due_on)
    ]
    meeting.pack_issued_at = timezone.now()
    meeting.save()
    reminders_sweep(today=meeting.papers_due_on + datetime.timedelta(days=1))
    assert reminders.count() == 1  # issued: no overdue reminder


def test_pages_show_progress_downloads_and_refuse_others(
    client, world, meeting, opcc_staff, read_only, opcc_staff_b, police_lead_a
):
    pack = _pack(meeting, opcc_staff, render_state=CommitteePack.RenderState.QUEUED)
    client.force_login(opcc_staff)
    status = client.get(reverse("letters:pack_status", args=[pack.pk]))
    assert b'aria-valuenow="0"' in status.content and b"every 1s" in status.content
    pack_render(pack_id=pack.pk, user_id=opcc_staff.pk)
    page = client.get(pack.get_absolute_url())
    assert b"Download the PDF" in page.content and b"Issue version 1" in page.content
    download = client.get(reverse("letters:pack_xlsx", args=[pack.pk]))
    assert download.status_code == 200
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")
    client.force_login(read_only)
    page = client.get(pack.get_absolute_url())
    assert page.status_code == 200 and b"Issue version" not in page.content
    assert client.post(reverse("letters:pack_issue", args=[pack.pk])).status_code == 403
    # Another office's staff: no such pack (404); the force's people: not theirs (403).
    for outsider, status_code in ((opcc_staff_b, 404), (police_lead_a, 403)):
        client.force_login(outsider)
        assert client.get(pack.get_absolute_url()).status_code == status_code
        assert client.get(reverse("letters:pack_pdf", args=[pack.pk])).status_code == status_code
