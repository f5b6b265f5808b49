"""The upload allow-list's checks, file by file: the tricks a hostile file plays, and the
ordinary files an office sends that must still get through."""

import codecs
import zlib

import pytest

from oversight.shared import file_types
from oversight.shared.file_types import Refused, identify
from oversight.shared.uploads import download_filename, safe_filename, stored_filename
from tests import sample_files


def _refusal(name: str, data: bytes) -> str:
    with pytest.raises(Refused) as refused:
        identify(name, data)
    return refused.value.reason


# --- PDF ------------------------------------------------------------------------------


def test_pdf_object_hidden_in_another_streams_data_is_found():
    """A viewer reaches an object by its offset, even inside another object's stream."""
    hidden = b"\n9 0 obj\n<< /S /JavaScript /JS (app.alert\\(1\\)) >>\nendobj\n"
    pdf = sample_files.pdf(
        extra_objects=(
            b"<< /Length " + str(len(hidden)).encode() + b" >>\nstream\n" + hidden + b"\nendstream",
        )
    )
    assert "runs JavaScript" in _refusal("x.pdf", pdf)


def test_pdf_stream_keyword_inside_a_string_does_not_hide_what_follows():
    pdf = sample_files.pdf(
        extra_objects=(b"<< /T (>> stream\n) /S /Launch /F (cmd.exe) >>",),
    )
    assert "starts a program" in _refusal("x.pdf", pdf)


def test_pdf_name_inside_a_string_is_only_text():
    pdf = sample_files.pdf(
        extra_objects=(b"<< /Title (How /JavaScript and /Launch work) >>",),
    )
    assert identify("guide.pdf", pdf) is file_types.PDF


def test_pdf_encrypted_is_refused():
    pdf = sample_files.pdf(extra_objects=(b"<< /Filter /Standard /V 2 >>",))
    pdf = pdf.replace(b"/Root 1 0 R", b"/Root 1 0 R /Encrypt 4 0 R")
    assert "password-protected or encrypted" in _refusal("x.pdf", pdf)


def test_pdf_object_stream_in_an_unusual_encoding_is_refused():
    body = zlib.compress(b"5 0 << /S /JavaScript >>").hex().encode()
    stream = (
        b"<< /Type /ObjStm /N 1 /First 4 /Filter [/ASCIIHexDecode /FlateDecode] /Length "
        + str(len(body)).encode()
        + b" >>\nstream\n"
        + body
        + b"\nendstream"
    )
    assert "cannot be checked" in _refusal("x.pdf", sample_files.pdf(extra_objects=(stream,)))


@pytest.mark.parametrize(
    "pdf",
    [
        sample_files.tiny_pdf().replace(b"%%EOF", b""),
        sample_files.tiny_pdf().replace(b"startxref\n", b"startxref\n9"),
        b"%PDF-1.7\n%%EOF\n",
        b"%PDF-1.7\nstartxref\n0\n%%EOF\n",
    ],
    ids=["no-eof", "startxref-past-the-end", "header-and-eof", "startxref-at-no-table"],
)
def test_pdf_without_a_sound_structure_is_refused(pdf):
    assert "is not a complete, readable PDF" in _refusal("x.pdf", pdf)


# --- Office and OpenDocument ------------------------------------------------------------


def test_docx_that_loads_a_template_from_outside_is_refused():
    rels = (
        b'<Relationships><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
        b'officeDocument/2006/relationships/attachedTemplate" '
        b'Target="https://example.org/t.dotm" TargetMode="External"/></Relationships>'
    )
    docx = sample_files.ooxml(extra={"word/_rels/settings.xml.rels": rels})
    assert "loads a template or object from outside" in _refusal("x.docx", docx)


def test_docx_with_an_embedded_ole_object_is_refused():
    docx = sample_files.ooxml(
        extra={"word/embeddings/oleObject1.bin": sample_files.ole({"\x01Ole10Native": b"MZ"})}
    )
    assert "embedded object (“oleObject1.bin”)" in _refusal("x.docx", docx)


def test_docx_with_an_embedded_spreadsheet_is_accepted():
    docx = sample_files.ooxml(
        extra={"word/embeddings/Microsoft_Excel_Worksheet.xlsx": sample_files.ooxml("xlsx")}
    )
    assert identify("x.docx", docx) is file_types.DOCX


