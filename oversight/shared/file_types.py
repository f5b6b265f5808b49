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


class Refused(Exception):
    """The file may not be kept. `reason` completes a sentence that starts with the file's
    name; `code` is the ValidationError code; `with_allowed` says whether to follow it with
    what is accepted (a rename instruction needs no list)."""

    def __init__(self, reason: str, *, code: str = "bad_type", with_allowed: bool = True):
        super().__init__(reason)
        self.reason = reason
        self.code = code
        self.with_allowed = with_allowed


@dataclass(frozen=True)
class FileKind:
    label: str  # as a list of what is accepted names it
    name: str  # as a sentence names it: "is a PDF"
    content_type: str
    extensions: tuple[str, ...]  # the first is the one a corrected name gets

    @property
    def extension(self) -> str:
        return self.extensions[0]


PDF = FileKind("PDF", "a PDF", "application/pdf", ("pdf",))
DOCX = FileKind(
    "Word (.docx)",
    "a Word document",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ("docx",),
)
XLSX = FileKind(
    "Excel (.xlsx)",
    "an Excel spreadsheet",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ("xlsx",),
)
PPTX = FileKind(
    "PowerPoint (.pptx)",
    "a PowerPoint presentation",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ("pptx",),
)
ODT = FileKind(
    "OpenDocument text (.odt)",
    "an OpenDocument text",
    "application/vnd.oasis.opendocument.text",
    ("odt",),
)
ODS = FileKind(
    "OpenDocument spreadsheet (.ods)",
    "an OpenDocument spreadsheet",
    "application/vnd.oasis.opendocument.spreadsheet",
    ("ods",),
)
CSV = FileKind("CSV", "a CSV file", "text/csv", ("csv",))
TXT = FileKind("plain text (.txt)", "plain text", "text/plain", ("txt",))
PNG = FileKind("PNG", "a PNG image", "image/png", ("png",))
JPEG = FileKind("JPEG", "a JPEG image", "image/jpeg", ("jpg", "jpeg"))
EML = FileKind("e-mail (.eml)", "an e-mail message", "message/rfc822", ("eml",))
MSG = FileKind(
    "Outlook message (.msg)", "an Outlook message", "application/vnd.ms-outlook", ("msg",)
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
    labels = [kind.label for kind in kinds]
    return labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} or {labels[-1]}"


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
            f"is a program or script (.{extension}): opening it could run code on the "
            "reader's computer.",
            code="active",
        )
    if extension in _WEB:
        raise Refused(
            f"is a web page or drawing (.{extension}), which can run scripts when it is "
            "opened. Print it to PDF and upload that.",
            code="active",
        )
    if extension in _MACRO_OFFICE:
        raise Refused(
            f"is a macro-enabled Office file (.{extension}); macros can run code. Save it "
            "without macros (as .docx, .xlsx or .pptx) or as a PDF, and upload that.",
            code="active",
        )
    if extension in _LEGACY_OFFICE:
        raise Refused(
            f"is in an older Office format (.{extension}) that can carry macros. Save it as "
            ".docx, .xlsx or PDF and upload that.",
            code="active",
        )
    if extension in _ARCHIVES:
        raise Refused(
            f"is not a type we accept (.{extension}): upload the documents themselves, one by one."
        )
    if not any(extension in kind.extensions for kind in kinds):
        raise Refused(
            f"is not a type we accept (.{extension})."
            if extension
            else "is not a type we accept: its name has no extension such as .pdf."
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


def _damaged(what: str) -> Refused:
    return Refused(
        f"is not a complete, readable {what}: it may be damaged, or only named like one. "
        "Save or export it again and upload the new copy.",
        code="damaged",
    )


def _unknown() -> Refused:
    return Refused("is not a file type we accept, whatever its name says.")


def identify(
    name: str, data: bytes, *, kinds: tuple[FileKind, ...] = EVIDENCE_KINDS, depth: int = 0
) -> FileKind:
    """The kind the file is, when it may be kept; raises Refused saying why not."""
    if depth > _MAX_DEPTH:
        raise Refused("holds files inside files too deeply to be checked.")
    extension = extension_of(name)
    _refuse_by_extension(extension, kinds)
    claimed = next(kind for kind in kinds if extension in kind.extensions)
    found = _kind_of_content(data, claimed=claimed, depth=depth)
    if found is not claimed:
        if found not in kinds:
            raise Refused(f"is {found.name}, whatever its name says.")
        raise Refused(
            f"is {found.name}, but its name ends in .{extension}. Rename it to end in "
            f".{found.extension} and upload it again.",
            code="name_mismatch",
            with_allowed=False,
        )
    return claimed


def _kind_of_content(data: bytes, *, claimed: FileKind, depth: int) -> FileKind:
    if data.startswith(b"%PDF-"):
        _check_pdf(data)
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
            "contains a web page or script (HTML, SVG or XML), which could run when it is "
            "opened. Print it to PDF and upload that.",
            code="active",
        )


