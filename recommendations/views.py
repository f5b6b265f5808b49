"""OPCC pages for recommendations: the dashboard, the register (and its CSV), the report
page, the recommendation page with its status moves, editing, and pasting several.

Every object is fetched through a `*_visible_to(user)` selector (404 for what the user
cannot see). Only OPCC staff change OPCC records (403 for anyone else who can see them);
a force plan owner may also propose a recommendation for closure.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from oversight.selectors import reports_visible_to
from oversight.shared import pagecache
from oversight.shared.forms import error_status, refusals_onto
from oversight.shared.lookups import one_or_404
from oversight.shared.panels import panels_for
from oversight.shared.urls import url_pattern
from recommendations import charts, services
from recommendations.dashboard import dashboard_for
from recommendations.dashboard_rows import DashboardListWriter
from recommendations.filters import REGISTER_SORTS, RecommendationFilter
from recommendations.forms import (
    CarryForwardForm,
    InspectorateStatusForm,
    PasteConfirmForm,
    PasteForm,
    RecommendationForm,
    TransitionForm,
)
from recommendations.forms_bulk import BULK_FORM_ID, BulkPanelForm
from recommendations.history import recommendation_history
from recommendations.models import Action, Recommendation
from recommendations.paste_import import parse_recommendations
from recommendations.permissions import (
    can_bulk_update_recommendations,
    can_carry_forward,
    can_record_inspectorate_status,
)
from recommendations.rag import rag_label
from recommendations.recommendation_actions import RecommendationActionWriter
from recommendations.recommendation_page import read_listed, recommendation_detail_queryset
from recommendations.register import (
    REGISTER_PER_PAGE,
    recommendation_register,
    register_page,
    register_row_details,
)
from recommendations.register_as_at import register_rows_as_at
from recommendations.register_csv import (
    CHUNK_SIZE,
    export_filename,
    register_csv_from_rows,
    register_csv_lines,
)
from recommendations.register_rows import RegisterRowWriter
from recommendations.report_page import report_page
from recommendations.report_rows import ReportRowWriter
from recommendations.selectors import (
    carried_forward_into,
    inspectorate_log_for,
    recommendations_visible_to,
    transition_candidates,
)

# The register's "Sort by" list (the column headings sort too, on wider screens).
SORT_CHOICES = [
    ("report", gettext_lazy("Newest report first")),
    ("due", gettext_lazy("Due date, soonest first")),
    ("rag", gettext_lazy("RAG, worst first")),
    ("status", gettext_lazy("Status, open first")),
    ("reference", gettext_lazy("Reference")),
    ("force", gettext_lazy("Force")),
    ("timescale", gettext_lazy("Timescale, shortest first")),
]


def _require_opcc_staff(user) -> None:
    if not user.is_opcc_staff:
        raise PermissionDenied("Only OPCC staff change recommendations.")


def _form_values(form) -> dict:
    return {name: value for name, value in form.cleaned_data.items() if name != "version"}


# --- Dashboard ------------------------------------------------------------------------


@login_required
@require_GET
def dashboard(request):
    if not request.user.is_opcc:
        raise PermissionDenied("The dashboard is for OPCC staff and read-only panel members.")
    body = pagecache.cached_body(request, "dashboard", lambda: _dashboard_body(request))
    return render(request, "recommendations/dashboard.html", {"body": body})


# The dashboard's chart by priority area shows one breakdown at a time (?by=…), each
# breakdown a page of its own (cached apart: the query string is in the key).
DASHBOARD_BREAKDOWNS = {
    "rag": (gettext_lazy("RAG of recommendations by priority area"), charts.RAG_SERIES),
    "status": (gettext_lazy("Status of recommendations by priority area"), charts.STATUS_SERIES),
    "kind": (
        gettext_lazy("Recommendations and areas for improvement by priority area"),
        charts.KIND_SERIES,
    ),
}


def squeezed(text: str | bytes) -> str | bytes:
    r"""The text with each run of blank space that crosses a line break written as one line
    break: what re.sub(r"\s*\n\s*", "\n", text) gives, in an eighth of its time (that
    pattern tries every space of a page as the start of a run: 0.9 ms for the dashboard's
    body). For a page with no <pre> or <textarea>."""
    newline = "\n" if isinstance(text, str) else b"\n"
    lines = text.split(newline)
    if len(lines) == 1:
        return text
    kept = [lines[0].rstrip()]
    kept.extend(stripped for line in lines[1:-1] if (stripped := line.strip()))
    kept.append(lines[-1].lstrip())
    return newline.join(kept)


def _dashboard_lists(data) -> dict[str, str]:
    """The lists' rows, written out in Python (recommendations.dashboard_rows)."""
    writer, queue = DashboardListWriter(), data.review_queue
    return {
        "awaiting_sign_off": writer.awaiting_sign_off(data.awaiting_sign_off),
        "overdue_updates": writer.overdue_updates(data.overdue_updates),
        "due_soon": writer.due_soon(data.due_soon),
        "returned_updates": writer.returned_updates(data.returned_updates),
        "review_updates": writer.review_updates(queue["updates"] if queue else []),
        "review_completions": writer.review_completions(queue["completions"] if queue else []),
    }


