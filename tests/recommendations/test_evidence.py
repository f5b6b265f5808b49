"""Evidence files: checked on the way in, stored outside the web root, served only to those
who may see the action, and never left half-saved."""

import os
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from recommendations.models import Evidence, ProgressUpdate
from tests import factories, sample_files


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _stored_files() -> list[str]:
    root = Path(default_storage.location)
    return [str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()]


def _post_update(client, action, *, files=(), **fields):
    data = {"narrative": "Training continuing.", "rag": "amber", "percent_complete": 40}
    data.update(fields)
    data["files"] = list(files)
    return client.post(reverse("recommendations:update_create", args=[action.pk]), data)


def _field_block(content: str, field: str) -> str:
    """The HTML of one field's block in a crispy form, where its errors are shown."""
    start = content.index(f'id="div_id_{field}"')
    end = content.find('id="div_id_', start + 1)
    return content[start : end if end != -1 else None]


def _pdf(name="minutes.pdf", text="Evidence"):
    return SimpleUploadedFile(name, factories.tiny_pdf(text), content_type="application/pdf")


def test_form_states_the_limits(client, action_a, police_lead_a):
    client.force_login(police_lead_a)
    content = client.get(reverse("recommendations:update_create", args=[action_a.pk])).content
    assert (
        b"PDF, Word (.docx), Excel (.xlsx), PowerPoint (.pptx), OpenDocument text (.odt), "
        b"OpenDocument spreadsheet (.ods), CSV, plain text (.txt), PNG, JPEG, e-mail (.eml) "
        b"or Outlook message (.msg); up to 10 MB each."
    ) in content
    assert b'enctype="multipart/form-data"' in content
    assert b"multiple" in content


def test_lead_posts_an_update_with_two_files(client, action_a, police_lead_a):
    client.force_login(police_lead_a)
    response = _post_update(client, action_a, files=[_pdf("minutes.pdf"), _pdf("audit.pdf")])
    assert response.status_code == 302
    update = ProgressUpdate.objects.get()
    names = sorted(update.evidence.values_list("original_name", flat=True))
    assert names == ["audit.pdf", "minutes.pdf"]
    assert len(_stored_files()) == 2


def test_files_are_stored_outside_the_web_root(client, action_a, police_lead_a):
    client.force_login(police_lead_a)
    _post_update(client, action_a, files=[_pdf()])
    evidence = Evidence.objects.get()
    stored = Path(evidence.file.path).resolve()
    assert stored.is_relative_to(Path(django_settings.PRIVATE_MEDIA_ROOT).resolve())
    for public in [
        Path(django_settings.STATIC_ROOT),
        *map(Path, django_settings.STATICFILES_DIRS[:1]),
    ]:
        assert not stored.is_relative_to(public.resolve())


def test_a_dangerous_name_is_stored_safely_and_the_original_kept(client, action_a, police_lead_a):
    client.force_login(police_lead_a)
    _post_update(client, action_a, files=[_pdf("../../etc/Plan ü <final>.pdf")])
    evidence = Evidence.objects.get()
    # Django's upload handling already drops the path; the name people chose is kept.
    assert evidence.original_name == "Plan ü <final>.pdf"
    assert ".." not in evidence.file.name
    assert "<" not in evidence.file.name
    assert (
        Path(evidence.file.path)
        .resolve()
        .is_relative_to(Path(django_settings.PRIVATE_MEDIA_ROOT).resolve())
    )


# --- Bad input: a clear message next to the field, status 400, nothing saved ----------


def _assert_nothing_saved():
    assert not ProgressUpdate.objects.exists()
    assert not Evidence.objects.exists()
    assert _stored_files() == []


def test_oversized_file_is_refused(client, action_a, police_lead_a, settings):
    settings.EVIDENCE_MAX_BYTES = 1024 * 1024
    big = SimpleUploadedFile("big.pdf", factories.tiny_pdf() + b"0" * (1024 * 1024 + 1))
    client.force_login(police_lead_a)
    response = _post_update(client, action_a, files=[_pdf("fine.pdf"), big])
    assert response.status_code == 400
    assert "the limit is 1 MB" in _field_block(response.content.decode(), "files")
    _assert_nothing_saved()


@pytest.mark.parametrize(
    "payload", [b"MZ\x90\x00\x03\x00\x00\x00\x04\x00", b"\x7fELF\x02\x01\x01\x00"]
)
def test_executable_disguised_as_pdf_is_refused(client, action_a, police_lead_a, payload):
    client.force_login(police_lead_a)
    fake = SimpleUploadedFile("report.pdf", payload + b"\x00" * 200, "application/pdf")
    response = _post_update(client, action_a, files=[_pdf("fine.pdf"), fake])
    assert response.status_code == 400
    block = _field_block(response.content.decode(), "files")
    assert "report.pdf" in block
    assert "is not a file type we accept, whatever its name says" in block
    _assert_nothing_saved()


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    list(sample_files.REFUSED.values()),
    ids=list(sample_files.REFUSED),
)
def test_unsafe_file_is_refused_saying_what_is_allowed(
    client, action_a, police_lead_a, name, content, reason
):
    client.force_login(police_lead_a)
    bad = SimpleUploadedFile(name, content)
    response = _post_update(client, action_a, files=[_pdf("fine.pdf"), bad])
    assert response.status_code == 400
    block = " ".join(_field_block(response.content.decode(), "files").split())
    assert name in block
    assert reason in block
    if "its name ends in" not in reason:
        assert "We accept PDF, Word (.docx)" in block
    _assert_nothing_saved()


