"""Writes for recommendations: recording them, editing them and moving them along the OPCC
lifecycle. Action plans and actions are in services_actions; progress updates, evidence and
closing an action in services_progress.

Each service owns its transaction, takes keyword-only arguments and raises
django.core.exceptions.ValidationError with a message that says what to do.
"""

import calendar
import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from oversight.models import InspectionReport, User
from oversight.selectors import reports_visible_to
from oversight.shared.concurrency import lock_and_check_version
from recommendations.models import Action, InspectorateStatusChange, Recommendation
from recommendations.permissions import (
    can_carry_forward,
    can_move_recommendation,
    can_record_inspectorate_status,
    refuse_unless,
)
from recommendations.references import normalise_publisher_reference
from recommendations.selectors import carry_forward_reports, recommendations_visible_to


@dataclass(frozen=True)
class Transition:
    """One move in the OPCC's recommendation lifecycle, as a button. Who may
    make it is permissions.can_move_recommendation's to say."""

    to_status: str
    label: str
    needs: str = ""  # "", "reason" (a text) or "superseded_by" (another recommendation)
    reason_label: str = ""
    help_text: str = ""
    style: str = "primary"


_START = Transition(
    Recommendation.Status.IN_PROGRESS,
    gettext_lazy("Mark in progress"),
    help_text=gettext_lazy("Work on the recommendation has started."),
)
_PROPOSE = Transition(
    Recommendation.Status.PROPOSED_FOR_CLOSURE,
    gettext_lazy("Propose for closure"),
    needs="reason",
    reason_label=gettext_lazy("Why it can be closed (evidence of impact)"),
    help_text=gettext_lazy(
        "Every action must be closed or marked not needed. Another member of OPCC "
        "staff signs it off."
    ),
)
_CLOSE = Transition(
    Recommendation.Status.CLOSED,
    gettext_lazy("Sign off and close"),
    needs="reason",
    reason_label=gettext_lazy("Closure rationale"),
    help_text=gettext_lazy("Signing off needs someone other than the person who proposed it."),
    style="success",
)
_RETURN = Transition(
    Recommendation.Status.IN_PROGRESS,
    gettext_lazy("Return: not ready to close"),
    needs="reason",
    reason_label=gettext_lazy("Why it is not ready to close"),
    style="outline-secondary",
)
_SUPERSEDE = Transition(
    Recommendation.Status.SUPERSEDED,
    gettext_lazy("Mark superseded"),
    needs="superseded_by",
    reason_label=gettext_lazy("Note (optional)"),
    help_text=gettext_lazy("Choose the later recommendation that replaces this one."),
    style="outline-secondary",
)
_COVER = Transition(
    Recommendation.Status.COVERED,
    gettext_lazy("Mark covered by another"),
    needs="covered_by",
    reason_label=gettext_lazy("Note (optional)"),
    help_text=gettext_lazy(
        "It repeats one the force already answers: choose that one. Its response "
        "stands for both, so this one needs no second response."
    ),
    style="outline-secondary",
)
_TRACK = Transition(
    Recommendation.Status.OPEN,
    gettext_lazy("Ask the force to answer it"),
    needs="reason",
    reason_label=gettext_lazy("Why the force should answer it"),
    help_text=gettext_lazy(
        "It is addressed to national bodies only, so nobody chases it until you do."
    ),
    style="outline-secondary",
)
_NO_ACTION = Transition(
    Recommendation.Status.NO_ACTION,
    gettext_lazy("Record no action"),
    needs="reason",
    reason_label=gettext_lazy("Why no action will be taken"),
    style="outline-secondary",
)
_REOPEN = Transition(
    Recommendation.Status.OPEN,
    gettext_lazy("Reopen"),
    needs="reason",
    reason_label=gettext_lazy("Why it is being reopened"),
    style="outline-secondary",
)

