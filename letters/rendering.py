"""A snapshot turned into HTML (Django templates, so all user text is escaped) and into a
tagged PDF with WeasyPrint.

The URL fetcher serves only the app's own static files; anything else (file://,
http(s)://, data:, a path outside the static roots) stops the render, so HTML typed into a
letter can never reach the file system or the network."""

import atexit
import contextlib
import gc
import logging
import ssl
import threading
import urllib.parse
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils.dateparse import parse_date, parse_datetime

logger = logging.getLogger(__name__)


LETTER_TEMPLATE = "letters/document.html"


def _presentable(value, key: str = ""):
    """The snapshot with its ISO dates turned back into dates for the template."""
    if isinstance(value, dict):
        return {k: _presentable(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_presentable(v) for v in value]
    if isinstance(value, str) and value:
        if key.endswith("_on"):
            return parse_date(value) or value
        if key.endswith("_at"):
            return parse_datetime(value) or value
    return value


def letter_context(snapshot: dict, *, is_draft: bool) -> dict:
    """What the letter templates need: the snapshot, ready to print, and per priority area
    the recommendations in order (a recommendation in two areas is printed in the first
    and referred to in the others)."""
    data = _presentable(snapshot)
    recommendations = data["recommendations"]
    for rec in recommendations.values():
        # An action already described under "progress made" is named only by reference.
        described = {entry["action"] for entry in rec["progress"]}
        for action in rec["remaining"]:
            action["described_above"] = action["reference"] in described
    printed: dict[str, int] = {}
    sections = []
    for number, area in enumerate(data["areas"], start=1):
        entries = []
        for reference in area["references"]:
            entries.append(
                {
                    "rec": recommendations[reference],
                    "printed_under": printed.get(reference),
                }
            )
            printed.setdefault(reference, number)
        sections.append({"number": number, "title": area["title"], "entries": entries})
    if data["other_references"]:
        sections.append(
            {
                "number": len(sections) + 1,
                # Titled in the letter's language by the template.
                "title": "",
                "other": "others" if sections else "all",
                "entries": [
                    {"rec": recommendations[reference], "printed_under": None}
                    for reference in data["other_references"]
                ],
            }
        )
    language = data["letter"].get("language", "en-gb")  # letters issued before Welsh: English
    parts = [
        {
            "language": code,
            "letter": _worded(data["letter"], code),
            "lang": "cy" if code == "cy" else "en-GB",
            # The OPCC's scrutiny is composed sentences, kept in Welsh for a Welsh letter.
            "sections": data.get("sections_cy") or data["sections"]
            if code == "cy"
            else data["sections"],
        }
        for code in PARTS.get(language, PARTS["en-gb"])
    ]
    return {
        **data,
        "kind": data["letter"]["kind"],
        "area_sections": sections,
        "is_draft": is_draft,
        "parts": parts,
        "document_lang": parts[0]["lang"],
        "bilingual": len(parts) > 1,
    }


def _worded(letter: dict, language: str) -> dict:
    """The letter with the wording of one part: a bilingual letter's Welsh part takes the
    Welsh wording typed for it (each field left empty falls back to the other wording)."""
    welsh = letter.get("welsh")
    if language != "cy" or not welsh:
        return letter
    return {**letter, **{name: value for name, value in welsh.items() if value}}


# The languages a letter is printed in, in order: a bilingual letter is the Welsh letter,
# complete, then the English one (the layout of Welsh public bodies' letters).
PARTS = {"en-gb": ["en-gb"], "cy": ["cy"], "bilingual": ["cy", "en-gb"]}


def letter_render_html(snapshot: dict, *, is_draft: bool) -> str:
    return render_to_string(LETTER_TEMPLATE, letter_context(snapshot, is_draft=is_draft))


# A made-up scheme for the PDF's base URL: every relative URL in the letter ("/static/...",
# url(../fonts/x.woff)) resolves under it, so the only way to fetch anything is through
# StaticOnlyURLFetcher. urljoin resolves relative references only for schemes it knows.
LETTER_SCHEME = "oversight-letter"
LETTER_ORIGIN = f"{LETTER_SCHEME}://assets"
STATIC_PREFIX = "/static/"
for _registry in (urllib.parse.uses_relative, urllib.parse.uses_netloc):
    if LETTER_SCHEME not in _registry:
        _registry.append(LETTER_SCHEME)

ALLOWED_ASSET_TYPES = {
    ".css": "text/css",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
}


class LetterAssetRefused(ValueError):
    """The letter asked for something other than one of the app's own static files."""


def _static_roots() -> list[Path]:
    roots = []
    for finder in finders.get_finders():
        for storage in getattr(finder, "storages", {}).values():
            location = getattr(storage, "location", None)
            if location:
                roots.append(Path(location).resolve())
    if settings.STATIC_ROOT:
        roots.append(Path(settings.STATIC_ROOT).resolve())
    return roots


def resolve_letter_asset(url: str) -> Path:
    """The file behind an asset URL of the letter, or LetterAssetRefused.

    Only `oversight-letter://assets/static/<path>` is accepted, and only when <path> is a
    static file of the app (found by the staticfiles finders, or collected in STATIC_ROOT)
    of a type a letter uses, lying inside one of the static roots.
    """
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError as error:
        raise LetterAssetRefused(f"Refused a malformed URL in a letter: {url[:200]}") from error
    if f"{parts.scheme}://{parts.netloc}" != LETTER_ORIGIN or parts.query:
        raise LetterAssetRefused(
            f"Refused {url[:200]}: a letter may use only the app's own static files."
        )
    path = urllib.parse.unquote(parts.path)
    if not path.startswith(STATIC_PREFIX):
        raise LetterAssetRefused(f"Refused {url[:200]}: not a static file.")
    relative = path.removeprefix(STATIC_PREFIX)
    segments = relative.split("/")
    if "\\" in relative or "\x00" in relative or {"", ".", ".."} & set(segments):
        raise LetterAssetRefused(f"Refused {url[:200]}: not a plain static path.")
    suffix = Path(relative).suffix.lower()
    if suffix not in ALLOWED_ASSET_TYPES:
        raise LetterAssetRefused(f"Refused {url[:200]}: a letter does not use {suffix} files.")
    found = finders.find(relative)
    if not found and settings.STATIC_ROOT:
        collected = Path(settings.STATIC_ROOT) / relative
        found = str(collected) if collected.is_file() else None
    if not found:
        raise LetterAssetRefused(f"Refused {url[:200]}: no such static file.")
    real = Path(found).resolve()
    if not real.is_file() or not any(real.is_relative_to(root) for root in _static_roots()):
        raise LetterAssetRefused(f"Refused {url[:200]}: outside the static files.")
    return real


def _url_fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyURLFetcher(URLFetcher):
        """WeasyPrint's fetcher, narrowed to the app's own static files. It never opens a
        network connection or a file outside the static roots; a refusal stops the render
        (fail_on_errors), so a letter never comes out silently incomplete."""

        def __init__(self):
            # fetch() below never reaches the network, so the TLS context is never used:
            # a bare one (no CA store, so it could verify nothing) saves loading the
            # system's certificates on every render (about 17 ms).
            super().__init__(
                allowed_protocols=[LETTER_SCHEME],
                fail_on_errors=True,
                ssl_context=ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT),
            )

        def fetch(self, url, headers=None):
            path = resolve_letter_asset(url)
            content_type = ALLOWED_ASSET_TYPES[path.suffix.lower()]
            return URLFetcherResponse(
                url, path.read_bytes(), {"Content-Type": content_type}, status=200
            )

    return StaticOnlyURLFetcher


