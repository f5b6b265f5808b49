"""One change to many recommendations at once, from the register: their OPCC status,
HMICFRS's status, the owner of their open actions, or a priority area they belong to.

All or nothing. Every selected row is checked by the rule the change has on its own page
(recommendations.services for the status moves and HMICFRS's status, with two-person
closure; recommendations.handover for who may own an action); if any row cannot take the
change, nothing is saved and each refused row says why and what to do. A row changed by
someone else since the register was drawn (its `updated_at`, posted with the selection) is
refused as stale. Each changed recommendation gets one history entry whose reason is the
note.

recommendations_bulk_preview says what would happen without saving;
recommendations_bulk_update saves, or raises BulkRefused with the same rows.
"""

import datetime
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from oversight.models import PriorityArea, User
from recommendations.handover import OWNER, can_take_over_action
from recommendations.models import Action, ActionPlan, InspectorateStatusChange, Recommendation
from recommendations.permissions import can_bulk_update_recommendations, refuse_unless
from recommendations.selectors import actions_visible_to, recommendations_visible_to
from recommendations.services import (
    Transition,
    inspectorate_status_record_locked,
    inspectorate_status_refusal,
    recommendation_transition_locked,
    recommendation_transitions_for,
)
from recommendations.tallies import marked_once

STATUS, INSPECTORATE_STATUS, ACTION_OWNER, PRIORITY_AREA = (
    "status",
    "inspectorate_status",
    "action_owner",
    "priority_area",
)
CHANGES = {
    STATUS: gettext_lazy("OPCC status"),
    INSPECTORATE_STATUS: gettext_lazy("HMICFRS status"),
    ACTION_OWNER: gettext_lazy("Owner of the open actions"),
    PRIORITY_AREA: gettext_lazy("Add to a priority area"),
}
# The OPCC statuses a bulk change can move to. "Superseded" needs a superseding
# recommendation per row: that is done on each recommendation's page.
STATUS_TARGETS = [
    Recommendation.Status.IN_PROGRESS,
    Recommendation.Status.PROPOSED_FOR_CLOSURE,
    Recommendation.Status.CLOSED,
    Recommendation.Status.NO_ACTION,
    Recommendation.Status.OPEN,
]
MAX_ROWS = 100
LEAVE_OUT = gettext_lazy("Untick it and try again, or change it on its own page.")


_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


