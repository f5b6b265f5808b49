"""Uploaded files: checked by name and bytes together against an allow-list
(oversight.shared.file_types), size limits, stored under a safe name whose extension
matches the content, outside the web root, and served only as attachments through views
that have already checked permission."""

import hashlib
import re
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import FileResponse
from django.utils.translation import gettext as _

from oversight.shared.file_types import (
    EVIDENCE_KINDS,
    FileKind,
    Refused,
    describe,
    extension_of,
    identify,
    kind_for_content_type,
)


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


def limits_help_text(
    kinds: tuple[FileKind, ...] = EVIDENCE_KINDS, *, max_bytes: int | None = None
) -> str:
    megabytes = (max_bytes or max_upload_bytes()) // (1024 * 1024)
    return _("%(kinds)s; up to %(megabytes)s MB each.") % {
        "kinds": describe(kinds),
        "megabytes": megabytes,
    }


def safe_filename(name: str) -> str:
    """A name that is safe on any file system and in a Content-Disposition header; a long
    name is shortened before its extension, which it keeps."""
    name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r"[^A-Za-z0-9._ -]", "_", name).strip(" .")
    stem, dot, extension = name.rpartition(".")
    if not dot or len(extension) > 10:
        stem, extension = name, ""
    stem = stem.strip(" .")[: 120 - len(extension) - 1] or "file"
    return f"{stem}.{extension}" if extension else stem


def stored_filename(name: str, kind: FileKind) -> str:
    """The safe name to store a file of this kind under: its extension is always one of
    the kind's (the name's own, in lower case, when it is one)."""
    safe = safe_filename(name)
    extension = extension_of(safe)
    stem = safe[: -len(extension) - 1] if extension else safe
    if extension not in kind.extensions:
        extension = kind.extension
    return f"{stem or 'file'}.{extension}"


def check_upload(
    upload: UploadedFile,
    *,
    kinds: tuple[FileKind, ...] = EVIDENCE_KINDS,
    max_bytes: int | None = None,
) -> CheckedUpload:
    """Validate an uploaded file against the allow-list `kinds`; raises ValidationError
    saying what to fix and what is accepted."""
    limit = max_bytes or max_upload_bytes()
    if upload.size > limit:
        raise ValidationError(
            _(
                "“%(name)s” is %(size).1f MB; the limit is %(limit)s MB. Compress it or split "
                "it into smaller files."
            )
            % {
                "name": upload.name,
                "size": upload.size / (1024 * 1024),
                "limit": limit // (1024 * 1024),
            },
            code="too_large",
        )
    if upload.size == 0:
        raise ValidationError(
            _("“%(name)s” is empty. Choose the file again.") % {"name": upload.name},
            code="empty",
        )
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    try:
        kind = identify(upload.name, data, kinds=kinds)
    except Refused as refusal:
        # Welsh does not start the sentence with the name: the whole frame is translated.
        message = _("“%(name)s” %(reason)s") % {"name": upload.name, "reason": refusal.reason}
        if refusal.with_allowed:
            message += f" {accepted_sentence(kinds)}"
        raise ValidationError(message, code=refusal.code) from None
    return CheckedUpload(
        file=upload,
        original_name=upload.name[:255],
        safe_name=stored_filename(upload.name, kind),
        content_type=kind.content_type,
        size=upload.size,
        sha256=hashlib.sha256(data).hexdigest(),
    )


def accepted_sentence(kinds: tuple[FileKind, ...]) -> str:
    """What may be uploaded instead, as a sentence."""
    if len(kinds) == 1:
        return _("Only %(kind)s is accepted here.") % {"kind": kinds[0].name}
    return _("We accept %(kinds)s.") % {"kinds": describe(kinds)}


# Names in a header: no control characters (a line break would end the header).
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


def download_filename(name: str, content_type: str) -> str:
    """The name to offer a download under: its extension is one of the kind's that the
    content type names (`.bin` for any other type), so a file that was stored as plain
    text cannot be saved as page.html and opened in a browser."""
    name = _CONTROL_CHARACTERS.sub("_", name).strip() or "file"
    kind = kind_for_content_type(content_type)
    extension = kind.extension if kind else "bin"
    if kind is None or extension_of(name) not in kind.extensions:
        name = f"{name}.{extension}"
    return name


def attachment_response(field_file, *, filename: str, content_type: str) -> FileResponse:
    """Serve a stored file as a download. Call only after checking the user may see it.

    Only the allow-list's content types are ever sent (anything else goes as
    application/octet-stream), never sniffed, and always as an attachment whose name
    ends in an extension of that type."""
    kind = kind_for_content_type(content_type)
    response = FileResponse(
        field_file.open("rb"),
        as_attachment=True,
        filename=download_filename(filename, content_type),
        content_type=kind.content_type if kind else "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def delete_file_on_commit(storage, name: str) -> None:
    """Delete a stored file once the transaction commits (never while it may roll back)."""
    if name:
        transaction.on_commit(lambda: storage.delete(name))
