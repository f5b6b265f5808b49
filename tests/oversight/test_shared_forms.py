"""A service's refusal shown on the form that asked for the change (oversight/shared/forms.py)."""

import pytest
from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError

from oversight.models import InspectionReport
from oversight.shared.concurrency import StaleEditError
from oversight.shared.forms import apply_refusal, error_status, refusals_onto


class TitleForm(forms.Form):
    title = forms.CharField()


def _valid_form() -> TitleForm:
    form = TitleForm({"title": "A title"})
    assert form.is_valid()
    return form


def test_apply_refusal_naming_a_field_goes_next_to_that_field():
    form = _valid_form()
    apply_refusal(form, ValidationError({"title": "Choose another title."}))
    assert form.errors == {"title": ["Choose another title."]}


def test_apply_refusal_naming_no_field_goes_above_the_form():
    form = _valid_form()
    apply_refusal(form, ValidationError("The report is closed: reopen it first."))
    assert form.errors == {NON_FIELD_ERRORS: ["The report is closed: reopen it first."]}


def test_apply_refusal_naming_a_field_the_form_lacks_goes_above_the_form():
    form = _valid_form()
    apply_refusal(
        form,
        ValidationError({"title": "Choose another title.", "force": "Choose a force you oversee."}),
    )
    assert form.errors == {
        "title": ["Choose another title."],
        NON_FIELD_ERRORS: ["Choose a force you oversee."],
    }


def test_apply_refusal_of_a_stale_edit_goes_above_the_form():
    form = _valid_form()
    apply_refusal(form, StaleEditError(InspectionReport()))
    assert list(form.errors) == [NON_FIELD_ERRORS]
    assert form.non_field_errors()[0].startswith("Someone else changed this inspection report")


def test_error_status_of_a_stale_edit_is_409():
    form = _valid_form()
    apply_refusal(form, StaleEditError(InspectionReport()))
    assert error_status(form) == 409


def test_error_status_of_a_refused_form_is_400():
    form = _valid_form()
    apply_refusal(form, ValidationError("The report is closed: reopen it first."))
    assert error_status(form) == 400


def test_error_status_of_an_invalid_form_is_400():
    form = TitleForm({"title": ""})
    assert not form.is_valid()
    assert error_status(form) == 400


def test_error_status_of_an_empty_post_is_400():
    form = TitleForm(None)
    assert not form.is_valid()
    assert error_status(form) == 400


def _refusing_service():
    raise ValidationError({"title": "Choose another title."})


def test_refusals_onto_skips_the_rest_of_the_block_and_keeps_the_message():
    form = _valid_form()
    after_the_service = []
    with refusals_onto(form):
        _refusing_service()
        after_the_service.append("ran")
    assert after_the_service == []
    assert form.errors == {"title": ["Choose another title."]}


def test_refusals_onto_a_stale_edit_answers_409():
    form = _valid_form()
    with refusals_onto(form):
        raise StaleEditError(InspectionReport())
    assert error_status(form) == 409


def test_refusals_onto_lets_permission_denied_through_for_a_403():
    form = _valid_form()
    with pytest.raises(PermissionDenied), refusals_onto(form):
        raise PermissionDenied("Only OPCC staff change inspection reports.")
    assert form.errors == {}


def test_refusals_onto_leaves_a_saved_form_without_errors():
    form = _valid_form()
    with refusals_onto(form):
        saved = "the saved record"
    assert saved == "the saved record"
    assert form.errors == {}