# The allowed transitions: from each status, the moves on offer.
# Closed recommendations are reopened only through a deep-dive sample
# (services_progress.action_reopen).
RECOMMENDATION_TRANSITIONS: dict[str, tuple[Transition, ...]] = {
    Recommendation.Status.OPEN: (_START, _PROPOSE, _SUPERSEDE, _COVER, _NO_ACTION),
    Recommendation.Status.IN_PROGRESS: (_PROPOSE, _SUPERSEDE, _COVER, _NO_ACTION),
    Recommendation.Status.PROPOSED_FOR_CLOSURE: (_CLOSE, _RETURN, _SUPERSEDE),
    Recommendation.Status.CLOSED: (),
    Recommendation.Status.SUPERSEDED: (_REOPEN,),
    Recommendation.Status.NO_ACTION: (_REOPEN,),
    Recommendation.Status.COVERED: (_REOPEN,),
    Recommendation.Status.FOR_INFORMATION: (_TRACK,),
}


def recommendation_transitions_for(
    *, recommendation: Recommendation, user: User
) -> list[Transition]:
    """The moves the user may make from the recommendation's current status (no queries:
    the caller fetched the recommendation through recommendations_visible_to)."""
    return [
        transition
        for transition in RECOMMENDATION_TRANSITIONS.get(recommendation.status, ())
        if can_move_recommendation(user, recommendation, transition.to_status)
    ]


def recommendation_may_move(*, recommendation: Recommendation, user: User) -> bool:
    """Whether the user may make any move at all on this recommendation, whatever its
    status: OPCC staff, and the plan owner of its force."""
    return any(
        can_move_recommendation(user, recommendation, transition.to_status)
        for transitions in RECOMMENDATION_TRANSITIONS.values()
        for transition in transitions
    )


def recommendation_unfinished_actions(*, recommendation: Recommendation) -> list[Action]:
    """Actions still standing in the way of closure: neither closed nor not needed."""
    return list(
        Action.objects.filter(recommendations=recommendation)
        .exclude(status__in=Action.FINISHED_STATUSES)
        .order_by("reference")
    )


def recommendation_transition(
    *,
    recommendation: Recommendation,
    to_status: str,
    by: User,
    reason: str = "",
    superseded_by: Recommendation | None = None,
    covered_by: Recommendation | None = None,
) -> Recommendation:
    """Move a recommendation along its lifecycle, enforcing RECOMMENDATION_TRANSITIONS.

    The row is locked and its status read again, so two people acting at once cannot both
    move it: the second is told what happened instead.
    """
    with transaction.atomic():
        if not recommendations_visible_to(by).filter(pk=recommendation.pk).exists():
            raise PermissionDenied("You cannot see this recommendation.")
        locked = (
            Recommendation.objects.select_for_update(of=("self",))
            .select_related("report")
            .get(pk=recommendation.pk)
        )
        recommendation_transition_locked(
            locked,
            to_status=to_status,
            by=by,
            reason=reason,
            superseded_by=superseded_by,
            covered_by=covered_by,
        )
    return locked


def recommendation_transition_locked(
    locked: Recommendation,
    *,
    to_status: str,
    by: User,
    reason: str = "",
    superseded_by: Recommendation | None = None,
    covered_by: Recommendation | None = None,
    change_reason: str = "",
    unfinished: list[Action] | None = None,
) -> None:
    """recommendation_transition's rules and save, for a recommendation the caller has
    checked the user sees and has locked (with its report) in the current transaction.
    The bulk update (services_bulk) moves many this way; `change_reason` goes into the
    history entry, and `unfinished` are the recommendation's unfinished actions when the
    caller has read them already."""
    reason = (reason or "").strip()
    transition = next(
        (t for t in RECOMMENDATION_TRANSITIONS.get(locked.status, ()) if t.to_status == to_status),
        None,
    )
    if transition is None:
        raise ValidationError(
            _(
                "%(ref)s is now %(status)s, so it cannot be moved to %(to_status)s. Reload the "
                "page to see its current status."
            )
            % {
                "ref": locked.reference,
                "status": locked.get_status_display().lower(),
                "to_status": Recommendation.Status(to_status).label.lower(),
            }
        )
    if not can_move_recommendation(by, locked, transition.to_status):
        raise PermissionDenied(f"You may not {transition.label.lower()} this recommendation.")
    if transition.needs == "reason" and not reason:
        raise ValidationError(
            {"reason": _("%(label)s: this is required.") % {"label": transition.reason_label}}
        )
    _apply_transition(
        locked,
        transition,
        by=by,
        reason=reason,
        superseded_by=superseded_by,
        covered_by=covered_by,
        unfinished=unfinished,
    )
    locked._history_user = by
    if change_reason:
        locked._change_reason = change_reason
    locked.save()


