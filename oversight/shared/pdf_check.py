"""Whether a PDF may be kept: its structure is read far enough to find a trailer and a real
cross-reference table, and every object (inside compressed object streams and other
objects' data too) is searched for active content: JavaScript, launch actions, embedded
files, rich media, XFA forms, encryption. Used by oversight.shared.file_types.
"""

import re
import zlib

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from oversight.shared.file_refusals import Refused, damaged

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
_RUNS_JAVASCRIPT = gettext_lazy(
    "is a PDF that runs JavaScript. Print it to a new PDF (which leaves that out) and upload that."
)
_CARRIES_FILES = gettext_lazy(
    "is a PDF that carries embedded files. Print it to a new PDF (which leaves that out) "
    "and upload that."
)
_PDF_ACTIVE = {
    b"JS": _RUNS_JAVASCRIPT,
    b"JavaScript": _RUNS_JAVASCRIPT,
    b"Launch": gettext_lazy(
        "is a PDF that starts a program. Print it to a new PDF (which leaves that out) and "
        "upload that."
    ),
    b"EmbeddedFile": _CARRIES_FILES,
    b"EmbeddedFiles": _CARRIES_FILES,
    b"RichMedia": gettext_lazy(
        "is a PDF that plays embedded media. Print it to a new PDF (which leaves that out) "
        "and upload that."
    ),
    b"XFA": gettext_lazy(
        "is a PDF that is an XFA form, whose scripts run. Print it to a new PDF (which leaves "
        "that out) and upload that."
    ),
}
# Decompressed object streams, in total: far more than a real PDF's objects.
_PDF_MAX_INFLATED = 200 * 1024 * 1024


def _pdf_uncheckable() -> Refused:
    return Refused(
        _(
            "is a PDF whose contents are stored in a way that cannot be checked. Print it to "
            "a new PDF and upload that."
        ),
        code="active",
    )


def check_pdf(data: bytes) -> None:
    """The structure (header, cross-reference table or stream, end-of-file marker), then
    the names of every object: a viewer finds objects through the cross-reference table
    (at any offset, even inside another object's stream data), by scanning for object
    headers when that table is broken, and inside compressed object streams. So every
    object header anywhere in the file has its dictionary read, and every object stream
    is decompressed and read too."""
    if not _PDF_HEADER.match(data):
        raise damaged(_("PDF"))
    trailers = list(_PDF_STARTXREF.finditer(data, max(0, len(data) - 2048)))
    if not trailers:
        raise damaged(_("PDF"))
    offset = int(trailers[-1][1])
    if offset >= len(data) or not _PDF_XREF_AT.match(data, offset):
        raise damaged(_("PDF"))
    syntax: list[bytes] = []
    # A real file's dictionaries are read once each; overlapping fakes would be read
    # again and again, so their total is bounded.
    budget = {"read": 2 * len(data) + 1024 * 1024, "inflated": _PDF_MAX_INFLATED}
    for trailer in _PDF_TRAILER.finditer(data):
        region, _end, _stop = _pdf_region(data, trailer.end(), budget=budget)
        syntax.append(region)
    for header in _PDF_OBJECT.finditer(data):
        region, stop, after = _pdf_region(data, header.end(), budget=budget)
        syntax.append(region)
        if stop == b"stream" and _is_object_stream(region):
            syntax.append(_pdf_object_stream_syntax(data, region, after, budget=budget))
    names = _pdf_names(b" ".join(syntax))
    if b"Encrypt" in names:
        raise Refused(
            _(
                "is password-protected or encrypted, so it cannot be checked. Save a copy "
                "without a password and upload that."
            ),
            code="active",
        )
    for name, reason in _PDF_ACTIVE.items():
        if name in names:
            raise Refused(str(reason), code="active")


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
            raise damaged(_("PDF")) from error
        if inflater.unconsumed_tail:
            raise _pdf_uncheckable()
        budget["inflated"] -= len(content)
    syntax, _end, _stop = _pdf_region(content, 0, budget=budget, stops=False)
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
