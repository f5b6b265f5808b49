"""Filters for the report list. Choices come from what the user may see."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy

from oversight.models import InspectionReport
from oversight.selectors import forces_visible_to
from oversight.shared.dates import year_bounds


class ReportFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        field_name="title",
        lookup_expr="icontains",
        label=gettext_lazy("Title contains"),
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    force = django_filters.ModelChoiceFilter(
        queryset=None, label=gettext_lazy("Force"), empty_label=gettext_lazy("All forces")
    )
    source = django_filters.ChoiceFilter(
        choices=InspectionReport.Source.choices,
        label=gettext_lazy("Source"),
        empty_label=gettext_lazy("All sources"),
    )
    programme = django_filters.ChoiceFilter(
        choices=InspectionReport.Programme.choices,
        label=gettext_lazy("Programme"),
        empty_label=gettext_lazy("All programmes"),
    )
    year = django_filters.NumberFilter(
        field_name="published_on",
        lookup_expr="year",
        label=gettext_lazy("Year published"),
        widget=forms.NumberInput(attrs={"placeholder": gettext_lazy("e.g. 2015")}),
    )
    status = django_filters.ChoiceFilter(
        choices=InspectionReport.Status.choices,
        label=gettext_lazy("Status"),
        empty_label=gettext_lazy("Any status"),
    )

    class Meta:
        model = InspectionReport
        fields = ["q", "force", "source", "programme", "year", "status"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["force"].queryset = forces_visible_to(user).order_by("name")
        # The range of every date typed (oversight.shared.dates), offered by the browser
        # too; a year outside it is shown as an error and not filtered on.
        first, last, message = year_bounds()
        self.filters["year"].extra.update(
            min_value=first,
            max_value=last,
            error_messages={"min_value": message, "max_value": message},
        )
