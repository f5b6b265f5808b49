"""Every character of a letter is drawn with that character's own glyph.

pdftotext reads a PDF's text from its ToUnicode maps, so it reads a name back correctly
even when the page shows the wrong glyphs or blanks. These tests open the font programs
the PDF embeds and check, for every code the pages draw, that the glyph drawn is a glyph
of the character it stands for in one of the letter's own fonts (static/css/letter.css):
not .notdef, not a glyph of another font file, not a system font's."""

import datetime
import functools
import re
import urllib.parse
from collections import defaultdict
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from fontTools.pens.recordingPen import DecomposingRecordingPen
from fontTools.ttLib import TTFont

from letters import sections
from letters.models import Letter
from letters.rendering import LETTER_ORIGIN, letter_render_pdf, resolve_letter_asset
from letters.snapshot import letter_build_snapshot
from recommendations.models import ProgressUpdate
from tests import factories
from tests.letters.letter_pdf import (
    EmbeddedFont,
    flat,
    pdf_drawn_glyphs,
    pdf_embedded_fonts,
    pdf_text_by_block,
)

NAMES = ["Siân Llŷr ap Gwŷn", "Łukasz Wiśniewski", "Şule Güneş", "Čeněk Dvořák"]
EMOJI = "🙂"
# Every letter with a diacritic Welsh writes: to bach (circumflex), acute, grave, diaeresis.
WELSH_LOWER = "âêîôûŵŷáéíóúẃýàèìòùẁỳäëïöüẅÿ"
WELSH = WELSH_LOWER + WELSH_LOWER.upper()
PEOPLE = f"{', '.join(NAMES)} {EMOJI}"


@pytest.fixture(autouse=True)
def _a_section_of_names(monkeypatch):
    """The OPCC's scrutiny sections print headings and details in styles of their own."""

    def names_section(**kwargs):
        return {
            "title": f"Scrutiny by {PEOPLE}",
            "intro": f"The panel of {PEOPLE} met.",
            "items": [
                {
                    "heading": f"Review chaired by {PEOPLE}",
                    "details": [f"Panel: {PEOPLE}"],
                    "text": f"Evidence from {PEOPLE}.",
                }
            ],
        }

    monkeypatch.setattr(sections, "SECTIONS", (("names", names_section),))


# --- The letter's own fonts, as letter.css names them ----------------------------------


@functools.cache
def letter_font_files() -> tuple[Path, ...]:
    stylesheet = Path(finders.find("css/letter.css")).read_text()
    base = f"{LETTER_ORIGIN}/static/css/letter.css"
    return tuple(
        resolve_letter_asset(urllib.parse.urljoin(base, url))
        for url in re.findall(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)", stylesheet)
    )


@functools.cache
def _font(path: Path) -> TTFont:
    return TTFont(path)


def _outline(font: TTFont, glyph_id: int) -> list:
    glyph_set = font.getGlyphSet()
    pen = DecomposingRecordingPen(glyph_set)
    glyph_set[font.getGlyphOrder()[glyph_id]].draw(pen)
    return pen.value


@functools.cache
def _substitutions(path: Path) -> dict[str, set[str]]:
    """Glyph to the glyphs GSUB may put in its place (lining figures, alternates, the
    first glyph of a ligature), so a substituted glyph still counts as the character's."""
    font, edges = _font(path), defaultdict(set)
    if "GSUB" not in font:
        return edges
    for lookup in font["GSUB"].table.LookupList.Lookup:
        for subtable in lookup.SubTable:
            kind = lookup.LookupType
            if kind == 7:
                kind, subtable = subtable.ExtensionLookupType, subtable.ExtSubTable
            if kind == 1:
                for source, target in subtable.mapping.items():
                    edges[source].add(target)
            elif kind in (2, 3):
                table = subtable.mapping if kind == 2 else subtable.alternates
                for source, targets in table.items():
                    edges[source].update(targets)
            elif kind == 4:
                for source, ligatures in subtable.ligatures.items():
                    edges[source].update(ligature.LigGlyph for ligature in ligatures)
    return edges


