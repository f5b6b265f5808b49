"""Pages for police leads, partner leads, plan owners and the OPCC reviewers of their work:
'my actions', action plans, actions, requests to move a target date, progress updates with
evidence, and two-person closure.

Every object is fetched through a `*_visible_to(user)` selector (404 for what the user
cannot see); changing needs the matching predicate from recommendations.permissions (403).
"""

import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from oversight.shared import pagecache
from oversight.shared.forms import error_status, refusals_onto
from oversight.shared.lookups import one_or_404
from oversight.shared.panels import panels_for
from oversight.shared.uploads import attachment_response, limits_help_text
from recommendations import (
    permissions,
    plan_pages,
    selectors,
    services_actions,
    services_extensions,
    services_progress,
)
from recommendations.action_cards import ActionCardWriter
from recommendations.forms_actions import (
    ActionForm,
    ActionPlanCreateForm,
    ActionPlanEditForm,
    ActionStatusForm,
    ExtensionDecisionForm,
    ExtensionRequestForm,
    PlanTransitionForm,
    ProgressUpdateForm,
    ProposeCompletionForm,
    SignOffForm,
    UpdateReviewForm,
)
from recommendations.history import action_history, plan_history
from recommendations.models import Action, ActionPlan, ExtensionRequest, ProgressUpdate, Rag
from recommendations.my_actions import my_actions_for, reports_with_plans_for
from recommendations.plan_csv import plan_csv_lines, plan_export_filename
from recommendations.plan_rows import PlanRowWriter
from recommendations.review_queue import review_queue_for

GET_POST = require_http_methods(["GET", "POST"])
PLANS_PER_PAGE = 25


def _due_text(day) -> str:
    return date_format(day, "j F Y") if day else _("none for now")


# --- My actions -----------------------------------------------------------------------


@require_GET
@login_required
def my_actions(request):
    def body() -> str:
        mine = my_actions_for(request.user, page=request.GET.get("page"))
        cards = ActionCardWriter(user=request.user)
        context = {
            "mine": mine,
            "due_cards": cards.cards(mine.due),
            "rest_cards": cards.cards(mine.rest),
            "reports": reports_with_plans_for(request.user),
            "can_create_plans": permissions.can_create_plans(request.user),
            "can_review_updates": permissions.can_review_updates(request.user),
            "panels": panels_for("my_actions", user=request.user),
        }
        return render_to_string("recommendations/_my_actions_body.html", context, request)

    body_html = pagecache.cached_body(request, "my_actions", body)
    return render(request, "recommendations/my_actions.html", {"body": body_html})


@require_GET
@login_required
def review_queue(request):
    """What waits for the OPCC: submitted updates, proposed completions and requests to
    move a target date."""
    context = {
        "queue": review_queue_for(request.user),
        "can_review_updates": permissions.can_review_updates(request.user),
        "can_decide_extensions": permissions.can_decide_extensions(request.user),
    }
    return render(request, "recommendations/review_queue.html", context)


# --- Action plans ---------------------------------------------------------------------


@require_GET
@login_required
def plan_list(request):
    page = Paginator(plan_pages.action_plans_for_list(request.user), PLANS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        "page_obj": page,
        "plans": page.object_list,
        "can_create_plans": permissions.can_create_plans(request.user),
    }
    return render(request, "recommendations/plan_list.html", context)


@GET_POST
@login_required
def plan_create(request):
    if not permissions.can_create_plans(request.user):
        raise PermissionDenied("Only a force plan owner can create an action plan.")
    form = ActionPlanCreateForm(
        request.POST or None, user=request.user, initial={"report": request.GET.get("report")}
    )
    if request.method == "POST" and form.is_valid():
        with refusals_onto(form):
            plan = services_actions.action_plan_create(
                by=request.user,
                report=form.cleaned_data["report"],
                title=form.cleaned_data["title"],
                owner=form.cleaned_data["owner"],
                governance_board=form.cleaned_data["governance_board"],
            )
            messages.success(request, _("Plan created as a draft. Now add its actions."))
            return redirect(plan)
    status = error_status(form) if form.is_bound else 200
    return render(request, "recommendations/plan_form.html", {"form": form}, status=status)


