"""Writes for recommendations, action plans, actions, progress updates and closure.

Each service owns its transaction, takes keyword-only arguments and raises
django.core.exceptions.ValidationError with a message that says what to do.
"""

import calendar
import datetime
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from oversight.models import InspectionReport, PartnerAgency, User
from oversight.selectors import reports_visible_to
from oversight.shared.concurrency import lock_and_check_version
from oversight.shared.uploads import CheckedUpload
from recommendations.models import (
    Action,
    ActionPlan,
    Evidence,
    ProgressUpdate,
    Rag,
    Recommendation,
)
from recommendations.permissions import (
    UPDATABLE_STATUSES,
    can_add_actions,
    can_change_action_status,
    can_create_plans,
    can_edit_action,
    can_edit_plan,
    can_propose_completion,
    can_review_update,
    can_revise_target,
    can_sign_off,
    can_transition_plan,
    can_update_action,
)
from recommendations.selectors import recommendations_visible_to

# --- Recommendations: the OPCC lifecycle (issue 3) -------------------------------------


@dataclass(frozen=True)
class Transition:
    """One move in the OPCC's recommendation lifecycle (DOMAIN.md), as a button."""

    to_status: str
    label: str
    roles: frozenset
    needs: str = ""  # "", "reason" (a text) or "superseded_by" (another recommendation)
    reason_label: str = ""
    help_text: str = ""
    style: str = "primary"


_STAFF = frozenset({User.Role.OPCC_STAFF})
# The police side proposes closure, the OPCC signs it off; OPCC staff may propose too.
_PROPOSERS = frozenset({User.Role.OPCC_STAFF, User.Role.PLAN_OWNER})

_START = Transition(
    Recommendation.Status.IN_PROGRESS,
    "Mark in progress",
    _STAFF,
    help_text="Work on the recommendation has started.",
)
_PROPOSE = Transition(
    Recommendation.Status.PROPOSED_FOR_CLOSURE,
    "Propose for closure",
    _PROPOSERS,
    needs="reason",
    reason_label="Why it can be closed (evidence of impact)",
    help_text="Every action must be closed or marked not needed. Another member of OPCC "
    "staff signs it off.",
)
_CLOSE = Transition(
    Recommendation.Status.CLOSED,
    "Sign off and close",
    _STAFF,
    needs="reason",
    reason_label="Closure rationale",
    help_text="Signing off needs someone other than the person who proposed it.",
    style="success",
)
_RETURN = Transition(
    Recommendation.Status.IN_PROGRESS,
    "Return: not ready to close",
    _STAFF,
    needs="reason",
    reason_label="Why it is not ready to close",
    style="outline-secondary",
)
_SUPERSEDE = Transition(
    Recommendation.Status.SUPERSEDED,
    "Mark superseded",
    _STAFF,
    needs="superseded_by",
    reason_label="Note (optional)",
    help_text="Choose the later recommendation that replaces this one.",
    style="outline-secondary",
)
_NO_ACTION = Transition(
    Recommendation.Status.NO_ACTION,
    "Record no action",
    _STAFF,
    needs="reason",
    reason_label="Why no action will be taken",
    style="outline-secondary",
)
_REOPEN = Transition(
    Recommendation.Status.OPEN,
    "Reopen",
    _STAFF,
    needs="reason",
    reason_label="Why it is being reopened",
    style="outline-secondary",
)

# The allowed transitions: from each status, the moves on offer and who may make them.
# Closed recommendations are reopened only through a deep-dive sample (issue 7).
RECOMMENDATION_TRANSITIONS: dict[str, tuple[Transition, ...]] = {
    Recommendation.Status.OPEN: (_START, _PROPOSE, _SUPERSEDE, _NO_ACTION),
    Recommendation.Status.IN_PROGRESS: (_PROPOSE, _SUPERSEDE, _NO_ACTION),
    Recommendation.Status.PROPOSED_FOR_CLOSURE: (_CLOSE, _RETURN, _SUPERSEDE),
    Recommendation.Status.CLOSED: (),
    Recommendation.Status.SUPERSEDED: (_REOPEN,),
    Recommendation.Status.NO_ACTION: (_REOPEN,),
}