def selection_version(recommendation: Recommendation) -> str:
    """The version a row's checkbox carries: its last save, in microseconds since 1970,
    in hexadecimal. Thirteen characters rather than isoformat's 32: the register carries
    it twice a row (the box, and the page's list for "select all")."""
    return format((recommendation.updated_at - _EPOCH) // datetime.timedelta(microseconds=1), "x")


def selection_value(recommendation: Recommendation) -> str:
    """What a row's checkbox sends: its id and the version it was drawn at."""
    return f"{recommendation.pk}@{selection_version(recommendation)}"


@dataclass(frozen=True)
class BulkChange:
    """The one change, with the note kept as the reason in each row's history."""

    kind: str
    note: str
    status: str = ""  # the OPCC status, or HMICFRS's
    changed_on: datetime.date | None = None
    source_url: str = ""
    person: User | None = None
    area: PriorityArea | None = None


@dataclass
class BulkRow:
    """What the change does to one selected recommendation, or why it cannot."""

    recommendation: Recommendation
    version: str  # as posted with the selection
    outcome: str = ""
    refusal: str = ""
    stale: bool = False
    transition: Transition | None = None
    actions: list[Action] | None = None  # unfinished actions, or those given a new owner
    latest: InspectorateStatusChange | None = None  # HMICFRS's latest logged change

    @property
    def selection_value(self) -> str:
        """The row's checkbox value as it was posted: a stale row stays stale."""
        return f"{self.recommendation.pk}@{self.version}"


class BulkRefused(Exception):
    """At least one row cannot take the change: nothing was saved."""

    def __init__(self, rows: list[BulkRow]):
        super().__init__(
            _(
                "Nothing was saved: some of the selected recommendations cannot change.",
            )
        )
        self.rows = rows

    @property
    def stale(self) -> bool:
        return any(row.stale for row in self.rows)


def recommendations_bulk_preview(
    *, selection: Mapping[int, str], change: BulkChange, by: User
) -> list[BulkRow]:
    """What the change would do to each selected row (its outcome, or its refusal), in the
    register's order of references; nothing is saved."""
    with transaction.atomic():
        return _checked_rows(selection=selection, change=change, by=by, lock=False)


def recommendations_bulk_update(
    *, selection: Mapping[int, str], change: BulkChange, by: User
) -> list[BulkRow]:
    """Apply the change to every selected row, or to none (BulkRefused).

    Queries: a fixed few to read and lock the rows and what the change needs, then per row
    the saves of the change itself (the recommendation and its history entry, which copies
    its priority areas; the HMICFRS log entry; each action given a new owner), and one to
    mark the dashboard's kept counts of the rows' forces stale."""
    with transaction.atomic():
        rows = _checked_rows(selection=selection, change=change, by=by, lock=True)
        if any(row.refusal for row in rows):
            raise BulkRefused(rows)
        # The dashboard's kept counts of the rows' forces marked stale once, not per row.
        with marked_once():
            for row in rows:
                try:
                    _apply(row, change=change, by=by)
                except ValidationError as error:
                    # The rules were checked above; a refusal here is the same rule, read
                    # again under the lock: say so on the row and save nothing.
                    row.refusal = " ".join(error.messages)
        if any(row.refusal for row in rows):
            raise BulkRefused(rows)
    return rows


# --- Checking ---------------------------------------------------------------------------


def _checked_rows(
    *, selection: Mapping[int, str], change: BulkChange, by: User, lock: bool
) -> list[BulkRow]:
    refuse_unless(
        can_bulk_update_recommendations(by),
        "Only OPCC staff change several recommendations at once.",
    )
    if not selection:
        raise ValidationError(_("Select at least one recommendation: tick the box in its row."))
    recommendations = recommendations_visible_to(by).filter(pk__in=list(selection))
    if lock:
        recommendations = recommendations.select_for_update(of=("self",))
    found = list(
        recommendations.select_related("report", "report__force").order_by(
            "report__title", "position", "pk"
        )
    )
    if len(found) != len(selection):
        raise PermissionDenied("You cannot see one or more of these recommendations.")
    rows = [BulkRow(recommendation, selection[recommendation.pk]) for recommendation in found]
    fresh = []
    for row in rows:
        if selection_version(row.recommendation) != row.version:
            _refuse_stale(row)
        else:
            fresh.append(row)
    check = {
        STATUS: _check_status,
        INSPECTORATE_STATUS: _check_inspectorate_status,
        ACTION_OWNER: _check_action_owner,
        PRIORITY_AREA: _check_priority_area,
    }[change.kind]
    check(fresh, change=change, by=by, lock=lock)
    return rows


def _refuse_stale(row: BulkRow) -> None:
    recommendation = row.recommendation
    row.stale = True
    row.refusal = _(
        "Someone changed %(ref)s after you opened the register (it is now %(status)s). "
        "Reload the register to see the change, then select it again."
    ) % {"ref": recommendation.reference, "status": recommendation.get_status_display().lower()}


def _status_label(status: str) -> str:
    return Recommendation.Status(status).label.lower()


def _check_status(rows: list[BulkRow], *, change: BulkChange, by: User, lock: bool) -> None:
    Status = Recommendation.Status
    unfinished = _unfinished_actions([row.recommendation for row in rows])
    for row in rows:
        recommendation = row.recommendation
        reference, now = recommendation.reference, recommendation.status
        if now == change.status:
            row.refusal = _("%(ref)s is already %(status)s. %(leave_out)s") % {
                "ref": reference,
                "status": _status_label(now),
                "leave_out": LEAVE_OUT,
            }
            continue
        available = {
            t.to_status: t
            for t in recommendation_transitions_for(recommendation=recommendation, user=by)
        }
        target = change.status
        if target == Status.CLOSED and now != Status.PROPOSED_FOR_CLOSURE:
            # Closing takes two people: for a row nobody has proposed, "closed" proposes it.
            target = Status.PROPOSED_FOR_CLOSURE
        transition = available.get(target)
        if transition is None:
            row.refusal = _(
                "%(ref)s is %(status)s: it cannot be moved to %(to_status)s from there. "
                "%(leave_out)s"
            ) % {
                "ref": reference,
                "status": _status_label(now),
                "to_status": _status_label(change.status),
                "leave_out": LEAVE_OUT,
            }
            continue
        if target == Status.PROPOSED_FOR_CLOSURE and unfinished[recommendation.pk]:
            open_actions = unfinished[recommendation.pk]
            row.refusal = ngettext(
                "%(ref)s cannot be proposed for closure while this action is still open: "
                "%(actions)s. Close each one, or mark it not needed, first; or untick it.",
                "%(ref)s cannot be proposed for closure while these actions are still open: "
                "%(actions)s. Close each one, or mark it not needed, first; or untick it.",
                len(open_actions),
            ) % {"ref": reference, "actions": ", ".join(a.reference for a in open_actions)}
            continue
        if target == Status.CLOSED and recommendation.closure_proposed_by_id == by.pk:
            row.refusal = _(
                "You proposed %(ref)s for closure, so someone else must sign it off: ask "
                "another member of OPCC staff, or untick it."
            ) % {"ref": reference}
            continue
        row.transition = transition
        row.actions = unfinished[recommendation.pk]
        row.outcome = f"{Status(now).label} → {_status_label(target)}"
        if target != change.status:
            row.outcome += " " + _(
                "(nobody has proposed it yet: another member of staff signs it off)"
            )


def _unfinished_actions(recommendations: list[Recommendation]) -> dict[int, list[Action]]:
    """Each recommendation's actions that are neither closed nor not needed, by reference:
    what stands in the way of proposing it for closure. One query."""
    found: dict[int, list[Action]] = defaultdict(list)
    links = (
        Action.recommendations.through.objects.filter(
            recommendation__in=[r.pk for r in recommendations]
        )
        .exclude(action__status__in=Action.FINISHED_STATUSES)
        .select_related("action")
        .order_by("action__reference", "action_id")
    )
    for link in links:
        found[link.recommendation_id].append(link.action)
    return found


def _check_inspectorate_status(
    rows: list[BulkRow], *, change: BulkChange, by: User, lock: bool
) -> None:
    latest = _latest_inspectorate_changes([row.recommendation for row in rows])
    label = Recommendation.InspectorateStatus(change.status).label.lower()
    for row in rows:
        recommendation = row.recommendation
        before = row.latest = latest.get(recommendation.pk)
        refusal = inspectorate_status_refusal(
            recommendation, latest=before, status=change.status, changed_on=change.changed_on
        )
        if refusal is not None:
            row.refusal = f"{recommendation.reference}: {' '.join(refusal.messages)} {LEAVE_OUT}"
            continue
        if before is not None and change.changed_on < before.changed_on:
            row.outcome = _(
                "Logged as history: HMICFRS's current status stays “%(status)s” (since %(date)s)"
            ) % {
                "status": before.get_status_display().lower(),
                "date": date_format(before.changed_on, "j F Y"),
            }
        else:
            was = recommendation.get_inspectorate_status_display().lower()
            row.outcome = _("HMICFRS: %(was)s → %(status)s on %(date)s") % {
                "was": was,
                "status": label,
                "date": date_format(change.changed_on, "j F Y"),
            }


def _latest_inspectorate_changes(
    recommendations: list[Recommendation],
) -> dict[int, InspectorateStatusChange]:
    """Each recommendation's latest logged change of HMICFRS's status. One query."""
    changes = (
        InspectorateStatusChange.objects.filter(recommendation__in=[r.pk for r in recommendations])
        .order_by("recommendation_id", "-changed_on", "-pk")
        .distinct("recommendation_id")
    )
    return {change.recommendation_id: change for change in changes}


def _check_action_owner(rows: list[BulkRow], *, change: BulkChange, by: User, lock: bool) -> None:
    person = change.person
    open_actions = _open_actions(by, [row.recommendation for row in rows], lock=lock)
    for row in rows:
        recommendation = row.recommendation
        reference = recommendation.reference
        actions = open_actions[recommendation.pk]
        if not actions:
            row.refusal = _("%(ref)s has no open actions to give an owner. %(leave_out)s") % {
                "ref": reference,
                "leave_out": LEAVE_OUT,
            }
            continue
        cannot = [a for a in actions if not can_take_over_action(person, a, OWNER)]
        if cannot:
            row.refusal = _(
                "%(person)s cannot own %(actions)s: choose an active plan owner of %(force)s, "
                "or untick %(ref)s."
            ) % {
                "person": person,
                "actions": ", ".join(a.reference for a in cannot),
                "force": recommendation.report.force,
                "ref": reference,
            }
            continue
        changing = [a for a in actions if a.owner_id != person.pk]
        if not changing:
            row.refusal = _("%(person)s already owns %(ref)s's open actions. %(leave_out)s") % {
                "person": person,
                "ref": reference,
                "leave_out": LEAVE_OUT,
            }
            continue
        row.actions = changing
        row.outcome = _("%(actions)s: owner → %(person)s") % {
            "actions": ", ".join(a.reference for a in changing),
            "person": person,
        }


def _open_actions(
    by: User, recommendations: list[Recommendation], *, lock: bool
) -> dict[int, list[Action]]:
    """The actions the user sees against each recommendation that are not finished, in
    plans that are not closed, by reference; an action serving two selected
    recommendations is the same object in both lists. Two queries (the actions, locked
    when saving, and which recommendations each serves)."""
    served = Action.recommendations.through.objects.filter(
        recommendation__in=[r.pk for r in recommendations]
    )
    actions = (
        actions_visible_to(by)
        .filter(pk__in=served.values("action_id"))
        .exclude(status__in=Action.FINISHED_STATUSES)
        .exclude(plan__status=ActionPlan.Status.CLOSED)
        .select_related("plan__force", "owner")
        .order_by("pk")
    )
    if lock:
        actions = actions.select_for_update(of=("self",))
    by_pk = {action.pk: action for action in actions}
    found: dict[int, list[Action]] = defaultdict(list)
    for recommendation_id, action_id in served.values_list("recommendation_id", "action_id"):
        if action_id in by_pk:
            found[recommendation_id].append(by_pk[action_id])
    for listed in found.values():
        listed.sort(key=lambda action: (action.reference, action.pk))
    return found


def _check_priority_area(rows: list[BulkRow], *, change: BulkChange, by: User, lock: bool) -> None:
    area = change.area
    linked = set(
        Recommendation.priority_areas.through.objects.filter(
            recommendation__in=[row.recommendation.pk for row in rows], priorityarea=area.pk
        ).values_list("recommendation_id", flat=True)
    )
    for row in rows:
        recommendation = row.recommendation
        reference = recommendation.reference
        if recommendation.report_id != area.report_id:
            row.refusal = _(
                "“%(area)s” is a priority area of another report, so %(ref)s (in "
                "“%(report)s”) cannot join it. Untick it, or choose one of its own report's "
                "areas."
            ) % {"area": area.title, "ref": reference, "report": recommendation.report.title}
        elif recommendation.pk in linked:
            row.refusal = _("%(ref)s is already in “%(area)s”. %(leave_out)s") % {
                "ref": reference,
                "area": area.title,
                "leave_out": LEAVE_OUT,
            }
        else:
            row.outcome = _("Added to “%(area)s”") % {"area": area.title}


# --- Saving -----------------------------------------------------------------------------


def _apply(row: BulkRow, *, change: BulkChange, by: User) -> None:
    recommendation = row.recommendation
    if change.kind == STATUS:
        recommendation_transition_locked(
            recommendation,
            to_status=row.transition.to_status,
            by=by,
            reason=change.note,
            change_reason=change.note,
            unfinished=row.actions,
        )
    elif change.kind == INSPECTORATE_STATUS:
        inspectorate_status_record_locked(
            recommendation,
            latest=row.latest,
            by=by,
            status=change.status,
            changed_on=change.changed_on,
            comment=change.note,
            source_url=change.source_url,
            change_reason=change.note,
        )
    elif change.kind == ACTION_OWNER:
        for action in row.actions:
            if action.owner_id == change.person.pk:
                continue  # it serves another selected row, and has its new owner already
            action.owner = change.person
            action._history_user = by
            action._change_reason = change.note
            action.save()
        _touch(recommendation, by=by, note=change.note)
        recommendation.save()
    elif change.kind == PRIORITY_AREA:
        _touch(recommendation, by=by, note=change.note)
        # Saved without a history entry of its own: adding the area writes the one entry.
        Recommendation.objects.filter(pk=recommendation.pk).update(
            updated_at=recommendation.updated_at
        )
        recommendation.priority_areas.add(change.area)


def _touch(recommendation: Recommendation, *, by: User, note: str) -> None:
    """Mark the recommendation changed by `by` for `note`, so its page's history says who
    made the bulk change and why, and a form drawn before it is stale."""
    recommendation.updated_at = timezone.now()
    recommendation._history_user = by
    recommendation._change_reason = note
