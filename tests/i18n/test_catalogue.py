"""The Welsh catalogue is whole: every string marked in the code is in it, translated,
with the plural forms Welsh needs, and the compiled catalogue the site serves says the same.

These fail when someone adds an English string and leaves Welsh readers with it."""

import ast
import os
import re
import shutil
import subprocess

import polib
import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import translation

from tests.i18n.unmarked import ROOT, templates, unmarked_in

CATALOGUE = ROOT / "locale" / "cy" / "LC_MESSAGES" / "django.po"
COMPILED = CATALOGUE.with_suffix(".mo")
ENGLISH = ROOT / "locale" / "en_GB" / "LC_MESSAGES" / "django.mo"
# Welsh: zero, one, two, few (3), many (6), other (CLDR).
WELSH_PLURALS = (
    "nplurals=6; plural=(n==0) ? 0 : (n==1) ? 1 : (n==2) ? 2 : (n==3) ? 3 : (n==6) ? 4 : 5;"
)
PLACEHOLDER = re.compile(r"%\([a-z_0-9]+\)[sd]|%[sd]|\{[a-z_0-9]*\}")


@pytest.fixture(scope="module")
def catalogue():
    return polib.pofile(str(CATALOGUE))


# What makemessages reads: the code, not the tests, tools or installed packages.
NOT_CODE = {".git", ".venv", "node_modules", "var", "tests", "static", "scripts", "locale"}


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """The catalogue as `makemessages` would make it from the code as it is now, made in
    a copy of the tree (the code linked in, the catalogue copied) so ours is not touched."""
    if not shutil.which("xgettext"):
        pytest.fail("gettext is not installed: scripts/bootstrap.sh --system-test-deps installs it")
    tree = tmp_path_factory.mktemp("tree")
    for path in ROOT.iterdir():
        if path.name not in NOT_CODE and (path.is_dir() or path.suffix == ".py"):
            (tree / path.name).symlink_to(path)
    shutil.copytree(CATALOGUE.parents[2], tree / "locale")
    here = os.getcwd()
    os.chdir(tree)
    try:
        with override_settings(LOCALE_PATHS=[tree / "locale"]):
            call_command(
                "makemessages",
                locale=["cy"],
                no_obsolete=True,
                add_location="file",
                symlinks=True,
                verbosity=0,
            )
    finally:
        os.chdir(here)
    return polib.pofile(str(tree / "locale" / "cy" / "LC_MESSAGES" / "django.po"))


def _key(entry):
    return (entry.msgctxt, entry.msgid)


def test_catalogue_holds_every_marked_string_and_nothing_stale(catalogue, extracted):
    ours = {_key(e) for e in catalogue if not e.obsolete}
    code = {_key(e) for e in extracted if not e.obsolete}
    missing = sorted(code - ours, key=str)
    stale = sorted(ours - code, key=str)
    assert not missing, f"Marked but not in the catalogue (run scripts/messages.sh): {missing[:20]}"
    assert not stale, f"In the catalogue but no longer in the code: {stale[:20]}"


# The calls makemessages reads a string from (Django's names and the usual `_`).
MARKING_CALLS = {
    "_",
    "gettext",
    "gettext_lazy",
    "gettext_noop",
    "ngettext",
    "ngettext_lazy",
    "pgettext",
    "pgettext_lazy",
    "npgettext",
    "npgettext_lazy",
}


