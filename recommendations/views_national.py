"""National and thematic reports: entered once, applied to many forces, each force's
progress on the same recommendation side by side.

OPCC staff and read-only users see every national report (public documents) but only the
forces their office oversees; force users see those applied to their force. The office that
entered a report keeps its text (edit, add, import); any OPCC staff apply it to the forces
their office oversees.
"""

import base64

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from oversight.shared.forms import error_status, refusals_onto
from recommendations import services_national
from recommendations.forms import SpreadsheetConfirmForm, SpreadsheetUploadForm
from recommendations.forms_national import (
    ApplyForm,
    NationalRecommendationForm,
    NationalReportForm,
)
from recommendations.national_import import addressees_text, addressees_value
from recommendations.national_pages import (
    national_report_list as list_rows,
)
from recommendations.national_pages import (
    national_report_page,
    side_by_side,
)
from recommendations.selectors import (
    national_import_plan,
    national_recommendations_visible_to,
    national_reports_visible_to,
)
from recommendations.spreadsheet_import import MAX_ROWS, NATIONAL_COLUMNS, ImportPlan
from recommendations.spreadsheet_template import template_csv, template_xlsx
from recommendations.views_import import CONTENT_TYPES, NO_LONGER_HELD, _summary

HOW_TO = [
    "One row per recommendation of the national report; keep the first row as it is.",
    "Rows are matched on the Publisher ID (HMICFRS's own number for the recommendation); "
    "a row without one is matched on its Reference.",
    "A row that matches nothing is added, and every force answering the report gets it. A "
    "row that matches is changed only where a cell differs, and every force's response "
    "takes the change. Nothing is deleted.",
    "Addressed to: All chief constables; or forces by name; and national bodies (NPCC, "
    "College of Policing, Home Office, …), separated by semicolons. One addressed to "
    "national bodies only is tracked by each force for information.",
    "HMICFRS keeps its status per force: import statuses on each force's own report.",
    "Nothing is saved until you have checked the preview; a file with any bad row saves nothing.",
    "Type values, not formulas.",
]


def _national_report(request, pk: int):
    return get_object_or_404(
        national_reports_visible_to(request.user).select_related("entered_by"), pk=pk
    )


def _keeper(request, national_report) -> None:
    if not request.user.is_opcc_staff or request.user.office_id != national_report.entered_by_id:
        raise PermissionDenied(
            f"{national_report.entered_by} entered this national report and keeps its text."
        )


def _staff(request) -> None:
    if not request.user.is_opcc_staff:
        raise PermissionDenied("Only OPCC staff enter and apply national reports.")


@login_required
@require_GET
def national_report_list(request):
    if not (request.user.is_opcc or request.user.is_force_user):
        raise PermissionDenied("National reports are for OPCC and force staff.")
    return render(
        request,
        "recommendations/national_report_list.html",
        {"national_reports": list_rows(request.user), "can_create": request.user.is_opcc_staff},
    )


@login_required
@require_http_methods(["GET", "POST"])
def national_report_create(request):
    _staff(request)
    form = NationalReportForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        with refusals_onto(form):
            created = services_national.national_report_create(
                by=request.user, fields=_report_values(form)
            )
            messages.success(
                request,
                _(
                    "National report entered. Add its recommendations, then apply it to the "
                    "forces that must answer it."
                ),
            )
            return redirect(created)
    return _report_form(request, form, national_report=None)


@login_required
@require_http_methods(["GET", "POST"])
def national_report_edit(request, pk: int):
    national_report = _national_report(request, pk)
    _keeper(request, national_report)
    form = NationalReportForm(
        request.POST if request.method == "POST" else None, instance=national_report
    )
    if request.method == "POST" and form.is_valid():
        with refusals_onto(form):
            saved = services_national.national_report_update(
                national_report=national_report,
                by=request.user,
                fields=_report_values(form),
                version=form.cleaned_data["version"],
            )
            messages.success(request, _("Saved, and every force's copy takes the change."))
            return redirect(saved)
    return _report_form(request, form, national_report=national_report)


def _report_values(form) -> dict:
    return {name: form.cleaned_data[name] for name in NationalReportForm.Meta.fields}


def _report_form(request, form, *, national_report):
    status = error_status(form) if request.method == "POST" else 200
    return render(
        request,
        "recommendations/national_report_form.html",
        {"form": form, "national_report": national_report},
        status=status,
    )


@login_required
@require_GET
def national_report_detail(request, pk: int):
    national_report = _national_report(request, pk)
    return _detail_page(request, national_report)


