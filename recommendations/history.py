"""Who changed what, and when: the history shown on the action page (the action and its
progress updates), the plan page and the recommendation page, newest first, each changed
field old → new.

django-simple-history keeps every version of these rows; `diff_against` says which fields
changed from one version to the next. The recommendations an action serves are compared
from each version's prefetched rows instead: `diff_against` would read them again, two
queries for every pair of versions.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Field, Model
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from recommendations.models import Action, ActionPlan, ProgressUpdate, Recommendation


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: str
    new: str


@dataclass(frozen=True)
class HistoryEntry:
    when: datetime.datetime
    who: str
    what: str  # e.g. "Action changed", "Update of 3 Nov 2026 accepted"
    changes: list[FieldChange]


# The fields each history leaves out: keys, timestamps the entry already gives, and the row
# the page is about.
_ACTION_HISTORY_SKIP = {"id", "created_at", "updated_at", "plan", "action", "author"}
_PLAN_HISTORY_SKIP = {"id", "created_at", "updated_at", "report", "force"}
_RECOMMENDATION_HISTORY_SKIP = {"id", "created_at", "updated_at", "report", "position"}
# What an action's creation entry shows, and the fields whose change the entry's own time
# already says.
_ACTION_CREATION_FIELDS = (
    "delivery_lead",
    "partner_agency",
    "target_date",
    "cadence",
    "cadence_days",
)
_QUIET_FIELDS = {"written_on", "reviewed_at", "completion_proposed_at", "signed_off_at"}

# (field, old value, new value) for each field that changed between two versions.
Changed = list[tuple[Field, object, object]]


def action_history(action: Action, *, held: Iterable[Model | None] = ()) -> list[HistoryEntry]:
    """Who changed what on an action and its updates, newest first, with each changed field
    old → new. Queries: 1 action history (with users), 1 the recommendations each version
    served, 1 update history (with users), and at most one per related model to name the
    people, agencies and recommendations involved: a fixed number whatever the history.
    The action comes with its recommendations prefetched (as the action page reads it), so
    the ones it serves now are named without a query; so are the rows in `held` (the
    people and agency the page has read already). Only the others are looked up."""
    action_fields = _shown_fields(Action, _ACTION_HISTORY_SKIP)
    update_fields = _shown_fields(ProgressUpdate, _ACTION_HISTORY_SKIP)
    action_records = list(
        action.history.select_related("history_user")
        .prefetch_related("historicalaction_recommendations_set")
        .order_by("history_date", "history_id")
    )
    update_records = list(
        ProgressUpdate.history.filter(action_id=action.pk)
        .select_related("history_user")
        .order_by("id", "history_date", "history_id")
    )
    # A creation shows what the action was created with, as changes from nothing.
    creation_fields = [f for f in action_fields if f.name in _ACTION_CREATION_FIELDS]
    action_versions = [
        (record, _created_with(record, creation_fields) if record.history_type == "+" else changed)
        for record, changed in _versions(action_records, action_fields)
    ]
    records_by_update: dict[int, list] = defaultdict(list)
    for record in update_records:
        records_by_update[record.id].append(record)
    update_versions = [
        version
        for records in records_by_update.values()
        for version in _versions(records, update_fields)
    ]
    served = [
        {row.recommendation_id for row in record.historicalaction_recommendations_set.all()}
        for record in action_records
    ]
    wanted = _mentioned(changed for _, changed in [*action_versions, *update_versions])
    wanted[Recommendation].update(*served)
    known = {(type(row), row.pk): str(row) for row in held if row is not None}
    known |= {(Recommendation, r.pk): r.reference for r in action.recommendations.all()}
    names = _names(wanted, known=known)

    def references(ids: set) -> str:
        return ", ".join(sorted(names[(Recommendation, i)] for i in ids))

    entries: list[HistoryEntry] = []
    for index, (record, changed) in enumerate(action_versions):
        if record.history_type == "+":
            changes = [_field_change(f, old, new, names) for f, old, new in changed]
            if served[index]:
                changes.append(
                    FieldChange(
                        gettext(
                            "recommendations",
                        ),
                        "",
                        references(served[index]),
                    )
                )
            entries.append(
                HistoryEntry(record.history_date, _who(record), gettext("Action created"), changes)
            )
            continue
        changes = [
            _field_change(f, old, new, names)
            for f, old, new in changed
            if f.name not in _QUIET_FIELDS
        ]
        if served[index] != served[index - 1]:
            recommendations = FieldChange(
                gettext("recommendations"), references(served[index - 1]), references(served[index])
            )
            if not changes and action_records[index - 1].history_type == "+" and entries:
                # The recommendations are linked just after the action is created: one event.
                creation = entries[-1]
                entries[-1] = HistoryEntry(
                    creation.when, creation.who, creation.what, [*creation.changes, recommendations]
                )
                continue
            changes.append(recommendations)
        if not changes:
            continue
        what = (
            gettext("Status changed to %(status)s")
            % {"status": record.get_status_display().lower()}
            if _changes_field(changed, "status")
            else gettext("Action changed")
        )
        entries.append(HistoryEntry(record.history_date, _who(record), what, changes))

    rag = ProgressUpdate._meta.get_field("rag")
    for record, changed in update_versions:
        written_on = date_format(record.written_on, "j M Y")
        if record.history_type == "+":
            what = gettext("Update of %(date)s posted") % {"date": written_on}
            changes = [
                FieldChange("RAG", "", _display(rag, record.rag, names)),
                FieldChange(gettext("percent complete"), "", f"{record.percent_complete}%"),
            ]
        else:
            changes = [
                _field_change(f, old, new, names)
                for f, old, new in changed
                if f.name not in _QUIET_FIELDS
            ]
            if not changes:
                continue
            what = (
                gettext("Update of %(date)s %(state)s")
                % {"date": written_on, "state": record.get_review_state_display().lower()}
                if _changes_field(changed, "review_state")
                else gettext("Update of %(date)s changed") % {"date": written_on}
            )
        entries.append(HistoryEntry(record.history_date, _who(record), what, changes))
    entries.sort(key=lambda entry: entry.when, reverse=True)
    return entries


def plan_history(plan: ActionPlan) -> list[HistoryEntry]:
    """Who changed the plan itself (status, owner, board, title), newest first. Queries:
    1 history (with users), at most 1 to name the owners mentioned."""
    records = list(
        plan.history.select_related("history_user").order_by("history_date", "history_id")
    )
    versions = _versions(records, _shown_fields(ActionPlan, _PLAN_HISTORY_SKIP))
    names = _names(_mentioned(changed for _, changed in versions))
    entries = []
    for record, changed in versions:
        changes = [_field_change(f, old, new, names) for f, old, new in changed]
        if record.history_type == "+":
            what = gettext("Plan created")
        elif not changes:
            continue
        elif _changes_field(changed, "status"):
            what = gettext("Plan %(status)s") % {"status": record.get_status_display().lower()}
        else:
            what = gettext("Plan changed")
        entries.append(HistoryEntry(record.history_date, _who(record), what, changes))
    entries.reverse()
    return entries


def recommendation_history(
    recommendation: Recommendation, *, held: Iterable[Model | None] = ()
) -> list[HistoryEntry]:
    """Who changed what on the recommendation, newest first, each changed field old → new,
    with the reason given for a status change. Queries: 1 history (with users), and at most
    one per related model to name the people and recommendations mentioned. Those who made
    the changes are named without a query, and so are the rows in `held` (the proposer and
    signer the page has read already): a proposal or sign-off names them."""
    records = list(
        recommendation.history.select_related("history_user").order_by("history_date", "history_id")
    )
    versions = _versions(records, _shown_fields(Recommendation, _RECOMMENDATION_HISTORY_SKIP))
    held = [*held, *(record.history_user for record in records)]
    known = {(type(row), row.pk): str(row) for row in held if row is not None}
    names = _names(_mentioned(changed for _, changed in versions), known=known)
    entries = []
    for record, changed in versions:
        changes = [_field_change(f, old, new, names, was_unset="—") for f, old, new in changed]
        if record.history_change_reason:
            changes.append(FieldChange(gettext("reason given"), "", record.history_change_reason))
        if record.history_type == "+":
            what = gettext("Recommendation recorded")
        elif not changes:
            continue
        elif _changes_field(changed, "status"):
            what = gettext("Status changed to %(status)s") % {
                "status": record.get_status_display().lower()
            }
        else:
            what = gettext("Recommendation edited")
        entries.append(HistoryEntry(record.history_date, _who(record), what, changes))
    entries.reverse()
    return entries


def _shown_fields(model: type[Model], skip: set[str]) -> list[Field]:
    return [f for f in model._meta.concrete_fields if f.name not in skip]


def _versions(records: list, fields: list[Field]) -> list[tuple[object, Changed]]:
    """Each historical record with the fields that changed since the record before it (none
    for the first), in the order the model declares them."""
    names = [f.name for f in fields]
    versions = []
    previous = None
    for record in records:
        changed: Changed = []
        if previous is not None:
            delta = record.diff_against(previous, included_fields=names)
            by_name = {change.field: change for change in delta.changes}
            changed = [
                (f, by_name[f.name].old, by_name[f.name].new) for f in fields if f.name in by_name
            ]
        versions.append((record, changed))
        previous = record
    return versions


def _created_with(record, fields: list[Field]) -> Changed:
    """The values a row was created with, among `fields`, as changes from nothing."""
    values = [(f, getattr(record, f.attname)) for f in fields]
    return [(f, None, value) for f, value in values if value not in (None, "")]


def _changes_field(changed: Changed, name: str) -> bool:
    return any(field.name == name for field, _, _ in changed)


def _mentioned(versions: Iterable[Changed]) -> dict[type[Model], set]:
    """The ids of the related rows the changes mention, by model."""
    wanted: dict[type[Model], set] = defaultdict(set)
    for changed in versions:
        for field, old, new in changed:
            if field.is_relation:
                wanted[field.related_model].update(v for v in (old, new) if v is not None)
    return wanted


def _names(
    wanted: dict[type[Model], set], *, known: dict | None = None
) -> dict[tuple[type[Model], object], str]:
    """How each related row is named (a recommendation by its reference): one query per
    related model, for the rows not `known` already ({(model, pk): name})."""
    names = dict(known or {})
    for model, ids in wanted.items():
        ids = {pk for pk in ids if (model, pk) not in names}
        if ids:
            for obj in model._base_manager.filter(pk__in=ids):
                names[(model, obj.pk)] = (
                    obj.reference if isinstance(obj, Recommendation) else str(obj)
                )
    return names


def _field_change(field: Field, old, new, names: dict, *, was_unset: str = "") -> FieldChange:
    """A change as people read it; an old value that was not set shows as `was_unset`."""
    shown_old = was_unset if old in (None, "") else _display(field, old, names)
    return FieldChange(str(field.verbose_name), shown_old, _display(field, new, names))


def _display(field: Field, value, names: dict) -> str:
    if value is None or value == "":
        return "—"
    if field.is_relation:
        return names.get((field.related_model, value), f"#{value}")
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, datetime.datetime):
        return date_format(timezone.localtime(value), "j M Y H:i")
    if isinstance(value, datetime.date):
        return date_format(value, "j M Y")
    return str(value)


def _who(record) -> str:
    return str(record.history_user) if record.history_user else gettext("System")