def _glyphs_of(path: Path, character: str) -> set[str]:
    start = _font(path).getBestCmap().get(ord(character))
    if start is None:
        return set()
    found, todo = {start}, [start]
    while todo:
        for following in _substitutions(path).get(todo.pop(), ()):
            if following not in found:
                found.add(following)
                todo.append(following)
    return found


def glyph_problems(fonts: list[EmbeddedFont]) -> list[str]:
    """Every code drawn whose glyph is not its character's glyph in a letter font."""
    problems = []
    for font in fonts:
        order = font.program.getGlyphOrder()
        for code in sorted(font.codes_drawn):
            text = font.to_unicode.get(code, "")
            glyph_id = font.glyph_id(code)
            where = f"{text!r} ({' '.join(f'U+{ord(c):04X}' for c in text)}) in {font.name}"
            if not text:
                problems.append(f"code {code} in {font.name} stands for no character")
                continue
            if glyph_id == 0 or glyph_id >= len(order):
                problems.append(f"{where} is drawn with .notdef or no glyph at all")
                continue
            drawn = _outline(font.program, glyph_id)
            if not any(
                glyph_id < len(_font(path).getGlyphOrder())
                and _font(path).getGlyphOrder()[glyph_id] in _glyphs_of(path, text[0])
                and _outline(_font(path), glyph_id) == drawn
                for path in letter_font_files()
            ):
                problems.append(f"{where} is drawn with a glyph that is not that character's")
    return problems


def _style(font: EmbeddedFont) -> str:
    os2 = font.program["OS/2"]
    return f"{os2.usWeightClass}{' italic' if os2.fsSelection & 1 else ''}"


def mixed_styles(drawn: list[tuple[EmbeddedFont, int] | None]) -> list[str]:
    """Words drawn partly in one weight or style and partly in another: a style whose faces
    lack a character, so it came from a face of another weight. The fallbacks (Noto) have
    one weight and style only, and are left out."""
    problems, word = [], []
    for item in [*drawn, None]:
        text = item[0].to_unicode.get(item[1], "") if item else ""
        if text.strip():
            word.append((item[0], text))
            continue
        styles = {_style(font): font.name for font, _ in word if "Noto" not in font.name}
        if len(styles) > 1:
            problems.append(f"{''.join(text for _, text in word)!r} drawn in {styles}")
        word = []
    return problems


def drawn_characters(fonts: list[EmbeddedFont]) -> set[str]:
    return {
        character
        for font in fonts
        for code in font.codes_drawn
        for character in font.to_unicode.get(code, "")
    }


# --- A letter full of names ----------------------------------------------------------


@pytest.fixture
def letter_of_names(opcc_staff, police_lead_a, report_a, recommendation_a, action_a):
    force = report_a.force
    force.name = f"Heddlu {PEOPLE}"
    force.save(update_fields=["name"])
    office = opcc_staff.office
    office.name = f"Swyddfa {PEOPLE}"
    office.commissioner = NAMES[0]
    office.save(update_fields=["name", "commissioner"])
    report_a.title = f"Child protection, as seen by {PEOPLE}"
    report_a.save(update_fields=["title"])
    police_lead_a.first_name, police_lead_a.last_name = "Şule", f"Güneş {EMOJI}"
    police_lead_a.save(update_fields=["first_name", "last_name"])
    area = factories.PriorityAreaFactory(report=report_a, title=f"Children known to {PEOPLE}")
    recommendation_a.priority_areas.add(area)
    recommendation_a.text = f"The force should listen to {PEOPLE}."
    recommendation_a.save(update_fields=["text"])
    action_a.description = f"Train {PEOPLE}."
    action_a.revised_target_date = action_a.target_date + datetime.timedelta(days=30)
    action_a.revision_reason = f"Waiting for {PEOPLE}."
    action_a.save(update_fields=["description", "revised_target_date", "revision_reason"])
    factories.ProgressUpdateFactory(
        action=action_a,
        narrative=f"Met {PEOPLE}.",
        review_state=ProgressUpdate.Review.ACCEPTED,
        reviewed_by=opcc_staff,
    )

    def build(kind: str, language: str = "en-gb") -> tuple[bytes, list[str]]:
        letter = factories.LetterFactory(
            report=report_a,
            kind=kind,
            language=language,
            reference="NM/1",
            addressee=f"{PEOPLE}\nTŷ Gwŷn, Łódź",
            salutation=f"Dear {PEOPLE}",
            opening=f"Thank you, {PEOPLE}.",
            closing=f"With thanks to {PEOPLE}. {WELSH}",
            signatory_name=PEOPLE,
            signatory_title=f"Comisiynydd for {PEOPLE}",
            response_due_on=datetime.date(2026, 12, 1),
        )
        snapshot = letter_build_snapshot(letter=letter, user=opcc_staff)
        printed = [
            f"Heddlu {PEOPLE}" if kind == Letter.Kind.FORMAL_RESPONSE else f"Swyddfa {PEOPLE}",
            f"Child protection, as seen by {PEOPLE}",
            f"Children known to {PEOPLE}",
            f"The force should listen to {PEOPLE}.",
            f"Dear {PEOPLE}",
            f"Thank you, {PEOPLE}.",
            f"With thanks to {PEOPLE}. {WELSH}",
            f"Comisiynydd for {PEOPLE}",
            "Tŷ Gwŷn, Łódź",
        ]
        if kind != Letter.Kind.RESPONSE_REQUEST:
            printed += [
                f"Train {PEOPLE}.",
                f"Met {PEOPLE}.",
                f"Scrutiny by {PEOPLE}",
                f"Review chaired by {PEOPLE}",
                f"Panel: {PEOPLE}",
            ]
        if kind == Letter.Kind.FORMAL_RESPONSE:
            printed += [f"Waiting for {PEOPLE}.", f"lead: Şule Güneş {EMOJI}"]
        return letter_render_pdf(snapshot, is_draft=True), printed

    return build


