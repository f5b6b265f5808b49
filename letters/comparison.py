"""What changed between two versions of a letter, field by field and recommendation by
recommendation."""

import logging
from dataclasses import dataclass, field

from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from letters.models import Letter
from letters.snapshot import letter_snapshot_for
from letters.text import long_date, natural_key
from oversight.models import User

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Change:
    label: str
    before: str
    after: str


@dataclass
class RecommendationComparison:
    reference: str
    state: str  # "added", "removed" or "changed"
    text: str
    changes: list[Change] = field(default_factory=list)


@dataclass
class LetterComparison:
    older: Letter
    newer: Letter
    letter_changes: list[Change]
    recommendations: list[RecommendationComparison]
    unchanged: list[str]

    @property
    def has_changes(self) -> bool:
        return bool(self.letter_changes or self.recommendations)


_LETTER_FIELDS = [
    ("reference", gettext_lazy("Reference")),
    ("language", gettext_lazy("Language")),
    ("letter_date_on", gettext_lazy("Date")),
    ("response_due_on", gettext_lazy("Response due")),
    ("addressee_lines", gettext_lazy("Addressee")),
    ("salutation", gettext_lazy("Salutation")),
    ("opening", gettext_lazy("Opening paragraphs")),
    ("closing", gettext_lazy("Closing paragraphs")),
    ("signatory_name", gettext_lazy("Signatory")),
    ("signatory_title", gettext_lazy("Signatory's title")),
]
_RECOMMENDATION_FIELDS = [
    ("text", gettext_lazy("Recommendation text")),
    ("status_label", gettext_lazy("OPCC status")),
    ("rag_label", gettext_lazy("RAG")),
    ("inspectorate_status_label", gettext_lazy("Inspectorate status")),
    ("status_reason", gettext_lazy("Reason")),
]


def _as_text(value) -> str:
    if isinstance(value, list):
        return "\n\n".join(str(v) for v in value)
    return "" if value is None else str(value)


def _iso_to_long(value: str | None) -> str:
    return long_date(parse_date(value)) if value else ""


def _progress_text(entry: dict) -> str:
    written = _iso_to_long(entry["written_on"])
    return _("%(narrative)s (%(percent)s%% complete, update of %(date)s)") % {
        "narrative": entry["narrative"],
        "percent": entry["percent_complete"],
        "date": written,
    }


def _remaining_text(entry: dict) -> str:
    values = {
        "description": entry["description"],
        "target": _iso_to_long(entry["target_on"]),
        "original": _iso_to_long(entry["original_target_on"]),
        "status": _(entry["status_label"]),
        "rag": _(entry["rag_label"]) if entry["rag_label"] else "",
    }
    if entry["revised"]:
        return (
            _("%(description)s (target %(target)s, originally %(original)s; %(status)s, %(rag)s)")
            % values
        )
    return _("%(description)s (target %(target)s; %(status)s, %(rag)s)") % values


def _keyed_changes(label: str, before: list[dict], after: list[dict], key: str, render) -> list:
    old = {entry[key]: render(entry) for entry in before}
    new = {entry[key]: render(entry) for entry in after}
    changes = []
    for reference in sorted(old.keys() | new.keys(), key=natural_key):
        if old.get(reference) != new.get(reference):
            changes.append(
                Change(
                    label % {"reference": reference},
                    old.get(reference, _("(none)")),
                    new.get(reference, _("(none)")),
                )
            )
    return changes


def _section_text(section: dict) -> str:
    parts = [*section["paragraphs"]]
    for item in section["items"]:
        parts += [item["heading"], " · ".join(item["details"]), *item["paragraphs"]]
    return "\n\n".join(part for part in parts if part)


def _section_changes(before: list[dict], after: list[dict]) -> list[Change]:
    old = {section["kind"]: section for section in before}
    new = {section["kind"]: section for section in after}
    changes = []
    for kind in [*old, *(kind for kind in new if kind not in old)]:
        old_text = _section_text(old[kind]) if kind in old else ""
        new_text = _section_text(new[kind]) if kind in new else ""
        if old_text != new_text:
            title = (new.get(kind) or old[kind])["title"]
            changes.append(
                Change(
                    _("Section: %(title)s") % {"title": title},
                    old_text or _("(none)"),
                    new_text or _("(none)"),
                )
            )
    return changes


def letter_compare(*, older: Letter, newer: Letter, user: User) -> LetterComparison:
    """What changed between two versions of a letter: the letter's own text and, per
    recommendation, status, RAG, progress (added, removed or changed) and work remaining."""
    before = letter_snapshot_for(older, user)
    after = letter_snapshot_for(newer, user)
    letter_changes = [
        Change(label, _as_text(before["letter"].get(key)), _as_text(after["letter"].get(key)))
        for key, label in _LETTER_FIELDS
        if before["letter"].get(key) != after["letter"].get(key)
    ]
    letter_changes += _section_changes(before.get("sections", []), after.get("sections", []))
    old_recs, new_recs = before["recommendations"], after["recommendations"]
    compared, unchanged = [], []
    for reference in sorted(old_recs.keys() | new_recs.keys(), key=natural_key):
        old, new = old_recs.get(reference), new_recs.get(reference)
        if old is None or new is None:
            compared.append(
                RecommendationComparison(
                    reference, "added" if old is None else "removed", (new or old)["text"]
                )
            )
            continue
        changes = [
            Change(label, _as_text(old.get(key)), _as_text(new.get(key)))
            for key, label in _RECOMMENDATION_FIELDS
            if old.get(key) != new.get(key)
        ]
        changes += _keyed_changes(
            _("Progress on %(reference)s"),
            old["progress"],
            new["progress"],
            "action",
            _progress_text,
        )
        changes += _keyed_changes(
            _("Work remaining on %(reference)s"),
            old["remaining"],
            new["remaining"],
            "reference",
            _remaining_text,
        )
        if changes:
            compared.append(RecommendationComparison(reference, "changed", new["text"], changes))
        else:
            unchanged.append(reference)
    return LetterComparison(older, newer, letter_changes, compared, unchanged)