def _apply_transition(
    recommendation: Recommendation,
    transition: Transition,
    *,
    by: User,
    reason: str,
    superseded_by: Recommendation | None,
    covered_by: Recommendation | None = None,
    unfinished: list[Action] | None = None,
) -> None:
    Status = Recommendation.Status
    now = timezone.now()
    leaving_proposal = recommendation.status == Status.PROPOSED_FOR_CLOSURE
    if transition is _PROPOSE:
        if unfinished is None:
            unfinished = recommendation_unfinished_actions(recommendation=recommendation)
        if unfinished:
            references = ", ".join(action.reference for action in unfinished)
            raise ValidationError(
                ngettext(
                    "%(ref)s cannot be proposed for closure while this action is still open: "
                    "%(actions)s. Close each one, or mark it not needed, first.",
                    "%(ref)s cannot be proposed for closure while these actions are still "
                    "open: %(actions)s. Close each one, or mark it not needed, first.",
                    len(unfinished),
                )
                % {"ref": recommendation.reference, "actions": references}
            )
        recommendation.closure_rationale = reason
        recommendation.closure_proposed_by = by
        recommendation.closure_proposed_at = now
        recommendation.status_reason = ""
    elif transition is _CLOSE:
        if recommendation.closure_proposed_by_id == by.pk:
            raise ValidationError(
                _(
                    "You proposed this recommendation for closure, so someone else must sign it "
                    "off: ask another member of OPCC staff."
                )
            )
        recommendation.closure_rationale = reason
        recommendation.signed_off_by = by
        recommendation.signed_off_at = now
    elif transition is _SUPERSEDE:
        if superseded_by is None:
            raise ValidationError(
                {"superseded_by": _("Choose the recommendation that supersedes this one.")}
            )
        if superseded_by.pk == recommendation.pk:
            raise ValidationError(
                {"superseded_by": _("A recommendation cannot supersede itself: choose another.")}
            )
        if not recommendations_visible_to(by).filter(pk=superseded_by.pk).exists():
            raise ValidationError(
                {"superseded_by": _("Choose a recommendation from a report you can see.")}
            )
        recommendation.superseded_by = superseded_by
        recommendation.status_reason = reason
    elif transition is _COVER:
        _check_covering(recommendation, covered_by, by=by)
        recommendation.covered_by = covered_by
        recommendation.status_reason = reason
    elif transition in (_NO_ACTION, _RETURN, _REOPEN, _TRACK):
        recommendation.status_reason = reason
        if transition is _REOPEN:
            recommendation.superseded_by = None
            recommendation.covered_by = None
    if leaving_proposal and transition is not _CLOSE:
        recommendation.closure_proposed_by = None
        recommendation.closure_proposed_at = None
        recommendation.closure_rationale = ""
    recommendation.status = transition.to_status


# A recommendation covered by another is answered by that one's response: so that one must
# be answered itself.
NOT_ANSWERED = (
    Recommendation.Status.SUPERSEDED,
    Recommendation.Status.NO_ACTION,
    Recommendation.Status.COVERED,
    Recommendation.Status.FOR_INFORMATION,
)


def _check_covering(
    recommendation: Recommendation, covered_by: Recommendation | None, *, by: User
) -> None:
    if covered_by is None:
        raise ValidationError(
            {"covered_by": _("Choose the recommendation whose response answers this one.")}
        )
    if covered_by.pk == recommendation.pk:
        raise ValidationError(
            {"covered_by": _("A recommendation cannot be covered by itself: choose another.")}
        )
    covering = (
        recommendations_visible_to(by)
        .select_related("report__force")
        .filter(pk=covered_by.pk)
        .first()
    )
    if covering is None:
        raise ValidationError(
            {"covered_by": _("Choose a recommendation from a report you can see.")}
        )
    if covering.report.force_id != recommendation.report.force_id:
        raise ValidationError(
            {
                "covered_by": _("%(ref)s is %(force)s's: choose one %(own_force)s answers.")
                % {
                    "ref": covering.reference,
                    "force": covering.report.force,
                    "own_force": recommendation.report.force,
                }
            }
        )
    if covering.status in NOT_ANSWERED:
        raise ValidationError(
            {
                "covered_by": _(
                    "%(ref)s is %(status)s, so the force does not answer it: choose one it answers."
                )
                % {"ref": covering.reference, "status": covering.get_status_display().lower()}
            }
        )


