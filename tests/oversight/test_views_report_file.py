"""The inspection report's own PDF: attached by OPCC staff from the report's edit page,
checked like any evidence, and downloaded by whoever may see the report."""

from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from oversight.models import InspectionReport
from tests import factories, sample_files

READERS = ["opcc_staff", "read_only", "plan_owner_a", "police_lead_a"]
NOT_STAFF = ["read_only", "plan_owner_a", "police_lead_a"]
OUTSIDERS = ["police_lead_b", "opcc_staff_b"]
REPORT_PDF = factories.tiny_pdf("National child protection inspection")


def _upload_url(report) -> str:
    return reverse("oversight:report_file_upload", args=[report.pk])


def _download_url(report) -> str:
    return reverse("oversight:report_file", args=[report.pk])


def _upload(client, report, name="child-protection.pdf", content=REPORT_PDF):
    return client.post(_upload_url(report), {"file": SimpleUploadedFile(name, content)})


def _stored_files() -> list[str]:
    root = Path(default_storage.location)
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


@pytest.fixture
def report_with_file(report_a, opcc_staff, client):
    client.force_login(opcc_staff)
    assert _upload(client, report_a).status_code == 302
    client.logout()
    report_a.refresh_from_db()
    return report_a


# --- Upload ---------------------------------------------------------------------------


def test_report_edit_page_offers_the_pdf_upload(client, opcc_staff, report_a):
    client.force_login(opcc_staff)
    content = client.get(reverse("oversight:report_edit", args=[report_a.pk])).content.decode()
    assert f'action="{_upload_url(report_a)}"' in content
    assert 'enctype="multipart/form-data"' in content
    assert "The report as a PDF; up to 30 MB." in content


def test_report_file_upload_stores_the_pdf_and_returns_to_the_report(client, opcc_staff, report_a):
    client.force_login(opcc_staff)
    response = _upload(client, report_a)
    assert response.status_code == 302
    assert response["Location"] == report_a.get_absolute_url()
    report_a.refresh_from_db()
    assert report_a.report_file.name.endswith(".pdf")
    assert report_a.report_file.read() == REPORT_PDF
    page = client.get(report_a.get_absolute_url()).content.decode()
    assert f'href="{_download_url(report_a)}"' in page


def test_report_file_upload_replaces_the_old_file(
    client, opcc_staff, report_with_file, django_capture_on_commit_callbacks
):
    old = report_with_file.report_file.name
    client.force_login(opcc_staff)
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client, report_with_file, content=factories.tiny_pdf("Revised"))
    report_with_file.refresh_from_db()
    assert report_with_file.report_file.name != old
    assert _stored_files() == [report_with_file.report_file.name]


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        sample_files.REFUSED["fake-pdf"],
        sample_files.REFUSED["pdf-javascript"],
        sample_files.REFUSED["pdf-launch"],
        sample_files.REFUSED["pdf-embedded-file"],
        sample_files.REFUSED["html"],
        ("report.docx", sample_files.ooxml("docx"), "is not a type we accept (.docx)"),
    ],
    ids=["fake-pdf", "pdf-javascript", "pdf-launch", "pdf-embedded-file", "html", "docx"],
)
def test_report_file_upload_refuses_anything_but_a_safe_pdf(
    client, opcc_staff, report_a, name, content, reason
):
    client.force_login(opcc_staff)
    response = _upload(client, report_a, name=name, content=content)
    assert response.status_code == 400
    page = " ".join(response.content.decode().split())
    assert reason in page
    assert "Only a PDF is accepted here." in page
    report_a.refresh_from_db()
    assert not report_a.report_file
    assert _stored_files() == []


def test_report_file_upload_without_a_file_says_so(client, opcc_staff, report_a):
    client.force_login(opcc_staff)
    response = client.post(_upload_url(report_a), {})
    assert response.status_code == 400
    assert "Choose the report&#x27;s PDF file." in response.content.decode()


def test_report_file_upload_leaves_no_file_when_the_save_fails(
    client, opcc_staff, report_a, monkeypatch
):
    def fail(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(InspectionReport, "save", fail)
    client.force_login(opcc_staff)
    client.raise_request_exception = True
    with pytest.raises(RuntimeError):
        _upload(client, report_a)
    assert _stored_files() == []


@pytest.mark.parametrize("persona", NOT_STAFF)
def test_report_file_upload_is_forbidden_to_readers(client, request, persona, report_a):
    client.force_login(request.getfixturevalue(persona))
    assert _upload(client, report_a).status_code == 403
    assert _stored_files() == []


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_report_file_upload_of_another_force_is_not_found(client, request, persona, report_a):
    client.force_login(request.getfixturevalue(persona))
    assert _upload(client, report_a).status_code == 404
    assert _stored_files() == []


def test_report_file_upload_redirects_anonymous_and_refuses_get(client, opcc_staff, report_a):
    response = _upload(client, report_a)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    client.force_login(opcc_staff)
    assert client.get(_upload_url(report_a)).status_code == 405


# --- Download -------------------------------------------------------------------------


def test_report_file_download_is_an_attachment(client, opcc_staff, report_with_file):
    client.force_login(opcc_staff)
    response = client.get(_download_url(report_with_file))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'attachment; filename="Child protection in force A.pdf"'
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == REPORT_PDF


@pytest.mark.parametrize("persona", READERS)
def test_report_file_download_is_open_to_the_forces_readers(
    client, request, persona, report_with_file
):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(_download_url(report_with_file)).status_code == 200


def test_report_file_download_is_open_to_a_partner_with_an_action_on_it(
    client, partner_lead, partner_action_a, report_with_file
):
    client.force_login(partner_lead)
    assert client.get(_download_url(report_with_file)).status_code == 200


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_report_file_download_of_another_force_is_not_found(
    client, request, persona, report_with_file
):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(_download_url(report_with_file)).status_code == 404


def test_report_file_download_without_a_file_is_not_found(client, opcc_staff, report_a):
    client.force_login(opcc_staff)
    assert client.get(_download_url(report_a)).status_code == 404


def test_report_file_download_redirects_anonymous_and_refuses_post(
    client, opcc_staff, report_with_file
):
    response = client.get(_download_url(report_with_file))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    client.force_login(opcc_staff)
    assert client.post(_download_url(report_with_file)).status_code == 405
