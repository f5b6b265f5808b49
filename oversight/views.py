from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from oversight import forms as oversight_forms
from oversight import services
from oversight.filters import ReportFilter
from oversight.models import CauseOfConcern, Finding, Judgement, PriorityArea
from oversight.selectors import report_deadlines, report_list_for, reports_visible_to
from oversight.shared import health
from oversight.shared.file_types import extension_of
from oversight.shared.forms import error_status, refusals_onto
from oversight.shared.uploads import attachment_response, safe_filename


@require_GET
def favicon(request):
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))


@require_GET
@never_cache
def healthz(request):
    state = {"database": health.database_state(), "broker": health.broker_state()}
    status = 200 if state["database"] == "ok" else 503
    return JsonResponse(state, status=status)


class SignOutView(auth_views.LogoutView):
    """Signing out is a POST, so no link or image on another page can sign anyone out.
    Opening the address in the browser asks to confirm, with the button, instead of a 405."""

    http_method_names = ["get", "post", "options"]

    def get(self, request, *args, **kwargs):
        return render(request, "account/logout.html")


@require_GET
@login_required
def home(request):
    if request.user.is_opcc:
        return redirect("recommendations:dashboard")
    if request.user.is_force_user or request.user.is_partner:
        return redirect("recommendations:my_actions")
    reports = reports_visible_to(request.user).select_related("force").order_by("-published_on")
    return render(request, "oversight/home.html", {"reports": reports[:20]})


# --- Reports and what the OPCC logs against them --------------------------------------
# Only OPCC staff change these records: others who can see the report get 403, those who
# cannot see it 404. The inline forms on the report page post here; an htmx request gets
# the form fragment back (with errors) or follows the redirect to the report page and
# swaps in the section it changed.

REPORTS_PER_PAGE = 25


def _require_opcc_staff(user) -> None:
    if not user.is_opcc_staff:
        raise PermissionDenied(
            _("Only OPCC staff change inspection reports and what they contain.")
        )


def _form_values(form) -> dict:
    return {name: value for name, value in form.cleaned_data.items() if name != "version"}


