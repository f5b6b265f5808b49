"""Write the English catalogue (locale/en_GB/LC_MESSAGES/django.mo) from the Welsh one:
every marked string translated as itself. Only the compiled file is kept: it is made from
the Welsh catalogue and nobody edits it.

English is the language the strings are written in, so this catalogue changes no word on
any page. It is there for speed: Python's gettext finds a string missing from the first
catalogue only after asking each one it falls back to (Django's and each installed app's
English catalogues, seven in all, each evaluating its plural formula), about 11 µs a
string, and a page translates 150-450 of them (the templates' tags, the forms' labels,
the choices' labels, which Django's get_FOO_display() translates every one of to find
one). Found in the first catalogue, a string takes about 1 µs.

Run by scripts/messages.sh after the Welsh catalogue is refreshed; tests/i18n/
test_catalogue.py checks it holds the Welsh catalogue's strings, each as itself.
"""

import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
WELSH = ROOT / "locale" / "cy" / "LC_MESSAGES" / "django.po"
ENGLISH = ROOT / "locale" / "en_GB" / "LC_MESSAGES" / "django.mo"
ENGLISH_PLURALS = "nplurals=2; plural=(n != 1);"


def english_catalogue(welsh: polib.POFile) -> polib.POFile:
    """Each of the Welsh catalogue's strings, translated as itself."""
    english = polib.POFile(wrapwidth=welsh.wrapwidth)
    english.header = (
        "English (United Kingdom) catalogue of OPCC oversight: every string as itself.\n"
        "Written by scripts/english_catalogue.py from the Welsh one; do not edit."
    )
    english.metadata = {
        "Project-Id-Version": welsh.metadata.get("Project-Id-Version", ""),
        "Language": "en_GB",
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
        "Plural-Forms": ENGLISH_PLURALS,
    }
    for entry in welsh:
        if entry.obsolete:
            continue
        english.append(
            polib.POEntry(
                msgctxt=entry.msgctxt,
                msgid=entry.msgid,
                msgid_plural=entry.msgid_plural,
                msgstr="" if entry.msgid_plural else entry.msgid,
                msgstr_plural=(
                    {0: entry.msgid, 1: entry.msgid_plural} if entry.msgid_plural else {}
                ),
                flags=[flag for flag in entry.flags if flag.endswith("-format")],
            )
        )
    return english


def main() -> int:
    english = english_catalogue(polib.pofile(str(WELSH)))
    ENGLISH.parent.mkdir(parents=True, exist_ok=True)
    english.save_as_mofile(str(ENGLISH))
    print(f"{ENGLISH.relative_to(ROOT)}: {len(english)} strings")
    return 0


if __name__ == "__main__":
    sys.exit(main())
