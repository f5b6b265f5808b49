"""What an uploaded file is, judged from its name and its bytes together.

A file is kept only when all of these hold:
- its extension names a kind on the allow-list (EVIDENCE_KINDS: what an office attaches);
- its bytes are that kind (a program renamed .pdf, or a PDF named .txt, is refused);
- its structure is sound enough to be what it says (a PDF has its cross-reference table
  and end-of-file marker, an image its chunks or segments, an Office file its parts);
- it carries no active content: scripts, web pages, SVG, PDF actions (JavaScript, Launch,
  embedded files, XFA, rich media), macros (VBA projects, Excel 4 macro sheets, OpenDocument
  Basic), ActiveX, embedded OLE objects, templates loaded from outside. E-mail attachments
  are held to the same rules.

Legacy Office files (.doc, .xls, .ppt: OLE compound files) are refused outright rather
than searched for macros: the same documents saved as .docx, .xlsx or PDF are accepted.

Checks read the bytes with size limits and never run or render them. The PDF check is
syntactic: it reads PDF names outside stream data, including inside compressed object
streams, and refuses what it cannot read (encrypted files, object streams in unusual
encodings) rather than guessing.
"""

import codecs
import io
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from email import policy
from email.parser import BytesParser

import olefile
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from oversight.shared.file_refusals import Refused, damaged
from oversight.shared.pdf_check import check_pdf


@dataclass(frozen=True)
class FileKind:
    label: str  # as a list of what is accepted names it
    name: str  # as a sentence names it: "is a PDF"
    content_type: str
    extensions: tuple[str, ...]  # the first is the one a corrected name gets

    @property
    def extension(self) -> str:
        return self.extensions[0]


