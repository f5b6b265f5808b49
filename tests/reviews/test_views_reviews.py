import datetime
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from oversight.shared.concurrency import version_of
from reviews.models import DeepDiveReview, LineOfEnquiry, ReviewEvidence
from tests import factories, sample_files
from tests.reviews.conftest import PDF_BYTES, pdf_upload


def review_post(report, area, **overrides) -> dict:
    data = {
        "theme": "Missing children",
        "report": report.pk,
        "priority_areas": [area.pk],
        "held_on": "2026-10-20",
        "status": "held",
        "panel": "PCC\nChief executive",
        "evidence_summary": "Tracker data.",
        "findings": "Progress, but uneven.",
        "performance_assurance": "partly_assured",
        "performance_rationale": "Uneven between areas.",
        "plans_assurance": "",
        "plans_rationale": "",
        "revisit_on": "2027-01-20",
        "lines-TOTAL_FORMS": "3",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "30",
        "lines-0-question": "How do you know?",
        "lines-0-response": "",
        "lines-1-question": "What happens the third time?",
        "lines-1-response": "A strategy meeting.",
        "lines-2-question": "",
        "lines-2-response": "",
    }
    data.update(overrides)
    return data


# --- List and detail -------------------------------------------------------------------


def test_review_list_shows_assurance_words(client, read_only, review_a, review_b):
    client.force_login(read_only)
    response = client.get(reverse("reviews:review_list"))
    assert b"Partly assured" in response.content
    assert b"Child protection" in response.content
    assert b"Custody" not in response.content
    assert b"Record a deep dive" not in response.content


def test_review_detail_shows_the_review(client, police_lead_a, review_a, follow_up_a):
    client.force_login(police_lead_a)
    response = client.get(review_a.get_absolute_url())
    content = response.content.decode()
    assert "How do you know?" in content
    assert "Response to missing children is inconsistent." in content
    assert follow_up_a.description in content
    assert reverse("reviews:follow_up_update", args=[follow_up_a.pk]) in content
    assert reverse("reviews:review_edit", args=[review_a.pk]) not in content


def test_review_detail_offers_no_update_on_someone_elses_follow_up(
    client, police_lead_a2, review_a, follow_up_a
):
    client.force_login(police_lead_a2)
    response = client.get(review_a.get_absolute_url())
    assert (
        reverse("reviews:follow_up_update", args=[follow_up_a.pk]) not in response.content.decode()
    )


# --- Create and edit -------------------------------------------------------------------


def test_review_create_records_a_deep_dive_with_its_lines(client, opcc_staff, report_a, area_a):
    client.force_login(opcc_staff)
    response = client.post(reverse("reviews:review_create"), review_post(report_a, area_a))
    review = DeepDiveReview.objects.get()
    assert response.status_code == 302
    assert response["Location"] == review.get_absolute_url()
    assert review.performance_assurance == "partly_assured"
    assert list(
        review.lines_of_enquiry.order_by("position").values_list("question", flat=True)
    ) == [
        "How do you know?",
        "What happens the third time?",
    ]
    assert list(review.priority_areas.all()) == [area_a]


def test_review_create_without_rationale_says_so_and_saves_nothing(
    client, opcc_staff, report_a, area_a
):
    client.force_login(opcc_staff)
    response = client.post(
        reverse("reviews:review_create"),
        review_post(report_a, area_a, performance_rationale="  "),
    )
    assert response.status_code == 400
    assert "a rationale is required when you record an assurance" in response.content.decode()
    assert not DeepDiveReview.objects.exists()
    assert not LineOfEnquiry.objects.exists()


def test_review_create_refuses_an_area_of_another_report(client, opcc_staff, report_a, area_a):
    other = factories.PriorityAreaFactory(
        report=factories.InspectionReportFactory(force=report_a.force)
    )
    client.force_login(opcc_staff)
    response = client.post(
        reverse("reviews:review_create"), review_post(report_a, area_a, priority_areas=[other.pk])
    )
    assert response.status_code == 400
    assert "Choose only priority areas of the linked report" in response.content.decode()
    assert not DeepDiveReview.objects.exists()


def test_review_create_shows_the_chosen_reports_areas_only(client, opcc_staff, report_a, area_a):
    other = factories.PriorityAreaFactory(
        report=factories.InspectionReportFactory(force=report_a.force), title="Elsewhere"
    )
    client.force_login(opcc_staff)
    response = client.get(reverse("reviews:review_create"), {"report": report_a.pk})
    content = response.content.decode()
    assert area_a.title in content
    assert other.title not in content


