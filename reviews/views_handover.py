"""Handing a leaver's open follow-ups to someone else: the buttons of the follow-up panel
on a person's page (reviews.panels). POST only.

A follow-up is fetched through follow_ups_visible_to (404 for what the user cannot see);
handing it over needs OPCC staff of the reviewing office (403). A refusal shows the
person's follow-ups again, with the reason, and saves nothing (400).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from oversight.accounts.selectors import people_administered_by
from oversight.models import User
from oversight.shared.forms import refusals_onto
from recommendations.views_handover import handover_refused, person_page
from reviews import services_handover
from reviews.forms_handover import FollowUpReassignForm, FollowUpsHandOverForm
from reviews.handover import (
    follow_up_owners_visible_to,
    follow_ups_for_handover,
    open_follow_ups_of,
)
from reviews.panels import person_panel
from reviews.permissions import can_reassign_follow_up

NOT_ALLOWED = gettext_lazy(
    "Only OPCC staff of the reviewing office can hand over an open follow-up."
)


@require_POST
@login_required
def follow_up_reassign(request, pk):
    follow_up = get_object_or_404(follow_ups_for_handover(request.user), pk=pk)
    if not can_reassign_follow_up(request.user, follow_up):
        raise PermissionDenied(NOT_ALLOWED)
    was = follow_up.owner
    form = FollowUpReassignForm(request.POST, user=request.user)
    if form.is_valid():
        person = form.cleaned_data["person"]
        with refusals_onto(form):
            saved = services_handover.follow_up_reassign(
                follow_up=follow_up,
                person=person,
                by=request.user,
                expected_holder_id=form.cleaned_data["was"],
            )
            messages.success(
                request,
                _("The follow-up is now %(person)s's (was %(was)s's).")
                % {"person": person, "was": was},
            )
            return redirect(person_page(request, was) or saved.get_absolute_url())
    back = person_page(request, was) or follow_up.get_absolute_url()
    return handover_refused(
        request,
        form,
        holder=was,
        back=back,
        panel=person_panel,
        panel_template="reviews/_panel_person.html",
    )


@require_POST
@login_required
def follow_ups_hand_over(request, pk):
    """All of a person's open follow-ups the user may hand over, to one person."""
    holder = get_object_or_404(
        User.objects.filter(
            Q(pk__in=follow_up_owners_visible_to(request.user).values("pk"))
            | Q(pk__in=people_administered_by(request.user).values("pk"))
        ),
        pk=pk,
    )
    if not any(
        can_reassign_follow_up(request.user, f) for f in open_follow_ups_of(request.user, holder)
    ):
        raise PermissionDenied(NOT_ALLOWED)
    form = FollowUpsHandOverForm(request.POST, user=request.user)
    if form.is_valid():
        person = form.cleaned_data["person"]
        with refusals_onto(form):
            changed = services_handover.follow_ups_hand_over(
                holder=holder, person=person, by=request.user
            )
            messages.success(
                request,
                ngettext(
                    "%(count)d follow-up handed from %(holder)s to %(person)s.",
                    "%(count)d follow-ups handed from %(holder)s to %(person)s.",
                    len(changed),
                )
                % {"count": len(changed), "holder": holder, "person": person},
            )
            return redirect(person_page(request, holder) or changed[0].get_absolute_url())
    back = person_page(request, holder) or reverse("reviews:review_list")
    return handover_refused(
        request,
        form,
        holder=holder,
        back=back,
        panel=person_panel,
        panel_template="reviews/_panel_person.html",
    )