def test_partner_agency_upload_is_held_to_the_same_rules(client, partner_action_a, partner_lead):
    client.force_login(partner_lead)
    bad = SimpleUploadedFile("referrals.html", sample_files.HTML)
    response = _post_update(client, partner_action_a, files=[bad])
    assert response.status_code == 400
    assert "is a web page or drawing (.html)" in _field_block(response.content.decode(), "files")
    _assert_nothing_saved()


@pytest.mark.parametrize(
    ("name", "content", "extension", "content_type"),
    list(sample_files.ACCEPTED.values()),
    ids=list(sample_files.ACCEPTED),
)
def test_accepted_file_is_stored_under_the_extension_of_its_content(
    client, action_a, police_lead_a, opcc_staff, name, content, extension, content_type
):
    client.force_login(police_lead_a)
    response = _post_update(client, action_a, files=[SimpleUploadedFile(name, content)])
    assert response.status_code == 302
    evidence = Evidence.objects.get()
    assert (evidence.original_name, evidence.content_type) == (name, content_type)
    assert evidence.file.name.endswith(extension)
    client.force_login(opcc_staff)
    download = client.get(evidence.get_absolute_url())
    assert download["Content-Type"] == content_type
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == content


def test_empty_narrative_is_refused(client, action_a, police_lead_a):
    client.force_login(police_lead_a)
    response = _post_update(client, action_a, files=[_pdf()], narrative="")
    assert response.status_code == 400
    block = _field_block(response.content.decode(), "narrative")
    assert "Describe the progress made since the last update." in block
    _assert_nothing_saved()


def test_percent_over_100_is_refused(client, action_a, police_lead_a):
    client.force_login(police_lead_a)
    response = _post_update(client, action_a, files=[_pdf()], percent_complete=150)
    assert response.status_code == 400
    block = _field_block(response.content.decode(), "percent_complete")
    assert "Give a percentage from 0 to 100." in block
    _assert_nothing_saved()


def test_too_many_files_are_refused(client, action_a, police_lead_a):
    client.force_login(police_lead_a)
    files = [_pdf(f"f{n}.pdf") for n in range(11)]
    response = _post_update(client, action_a, files=files)
    assert response.status_code == 400
    assert "attach at most 10" in _field_block(response.content.decode(), "files")
    _assert_nothing_saved()


# --- Download -------------------------------------------------------------------------


@pytest.fixture
def evidence(client, action_a, police_lead_a):
    client.force_login(police_lead_a)
    _post_update(client, action_a, files=[_pdf("Board minutes (May).pdf", text="Minutes")])
    client.logout()
    return Evidence.objects.get()


def test_download_is_an_attachment_with_the_original_name(client, evidence, opcc_staff):
    client.force_login(opcc_staff)
    response = client.get(evidence.get_absolute_url())
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "Board minutes (May).pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == factories.tiny_pdf("Minutes")


@pytest.mark.parametrize(
    ("original_name", "content_type", "served_name", "served_type"),
    [
        # What the old check stored: an HTML page taken for plain text.
        ("minutes.html", "text/plain", "minutes.html.txt", "text/plain"),
        ("chart.svg", "image/svg+xml", "chart.svg.bin", "application/octet-stream"),
        ("run.hta", "text/html", "run.hta.bin", "application/octet-stream"),
    ],
)
def test_an_older_unsafe_file_is_served_under_a_safe_name_and_type(
    client, action_a, police_lead_a, original_name, content_type, served_name, served_type
):
    evidence = Evidence(
        action=action_a,
        original_name=original_name,
        content_type=content_type,
        size=len(sample_files.HTML),
        sha256="0" * 64,
        uploaded_by=police_lead_a,
    )
    evidence.file.save("old-upload", ContentFile(sample_files.HTML), save=False)
    evidence.save()
    client.force_login(police_lead_a)
    response = client.get(evidence.get_absolute_url())
    assert response["Content-Type"] == served_type
    assert response["Content-Disposition"] == f'attachment; filename="{served_name}"'
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("outsider", ["police_lead_b", "partner_lead", "opcc_staff_b"])
def test_outsiders_cannot_download(client, request, evidence, outsider):
    client.force_login(request.getfixturevalue(outsider))
    assert client.get(evidence.get_absolute_url()).status_code == 404


def test_anonymous_cannot_download(client, evidence):
    response = client.get(evidence.get_absolute_url())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_partner_downloads_evidence_on_their_agency_action(client, partner_action_a, partner_lead):
    client.force_login(partner_lead)
    _post_update(client, partner_action_a, files=[_pdf("return-home.pdf")])
    evidence = Evidence.objects.get()
    assert client.get(evidence.get_absolute_url()).status_code == 200


def test_no_file_is_reachable_by_a_guessable_url(client, evidence, opcc_staff):
    client.force_login(opcc_staff)
    assert client.get("/" + evidence.file.name).status_code == 404
    assert client.get("/media/" + evidence.file.name).status_code == 404
    assert (
        os.path.basename(evidence.file.name)
        not in client.get(evidence.action.get_absolute_url()).content.decode()
    )