def _detail_page(request, national_report, *, apply_form=None, status=200):
    user = request.user
    page = national_report_page(user, national_report)
    if apply_form is None and user.is_opcc_staff:
        apply_form = ApplyForm(user=user, national_report=national_report)
    context = {
        "national_report": national_report,
        "page": page,
        "apply_form": apply_form,
        "can_apply": user.is_opcc_staff and apply_form.fields["forces"].queryset.exists(),
        "is_keeper": user.is_opcc_staff and user.office_id == national_report.entered_by_id,
    }
    return render(request, "recommendations/national_report_detail.html", context, status=status)


@login_required
@require_POST
def national_report_apply(request, pk: int):
    national_report = _national_report(request, pk)
    _staff(request)
    form = ApplyForm(request.POST, user=request.user, national_report=national_report)
    if form.is_valid():
        with refusals_onto(form):
            reports = services_national.national_report_apply(
                national_report=national_report,
                forces=form.cleaned_data["forces"],
                by=request.user,
            )
            names = ", ".join(str(report.force) for report in reports)
            messages.success(
                request, _("Applied to %(forces)s: each force now answers it.") % {"forces": names}
            )
            return redirect(national_report)
    return _detail_page(request, national_report, apply_form=form, status=error_status(form))


@login_required
@require_http_methods(["GET", "POST"])
def national_recommendation_create(request, pk: int):
    national_report = _national_report(request, pk)
    _keeper(request, national_report)
    form = NationalRecommendationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        fields, addressees = form.values()
        with refusals_onto(form):
            services_national.national_recommendation_save(
                national_report=national_report,
                by=request.user,
                fields=fields,
                addressees=addressees,
            )
            messages.success(
                request,
                _("%(ref)s added for every force answering it.") % {"ref": fields["reference"]},
            )
            return redirect(f"{national_report.get_absolute_url()}#recommendations")
    return _recommendation_form(request, form, national_report=national_report, national=None)


@login_required
@require_http_methods(["GET", "POST"])
def national_recommendation_edit(request, pk: int):
    national = get_object_or_404(
        national_recommendations_visible_to(request.user).select_related(
            "national_report__entered_by"
        ),
        pk=pk,
    )
    national_report = national.national_report
    _keeper(request, national_report)
    form = NationalRecommendationForm(
        request.POST if request.method == "POST" else None, instance=national
    )
    if request.method == "POST" and form.is_valid():
        fields, addressees = form.values()
        with refusals_onto(form):
            services_national.national_recommendation_save(
                national_report=national_report,
                by=request.user,
                fields=fields,
                addressees=addressees,
                national=national,
                version=form.cleaned_data["version"],
            )
            messages.success(
                request,
                _("%(ref)s saved for every force answering it.") % {"ref": fields["reference"]},
            )
            return redirect(national)
    return _recommendation_form(request, form, national_report=national_report, national=national)


def _recommendation_form(request, form, *, national_report, national):
    status = error_status(form) if request.method == "POST" else 200
    return render(
        request,
        "recommendations/national_recommendation_form.html",
        {"form": form, "national_report": national_report, "national": national},
        status=status,
    )


@login_required
@require_GET
def national_recommendation_detail(request, pk: int):
    """One national recommendation, each force's response side by side."""
    national = get_object_or_404(
        national_recommendations_visible_to(request.user)
        .select_related("national_report__entered_by")
        .prefetch_related("named_forces"),
        pk=pk,
    )
    responses = side_by_side(request.user, national, today=timezone.localdate())
    context = {
        "national": national,
        "national_report": national.national_report,
        "responses": responses,
        "is_keeper": request.user.is_opcc_staff
        and request.user.office_id == national.national_report.entered_by_id,
    }
    return render(request, "recommendations/national_recommendation_detail.html", context)


# --- Spreadsheet ------------------------------------------------------------------------


def _session_key(national_report) -> str:
    return f"national_import:{national_report.pk}"