def _dashboard_body(request) -> str:
    data = dashboard_for(request.user)
    breakdown = request.GET.get("by")
    if breakdown not in DASHBOARD_BREAKDOWNS:
        breakdown = "rag"
    title, series = DASHBOARD_BREAKDOWNS[breakdown]
    reports = {counts.report for counts in data.areas if counts.report}
    # With one report, naming it once above the charts says more than on every bar.
    single_report = reports.pop() if len(reports) == 1 else None
    rows = []
    # Each area's place on its report's page, as PriorityArea.get_absolute_url() gives it,
    # from one reverse() rather than one a bar.
    report_url = url_pattern("recommendations:report_detail")
    for counts in data.areas:
        label = counts.area.title if counts.area else _("Not in a priority area")
        sublabel = str(counts.report) if counts.report and not single_report else ""
        area = counts.area
        url = f"{report_url % area.report_id}#area-{area.pk}" if area else ""
        by = {"rag": counts.by_rag, "status": counts.by_status, "kind": counts.by_kind}
        rows.append(charts.ChartRow(label, sublabel, url, by[breakdown]))
    area_chart = charts.stacked_bar_chart(title=title, id=breakdown, series=series, rows=rows)
    body = render_to_string(
        "recommendations/_dashboard_body.html",
        {
            "data": data,
            "trend_chart": charts.trend_chart_html(
                charts.trend_bar_chart(
                    id="trend-counts",
                    title=_("Recommendations added, closed and open, by quarter"),
                    rows=data.trends,
                )
            ),
            "overdue_trend_chart": charts.trend_chart_html(
                charts.trend_share_chart(
                    id="trend-overdue",
                    title=_("Share of open recommendations overdue at quarter end"),
                    rows=data.trends,
                    share="overdue_share",
                )
            ),
            "area_chart": area_chart,
            "chart_patterns": charts.series_patterns_html([*series, *charts.TREND_SERIES]),
            "area_bars": charts.bars_html(area_chart),
            "breakdown": breakdown,
            "single_report": single_report,
            "lists": _dashboard_lists(data),
            "panels": panels_for("dashboard", user=request.user),
        },
        request,
    )
    # The template's indentation is a tenth of the page: a run of blank space across lines
    # reads the same as one line break (the body has no <pre> or <textarea>).
    return mark_safe(squeezed(body))  # noqa: S308 (the template's output)


# --- Register -------------------------------------------------------------------------


def _register(request):
    """The filter, the applied sort key and the filtered, sorted recommendations."""
    register_filter = _register_filter(request)
    return register_filter, register_filter.sort_key, register_filter.qs


def _register_filter(request) -> RecommendationFilter:
    return RecommendationFilter(
        request.GET or None,
        queryset=recommendation_register(request.user),
        user=request.user,
    )


