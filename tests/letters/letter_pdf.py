"""Reading letter PDFs back the way a person's tools would: poppler's pdftotext and pdfinfo."""

import io
import re
import subprocess
import tempfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from fontTools.ttLib import TTFont


def _run(command: list[str], pdf: bytes) -> str:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "letter.pdf"
        path.write_bytes(pdf)
        return subprocess.run(
            [*command, str(path), *(["-"] if command[0] == "pdftotext" else [])],
            check=True,
            capture_output=True,
            text=True,
        ).stdout


def pdf_text(pdf: bytes) -> str:
    """The text, laid out as printed (pdftotext -layout)."""
    return _run(["pdftotext", "-layout"], pdf)


def pdf_text_by_block(pdf: bytes) -> str:
    """The text block by block (pdftotext without -layout): a table cell's wrapped lines
    come out together, not interleaved with the cells beside them."""
    return _run(["pdftotext"], pdf)


def flat(text: str) -> str:
    """Whitespace collapsed, so wrapped lines of one table cell read as one string."""
    return re.sub(r"\s+", " ", text)


def pdf_info(pdf: bytes) -> dict[str, str]:
    info = {}
    for line in _run(["pdfinfo"], pdf).splitlines():
        key, _, value = line.partition(":")
        info[key.strip()] = value.strip()
    return info


def pdf_fonts(pdf: bytes) -> str:
    return _run(["pdffonts"], pdf)


# --- The fonts a PDF embeds and the glyphs it draws with them ---------------------------
# Enough of a PDF reader for what WeasyPrint writes (objects, object streams, Flate
# streams, Type0 fonts with Identity-H codes), so a test can see which glyph of which
# embedded font program draws each character, not only what pdftotext reads back.

_WHITESPACE = b"\x00\t\n\x0c\r "
_DELIMITERS = b"()<>[]{}/%"


class PdfRef(NamedTuple):
    number: int


class PdfName(str):
    pass


class PdfOperator(str):
    pass


@dataclass
class PdfStream:
    attributes: dict
    raw: bytes

    @property
    def data(self) -> bytes:
        filters = self.attributes.get("Filter")
        filters = filters if isinstance(filters, list) else [filters] if filters else []
        data = self.raw
        for name in filters:
            if name != "FlateDecode":
                raise ValueError(f"This reader does not decode {name} streams.")
            data = zlib.decompress(data)
        return data


def _skip_space(data: bytes, pos: int) -> int:
    while pos < len(data):
        if data[pos] in _WHITESPACE:
            pos += 1
        elif data[pos : pos + 1] == b"%":
            while pos < len(data) and data[pos] not in b"\r\n":
                pos += 1
        else:
            break
    return pos


def _literal_string(data: bytes, pos: int) -> tuple[bytes, int]:
    escapes = {ord("n"): b"\n", ord("r"): b"\r", ord("t"): b"\t", ord("b"): b"\b", ord("f"): b"\f"}
    out, depth, pos = bytearray(), 1, pos + 1
    while True:
        byte = data[pos]
        if byte == ord("\\"):
            following = data[pos + 1]
            if following in escapes:
                out += escapes[following]
                pos += 2
            elif following in b"\r\n":
                pos += 3 if data[pos + 1 : pos + 3] == b"\r\n" else 2
            elif chr(following) in "01234567":
                digits = re.match(rb"[0-7]{1,3}", data[pos + 1 : pos + 4]).group()
                out.append(int(digits, 8) & 0xFF)
                pos += 1 + len(digits)
            else:
                out.append(following)
                pos += 2
            continue
        if byte == ord("("):
            depth += 1
        elif byte == ord(")"):
            depth -= 1
            if not depth:
                return bytes(out), pos + 1
        out.append(byte)
        pos += 1


def _token_end(data: bytes, pos: int) -> int:
    while pos < len(data) and data[pos] not in _WHITESPACE and data[pos] not in _DELIMITERS:
        pos += 1
    return pos


