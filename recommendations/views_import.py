"""A report's recommendations as a spreadsheet: the template to download, and importing it
back (upload → preview → confirm).

Between the preview and the confirmation the uploaded file's bytes are kept in the
session, keyed by the report; the confirmation posts only the file's digest and the plan's
fingerprint, and the service reads the rows again from the kept bytes. Posted row values
are never used. OPCC staff of an office overseeing the force only (404 for a report the
user cannot see, 403 for anyone else who can).
"""

import base64

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods

from oversight.selectors import reports_visible_to
from recommendations.forms import SpreadsheetConfirmForm, SpreadsheetUploadForm
from recommendations.selectors import recommendations_for_import, report_import_plan
from recommendations.services_import import ImportedFile, recommendations_import
from recommendations.spreadsheet_import import COLUMNS, MAX_ROWS, ImportPlan
from recommendations.spreadsheet_template import (
    template_csv,
    template_filename,
    template_rows,
    template_xlsx,
)

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
NO_LONGER_HELD = gettext_lazy(
    "The file to import is no longer held (the session ended, or another file was uploaded "
    "for this report since): upload it again."
)


def _report_for_staff(request, pk: int):
    report = get_object_or_404(reports_visible_to(request.user).select_related("force"), pk=pk)
    if not request.user.is_opcc_staff:
        raise PermissionDenied("Only OPCC staff import recommendations.")
    return report


def _session_key(report) -> str:
    return f"recommendation_import:{report.pk}"


@login_required
@require_GET
def recommendation_template(request, pk: int, extension: str):
    if extension not in CONTENT_TYPES:
        raise Http404("The template comes as .xlsx or .csv.")
    report = _report_for_staff(request, pk)
    rows = template_rows(recommendations_for_import(request.user, report), report=report)
    body = template_csv(rows) if extension == "csv" else template_xlsx(rows, report=report)
    response = HttpResponse(body, content_type=CONTENT_TYPES[extension])
    filename = template_filename(report, extension)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def recommendation_import(request, pk: int):
    """GET: the upload form. POST: the preview of what the file would do (step "preview",
    with the file), or its confirmation (step "confirm")."""
    report = _report_for_staff(request, pk)
    if request.method == "POST" and request.POST.get("step") == "confirm":
        return _confirm(request, report)
    form = SpreadsheetUploadForm(request.POST or None, request.FILES or None)
    if request.method == "GET":
        return _upload_page(request, report, form)
    if not form.is_valid():
        return _upload_page(request, report, form, status=400)
    checked = form.cleaned_data["file"]
    checked.file.seek(0)
    kept = {"name": checked.original_name, "sha256": checked.sha256}
    data = checked.file.read()
    plan = report_import_plan(
        user=request.user, report=report, name=kept["name"], data=data, today=timezone.localdate()
    )
    if plan.ok and plan.has_changes:
        request.session[_session_key(report)] = {
            **kept,
            "data": base64.b64encode(data).decode("ascii"),
        }
    else:
        request.session.pop(_session_key(report), None)
    return _preview_page(request, report, plan, kept, status=200 if plan.ok else 400)


def _confirm(request, report):
    form = SpreadsheetConfirmForm(request.POST)
    kept = request.session.get(_session_key(report))
    if not form.is_valid() or not kept or kept.get("sha256") != form.cleaned_data["sha256"]:
        return _upload_page(
            request, report, SpreadsheetUploadForm(), status=400, refusal=NO_LONGER_HELD
        )
    upload = ImportedFile(name=kept["name"], data=base64.b64decode(kept["data"]))
    try:
        plan = recommendations_import(
            report=report,
            by=request.user,
            upload=upload,
            expected_fingerprint=form.cleaned_data["fingerprint"],
        )
    except ValidationError as refusal:
        plan = report_import_plan(
            user=request.user,
            report=report,
            name=upload.name,
            data=upload.data,
            today=timezone.localdate(),
        )
        if not (plan.ok and plan.has_changes):
            request.session.pop(_session_key(report), None)
        stale = getattr(refusal, "code", None) == "stale"
        return _preview_page(
            request,
            report,
            plan,
            kept,
            status=409 if stale else 400,
            refusals=refusal.messages,
        )
    request.session.pop(_session_key(report), None)
    messages.success(request, _summary(plan, kept["name"]))
    return redirect(f"{report.get_absolute_url()}#section-recommendations")


def _summary(plan: ImportPlan, name: str) -> str:
    added = ", ".join(row.fields["reference"] for row in plan.new)
    changed = ", ".join(row.reference for row in plan.changed)
    values = {
        "name": name,
        "added": len(plan.new),
        "added_refs": added,
        "changed": len(plan.changed),
        "changed_refs": changed,
    }
    if plan.new and plan.changed:
        summary = _(
            "Imported “%(name)s”: %(added)s added (%(added_refs)s) and %(changed)s changed "
            "(%(changed_refs)s)."
        )
    elif plan.new:
        summary = _("Imported “%(name)s”: %(added)s added (%(added_refs)s).")
    elif plan.changed:
        summary = _("Imported “%(name)s”: %(changed)s changed (%(changed_refs)s).")
    else:
        summary = _("Imported “%(name)s”.")
    summary %= values
    if plan.missing:
        kept = ngettext(
            "%(count)s recommendation not in the file kept as it was.",
            "%(count)s recommendations not in the file kept as they were.",
            len(plan.missing),
        ) % {"count": len(plan.missing)}
        summary = f"{summary} {kept}"
    return summary


def _upload_page(request, report, form, *, status: int = 200, refusal: str = ""):
    context = {
        "report": report,
        "document": report,
        "list_url": reverse("oversight:report_list"),
        "list_label": _("Reports"),
        "import_url": reverse("recommendations:recommendation_import", args=[report.pk]),
        "template_xlsx_url": reverse(
            "recommendations:recommendation_template", args=[report.pk, "xlsx"]
        ),
        "template_csv_url": reverse(
            "recommendations:recommendation_template", args=[report.pk, "csv"]
        ),
        "back_url": f"{report.get_absolute_url()}#section-recommendations",
        "form": form,
        "columns": COLUMNS,
        "max_rows": MAX_ROWS,
        "refusal": refusal,
    }
    return render(request, "recommendations/import.html", context, status=status)


def _preview_page(request, report, plan: ImportPlan, kept: dict, *, status: int, refusals=()):
    confirm_form = SpreadsheetConfirmForm(
        initial={"sha256": kept["sha256"], "fingerprint": plan.fingerprint}
    )
    context = {
        "report": report,
        "document": report,
        "list_url": reverse("oversight:report_list"),
        "list_label": _("Reports"),
        "import_url": reverse("recommendations:recommendation_import", args=[report.pk]),
        "back_url": f"{report.get_absolute_url()}#section-recommendations",
        "detail_url_name": "recommendations:recommendation_detail",
        "plan": plan,
        "file_name": kept["name"],
        "confirm_form": confirm_form,
        "upload_form": SpreadsheetUploadForm(),
        "refusals": [message for message in refusals if plan.ok],
    }
    return render(request, "recommendations/import_preview.html", context, status=status)
