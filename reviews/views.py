"""Pages for deep-dive reviews, follow-ups, samples and investments (namespace "reviews").

Every object is fetched through a `*_visible_to(user)` selector (404 for what the user
cannot see); a person who can see but not change gets 403. Partner leads see no reviews or
investments at all (404), only the follow-ups they own.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from oversight.shared.forms import error_status, refusals_onto
from oversight.shared.uploads import attachment_response, safe_filename
from reviews import services
from reviews.forms import (
    MAX_LINES,
    EvidenceForm,
    FollowUpForm,
    FollowUpUpdateForm,
    InvestmentForm,
    LineFormSet,
    LineOfEnquiryForm,
    ReviewForm,
    SampleForm,
    line_formset_from_rows,
)
from reviews.models import FollowUp, LineOfEnquiry
from reviews.permissions import (
    can_edit_investment,
    can_edit_review,
    can_manage_reviews,
    can_update_follow_up,
)
from reviews.selectors import (
    follow_ups_visible_to,
    investment_detail_for,
    investment_list_for,
    investment_totals,
    investments_visible_to,
    review_detail_for,
    review_evidence_visible_to,
    review_list_for,
    reviews_visible_to,
)

PAGE_SIZE = 25


def _may_see_reviews(user) -> bool:
    return user.is_opcc or user.is_force_user


def _require_staff(user) -> None:
    """Partner leads (who see no reviews) get 404; other non-staff get 403."""
    if not _may_see_reviews(user):
        raise Http404
    if not can_manage_reviews(user):
        raise PermissionDenied


def _url_or_none(name: str, *args) -> str | None:
    """A link to a page in another app, or None when that app is not installed."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


# --- Reviews ---------------------------------------------------------------------------