# --- PDF --------------------------------------------------------------------------------

_PDF_HEADER = re.compile(rb"%PDF-[12]\.\d")
_PDF_STARTXREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF")
_PDF_XREF_AT = re.compile(rb"\s*(?:xref\b|\d+\s+\d+\s+obj\b)")
_PDF_OBJECT = re.compile(rb"(?<![0-9])\d+\s+\d+\s+obj\b")
_PDF_TRAILER = re.compile(rb"\btrailer\b")
_PDF_NAME = re.compile(rb"/((?:[A-Za-z0-9_.+\-]|#[0-9A-Fa-f]{2})+)")
_PDF_HEX_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_PDF_LENGTH = re.compile(rb"/Length\s+(\d+)(?:\s+(\d+)\s+R)?")
_PDF_FILTER = re.compile(rb"/Filter\s*(\[[^\]]*\]|/[A-Za-z0-9]+)")
# What the lexer stops at: a string, comment or hex string (skipped: a name inside a string
# is no name), and with stops, the keywords that end an object's dictionary.
_PDF_LEX = re.compile(rb"[(%<]")
_PDF_LEX_STOPS = re.compile(rb"[(%<]|(?<!/)\b(?:stream|endobj|startxref)\b")
_PDF_ENDSTREAM_AT = re.compile(rb"\s*endstream")
_PDF_N_KEY = re.compile(rb"/N\b")
_PDF_STRING_TOKEN = re.compile(rb"[()\\]")
_PDF_END_OF_LINE = re.compile(rb"[\r\n]")
# Names that make a PDF do something on its own: run JavaScript (in an action, an
# /OpenAction or the document's JavaScript name tree), start a program, carry files,
# play embedded media, or run an XFA form's scripts.
_PDF_ACTIVE = {
    b"JS": "runs JavaScript",
    b"JavaScript": "runs JavaScript",
    b"Launch": "starts a program",
    b"EmbeddedFile": "carries embedded files",
    b"EmbeddedFiles": "carries embedded files",
    b"RichMedia": "plays embedded media",
    b"XFA": "is an XFA form, whose scripts run",
}
# Decompressed object streams, in total: far more than a real PDF's objects.
_PDF_MAX_INFLATED = 200 * 1024 * 1024


def _pdf_uncheckable() -> Refused:
    return Refused(
        "is a PDF whose contents are stored in a way that cannot be checked. Print it to a "
        "new PDF and upload that.",
        code="active",
    )


def _check_pdf(data: bytes) -> None:
    """The structure (header, cross-reference table or stream, end-of-file marker), then
    the names of every object: a viewer finds objects through the cross-reference table
    (at any offset, even inside another object's stream data), by scanning for object
    headers when that table is broken, and inside compressed object streams. So every
    object header anywhere in the file has its dictionary read, and every object stream
    is decompressed and read too."""
    if not _PDF_HEADER.match(data):
        raise _damaged("PDF")
    trailers = list(_PDF_STARTXREF.finditer(data, max(0, len(data) - 2048)))
    if not trailers:
        raise _damaged("PDF")
    offset = int(trailers[-1][1])
    if offset >= len(data) or not _PDF_XREF_AT.match(data, offset):
        raise _damaged("PDF")
    syntax: list[bytes] = []
    # A real file's dictionaries are read once each; overlapping fakes would be read
    # again and again, so their total is bounded.
    budget = {"read": 2 * len(data) + 1024 * 1024, "inflated": _PDF_MAX_INFLATED}
    for trailer in _PDF_TRAILER.finditer(data):
        region, _, _ = _pdf_region(data, trailer.end(), budget=budget)
        syntax.append(region)
    for header in _PDF_OBJECT.finditer(data):
        region, stop, after = _pdf_region(data, header.end(), budget=budget)
        syntax.append(region)
        if stop == b"stream" and _is_object_stream(region):
            syntax.append(_pdf_object_stream_syntax(data, region, after, budget=budget))
    names = _pdf_names(b" ".join(syntax))
    if b"Encrypt" in names:
        raise Refused(
            "is password-protected or encrypted, so it cannot be checked. Save a copy "
            "without a password and upload that.",
            code="active",
        )
    for name, what in _PDF_ACTIVE.items():
        if name in names:
            raise Refused(
                f"is a PDF that {what}. Print it to a new PDF (which leaves that out) and "
                "upload that.",
                code="active",
            )


