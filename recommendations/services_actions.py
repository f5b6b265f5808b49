"""Writes for action plans and actions: creating and editing them, moving a plan through
its statuses, pausing, resuming or setting an action aside, and when its next progress
update is due. Its target date moves by an agreed request (services_extensions).

Each service owns its transaction, takes keyword-only arguments and raises
django.core.exceptions.ValidationError with a message that says what to do, or
PermissionDenied when the matching recommendations.permissions predicate says no.
"""

import datetime
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from oversight.models import InspectionReport, PartnerAgency, User
from oversight.shared.concurrency import lock_and_check_version
from recommendations.models import Action, ActionPlan, ProgressUpdate, Recommendation
from recommendations.permissions import (
    UPDATABLE_STATUSES,
    can_add_actions,
    can_change_action_status,
    can_create_plans,
    can_edit_action,
    can_edit_plan,
    can_transition_plan,
    refuse_unless,
)
from recommendations.trends import trend_quarters_forget


def lock_action(action: Action) -> Action:
    """The action, locked for the rest of the transaction, with its plan."""
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
                "partner_agency": _(
                    "%(agency)s does not work with %(force)s. Choose one of the force's partner "
                    "agencies."
                )
                % {"agency": partner_agency, "force": plan.force}
            }
        )
    if delivery_lead is None:
        return partner_agency
    if delivery_lead.role == User.Role.PARTNER_LEAD:
        if partner_agency is not None and partner_agency.pk != delivery_lead.partner_agency_id:
            raise ValidationError(
                {
                    "delivery_lead": _(
                        "%(lead)s works for %(lead_agency)s, not %(agency)s. Choose a lead from "
                        "%(agency)s or change the agency."
                    )
                    % {
                        "lead": delivery_lead,
                        "lead_agency": delivery_lead.partner_agency,
                        "agency": partner_agency,
                    }
                }
            )
        agency = delivery_lead.partner_agency
        if not agency.forces.filter(pk=plan.force_id).exists():
            raise ValidationError(
                {
                    "delivery_lead": _("%(lead)s's agency does not work with %(force)s.")
                    % {"lead": delivery_lead, "force": plan.force}
                }
            )
        return agency
    if delivery_lead.role not in (User.Role.POLICE_LEAD, User.Role.PLAN_OWNER) or (
        delivery_lead.force_id != plan.force_id
    ):
        raise ValidationError(
            {
                "delivery_lead": _(
                    "%(lead)s is not a police lead of %(force)s. Choose a police lead of the "
                    "force or a partner agency lead."
                )
                % {"lead": delivery_lead, "force": plan.force}
            }
        )
    return partner_agency


def _check_recommendations(*, plan: ActionPlan, recommendations: Sequence[Recommendation]):
    if not recommendations:
        raise ValidationError(
            {"recommendations": _("Choose at least one recommendation this action delivers.")}
        )
    if any(r.report_id != plan.report_id for r in recommendations):
        raise ValidationError(
            {"recommendations": _("Choose recommendations from this plan's report only.")}
        )


def _check_cadence(*, cadence: str, cadence_days: int | None) -> int | None:
    if cadence == Action.Cadence.CUSTOM:
        if not cadence_days or cadence_days < 1:
            raise ValidationError(
                {"cadence_days": _("Say every how many days an update is due (1 or more).")}
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
    refuse_unless(can_create_plans(by), "Only a force plan owner can create an action plan.")
    if report.force_id != by.force_id:
        raise ValidationError({"report": _("Choose a report about your own force.")})
    if ActionPlan.objects.filter(report=report, force_id=by.force_id).exists():
        raise ValidationError(
            {
                "report": _(
                    "This report already has an action plan for your force: open it from "
                    "the list of plans and add actions there."
                )
            }
        )
    if owner is not None and (owner.role != User.Role.PLAN_OWNER or owner.force_id != by.force_id):
        raise ValidationError({"owner": _("Choose a plan owner from your force.")})
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
        refuse_unless(can_edit_plan(by, plan), "Only the force's plan owner can edit this plan.")
        if owner is not None and (
            owner.role != User.Role.PLAN_OWNER or owner.force_id != plan.force_id
        ):
            raise ValidationError(
                {"owner": _("Choose a plan owner from %(force)s.") % {"force": plan.force}}
            )
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
        raise ValidationError(_("Choose a plan status to move to."))
    refuse_unless(
        can_transition_plan(by, plan, to_status),
        f"You cannot move this plan from {plan.get_status_display().lower()} to "
        f"{ActionPlan.Status(to_status).label.lower()}.",
    )
    actions = plan.actions.all()
    if to_status == ActionPlan.Status.SUBMITTED:
        if not actions.exists():
            raise ValidationError(_("Add at least one action before submitting the plan."))
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
                _(
                    "The plan can close only when every action is closed or not needed. Still "
                    "open: %(actions)s."
                )
                % {"actions": ", ".join(open_references)}
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
        refuse_unless(
            can_add_actions(by, plan), "Only the force's plan owner can add actions to this plan."
        )
        reference = reference.strip()
        if plan.actions.filter(reference__iexact=reference).exists():
            raise ValidationError(
                {
                    "reference": _(
                        "This plan already has an action %(ref)s. Use another reference, e.g. "
                        "the next number."
                    )
                    % {"ref": reference}
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
    """Edit an action. The target date is not edited here: it moves only when the OPCC
    agrees a request to move it (recommendations.services_extensions)."""
    with transaction.atomic():
        lock_and_check_version(action, expected_version=expected_version)
        action = lock_action(action)
        refuse_unless(
            can_edit_action(by, action), "Only the force's plan owner can edit this action."
        )
        reference = reference.strip()
        if action.plan.actions.filter(reference__iexact=reference).exclude(pk=action.pk).exists():
            raise ValidationError(
                {
                    "reference": _(
                        "This plan already has an action %(ref)s. Use another reference.",
                    )
                    % {"ref": reference}
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
        # Its links count in past quarters' trends (an action past its target makes the
        # recommendations it serves overdue): the report's stored quarters are redone.
        trend_quarters_forget(report_ids=[action.plan.report_id])
    return action


def action_change_status(*, action: Action, by: User, status: str, reason: str = "") -> Action:
    """The plan owner pauses an action, resumes it, or marks it not needed (a reason is
    required for pausing and not needed). No update is due while it is paused or not needed,
    so no reminder goes out."""
    reason = reason.strip()
    with transaction.atomic():
        action = lock_action(action)
        refuse_unless(
            can_change_action_status(by, action),
            "Only the force's plan owner can pause, resume or set aside this action.",
        )
        if status in (Action.Status.PAUSED, Action.Status.NOT_NEEDED):
            if not reason:
                raise ValidationError(
                    {"reason": _("Say why the action is paused or not needed; the OPCC sees it.")}
                )
            if status == action.status:
                raise ValidationError(
                    _("%(ref)s is already %(status)s.")
                    % {"ref": action.reference, "status": action.get_status_display().lower()}
                )
            action.status = status
            action.status_reason = reason
        elif status == Action.Status.IN_PROGRESS:
            if action.status != Action.Status.PAUSED:
                raise ValidationError(
                    _("Only a paused action can be resumed; %(ref)s is %(status)s.")
                    % {"ref": action.reference, "status": action.get_status_display().lower()}
                )
            action.status = Action.Status.IN_PROGRESS
            action.status = _allocation_status(action)
            action.status_reason = ""
        else:
            raise ValidationError({"status": _("Choose paused, not needed or resume.")})
        action.next_update_due = action_next_update_due(action=action)
        action._history_user = by
        action.save()
    return action