PDF = FileKind("PDF", gettext_lazy("a PDF"), "application/pdf", ("pdf",))
DOCX = FileKind(
    gettext_lazy("Word (.docx)"),
    gettext_lazy("a Word document"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ("docx",),
)
XLSX = FileKind(
    gettext_lazy("Excel (.xlsx)"),
    gettext_lazy("an Excel spreadsheet"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ("xlsx",),
)
PPTX = FileKind(
    gettext_lazy("PowerPoint (.pptx)"),
    gettext_lazy("a PowerPoint presentation"),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ("pptx",),
)
ODT = FileKind(
    gettext_lazy("OpenDocument text (.odt)"),
    gettext_lazy("an OpenDocument text"),
    "application/vnd.oasis.opendocument.text",
    ("odt",),
)
ODS = FileKind(
    gettext_lazy("OpenDocument spreadsheet (.ods)"),
    gettext_lazy("an OpenDocument spreadsheet"),
    "application/vnd.oasis.opendocument.spreadsheet",
    ("ods",),
)
CSV = FileKind("CSV", gettext_lazy("a CSV file"), "text/csv", ("csv",))
TXT = FileKind(
    gettext_lazy("plain text (.txt)"), gettext_lazy("plain text"), "text/plain", ("txt",)
)
PNG = FileKind("PNG", gettext_lazy("a PNG image"), "image/png", ("png",))
JPEG = FileKind("JPEG", gettext_lazy("a JPEG image"), "image/jpeg", ("jpg", "jpeg"))
EML = FileKind(
    gettext_lazy("e-mail (.eml)"), gettext_lazy("an e-mail message"), "message/rfc822", ("eml",)
)
MSG = FileKind(
    gettext_lazy("Outlook message (.msg)"),
    gettext_lazy("an Outlook message"),
    "application/vnd.ms-outlook",
    ("msg",),
)

EVIDENCE_KINDS: tuple[FileKind, ...] = (
    PDF,
    DOCX,
    XLSX,
    PPTX,
    ODT,
    ODS,
    CSV,
    TXT,
    PNG,
    JPEG,
    EML,
    MSG,
)
# The inspection report itself: the inspectorate publishes it as a PDF.
REPORT_KINDS: tuple[FileKind, ...] = (PDF,)

_BY_CONTENT_TYPE = {kind.content_type: kind for kind in EVIDENCE_KINDS}


def kind_for_content_type(content_type: str) -> FileKind | None:
    return _BY_CONTENT_TYPE.get(content_type.split(";")[0].strip().lower())


def describe(kinds: tuple[FileKind, ...]) -> str:
    """'PDF, Word (.docx), … or Outlook message (.msg)'"""
    labels = [str(kind.label) for kind in kinds]
    if len(labels) == 1:
        return labels[0]
    return _("%(first)s or %(last)s") % {"first": ", ".join(labels[:-1]), "last": labels[-1]}


def extension_of(name: str) -> str:
    """The lower-case extension without its dot, or '' when the name has none."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[1].lower().strip() if "." in name else ""


# --- The name ---------------------------------------------------------------------------


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_PROGRAMS = _words(
    "hta vbs vbe js jse mjs wsf wsh wsc ws bat cmd com exe scr pif msi msp mst ps1 psm1 psd1 "
    "sh bash jar lnk reg cpl dll ocx sys inf application appref-ms gadget chm hlp scf url "
    "iso img vhd vhdx py pyw pl rb php asp aspx jsp cgi"
)
_WEB = _words("html htm xhtml xht shtml mht mhtml svg svgz xml xsl xslt swf")
_MACRO_OFFICE = _words("docm dotm xlsm xltm xlsb xlam pptm potm ppsm ppam sldm")
_LEGACY_OFFICE = _words("doc dot xls xlt xla ppt pot pps rtf")
_ARCHIVES = _words("zip 7z rar tar gz tgz bz2 xz cab")


def _refuse_by_extension(extension: str, kinds: tuple[FileKind, ...]) -> None:
    if extension in _PROGRAMS:
        raise Refused(
            _(
                "is a program or script (.%(extension)s): opening it could run code on the "
                "reader's computer."
            )
            % {"extension": extension},
            code="active",
        )
    if extension in _WEB:
        raise Refused(
            _(
                "is a web page or drawing (.%(extension)s), which can run scripts when it is "
                "opened. Print it to PDF and upload that."
            )
            % {"extension": extension},
            code="active",
        )
    if extension in _MACRO_OFFICE:
        raise Refused(
            _(
                "is a macro-enabled Office file (.%(extension)s); macros can run code. Save "
                "it without macros (as .docx, .xlsx or .pptx) or as a PDF, and upload that."
            )
            % {"extension": extension},
            code="active",
        )
    if extension in _LEGACY_OFFICE:
        raise Refused(
            _(
                "is in an older Office format (%(format)s) that can carry macros. Save it as "
                ".docx, .xlsx or PDF and upload that."
            )
            % {"format": f".{extension}"},
            code="active",
        )
    if extension in _ARCHIVES:
        raise Refused(
            _(
                "is not a type we accept (.%(extension)s): upload the documents themselves, "
                "one by one."
            )
            % {"extension": extension}
        )
    if not any(extension in kind.extensions for kind in kinds):
        raise Refused(
            _("is not a type we accept (.%(extension)s).") % {"extension": extension}
            if extension
            else _("is not a type we accept: its name has no extension such as .pdf.")
        )


# --- The bytes --------------------------------------------------------------------------

_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Files inside files (e-mail attachments, embedded Office documents) are checked too, but
# not without end.
_MAX_DEPTH = 3
# What a zip may unpack to: well past any real Office file under the upload limit, far
# short of a zip bomb.
_MAX_UNPACKED = 500 * 1024 * 1024
_MAX_ZIP_ENTRIES = 10_000


def _unknown() -> Refused:
    return Refused(_("is not a file type we accept, whatever its name says."))


def identify(
    name: str, data: bytes, *, kinds: tuple[FileKind, ...] = EVIDENCE_KINDS, depth: int = 0
) -> FileKind:
    """The kind the file is, when it may be kept; raises Refused saying why not."""
    if depth > _MAX_DEPTH:
        raise Refused(_("holds files inside files too deeply to be checked."))
    extension = extension_of(name)
    _refuse_by_extension(extension, kinds)
    claimed = next(kind for kind in kinds if extension in kind.extensions)
    found = _kind_of_content(data, claimed=claimed, depth=depth)
    if found is not claimed:
        if found not in kinds:
            raise Refused(_("is %(kind)s, whatever its name says.") % {"kind": found.name})
        raise Refused(
            _(
                "is %(kind)s, but its name ends in .%(extension)s. Rename it to end in "
                ".%(right_extension)s and upload it again."
            )
            % {"kind": found.name, "extension": extension, "right_extension": found.extension},
            code="name_mismatch",
            with_allowed=False,
        )
    return claimed


def _kind_of_content(data: bytes, *, claimed: FileKind, depth: int) -> FileKind:
    if data.startswith(b"%PDF-"):
        check_pdf(data)
        return PDF
    if data.startswith(_PNG_SIGNATURE):
        _check_png(data)
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        _check_jpeg(data)
        return JPEG
    if data.startswith(b"PK\x03\x04"):
        return _check_zip(data, depth=depth)
    if data.startswith(_OLE_SIGNATURE):
        return _check_ole(data, depth=depth)
    text = _as_text(data)
    if text is None:
        raise _unknown()
    _refuse_markup(text, anywhere=claimed is not EML)
    if claimed is EML:
        _check_eml(data, depth=depth)
        return EML
    return claimed if claimed in (TXT, CSV) else TXT


# --- Text -------------------------------------------------------------------------------

# C0 controls other than tab, line feed, vertical tab, form feed, carriage return and the
# old DOS end-of-file mark: their presence means binary data, not text.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x19\x1b-\x1f\x7f]")
# What browsers and mail programs take for a web page or drawing, at the start of a file
# (the WHATWG sniffing patterns, and XML, which carries SVG and XSLT)...
_MARKUP_START = re.compile(
    r"\s*<(?:!doctype\s+html|html|head|body|script|iframe|svg|\?xml|xml|object|embed|style|"
    r"title|meta|link|a|div|table|p|b|br|h1|font|!--)[\s/>]",
    re.IGNORECASE,
)
# ...and the tags that run or embed something, anywhere in a text file.
_ACTIVE_TAG = re.compile(r"<\s*(?:script|html|svg|iframe|object|embed)[\s/>]", re.IGNORECASE)


def _as_text(data: bytes) -> str | None:
    """The text, when the bytes are text: UTF-8 or UTF-16 with a byte-order mark, UTF-8,
    or Windows-1252 (what Excel writes a CSV in); None for binary data."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    elif data.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif b"\x00" in data:
        return None
    else:
        encoding = "utf-8"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        if encoding != "utf-8":
            return None
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            return None
    return None if _CONTROL.search(text) else text


def _refuse_markup(text: str, *, anywhere: bool) -> None:
    if _MARKUP_START.match(text) or (anywhere and _ACTIVE_TAG.search(text)):
        raise Refused(
            _(
                "contains a web page or script (HTML, SVG or XML), which could run when it "
                "is opened. Print it to PDF and upload that."
            ),
            code="active",
        )


# --- Images -----------------------------------------------------------------------------


def _check_png(data: bytes) -> None:
    """Chunk by chunk from the header (IHDR) to the end (IEND)."""
    position, first = len(_PNG_SIGNATURE), True
    while position + 12 <= len(data):
        length, chunk = struct.unpack(">I4s", data[position : position + 8])
        if not chunk.isalpha() or (first and chunk != b"IHDR"):
            break
        if chunk == b"IEND":
            return
        position += 12 + length
        first = False
    raise damaged(_("PNG image"))


def _check_jpeg(data: bytes) -> None:
    """Segment by segment from the start to the image data, then its end marker."""
    position = 2
    while position + 4 <= len(data) and data[position] == 0xFF:
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if marker == 0xDA:  # start of scan: the image data follows
            if b"\xff\xd9" in data[position:]:
                return
            break
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:
            position += 2
            continue
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        if length < 2:
            break
        position += 2 + length
    raise damaged(_("JPEG image"))


# --- Zip: Office Open XML and OpenDocument ------------------------------------------------

_OOXML_MAIN_PARTS = {
    "word/document.xml": DOCX,
    "xl/workbook.xml": XLSX,
    "ppt/presentation.xml": PPTX,
}
_ODF_TYPES = {
    b"application/vnd.oasis.opendocument.text": ODT,
    b"application/vnd.oasis.opendocument.spreadsheet": ODS,
}


def _macros() -> Refused:
    return Refused(
        _(
            "contains macros, which can run code. Save it without macros (as .docx, .xlsx, "
            ".pptx, .odt or .ods) or as a PDF, and upload that."
        ),
        code="active",
    )


# A relationship that makes Office fetch a template, object or frame from elsewhere when
# the document opens (how macros are smuggled into a .docx).
_EXTERNAL_LOAD = re.compile(
    rb"<Relationship\b[^>]*(?:"
    rb"Type=\"[^\"]*/(?:attachedTemplate|oleObject|frame|subDocument)\"[^>]*"
    rb"TargetMode=\"External\"|TargetMode=\"External\"[^>]*"
    rb"Type=\"[^\"]*/(?:attachedTemplate|oleObject|frame|subDocument)\")",
    re.IGNORECASE,
)
_ODF_SCRIPT = re.compile(rb"script:event-listener|vnd\.sun\.star\.script|macro:///", re.I)


def _check_zip(data: bytes, *, depth: int) -> FileKind:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as error:
        raise damaged(_("Office file")) from error
    if len(entries) > _MAX_ZIP_ENTRIES or sum(entry.file_size for entry in entries) > _MAX_UNPACKED:
        raise Refused(_("unpacks to far more than a document would; it cannot be checked."))
    try:
        names = {entry.filename.lower(): entry.filename for entry in entries}
        if "[content_types].xml" in names:
            return _check_ooxml(archive, names, depth=depth)
        if "mimetype" in names:
            return _check_odf(archive, names)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, KeyError) as error:
        raise damaged(_("Office file")) from error
    finally:
        archive.close()
    raise Refused(
        _("is a zip archive, which we do not accept: upload the documents themselves, one by one.")
    )


def _check_ooxml(archive: zipfile.ZipFile, names: dict[str, str], *, depth: int) -> FileKind:
    kind = next((kind for part, kind in _OOXML_MAIN_PARTS.items() if part in names), None)
    if kind is None:
        raise damaged(_("Office file"))
    content_types = archive.read(names["[content_types].xml"]).lower()
    if (
        b"macroenabled" in content_types
        or b"vbaproject" in content_types
        or any(
            lower.endswith(("vbaproject.bin", "vbadata.xml"))
            or "/macrosheets/" in lower
            or "/intlmacrosheets/" in lower
            for lower in names
        )
    ):
        raise _macros()
    if any("/activex/" in lower for lower in names):
        raise Refused(
            _(
                "contains ActiveX controls, which can run code. Save a copy without them, or "
                "as a PDF, and upload that."
            ),
            code="active",
        )
    for lower, name in names.items():
        if lower.endswith(".rels") and _EXTERNAL_LOAD.search(archive.read(name)):
            raise Refused(
                _(
                    "loads a template or object from outside the document when it opens. "
                    "Save it as a PDF and upload that."
                ),
                code="active",
            )
        if "/embeddings/" in lower and not lower.endswith("/"):
            inner = name.rsplit("/", 1)[-1]
            try:
                identify(inner, archive.read(name), kinds=(DOCX, XLSX, PPTX), depth=depth + 1)
            except Refused as refusal:
                raise Refused(
                    _(
                        "contains an embedded object (“%(inner)s”) that could run code or "
                        "cannot be checked. Remove it, or save the document as a PDF, and "
                        "upload that."
                    )
                    % {"inner": inner},
                    code="active",
                ) from refusal
    return kind


def _check_odf(archive: zipfile.ZipFile, names: dict[str, str]) -> FileKind:
    kind = _ODF_TYPES.get(archive.read(names["mimetype"])[:100].strip())
    if kind is None:
        raise Refused(_("is an OpenDocument file of a kind we do not accept."))
    if any(lower.startswith(("basic/", "scripts/")) for lower in names):
        raise _macros()
    for lower, name in names.items():
        if lower.endswith(".xml") and _ODF_SCRIPT.search(archive.read(name)):
            raise _macros()
        if not lower.endswith("/"):
            with archive.open(name) as member:
                if member.read(len(_OLE_SIGNATURE)) == _OLE_SIGNATURE:
                    raise Refused(
                        _(
                            "contains an embedded object that could run code. Remove it, or "
                            "save the document as a PDF, and upload that."
                        ),
                        code="active",
                    )
    return kind


# --- OLE compound files: Outlook messages, and the legacy Office formats refused ---------

_MSG_PROPERTIES = "__properties_version1.0"
_MSG_ATTACHMENT = "__attach_version1.0_#"
_MSG_EMBEDDED = "__substg1.0_3701000D"  # an attached message, or an OLE object
_MSG_ATTACHMENT_DATA = "__substg1.0_37010102"
# The attachment's long file name, then its short one, as UTF-16 or as 8-bit text.
_MSG_ATTACHMENT_NAMES = [
    ("__substg1.0_3707001F", "utf-16-le"),
    ("__substg1.0_3704001F", "utf-16-le"),
    ("__substg1.0_3707001E", "cp1252"),
    ("__substg1.0_3704001E", "cp1252"),
]
_LEGACY_STREAMS = {
    "WordDocument": ".doc",
    "Workbook": ".xls",
    "Book": ".xls",
    "PowerPoint Document": ".ppt",
}


def _check_ole(data: bytes, *, depth: int) -> FileKind:
    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
    except Exception as error:  # olefile fails on a malformed file in many ways
        raise damaged("file") from error
    try:
        paths = [tuple(path) for path in ole.listdir(streams=True, storages=True)]
        top = {path[0] for path in paths}
        if top & {"EncryptedPackage", "EncryptionInfo"}:
            raise Refused(
                _(
                    "is password-protected, so it cannot be checked. Save a copy without a "
                    "password and upload that."
                ),
                code="active",
            )
        legacy = next((ext for stream, ext in _LEGACY_STREAMS.items() if stream in top), None)
        if legacy:
            raise Refused(
                _(
                    "is in an older Office format (%(format)s) that can carry macros. Save it "
                    "as .docx, .xlsx or PDF and upload that."
                )
                % {"format": legacy},
                code="active",
            )
        if _MSG_PROPERTIES in top and any(name.startswith("__substg1.0_") for name in top):
            _check_msg(ole, paths, prefix=(), depth=depth)
            return MSG
    except Refused:
        raise
    except Exception as error:  # a stream that cannot be read: the file is damaged
        raise damaged(_("Outlook message")) from error
    finally:
        ole.close()
    raise _unknown()


def _check_msg(ole, paths: list[tuple], *, prefix: tuple, depth: int) -> None:
    """Each attachment of the message (and of messages attached to it) is held to the
    same rules as an uploaded file."""
    if depth > _MAX_DEPTH:
        raise Refused(_("holds messages inside messages too deeply to be checked."))
    level = len(prefix)
    attachments = sorted(
        {
            path[level]
            for path in paths
            if len(path) > level
            and path[:level] == prefix
            and path[level].startswith(_MSG_ATTACHMENT)
        }
    )
    for attachment in attachments:
        here = (*prefix, attachment)
        name = "(an attachment with no name)"
        for stream, encoding in _MSG_ATTACHMENT_NAMES:
            if ole.exists("/".join((*here, stream))):
                raw = ole.openstream([*here, stream]).read()
                name = raw.decode(encoding, errors="replace").rstrip("\x00") or name
                break
        if ole.exists("/".join((*here, _MSG_ATTACHMENT_DATA))):
            data = ole.openstream([*here, _MSG_ATTACHMENT_DATA]).read()
            _check_attachment(name, data, depth=depth)
        elif ole.exists("/".join((*here, _MSG_EMBEDDED))):
            embedded = (*here, _MSG_EMBEDDED)
            if not ole.exists("/".join((*embedded, _MSG_PROPERTIES))):
                raise Refused(
                    _(
                        "has an embedded object attached, which could run code. Save the "
                        "message without it and upload that."
                    ),
                    code="active",
                )
            _check_msg(ole, paths, prefix=embedded, depth=depth + 1)
        else:
            _check_attachment(name, b"", depth=depth, name_only=True)


# --- E-mail ------------------------------------------------------------------------------

_HEADER_LINE = re.compile(rb"[!-9;-~]+:")


def _check_eml(data: bytes, *, depth: int) -> None:
    not_a_message = Refused(
        _(
            "is not an e-mail message (it has no From, Date or Subject header). Save the "
            "message from your mail program as .eml, or print it to PDF, and upload that."
        )
    )
    if not _HEADER_LINE.match(data):
        raise not_a_message
    try:
        message = BytesParser(policy=policy.default).parsebytes(data)
        if not (message["From"] and (message["Date"] or message["Subject"])):
            raise not_a_message
        parts = [part for part in message.walk() if not part.is_multipart()]
        for part in parts:
            filename = part.get_filename()
            is_body = (
                filename is None
                and part.get_content_disposition() != "attachment"
                and part.get_content_maintype() == "text"
            )
            if is_body:
                continue
            payload = part.get_payload(decode=True) or b""
            _check_attachment(filename or _unnamed(part), payload, depth=depth)
    except Refused:
        raise
    except Exception as error:  # the e-mail parser is lenient; this is a broken file
        raise not_a_message from error


def _unnamed(part) -> str:
    """A name for an unnamed part from its type (an inline image is `part.png`)."""
    extension = {
        "image/png": "png",
        "image/jpeg": "jpg",
        "application/pdf": "pdf",
        "message/rfc822": "eml",
    }.get(part.get_content_type(), "")
    return f"part.{extension}" if extension else "(an attachment with no name)"


def _check_attachment(name: str, data: bytes, *, depth: int, name_only: bool = False) -> None:
    try:
        if name_only:
            _refuse_by_extension(extension_of(name), EVIDENCE_KINDS)
        else:
            identify(name, data, depth=depth + 1)
    except Refused as refusal:
        raise Refused(
            _(
                "has an attachment we cannot accept: “%(name)s” %(reason)s Remove it from "
                "the message, or upload the message as a PDF."
            )
            % {"name": name, "reason": refusal.reason},
            code=refusal.code,
        ) from refusal