def _unescape_names(chunk: bytes) -> bytes:
    """PDF names may spell any character as #xx (/J#61vaScript is /JavaScript)."""
    return _PDF_HEX_ESCAPE.sub(lambda match: bytes([int(match[1], 16)]), chunk)


def _pdf_names(chunk: bytes) -> set[bytes]:
    return {_unescape_names(name) for name in _PDF_NAME.findall(chunk)}


def _pdf_region(
    data: bytes, start: int, *, budget: dict, stops: bool = True
) -> tuple[bytes, bytes | None, int]:
    """PDF syntax from `start` with strings, hex strings and comments left out, up to the
    keyword that ends an object's dictionary (`stream`, `endobj`, `startxref`; with
    `stops=False`, to the end): (syntax, the keyword or None, where the keyword ends)."""
    lexer = _PDF_LEX_STOPS if stops else _PDF_LEX
    out, position, end = [], start, len(data)
    while True:
        match = lexer.search(data, position)
        if match is None:
            out.append(data[position:end])
            stop, position = None, end
            break
        out.append(data[position : match.start()])
        token = match[0]
        if token == b"(":
            position = _pdf_skip_string(data, match.end())
            out.append(b" ")
        elif token == b"%":
            line_end = _PDF_END_OF_LINE.search(data, match.end())
            position = line_end.end() if line_end else end
            out.append(b" ")
        elif token == b"<" and data[match.end() : match.end() + 1] == b"<":
            out.append(b"<<")
            position = match.end() + 1
        elif token == b"<":
            close = data.find(b">", match.end())
            position = close + 1 if close != -1 else end
            out.append(b" ")
        else:
            stop, position = token, match.end()
            break
    budget["read"] -= position - start
    if budget["read"] < 0:
        raise _pdf_uncheckable()
    return b"".join(out), stop, position


def _pdf_skip_string(data: bytes, position: int) -> int:
    """Past the end of a literal string: parentheses nest, a backslash escapes."""
    depth = 1
    while depth:
        match = _PDF_STRING_TOKEN.search(data, position)
        if match is None:
            return len(data)
        position = match.end() + (1 if match[0] == b"\\" else 0)
        depth += {b"(": 1, b")": -1}.get(match[0], 0)
    return position


def _is_object_stream(region: bytes) -> bool:
    # A viewer reads an object stream by its /First and /N, whatever its /Type says.
    if b"#" in region:
        region = _unescape_names(region)
    return b"/ObjStm" in region or (b"/First" in region and bool(_PDF_N_KEY.search(region)))


def _pdf_object_stream_syntax(data: bytes, region: bytes, after: int, *, budget: dict) -> bytes:
    """The syntax inside a compressed object stream whose dictionary is `region` and whose
    `stream` keyword ends at `after`."""
    dictionary = _unescape_names(region)
    start = after + (2 if data[after : after + 2] == b"\r\n" else 1)
    end = _pdf_stream_end(data, start, dictionary)
    filters = _PDF_FILTER.search(dictionary)
    filter_names = _pdf_names(filters[1]) if filters else set()
    content = data[start:end]
    if filter_names:
        # Predictors would need undoing before the names can be read; real files do not
        # use them on object streams, so one that does is refused rather than half-read.
        if filter_names != {b"FlateDecode"} or b"/DecodeParms" in dictionary:
            raise _pdf_uncheckable()
        inflater = zlib.decompressobj()
        try:
            content = inflater.decompress(content, max(budget["inflated"], 1))
        except zlib.error as error:
            raise _damaged("PDF") from error
        if inflater.unconsumed_tail:
            raise _pdf_uncheckable()
        budget["inflated"] -= len(content)
    syntax, _, _ = _pdf_region(content, 0, budget=budget, stops=False)
    return syntax


def _pdf_stream_end(data: bytes, start: int, dictionary: bytes) -> int:
    """Where a stream's data ends: at its /Length (direct, or an object that is just a
    number) when `endstream` follows there, as viewers read it; else at the next
    `endstream`."""
    length = _PDF_LENGTH.search(dictionary)
    size = -1
    if length and length[2] is None:
        size = int(length[1])
    elif length:
        target = re.search(
            rb"(?<![0-9])" + length[1] + rb"\s+" + length[2] + rb"\s+obj\s*(\d+)\s*endobj", data
        )
        size = int(target[1]) if target else -1
    if size >= 0 and _PDF_ENDSTREAM_AT.match(data, start + size):
        return start + size
    end = data.find(b"endstream", start)
    return end if end != -1 else len(data)


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
    raise _damaged("PNG image")


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
    raise _damaged("JPEG image")


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
        "contains macros, which can run code. Save it without macros (as .docx, .xlsx, "
        ".pptx, .odt or .ods) or as a PDF, and upload that.",
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
        raise _damaged("Office file") from error
    if len(entries) > _MAX_ZIP_ENTRIES or sum(entry.file_size for entry in entries) > _MAX_UNPACKED:
        raise Refused("unpacks to far more than a document would; it cannot be checked.")
    try:
        names = {entry.filename.lower(): entry.filename for entry in entries}
        if "[content_types].xml" in names:
            return _check_ooxml(archive, names, depth=depth)
        if "mimetype" in names:
            return _check_odf(archive, names)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, KeyError) as error:
        raise _damaged("Office file") from error
    finally:
        archive.close()
    raise Refused(
        "is a zip archive, which we do not accept: upload the documents themselves, one by one."
    )


