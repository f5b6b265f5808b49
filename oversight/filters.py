"""Filters for the report list. Choices come from what the user may see."""

import django_filters
from django import forms

from oversight.models import InspectionReport
from oversight.selectors import forces_visible_to


class ReportFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        field_name="title",
        lookup_expr="icontains",
        label="Title contains",
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    force = django_filters.ModelChoiceFilter(queryset=None, empty_label="All forces")
    programme = django_filters.ChoiceFilter(
        choices=InspectionReport.Programme.choices, empty_label="All programmes"
    )
    year = django_filters.NumberFilter(
        field_name="published_on",
        lookup_expr="year",
        label="Year published",
        widget=forms.NumberInput(attrs={"min": 1990, "max": 2100, "placeholder": "e.g. 2015"}),
    )
    status = django_filters.ChoiceFilter(
        choices=InspectionReport.Status.choices, empty_label="Any status"
    )

    class Meta:
        model = InspectionReport
        fields = ["q", "force", "programme", "year", "status"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["force"].queryset = forces_visible_to(user).order_by("name")