def _sort_links(sort_key: str) -> dict[str, dict]:
    """For each sortable column: the sort a click applies and its aria-sort state."""
    links = {}
    for key in REGISTER_SORTS:
        if sort_key == key:
            links[key] = {"next": f"-{key}", "aria": "ascending"}
        elif sort_key == f"-{key}":
            links[key] = {"next": key, "aria": "descending"}
        else:
            links[key] = {"next": key, "aria": ""}
    return links


@login_required
@require_GET
def register(request):
    def body() -> str:
        register_filter = _register_filter(request)
        sort_key, as_at = register_filter.sort_key, register_filter.as_at_day
        if as_at:
            # Rebuilt from the change history: every row is worked out, the page cut after.
            as_at_rows = register_rows_as_at(
                request.user,
                as_at=as_at,
                chosen=register_filter.form.cleaned_data,
                sort_key=sort_key,
            )
            page = Paginator(as_at_rows, REGISTER_PER_PAGE).get_page(request.GET.get("page"))
            rows = list(page.object_list)
        else:
            page = register_page(
                request.user,
                lambda: register_filter.qs,
                register_filter.chosen_key,
                request.GET.get("page"),
            )
            rows = register_row_details(request.user, list(page.object_list))
        # Bulk changes apply to the register as it stands, never to a past day's.
        bulk_form = (
            BulkPanelForm(form_id=BULK_FORM_ID, initial={"return_query": request.GET.urlencode()})
            if rows and not as_at and can_bulk_update_recommendations(request.user)
            else None
        )
        writer = RegisterRowWriter(
            bulk_form_id=bulk_form.form_id if bulk_form else None,
            with_force=len(register_filter.forces) > 1 and not register_filter.chosen_force,
        )
        context = {
            "filter": register_filter,
            "page_obj": page,
            "rows": rows,
            "rows_html": writer.rows(rows),
            "as_at": as_at,
            "bulk_form": bulk_form,
            "sort": _sort_links(sort_key),
            "sort_key": sort_key,
            "sort_choices": SORT_CHOICES,
            "filtered": any(
                value
                for name, value in request.GET.items()
                if name not in {"page", "sort", "as_at"}
            ),
        }
        body = render_to_string("recommendations/_register_body.html", context, request)
        # As the dashboard's: a run of blank space across lines reads as one line break.
        return mark_safe(squeezed(body))  # noqa: S308 (the template's output)

    if _as_at_refused(request):
        # A refused day is shown next to the field, over the register as it is now.
        return render(request, "recommendations/register.html", {"body": body()}, status=400)
    body_html = pagecache.cached_body(request, "register", body)
    response = render(
        request,
        "recommendations/register.html",
        {
            "body": body_html,
            "bulk_form_id": BULK_FORM_ID if can_bulk_update_recommendations(request.user) else None,
        },
    )
    # The page around the body too (the navigation's indentation): it has no <pre> or
    # <textarea> either; the bulk update's note arrives with its fields.
    response.content = squeezed(response.content)
    return response


def _as_at_refused(request) -> bool:
    if not request.GET.get("as_at"):
        return False
    register_filter = RecommendationFilter(
        request.GET, queryset=Recommendation.objects.none(), user=request.user
    )
    return register_filter.as_at_refused


@login_required
@require_GET
def register_area_options(request):
    """The register filter's priority-area <option>s for the report chosen, swapped in by
    htmx as soon as a report is picked."""
    register_filter = RecommendationFilter(
        {"report": request.GET.get("report", "")},
        queryset=Recommendation.objects.none(),
        user=request.user,
    )
    return HttpResponse(register_filter.priority_area_options())