# What a force's response to a national recommendation takes from it (services_national).
NATIONAL_WORDING_FIELDS = ("reference", "publisher_reference", "kind", "text", "timescale")

# Months after publication each timescale gives, for the due date worked out from it.
TIMESCALE_MONTHS = {
    Recommendation.Timescale.IMMEDIATELY: 0,
    Recommendation.Timescale.ONE_MONTH: 1,
    Recommendation.Timescale.THREE_MONTHS: 3,
    Recommendation.Timescale.SIX_MONTHS: 6,
    Recommendation.Timescale.TWELVE_MONTHS: 12,
}


def recommendation_due_on(*, published_on: datetime.date, timescale: str) -> datetime.date | None:
    """The due date a timescale gives from publication ("immediately": the day itself);
    None when no timescale is stated. A month end stays inside the shorter month."""
    months = TIMESCALE_MONTHS.get(timescale)
    if months is None:
        return None
    month_index = published_on.month - 1 + months
    year, month = published_on.year + month_index // 12, month_index % 12 + 1
    last_day = calendar.monthrange(year, month)[1]
    return published_on.replace(year=year, month=month, day=min(published_on.day, last_day))


def require_recommendation_editor(by: User, report: InspectionReport) -> None:
    if not by.is_opcc_staff or not reports_visible_to(by).filter(pk=report.pk).exists():
        raise PermissionDenied("Only OPCC staff of an office overseeing this force can do this.")


def _save_recommendation(
    recommendation: Recommendation, *, by: User, fields: Mapping[str, Any]
) -> Recommendation:
    fields = dict(fields)
    areas = fields.pop("priority_areas", None)
    for name, value in fields.items():
        setattr(recommendation, name, value)
    if recommendation.due_on is None:
        recommendation.due_on = recommendation_due_on(
            published_on=recommendation.report.published_on, timescale=recommendation.timescale
        )
    cause = recommendation.cause_of_concern
    if cause is not None and cause.report_id != recommendation.report_id:
        raise ValidationError({"cause_of_concern": "Choose a cause of concern of this report."})
    if areas is not None and any(a.report_id != recommendation.report_id for a in areas):
        raise ValidationError({"priority_areas": "Choose only priority areas of this report."})
    taken = Recommendation.objects.filter(
        report=recommendation.report_id, reference__iexact=recommendation.reference
    ).exclude(pk=recommendation.pk)
    if taken.exists():
        reference = recommendation.reference
        raise ValidationError(
            {
                "reference": _(
                    "This report already has a recommendation %(ref)s: use another reference "
                    "or edit that one."
                )
                % {"ref": reference}
            }
        )
    recommendation.publisher_reference = normalise_publisher_reference(
        recommendation.publisher_reference
    )
    if (
        recommendation.publisher_reference
        and Recommendation.objects.filter(
            report=recommendation.report_id,
            publisher_reference__iexact=recommendation.publisher_reference,
        )
        .exclude(pk=recommendation.pk)
        .exists()
    ):
        raise ValidationError(
            {
                "publisher_reference": _(
                    "Another recommendation of this report has the publisher's ID %(id)s: use "
                    "another ID or edit that one."
                )
                % {"id": recommendation.publisher_reference}
            }
        )
    recommendation.full_clean()
    recommendation._history_user = by
    recommendation.save()
    if areas is not None:
        recommendation.priority_areas.set(areas)
    return recommendation


def recommendation_create(
    *, report: InspectionReport, by: User, fields: Mapping[str, Any]
) -> Recommendation:
    """Add a recommendation at the end of the report; without a due date it is worked out
    from the timescale."""
    return recommendations_create_many(report=report, by=by, rows=[fields])[0]


