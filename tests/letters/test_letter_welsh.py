"""Letters in Welsh and bilingual: the fixed wording in Welsh (Welsh first in a bilingual
letter, then the English), the data the user typed printed as typed."""

import io
import os
import re
import subprocess
import tempfile
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.management import call_command

from letters import sections
from letters.models import Letter
from letters.rendering import letter_render_pdf
from letters.services import letter_create, letter_update
from letters.snapshot import letter_build_snapshot
from oversight.models import InspectionReport, Office, User
from tests.letters.letter_pdf import flat, pdf_text

TYPED_OPENING = "Diolch am eich llythyr. Ŵyr Siôn a’r tŷ ar y bryn: ÂÊÎÔÛŴŶ ẃẁẅ ŷỳÿ."
TYPED_SIGNATORY = "Siân Llŷr ap Gwŷn"
TYPED_ENGLISH = "Thank you for your letter about the house on the hill."


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _only_own_sections(monkeypatch):
    monkeypatch.setattr(sections, "SECTIONS", ())


@pytest.fixture
def demo(db):
    call_command("seed_demo", quiet_logins=True, stdout=io.StringIO())
    return SimpleNamespace(
        report=InspectionReport.objects.get(title__startswith="National child protection"),
        opcc=User.objects.get(username="opcc"),
    )


def _letter_in(language: str, demo, **typed) -> Letter:
    office = demo.opcc.office
    office.letter_language = language
    office.save(update_fields=["letter_language"])
    letter = letter_create(report=demo.report, kind=Letter.Kind.FORMAL_RESPONSE, user=demo.opcc)
    assert letter.language == language  # drafted in the office's language
    return letter_update(
        letter=letter,
        user=demo.opcc,
        expected_version=letter.updated_at.isoformat(),
        **({"opening": TYPED_OPENING, "signatory_name": TYPED_SIGNATORY} | typed),
    )


def _pdf(letter: Letter, user: User) -> bytes:
    pdf = letter_render_pdf(letter_build_snapshot(letter=letter, user=user), is_draft=True)
    folder = os.environ.get("LETTER_PNG_DIR")
    if folder:  # for looking at the pages: LETTER_PNG_DIR=/tmp/x pytest ...
        with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
            file.write(pdf)
            file.flush()
            prefix = Path(folder) / f"letter-{letter.language}"
            subprocess.run(["pdftoppm", "-r", "60", "-png", file.name, prefix], check=True)
    return pdf


def test_a_welsh_letter_prints_the_fixed_wording_in_welsh_and_the_typed_text_as_typed(demo):
    letter = _letter_in(Office.LetterLanguage.WELSH, demo)
    text = flat(pdf_text(_pdf(letter, demo.opcc)))
    # (Table and reference labels are printed in small capitals, letter-spaced.)
    for welsh in ["Diweddariad", "% wedi’i gwblhau", "Yn gywir", "Annwyl Gomisiynydd"]:
        assert welsh in text, welsh
    assert "Tudalen 1 o" in text
    assert "Ymateb ffurfiol i adroddiad" in text
    assert flat(TYPED_OPENING) in text
    assert TYPED_SIGNATORY in text
    assert "Yours sincerely" not in text
    assert "Update of" not in text


def test_a_welsh_letter_names_the_month_in_welsh(demo):
    letter = _letter_in(Office.LetterLanguage.WELSH, demo)
    text = pdf_text(_pdf(letter, demo.opcc))
    welsh_months = ["Ionawr", "Chwefror", "Mawrth", "Ebrill", "Mai", "Mehefin", "Gorffennaf"]
    welsh_months += ["Awst", "Medi", "Hydref", "Tachwedd", "Rhagfyr"]
    dated = [
        f"{letter.letter_date.day} {month} {letter.letter_date.year}" for month in welsh_months
    ]
    assert any(date in text for date in dated)


def test_a_bilingual_letter_is_welsh_first_then_english(demo):
    letter = _letter_in(
        Office.LetterLanguage.BILINGUAL, demo, opening=TYPED_ENGLISH, opening_cy=TYPED_OPENING
    )
    text = flat(pdf_text(_pdf(letter, demo.opcc)))
    assert text.index("Yn gywir") < text.index("Yours sincerely")
    assert text.index("Diweddariad") < text.index("Update of")
    assert text.index("Annwyl Gomisiynydd") < text.index("Dear Commissioner")
    assert "Mae fersiwn Saesneg y llythyr hwn yn dilyn." in text
    # Each part has the wording typed for it, as typed: the Welsh first.
    assert text.count(flat(TYPED_OPENING)) == 1
    assert text.count(TYPED_ENGLISH) == 1
    assert text.index(flat(TYPED_OPENING)) < text.index(TYPED_ENGLISH)
    assert text.count(TYPED_SIGNATORY) >= 2
    # The default wording of a bilingual letter comes in both languages.
    assert "Prif Gwnstabl, Devon & Cornwall Police" in text
    assert "Chief Constable, Devon & Cornwall Police" in text