def _render_plan(request, plan, *, transition_error=None, status=200):
    rows, summary = plan_pages.plan_action_rows(plan, user=request.user)
    context = {
        "plan": plan,
        "rows": rows,
        "rows_html": PlanRowWriter().rows(rows),
        "summary": summary,
        "history": plan_history(plan),
        "allowed": permissions.plan_permissions(request.user, plan),
        "transition_error": transition_error,
    }
    return render(request, "recommendations/plan_detail.html", context, status=status)


@require_GET
@login_required
def plan_detail(request, pk):
    plan = one_or_404(plan_pages.plan_detail_queryset(request.user), pk=pk)
    return _render_plan(request, plan)


@GET_POST
@login_required
def plan_edit(request, pk):
    plan = one_or_404(plan_pages.plan_detail_queryset(request.user), pk=pk)
    if not permissions.can_edit_plan(request.user, plan):
        raise PermissionDenied("Only the force's plan owner can edit this plan.")
    form = ActionPlanEditForm(request.POST or None, instance=copy.copy(plan), user=request.user)
    if request.method == "POST" and form.is_valid():
        with refusals_onto(form):
            saved = services_actions.action_plan_update(
                plan=plan,
                by=request.user,
                expected_version=form.cleaned_data["version"],
                title=form.cleaned_data["title"],
                owner=form.cleaned_data["owner"],
                governance_board=form.cleaned_data["governance_board"],
            )
            messages.success(request, _("Plan saved."))
            return redirect(saved)
    status = error_status(form) if form.is_bound else 200
    context = {"form": form, "plan": plan}
    return render(request, "recommendations/plan_form.html", context, status=status)


@require_POST
@login_required
def plan_transition(request, pk):
    plan = one_or_404(plan_pages.plan_detail_queryset(request.user), pk=pk)
    form = PlanTransitionForm(request.POST)
    if not form.is_valid():
        return _render_plan(
            request, plan, transition_error=_("Choose a status to move to."), status=400
        )
    to_status = form.cleaned_data["to_status"]
    if not permissions.can_transition_plan(request.user, plan, to_status):
        raise PermissionDenied("You cannot move this plan to that status.")
    try:
        plan = services_actions.action_plan_transition(
            plan=plan, by=request.user, to_status=to_status
        )
    except ValidationError as error:
        return _render_plan(request, plan, transition_error=" ".join(error.messages), status=400)
    messages.success(
        request, _("The plan is now %(status)s.") % {"status": plan.get_status_display().lower()}
    )
    return redirect(plan)


@require_GET
@login_required
def plan_export(request, pk):
    """The plan as CSV: exactly the actions the user can see on the plan page."""
    plan = one_or_404(plan_pages.plan_detail_queryset(request.user), pk=pk)
    actions = plan_pages.plan_actions_for_export(plan, user=request.user)
    response = StreamingHttpResponse(
        plan_csv_lines(actions), content_type="text/csv; charset=utf-8"
    )
    filename = plan_export_filename(plan, timezone.localdate())
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- Actions --------------------------------------------------------------------------


def _visible_action(request, pk) -> Action:
    action = one_or_404(plan_pages.action_detail_queryset(request.user), pk=pk)
    return plan_pages.action_people_attach(action)


def _next_reference(plan: ActionPlan) -> str:
    numbers = [
        int(reference[1:])
        for reference in plan.actions.values_list("reference", flat=True)
        if reference[:1].upper() == "A" and reference[1:].isdigit()
    ]
    return f"A{max(numbers, default=0) + 1}"


