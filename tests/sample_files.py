"""Small files of every kind people upload, good and bad, built in memory (no binary
fixtures): PDFs with and without active content, Office and OpenDocument zips, images,
e-mail messages and OLE compound files (Outlook .msg, legacy Word .doc)."""

import io
import struct
import zipfile
import zlib

from PIL import Image

from tests.factories import pdf_from_objects, tiny_pdf  # noqa: F401  (tiny_pdf re-exported)

# --- PDF ----------------------------------------------------------------------------------


def pdf(*, catalog_extra: bytes = b"", extra_objects: tuple[bytes, ...] = ()) -> bytes:
    """A one-page PDF with a correct cross-reference table. `extra_objects` are numbered
    from 4 on; `catalog_extra` goes into the catalog (e.g. b"/OpenAction 4 0 R")."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b" >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
        *extra_objects,
    ]
    return pdf_from_objects(objects, version="1.7")


def pdf_javascript() -> bytes:
    """Runs JavaScript as soon as it is opened."""
    return pdf(
        catalog_extra=b"/OpenAction 4 0 R",
        extra_objects=(b"<< /Type /Action /S /JavaScript /JS (app.alert\\('hi'\\);) >>",),
    )


def pdf_javascript_hidden() -> bytes:
    """The same, with the names spelt in #-escapes and the action compressed inside an
    object stream, where a plain search for "/JavaScript" does not find it."""
    inner = b"<< /Type /Action /S /J#61vaScript /J#53 (app.alert\\(1\\);) >>"
    header = b"5 0 "
    body = zlib.compress(header + inner)
    object_stream = (
        b"<< /Type /ObjStm /N 1 /First "
        + str(len(header)).encode()
        + b" /Filter /FlateDecode /Length "
        + str(len(body)).encode()
        + b" >>\nstream\n"
        + body
        + b"\nendstream"
    )
    return pdf(catalog_extra=b"/OpenAction 5 0 R", extra_objects=(object_stream,))


def pdf_launch() -> bytes:
    """Starts a program when opened."""
    return pdf(
        catalog_extra=b"/OpenAction 4 0 R",
        extra_objects=(b"<< /Type /Action /S /Launch /F (cmd.exe) >>",),
    )


def pdf_embedded_file() -> bytes:
    """Carries a file (here a program) inside it."""
    program = b"MZ\x90\x00"
    return pdf(
        catalog_extra=b"/Names << /EmbeddedFiles << /Names [(setup.exe) 4 0 R] >> >>",
        extra_objects=(
            b"<< /Type /Filespec /F (setup.exe) /EF << /F 5 0 R >> >>",
            b"<< /Type /EmbeddedFile /Length "
            + str(len(program)).encode()
            + b" >>\nstream\n"
            + program
            + b"\nendstream",
        ),
    )


def pdf_with_image_stream() -> bytes:
    """A harmless PDF whose binary stream happens to contain the bytes "/JS ": stream
    data is not PDF syntax and must not be read as such."""
    data = b"\x00\x01/JS \x02/Launch\x03" * 4
    return pdf(
        extra_objects=(
            b"<< /Type /XObject /Subtype /Image /Width 4 /Height 4 /BitsPerComponent 8 "
            b"/ColorSpace /DeviceGray /Length " + str(len(data)).encode() + b" >>\nstream\n"
            b"" + data + b"\nendstream",
        )
    )


FAKE_PDF = b"%PDF-1.4\n" + b"\x00junk that is not a PDF\xff" * 20


# --- Office Open XML and OpenDocument ------------------------------------------------------

_MAIN_PARTS = {
    "docx": (
        "word/document.xml",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        "application/vnd.ms-word.document.macroEnabled.main+xml",
    ),
    "xlsx": (
        "xl/workbook.xml",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    ),
    "pptx": (
        "ppt/presentation.xml",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
        "application/vnd.ms-powerpoint.presentation.macroEnabled.main+xml",
    ),
}


def ooxml(kind: str = "docx", *, macros: bool = False, extra: dict[str, bytes] | None = None):
    """A minimal Word, Excel or PowerPoint file; with macros, a VBA project in it (what
    .docm/.xlsm files carry)."""
    part, content_type, macro_type = _MAIN_PARTS[kind]
    folder = part.split("/")[0]
    types = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/{part}" ContentType="{macro_type if macros else content_type}"/>'
        + (
            '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
            if macros
            else ""
        )
        + "</Types>"
    )
    rels = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        f'relationships/officeDocument" Target="{part}"/></Relationships>'
    )
    files = {
        "[Content_Types].xml": types.encode(),
        "_rels/.rels": rels.encode(),
        part: b'<?xml version="1.0" encoding="UTF-8"?><document>Evidence</document>',
    }
    if macros:
        files[f"{folder}/vbaProject.bin"] = ole({"VBA": {"dir": b"\x01" * 64}})
    files.update(extra or {})
    return _zip(files)


def odf(kind: str = "text", *, macros: bool = False) -> bytes:
    """A minimal OpenDocument text (.odt) or spreadsheet (.ods); with macros, a Basic
    library in it."""
    files = {
        "mimetype": f"application/vnd.oasis.opendocument.{kind}".encode(),
        "META-INF/manifest.xml": b'<?xml version="1.0" encoding="UTF-8"?><manifest/>',
        "content.xml": b'<?xml version="1.0" encoding="UTF-8"?><office:document-content/>',
    }
    if macros:
        files["Basic/Standard/Module1.xml"] = b"<script:module>Shell(&quot;calc&quot;)</script>"
    return _zip(files)


def _zip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in files.items():
            method = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            archive.writestr(name, data, compress_type=method)
    return out.getvalue()


# --- Images -------------------------------------------------------------------------------


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "navy").save(out, "PNG")
    return out.getvalue()


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "navy").save(out, "JPEG")
    return out.getvalue()


SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg">'
    b"<script>alert(document.cookie)</script></svg>"
)
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
HTA = b'<html><head><HTA:APPLICATION ID="x"/></head><script>new ActiveXObject("x")</script>'
VBS = b'Set shell = CreateObject("WScript.Shell")\r\nshell.Run "calc.exe"\r\n'
BAT = b"@echo off\r\ndel /q C:\\Users\\*\r\n"


# --- E-mail ---------------------------------------------------------------------------------


def eml(*, attachment: tuple[str, bytes] | None = None) -> bytes:
    """An e-mail as saved from a mail program, optionally with one attachment."""
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"] = "Sam Lead <sam.lead@force-a.police.uk>"
    message["To"] = "opcc@example.org"
    message["Subject"] = "CSE tracking: April figures"
    message["Date"] = "Mon, 04 May 2026 09:30:00 +0100"
    message.set_content("The April figures are below.\n")
    message.add_alternative("<p>The April figures are below.</p>", subtype="html")
    if attachment:
        name, data = attachment
        message.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
    return bytes(message)


# --- OLE compound files (Outlook .msg, legacy Office) -----------------------------------------

_FREE, _END, _FAT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
_NO_ENTRY = 0xFFFFFFFF


def msg(*, attachment: tuple[str, bytes] | None = None) -> bytes:
    """An Outlook message as Outlook saves it: an OLE compound file of MAPI properties,
    optionally with one attachment."""
    tree: dict = {
        "__substg1.0_0037001F": "CSE tracking: April figures".encode("utf-16-le"),
        "__substg1.0_1000001F": "The April figures are attached.".encode("utf-16-le"),
        "__properties_version1.0": b"\x00" * 32,
        "__nameid_version1.0": {"__substg1.0_00020102": b""},
    }
    if attachment:
        name, data = attachment
        tree["__attach_version1.0_#00000000"] = {
            "__substg1.0_3707001F": name.encode("utf-16-le"),
            "__substg1.0_37010102": data,
            "__properties_version1.0": b"\x00" * 8,
        }
    return ole(tree)


def legacy_word() -> bytes:
    """A Word 97-2003 .doc with a macro project, as an OLE compound file."""
    return ole(
        {
            "WordDocument": b"\xec\xa5" + b"\x00" * 62,
            "1Table": b"\x00" * 64,
            "Macros": {"VBA": {"dir": b"\x01" * 64}},
        }
    )


def ole(tree: dict) -> bytes:
    """A version 3 compound file (512-byte sectors) holding `tree`: a name maps to the
    bytes of a stream or to a dict (a storage). Every stream lives in the mini stream, so
    streams must be under 4096 bytes."""
    entries: list[dict] = [{"name": "Root Entry", "type": 5, "children": []}]
    mini = bytearray()
    mini_fat: list[int] = []

    def add(parent: int, children: dict) -> None:
        for name, value in children.items():
            index = len(entries)
            entries[parent]["children"].append(index)
            if isinstance(value, dict):
                entries.append({"name": name, "type": 1, "children": []})
                add(index, value)
            else:
                assert len(value) < 4096
                start = len(mini) // 64 if value else _END
                sectors = (len(value) + 63) // 64
                mini_fat.extend(range(len(mini_fat) + 1, len(mini_fat) + sectors))
                if sectors:
                    mini_fat.append(_END)
                mini.extend(value + b"\x00" * (sectors * 64 - len(value)))
                entries.append(
                    {"name": name, "type": 2, "children": [], "start": start, "size": len(value)}
                )

    add(0, tree)
    dir_sectors = (len(entries) * 128 + 511) // 512
    mini_fat_sectors = (len(mini_fat) * 4 + 511) // 512
    mini_sectors = (len(mini) + 511) // 512
    others = dir_sectors + mini_fat_sectors + mini_sectors
    fat_sectors = 1
    while fat_sectors * 128 < fat_sectors + others:
        fat_sectors += 1
    first_dir = fat_sectors
    first_mini_fat = first_dir + dir_sectors
    first_mini = first_mini_fat + mini_fat_sectors

    fat = [_FAT] * fat_sectors
    for first, count in [
        (first_dir, dir_sectors),
        (first_mini_fat, mini_fat_sectors),
        (first_mini, mini_sectors),
    ]:
        fat.extend([*range(first + 1, first + count), _END] if count else [])
    fat.extend([_FREE] * (fat_sectors * 128 - len(fat)))

    entries[0].update(start=first_mini if mini else _END, size=len(mini))
    directory = bytearray()
    for entry in entries:
        children = entry["children"]
        # Siblings chained to the right: a valid (if unbalanced) tree for any reader.
        for here, after in zip(children, [*children[1:], _NO_ENTRY], strict=False):
            entries[here]["right"] = after
    for entry in entries:
        name = entry["name"].encode("utf-16-le") + b"\x00\x00"
        children = entry["children"]
        directory += name.ljust(64, b"\x00")
        directory += struct.pack("<HBB", len(name), entry["type"], 1)
        directory += struct.pack(
            "<III", _NO_ENTRY, entry.get("right", _NO_ENTRY), children[0] if children else _NO_ENTRY
        )
        directory += b"\x00" * 36  # class id, state bits, times
        directory += struct.pack("<IQ", entry.get("start", _END), entry.get("size", 0))
    directory.extend(b"\x00" * (dir_sectors * 512 - len(directory)))
    # Unused directory slots are empty entries pointing nowhere.
    for slot in range(len(entries), dir_sectors * 4):
        offset = slot * 128
        directory[offset + 68 : offset + 80] = struct.pack("<III", *[_NO_ENTRY] * 3)

    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16
    header += struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\x00" * 6
    header += struct.pack(
        "<IIIIIIIII",
        0,
        fat_sectors,
        first_dir,
        0,
        4096,
        first_mini_fat if mini_fat else _END,
        mini_fat_sectors,
        _END,
        0,
    )
    difat = list(range(fat_sectors)) + [_FREE] * (109 - fat_sectors)
    header += struct.pack("<109I", *difat)
    body = struct.pack(f"<{len(fat)}I", *fat) + bytes(directory)
    mini_fat_bytes = struct.pack(f"<{len(mini_fat)}I", *mini_fat)
    body += mini_fat_bytes + b"\xff" * (mini_fat_sectors * 512 - len(mini_fat_bytes))
    body += bytes(mini) + b"\x00" * (mini_sectors * 512 - len(mini))
    return header + body


# --- The cases the upload tests share ---------------------------------------------------------

PROGRAM = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 64

# (file name, bytes, what the refusal says): each must be refused wherever files are taken.
REFUSED = {
    "hta": ("survey.hta", HTA, "a program or script (.hta)"),
    "vbs": ("tidy.vbs", VBS, "a program or script (.vbs)"),
    "bat": ("clean.bat", BAT, "a program or script (.bat)"),
    "html": ("minutes.html", HTML, "a web page or drawing (.html)"),
    "svg": ("chart.svg", SVG, "a web page or drawing (.svg)"),
    "html-as-txt": ("minutes.txt", HTML, "contains a web page or script"),
    "fake-pdf": ("report.pdf", FAKE_PDF, "is not a complete, readable PDF"),
    "pdf-javascript": ("report.pdf", pdf_javascript(), "runs JavaScript"),
    "pdf-javascript-hidden": ("report.pdf", pdf_javascript_hidden(), "runs JavaScript"),
    "pdf-launch": ("report.pdf", pdf_launch(), "starts a program"),
    "pdf-embedded-file": ("report.pdf", pdf_embedded_file(), "carries embedded files"),
    "docm": ("plan.docm", ooxml("docx", macros=True), "a macro-enabled Office file (.docm)"),
    "docx-with-vba": ("plan.docx", ooxml("docx", macros=True), "contains macros"),
    "xlsx-with-vba": ("figures.xlsx", ooxml("xlsx", macros=True), "contains macros"),
    "odt-with-basic": ("plan.odt", odf("text", macros=True), "contains macros"),
    "legacy-doc": ("plan.doc", legacy_word(), "an older Office format (.doc)"),
    "legacy-doc-as-docx": ("plan.docx", legacy_word(), "an older Office format"),
    "program-as-pdf": ("report.pdf", PROGRAM, "is not a file type we accept"),
    "pdf-as-txt": ("report.txt", pdf(), "is a PDF, but its name ends in .txt"),
    "eml-with-program": ("mail.eml", eml(attachment=("setup.exe", PROGRAM)), "setup.exe"),
    "msg-with-script": ("mail.msg", msg(attachment=("tidy.vbs", VBS)), "tidy.vbs"),
    "zip": ("files.zip", _zip({"a.txt": b"a"}), "not a type we accept (.zip)"),
}

# (file name, bytes, the extension it is stored under, its content type)
ACCEPTED = {
    "pdf": ("minutes.pdf", pdf(), ".pdf", "application/pdf"),
    "pdf-image-stream": ("scan.pdf", pdf_with_image_stream(), ".pdf", "application/pdf"),
    "docx": (
        "plan.docx",
        ooxml("docx"),
        ".docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    "xlsx": (
        "figures.xlsx",
        ooxml("xlsx"),
        ".xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    "pptx": (
        "panel.pptx",
        ooxml("pptx"),
        ".pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
    "odt": ("plan.odt", odf("text"), ".odt", "application/vnd.oasis.opendocument.text"),
    "ods": (
        "figures.ods",
        odf("spreadsheet"),
        ".ods",
        "application/vnd.oasis.opendocument.spreadsheet",
    ),
    "csv": ("figures.csv", "Month,Referrals\nApril,£12\n".encode("cp1252"), ".csv", "text/csv"),
    "txt": ("notes.txt", b"Met the board; all agreed.\n", ".txt", "text/plain"),
    "png": ("photo.png", png(), ".png", "image/png"),
    "jpeg": ("Photo.JPEG", jpeg(), ".jpeg", "image/jpeg"),
    "eml": ("mail.eml", eml(attachment=("figures.pdf", pdf())), ".eml", "message/rfc822"),
    "msg": (
        "mail.msg",
        msg(attachment=("figures.pdf", pdf())),
        ".msg",
        "application/vnd.ms-outlook",
    ),
}