def test_an_english_letter_stays_english(demo):
    letter = _letter_in(Office.LetterLanguage.ENGLISH, demo)
    text = flat(pdf_text(_pdf(letter, demo.opcc)))
    assert "Yours sincerely" in text
    assert "Yn gywir" not in text
    assert "Page 1 of" in text


def test_a_snapshot_from_before_letters_had_a_language_prints_in_english(demo):
    letter = _letter_in(Office.LetterLanguage.WELSH, demo)
    snapshot = letter_build_snapshot(letter=letter, user=demo.opcc)
    for key in ("language", "publisher", "report_title", "welsh"):
        del snapshot["letter"][key]
    snapshot.pop("sections_cy", None)
    text = flat(pdf_text(letter_render_pdf(snapshot, is_draft=False)))
    assert "Yours sincerely" in text
    assert snapshot["letter"]["subject"] in text


LONG_FORCE_NAME = "The Police Service of the Heart of Wales and the Northern Marches (Dyfed-Powys)"
# A4 is 595.3 points wide; letter.css leaves 24 mm at the left and 20 mm at the right. The
# draft mark's letter-spacing follows its last letter too (1 point), hence 2 points' leeway.
LEFT_EDGE, RIGHT_EDGE = 24 / 25.4 * 72, 595.3 - 20 / 25.4 * 72


def _lines_drawn(pdf: bytes) -> list[list[tuple[float, float, float, str]]]:
    """Each page's runs of words as poppler places their glyphs (pdftotext -bbox): words
    whose glyphs share a top and stand less than 20 points apart, [(top, left, right,
    words)] a page, top to bottom and left to right."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(pdf)
        file.flush()
        html = subprocess.run(
            ["pdftotext", "-bbox", file.name, "-"], check=True, capture_output=True, text=True
        ).stdout
    pages = []
    for page in re.findall(r"<page .*?</page>", html, re.DOTALL):
        words = sorted(
            (round(float(top)), float(left), float(right), word)
            for left, top, right, word in re.findall(
                r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">'
                r"([^<]*)</word>",
                page,
            )
        )
        runs: list[list] = []
        for top, left, right, word in words:
            if runs and runs[-1][0] == top and left - runs[-1][2] < 20:
                runs[-1][2], runs[-1][3] = right, f"{runs[-1][3]} {word}"
            else:
                runs.append([top, left, right, word])
        pages.append([tuple(run) for run in runs])
    return pages


def test_each_margin_text_prints_on_one_line_at_its_side_of_the_page(demo):
    """The margin boxes (letter.css @page): the reference and a long sender's name at the
    left, the draft mark and the page number at the right, each on a line of its own, on
    every page of both parts of a bilingual draft."""
    force = demo.report.force
    force.name = LONG_FORCE_NAME
    force.save(update_fields=["name"])
    letter = _letter_in(Office.LetterLanguage.BILINGUAL, demo)
    pages = _lines_drawn(_pdf(letter, demo.opcc))
    assert len(pages) > 2
    for number, lines in enumerate(pages, start=1):
        marks = [
            line
            for line in lines
            if line[3].replace(" ", "") in ("DRAFFT:HEBEIANFON", "DRAFT:NOTISSUED")
        ]
        (mark,) = marks  # the draft mark on one line, not broken over two
        assert mark[2] == pytest.approx(RIGHT_EDGE, abs=2)
        sender, page_number = lines[-2:]  # on the page's last line, left and right
        assert sender[0] == page_number[0]
        assert sender[1] == pytest.approx(LEFT_EDGE, abs=2)
        assert sender[3] == LONG_FORCE_NAME
        assert page_number[2] == pytest.approx(RIGHT_EDGE, abs=2)
        assert re.fullmatch(rf"(Tudalen|Page) {number} (o|of) {len(pages)}", page_number[3])
        if number > 1:  # the first page has its letterhead instead of the running reference
            reference = lines[0]
            assert re.fullmatch(r"(Ein cyfeirnod|Our reference) \S+", reference[3])
            assert reference[1] == pytest.approx(LEFT_EDGE, abs=2)
            assert reference[0] == mark[0]