@GET_POST
@login_required
def action_create(request, pk):
    plan = one_or_404(plan_pages.plan_detail_queryset(request.user), pk=pk)
    if not permissions.can_add_actions(request.user, plan):
        raise PermissionDenied("Only the force's plan owner can add actions to this plan.")
    form = ActionForm(
        request.POST or None,
        plan=plan,
        user=request.user,
        initial={"reference": _next_reference(plan), "cadence": Action.Cadence.QUARTERLY},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with refusals_onto(form):
            action = services_actions.action_create(
                plan=plan,
                by=request.user,
                target_date=data["target_date"],
                **_action_fields(data),
            )
            messages.success(
                request,
                _("Action %(ref)s added. First update due %(due)s.")
                % {"ref": action.reference, "due": _due_text(action.next_update_due)},
            )
            return redirect(plan)
    status = error_status(form) if form.is_bound else 200
    context = {"form": form, "plan": plan}
    return render(request, "recommendations/action_form.html", context, status=status)


def _action_fields(data: dict) -> dict:
    """The ActionForm fields that action_create and action_update both take. The target
    date is set when the action is created; later it moves by an agreed extension request."""
    fields = (
        "reference",
        "description",
        "cadence",
        "cadence_days",
        "delivery_lead",
        "partner_agency",
        "owner",
        "success_measure",
    )
    return {name: data[name] for name in fields} | {
        "recommendations": list(data["recommendations"])
    }


def _render_action(request, action, *, status=200, **forms):
    updates = plan_pages.action_updates(action)
    perms = permissions.action_permissions(request.user, action)
    for update in updates.updates:
        update.can_review = permissions.can_review_update(request.user, update)
    extensions = plan_pages.action_extensions(action)
    for extension in extensions:
        extension.can_withdraw = extension.is_pending and permissions.can_withdraw_extension(
            request.user, extension, action
        )
    context = {
        "action": action,
        "allowed": perms,
        "updates": updates,
        "extensions": extensions,
        "extension_waiting": next((e for e in extensions if e.is_pending), None),
        "decision_form": ExtensionDecisionForm(),
        "extension_error": "",
        "history": action_history(
            action,
            held=[
                action.owner,
                action.delivery_lead,
                action.completion_proposed_by,
                action.signed_off_by,
                action.partner_agency,
                *(update.reviewed_by for update in updates.updates),
            ],
        ),
        "status_form": ActionStatusForm(action=action),
        "expects_update": action.status in permissions.UPDATABLE_STATUSES,
        "update_awaiting_review": any(
            u.review_state == ProgressUpdate.Review.SUBMITTED for u in updates.updates
        ),
        "next_update_overdue": bool(
            action.next_update_due and action.next_update_due < timezone.localdate()
        ),
        "panels": panels_for("action_detail", user=request.user, obj=action),
        **forms,
    }
    return render(request, "recommendations/action_detail.html", context, status=status)


@require_GET
@login_required
def action_detail(request, pk):
    return _render_action(request, _visible_action(request, pk))


@GET_POST
@login_required
def action_edit(request, pk):
    action = _visible_action(request, pk)
    if not permissions.can_edit_action(request.user, action):
        raise PermissionDenied("Only the force's plan owner can edit this action.")
    form = ActionForm(
        request.POST or None, instance=copy.copy(action), plan=action.plan, user=request.user
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with refusals_onto(form):
            saved = services_actions.action_update(
                action=action,
                by=request.user,
                expected_version=data["version"],
                **_action_fields(data),
            )
            messages.success(request, _("Action %(ref)s saved.") % {"ref": saved.reference})
            return redirect(saved)
    status = error_status(form) if form.is_bound else 200
    context = {
        "form": form,
        "plan": action.plan,
        "action": action,
        "can_request_extension": permissions.can_request_extension(request.user, action),
    }
    return render(request, "recommendations/action_form.html", context, status=status)


@require_POST
@login_required
def action_status(request, pk):
    action = _visible_action(request, pk)
    if not permissions.can_change_action_status(request.user, action):
        raise PermissionDenied("Only the force's plan owner can pause or set aside an action.")
    form = ActionStatusForm(request.POST, action=action)
    if form.is_valid():
        with refusals_onto(form):
            saved = services_actions.action_change_status(
                action=action,
                by=request.user,
                status=form.cleaned_data["status"],
                reason=form.cleaned_data["reason"],
            )
            messages.success(
                request,
                _("Action %(ref)s is now %(status)s.")
                % {"ref": saved.reference, "status": saved.get_status_display().lower()},
            )
            return redirect(saved)
    return _render_action(request, action, status_form=form, status=400)


# --- Extension requests: moving a target date -----------------------------------------


def _visible_extension(request, pk) -> tuple[ExtensionRequest, Action]:
    """The request (404 unless the user sees its action) and its action as the action page
    reads it."""
    extension = get_object_or_404(selectors.extensions_visible_to(request.user), pk=pk)
    return extension, _visible_action(request, extension.action_id)


@GET_POST
@login_required
def extension_request(request, pk):
    action = _visible_action(request, pk)
    if not permissions.can_request_extension(request.user, action):
        raise PermissionDenied(
            "Only the action's delivery lead or the force's plan owner can ask to move its "
            "target date, while the action is live."
        )
    form = ExtensionRequestForm(request.POST or None, action=action)
    if request.method == "POST" and form.is_valid():
        with refusals_onto(form):
            extension = services_extensions.extension_request(
                action=action,
                by=request.user,
                to_date=form.cleaned_data["to_date"],
                reason=form.cleaned_data["reason"],
            )
            messages.success(
                request,
                _(
                    "Asked to move the target date to %(to)s. Until OPCC staff agree, "
                    "%(from)s stands."
                )
                % {
                    "to": date_format(extension.to_date, "j F Y"),
                    "from": date_format(extension.from_date, "j F Y"),
                },
            )
            return redirect(extension)
    status = error_status(form) if form.is_bound else 200
    context = {
        "form": form,
        "action": action,
        "waiting": plan_pages.extension_waiting(action),
    }
    return render(request, "recommendations/extension_request.html", context, status=status)


@require_POST
@login_required
def extension_decide(request, pk):
    extension, action = _visible_extension(request, pk)
    if not permissions.can_decide_extensions(request.user):
        raise PermissionDenied("Only OPCC staff agree or refuse a request to move a target date.")
    form = ExtensionDecisionForm(request.POST)
    if form.is_valid():
        with refusals_onto(form):
            decided = services_extensions.extension_decide(
                extension=extension,
                by=request.user,
                agree=form.cleaned_data["decision"] == ExtensionDecisionForm.AGREE,
                comment=form.cleaned_data["comment"],
            )
            if decided.decision == ExtensionRequest.Decision.AGREED:
                messages.success(
                    request,
                    _("Agreed: %(ref)s's target date is now %(date)s.")
                    % {"ref": action.reference, "date": date_format(decided.to_date, "j F Y")},
                )
            else:
                messages.success(
                    request,
                    _("Refused: %(ref)s's target date stays %(date)s. The lead sees your comment.")
                    % {"ref": action.reference, "date": date_format(decided.from_date, "j F Y")},
                )
            return redirect(decided)
    return _render_action(request, action, decision_form=form, status=400)


@require_POST
@login_required
def extension_withdraw(request, pk):
    extension, action = _visible_extension(request, pk)
    if not permissions.can_withdraw_extension(request.user, extension, action):
        raise PermissionDenied(
            "Only the person who asked, or the force's plan owner, can withdraw this request."
        )
    try:
        withdrawn = services_extensions.extension_withdraw(extension=extension, by=request.user)
    except ValidationError as error:
        return _render_action(request, action, extension_error=" ".join(error.messages), status=400)
    messages.success(
        request,
        _("Request withdrawn: the target date stays %(date)s.")
        % {"date": date_format(withdrawn.from_date, "j F Y")},
    )
    return redirect(withdrawn)


# --- Progress updates -----------------------------------------------------------------


@GET_POST
@login_required
def update_create(request, pk):
    action = _visible_action(request, pk)
    if not permissions.can_update_action(request.user, action):
        raise PermissionDenied("Only the action's lead can post an update on it.")
    updates = plan_pages.action_updates(action)
    owed, last = updates.returned_update, updates.last_accepted
    # Start from where things stood: fewer clicks, and the lead changes what moved.
    initial = {
        "rag": action.rag if action.rag != Rag.COMPLETE else None,
        "percent_complete": last.percent_complete if last else None,
    }
    if owed is not None:
        initial = {
            "resubmission_of": owed.pk,
            "narrative": owed.narrative,
            "rag": owed.rag,
            "percent_complete": owed.percent_complete,
        }
    form = ProgressUpdateForm(
        request.POST or None, request.FILES or None, action=action, returned=owed, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with refusals_onto(form):
            services_progress.progress_update_submit(
                action=action,
                author=request.user,
                narrative=data["narrative"],
                rag=data["rag"],
                percent_complete=data["percent_complete"],
                uploads=data["files"],
                resubmission_of=data["resubmission_of"],
                kept_evidence=data.get("keep_evidence", ()),
            )
            files = len(data["files"]) + len(data.get("keep_evidence", ()))
            if files:
                posted = ngettext(
                    "Update posted with %(count)s file. OPCC staff will review it.",
                    "Update posted with %(count)s files. OPCC staff will review it.",
                    files,
                ) % {"count": files}
            else:
                posted = _("Update posted. OPCC staff will review it.")
            messages.success(request, posted)
            return redirect(action)
    context = {
        "form": form,
        "action": action,
        "returned": owed,
        "last_accepted": last,
        "limits": limits_help_text(),
    }
    status = error_status(form) if form.is_bound else 200
    return render(request, "recommendations/update_form.html", context, status=status)


def _review_update(update, *, by, accept: bool, reason: str) -> ProgressUpdate:
    if accept:
        return services_progress.progress_update_accept(update=update, by=by)
    return services_progress.progress_update_return(update=update, by=by, reason=reason)


@GET_POST
@login_required
def update_review(request, pk):
    update = get_object_or_404(
        selectors.updates_visible_to(request.user).select_related("action", "author"), pk=pk
    )
    if not permissions.can_review_updates(request.user):
        raise PermissionDenied("Only OPCC staff review progress updates.")
    form = UpdateReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with refusals_onto(form):
            reviewed = _review_update(
                update,
                by=request.user,
                accept=form.cleaned_data["decision"] == UpdateReviewForm.ACCEPT,
                reason=form.cleaned_data["comment"],
            )
            action = Action.objects.get(pk=reviewed.action_id)
            if reviewed.review_state == ProgressUpdate.Review.ACCEPTED:
                messages.success(
                    request,
                    _("Update on %(ref)s accepted. Next update due %(due)s.")
                    % {"ref": action.reference, "due": _due_text(action.next_update_due)},
                )
            else:
                messages.success(
                    request,
                    _("Update on %(ref)s returned to %(author)s with your reason.")
                    % {"ref": action.reference, "author": update.author},
                )
            from_queue = request.POST.get("from") == "queue"
            return redirect("recommendations:review_queue" if from_queue else action)
    context = {
        "form": form,
        "update": update,
        "action": update.action,
        "files": update.evidence.select_related("uploaded_by").order_by("created_at"),
        "can_review": permissions.can_review_update(request.user, update),
        "from_queue": "queue" in (request.GET.get("from"), request.POST.get("from")),
    }
    status = error_status(form) if form.is_bound else 200
    return render(request, "recommendations/update_review.html", context, status=status)


# --- Two-person closure ---------------------------------------------------------------


@GET_POST
@login_required
def action_propose_completion(request, pk):
    action = _visible_action(request, pk)
    if not permissions.can_propose_completion(request.user, action):
        raise PermissionDenied("Only the action's lead can propose it for completion.")
    form = ProposeCompletionForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        with refusals_onto(form):
            saved = services_progress.action_propose_completion(
                action=action,
                by=request.user,
                completion_evidence=form.cleaned_data["completion_evidence"],
                uploads=form.cleaned_data["files"],
            )
            messages.success(
                request,
                _("%(ref)s proposed for completion. OPCC staff will sign it off or return it.")
                % {"ref": saved.reference},
            )
            return redirect(saved)
    status = error_status(form) if form.is_bound else 200
    context = {"form": form, "action": action}
    return render(request, "recommendations/propose_completion.html", context, status=status)


def _decide_completion(action, *, by, sign_off: bool, reason: str) -> Action:
    if sign_off:
        return services_progress.action_sign_off(action=action, by=by)
    return services_progress.action_return_completion(action=action, by=by, reason=reason)


@GET_POST
@login_required
def action_sign_off(request, pk):
    action = _visible_action(request, pk)
    if not permissions.can_review_updates(request.user):
        raise PermissionDenied("Only OPCC staff sign off completed actions.")
    form = SignOffForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with refusals_onto(form):
            saved = _decide_completion(
                action,
                by=request.user,
                sign_off=form.cleaned_data["decision"] == SignOffForm.SIGN_OFF,
                reason=form.cleaned_data["reason"],
            )
            if saved.status == Action.Status.CLOSED:
                messages.success(
                    request, _("%(ref)s signed off and closed.") % {"ref": saved.reference}
                )
            else:
                messages.success(
                    request,
                    _("%(ref)s returned to the lead with your reason.") % {"ref": saved.reference},
                )
            return redirect(saved)
    updates = plan_pages.action_updates(action)
    context = {
        "form": form,
        "action": action,
        "completion_files": updates.completion_files,
        "last_accepted": updates.last_accepted,
        "can_sign_off": permissions.can_sign_off(request.user, action),
    }
    status = error_status(form) if form.is_bound else 200
    return render(request, "recommendations/sign_off.html", context, status=status)


# --- Evidence -------------------------------------------------------------------------


@require_GET
@login_required
def evidence_download(request, pk):
    evidence = get_object_or_404(selectors.evidence_visible_to(request.user), pk=pk)
    return attachment_response(
        evidence.file, filename=evidence.original_name, content_type=evidence.content_type
    )
