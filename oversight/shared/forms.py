"""Showing a service's refusal on the form that asked for the change.

A view validates its form, then calls a service inside `refusals_onto(form)`. If the
service refuses, nothing after the call in that block runs: a ValidationError goes next to
the fields it names (above the form for the others), a StaleEditError above the form, and
the view carries on to re-render the form with `error_status(form)`. A PermissionDenied is
not a mistake the user can fix on the form, so it passes through and Django answers 403.

    if request.method == "POST" and form.is_valid():
        with refusals_onto(form):
            plan = services.action_plan_update(plan=plan, by=request.user, ...)
            return redirect(plan)
    status = error_status(form) if form.is_bound else 200
    return render(request, "recommendations/plan_form.html", {"form": form}, status=status)
"""

from collections.abc import Iterator
from contextlib import contextmanager
from http import HTTPStatus

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from oversight.shared.concurrency import StaleEditError

# The code of the form error a stale edit leaves, so the status can be read off the form.
STALE_EDIT = "stale_edit"


def apply_refusal(form: forms.BaseForm, error: ValidationError | StaleEditError) -> None:
    """Put a refusal on the form: each message of a ValidationError next to the field it
    names when the form has that field, above the form otherwise; a stale edit above it."""
    if isinstance(error, StaleEditError):
        form.add_error(None, ValidationError(str(error), code=STALE_EDIT))
    elif hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@contextmanager
def refusals_onto(form: forms.BaseForm) -> Iterator[None]:
    """Run the block; if a service in it refuses, put the refusal on the form and skip the
    rest of the block."""
    try:
        yield
    except (ValidationError, StaleEditError) as error:
        apply_refusal(form, error)


def error_status(form: forms.BaseForm) -> int:
    """The status to re-render a form that was not saved with: 409 when someone else saved
    the record after the form was opened, 400 for anything else to correct."""
    if form.has_error(NON_FIELD_ERRORS, code=STALE_EDIT):
        return HTTPStatus.CONFLICT
    return HTTPStatus.BAD_REQUEST
