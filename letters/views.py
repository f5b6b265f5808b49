"""Pages for the formal letters: list, builder, preview, render, issue, download, compare.

Seeing a letter: letters_visible_to (OPCC staff, read-only, the force's users; never a
partner agency; a draft only its writing organisation), answered with 404. Changing it:
letter_can_edit / letter_can_issue, answered with 403.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from letters import comparison, services
from letters.forms import LetterCreateForm, LetterForm
from letters.models import Letter
from letters.panels import report_letters_panel
from letters.permissions import (
    letter_can_edit,
    letter_can_issue,
    letter_kinds_creatable_by,
    letter_kinds_for_report,
)
from letters.rendering import letter_context
from letters.selectors import (
    letter_reports_visible_to,
    letter_versions,
    letters_visible_to,
    recommendations_without_disposition,
)
from letters.snapshot import letter_snapshot_for
from oversight.shared.forms import error_status, refusals_onto
from oversight.shared.uploads import attachment_response, safe_filename


def _visible_letter(request, pk: int) -> Letter:
    return get_object_or_404(
        letters_visible_to(request.user).select_related("report__force", "issued_by"), pk=pk
    )


def _status_context(user, letter: Letter) -> dict:
    return {
        "letter": letter,
        "can_edit": letter_can_edit(user, letter),
        "polling": letter.status == Letter.Status.DRAFT
        and letter.render_state in (Letter.RenderState.QUEUED, Letter.RenderState.RENDERING),
    }


@require_GET
@login_required
def letter_list(request, pk):
    report = get_object_or_404(
        letter_reports_visible_to(request.user).select_related("force"), pk=pk
    )
    panel = report_letters_panel(user=request.user, obj=report)
    return render(request, "letters/list.html", {"report": report, **panel})


@require_http_methods(["GET", "POST"])
@login_required
def letter_create(request, pk):
    report = get_object_or_404(
        letter_reports_visible_to(request.user).select_related("force"), pk=pk
    )
    kinds = letter_kinds_creatable_by(request.user)
    if not kinds:
        raise PermissionDenied(_("You may not write letters."))
    form = LetterCreateForm(request.POST or None, kinds=letter_kinds_for_report(kinds, report))
    if request.method == "POST" and form.is_valid():
        with refusals_onto(form):
            letter = services.letter_create(
                report=report, kind=form.cleaned_data["kind"], user=request.user
            )
            messages.success(
                request,
                _(
                    "%(kind)s, version %(version)s, created as a draft. Check the wording, "
                    "preview it, then render the PDF."
                )
                % {"kind": letter.get_kind_display(), "version": letter.version},
            )
            return redirect(letter)
    return render(
        request,
        "letters/create.html",
        {"report": report, "form": form},
        status=error_status(form) if form.is_bound else 200,
    )


def _detail(request, letter: Letter, *, form=None, issue_errors=None, status=200):
    user = request.user
    missing = []
    if letter.kind == Letter.Kind.SECTION_55 and letter.status == Letter.Status.DRAFT:
        missing = recommendations_without_disposition(user, letter.report)
    versions = letter_versions(user, letter)
    return render(
        request,
        "letters/detail.html",
        {
            **_status_context(user, letter),
            "report": letter.report,
            "form": form,
            "can_issue": letter_can_issue(user, letter),
            "missing_dispositions": missing,
            "issue_errors": issue_errors or [],
            "versions": versions,
            "other_versions": [v for v in versions if v.pk != letter.pk],
            "can_start_new_version": letter.status == Letter.Status.ISSUED
            and versions[0].pk == letter.pk
            and letter.kind in letter_kinds_creatable_by(user),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@login_required
def letter_detail(request, pk):
    letter = _visible_letter(request, pk)
    can_edit = letter_can_edit(request.user, letter)
    if request.method == "GET":
        return _detail(request, letter, form=LetterForm(instance=letter) if can_edit else None)
    if not can_edit:
        raise PermissionDenied(_("You may not change this letter."))
    form = LetterForm(request.POST, instance=letter)
    if form.is_valid():
        with refusals_onto(form):
            services.letter_update(
                letter=letter,
                user=request.user,
                expected_version=form.cleaned_data["version"],
                **form.letter_fields,
            )
            messages.success(request, _("Saved. Render the PDF again to see the change in it."))
            return redirect(letter)
    letter.refresh_from_db()
    return _detail(request, letter, form=form, status=error_status(form))


@require_GET
@login_required
def letter_preview(request, pk):
    letter = _visible_letter(request, pk)
    snapshot = letter_snapshot_for(letter, request.user)
    is_draft = letter.status == Letter.Status.DRAFT
    return render(
        request,
        "letters/preview.html",
        {
            **letter_context(snapshot, is_draft=is_draft),
            "letter_obj": letter,
            "report_obj": letter.report,
        },
    )


@require_POST
@login_required
def letter_render(request, pk):
    letter = _visible_letter(request, pk)
    if not letter_can_edit(request.user, letter):
        raise PermissionDenied(_("You may not render this letter."))
    letter = services.letter_request_render(letter=letter, user=request.user)
    if request.htmx:
        letter.refresh_from_db()
        return render(
            request,
            "letters/_status.html",
            _status_context(request.user, letter),
        )
    return redirect(letter)


@require_GET
@login_required
def letter_status(request, pk):
    letter = _visible_letter(request, pk)
    return render(request, "letters/_status.html", _status_context(request.user, letter))


@require_GET
@login_required
def letter_download(request, pk):
    letter = _visible_letter(request, pk)
    if letter.status == Letter.Status.ISSUED:
        field_file, state = letter.issued_pdf, "issued"
    elif letter.render_state == Letter.RenderState.READY and letter.rendered_pdf:
        field_file, state = letter.rendered_pdf, "draft"
    else:
        raise Http404(_("This letter has no PDF yet: render it first."))
    title = (letter.reference or letter.get_kind_display()).replace("/", "-")
    name = safe_filename(f"{title} v{letter.version} {state}.pdf")
    return attachment_response(field_file, filename=name, content_type="application/pdf")


@require_POST
@login_required
def letter_issue(request, pk):
    letter = _visible_letter(request, pk)
    if not letter_can_issue(request.user, letter):
        raise PermissionDenied(_("Only OPCC staff issue letters, and only drafts."))
    try:
        letter = services.letter_issue(letter=letter, user=request.user)
    except ValidationError as error:
        letter.refresh_from_db()
        form = LetterForm(instance=letter) if letter_can_edit(request.user, letter) else None
        return _detail(request, letter, form=form, issue_errors=error.messages, status=400)
    messages.success(
        request,
        _(
            "Version %(version)s issued. Its PDF and checksum are frozen; a change from now on "
            "needs a new version."
        )
        % {"version": letter.version},
    )
    return redirect(letter)


@require_GET
@login_required
def letter_compare(request, pk, other_pk):
    first = _visible_letter(request, pk)
    second = _visible_letter(request, other_pk)
    if (first.report_id, first.kind) != (second.report_id, second.kind) or first.pk == second.pk:
        raise Http404(_("Only two versions of the same letter can be compared."))
    older, newer = sorted([first, second], key=lambda letter: letter.version)
    changes = comparison.letter_compare(older=older, newer=newer, user=request.user)
    return render(
        request,
        "letters/compare.html",
        {"comparison": changes, "letter": newer, "report": newer.report},
    )