@pytest.mark.parametrize("kind", [kind.value for kind in Letter.Kind])
def test_every_character_of_a_name_is_drawn_with_its_own_glyph(kind, letter_of_names):
    pdf, printed = letter_of_names(kind)
    fonts, drawn = pdf_drawn_glyphs(pdf)
    assert set("".join(NAMES) + EMOJI) <= drawn_characters(fonts)
    assert glyph_problems(fonts) == []
    # Every weight and style the letter uses has faces for these characters: none is
    # slanted by the renderer from an upright face ("Oblique") or taken from another weight.
    assert not [font.name for font in fonts if "Oblique" in font.name]
    assert mixed_styles(drawn) == []
    text = flat(pdf_text_by_block(pdf))
    for field_text in printed:
        assert flat(field_text) in text, field_text


def test_the_glyph_check_catches_a_wrong_glyph(letter_of_names):
    pdf, _ = letter_of_names(Letter.Kind.SECTION_55)
    fonts = pdf_embedded_fonts(pdf)
    font = next(font for font in fonts if "ŷ" in font.to_unicode.values())
    code = next(code for code, text in font.to_unicode.items() if text == "ŷ")
    other = next(c for c in sorted(font.codes_drawn) if font.to_unicode[c] not in "ŷ ")
    swapped = font.to_unicode[other]
    font.to_unicode[code], font.to_unicode[other] = swapped, "ŷ"  # each drawn as the other
    problems = glyph_problems(fonts)
    assert any(problem.startswith("'ŷ' (U+0177)") for problem in problems), problems
    assert any(problem.startswith(f"{swapped!r}") for problem in problems), problems


@pytest.mark.parametrize("language", ["cy", "bilingual"])
def test_every_welsh_character_is_drawn_with_its_own_glyph(language, letter_of_names):
    """A Welsh letter: the fixed wording in Welsh, and every Welsh letter with a diacritic,
    lower and upper case, typed into the closing paragraph."""
    pdf, printed = letter_of_names(Letter.Kind.FORMAL_RESPONSE, language)
    fonts, drawn = pdf_drawn_glyphs(pdf)
    assert set(WELSH) <= drawn_characters(fonts)
    assert glyph_problems(fonts) == []
    assert mixed_styles(drawn) == []
    text = flat(pdf_text_by_block(pdf))
    assert "Yn gywir" in text
    for field_text in printed:
        if language == "cy":  # the fixed words around the typed ones are in Welsh
            field_text = field_text.replace("lead: ", "arweinydd: ")
        assert flat(field_text) in text, field_text