def parse_value(data: bytes, pos: int):
    """One PDF value (or a bare operator, in a content stream) at pos: (value, next pos)."""
    pos = _skip_space(data, pos)
    two = data[pos : pos + 2]
    if two == b"<<":
        result, pos = {}, pos + 2
        while True:
            pos = _skip_space(data, pos)
            if data[pos : pos + 2] == b">>":
                return result, pos + 2
            key, pos = parse_value(data, pos)
            result[str(key)], pos = parse_value(data, pos)
    char = data[pos : pos + 1]
    if char == b"[":
        result, pos = [], pos + 1
        while True:
            pos = _skip_space(data, pos)
            if data[pos : pos + 1] == b"]":
                return result, pos + 1
            value, pos = parse_value(data, pos)
            result.append(value)
    if char == b"<":
        end = data.index(b">", pos)
        digits = re.sub(rb"\s", b"", data[pos + 1 : end])
        return bytes.fromhex((digits + b"0" * (len(digits) % 2)).decode()), end + 1
    if char == b"(":
        return _literal_string(data, pos)
    if char == b"/":
        end = _token_end(data, pos + 1)
        name = re.sub(
            rb"#([0-9a-fA-F]{2})", lambda m: bytes([int(m.group(1), 16)]), data[pos + 1 : end]
        )
        return PdfName(name.decode("latin-1")), end
    end = _token_end(data, pos)
    token = data[pos:end]
    if re.fullmatch(rb"[+-]?\d+", token):
        reference = re.match(rb"\s+(\d+)\s+R(?![^\s/<>\[\]()%])", data[end:])
        if reference:
            return PdfRef(int(token)), end + reference.end()
        return int(token), end
    if re.fullmatch(rb"[+-]?(\d+\.\d*|\.\d+)", token):
        return float(token), end
    keywords = {b"true": True, b"false": False, b"null": None}
    if token in keywords:
        return keywords[token], end
    if not token:
        raise ValueError(f"Unexpected {data[pos : pos + 20]!r} at {pos}.")
    return PdfOperator(token.decode("latin-1")), end


class PdfDocument:
    """Every object of a PDF, by number, object streams unpacked."""

    def __init__(self, pdf: bytes):
        self.objects: dict[int, object] = {}
        for match in re.finditer(rb"(?<![0-9])(\d+)\s+\d+\s+obj\b", pdf):
            if match.start() < getattr(self, "_resume", 0):
                continue  # inside a stream already read
            value, pos = parse_value(pdf, match.end())
            after = _skip_space(pdf, pos)
            if pdf.startswith(b"stream", after):
                start = after + len(b"stream")
                start += 2 if pdf[start : start + 2] == b"\r\n" else 1
                length = value.get("Length")
                end = start + length if isinstance(length, int) else pdf.index(b"endstream", start)
                value = PdfStream(value, pdf[start:end])
                self._resume = end
            self.objects[int(match.group(1))] = value
        for stream in list(self.objects.values()):
            if isinstance(stream, PdfStream) and stream.attributes.get("Type") == "ObjStm":
                data, first = stream.data, stream.attributes["First"]
                header = [int(n) for n in data[:first].split()]
                for number, offset in zip(header[::2], header[1::2], strict=True):
                    self.objects[number] = parse_value(data, first + offset)[0]

    def resolve(self, value):
        while isinstance(value, PdfRef):
            value = self.objects[value.number]
        return value

    def of_type(self, kind: str) -> list:
        return [
            value
            for value in self.objects.values()
            if isinstance(value, dict) and value.get("Type") == kind
        ]


@dataclass
class EmbeddedFont:
    """A Type0 font of the PDF: its name, its font program, what each code means, and
    the codes the pages draw with it."""

    name: str
    program: TTFont
    to_unicode: dict[int, str]
    cid_to_gid: dict[int, int] | None  # None: Identity
    codes_drawn: set[int] = field(default_factory=set)

    def glyph_id(self, code: int) -> int:
        return code if self.cid_to_gid is None else self.cid_to_gid.get(code, 0)


def _to_unicode(cmap: bytes) -> dict[int, str]:
    def text(hex_digits: bytes) -> str:
        return bytes.fromhex(hex_digits.decode()).decode("utf-16-be")

    mapping = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
        for code, target in re.findall(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]*)>", block):
            mapping[int(code, 16)] = text(target)
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", cmap, re.S):
        for low, high, target in re.findall(
            rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block
        ):
            start = text(target)
            for offset in range(int(high, 16) - int(low, 16) + 1):
                mapping[int(low, 16) + offset] = start[:-1] + chr(ord(start[-1]) + offset)
    return mapping