@login_required
@require_GET
def report_list(request):
    reports = report_list_for(request.user)
    report_filter = ReportFilter(request.GET, queryset=reports, user=request.user)
    page = Paginator(report_filter.qs, REPORTS_PER_PAGE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    rows = []
    for report in page.object_list:
        deadlines = report_deadlines(report, today=today)
        rows.append(
            {
                "report": report,
                "statutory": next((d for d in deadlines if d.is_statutory), None),
                "action_plan": next(d for d in deadlines if d.what == "Force action plan"),
            }
        )
    return render(
        request,
        "oversight/report_list.html",
        {
            "filter": report_filter,
            "page_obj": page,
            "rows": rows,
            "can_create": request.user.is_opcc_staff,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def report_create(request):
    _require_opcc_staff(request.user)
    form = oversight_forms.ReportForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        with refusals_onto(form):
            return redirect(services.report_create(by=request.user, fields=_form_values(form)))
    return _render_report_form(request, form, report=None)


@login_required
@require_http_methods(["GET", "POST"])
def report_edit(request, pk: int):
    report = get_object_or_404(reports_visible_to(request.user), pk=pk)
    _require_opcc_staff(request.user)
    form = oversight_forms.ReportForm(request.POST or None, instance=report, user=request.user)
    if request.method == "POST" and form.is_valid():
        with refusals_onto(form):
            saved = services.report_update(
                report=report,
                by=request.user,
                fields=_form_values(form),
                version=form.cleaned_data["version"],
            )
            return redirect(saved)
    return _render_report_form(request, form, report=report)


def _render_report_form(request, form, *, report, file_form=None, status=None):
    if status is None:
        status = error_status(form) if request.method == "POST" else 200
    if report is not None and file_form is None:
        file_form = oversight_forms.ReportFileForm()
    return render(
        request,
        "oversight/report_form.html",
        {"form": form, "report": report, "file_form": file_form},
        status=status,
    )


# The report's own PDF: attached from the edit page (a form of its own, posted here), and
# downloaded by whoever may see the report.


@login_required
@require_POST
def report_file_upload(request, pk: int):
    report = get_object_or_404(reports_visible_to(request.user), pk=pk)
    _require_opcc_staff(request.user)
    file_form = oversight_forms.ReportFileForm(request.POST, request.FILES)
    if file_form.is_valid():
        with refusals_onto(file_form):
            services.report_file_attach(
                report=report, by=request.user, upload=file_form.cleaned_data["file"]
            )
            messages.success(request, _("The report's PDF is attached."))
            return redirect(report)
    form = oversight_forms.ReportForm(instance=report, user=request.user)
    return _render_report_form(
        request, form, report=report, file_form=file_form, status=error_status(file_form)
    )


@login_required
@require_GET
def report_file_download(request, pk: int):
    report = get_object_or_404(reports_visible_to(request.user), pk=pk)
    if not report.report_file:
        raise Http404(_("No PDF is attached to this report."))
    # Only a checked PDF is ever attached; a file of any other name is not served as one.
    is_pdf = extension_of(report.report_file.name) == "pdf"
    return attachment_response(
        report.report_file,
        filename=safe_filename(f"{report.title}.pdf"),
        content_type="application/pdf" if is_pdf else "application/octet-stream",
    )


def _report_part(request, *, report, section, title, form, save):
    """GET shows the form; POST saves through the service and goes back to the report.

    `section` names the part of the report page the form belongs to; htmx requests get the
    form fragment only, and an invalid one is swapped back into that section's form slot.
    """
    status = 200
    if request.method == "POST":
        if form.is_valid():
            with refusals_onto(form):
                save(_form_values(form))
                return redirect(f"{report.get_absolute_url()}#section-{section}")
        status = error_status(form)
    context = {
        "report": report,
        "form": form,
        "section": section,
        "title": title,
        "action": request.get_full_path(),
    }
    if request.htmx:
        response = render(request, "oversight/_part_form.html", context, status=status)
        if status != 200:
            slot = f"#form-slot-{section}"
            response["HX-Retarget"] = slot
            response["HX-Reselect"] = slot
            response["HX-Reswap"] = "outerHTML"
        return response
    return render(request, "oversight/part_form.html", context, status=status)


def _visible_report(request, pk: int):
    report = get_object_or_404(reports_visible_to(request.user).select_related("force"), pk=pk)
    _require_opcc_staff(request.user)
    return report


def _visible_part(request, model, pk: int):
    part = get_object_or_404(
        model.objects.select_related("report__force").filter(
            report__in=reports_visible_to(request.user).values("pk")
        ),
        pk=pk,
    )
    _require_opcc_staff(request.user)
    return part


@login_required
@require_http_methods(["GET", "POST"])
def finding_create(request, pk: int):
    report = _visible_report(request, pk)
    form = oversight_forms.FindingForm(
        request.POST or None, instance=Finding(report=report), report=report
    )
    return _report_part(
        request,
        report=report,
        section="findings",
        title=_("Add a finding"),
        form=form,
        save=lambda fields: services.finding_create(report=report, by=request.user, fields=fields),
    )


@login_required
@require_http_methods(["GET", "POST"])
def finding_edit(request, pk: int):
    finding = _visible_part(request, Finding, pk)
    form = oversight_forms.FindingForm(
        request.POST or None, instance=finding, report=finding.report
    )
    return _report_part(
        request,
        report=finding.report,
        section="findings",
        title=_("Edit finding"),
        form=form,
        save=lambda fields: services.finding_update(
            finding=finding, by=request.user, fields=fields, version=form.cleaned_data["version"]
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def judgement_create(request, pk: int):
    report = _visible_report(request, pk)
    form = oversight_forms.JudgementForm(
        request.POST or None, instance=Judgement(report=report), report=report
    )
    return _report_part(
        request,
        report=report,
        section="judgements",
        title=_("Add a graded judgement"),
        form=form,
        save=lambda fields: services.judgement_create(
            report=report, by=request.user, fields=fields
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def judgement_edit(request, pk: int):
    judgement = _visible_part(request, Judgement, pk)
    form = oversight_forms.JudgementForm(
        request.POST or None, instance=judgement, report=judgement.report
    )
    return _report_part(
        request,
        report=judgement.report,
        section="judgements",
        title=_("Edit judgement"),
        form=form,
        save=lambda fields: services.judgement_update(
            judgement=judgement,
            by=request.user,
            fields=fields,
            version=form.cleaned_data["version"],
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def priority_area_create(request, pk: int):
    report = _visible_report(request, pk)
    form = oversight_forms.PriorityAreaForm(
        request.POST or None,
        instance=PriorityArea(report=report),
        report=report,
        user=request.user,
    )
    return _report_part(
        request,
        report=report,
        section="areas",
        title=_("Add a priority area"),
        form=form,
        save=lambda fields: services.priority_area_create(
            report=report, by=request.user, fields=fields
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def priority_area_edit(request, pk: int):
    area = _visible_part(request, PriorityArea, pk)
    form = oversight_forms.PriorityAreaForm(
        request.POST or None, instance=area, report=area.report, user=request.user
    )
    return _report_part(
        request,
        report=area.report,
        section="areas",
        title=_("Edit priority area"),
        form=form,
        save=lambda fields: services.priority_area_update(
            area=area, by=request.user, fields=fields, version=form.cleaned_data["version"]
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def cause_create(request, pk: int):
    report = _visible_report(request, pk)
    form = oversight_forms.CauseOfConcernForm(
        request.POST or None, instance=CauseOfConcern(report=report), report=report
    )
    return _report_part(
        request,
        report=report,
        section="causes",
        title=_("Add a cause of concern"),
        form=form,
        save=lambda fields: services.cause_of_concern_create(
            report=report, by=request.user, fields=fields
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def cause_edit(request, pk: int):
    cause = _visible_part(request, CauseOfConcern, pk)
    form = oversight_forms.CauseOfConcernForm(
        request.POST or None, instance=cause, report=cause.report
    )
    return _report_part(
        request,
        report=cause.report,
        section="causes",
        title=_("Edit cause of concern"),
        form=form,
        save=lambda fields: services.cause_of_concern_update(
            cause=cause, by=request.user, fields=fields, version=form.cleaned_data["version"]
        ),
    )
