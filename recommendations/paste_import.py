"""Reading recommendations pasted from a published report.

One recommendation per numbered paragraph: "1. …", "1) …", "(1) …", "R1: …",
"Recommendation 1 …" or "AFI 2 …" (an area for improvement). Lines that do not start a
new number continue the paragraph before; a hard-wrapped line from a PDF is joined with a
space, a bullet keeps its own line. The timescale is read from the wording ("immediately",
"within three months", …). Nothing here saves: the person confirms what was read first.

A paste longer than MAX_CHARACTERS is refused whole, with the limit stated: cutting it short
would drop recommendations (or the end of one) without anyone noticing.
"""

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from recommendations.models import Recommendation

MAX_ITEMS = 100
# About 40 pages of a published report: far more than any report's recommendations.
MAX_CHARACTERS = 100_000

_START = re.compile(
    r"""^\s*
    (?:
        (?P<prefix>recommendation|rec\.?|r|areas?\s+for\s+improvement|afi)\s*
        (?P<prefixed_number>\d{1,3})
        (?:\s*[.):\-–—]\s*|\s+|$)
      |
        \(?(?P<number>\d{1,3})[.):](?:\s+|$)
      |
        \((?P<bracketed>\d{1,3})\)\s*
    )
    (?P<rest>.*)$""",
    re.IGNORECASE | re.VERBOSE,
)
_BULLET = re.compile(r"^\s*(?:[•·▪◦*\-–]|\(?[a-z]\)|\(?[ivx]+\))\s+", re.IGNORECASE)

_TIMESCALES = [
    (r"\bimmediately\b", Recommendation.Timescale.IMMEDIATELY),
    (r"\bwithin\s+(?:one|1|a)\s+month\b", Recommendation.Timescale.ONE_MONTH),
    (r"\bwithin\s+(?:three|3)\s+months\b", Recommendation.Timescale.THREE_MONTHS),
    (r"\bwithin\s+(?:six|6)\s+months\b", Recommendation.Timescale.SIX_MONTHS),
    (
        r"\bwithin\s+(?:twelve|12)\s+months\b|\bwithin\s+(?:one|a|1)\s+year\b",
        Recommendation.Timescale.TWELVE_MONTHS,
    ),
]


@dataclass
class PastedRecommendation:
    number: int
    reference: str
    kind: str
    text: str
    timescale: str
    line: int  # where it starts in the pasted text, counting from 1

    @property
    def timescale_found(self) -> bool:
        return self.timescale != Recommendation.Timescale.NONE

    def get_timescale_display(self) -> str:
        return Recommendation.Timescale(self.timescale).label

    def get_kind_display(self) -> str:
        return Recommendation.Kind(self.kind).label


@dataclass
class PasteResult:
    items: list[PastedRecommendation] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # nothing can be saved until fixed
    notes: list[str] = field(default_factory=list)  # worth a look, but not blocking

    @property
    def ok(self) -> bool:
        return bool(self.items) and not self.errors


def timescale_in(text: str) -> str:
    """The timescale the wording states first, or "none"."""
    found = []
    for pattern, timescale in _TIMESCALES:
        match = re.search(pattern, text, re.IGNORECASE)
        if match:
            found.append((match.start(), timescale))
    return min(found)[1] if found else Recommendation.Timescale.NONE


def _join(lines: list[str]) -> str:
    text = ""
    for line in lines:
        line = " ".join(line.split())
        if not line:
            continue
        if not text:
            text = line
        elif _BULLET.match(line):
            text += "\n" + line
        elif text.endswith("-") and not text.endswith(" -"):
            text = text[:-1] + line  # a word hyphenated across a line break
        else:
            text += " " + line
    return text


def parse_recommendations(text: str, *, existing_references: set[str] = frozenset()) -> PasteResult:
    """Split pasted text into numbered recommendations and read each one's reference and
    timescale. `existing_references` (upper case) are those the report already has."""
    result = PasteResult()
    length = len(text.replace("\r\n", "\n"))  # a browser sends each line break as two
    if length > MAX_CHARACTERS:
        result.errors.append(
            _(
                "The pasted text has %(length)s characters; at most %(most)s can be read at a "
                "time. Split it: paste the first part, add those recommendations, then paste "
                "the rest."
            )
            % {"length": f"{length:,}", "most": f"{MAX_CHARACTERS:,}"}
        )
        return result
    preamble: list[str] = []
    current: dict | None = None
    started: list[dict] = []
    for line_number, line in enumerate(text.splitlines(), start=1):
        match = _START.match(line)
        if match:
            number = int(
                match.group("prefixed_number") or match.group("number") or match.group("bracketed")
            )
            prefix = (match.group("prefix") or "").lower()
            is_afi = prefix.startswith(("afi", "area"))
            current = {
                "number": number,
                "kind": (
                    Recommendation.Kind.AREA_FOR_IMPROVEMENT
                    if is_afi
                    else Recommendation.Kind.RECOMMENDATION
                ),
                "reference": f"{'AFI' if is_afi else 'R'}{number}",
                "lines": [match.group("rest")],
                "line": line_number,
            }
            started.append(current)
        elif current is None:
            if line.strip():
                preamble.append(line.strip())
        else:
            current["lines"].append(line)

    if preamble:
        shown = " ".join(preamble)
        shown = shown if len(shown) <= 80 else shown[:77] + "…"
        result.notes.append(
            _("Text before the first number was left out: “%(text)s”.") % {"text": shown}
        )
    if not started:
        result.errors.append(
            _(
                "No numbered recommendations were found. Start each one on a new line with its "
                "number, for example “1.”, “2)” or “Recommendation 3:”."
            )
        )
        return result
    if len(started) > MAX_ITEMS:
        result.errors.append(
            _("%(count)s recommendations were found; paste at most %(most)s at a time.")
            % {"count": len(started), "most": MAX_ITEMS}
        )
        return result

    seen: set[str] = set()
    previous_numbers: dict[str, int] = {}  # recommendations and AFIs are numbered apart
    for entry in started:
        body = _join(entry["lines"])
        item = PastedRecommendation(
            number=entry["number"],
            reference=entry["reference"],
            kind=entry["kind"],
            text=body,
            timescale=timescale_in(body),
            line=entry["line"],
        )
        result.items.append(item)
        if not body:
            result.errors.append(
                _(
                    "%(ref)s (line %(line)s) has no text: add the wording after its number, "
                    "or remove the number."
                )
                % {"ref": item.reference, "line": item.line}
            )
        if item.reference.upper() in seen:
            result.errors.append(
                _(
                    "%(ref)s appears more than once (line %(line)s): give each recommendation "
                    "its own number."
                )
                % {"ref": item.reference, "line": item.line}
            )
        elif item.reference.upper() in existing_references:
            result.errors.append(
                _(
                    "%(ref)s is already on this report: renumber it in the text, or leave it "
                    "out and edit the existing one."
                )
                % {"ref": item.reference}
            )
        seen.add(item.reference.upper())
        previous_number = previous_numbers.get(item.kind)
        if previous_number is not None and item.number != previous_number + 1:
            result.notes.append(
                _(
                    "%(ref)s follows number %(previous)s: check that no recommendation is "
                    "missing or out of order."
                )
                % {"ref": item.reference, "previous": previous_number}
            )
        previous_numbers[item.kind] = item.number
        if not item.timescale_found and body:
            result.notes.append(
                _(
                    "No timescale was found in %(ref)s: choose one below if the report states "
                    "it elsewhere."
                )
                % {"ref": item.reference}
            )
    return result
