"""One range for every date a person types: from 1 January 2000 to ten years ahead."""

import datetime

import pytest
from django import forms
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models
from django.template import engines
from django.template.defaultfilters import date as date_filter
from django.urls import reverse
from django.utils import timezone, translation

from oversight.services import report_create
from oversight.shared.dates import (
    EARLIEST_DATE,
    DateInRange,
    bound_date_fields,
    day_text,
    latest_date,
)

PROJECT_APPS = {"oversight", "recommendations", "reviews", "letters", "reminders"}
# Dates the tracker works out or stamps itself; no one types them.
WORKED_OUT = {
    "recommendations.ActionPlan.submitted_on",
    "recommendations.Action.next_update_due",
    "reviews.FollowUp.completed_on",
    "reminders.Reminder.due_on",
    "recommendations.ExtensionRequest.from_date",  # the target date when asked
    "letters.CommitteePack.as_at",  # the day the figures stand at
    # A publication's copies of dates already checked on the live records.
    "letters.PublishedReport.published_on",
    "letters.PublishedRecommendation.status_on",  # from the change history
    "letters.PublishedRecommendation.inspectorate_status_on",
    "letters.PublishedRecommendation.due_on",
    "recommendations.TrendQuarter.quarter_start",  # a quarter worked out from today
    "recommendations.DashboardTally.counted_on",  # the day the kept counts hold for
}


def _message(latest: datetime.date) -> str:
    return f"Enter a date from 1 January 2000 to {latest.day} {latest:%B %Y}: check the year."


# Today and the latest date are worked out when each test runs, not when the tests are
# collected: a run that crosses midnight moves them.
@pytest.mark.parametrize(
    "day",
    [lambda: EARLIEST_DATE, timezone.localdate, latest_date],
    ids=["earliest", "today", "latest"],
)
def test_dates_from_2000_to_ten_years_ahead_are_accepted(day):
    DateInRange()(day())


@pytest.mark.parametrize(
    "day",
    [
        lambda: datetime.date(1, 1, 1),
        lambda: datetime.date(1999, 12, 31),
        lambda: latest_date() + datetime.timedelta(days=1),
        lambda: datetime.date(9999, 12, 31),
    ],
    ids=["year one", "before 2000", "after the latest", "year 9999"],
)
def test_dates_outside_the_range_are_refused_with_the_range(day):
    with pytest.raises(ValidationError) as refused:
        DateInRange()(day())
    assert refused.value.messages == [_message(latest_date())]
    assert refused.value.code == "date_out_of_range"


def test_the_ceiling_is_ten_years_from_today():
    today = timezone.localdate()
    if (today.month, today.day) == (2, 29):
        pytest.skip("ten years on from 29 February is 28 February, tested below")
    assert latest_date() == today.replace(year=today.year + 10)


def test_ten_years_on_from_29_february_is_28_february():
    assert latest_date(today=datetime.date(2028, 2, 29)) == datetime.date(2038, 2, 28)


def test_a_narrower_ceiling_is_stated_in_the_message():
    latest = timezone.localdate() + datetime.timedelta(days=365)
    with pytest.raises(ValidationError) as refused:
        DateInRange(days_ahead=365)(latest + datetime.timedelta(days=1))
    assert refused.value.messages == [_message(latest)]


class _TwoDates(forms.Form):
    held_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    published_on = forms.DateField(required=False)
    title = forms.CharField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bound_date_fields(self, published_on=365)


def test_form_date_fields_get_the_range_and_the_date_picker_its_ends():
    form = _TwoDates({"held_on": "1999-12-31", "published_on": "2026-01-01"})
    assert form.errors == {"held_on": [_message(latest_date())]}
    assert form.fields["held_on"].widget.attrs["min"] == "2000-01-01"
    assert form.fields["held_on"].widget.attrs["max"] == latest_date().isoformat()
    assert (
        form.fields["published_on"].widget.attrs["max"]
        == (timezone.localdate() + datetime.timedelta(days=365)).isoformat()
    )


def test_bounding_a_form_leaves_other_forms_of_its_class_alone():
    _TwoDates()
    assert _TwoDates.base_fields["held_on"].validators == []
    assert "max" not in _TwoDates.base_fields["held_on"].widget.attrs


def test_every_date_a_person_types_carries_the_range_in_the_model():
    """A service that calls full_clean() (or the admin) refuses such a date too."""
    unbounded = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        if model._meta.app_label in PROJECT_APPS and not model.__name__.startswith("Historical")
        for field in model._meta.concrete_fields
        if type(field) is models.DateField
        and not any(isinstance(v, DateInRange) for v in field.validators)
    ]
    assert sorted(unbounded) == sorted(WORKED_OUT)


def test_report_create_refuses_a_report_published_in_year_one(opcc_staff, force_a):
    with pytest.raises(ValidationError) as refused:
        report_create(
            by=opcc_staff,
            fields={
                "title": "Typo in the year",
                "force": force_a,
                "programme": "peel",
                "published_on": datetime.date(1, 1, 1),
            },
        )
    assert refused.value.message_dict == {
        "published_on": [_message(timezone.localdate() + datetime.timedelta(days=365))]
    }


def test_report_list_refuses_a_year_outside_the_range(client, opcc_staff):
    client.force_login(opcc_staff)
    response = client.get(reverse("oversight:report_list"), {"year": "1"})
    assert response.status_code == 200
    latest_year = timezone.localdate().year + 10
    assert f"Enter a year from 2000 to {latest_year}." in response.content.decode()
    assert 'min="2000"' in response.content.decode()


# --- Days written out ---------------------------------------------------------------------


@pytest.mark.parametrize("pattern", ["j M Y", "D j M", "j M", "M Y", "M", "l j F Y"])
def test_day_text_writes_what_the_date_filter_writes_in_each_language_in_turn(pattern):
    """Remembered per language: English, Welsh and English again, each as |date writes it."""
    days = [datetime.date(2026, 12, 6), datetime.date(2027, 3, 1), datetime.date(2026, 6, 30)]
    for language in ["en-gb", "cy", "en-gb", "cy"]:
        with translation.override(language):
            assert [day_text(day, pattern) for day in days] == [
                date_filter(day, pattern) for day in days
            ]
    with translation.override("cy"):
        assert day_text(datetime.date(2026, 12, 6), "j M Y") == "6 Rhag 2026"


def test_day_text_writes_a_moment_as_its_day_where_the_office_is():
    """23:30 UTC on 31 July is already 1 August in London (summer time), as a template's
    |date has it."""
    moment = datetime.datetime(2026, 7, 31, 23, 30, tzinfo=datetime.UTC)
    template = engines["django"].from_string('{{ moment|date:"j M Y" }}')
    with translation.override("en-gb"):
        assert day_text(moment, "j M Y") == template.render({"moment": moment}) == "1 Aug 2026"
