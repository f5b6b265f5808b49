"""Changing several recommendations at once from the register.

The register's rows carry checkboxes (for OPCC staff) that post here with the change and
its note. The first POST checks the change row by row and shows what it will do (or why a
row cannot take it); confirming saves it, all or nothing, and goes back to the register
with the same filters. A selected recommendation the user cannot see is a 404.
"""

from http import HTTPStatus

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from oversight.shared.forms import apply_refusal
from oversight.written_fields import written_out
from recommendations import services_bulk
from recommendations.forms_bulk import BULK_FORM_ID, PREFIX, BulkUpdateForm, parse_selection
from recommendations.permissions import can_bulk_update_recommendations
from recommendations.selectors import recommendations_visible_to
from recommendations.services_bulk import BulkRefused, BulkRow

# The step the register's button sends: the owner or priority area may still be to choose.
FROM_REGISTER = "start"


def _posted_recommendations(request) -> dict:
    """Every recommendation the POST names (ticked, or listed as on the page), by id,
    with its report: a 404 if the user cannot see one of them."""
    posted = [
        *request.POST.getlist(f"{PREFIX}-selected"),
        *request.POST.getlist(f"{PREFIX}-on_page"),
    ]
    ids = set((parse_selection(posted) or {}).keys())
    found = {
        r.pk: r
        for r in recommendations_visible_to(request.user)
        .filter(pk__in=ids)
        .select_related("report", "report__force")
    }
    if len(found) != len(ids):
        raise Http404("No such recommendation.")
    return found


def _register_url(request) -> str:
    """The register with the filters it was opened with (only its query string is taken
    from the POST, re-encoded)."""
    query = QueryDict(request.POST.get(f"{PREFIX}-return_query", "")[:2000]).urlencode()
    return reverse("recommendations:register") + (f"?{query}" if query else "")


def _outcome_status(rows: list[BulkRow]) -> int:
    if any(row.stale for row in rows):
        return HTTPStatus.CONFLICT
    if any(row.refusal for row in rows):
        return HTTPStatus.BAD_REQUEST
    return HTTPStatus.OK


@login_required
@require_GET
def register_bulk_fields(request):
    """The bulk update's fields, fetched into the register's panel when it is first opened:
    the register's every page is lighter without them. They depend on no row, only on the
    language: no query beyond the signed-in user's."""
    if not can_bulk_update_recommendations(request.user):
        raise PermissionDenied("Only OPCC staff change several recommendations at once.")
    form = BulkUpdateForm(user=request.user, form_id=BULK_FORM_ID)
    written_out(form)
    return render(request, "recommendations/_register_bulk_fields.html", {"form": form})


@login_required
@require_POST
def register_bulk(request):
    if not can_bulk_update_recommendations(request.user):
        raise PermissionDenied("Only OPCC staff change several recommendations at once.")
    posted = _posted_recommendations(request)
    step = request.POST.get("step", "")
    form = BulkUpdateForm(
        request.POST,
        user=request.user,
        report_ids={r.report_id for r in posted.values()},
        choice_may_wait=step == FROM_REGISTER,
    )
    confirming = step == "confirm"
    rows: list[BulkRow] | None = None
    status = HTTPStatus.BAD_REQUEST
    if form.is_valid() and form.needs_choice:
        status = HTTPStatus.OK  # the register does not offer the owner or area: ask for it
    elif form.is_valid():
        arguments = {
            "selection": form.selection,
            "change": form.bulk_change(),
            "by": request.user,
        }
        try:
            if confirming:
                changed = services_bulk.recommendations_bulk_update(**arguments)
                count = len(changed)
                messages.success(
                    request,
                    ngettext(
                        "%(count)s recommendation updated.",
                        "%(count)s recommendations updated.",
                        count,
                    )
                    % {"count": count},
                )
                return redirect(_register_url(request))
            rows = services_bulk.recommendations_bulk_preview(**arguments)
            status = _outcome_status(rows)
        except BulkRefused as refused:
            rows = refused.rows
            status = _outcome_status(rows)
        except ValidationError as error:
            apply_refusal(form, error)
    if rows is None:
        rows = [
            BulkRow(posted[pk], version) for pk, version in form.selection.items() if pk in posted
        ]
        rows.sort(key=lambda row: (row.recommendation.report.title, row.recommendation.position))
    refused = [row for row in rows if row.refusal]
    context = {
        "form": form,
        "rows": rows,
        "refused": refused,
        # What is wrong with the form as a whole, the selection included (hidden fields).
        "problems": [
            *form.non_field_errors(),
            *form.errors.get("selected", []),
            *form.errors.get("on_page", []),
        ],
        "ready": status == HTTPStatus.OK and not form.needs_choice,
        "register_url": _register_url(request),
    }
    return render(request, "recommendations/bulk_update.html", context, status=status)