@login_required
@require_GET
def national_template(request, pk: int, extension: str):
    if extension not in CONTENT_TYPES:
        raise Http404("The template comes as .xlsx or .csv.")
    national_report = _national_report(request, pk)
    _keeper(request, national_report)
    nationals = list(
        national_report.recommendations.prefetch_related("named_forces").order_by("position", "pk")
    )
    rows = []
    for national in nationals:
        names = {force.pk: force.name for force in national.named_forces.all()}
        value = addressees_value(
            national.addressed_forces, names, national.national_bodies, national.other_addressees
        )
        # In English, as the import reads the cells, whatever the page's language.
        with translation.override("en-gb"):
            cells = {
                "publisher_reference": national.publisher_reference,
                "reference": national.reference,
                "kind": national.get_kind_display(),
                "text": national.text,
                "timescale": national.get_timescale_display(),
                "addressed_to": addressees_text(value, names),
                "other_addressees": national.other_addressees,
            }
        rows.append([cells[column.key] for column in NATIONAL_COLUMNS])
    if extension == "csv":
        body = template_csv(rows, NATIONAL_COLUMNS)
    else:
        body = template_xlsx(
            rows, report=national_report, columns=NATIONAL_COLUMNS, how_to_lines=HOW_TO
        )
    response = HttpResponse(body, content_type=CONTENT_TYPES[extension])
    filename = f"national-report-{national_report.pk}-{timezone.localdate():%Y-%m-%d}.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def national_import(request, pk: int):
    """GET: the upload form. POST: the preview (step "preview") or the confirmation
    (step "confirm"), as for a report's own import."""
    national_report = _national_report(request, pk)
    _keeper(request, national_report)
    if request.method == "POST" and request.POST.get("step") == "confirm":
        return _confirm(request, national_report)
    form = SpreadsheetUploadForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
    )
    if request.method == "GET":
        return _upload_page(request, national_report, form)
    if not form.is_valid():
        return _upload_page(request, national_report, form, status=400)
    checked = form.cleaned_data["file"]
    checked.file.seek(0)
    kept = {"name": checked.original_name, "sha256": checked.sha256}
    data = checked.file.read()
    plan = national_import_plan(
        user=request.user,
        national_report=national_report,
        name=kept["name"],
        data=data,
        today=timezone.localdate(),
    )
    if plan.ok and plan.has_changes:
        request.session[_session_key(national_report)] = {
            **kept,
            "data": base64.b64encode(data).decode("ascii"),
        }
    else:
        request.session.pop(_session_key(national_report), None)
    return _preview_page(request, national_report, plan, kept, status=200 if plan.ok else 400)


def _confirm(request, national_report):
    form = SpreadsheetConfirmForm(request.POST)
    kept = request.session.get(_session_key(national_report))
    if not form.is_valid() or not kept or kept.get("sha256") != form.cleaned_data["sha256"]:
        return _upload_page(
            request, national_report, SpreadsheetUploadForm(), status=400, refusal=NO_LONGER_HELD
        )
    data = base64.b64decode(kept["data"])
    try:
        plan = services_national.national_recommendations_import(
            national_report=national_report,
            by=request.user,
            name=kept["name"],
            data=data,
            expected_fingerprint=form.cleaned_data["fingerprint"],
        )
    except ValidationError as refusal:
        plan = national_import_plan(
            user=request.user,
            national_report=national_report,
            name=kept["name"],
            data=data,
            today=timezone.localdate(),
        )
        if not (plan.ok and plan.has_changes):
            request.session.pop(_session_key(national_report), None)
        stale = getattr(refusal, "code", None) == "stale"
        return _preview_page(
            request,
            national_report,
            plan,
            kept,
            status=409 if stale else 400,
            refusals=refusal.messages,
        )
    request.session.pop(_session_key(national_report), None)
    messages.success(request, _summary(plan, kept["name"]))
    return redirect(f"{national_report.get_absolute_url()}#recommendations")


def _common(national_report) -> dict:
    return {
        "national": True,
        "document": national_report,
        "list_url": reverse("recommendations:national_report_list"),
        "list_label": _("National reports"),
        "import_url": reverse("recommendations:national_import", args=[national_report.pk]),
        "back_url": f"{national_report.get_absolute_url()}#recommendations",
    }


def _upload_page(request, national_report, form, *, status: int = 200, refusal: str = ""):
    context = {
        **_common(national_report),
        "template_xlsx_url": reverse(
            "recommendations:national_template", args=[national_report.pk, "xlsx"]
        ),
        "template_csv_url": reverse(
            "recommendations:national_template", args=[national_report.pk, "csv"]
        ),
        "form": form,
        "columns": NATIONAL_COLUMNS,
        "max_rows": MAX_ROWS,
        "refusal": refusal,
    }
    return render(request, "recommendations/import.html", context, status=status)


def _preview_page(
    request, national_report, plan: ImportPlan, kept: dict, *, status: int, refusals=()
):
    confirm_form = SpreadsheetConfirmForm(
        initial={"sha256": kept["sha256"], "fingerprint": plan.fingerprint}
    )
    context = {
        **_common(national_report),
        "detail_url_name": "recommendations:national_recommendation_detail",
        "plan": plan,
        "file_name": kept["name"],
        "confirm_form": confirm_form,
        "upload_form": SpreadsheetUploadForm(),
        "refusals": [message for message in refusals if plan.ok],
    }
    return render(request, "recommendations/import_preview.html", context, status=status)