@require_GET
@login_required
def review_list(request):
    if not _may_see_reviews(request.user):
        raise Http404
    page = Paginator(review_list_for(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "reviews/review_list.html",
        {"page_obj": page, "can_create": can_manage_reviews(request.user)},
    )


@require_GET
@login_required
def review_detail(request, pk):
    review = get_object_or_404(review_detail_for(request.user), pk=pk)
    can_edit = can_edit_review(request.user, review)
    today = timezone.localdate()
    for follow_up in review.follow_ups.all():
        follow_up.can_update = can_update_follow_up(request.user, follow_up)
        follow_up.is_overdue = (
            follow_up.status in FollowUp.OPEN_STATUSES and follow_up.due_on < today
        )
    return render(
        request,
        "reviews/review_detail.html",
        {
            "review": review,
            "can_edit": can_edit,
            "line_form": LineOfEnquiryForm() if can_edit else None,
        },
    )


def _line_rows(data) -> list[dict]:
    """The line-of-enquiry rows as typed, to rebuild the formset without validating it."""
    try:
        total = min(int(data.get("lines-TOTAL_FORMS", 0)), MAX_LINES)
    except ValueError:
        total = 0
    return [
        {
            "question": data.get(f"lines-{i}-question", ""),
            "response": data.get(f"lines-{i}-response", ""),
        }
        for i in range(total)
    ]


def _review_form_page(request, *, review=None):
    """The create and edit pages share this: GET, the no-JavaScript helper buttons
    (“Show the report's priority areas”, “Add another line”) and the save."""
    user = request.user
    creating = review is None
    if request.method == "POST" and ("_refresh" in request.POST or "_add_line" in request.POST):
        # Re-show what was typed with the chosen report's areas (or one more line), unsaved.
        data = request.POST
        initial = {name: data.get(name) for name in ReviewForm.Meta.fields}
        initial["priority_areas"] = data.getlist("priority_areas")
        form = ReviewForm(instance=review, initial=initial, user=user)
        form.initial["version"] = data.get("version", form.initial.get("version"))
        rows = _line_rows(data)
        extra = 1 if "_add_line" in request.POST or not rows else 0
        lines = line_formset_from_rows(rows, extra=extra) if creating else None
        return _render_review_form(request, form, lines, review)
    if request.method == "POST":
        form = ReviewForm(request.POST, instance=review, user=user)
        lines = LineFormSet(request.POST, prefix="lines") if creating else None
        if form.is_valid() and (lines is None or lines.is_valid()):
            with refusals_onto(form):
                if creating:
                    review = services.review_create(
                        by=user, details=form.details(), lines=[f.line() for f in lines.forms]
                    )
                    messages.success(request, _("Deep dive recorded."))
                else:
                    services.review_update(
                        review=review,
                        by=user,
                        details=form.details(),
                        expected_version=form.cleaned_data["version"],
                    )
                    messages.success(request, _("Deep dive saved."))
                return redirect(review)
        return _render_review_form(request, form, lines, review, status=error_status(form))
    initial = {"report": request.GET.get("report")} if request.GET.get("report") else {}
    form = ReviewForm(instance=review, initial=initial, user=user)
    lines = LineFormSet(prefix="lines") if creating else None
    return _render_review_form(request, form, lines, review)


def _render_review_form(request, form, lines, review, *, status=200):
    # With JavaScript, picking a report reloads just the priority areas (the same page,
    # asked for with ?report=); without it, the "Show the report's priority areas" button.
    form.fields["report"].widget.attrs.update(
        {
            "hx-get": request.path,
            "hx-trigger": "change",
            "hx-target": "#priority-areas",
            "hx-select": "#priority-areas",
            "hx-swap": "outerHTML",
        }
    )
    return render(
        request,
        "reviews/review_form.html",
        {"form": form, "lines": lines, "review": review},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@login_required
def review_create(request):
    _require_staff(request.user)
    return _review_form_page(request)


@require_http_methods(["GET", "POST"])
@login_required
def review_edit(request, pk):
    review = get_object_or_404(reviews_visible_to(request.user), pk=pk)
    if not can_edit_review(request.user, review):
        raise PermissionDenied
    return _review_form_page(request, review=review)


# --- Lines of enquiry ------------------------------------------------------------------


def _editable_review(request, pk):
    review = get_object_or_404(reviews_visible_to(request.user), pk=pk)
    if not can_edit_review(request.user, review):
        raise PermissionDenied
    return review


@require_http_methods(["GET", "POST"])
@login_required
def line_add(request, pk):
    """Add a line of enquiry. From the review page it swaps the list in place (htmx);
    without JavaScript it is an ordinary form that returns to the review."""
    review = _editable_review(request, pk)
    form = LineOfEnquiryForm(request.POST or None)
    if request.method != "POST":
        return _render_line_add(request, review, form)
    if form.is_valid():
        with refusals_onto(form):
            services.line_of_enquiry_add(
                review=review,
                by=request.user,
                question=form.cleaned_data["question"],
                response=form.cleaned_data["response"],
            )
            if not request.htmx:
                messages.success(request, _("Line of enquiry added."))
                return redirect(reverse("reviews:review_detail", args=[review.pk]) + "#lines")
            # The list swapped in shows the new line, above an empty form for the next one.
            return _render_line_add(request, review, LineOfEnquiryForm())
    return _render_line_add(request, review, form, status=error_status(form))


def _render_line_add(request, review, form, *, status=200):
    if request.htmx:
        review = get_object_or_404(review_detail_for(request.user), pk=review.pk)
        return render(
            request,
            "reviews/review_detail.html#lines",
            {"review": review, "can_edit": True, "line_form": form},
            status=status,
        )
    return render(
        request,
        "reviews/line_form.html",
        {"review": review, "form": form, "adding": True},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@login_required
def line_edit(request, pk, line_pk):
    review = _editable_review(request, pk)
    line = get_object_or_404(LineOfEnquiry.objects.filter(review=review), pk=line_pk)
    form = LineOfEnquiryForm(request.POST or None, instance=line)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            with refusals_onto(form):
                services.line_of_enquiry_update(
                    line=line,
                    by=request.user,
                    question=form.cleaned_data["question"],
                    response=form.cleaned_data["response"],
                    expected_version=form.cleaned_data["version"],
                )
                messages.success(request, _("Line of enquiry saved."))
                return redirect(reverse("reviews:review_detail", args=[review.pk]) + "#lines")
        status = error_status(form)
    return render(
        request,
        "reviews/line_form.html",
        {"review": review, "form": form, "line": line, "adding": False},
        status=status,
    )


# --- Evidence --------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def evidence_upload(request, pk):
    review = _editable_review(request, pk)
    form = EvidenceForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            with refusals_onto(form):
                evidence = services.review_evidence_add(
                    review=review,
                    by=request.user,
                    upload=form.cleaned_data["file"],
                    title=form.cleaned_data["title"],
                )
                messages.success(request, _("“%(file)s” uploaded.") % {"file": evidence})
                return redirect(reverse("reviews:review_detail", args=[review.pk]) + "#evidence")
        status = error_status(form)
    return render(
        request, "reviews/evidence_form.html", {"review": review, "form": form}, status=status
    )


@require_GET
@login_required
def evidence_download(request, pk):
    evidence = get_object_or_404(review_evidence_visible_to(request.user), pk=pk)
    return attachment_response(
        evidence.file,
        filename=safe_filename(evidence.original_name),
        content_type=evidence.content_type,
    )


# --- Follow-ups ------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def follow_up_create(request, pk):
    review = _editable_review(request, pk)
    form = FollowUpForm(request.POST or None, user=request.user, review=review)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            with refusals_onto(form):
                follow_up = services.follow_up_create(
                    review=review,
                    by=request.user,
                    description=form.cleaned_data["description"],
                    owner=form.cleaned_data["owner"],
                    due_on=form.cleaned_data["due_on"],
                    recommendation=form.cleaned_data.get("recommendation"),
                )
                messages.success(
                    request, _("Follow-up added for %(owner)s.") % {"owner": follow_up.owner}
                )
                return redirect(follow_up)
        status = error_status(form)
    return render(
        request,
        "reviews/follow_up_form.html",
        {"review": review, "form": form, "follow_up": None},
        status=status,
    )


def _visible_follow_up(request, pk):
    return get_object_or_404(
        follow_ups_visible_to(request.user).select_related("review", "owner", "recommendation"),
        pk=pk,
    )


@require_http_methods(["GET", "POST"])
@login_required
def follow_up_edit(request, pk):
    follow_up = _visible_follow_up(request, pk)
    review = follow_up.review
    if not can_edit_review(request.user, review):
        raise PermissionDenied
    form = FollowUpForm(request.POST or None, instance=follow_up, user=request.user, review=review)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            with refusals_onto(form):
                services.follow_up_edit(
                    follow_up=follow_up,
                    by=request.user,
                    expected_version=data["version"],
                    description=data["description"],
                    owner=data["owner"],
                    due_on=data["due_on"],
                    recommendation=data.get("recommendation"),
                    status=data["status"],
                    outcome=data["outcome"],
                )
                messages.success(request, _("Follow-up saved."))
                return redirect(follow_up)
        status = error_status(form)
    return render(
        request,
        "reviews/follow_up_form.html",
        {"review": review, "form": form, "follow_up": follow_up},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@login_required
def follow_up_update(request, pk):
    """The owner's page: status and outcome. Partner leads reach it from "My actions"."""
    follow_up = _visible_follow_up(request, pk)
    if not can_update_follow_up(request.user, follow_up):
        raise PermissionDenied
    review_visible = reviews_visible_to(request.user).filter(pk=follow_up.review_id).exists()
    form = FollowUpUpdateForm(request.POST or None, instance=follow_up)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            with refusals_onto(form):
                services.follow_up_update_status(
                    follow_up=follow_up,
                    by=request.user,
                    status=form.cleaned_data["status"],
                    outcome=form.cleaned_data["outcome"],
                    expected_version=form.cleaned_data["version"],
                )
                messages.success(request, _("Follow-up updated."))
                if review_visible:
                    return redirect(follow_up)
                return redirect(_url_or_none("recommendations:my_actions") or reverse("home"))
        status = error_status(form)
    return render(
        request,
        "reviews/follow_up_update.html",
        {"follow_up": follow_up, "form": form, "review_visible": review_visible},
        status=status,
    )


# --- Samples ---------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def sample_create(request, pk):
    review = _editable_review(request, pk)
    form = SampleForm(request.POST or None, user=request.user, review=review)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            with refusals_onto(form):
                sample = services.action_sample_record(
                    review=review,
                    by=request.user,
                    action=data["action"],
                    verdict=data["verdict"],
                    reason=data["reason"],
                )
                if sample.verdict == sample.Verdict.NOT_EFFECTIVE:
                    messages.warning(
                        request,
                        _(
                            "%(reference)s recorded as not effective and reopened: "
                            "it is back in progress, rated red, with your reason."
                        )
                        % {"reference": sample.action.reference},
                    )
                else:
                    messages.success(
                        request,
                        _("%(reference)s recorded as effective.")
                        % {"reference": sample.action.reference},
                    )
                return redirect(reverse("reviews:review_detail", args=[review.pk]) + "#samples")
        status = error_status(form)
    has_actions = form.is_bound or form.fields["action"].queryset.exists()
    return render(
        request,
        "reviews/sample_form.html",
        {"review": review, "form": form, "has_actions": has_actions},
        status=status,
    )


# --- Investments -----------------------------------------------------------------------


@require_GET
@login_required
def investment_list(request):
    if not _may_see_reviews(request.user):
        raise Http404
    investments = investment_list_for(request.user)
    page = Paginator(investments, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "reviews/investment_list.html",
        {
            "page_obj": page,
            "totals": investment_totals(investments_visible_to(request.user)),
            "can_create": can_manage_reviews(request.user),
        },
    )


@require_GET
@login_required
def investment_detail(request, pk):
    investment = get_object_or_404(investment_detail_for(request.user), pk=pk)
    return render(
        request,
        "reviews/investment_detail.html",
        {"investment": investment, "can_edit": can_edit_investment(request.user, investment)},
    )


def _investment_form_page(request, *, investment=None):
    form = InvestmentForm(request.POST or None, instance=investment, user=request.user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            with refusals_onto(form):
                if investment is None:
                    investment = services.investment_create(by=request.user, details=form.details())
                    messages.success(request, _("Investment recorded."))
                else:
                    services.investment_update(
                        investment=investment,
                        by=request.user,
                        details=form.details(),
                        expected_version=form.cleaned_data["version"],
                    )
                    messages.success(request, _("Investment saved."))
                return redirect(investment)
        status = error_status(form)
    return render(
        request,
        "reviews/investment_form.html",
        {"form": form, "investment": investment},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@login_required
def investment_create(request):
    _require_staff(request.user)
    return _investment_form_page(request)


@require_http_methods(["GET", "POST"])
@login_required
def investment_edit(request, pk):
    investment = get_object_or_404(investments_visible_to(request.user), pk=pk)
    if not can_edit_investment(request.user, investment):
        raise PermissionDenied
    return _investment_form_page(request, investment=investment)
