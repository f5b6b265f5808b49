"""Handing a leaver's actions and plans to someone else: the buttons of the panel on a
person's page (recommendations.panels). POST only.

An action or plan is fetched through a `*_visible_to(user)` selector (404 for what the user
cannot see); handing it over needs the force's plan owner or an office administrator
looking after the person who holds it (403). A refusal shows what the person leaves again,
with the reason, and saves nothing (400).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from oversight.accounts.selectors import people_administered_by
from oversight.models import User
from oversight.shared.forms import refusals_onto
from recommendations import services_handover
from recommendations.forms_handover import (
    ActionReassignForm,
    ActionsHandOverForm,
    PlanReassignForm,
)
from recommendations.handover import (
    ACTION_ROLES,
    action_holders_visible_to,
    actions_for_handover,
    administers_person,
    live_actions_held_by,
    may_reassign_plan,
    plans_for_handover,
    reassignable_roles,
)
from recommendations.panels import person_panel
from recommendations.permissions import can_reassign_action


def person_page(request, person: User | None) -> str | None:
    """The person's page, for an administrator looking after them (the follow-up hand-over
    in reviews uses it too)."""
    if person is None or not administers_person(request.user, person):
        return None
    return reverse("accounts:person_detail", args=[person.pk])


def handover_refused(
    request,
    form,
    *,
    holder: User | None,
    back: str,
    panel=person_panel,
    panel_template: str = "recommendations/_panel_person.html",
):
    """Nothing was saved: the reason, and what the person leaves (with the controls) again.
    Reviews passes its own follow-up panel."""
    context = {
        "form": form,
        "holder": holder,
        "panel": panel(user=request.user, obj=holder) if holder else None,
        "panel_template": panel_template,
        "back": back,
    }
    return render(request, "recommendations/handover_refused.html", context, status=400)


@require_POST
@login_required
def action_reassign(request, pk):
    action = get_object_or_404(actions_for_handover(request.user), pk=pk)
    if not reassignable_roles(request.user, action):
        raise PermissionDenied(
            "Only the force's plan owner, or an office administrator looking after the person "
            "holding the role, can hand this action over."
        )
    form = ActionReassignForm(request.POST, user=request.user)
    if form.is_valid():
        field, person = form.cleaned_data["field"], form.cleaned_data["person"]
        was = getattr(action, field)
        with refusals_onto(form):
            saved = services_handover.action_reassign(
                action=action,
                field=field,
                person=person,
                by=request.user,
                expected_holder_id=form.cleaned_data["was"],
            )
            values = {"ref": saved.reference, "role": ACTION_ROLES[field], "person": person}
            if was:
                done = _("%(ref)s's %(role)s is now %(person)s (was %(was)s).") % {
                    **values,
                    "was": was,
                }
            else:
                done = _("%(ref)s's %(role)s is now %(person)s.") % values
            messages.success(request, done)
            return redirect(person_page(request, was) or saved.get_absolute_url())
    field = request.POST.get("field")
    holder = getattr(action, field) if field in ACTION_ROLES else None
    back = person_page(request, holder) or action.get_absolute_url()
    return handover_refused(request, form, holder=holder, back=back)


@require_POST
@login_required
def plan_reassign(request, pk):
    plan = get_object_or_404(plans_for_handover(request.user), pk=pk)
    if not may_reassign_plan(request.user, plan):
        raise PermissionDenied(
            "Only the force's plan owner, or an office administrator looking after the plan's "
            "owner, can hand the plan over."
        )
    was = plan.owner
    form = PlanReassignForm(request.POST, user=request.user)
    if form.is_valid():
        person = form.cleaned_data["person"]
        with refusals_onto(form):
            saved = services_handover.action_plan_reassign(
                plan=plan,
                person=person,
                by=request.user,
                expected_holder_id=form.cleaned_data["was"],
            )
            messages.success(
                request,
                _("%(plan)s is now owned by %(person)s (was %(was)s).")
                % {"plan": saved, "person": person, "was": was},
            )
            return redirect(person_page(request, was) or saved.get_absolute_url())
    back = person_page(request, was) or plan.get_absolute_url()
    return handover_refused(request, form, holder=was, back=back)


@require_POST
@login_required
def actions_hand_over(request, pk):
    """All of a person's live actions, as many as the user may hand over, to one person."""
    holder = get_object_or_404(
        User.objects.filter(
            Q(pk__in=action_holders_visible_to(request.user).values("pk"))
            | Q(pk__in=people_administered_by(request.user).values("pk"))
        ),
        pk=pk,
    )
    looks_after = administers_person(request.user, holder)
    if not any(
        can_reassign_action(request.user, action, administers_holder=looks_after)
        for action in live_actions_held_by(request.user, holder)
    ):
        raise PermissionDenied(
            f"Only the force's plan owner, or an office administrator looking after {holder}, "
            f"can hand over {holder}'s actions."
        )
    form = ActionsHandOverForm(request.POST, user=request.user)
    if form.is_valid():
        person = form.cleaned_data["person"]
        with refusals_onto(form):
            changed = services_handover.actions_hand_over(
                holder=holder, person=person, by=request.user
            )
            messages.success(
                request,
                ngettext(
                    "%(count)s action handed from %(holder)s to %(person)s.",
                    "%(count)s actions handed from %(holder)s to %(person)s.",
                    len(changed),
                )
                % {"count": len(changed), "holder": holder, "person": person},
            )
            return redirect(person_page(request, holder) or changed[0].plan.get_absolute_url())
    back = person_page(request, holder) or reverse("recommendations:my_actions")
    return handover_refused(request, form, holder=holder, back=back)