def letter_url_fetcher():
    """A fresh StaticOnlyURLFetcher (WeasyPrint is imported only when a letter is rendered)."""
    return _url_fetcher_class()()


@contextlib.contextmanager
def _cyclic_gc_paused():
    """Hold back Python's cyclic garbage collector while a letter is laid out.

    WeasyPrint builds some 170,000 objects linked in cycles (elements, styles, boxes) for
    a letter of 40 recommendations; with the collector on, that growing heap is walked
    again and again, about a fifth of the render time. Collecting it once at the end costs
    a third of that, and the peak memory is a few MiB higher. Only a collector that was on
    is turned back on, so two renders in two threads leave it as they found it.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
            gc.collect(0)  # everything made during the render is still in the youngest one


LETTER_STYLESHEET = f"{LETTER_ORIGIN}{STATIC_PREFIX}css/letter.css"
# The letter's stylesheet, parsed, with the fonts its @font-face rules load: (the file's
# path and modification time, FontConfiguration, CSS). See _letter_style().
_style: tuple | None = None
# One render at a time in a process uses them (WeasyPrint's fonts are Pango's and
# fontconfig's, not made for threads); the worker and gunicorn's workers have one thread.
_style_lock = threading.Lock()


def _letter_style():
    """The letter's stylesheet (static/css/letter.css) and the FontConfiguration holding
    its fonts, parsed and loaded once in a process and kept while the file is unchanged.

    Each render used to parse the stylesheet and load its 21 @font-face files again,
    about 0.2 s of a 40-recommendation letter's 2.3 s; kept, they also keep Pango's
    caches of those fonts warm. The fonts are fetched through StaticOnlyURLFetcher, as
    the letter's own were."""
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    global _style
    path = resolve_letter_asset(LETTER_STYLESHEET)
    key = (path, path.stat().st_mtime_ns)
    if _style is None or _style[0] != key:
        font_config = FontConfiguration()
        css = CSS(url=LETTER_STYLESHEET, url_fetcher=letter_url_fetcher(), font_config=font_config)
        _style = (key, font_config, css)
    return _style[1], _style[2]


@atexit.register
def _letter_style_forget() -> None:
    """Let the FontConfiguration remove its folder of fonts while the interpreter is
    whole (left to the interpreter's teardown, its clean-up fails on a missing rmtree)."""
    global _style
    _style = None


def letter_render_pdf(snapshot: dict, *, is_draft: bool) -> bytes:
    """A tagged PDF/UA-1 document, fonts embedded (subset), A4, styled by letter.css
    (given to WeasyPrint parsed, not linked from the HTML: _letter_style())."""
    from weasyprint import HTML

    html = letter_render_html(snapshot, is_draft=is_draft)
    fetcher = letter_url_fetcher()
    with _style_lock, _cyclic_gc_paused():
        font_config, stylesheet = _letter_style()
        document = HTML(string=html, base_url=f"{LETTER_ORIGIN}/", url_fetcher=fetcher)
        pdf = document.write_pdf(
            pdf_variant="pdf/ua-1", stylesheets=[stylesheet], font_config=font_config
        )
        del document  # its tree is garbage now, for the collection on the way out
    return pdf


# --- Defaults for a new letter ---------------------------------------------------------