def test_review_create_refresh_button_reshows_without_saving(client, opcc_staff, report_a, area_a):
    client.force_login(opcc_staff)
    response = client.post(
        reverse("reviews:review_create"),
        review_post(report_a, area_a, theme="Kept", _refresh="1"),
    )
    assert response.status_code == 200
    assert b'value="Kept"' in response.content
    assert not DeepDiveReview.objects.exists()


def test_review_create_add_line_button_adds_a_row(client, opcc_staff, report_a, area_a):
    client.force_login(opcc_staff)
    response = client.post(
        reverse("reviews:review_create"), review_post(report_a, area_a, _add_line="1")
    )
    assert response.status_code == 200
    assert b'name="lines-TOTAL_FORMS" value="4"' in response.content
    assert b"What happens the third time?" in response.content
    assert not DeepDiveReview.objects.exists()


def test_review_create_htmx_report_change_returns_the_areas(client, opcc_staff, report_a, area_a):
    client.force_login(opcc_staff)
    response = client.get(
        reverse("reviews:review_create"), {"report": report_a.pk}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert b'id="priority-areas"' in response.content


def test_review_edit_saves_changes(client, opcc_staff, review_a, report_a, area_a):
    client.force_login(opcc_staff)
    data = review_post(report_a, area_a, theme="Renamed", version=version_of(review_a))
    response = client.post(reverse("reviews:review_edit", args=[review_a.pk]), data)
    assert response.status_code == 302
    review_a.refresh_from_db()
    assert review_a.theme == "Renamed"
    assert review_a.lines_of_enquiry.count() == 1  # lines are edited on their own pages


def test_review_edit_with_a_stale_form_answers_409(client, opcc_staff, review_a, report_a, area_a):
    client.force_login(opcc_staff)
    stale = version_of(review_a)
    DeepDiveReview.objects.filter(pk=review_a.pk).update(
        updated_at=review_a.updated_at + datetime.timedelta(seconds=3)
    )
    data = review_post(report_a, area_a, theme="Renamed", version=stale)
    response = client.post(reverse("reviews:review_edit", args=[review_a.pk]), data)
    assert response.status_code == 409
    assert "Someone else changed this" in response.content.decode()
    assert DeepDiveReview.objects.get(pk=review_a.pk).theme == "Child protection"


# --- Lines of enquiry ------------------------------------------------------------------


def test_line_add_without_javascript_returns_to_the_review(client, opcc_staff, review_a):
    client.force_login(opcc_staff)
    response = client.post(
        reverse("reviews:line_add", args=[review_a.pk]), {"question": "Who decides?"}
    )
    assert response.status_code == 302
    assert response["Location"].endswith("#lines")
    assert review_a.lines_of_enquiry.get(position=2).question == "Who decides?"


def test_line_add_with_htmx_returns_the_updated_list(client, opcc_staff, review_a):
    client.force_login(opcc_staff)
    response = client.post(
        reverse("reviews:line_add", args=[review_a.pk]),
        {"question": "Who decides?"},
        headers={"HX-Request": "true"},
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert content.lstrip().startswith('<section id="lines"')
    assert "Who decides?" in content and "How do you know?" in content


def test_line_add_with_htmx_and_no_question_answers_400_with_the_error(
    client, opcc_staff, review_a
):
    client.force_login(opcc_staff)
    response = client.post(
        reverse("reviews:line_add", args=[review_a.pk]),
        {"question": ""},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 400
    assert "Write the question the panel asked." in response.content.decode()
    assert review_a.lines_of_enquiry.count() == 1


def test_line_edit_saves_the_response(client, opcc_staff, review_a):
    line = review_a.lines_of_enquiry.get()
    client.force_login(opcc_staff)
    response = client.post(
        reverse("reviews:line_edit", args=[review_a.pk, line.pk]),
        {
            "question": line.question,
            "response": "They showed the tracker.",
            "version": version_of(line),
        },
    )
    assert response.status_code == 302
    line.refresh_from_db()
    assert line.response == "They showed the tracker."


def test_line_edit_of_another_reviews_line_is_404(client, opcc_staff, review_a, office_a, force_a):
    other = factories.LineOfEnquiryFactory(
        review=factories.DeepDiveReviewFactory(office=office_a, force=force_a)
    )
    client.force_login(opcc_staff)
    response = client.get(reverse("reviews:line_edit", args=[review_a.pk, other.pk]))
    assert response.status_code == 404


# --- Evidence --------------------------------------------------------------------------


def test_evidence_upload_stores_a_checked_file(client, opcc_staff, review_a):
    client.force_login(opcc_staff)
    response = client.post(
        reverse("reviews:evidence_upload", args=[review_a.pk]),
        {"title": "Tracker", "file": pdf_upload("tracker.pdf")},
    )
    assert response.status_code == 302
    evidence = ReviewEvidence.objects.get()
    assert (evidence.title, evidence.original_name, evidence.size) == (
        "Tracker",
        "tracker.pdf",
        len(PDF_BYTES),
    )


def test_evidence_upload_refuses_an_oversized_file(client, opcc_staff, review_a, settings):
    settings.EVIDENCE_MAX_BYTES = 1024 * 1024
    client.force_login(opcc_staff)
    big = pdf_upload("big.pdf", PDF_BYTES + b"0" * (1024 * 1024))
    response = client.post(reverse("reviews:evidence_upload", args=[review_a.pk]), {"file": big})
    assert response.status_code == 400
    assert "the limit is 1 MB" in response.content.decode()
    assert not ReviewEvidence.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("report.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00", "not a file type we accept"),
        ("notes.docx", PDF_BYTES, "is a PDF, but its name ends in .docx"),
    ],
)
def test_evidence_upload_refuses_a_disguised_file(
    client, opcc_staff, review_a, name, content, message
):
    client.force_login(opcc_staff)
    response = client.post(
        reverse("reviews:evidence_upload", args=[review_a.pk]),
        {"file": pdf_upload(name, content)},
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ReviewEvidence.objects.exists()


def _stored_files() -> list[str]:
    root = Path(default_storage.location)
    return [str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()]


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    list(sample_files.REFUSED.values()),
    ids=list(sample_files.REFUSED),
)
def test_evidence_upload_refuses_unsafe_files(client, opcc_staff, review_a, name, content, reason):
    client.force_login(opcc_staff)
    response = client.post(
        reverse("reviews:evidence_upload", args=[review_a.pk]),
        {"file": SimpleUploadedFile(name, content)},
    )
    assert response.status_code == 400
    page = " ".join(response.content.decode().split())
    assert reason in page
    assert not ReviewEvidence.objects.exists()
    assert _stored_files() == []


@pytest.mark.parametrize(
    ("name", "content", "extension", "content_type"),
    list(sample_files.ACCEPTED.values()),
    ids=list(sample_files.ACCEPTED),
)
def test_evidence_upload_stores_under_the_extension_of_its_content(
    client, opcc_staff, review_a, name, content, extension, content_type
):
    client.force_login(opcc_staff)
    response = client.post(
        reverse("reviews:evidence_upload", args=[review_a.pk]),
        {"file": SimpleUploadedFile(name, content)},
    )
    assert response.status_code == 302
    evidence = ReviewEvidence.objects.get()
    assert evidence.content_type == content_type
    assert evidence.file.name.endswith(extension)
    download = client.get(reverse("reviews:evidence_download", args=[evidence.pk]))
    assert download["Content-Type"] == content_type
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"


def test_older_svg_evidence_is_served_as_a_plain_download(client, opcc_staff, review_a):
    evidence = ReviewEvidence(
        review=review_a,
        original_name="chart.svg",
        content_type="text/plain",
        size=len(sample_files.SVG),
        sha256="0" * 64,
        uploaded_by=opcc_staff,
    )
    evidence.file.save("chart.svg", ContentFile(sample_files.SVG), save=False)
    evidence.save()
    client.force_login(opcc_staff)
    response = client.get(reverse("reviews:evidence_download", args=[evidence.pk]))
    assert response["Content-Type"] == "text/plain"
    assert response["Content-Disposition"] == 'attachment; filename="chart.svg.txt"'
    assert response["X-Content-Type-Options"] == "nosniff"


def test_evidence_download_is_an_attachment(client, police_lead_a, evidence_a):
    client.force_login(police_lead_a)
    response = client.get(reverse("reviews:evidence_download", args=[evidence_a.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF_BYTES