def _may_make(user: User, transition: Transition, recommendation: Recommendation) -> bool:
    if not user.is_authenticated or user.role not in transition.roles:
        return False
    # A plan owner acts only for their own force.
    return user.is_opcc_staff or user.force_id == recommendation.report.force_id


def recommendation_transitions_for(
    *, recommendation: Recommendation, user: User
) -> list[Transition]:
    """The moves the user may make from the recommendation's current status (no queries:
    the caller fetched the recommendation through recommendations_visible_to)."""
    return [
        transition
        for transition in RECOMMENDATION_TRANSITIONS.get(recommendation.status, ())
        if _may_make(user, transition, recommendation)
    ]


def recommendation_may_move(*, recommendation: Recommendation, user: User) -> bool:
    """Whether the user may make any move at all on this recommendation, whatever its
    status: OPCC staff, and the plan owner of its force."""
    return any(
        _may_make(user, transition, recommendation)
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
) -> Recommendation:
    """Move a recommendation along its lifecycle, enforcing RECOMMENDATION_TRANSITIONS.

    The row is locked and its status read again, so two people acting at once cannot both
    move it: the second is told what happened instead.
    """
    reason = (reason or "").strip()
    with transaction.atomic():
        if not recommendations_visible_to(by).filter(pk=recommendation.pk).exists():
            raise PermissionDenied("You cannot see this recommendation.")
        locked = (
            Recommendation.objects.select_for_update(of=("self",))
            .select_related("report")
            .get(pk=recommendation.pk)
        )
        transition = next(
            (
                t
                for t in RECOMMENDATION_TRANSITIONS.get(locked.status, ())
                if t.to_status == to_status
            ),
            None,
        )
        if transition is None:
            raise ValidationError(
                f"{locked.reference} is now {locked.get_status_display().lower()}, so it cannot "
                f"be moved to {Recommendation.Status(to_status).label.lower()}. Reload the page "
                "to see its current status."
            )
        if not _may_make(by, transition, locked):
            raise PermissionDenied(f"You may not {transition.label.lower()} this recommendation.")
        if transition.needs == "reason" and not reason:
            raise ValidationError({"reason": f"{transition.reason_label}: this is required."})
        _apply_transition(locked, transition, by=by, reason=reason, superseded_by=superseded_by)
        locked._history_user = by
        locked.save()
    return locked


def _apply_transition(
    recommendation: Recommendation,
    transition: Transition,
    *,
    by: User,
    reason: str,
    superseded_by: Recommendation | None,
) -> None:
    Status = Recommendation.Status
    now = timezone.now()
    leaving_proposal = recommendation.status == Status.PROPOSED_FOR_CLOSURE
    if transition is _PROPOSE:
        unfinished = recommendation_unfinished_actions(recommendation=recommendation)
        if unfinished:
            references = ", ".join(action.reference for action in unfinished)
            raise ValidationError(
                f"{recommendation.reference} cannot be proposed for closure while "
                f"{'this action is' if len(unfinished) == 1 else 'these actions are'} still "
                f"open: {references}. Close each one, or mark it not needed, first."
            )
        recommendation.closure_rationale = reason
        recommendation.closure_proposed_by = by
        recommendation.closure_proposed_at = now
        recommendation.status_reason = ""
    elif transition is _CLOSE:
        if recommendation.closure_proposed_by_id == by.pk:
            raise ValidationError(
                "You proposed this recommendation for closure, so someone else must sign it "
                "off: ask another member of OPCC staff."
            )
        recommendation.closure_rationale = reason
        recommendation.signed_off_by = by
        recommendation.signed_off_at = now
    elif transition is _SUPERSEDE:
        if superseded_by is None:
            raise ValidationError(
                {"superseded_by": "Choose the recommendation that supersedes this one."}
            )
        if superseded_by.pk == recommendation.pk:
            raise ValidationError(
                {"superseded_by": "A recommendation cannot supersede itself: choose another."}
            )
        if not recommendations_visible_to(by).filter(pk=superseded_by.pk).exists():
            raise ValidationError(
                {"superseded_by": "Choose a recommendation from a report you can see."}
            )
        recommendation.superseded_by = superseded_by
        recommendation.status_reason = reason
    elif transition in (_NO_ACTION, _RETURN, _REOPEN):
        recommendation.status_reason = reason
        if transition is _REOPEN:
            recommendation.superseded_by = None
    if leaving_proposal and transition is not _CLOSE:
        recommendation.closure_proposed_by = None
        recommendation.closure_proposed_at = None
        recommendation.closure_rationale = ""
    recommendation.status = transition.to_status


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