def recommendations_create_many(
    *, report: InspectionReport, by: User, rows: Sequence[Mapping[str, Any]]
) -> list[Recommendation]:
    """Add several recommendations to a report in order: all of them, or none."""
    require_recommendation_editor(by, report)
    if report.national_report_id:
        raise ValidationError(
            _(
                "This is %(force)s's copy of a national report: add the recommendation to the "
                "national report, and every force answering it gets it."
            )
            % {"force": report.force}
        )
    references = [str(row.get("reference", "")).strip().upper() for row in rows]
    repeated = sorted({ref for ref in references if references.count(ref) > 1})
    if repeated:
        raise ValidationError(
            _(
                "The reference %(refs)s appears more than once: give each recommendation its "
                "own number."
            )
            % {"refs": ", ".join(repeated)}
        )
    with transaction.atomic():
        locked = InspectionReport.objects.select_for_update().get(pk=report.pk)
        last = Recommendation.objects.filter(report=locked).aggregate(last=Max("position"))
        position = last["last"] or 0
        created = []
        for row in rows:
            position += 1
            recommendation = Recommendation(report=locked, position=position)
            created.append(_save_recommendation(recommendation, by=by, fields=row))
    return created


def recommendation_update(
    *, recommendation: Recommendation, by: User, fields: Mapping[str, Any], version: str
) -> Recommendation:
    """Edit what was published and how the OPCC groups it; the status moves only through
    recommendation_transition."""
    require_recommendation_editor(by, recommendation.report)
    if "status" in fields:
        raise ValidationError(_("Change the status with the status buttons, not the edit form."))
    if recommendation.national_recommendation_id:
        # Compared with the row as stored: a ModelForm has already put its values on the
        # instance by the time it calls here.
        stored = Recommendation.objects.values(*NATIONAL_WORDING_FIELDS).get(pk=recommendation.pk)
        held = [
            name
            for name in NATIONAL_WORDING_FIELDS
            if name in fields and fields[name] != stored[name]
        ]
        if held:
            raise ValidationError(
                _(
                    "The wording, reference and timescale are held once on the national report "
                    "for every force: change them there."
                )
            )
    with transaction.atomic():
        lock_and_check_version(recommendation, expected_version=version)
        return _save_recommendation(recommendation, by=by, fields=fields)


# --- The inspectorate's own verdict ---------------------------------------------------


def inspectorate_status_record(
    *,
    recommendation: Recommendation,
    by: User,
    status: str,
    changed_on: datetime.date,
    comment: str = "",
    source_url: str = "",
) -> InspectorateStatusChange:
    """Log a change of the inspectorate's status, and keep the recommendation's current
    status (the latest change by date) in step, in one transaction. A change dated before
    the latest one is history filled in: it is logged, and the current status stays."""
    with transaction.atomic():
        if not recommendations_visible_to(by).filter(pk=recommendation.pk).exists():
            raise PermissionDenied("You cannot see this recommendation.")
        refuse_unless(
            can_record_inspectorate_status(by),
            "Only OPCC staff record the inspectorate's status.",
        )
        locked = (
            Recommendation.objects.select_for_update(of=("self",))
            .select_related("report")
            .get(pk=recommendation.pk)
        )
        latest = locked.inspectorate_changes.order_by("-changed_on", "-pk").first()
        return inspectorate_status_record_locked(
            locked,
            latest=latest,
            by=by,
            status=status,
            changed_on=changed_on,
            comment=comment,
            source_url=source_url,
        )