def _check_ooxml(archive: zipfile.ZipFile, names: dict[str, str], *, depth: int) -> FileKind:
    kind = next((kind for part, kind in _OOXML_MAIN_PARTS.items() if part in names), None)
    if kind is None:
        raise _damaged("Office file")
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
            "contains ActiveX controls, which can run code. Save a copy without them, or "
            "as a PDF, and upload that.",
            code="active",
        )
    for lower, name in names.items():
        if lower.endswith(".rels") and _EXTERNAL_LOAD.search(archive.read(name)):
            raise Refused(
                "loads a template or object from outside the document when it opens. Save "
                "it as a PDF and upload that.",
                code="active",
            )
        if "/embeddings/" in lower and not lower.endswith("/"):
            inner = name.rsplit("/", 1)[-1]
            try:
                identify(inner, archive.read(name), kinds=(DOCX, XLSX, PPTX), depth=depth + 1)
            except Refused as refusal:
                raise Refused(
                    f"contains an embedded object (“{inner}”) that could run code or cannot "
                    "be checked. Remove it, or save the document as a PDF, and upload that.",
                    code="active",
                ) from refusal
    return kind


def _check_odf(archive: zipfile.ZipFile, names: dict[str, str]) -> FileKind:
    kind = _ODF_TYPES.get(archive.read(names["mimetype"])[:100].strip())
    if kind is None:
        raise Refused("is an OpenDocument file of a kind we do not accept.")
    if any(lower.startswith(("basic/", "scripts/")) for lower in names):
        raise _macros()
    for lower, name in names.items():
        if lower.endswith(".xml") and _ODF_SCRIPT.search(archive.read(name)):
            raise _macros()
        if not lower.endswith("/"):
            with archive.open(name) as member:
                if member.read(len(_OLE_SIGNATURE)) == _OLE_SIGNATURE:
                    raise Refused(
                        "contains an embedded object that could run code. Remove it, or "
                        "save the document as a PDF, and upload that.",
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
        raise _damaged("file") from error
    try:
        paths = [tuple(path) for path in ole.listdir(streams=True, storages=True)]
        top = {path[0] for path in paths}
        if top & {"EncryptedPackage", "EncryptionInfo"}:
            raise Refused(
                "is password-protected, so it cannot be checked. Save a copy without a "
                "password and upload that.",
                code="active",
            )
        legacy = next((ext for stream, ext in _LEGACY_STREAMS.items() if stream in top), None)
        if legacy:
            raise Refused(
                f"is in an older Office format ({legacy}) that can carry macros. Save it as "
                ".docx, .xlsx or PDF and upload that.",
                code="active",
            )
        if _MSG_PROPERTIES in top and any(name.startswith("__substg1.0_") for name in top):
            _check_msg(ole, paths, prefix=(), depth=depth)
            return MSG
    except Refused:
        raise
    except Exception as error:  # a stream that cannot be read: the file is damaged
        raise _damaged("Outlook message") from error
    finally:
        ole.close()
    raise _unknown()


def _check_msg(ole, paths: list[tuple], *, prefix: tuple, depth: int) -> None:
    """Each attachment of the message (and of messages attached to it) is held to the
    same rules as an uploaded file."""
    if depth > _MAX_DEPTH:
        raise Refused("holds messages inside messages too deeply to be checked.")
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
                    "has an embedded object attached, which could run code. Save the "
                    "message without it and upload that.",
                    code="active",
                )
            _check_msg(ole, paths, prefix=embedded, depth=depth + 1)
        else:
            _check_attachment(name, b"", depth=depth, name_only=True)


# --- E-mail ------------------------------------------------------------------------------

_HEADER_LINE = re.compile(rb"[!-9;-~]+:")


def _check_eml(data: bytes, *, depth: int) -> None:
    not_a_message = Refused(
        "is not an e-mail message (it has no From, Date or Subject header). Save the "
        "message from your mail program as .eml, or print it to PDF, and upload that."
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
            f"has an attachment we cannot accept: “{name}” {refusal.reason} Remove it "
            "from the message, or upload the message as a PDF.",
            code=refusal.code,
        ) from refusal