def _require_recommendation_editor(by: User, report: InspectionReport) -> None:
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
                "reference": f"This report already has a recommendation {reference}: use "
                "another reference or edit that one."
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
    _require_recommendation_editor(by, report)
    references = [str(row.get("reference", "")).strip().upper() for row in rows]
    repeated = sorted({ref for ref in references if references.count(ref) > 1})
    if repeated:
        raise ValidationError(
            f"The reference {', '.join(repeated)} appears more than once: give each "
            "recommendation its own number."
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
    _require_recommendation_editor(by, recommendation.report)
    if "status" in fields:
        raise ValidationError("Change the status with the status buttons, not the edit form.")
    with transaction.atomic():
        lock_and_check_version(recommendation, expected_version=version)
        return _save_recommendation(recommendation, by=by, fields=fields)


# --- Action plans, actions, progress updates, two-person closure (issue 4) -------------

_UPDATE_RAGS = (Rag.RED, Rag.AMBER, Rag.GREEN)


def _refuse_unless(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


@contextmanager
def _stored_files_removed_on_failure() -> Iterator[list[str]]:
    """Files written to storage inside a transaction that then fails are deleted again, so
    a failed save leaves neither rows nor files behind. Put it outside the atomic block."""
    stored: list[str] = []
    try:
        yield stored
    except BaseException:
        for name in stored:
            default_storage.delete(name)
        raise


def _store_evidence(
    *,
    action: Action,
    update: ProgressUpdate | None,
    uploads: Sequence[CheckedUpload],
    by: User,
    stored: list[str],
) -> list[Evidence]:
    saved = []
    for upload in uploads:
        evidence = Evidence(
            action=action,
            update=update,
            original_name=upload.original_name,
            content_type=upload.content_type,
            size=upload.size,
            sha256=upload.sha256,
            uploaded_by=by,
        )
        upload.file.seek(0)
        evidence.file.save(upload.safe_name, upload.file, save=False)
        stored.append(evidence.file.name)
        evidence._history_user = by
        evidence.save()
        saved.append(evidence)
    return saved


def _locked_action(action: Action) -> Action:
    return Action.objects.select_for_update().select_related("plan").get(pk=action.pk)


def action_next_update_due(*, action: Action) -> datetime.date | None:
    """When the next progress update is due: the date of the last accepted update plus the
    cadence, or the action's start plus the cadence while none has been accepted.

    None while no update is expected: paused, waiting for sign-off, closed or not needed.
    Every change of cadence, acceptance or status goes through here.
    """
    if action.status not in UPDATABLE_STATUSES:
        return None
    last_accepted = None
    if action.pk:
        last_accepted = action.updates.filter(
            review_state=ProgressUpdate.Review.ACCEPTED
        ).aggregate(last=Max("written_on"))["last"]
    started = timezone.localdate(action.created_at) if action.created_at else timezone.localdate()
    anchor = last_accepted or started
    return anchor + datetime.timedelta(days=action.cadence_in_days)


def _allocation_status(action: Action) -> str:
    """An action with nobody to deliver it waits for allocation; once someone has it, it is
    in progress. Other statuses are left as they are."""
    if action.status not in (Action.Status.AWAITING_ALLOCATION, Action.Status.IN_PROGRESS):
        return action.status
    if action.delivery_lead_id or action.partner_agency_id:
        return Action.Status.IN_PROGRESS
    return Action.Status.AWAITING_ALLOCATION


def _check_action_people(
    *, plan: ActionPlan, delivery_lead: User | None, partner_agency: PartnerAgency | None
) -> PartnerAgency | None:
    """The delivery lead works for the plan's force or for a partner agency working with
    it; a partner agency lead brings their agency with them. Returns the agency to store."""
    if partner_agency is not None and not partner_agency.forces.filter(pk=plan.force_id).exists():
        raise ValidationError(
            {
                "partner_agency": f"{partner_agency} does not work with {plan.force}. Choose one "
                "of the force's partner agencies."
            }
        )
    if delivery_lead is None:
        return partner_agency
    if delivery_lead.role == User.Role.PARTNER_LEAD:
        if partner_agency is not None and partner_agency.pk != delivery_lead.partner_agency_id:
            raise ValidationError(
                {
                    "delivery_lead": f"{delivery_lead} works for {delivery_lead.partner_agency}, "
                    f"not {partner_agency}. Choose a lead from {partner_agency} or change the "
                    "agency."
                }
            )
        agency = delivery_lead.partner_agency
        if not agency.forces.filter(pk=plan.force_id).exists():
            raise ValidationError(
                {"delivery_lead": f"{delivery_lead}'s agency does not work with {plan.force}."}
            )
        return agency
    if delivery_lead.role not in (User.Role.POLICE_LEAD, User.Role.PLAN_OWNER) or (
        delivery_lead.force_id != plan.force_id
    ):
        raise ValidationError(
            {
                "delivery_lead": f"{delivery_lead} is not a police lead of {plan.force}. Choose a "
                "police lead of the force or a partner agency lead."
            }
        )
    return partner_agency


def _check_recommendations(*, plan: ActionPlan, recommendations: Sequence[Recommendation]):
    if not recommendations:
        raise ValidationError(
            {"recommendations": "Choose at least one recommendation this action delivers."}
        )
    if any(r.report_id != plan.report_id for r in recommendations):
        raise ValidationError(
            {"recommendations": "Choose recommendations from this plan's report only."}
        )


def _check_cadence(*, cadence: str, cadence_days: int | None) -> int | None:
    if cadence == Action.Cadence.CUSTOM:
        if not cadence_days or cadence_days < 1:
            raise ValidationError(
                {"cadence_days": "Say every how many days an update is due (1 or more)."}
            )
        return cadence_days
    return None


@transaction.atomic
def action_plan_create(
    *,
    by: User,
    report: InspectionReport,
    title: str = "",
    owner: User | None = None,
    governance_board: str = "",
) -> ActionPlan:
    """A draft action plan for the plan owner's force, answering one report."""
    _refuse_unless(can_create_plans(by), "Only a force plan owner can create an action plan.")
    if report.force_id != by.force_id:
        raise ValidationError({"report": "Choose a report about your own force."})
    if ActionPlan.objects.filter(report=report, force_id=by.force_id).exists():
        raise ValidationError(
            {
                "report": "This report already has an action plan for your force: open it from "
                "the list of plans and add actions there."
            }
        )
    if owner is not None and (owner.role != User.Role.PLAN_OWNER or owner.force_id != by.force_id):
        raise ValidationError({"owner": "Choose a plan owner from your force."})
    plan = ActionPlan(
        report=report,
        force_id=by.force_id,
        title=title.strip(),
        owner=owner or by,
        governance_board=governance_board.strip(),
        status=ActionPlan.Status.DRAFT,
    )
    plan._history_user = by
    plan.save()
    return plan


def action_plan_update(
    *,
    plan: ActionPlan,
    by: User,
    expected_version: str,
    title: str,
    owner: User | None,
    governance_board: str,
) -> ActionPlan:
    with transaction.atomic():
        lock_and_check_version(plan, expected_version=expected_version)
        plan = ActionPlan.objects.select_for_update().get(pk=plan.pk)
        _refuse_unless(can_edit_plan(by, plan), "Only the force's plan owner can edit this plan.")
        if owner is not None and (
            owner.role != User.Role.PLAN_OWNER or owner.force_id != plan.force_id
        ):
            raise ValidationError({"owner": f"Choose a plan owner from {plan.force}."})
        plan.title = title.strip()
        plan.owner = owner
        plan.governance_board = governance_board.strip()
        plan._history_user = by
        plan.save()
    return plan


@transaction.atomic
def action_plan_transition(*, plan: ActionPlan, by: User, to_status: str) -> ActionPlan:
    """draft → submitted (plan owner) → active (OPCC staff) → closed; a submitted plan can go
    back to draft. A plan closes only when every action is closed or not needed."""
    plan = ActionPlan.objects.select_for_update().select_related("report").get(pk=plan.pk)
    if to_status not in ActionPlan.Status.values:
        raise ValidationError("Choose a plan status to move to.")
    _refuse_unless(
        can_transition_plan(by, plan, to_status),
        f"You cannot move this plan from {plan.get_status_display().lower()} to "
        f"{ActionPlan.Status(to_status).label.lower()}.",
    )
    actions = plan.actions.all()
    if to_status == ActionPlan.Status.SUBMITTED:
        if not actions.exists():
            raise ValidationError("Add at least one action before submitting the plan.")
        plan.submitted_on = timezone.localdate()
        report = plan.report
        if report.action_plan_received_on is None:
            report.action_plan_received_on = plan.submitted_on
            report._history_user = by
            report.save(update_fields=["action_plan_received_on", "updated_at"])
    if to_status == ActionPlan.Status.CLOSED:
        open_references = list(
            actions.exclude(status__in=Action.FINISHED_STATUSES)
            .order_by("reference")
            .values_list("reference", flat=True)
        )
        if open_references:
            raise ValidationError(
                "The plan can close only when every action is closed or not needed. Still "
                f"open: {', '.join(open_references)}."
            )
    plan.status = to_status
    plan._history_user = by
    plan.save()
    return plan


def action_create(
    *,
    plan: ActionPlan,
    by: User,
    reference: str,
    description: str,
    recommendations: Sequence[Recommendation],
    target_date: datetime.date,
    cadence: str = Action.Cadence.QUARTERLY,
    cadence_days: int | None = None,
    delivery_lead: User | None = None,
    partner_agency: PartnerAgency | None = None,
    owner: User | None = None,
    success_measure: str = "",
) -> Action:
    with transaction.atomic():
        plan = ActionPlan.objects.select_for_update().select_related("force").get(pk=plan.pk)
        _refuse_unless(
            can_add_actions(by, plan), "Only the force's plan owner can add actions to this plan."
        )
        reference = reference.strip()
        if plan.actions.filter(reference__iexact=reference).exists():
            raise ValidationError(
                {
                    "reference": f"This plan already has an action {reference}. Use another "
                    "reference, e.g. the next number."
                }
            )
        _check_recommendations(plan=plan, recommendations=recommendations)
        partner_agency = _check_action_people(
            plan=plan, delivery_lead=delivery_lead, partner_agency=partner_agency
        )
        action = Action(
            plan=plan,
            reference=reference,
            description=description.strip(),
            owner=owner,
            delivery_lead=delivery_lead,
            partner_agency=partner_agency,
            target_date=target_date,
            success_measure=success_measure.strip(),
            cadence=cadence,
            cadence_days=_check_cadence(cadence=cadence, cadence_days=cadence_days),
        )
        action.status = _allocation_status(action)
        action.next_update_due = action_next_update_due(action=action)
        action._history_user = by
        action.save()
        action.recommendations.set(recommendations)
    return action


def action_update(
    *,
    action: Action,
    by: User,
    expected_version: str,
    reference: str,
    description: str,
    recommendations: Sequence[Recommendation],
    cadence: str,
    cadence_days: int | None = None,
    delivery_lead: User | None = None,
    partner_agency: PartnerAgency | None = None,
    owner: User | None = None,
    success_measure: str = "",
) -> Action:
    """Edit an action. The target date is not edited here: revising it needs a reason
    (action_revise_target)."""
    with transaction.atomic():
        lock_and_check_version(action, expected_version=expected_version)
        action = _locked_action(action)
        _refuse_unless(
            can_edit_action(by, action), "Only the force's plan owner can edit this action."
        )
        reference = reference.strip()
        if action.plan.actions.filter(reference__iexact=reference).exclude(pk=action.pk).exists():
            raise ValidationError(
                {
                    "reference": f"This plan already has an action {reference}. Use another "
                    "reference."
                }
            )
        _check_recommendations(plan=action.plan, recommendations=recommendations)
        action.partner_agency = _check_action_people(
            plan=action.plan, delivery_lead=delivery_lead, partner_agency=partner_agency
        )
        action.reference = reference
        action.description = description.strip()
        action.owner = owner
        action.delivery_lead = delivery_lead
        action.success_measure = success_measure.strip()
        action.cadence = cadence
        action.cadence_days = _check_cadence(cadence=cadence, cadence_days=cadence_days)
        action.status = _allocation_status(action)
        action.next_update_due = action_next_update_due(action=action)
        action._history_user = by
        action.save()
        action.recommendations.set(recommendations)
    return action


def action_revise_target(
    *,
    action: Action,
    by: User,
    revised_target_date: datetime.date,
    reason: str,
    expected_version: str,
) -> Action:
    """Move the target date. The original target is kept; the reason is required and the
    history keeps every earlier revision."""
    reason = reason.strip()
    if not reason:
        raise ValidationError(
            {"revision_reason": "Say why the target date moves; the OPCC sees this reason."}
        )
    with transaction.atomic():
        lock_and_check_version(action, expected_version=expected_version)
        action = _locked_action(action)
        _refuse_unless(
            can_revise_target(by, action),
            "Only the force's plan owner can revise this action's target date.",
        )
        if revised_target_date < timezone.localdate():
            raise ValidationError(
                {
                    "revised_target_date": "A revised target date cannot be in the past. Choose "
                    "today or a later date."
                }
            )
        if revised_target_date == action.current_target_date:
            raise ValidationError(
                {"revised_target_date": "That is already the target date. Choose a new date."}
            )
        action.revised_target_date = revised_target_date
        action.revision_reason = reason
        action._history_user = by
        action.save()
    return action


def action_change_status(*, action: Action, by: User, status: str, reason: str = "") -> Action:
    """The plan owner pauses an action, resumes it, or marks it not needed (a reason is
    required for pausing and not needed). No update is due while it is paused or not needed,
    so no reminder goes out."""
    reason = reason.strip()
    with transaction.atomic():
        action = _locked_action(action)
        _refuse_unless(
            can_change_action_status(by, action),
            "Only the force's plan owner can pause, resume or set aside this action.",
        )
        if status in (Action.Status.PAUSED, Action.Status.NOT_NEEDED):
            if not reason:
                raise ValidationError(
                    {"reason": "Say why the action is paused or not needed; the OPCC sees it."}
                )
            if status == action.status:
                raise ValidationError(
                    f"{action.reference} is already {action.get_status_display().lower()}."
                )
            action.status = status
            action.status_reason = reason
        elif status == Action.Status.IN_PROGRESS:
            if action.status != Action.Status.PAUSED:
                raise ValidationError(
                    f"Only a paused action can be resumed; {action.reference} "
                    f"is {action.get_status_display().lower()}."
                )
            action.status = Action.Status.IN_PROGRESS
            action.status = _allocation_status(action)
            action.status_reason = ""
        else:
            raise ValidationError({"status": "Choose paused, not needed or resume."})
        action.next_update_due = action_next_update_due(action=action)
        action._history_user = by
        action.save()
    return action


def progress_update_submit(
    *,
    action: Action,
    author: User,
    narrative: str,
    rag: str,
    percent_complete: int,
    uploads: Sequence[CheckedUpload] = (),
    resubmission_of: ProgressUpdate | None = None,
) -> ProgressUpdate:
    """A new progress update with its evidence files, saved together or not at all. A
    returned update is never edited: the lead posts a new one that resubmits it."""
    narrative = narrative.strip()
    if not narrative:
        raise ValidationError({"narrative": "Describe the progress made since the last update."})
    if not 0 <= percent_complete <= 100:
        raise ValidationError({"percent_complete": "Give a percentage from 0 to 100."})
    if rag not in _UPDATE_RAGS:
        raise ValidationError(
            {
                "rag": "Choose red, amber or green; blue (complete) is set when the OPCC signs the "
                "action off."
            }
        )
    with _stored_files_removed_on_failure() as stored, transaction.atomic():
        action = _locked_action(action)
        _refuse_unless(
            can_update_action(author, action),
            "Only the action's delivery lead, its partner agency or the plan owner can post "
            "an update, and only while the action is live.",
        )
        if (
            resubmission_of is not None
            and not action.updates.filter(
                pk=resubmission_of.pk, review_state=ProgressUpdate.Review.RETURNED
            ).exists()
        ):
            raise ValidationError("Only a returned update of this action can be resubmitted.")
        update = ProgressUpdate(
            action=action,
            author=author,
            written_on=timezone.localdate(),
            narrative=narrative,
            rag=rag,
            percent_complete=percent_complete,
            resubmission_of=resubmission_of,
        )
        update._history_user = author
        update.save()
        _store_evidence(action=action, update=update, uploads=uploads, by=author, stored=stored)
    return update


def _locked_update_for_review(update: ProgressUpdate, by: User) -> ProgressUpdate:
    update = ProgressUpdate.objects.select_for_update().select_related("action").get(pk=update.pk)
    if update.review_state != ProgressUpdate.Review.SUBMITTED:
        reviewer = update.reviewed_by or "someone else"
        raise ValidationError(
            f"This update was already {update.get_review_state_display().lower()} by "
            f"{reviewer}. Nothing was changed."
        )
    if update.author_id == by.pk:
        raise ValidationError("You wrote this update, so someone else must review it.")
    _refuse_unless(can_review_update(by, update), "Only OPCC staff review progress updates.")
    return update


@transaction.atomic
def progress_update_accept(*, update: ProgressUpdate, by: User) -> ProgressUpdate:
    """Accept an update: its RAG becomes the action's and the next update falls due one
    cadence after it."""
    update = _locked_update_for_review(update, by)
    update.review_state = ProgressUpdate.Review.ACCEPTED
    update.reviewed_by = by
    update.reviewed_at = timezone.now()
    update.review_comment = ""
    update._history_user = by
    update.save()
    action = _locked_action(update.action)
    if action.status not in Action.FINISHED_STATUSES:
        action.rag = update.rag
    action.next_update_due = action_next_update_due(action=action)
    action._history_user = by
    action.save()
    return update


@transaction.atomic
def progress_update_return(*, update: ProgressUpdate, by: User, reason: str) -> ProgressUpdate:
    """Return an update with a reason the lead sees; they resubmit a new update."""
    reason = reason.strip()
    if not reason:
        raise ValidationError(
            {"comment": "Say what the lead should add or correct; they see this reason."}
        )
    update = _locked_update_for_review(update, by)
    update.review_state = ProgressUpdate.Review.RETURNED
    update.reviewed_by = by
    update.reviewed_at = timezone.now()
    update.review_comment = reason
    update._history_user = by
    update.save()
    return update


def action_propose_completion(
    *,
    action: Action,
    by: User,
    completion_evidence: str,
    uploads: Sequence[CheckedUpload] = (),
) -> Action:
    """First of the two people: the lead says the action is done and shows its impact."""
    completion_evidence = completion_evidence.strip()
    if not completion_evidence:
        raise ValidationError(
            {
                "completion_evidence": "Describe the evidence of impact: what changed, and how "
                "you know."
            }
        )
    with _stored_files_removed_on_failure() as stored, transaction.atomic():
        action = _locked_action(action)
        _refuse_unless(
            can_propose_completion(by, action),
            "Only the action's lead or the plan owner can propose an action in progress "
            "for completion.",
        )
        action.status = Action.Status.PENDING_SIGN_OFF
        action.completion_evidence = completion_evidence
        action.completion_proposed_by = by
        action.completion_proposed_at = timezone.now()
        action.return_reason = ""
        action.next_update_due = action_next_update_due(action=action)
        action._history_user = by
        action.save()
        _store_evidence(action=action, update=None, uploads=uploads, by=by, stored=stored)
    return action


def _locked_action_pending_sign_off(action: Action, by: User) -> Action:
    action = _locked_action(action)
    if action.status != Action.Status.PENDING_SIGN_OFF:
        raise ValidationError(
            f"{action.reference} is {action.get_status_display().lower()}, not waiting for "
            "sign-off. Nothing was changed."
        )
    if action.completion_proposed_by_id == by.pk:
        raise ValidationError(
            "You proposed this completion, so another member of OPCC staff must sign it off."
        )
    _refuse_unless(can_sign_off(by, action), "Only OPCC staff sign off completed actions.")
    return action


@transaction.atomic
def action_sign_off(*, action: Action, by: User) -> Action:
    """Second of the two people: OPCC staff confirm the action is complete."""
    action = _locked_action_pending_sign_off(action, by)
    action.status = Action.Status.CLOSED
    action.rag = Rag.COMPLETE
    action.signed_off_by = by
    action.signed_off_at = timezone.now()
    action.return_reason = ""
    action.next_update_due = None
    action._history_user = by
    action.save()
    return action


@transaction.atomic
def action_return_completion(*, action: Action, by: User, reason: str) -> Action:
    """OPCC staff are not satisfied: the action goes back to in progress with the reason."""
    reason = reason.strip()
    if not reason:
        raise ValidationError(
            {
                "reason": "Say what is missing before the action can be signed off; the lead "
                "sees this reason."
            }
        )
    action = _locked_action_pending_sign_off(action, by)
    action.status = Action.Status.IN_PROGRESS
    action.return_reason = reason
    action.next_update_due = action_next_update_due(action=action)
    action._history_user = by
    action.save()
    return action


# --- Reopening after a deep-dive sample (issue 7) --------------------------------------


def action_reopen(*, action: Action, reason: str, by: User) -> Action:
    """Reopen a closed action that a deep-dive sample found not effective.

    The action goes back to in progress and red, the reason is kept as its return reason,
    the sign-off and the completion proposal are cleared (their history stays), and the next
    update falls due one cadence from today. A closed recommendation the action serves goes
    back to in progress too: it cannot stay closed while work on it is live again.
    """
    reason = reason.strip()
    if not reason:
        raise ValidationError(
            {"reason": "Say why the action was not effective; the police lead sees this reason."}
        )
    with transaction.atomic():
        action = Action.objects.select_for_update().get(pk=action.pk)
        if action.status != Action.Status.CLOSED:
            raise ValidationError(
                f"Only a closed action can be reopened; {action.reference} is "
                f"{action.get_status_display().lower()}."
            )
        action.status = Action.Status.IN_PROGRESS
        action.rag = Rag.RED
        action.return_reason = reason
        action.signed_off_by = None
        action.signed_off_at = None
        action.completion_proposed_by = None
        action.completion_proposed_at = None
        action.next_update_due = timezone.localdate() + datetime.timedelta(
            days=action.cadence_in_days
        )
        action._history_user = by
        action.save()
        closed = Recommendation.objects.select_for_update().filter(
            actions=action, status=Recommendation.Status.CLOSED
        )
        for recommendation in closed:
            recommendation.status = Recommendation.Status.IN_PROGRESS
            recommendation.signed_off_by = None
            recommendation.signed_off_at = None
            recommendation._history_user = by
            recommendation.save()
    return action
