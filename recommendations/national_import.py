"""A national report's spreadsheet: the report's own import plan (spreadsheet_import), plus
whom each row is addressed to. Nothing here saves and nothing here queries.

The "Addressed to" cell lists, separated by semicolons (or new lines): "All chief
constables", forces by name (as the list of forces names them, with or without "Police" or
"Constabulary"), and national bodies (NPCC, College of Policing, Home Office, …). An empty
cell leaves a recommendation as it is; a new one is addressed to all chief constables.
"""

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from django.utils import translation
from django.utils.translation import gettext as _

from oversight.models import Force
from recommendations.models import NationalRecommendation
from recommendations.spreadsheet_import import (
    ChangedRow,
    ExistingRecommendation,
    FieldChange,
    ImportPlan,
    ParsedFile,
    RowError,
    plan_import,
)

Forces = NationalRecommendation.Forces
Body = NationalRecommendation.Body

_ALL = {"all chief constables", "all forces", "all chief officers", "every force", "all"}
_BODY_NAMES = {
    "national police chiefs council": Body.NPCC,
    "national police chiefs' council": Body.NPCC,
    "college": Body.COLLEGE_OF_POLICING,
    "nca": Body.NCA,
    "crown prosecution service": Body.CPS,
    "pccs": Body.PCCS,
    "police and crime commissioners": Body.PCCS,
    "association of police and crime commissioners": Body.APCC,
    "independent office for police conduct": Body.IOPC,
}
_FORCE_SUFFIXES = re.compile(r"\s+(police|constabulary|police service|police force)$")


def _key(text: str) -> str:
    return " ".join(text.replace("’", "'").casefold().split())


def _force_key(text: str) -> str:
    return _FORCE_SUFFIXES.sub("", _key(text))


@dataclass(frozen=True)
class ExistingNational:
    """A national recommendation as plain values: the import's match key and what it
    compares."""

    item: ExistingRecommendation
    addressed_forces: str
    named: tuple[int, ...]  # force pks, sorted
    bodies: tuple[str, ...]
    other: str


def addressees_value(forces: str, named: Iterable[int], bodies: Iterable[str], other: str) -> dict:
    return {"forces": forces, "named": sorted(named), "bodies": list(bodies), "other": other}


def addressees_text(value: Mapping, force_names: Mapping[int, str]) -> str:
    """As the template's "Addressed to" cell writes it: in English, as the import reads it."""
    with translation.override("en-gb"):
        return _addressees_text(value, force_names)


def _addressees_text(value: Mapping, force_names: Mapping[int, str]) -> str:
    parts = []
    if value["forces"] == Forces.ALL:
        parts.append("All chief constables")
    elif value["forces"] == Forces.NAMED:
        parts += sorted(force_names[pk] for pk in value["named"])
    labels = dict(Body.choices)
    parts += [str(labels[body]) for body in value["bodies"]]
    return "; ".join(parts)


def parse_addressees(
    cell: str, forces: Sequence[Force]
) -> tuple[str, list[int], list[str], list[str]]:
    """(addressed forces, named force pks, bodies, errors) from an "Addressed to" cell."""
    force_by_key = {}
    for force in forces:
        force_by_key[_key(force.name)] = force.pk
        force_by_key.setdefault(_force_key(force.name), force.pk)
    with translation.override("en-gb"):
        body_by_key = {_key(label): value for value, label in Body.choices}
        known_bodies = ", ".join(str(label) for label in Body.labels)
    body_by_key |= {_key(value.replace("_", " ")): value for value in Body.values}
    body_by_key |= {_key(name): value for name, value in _BODY_NAMES.items()}
    everyone, named, bodies, errors = False, [], [], []
    for part in re.split(r"[;\n]+", cell):
        key = _key(part.strip(" ,."))
        if not key:
            continue
        if key in _ALL:
            everyone = True
        elif key in body_by_key:
            if body_by_key[key] not in bodies:
                bodies.append(body_by_key[key])
        elif key in force_by_key or _force_key(key) in force_by_key:
            pk = force_by_key.get(key) or force_by_key[_force_key(key)]
            if pk not in named:
                named.append(pk)
        else:
            errors.append(
                _(
                    "“%(part)s” in “Addressed to” is neither a force nor a national body we "
                    "know: write all chief constables, forces as the list of forces names them, "
                    "or %(bodies)s; put anyone else in “Other addressees”."
                )
                % {"part": part.strip()[:60], "bodies": known_bodies}
            )
    if everyone and named:
        errors.append(
            _("“Addressed to” names all chief constables and particular forces: keep one of them.")
        )
    forces_value = Forces.ALL if everyone else Forces.NAMED if named else Forces.NONE
    if forces_value == Forces.NONE and not bodies and not errors:
        errors.append(
            _("“Addressed to” names nobody: write all chief constables, forces or bodies.")
        )
    return forces_value, named, bodies, errors