@login_required
@require_GET
def register_csv(request):
    register_filter, sort_key, recommendations = _register(request)
    if register_filter.as_at_refused:
        return HttpResponse(
            " ".join(register_filter.form.errors["as_at"]),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    as_at = register_filter.as_at_day
    if as_at:
        rows = register_rows_as_at(
            request.user, as_at=as_at, chosen=register_filter.form.cleaned_data, sort_key=sort_key
        )
        lines = register_csv_from_rows(
            [rows[i : i + CHUNK_SIZE] for i in range(0, len(rows), CHUNK_SIZE)]
        )
    else:
        lines = register_csv_lines(request.user, recommendations)
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    filename = export_filename(timezone.localdate(), as_at=as_at)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- Report page ----------------------------------------------------------------------


@login_required
@require_GET
def report_detail(request, pk: int):
    page = report_page(request.user, pk)
    if page is None:
        raise Http404("No report found.")
    can_change = request.user.is_opcc_staff
    return render(
        request,
        "recommendations/report_detail.html",
        {
            "page": page,
            "report": page.report,
            "recommendation_rows": ReportRowWriter(can_change=can_change).rows(
                page.recommendations
            ),
            "can_change": can_change,
            "panels": panels_for("report_detail", user=request.user, obj=page.report),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def recommendation_create(request, pk: int):
    report = get_object_or_404(reports_visible_to(request.user), pk=pk)
    _require_opcc_staff(request.user)
    form = RecommendationForm(
        request.POST or None, instance=Recommendation(report=report), report=report
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            with refusals_onto(form):
                created = services.recommendation_create(
                    report=report, by=request.user, fields=_form_values(form)
                )
                messages.success(request, _("%(ref)s added.") % {"ref": created.reference})
                return redirect(f"{report.get_absolute_url()}#section-recommendations")
        status = error_status(form)
    context = {
        "report": report,
        "form": form,
        "section": "recommendations",
        "title": _("Add a recommendation"),
        "action": request.get_full_path(),
    }
    if request.htmx:
        response = render(request, "oversight/_part_form.html", context, status=status)
        if status != 200:
            response["HX-Retarget"] = "#form-slot-recommendations"
            response["HX-Reselect"] = "#form-slot-recommendations"
            response["HX-Reswap"] = "outerHTML"
        return response
    return render(request, "oversight/part_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def recommendation_paste(request, pk: int):
    """Step 1: paste. Step 2 (POST step=preview): what was read, to check and adjust.
    Step 3 (POST step=confirm): save them all, or none."""
    report = get_object_or_404(reports_visible_to(request.user).select_related("force"), pk=pk)
    _require_opcc_staff(request.user)
    step = request.POST.get("step", "paste") if request.method == "POST" else "paste"
    paste_form = PasteForm(
        request.POST if step in {"preview", "confirm"} else None,
        report=report,
        initial=(
            {
                "text": request.POST.get("text", ""),
                "priority_areas": request.POST.getlist("priority_areas"),
            }
            if step == "edit"
            else None
        ),
    )
    context = {"report": report, "paste_form": paste_form}
    if step in {"preview", "confirm"}:
        if not paste_form.is_valid():
            return render(request, "recommendations/paste.html", context, status=400)
        existing = {
            reference.upper()
            for reference in report.recommendations.values_list("reference", flat=True)
        }
        parsed = parse_recommendations(
            paste_form.cleaned_data["text"], existing_references=existing
        )
        context["parsed"] = parsed
        if not parsed.ok:
            for error in parsed.errors:
                paste_form.add_error("text", error)
            return render(request, "recommendations/paste.html", context, status=400)
        confirm_form = PasteConfirmForm(
            request.POST if step == "confirm" else None,
            report=report,
            items=parsed.items,
            default_areas=paste_form.cleaned_data["priority_areas"],
        )
        context["confirm_form"] = confirm_form
        if step == "confirm":
            if confirm_form.is_valid():
                with refusals_onto(confirm_form):
                    created = services.recommendations_create_many(
                        report=report, by=request.user, rows=confirm_form.recommendation_values()
                    )
                    messages.success(
                        request,
                        ngettext(
                            "%(count)s recommendation added: %(refs)s.",
                            "%(count)s recommendations added: %(refs)s.",
                            len(created),
                        )
                        % {"count": len(created), "refs": ", ".join(r.reference for r in created)},
                    )
                    return redirect(f"{report.get_absolute_url()}#section-recommendations")
            return render(request, "recommendations/paste_preview.html", context, status=400)
        return render(request, "recommendations/paste_preview.html", context)
    return render(request, "recommendations/paste.html", context)


# --- Recommendation page --------------------------------------------------------------


def _detail_context(
    request,
    recommendation,
    *,
    bound_form: TransitionForm | None = None,
    inspectorate_form: InspectorateStatusForm | None = None,
    carry_form: CarryForwardForm | None = None,
):
    user = request.user
    read_listed(user, recommendation)
    if carry_form is None and can_carry_forward(user, recommendation):
        carry_form = CarryForwardForm(user=user, afi=recommendation)
    transitions = services.recommendation_transitions_for(recommendation=recommendation, user=user)
    candidates = (
        transition_candidates(user, recommendation)
        if any(t.needs in ("superseded_by", "covered_by") for t in transitions)
        else None
    )
    forms = []
    blocked = None
    for transition in transitions:
        if bound_form is not None and bound_form.transition == transition:
            form = bound_form
        else:
            form = TransitionForm(
                transition=transition,
                recommendation=recommendation,
                user=user,
                candidates=candidates,
            )
        if transition.to_status == Recommendation.Status.PROPOSED_FOR_CLOSURE:
            # Whoever may propose (OPCC staff, the force's plan owner) sees every action of
            # the recommendation, so the prefetched ones are all of them.
            unfinished = [
                a
                for a in recommendation.visible_actions
                if a.status not in Action.FINISHED_STATUSES
            ]
            if unfinished:
                blocked = {"transition": transition, "actions": unfinished}
                continue
        forms.append(form)
    return {
        "recommendation": recommendation,
        "rag_label": rag_label(recommendation.rag),
        "actions": recommendation.visible_actions,
        "action_cards": RecommendationActionWriter().actions(recommendation.visible_actions),
        "transition_forms": forms,
        "proposal_blocked": blocked,
        "can_edit": user.is_opcc_staff,
        "history": recommendation_history(
            recommendation,
            held=[recommendation.closure_proposed_by, recommendation.signed_off_by],
        ),
        "inspectorate_log": (
            inspectorate_log_for(user, recommendation)
            if recommendation.report.is_inspection and recommendation.inspectorate_log_any
            else []
        ),
        "carried_forward_to": carried_forward_into(user, recommendation),
        "inspectorate_form": inspectorate_form
        or (
            InspectorateStatusForm()
            if can_record_inspectorate_status(user) and recommendation.report.is_inspection
            else None
        ),
        "carry_form": carry_form,
        "carry_targets_exist": bool(carry_form and carry_form.fields["report"].queryset.exists()),
        "panels": panels_for("recommendation_detail", user=user, obj=recommendation),
    }


@login_required
@require_GET
def recommendation_detail(request, pk: int):
    recommendation = one_or_404(recommendation_detail_queryset(request.user), pk=pk)
    return render(
        request,
        "recommendations/recommendation_detail.html",
        _detail_context(request, recommendation),
    )


@login_required
@require_POST
def recommendation_transition(request, pk: int):
    recommendation = one_or_404(recommendation_detail_queryset(request.user), pk=pk)
    to_status = request.POST.get("to_status", "")
    transition = next(
        (
            t
            for t in services.recommendation_transitions_for(
                recommendation=recommendation, user=request.user
            )
            if t.to_status == to_status
        ),
        None,
    )
    if transition is None:
        if not services.recommendation_may_move(recommendation=recommendation, user=request.user):
            raise PermissionDenied("You may not change this recommendation's status.")
        messages.error(
            request,
            _(
                "%(ref)s is %(status)s: that change is no longer possible. Its current status "
                "is shown below."
            )
            % {
                "ref": recommendation.reference,
                "status": recommendation.get_status_display().lower(),
            },
        )
        return redirect(recommendation)
    form = TransitionForm(
        request.POST, transition=transition, recommendation=recommendation, user=request.user
    )
    if form.is_valid():
        with refusals_onto(form):
            moved = services.recommendation_transition(
                recommendation=recommendation,
                to_status=transition.to_status,
                by=request.user,
                reason=form.cleaned_data.get("reason", ""),
                superseded_by=form.cleaned_data.get("superseded_by"),
                covered_by=form.cleaned_data.get("covered_by"),
            )
            messages.success(
                request,
                _("%(ref)s is now %(status)s.")
                % {"ref": moved.reference, "status": moved.get_status_display().lower()},
            )
            return redirect(moved)
    return render(
        request,
        "recommendations/recommendation_detail.html",
        _detail_context(request, recommendation, bound_form=form),
        status=400,
    )


@login_required
@require_POST
def recommendation_inspectorate_status(request, pk: int):
    """Log a change of the inspectorate's status from the recommendation page."""
    recommendation = one_or_404(recommendation_detail_queryset(request.user), pk=pk)
    if not can_record_inspectorate_status(request.user):
        raise PermissionDenied("Only OPCC staff record the inspectorate's status.")
    form = InspectorateStatusForm(request.POST)
    if form.is_valid():
        with refusals_onto(form):
            change = services.inspectorate_status_record(
                recommendation=recommendation, by=request.user, **form.cleaned_data
            )
            messages.success(
                request,
                _("HMICFRS's status for %(ref)s recorded: %(status)s on %(date)s.")
                % {
                    "ref": recommendation.reference,
                    "status": change.get_status_display().lower(),
                    "date": date_format(change.changed_on, "j F Y"),
                },
            )
            return redirect(f"{recommendation.get_absolute_url()}#inspectorate-heading")
    context = _detail_context(request, recommendation, inspectorate_form=form)
    context["form"] = form  # the form this request was about, as every form view names it
    return render(request, "recommendations/recommendation_detail.html", context, status=400)


@login_required
@require_POST
def recommendation_carry_forward(request, pk: int):
    """Carry an area for improvement into a later inspection of the same force."""
    recommendation = one_or_404(recommendation_detail_queryset(request.user), pk=pk)
    if not can_carry_forward(request.user, recommendation):
        raise PermissionDenied("Only OPCC staff carry an area for improvement forward.")
    form = CarryForwardForm(request.POST, user=request.user, afi=recommendation)
    if form.is_valid():
        with refusals_onto(form):
            carried = services.afi_carry_forward(
                afi=recommendation,
                to_report=form.cleaned_data["report"],
                by=request.user,
                reference=form.cleaned_data["reference"],
            )
            messages.success(
                request,
                _("%(ref)s carried forward into %(report)s as %(new_ref)s.")
                % {
                    "ref": recommendation.reference,
                    "report": carried.report,
                    "new_ref": carried.reference,
                },
            )
            return redirect(carried)
    context = _detail_context(request, recommendation, carry_form=form)
    context["form"] = form
    return render(request, "recommendations/recommendation_detail.html", context, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def recommendation_edit(request, pk: int):
    recommendation = get_object_or_404(
        recommendations_visible_to(request.user).select_related("report__force"),
        pk=pk,
    )
    _require_opcc_staff(request.user)
    form = RecommendationForm(
        request.POST or None, instance=recommendation, report=recommendation.report
    )
    if request.method == "POST" and form.is_valid():
        with refusals_onto(form):
            saved = services.recommendation_update(
                recommendation=recommendation,
                by=request.user,
                fields=_form_values(form),
                version=form.cleaned_data["version"],
            )
            messages.success(request, _("%(ref)s saved.") % {"ref": saved.reference})
            return redirect(saved)
    status = error_status(form) if request.method == "POST" else 200
    return render(
        request,
        "recommendations/recommendation_form.html",
        {"form": form, "recommendation": recommendation},
        status=status,
    )
