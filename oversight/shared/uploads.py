"""Uploaded files: type checked from the bytes (never the name), size limits, safe names,
stored outside the web root and served only as attachments through views that have
already checked permission."""

import hashlib
import mimetypes
import re
import unicodedata
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import FileResponse

# What people attach as evidence: documents, spreadsheets, images and plain text.
ALLOWED_TYPES = {
    "application/pdf": "PDF",
    "image/png": "PNG image",
    "image/jpeg": "JPEG image",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel spreadsheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "PowerPoint",
    "text/plain": "plain text",
    "text/csv": "CSV",
}
ALLOWED_DESCRIPTION = "PDF, Word, Excel, PowerPoint, PNG, JPEG, plain text or CSV"

_OOXML_PARTS = {
    "word/": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}


@dataclass(frozen=True)
class CheckedUpload:
    file: UploadedFile
    original_name: str
    safe_name: str
    content_type: str
    size: int
    sha256: str


def max_upload_bytes() -> int:
    return settings.EVIDENCE_MAX_BYTES


def limits_help_text() -> str:
    megabytes = max_upload_bytes() // (1024 * 1024)
    return f"{ALLOWED_DESCRIPTION}; up to {megabytes} MB each."


def sniff_content_type(upload: UploadedFile) -> str | None:
    """The content type the bytes say, or None when they are not an allowed kind."""
    upload.seek(0)
    head = upload.read(2048)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(upload) as archive:
                names = archive.namelist()
        except zipfile.BadZipFile:
            return None
        finally:
            upload.seek(0)
        for prefix, content_type in _OOXML_PARTS.items():
            if any(name.startswith(prefix) for name in names):
                return content_type
        return None
    if head and _looks_like_text(head):
        extension = upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
        return "text/csv" if extension == "csv" else "text/plain"
    return None


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # A multi-byte character cut at the end of the sample is still text.
        if error.start < len(head) - 4:
            return False
    return True


def safe_filename(name: str) -> str:
    """A name that is safe on any file system and in a Content-Disposition header."""
    name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r"[^A-Za-z0-9._ -]", "_", name).strip(" .")
    return (name or "file")[:120]


def check_upload(upload: UploadedFile) -> CheckedUpload:
    """Validate an uploaded file; raises ValidationError saying what to fix."""
    limit = max_upload_bytes()
    if upload.size > limit:
        raise ValidationError(
            f"“{upload.name}” is {upload.size / (1024 * 1024):.1f} MB; the limit is "
            f"{limit // (1024 * 1024)} MB. Compress it or split it into smaller files.",
            code="too_large",
        )
    if upload.size == 0:
        raise ValidationError(f"“{upload.name}” is empty. Choose the file again.", code="empty")
    content_type = sniff_content_type(upload)
    if content_type is None:
        raise ValidationError(
            f"“{upload.name}” is not a file type we accept, whatever its name says. "
            f"Upload a {ALLOWED_DESCRIPTION} file.",
            code="bad_type",
        )
    guessed, _ = mimetypes.guess_type(upload.name)
    if content_type == "application/pdf" and guessed not in (None, "application/pdf"):
        raise ValidationError(
            f"“{upload.name}” contains a PDF but its name says otherwise. Rename it to end "
            "in .pdf and upload it again.",
            code="name_mismatch",
        )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return CheckedUpload(
        file=upload,
        original_name=upload.name[:255],
        safe_name=safe_filename(upload.name),
        content_type=content_type,
        size=upload.size,
        sha256=digest.hexdigest(),
    )


def attachment_response(field_file, *, filename: str, content_type: str) -> FileResponse:
    """Serve a stored file as a download. Call only after checking the user may see it."""
    response = FileResponse(
        field_file.open("rb"), as_attachment=True, filename=filename, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def delete_file_on_commit(storage, name: str) -> None:
    """Delete a stored file once the transaction commits (never while it may roll back)."""
    if name:
        transaction.on_commit(lambda: storage.delete(name))