def inspectorate_status_refusal(
    recommendation: Recommendation,
    *,
    latest: InspectorateStatusChange | None,
    status: str,
    changed_on: datetime.date,
) -> ValidationError | None:
    """Why this change of the inspectorate's status cannot be logged against the
    recommendation (its report read with it; `latest` its latest logged change), or None.
    No queries."""
    report = recommendation.report
    if not report.is_inspection:
        return ValidationError(
            _(
                "%(source)s is not an inspectorate: its recommendations have no inspectorate "
                "status to record."
            )
            % {"source": report.get_source_display()}
        )
    if status not in Recommendation.InspectorateStatus.values:
        return ValidationError({"status": _("Choose the status the inspectorate gave.")})
    if changed_on < report.published_on:
        return ValidationError(
            {
                "changed_on": _(
                    "The report was published on %(date)s: enter a date on or after it."
                )
                % {"date": date_format(report.published_on, "j F Y")}
            }
        )
    if changed_on > timezone.localdate():
        return ValidationError(
            {"changed_on": _("Enter the date the inspectorate made the change: not a future one.")}
        )
    if latest and latest.status == status and latest.changed_on <= changed_on:
        return ValidationError(
            {
                "status": _(
                    "The inspectorate's status is already “%(status)s” (since %(date)s): record "
                    "a change only when it changes."
                )
                % {
                    "status": latest.get_status_display().lower(),
                    "date": date_format(latest.changed_on, "j F Y"),
                }
            }
        )
    return None


def inspectorate_status_record_locked(
    locked: Recommendation,
    *,
    latest: InspectorateStatusChange | None,
    by: User,
    status: str,
    changed_on: datetime.date,
    comment: str = "",
    source_url: str = "",
    change_reason: str = "",
) -> InspectorateStatusChange:
    """inspectorate_status_record's rules and saves, for a recommendation the caller has
    checked the user sees and may record against, locked (with its report) in the current
    transaction, with its latest logged change. `change_reason` goes into the
    recommendation's history entry."""
    refusal = inspectorate_status_refusal(
        locked, latest=latest, status=status, changed_on=changed_on
    )
    if refusal is not None:
        raise refusal
    change = InspectorateStatusChange(
        recommendation=locked,
        status=status,
        changed_on=changed_on,
        comment=comment.strip(),
        source_url=source_url.strip(),
        recorded_by=by,
    )
    # The two people are the ones just read; the status was checked above.
    change.full_clean(exclude=["recommendation", "recorded_by"], validate_constraints=False)
    change.save()
    if latest is None or (changed_on, change.pk) > (latest.changed_on, latest.pk):
        locked.inspectorate_status = status
        locked.inspectorate_status_on = changed_on
        locked._history_user = by
        if change_reason:
            locked._change_reason = change_reason
        locked.save()
    return change


# --- Areas for improvement carried forward --------------------------------------------


def afi_carry_forward(
    *, afi: Recommendation, to_report: InspectionReport, by: User, reference: str = ""
) -> Recommendation:
    """Carry an area for improvement into a later inspection of the same force: a new AFI
    on the later report, linked back to this one (carried_forward_from), with the same
    wording. The earlier one keeps its history; while it is still open it is marked
    superseded by the new one, so the force answers it once."""
    with transaction.atomic():
        if not recommendations_visible_to(by).filter(pk=afi.pk).exists():
            raise PermissionDenied("You cannot see this area for improvement.")
        locked = (
            Recommendation.objects.select_for_update(of=("self",))
            .select_related("report")
            .get(pk=afi.pk)
        )
        refuse_unless(
            can_carry_forward(by, locked),
            "Only OPCC staff carry an area for improvement forward."
            if locked.is_afi
            else "Only an area for improvement is carried forward.",
        )
        require_recommendation_editor(by, to_report)
        if not carry_forward_reports(by, locked).filter(pk=to_report.pk).exists():
            raise ValidationError(
                {
                    "report": _(
                        "Choose a report about %(force)s published after %(date)s that does "
                        "not already hold this area for improvement."
                    )
                    % {
                        "force": locked.report.force,
                        "date": date_format(locked.report.published_on, "j F Y"),
                    }
                }
            )
        carried = recommendations_create_many(
            report=to_report,
            by=by,
            rows=[
                {
                    "reference": (reference or locked.reference).strip(),
                    "kind": Recommendation.Kind.AREA_FOR_IMPROVEMENT,
                    "text": locked.text,
                    "carried_forward_from": locked,
                }
            ],
        )[0]
        if locked.status in (Recommendation.Status.OPEN, Recommendation.Status.IN_PROGRESS):
            locked.status = Recommendation.Status.SUPERSEDED
            locked.superseded_by = carried
            locked.status_reason = f"Carried forward into “{to_report}” as {carried.reference}."
            locked._history_user = by
            locked.save()
    return carried
