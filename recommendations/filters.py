"""The register's filters. Every choice list comes from what the user may see."""

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q

from oversight.models import User
from oversight.selectors import forces_visible_to, priority_areas_visible_to, reports_visible_to
from recommendations.models import Action, Recommendation
from recommendations.selectors import (
    NO_RAG,
    NO_RAG_LABEL,
    RAG_ORDER,
    delivery_leads_visible_to,
)

ANY_OPEN = "any_open"


class RecommendationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_text",
        label="Words or reference",
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    force = django_filters.ModelChoiceFilter(
        field_name="report__force", queryset=None, label="Force", empty_label="All forces"
    )
    report = django_filters.ModelChoiceFilter(queryset=None, empty_label="All reports")
    priority_area = django_filters.ModelChoiceFilter(
        field_name="priority_areas",
        queryset=None,
        label="Priority area",
        empty_label="All priority areas",
    )
    status = django_filters.ChoiceFilter(
        method="filter_status",
        choices=[(ANY_OPEN, "Any open status"), *Recommendation.Status.choices],
        empty_label="Any status",
    )
    rag = django_filters.ChoiceFilter(
        label="RAG",
        choices=[*((rag.value, rag.label) for rag in RAG_ORDER), (NO_RAG, NO_RAG_LABEL)],
        empty_label="Any RAG",
    )
    overdue = django_filters.BooleanFilter(
        field_name="is_overdue",
        label="Overdue",
        widget=forms.Select(choices=[("", "Any"), ("true", "Overdue only")]),
    )
    owner = django_filters.ModelChoiceFilter(
        method="filter_owner",
        queryset=None,
        label="Action delivery lead",
        empty_label="Anyone",
    )

    class Meta:
        model = Recommendation
        fields = ["q", "force", "report", "priority_area", "status", "rag", "overdue", "owner"]

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["force"].queryset = forces_visible_to(user).order_by("name")
        self.filters["report"].queryset = reports_visible_to(user).order_by(
            "-published_on", "title"
        )
        self.filters["priority_area"].queryset = (
            priority_areas_visible_to(user)
            .select_related("report")
            .order_by("-report__published_on", "report__title", "position")
        )
        self.filters["owner"].queryset = delivery_leads_visible_to(user)
        self.form.fields["priority_area"].label_from_instance = lambda area: (
            f"{area.title} ({area.report})"
        )

    def filter_text(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(text__icontains=value) | Q(reference__iexact=value))

    def filter_status(self, queryset, name, value):
        if value == ANY_OPEN:
            return queryset.filter(status__in=Recommendation.OPEN_STATUSES)
        return queryset.filter(status=value)

    def filter_owner(self, queryset, name, value):
        led = Action.recommendations.through.objects.filter(
            recommendation=OuterRef("pk"), action__delivery_lead=value
        )
        return queryset.filter(Exists(led))
