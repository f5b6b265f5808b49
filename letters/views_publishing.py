"""The office's own pages for its public site: what is published and what could be, the
page that publishes a report (with the public summaries), and the buttons that withdraw a
report and publish or withdraw a letter.

Seeing: the office's OPCC staff and read-only users (can_read_public_site; others 403), a
report or letter through reports_visible_to / letters_visible_to (404). Publishing: its
OPCC staff (can_publish), answered with 403.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from letters import services_public
from letters.forms_public import PublishForm
from letters.models import Letter
from letters.permissions import can_publish, can_read_public_site
from letters.public_snapshot import changes_since, live_snapshot, published_snapshot
from letters.selectors import letters_visible_to
from letters.selectors_public import (
    public_site_overview,
    report_letters_for_publishing,
    report_publications,
)
from oversight.selectors import reports_visible_to
from oversight.shared.forms import error_status, refusals_onto


def _check_publisher(request) -> None:
    if not can_publish(request.user, request.user.office):
        raise PermissionDenied(_("Only the office's OPCC staff publish to its public site."))


@require_GET
@login_required
def public_site(request):
    if not can_read_public_site(request.user):
        raise PermissionDenied(_("The public site is managed by the office's OPCC staff."))
    return render(
        request,
        "letters/publishing/site.html",
        {
            "overview": public_site_overview(request.user),
            "can_publish": can_publish(request.user, request.user.office),
        },
    )


def _publish_page(request, report, form, snapshot, *, status=200):
    office = request.user.office
    publications = report_publications(office=office, report=report)
    latest = publications[0] if publications else None
    live = next((p for p in publications if p.is_live), None)
    changes = None
    if latest is not None:
        changes = changes_since(published_snapshot(latest), snapshot)
    return render(
        request,
        "letters/publishing/report.html",
        {
            "office": office,
            "report": report,
            "form": form,
            "publications": publications,
            "latest": latest,
            "live": live,
            "changes": changes,
            "letters": report_letters_for_publishing(
                user=request.user, office=office, report=report
            ),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@login_required
def public_report(request, pk):
    report = get_object_or_404(reports_visible_to(request.user).select_related("force"), pk=pk)
    _check_publisher(request)
    office = request.user.office
    snapshot = live_snapshot(office=office, report=report)
    form = PublishForm(request.POST or None, snapshot=snapshot)
    if request.method == "GET":
        return _publish_page(request, report, form, snapshot)
    if form.is_valid():
        with refusals_onto(form):
            if form.cleaned_data["action"] == PublishForm.PUBLISH:
                publication = services_public.report_publish(
                    office=office,
                    report=report,
                    by=request.user,
                    summaries=form.summaries,
                    expected_digest=form.cleaned_data["digest"],
                )
                messages.success(
                    request,
                    _(
                        "Published (version %(version)s). The public page shows it now; "
                        "browsers that opened it earlier may take a few minutes to see the "
                        "change."
                    )
                    % {"version": publication.version},
                )
                return redirect("letters:public_report", pk=report.pk)
            changed = services_public.public_summaries_save(
                office=office, report=report, by=request.user, summaries=form.summaries
            )
            messages.success(
                request,
                ngettext(
                    "%(count)s summary saved as a draft. Nothing is public until you publish.",
                    "%(count)s summaries saved as drafts. Nothing is public until you publish.",
                    changed,
                )
                % {"count": changed},
            )
            return redirect("letters:public_report", pk=report.pk)
    # Re-shown with what the data is now, so "Publish" works once the changes are read.
    snapshot = live_snapshot(office=office, report=report)
    form.data = form.data.copy()
    form.data["digest"] = snapshot.digest
    return _publish_page(request, report, form, snapshot, status=error_status(form))


def _back_to(report_id: int):
    return redirect(reverse("letters:public_report", args=[report_id]) + "#public-letters")


@require_POST
@login_required
def public_report_withdraw(request, pk):
    report = get_object_or_404(reports_visible_to(request.user), pk=pk)
    _check_publisher(request)
    try:
        services_public.report_withdraw(office=request.user.office, report=report, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _(
                "Withdrawn: the report and its letters are no longer on your public site. "
                "Publish it again to put it back."
            ),
        )
    return redirect("letters:public_report", pk=report.pk)


def _letter_action(request, pk, service, done: str):
    letter = get_object_or_404(
        letters_visible_to(request.user)
        .filter(status=Letter.Status.ISSUED)
        .select_related("report"),
        pk=pk,
    )
    _check_publisher(request)
    try:
        service(office=request.user.office, letter=letter, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, str(done))
    return _back_to(letter.report_id)


@require_POST
@login_required
def public_letter_publish(request, pk):
    return _letter_action(
        request,
        pk,
        services_public.letter_publish,
        gettext_lazy("The letter is on the report's public page, with its PDF and checksum."),
    )


@require_POST
@login_required
def public_letter_withdraw(request, pk):
    return _letter_action(
        request,
        pk,
        services_public.letter_withdraw,
        gettext_lazy("The letter is no longer on your public site."),
    )