def _draw_codes(
    document: PdfDocument, content: bytes, resources: dict, fonts: dict, drawn: list
) -> None:
    """Record, per font, the codes a content stream (and the forms it paints) draws, and
    in `drawn` the (font, code) pairs in drawing order, None between text objects."""
    resources = document.resolve(resources) or {}
    font_names = document.resolve(resources.get("Font")) or {}
    xobjects = document.resolve(resources.get("XObject")) or {}
    operands, current, pos = [], None, 0
    while (pos := _skip_space(content, pos)) < len(content):
        value, pos = parse_value(content, pos)
        if not isinstance(value, PdfOperator):
            operands.append(value)
            continue
        if value == "BI":  # an inline image: skip its data
            pos = content.index(b"EI", pos) + 2
        elif value in ("BT", "ET"):
            drawn.append(None)
        elif value == "Tf":
            reference = font_names.get(operands[0])
            current = fonts.get(reference.number) if isinstance(reference, PdfRef) else None
        elif value in ("Tj", "TJ", "'", '"') and current is not None:
            strings = operands[-1] if value == "TJ" else [operands[-1]]
            for string in strings:
                if isinstance(string, bytes):
                    codes = [
                        int.from_bytes(string[i : i + 2], "big") for i in range(0, len(string), 2)
                    ]
                    current.codes_drawn.update(codes)
                    drawn.extend((current, code) for code in codes)
        elif value == "Do":
            form = document.resolve(xobjects.get(operands[0]))
            if isinstance(form, PdfStream) and form.attributes.get("Subtype") == "Form":
                _draw_codes(document, form.data, form.attributes.get("Resources"), fonts, drawn)
        operands = []


def pdf_embedded_fonts(pdf: bytes) -> list[EmbeddedFont]:
    """Each Type0 font the PDF embeds, with the codes its pages draw."""
    return pdf_drawn_glyphs(pdf)[0]


def pdf_drawn_glyphs(
    pdf: bytes,
) -> tuple[list[EmbeddedFont], list[tuple[EmbeddedFont, int] | None]]:
    """Each Type0 font the PDF embeds, with the codes its pages draw; and every glyph the
    pages draw, as (font, code) in drawing order, None where a text object starts or ends."""
    document = PdfDocument(pdf)
    fonts: dict[int, EmbeddedFont] = {}
    drawn: list[tuple[EmbeddedFont, int] | None] = []
    for number, value in document.objects.items():
        if not (isinstance(value, dict) and value.get("Subtype") == "Type0"):
            continue
        [descendant] = document.resolve(value["DescendantFonts"])
        descendant = document.resolve(descendant)
        descriptor = document.resolve(descendant["FontDescriptor"])
        program = document.resolve(descriptor.get("FontFile2") or descriptor["FontFile3"])
        cid_to_gid = document.resolve(descendant.get("CIDToGIDMap", PdfName("Identity")))
        if isinstance(cid_to_gid, PdfStream):
            table = cid_to_gid.data
            cid_to_gid = {
                cid: int.from_bytes(table[2 * cid : 2 * cid + 2], "big")
                for cid in range(len(table) // 2)
            }
        else:
            cid_to_gid = None
        fonts[number] = EmbeddedFont(
            name=str(value["BaseFont"]),
            program=TTFont(io.BytesIO(program.data)),
            to_unicode=_to_unicode(document.resolve(value["ToUnicode"]).data),
            cid_to_gid=cid_to_gid,
        )
    for page in document.of_type("Page"):
        node, resources = page, None
        while resources is None and node is not None:
            resources = node.get("Resources")
            node = document.resolve(node.get("Parent"))
        contents = document.resolve(page.get("Contents"))
        for stream in contents if isinstance(contents, list) else [contents]:
            _draw_codes(document, document.resolve(stream).data, resources, fonts, drawn)
    return list(fonts.values()), drawn
