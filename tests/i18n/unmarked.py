"""Finds the words in a template that nobody marked for translation.

A template's text tokens (what is outside {% %} and {{ }}) are read with Django's own
lexer; the words a reader meets in them (text between tags, and the attributes a person or
a screen reader meets: title, placeholder, aria-label, alt, a button's value) must sit in
{% translate %} or {% blocktranslate %}. What is inside a blocktranslate is marked, as is
what is inside comments, <script> and <style>. Words that are the same in every language
(acronyms, file formats, the names of the two languages) are listed in SAME_IN_EVERY_LANGUAGE.

Run `python -m tests.i18n.unmarked [paths]` to list what is left, a line each.
"""

import html
import re
import sys
from pathlib import Path

from django.template.base import Lexer, TokenType

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"

# Words that read the same in Welsh and English.
SAME_IN_EVERY_LANGUAGE = {
    "OPCC",
    "HMICFRS",
    "PCC",
    "CSV",
    "PDF",
    "XLSX",
    "JSON",
    "API",
    "RAG",
    "URL",
    "ID",
    "SHA-256",
    "Atom",
    "English",
    "Cymraeg",
    "OK",
    "PEEL",
    "HTML",
    "iCal",
    "ICS",
    "x",
    "TOTP",
    "QR",
    "Swagger",
    "OpenAPI",
    "GOV.UK",
    "Open Government Licence v3.0",
}
# Templates that are machine-read formats, not pages (plain-text bodies are still pages).
NOT_FOR_PEOPLE = {"letters/public/feed.xml"}

READ_ATTRIBUTES = re.compile(
    r"""(?<![\w-])(?:title|placeholder|aria-label|alt|aria-description|data-label|data-confirm)"""
    r"""\s*=\s*("[^"]*"|'[^']*')""",
    re.IGNORECASE,
)
SKIPPED_ELEMENTS = re.compile(r"<(script|style)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
TAG = re.compile(r"<[^<>]*>", re.DOTALL)
WORD = re.compile(r"[A-Za-z][A-Za-z'’\-]*[A-Za-z]|[A-Za-z]")


FILE_NAME = re.compile(r"[\w.-]+\.(?:csv|json|xlsx|pdf|ics|xml|txt)\b")


def _strip_same(text: str) -> str:
    text = FILE_NAME.sub(" ", text)
    for same in sorted(SAME_IN_EVERY_LANGUAGE, key=len, reverse=True):
        text = re.sub(rf"(?<![A-Za-z]){re.escape(same)}(?![A-Za-z])", " ", text)
    return text


def _visible_text(source: str) -> list[str]:
    """The pieces of text in `source` (the template's text tokens joined, with a marker
    where tags stood) that hold words."""
    source = HTML_COMMENT.sub(" ", source)
    source = SKIPPED_ELEMENTS.sub(" ", source)
    found = [m.group(1)[1:-1] for m in READ_ATTRIBUTES.finditer(source)]
    found += TAG.sub("\n", source).split("\n")
    pieces = []
    for piece in found:
        piece = _strip_same(html.unescape(piece.replace("\x00", " "))).strip()
        if WORD.search(piece):
            pieces.append(piece)
    return pieces


def unmarked_in(source: str) -> list[str]:
    """The text a reader meets in this template that is not marked for translation."""
    parts = []
    depth_translate = 0
    depth_comment = 0
    blocks = []  # {% block %} names: a block named *_class holds CSS classes, not words
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.BLOCK:
            words = token.contents.split()
            name = words[0] if words else ""
            if name == "block":
                blocks.append(words[1] if len(words) > 1 else "")
            elif name == "endblock" and blocks:
                blocks.pop()
            elif name in ("blocktranslate", "blocktrans"):
                depth_translate += 1
            elif name in ("endblocktranslate", "endblocktrans"):
                depth_translate -= 1
            elif name == "comment":
                depth_comment += 1
            elif name == "endcomment":
                depth_comment -= 1
            elif name == "plural":
                pass
            # A tag splits text as a tag in HTML would not; keep attribute values whole.
            parts.append("\x00")
        elif token.token_type == TokenType.VAR:
            parts.append("\x00")
        elif (
            token.token_type == TokenType.TEXT
            and not depth_translate
            and not depth_comment
            and not (blocks and blocks[-1].endswith("_class"))
        ):
            parts.append(token.contents)
        else:
            parts.append("\x00")
    return _visible_text("".join(parts))


def templates(paths=None) -> list[Path]:
    roots = [Path(p) for p in paths] if paths else [TEMPLATES]
    files = []
    for root in roots:
        root = root if root.is_absolute() else ROOT / root
        candidates = [root] if root.is_file() else sorted(root.rglob("*"))
        for path in candidates:
            if path.suffix not in (".html", ".txt", ".xml", ".svg"):
                continue
            if str(path.relative_to(TEMPLATES)).removesuffix(path.suffix) + path.suffix in (
                NOT_FOR_PEOPLE
            ):
                continue
            files.append(path)
    return files


def main(argv: list[str]) -> int:
    left = 0
    for path in templates(argv or None):
        for text in unmarked_in(path.read_text()):
            left += 1
            print(f"{path.relative_to(ROOT)}: {text[:100]!r}")
    print(f"{left} pieces of text left unmarked", file=sys.stderr)
    return 1 if left else 0


if __name__ == "__main__":
    import django

    django.setup()
    sys.exit(main(sys.argv[1:]))