def test_docx_with_an_embedded_macro_spreadsheet_is_refused():
    docx = sample_files.ooxml(
        extra={"word/embeddings/Sheet.xlsx": sample_files.ooxml("xlsx", macros=True)}
    )
    assert "embedded object" in _refusal("x.docx", docx)


def test_xlsx_with_activex_is_refused():
    xlsx = sample_files.ooxml("xlsx", extra={"xl/activeX/activeX1.xml": b"<ax/>"})
    assert "ActiveX" in _refusal("x.xlsx", xlsx)


def test_legacy_excel_is_refused():
    xls = sample_files.ole({"Workbook": b"\x09\x08" + b"\x00" * 62})
    assert "older Office format (.xls)" in _refusal("figures.xls", xls)
    assert "older Office format (.xls)" in _refusal("figures.xlsx", xls)


def test_word_file_named_as_a_spreadsheet_is_refused_with_the_right_name():
    reason = _refusal("figures.xlsx", sample_files.ooxml("docx"))
    assert reason.startswith("is a Word document, but its name ends in .xlsx. Rename it")


# --- E-mail -------------------------------------------------------------------------------


def test_eml_without_mail_headers_is_refused():
    assert "is not an e-mail message" in _refusal("mail.eml", b"Just some notes.\n")


def test_eml_attachment_is_checked_like_an_upload():
    mail = sample_files.eml(attachment=("minutes.pdf", sample_files.pdf_javascript()))
    reason = _refusal("mail.eml", mail)
    assert reason.startswith("has an attachment we cannot accept: “minutes.pdf” is a PDF that")


def test_msg_with_an_attached_message_carrying_a_script_is_refused():
    inner = {
        "__substg1.0_0037001F": "Fwd".encode("utf-16-le"),
        "__properties_version1.0": b"\x00" * 24,
        "__attach_version1.0_#00000000": {
            "__substg1.0_3707001F": "run.vbs".encode("utf-16-le"),
            "__substg1.0_37010102": sample_files.VBS,
        },
    }
    outer = sample_files.ole(
        {
            "__substg1.0_0037001F": "Subject".encode("utf-16-le"),
            "__properties_version1.0": b"\x00" * 32,
            "__attach_version1.0_#00000000": {
                "__substg1.0_3707001F": "Fwd.msg".encode("utf-16-le"),
                "__substg1.0_3701000D": inner,
            },
        }
    )
    assert "“run.vbs” is a program or script" in _refusal("mail.msg", outer)


# --- Text and images ---------------------------------------------------------------------


def test_text_in_utf16_with_a_byte_order_mark_is_accepted():
    data = codecs.BOM_UTF16_LE + "Month\tReferrals\r\n".encode("utf-16-le")
    assert identify("figures.txt", data) is file_types.TXT


def test_binary_named_as_text_is_refused():
    assert "is not a file type we accept" in _refusal("notes.txt", b"\x01\x02\x03abc")


def test_text_with_a_script_tag_inside_is_refused():
    data = b"Notes from the panel.\n<script src=//example.org/x.js></script>\n"
    assert "contains a web page or script" in _refusal("notes.txt", data)


@pytest.mark.parametrize(
    ("name", "data"),
    [("photo.png", sample_files.png()[:30]), ("photo.jpg", sample_files.jpeg()[:40])],
    ids=["png", "jpeg"],
)
def test_truncated_image_is_refused(name, data):
    assert "is not a complete, readable" in _refusal(name, data)


# --- Names ---------------------------------------------------------------------------------


def test_long_name_keeps_its_extension():
    assert safe_filename("a" * 300 + ".pdf") == "a" * 116 + ".pdf"


def test_stored_name_takes_the_extension_in_lower_case():
    assert stored_filename("../Photo.JPEG", file_types.JPEG) == "Photo.jpeg"
    assert stored_filename(".pdf", file_types.PDF).endswith(".pdf")


@pytest.mark.parametrize(
    ("name", "content_type", "expected"),
    [
        ("minutes.pdf", "application/pdf", "minutes.pdf"),
        ("minutes.html", "text/plain", "minutes.html.txt"),
        ("x.svg", "image/svg+xml", "x.svg.bin"),
        ("a\r\nSet-Cookie: x.pdf", "application/pdf", "a__Set-Cookie: x.pdf"),
    ],
)
def test_download_name_matches_the_content_type(name, content_type, expected):
    assert download_filename(name, content_type) == expected
