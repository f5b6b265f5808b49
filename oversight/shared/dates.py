"""The range of dates a person may type, one rule for every form, model and filter.

Nothing the tracker follows is older than 2000: the oldest reports a force still acts on
are HMIC's (the inspectorate became HMICFRS in 2017), and the demo's is from 2015. No
deadline is set more than ten years ahead. A date outside is a slip of the keyboard (0001
for 2001, 2205 for 2025), and would otherwise start reminders about a deadline 2,000 years
overdue, or a deadline no one will live to see.

A model's date field carries the rule as a validator (`DateInRange`), so a service that
calls full_clean() refuses such a date too; a form gets it with `bound_date_fields(form)`,
which also sets min and max on the browser's date picker.

And the days the pages write out, each written once per pattern and language (`day_text`).
"""

import datetime
import functools

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.deconstruct import deconstructible
from django.utils.timezone import template_localtime
from django.utils.translation import get_language
from django.utils.translation import gettext as _

EARLIEST_DATE = datetime.date(2000, 1, 1)
YEARS_AHEAD = 10
OUT_OF_RANGE = "date_out_of_range"


def latest_date(*, days_ahead: int | None = None, today: datetime.date | None = None):
    """The last date allowed: `days_ahead` days from today when given, else ten years."""
    today = today or timezone.localdate()
    if days_ahead is not None:
        return today + datetime.timedelta(days=days_ahead)
    try:
        return today.replace(year=today.year + YEARS_AHEAD)
    except ValueError:  # 29 February, ten years on, is not a date
        return today.replace(year=today.year + YEARS_AHEAD, day=28)


def day_text(day: datetime.date, pattern: str) -> str:
    """The day as `{{ day|date:pattern }}` writes it, in the active language. `pattern`
    holds only day, month and year characters ("j M Y"): a moment is written as its day in
    the current time zone.

    Each day is written once per pattern and language in a process and remembered: the
    pages write the same days again and again (a dashboard some 150, an action plan 100),
    and Django's formatter takes 12 µs a day."""
    if isinstance(day, datetime.datetime):
        day = template_localtime(day).date()
    return _day_text(day, pattern, get_language())


@functools.lru_cache(maxsize=4096)
def _day_text(day: datetime.date, pattern: str, language: str | None) -> str:
    return date_format(day, pattern)  # in `language`, the active one


def long_date(day: datetime.date) -> str:
    # Django's month names, so they come out in the page's language.
    return date_format(day, "j F Y")


def range_message(latest: datetime.date) -> str:
    return _("Enter a date from %(earliest)s to %(latest)s: check the year.") % {
        "earliest": long_date(EARLIEST_DATE),
        "latest": long_date(latest),
    }


@deconstructible(path="oversight.shared.dates.DateInRange")
class DateInRange:
    """Refuses a date before EARLIEST_DATE or after `latest_date(days_ahead=…)`, with a
    message that states the range."""

    def __init__(self, *, days_ahead: int | None = None):
        self.days_ahead = days_ahead

    def latest(self) -> datetime.date:
        return latest_date(days_ahead=self.days_ahead)

    def __call__(self, value: datetime.date) -> None:
        latest = self.latest()
        if not EARLIEST_DATE <= value <= latest:
            raise ValidationError(range_message(latest), code=OUT_OF_RANGE)

    def __eq__(self, other) -> bool:
        return isinstance(other, DateInRange) and other.days_ahead == self.days_ahead

    def __hash__(self) -> int:
        return hash((DateInRange, self.days_ahead))


def bound_date_fields(form: forms.BaseForm, **days_ahead: int) -> None:
    """Give each date field of the form the range: its validator, and min and max on the
    date picker. A keyword narrows a field's ceiling, e.g. `published_on=365`. Call it at
    the end of the form's __init__ (the fields are the form's own copies by then)."""
    for name, field in form.fields.items():
        if not isinstance(field, forms.DateField):
            continue
        validator = DateInRange(days_ahead=days_ahead.get(name))
        field.validators = [v for v in field.validators if not isinstance(v, DateInRange)]
        field.validators.append(validator)
        field.widget.attrs.update(
            {"min": EARLIEST_DATE.isoformat(), "max": validator.latest().isoformat()}
        )


def year_bounds() -> tuple[int, int, str]:
    """The first and last year a filter by year accepts, and the message for one outside."""
    first, last = EARLIEST_DATE.year, latest_date().year
    return (
        first,
        last,
        _("Enter a year from %(first)s to %(last)s.") % {"first": first, "last": last},
    )