def _marked_inside_f_strings(source: str) -> list[int]:
    """The lines of calls marking a string that sit inside an f-string's braces."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.JoinedStr):
            for inner in ast.walk(node):
                if isinstance(inner, ast.Call):
                    name = getattr(inner.func, "id", None) or getattr(inner.func, "attr", None)
                    if name in MARKING_CALLS:
                        lines.append(inner.lineno)
    return lines


def test_no_string_is_marked_inside_an_f_string():
    """xgettext does not read into an f-string's braces: a string marked there never
    reaches the catalogue, so Welsh readers are served it in English (and a string it
    was the last use of drops out of the catalogue with its translation)."""
    found = [
        f"{path.relative_to(ROOT)}:{line}"
        for folder in sorted(ROOT.iterdir())
        if folder.is_dir() and folder.name not in NOT_CODE and not folder.name.startswith(".")
        for path in sorted(folder.rglob("*.py"))
        for line in _marked_inside_f_strings(path.read_text())
    ]
    assert not found, f"Mark the string outside the f-string and use the result: {found}"


def test_the_check_for_marked_strings_in_f_strings_finds_one():
    assert _marked_inside_f_strings("x = f\"<b>{gettext('Sign out')}</b>\"") == [1]
    assert _marked_inside_f_strings('label = gettext("Sign out")\nx = f"<b>{label}</b>"') == []


def test_every_string_is_translated_and_none_is_fuzzy(catalogue):
    untranslated = [e.msgid for e in catalogue.untranslated_entries()]
    fuzzy = [e.msgid for e in catalogue.fuzzy_entries()]
    assert not untranslated, f"{len(untranslated)} left in English, e.g. {untranslated[:10]}"
    assert not fuzzy, f"{len(fuzzy)} marked fuzzy (check, then drop the flag): {fuzzy[:10]}"


def test_plural_forms_are_welsh_and_every_plural_has_all_six(catalogue):
    assert catalogue.metadata["Plural-Forms"] == WELSH_PLURALS
    for entry in catalogue:
        if entry.msgid_plural:
            forms = entry.msgstr_plural
            assert sorted(forms) == list(range(6)), entry.msgid
            assert all(forms.values()), f"an empty plural form: {entry.msgid}"


def test_translations_keep_every_placeholder(catalogue):
    for entry in catalogue:
        wanted = sorted(PLACEHOLDER.findall(entry.msgid))
        texts = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        for text in texts:
            got = sorted(PLACEHOLDER.findall(text))
            if entry.msgid_plural:
                # A form for one thing may leave the number out ("un cam gweithredu").
                allowed = set(wanted + PLACEHOLDER.findall(entry.msgid_plural))
                assert set(got) <= allowed, entry.msgid
            else:
                assert got == wanted, f"{entry.msgid!r} -> {text!r}"


def test_compiled_catalogue_says_what_the_catalogue_says(catalogue, tmp_path):
    compiled = polib.mofile(str(COMPILED))
    served = {_key(e): (e.msgstr, e.msgstr_plural) for e in compiled}
    for entry in catalogue:
        if entry.obsolete or entry.fuzzy or not entry.translated():
            continue
        assert _key(entry) in served, f"not compiled (scripts/messages.sh compile): {entry.msgid!r}"
        msgstr, plural = served[_key(entry)]
        if entry.msgid_plural:
            assert {int(k): v for k, v in plural.items()} == entry.msgstr_plural, entry.msgid
        else:
            assert msgstr == entry.msgstr, entry.msgid
    # And msgfmt itself accepts the catalogue (formats, headers, plural forms).
    checked = subprocess.run(
        ["msgfmt", "--check", "-o", str(tmp_path / "check.mo"), str(CATALOGUE)],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stderr


def test_welsh_is_served(catalogue):
    entry = next(e for e in catalogue if e.translated() and not e.msgid_plural)
    with translation.override("cy"):
        assert translation.gettext(entry.msgid) == entry.msgstr
    with translation.override("en-gb"):
        assert translation.gettext(entry.msgid) == entry.msgid


def test_english_catalogue_holds_every_string_as_itself(catalogue):
    """locale/en_GB (scripts/english_catalogue.py, run by scripts/messages.sh): each of the
    Welsh catalogue's strings translated as itself, so that English pages find each string
    in the first catalogue they ask, not after a miss in each of seven."""
    english = {_key(e): e for e in polib.mofile(str(ENGLISH))}
    ours = {_key(e): e for e in catalogue if not e.obsolete}
    assert set(english) == set(ours), "out of date: run scripts/messages.sh"
    for key, entry in english.items():
        if entry.msgid_plural:
            forms = {int(k): v for k, v in entry.msgstr_plural.items()}
            assert forms == {0: entry.msgid, 1: entry.msgid_plural}, key
        else:
            assert entry.msgstr == entry.msgid, key
    served = translation.trans_real.translation("en-gb")
    for key, entry in ours.items():
        looked_up = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid
        assert (
            (looked_up, 0) in served._catalog
            if entry.msgid_plural
            else (looked_up in served._catalog)
        ), key
    with translation.override("en-gb"):
        plural = next(e for e in catalogue if e.msgid_plural)
        assert translation.ngettext(plural.msgid, plural.msgid_plural, 1) == plural.msgid
        assert translation.ngettext(plural.msgid, plural.msgid_plural, 2) == plural.msgid_plural


def test_welsh_plurals_choose_the_form_by_number(catalogue):
    plural = next((e for e in catalogue if e.msgid_plural), None)
    if plural is None:
        pytest.skip("no plural strings yet")
    with translation.override("cy"):
        for n, form in [(0, 0), (1, 1), (2, 2), (3, 3), (6, 4), (4, 5), (11, 5)]:
            text = translation.ngettext(plural.msgid, plural.msgid_plural, n)
            assert text == plural.msgstr_plural[form], (n, text)


@pytest.mark.parametrize(
    "template", templates(), ids=lambda p: str(p.relative_to(ROOT / "templates"))
)
def test_no_template_text_is_left_unmarked(template):
    left = unmarked_in(template.read_text())
    assert not left, f"Not marked for translation in {template.name}: {left[:10]}"