def plan_national_import(
    parsed: ParsedFile,
    existing: Sequence[ExistingNational],
    forces: Sequence[Force],
) -> ImportPlan:
    """The report's import plan with whom each row is addressed to: for a new row in its
    fields ("addressees"), for a matched row as a change when it differs."""
    plan = plan_import(parsed, [national.item for national in existing])
    by_pk = {national.item.pk: national for national in existing}
    names = {force.pk: force.name for force in forces}
    rows = {row.line: row for row in parsed.rows}
    errors: list[RowError] = []

    def wanted(line: int, current: ExistingNational | None) -> dict | None:
        row = rows[line]
        other = row.other_addressees
        if row.addressed_to is None:
            if current is None:
                return addressees_value(Forces.ALL, [], [], other or "")
            if other is None or other == current.other:
                return None
            return addressees_value(current.addressed_forces, current.named, current.bodies, other)
        forces_value, named, bodies, problems = parse_addressees(row.addressed_to, forces)
        if forces_value == Forces.NONE and not bodies and (other or (current and current.other)):
            problems = []  # addressed only to someone named in "Other addressees"
        errors.extend(RowError(line, problem) for problem in problems)
        if other is None:
            other = current.other if current else ""
        return addressees_value(forces_value, named, bodies, other)

    for index, new in enumerate(plan.new):
        value = wanted(new.line, None)
        shown = "; ".join(p for p in (addressees_text(value, names), value["other"]) if p)
        plan.new[index] = replace(
            new, fields={**new.fields, "addressees": value, "addressees_text": shown}
        )
    changed = []
    for row in plan.changed:
        current = by_pk[row.pk]
        value = wanted(row.line, current)
        changed.append(_with_addressees(row, current, value, names))
    for line, pk in sorted(plan.unchanged_pks.items()):
        current = by_pk[pk]
        value = wanted(line, current)
        if value is not None and value != _current_value(current):
            plan.unchanged.remove(line)
            changed.append(
                _with_addressees(
                    ChangedRow(
                        line,
                        pk,
                        current.item.reference,
                        (),
                        None,
                        current.item.inspectorate_status,
                        None,
                    ),
                    current,
                    value,
                    names,
                )
            )
    plan.changed = sorted(changed, key=lambda row: row.line)
    plan.errors = sorted([*plan.errors, *errors], key=lambda error: error.line or 0)
    return plan


def _current_value(current: ExistingNational) -> dict:
    return addressees_value(current.addressed_forces, current.named, current.bodies, current.other)


def _with_addressees(
    row: ChangedRow, current: ExistingNational, value: dict | None, names: Mapping[int, str]
) -> ChangedRow:
    before = _current_value(current)
    if value is None or value == before:
        return row
    shown_before = "; ".join(p for p in (addressees_text(before, names), before["other"]) if p)
    shown_after = "; ".join(p for p in (addressees_text(value, names), value["other"]) if p)
    change = FieldChange("addressees", "Addressed to", shown_before, shown_after, value)
    return replace(row, changes=(*row.changes, change))
