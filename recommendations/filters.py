"""The register's filters and its sort. Every choice list comes from what the user may see.

Lists that grow with the number of forces (reports, priority areas, delivery leads) are
listed for the force and report chosen: a national reader sees 43 forces, 2,000 reports
and 6,000 priority areas, far too many to send with every page. Priority areas belong to
one report, so they are listed once a report is chosen, even for a single-force office
(which would otherwise scroll through every area of every report). A filter still accepts
any value the user may see (a link such as ?report=12 works without a force).
"""

import copy
import datetime
from collections.abc import Callable, Iterable

import django_filters
from django import forms
from django.db.models import (
    Case,
    Exists,
    F,
    IntegerField,
    Model,
    OrderBy,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.http import QueryDict
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.choices import BaseChoiceIterator
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.translation import gettext, gettext_lazy
from django_filters.fields import ChoiceField

from oversight.models import InspectionReport, User
from oversight.selectors import forces_visible_to, priority_areas_visible_to, reports_visible_to
from oversight.shared.built_querysets import built_once_per_person, rows_of
from oversight.written_fields import WrittenDateInput, WrittenTextInput, written_out
from recommendations.models import Action, Recommendation
from recommendations.rag import NO_RAG, NO_RAG_LABEL, RAG_ORDER, overdue_condition, rag_condition
from recommendations.selectors import delivery_leads_visible_to, register_history_starts_on

ANY_OPEN = "any_open"

# The two saved filters on where the force's status and HMICFRS's part company (on
# HMICFRS and HMIC reports, the only ones HMICFRS keeps a status for).
CLOSED_NOT_COMPLETE = "closed_not_complete"
COMPLETE_STILL_OPEN = "complete_still_open"
DIVERGENCE_CHOICES = [
    (CLOSED_NOT_COMPLETE, gettext_lazy("Closed by the force, not yet complete for HMICFRS")),
    (COMPLETE_STILL_OPEN, gettext_lazy("Complete for HMICFRS, still open for the force")),
]


def divergence_condition(value: str) -> Q:
    """Where the OPCC's status and HMICFRS's differ, as the register filters and the
    dashboard counts it."""
    hmicfrs = Q(report__source__in=InspectionReport.SECTION_55_SOURCES)
    if value == CLOSED_NOT_COMPLETE:
        return (
            hmicfrs
            & Q(status=Recommendation.Status.CLOSED)
            & ~Q(inspectorate_status__in=Recommendation.INSPECTORATE_DONE)
        )
    return (
        hmicfrs
        & Q(status__in=Recommendation.OPEN_STATUSES)
        & Q(inspectorate_status=Recommendation.InspectorateStatus.COMPLETE)
    )


def _in_lifecycle_order(field: str, values: list) -> Case:
    return Case(
        *[When(**{field: value}, then=Value(i)) for i, value in enumerate(values)],
        output_field=IntegerField(),
    )


# The register's sort keys, each with the columns it orders by (ties broken the same way
# on every page). "rag" ascending puts the worst first: `rag` is ranked 4 red … 1 complete.
REGISTER_SORTS = {
    "report": [F("report__published_on").desc(), "report__title", "position", "pk"],
    "force": ["report__force__name", F("report__published_on").desc(), "position", "pk"],
    "reference": ["position", "reference", "report__title", "pk"],
    "timescale": [
        _in_lifecycle_order("timescale", list(Recommendation.Timescale)),
        "report__title",
        "position",
        "pk",
    ],
    "due": [F("due_on").asc(nulls_last=True), "report__title", "position", "pk"],
    "status": [
        _in_lifecycle_order("status", list(Recommendation.Status)),
        "report__title",
        "position",
        "pk",
    ],
    "rag": [F("rag").desc(nulls_last=True), "report__title", "position", "pk"],
}
DEFAULT_REGISTER_SORT = "report"


def _reversed(column):
    if isinstance(column, str):
        return F(column).desc()
    if isinstance(column, OrderBy):
        return OrderBy(
            column.expression,
            descending=not column.descending,
            nulls_first=column.nulls_last,
            nulls_last=column.nulls_first,
        )
    return column.desc()


class _SortKeyField(ChoiceField):
    """A sort key as given: one the register does not know is not an error, as
    RegisterOrderingFilter sorts by the default instead."""

    def validate(self, value):
        pass


class RegisterOrderingFilter(django_filters.OrderingFilter):
    """The register's `?sort=`: one key of REGISTER_SORTS, a leading "-" to reverse it.
    Anything else (no key, an unknown one, several) sorts by DEFAULT_REGISTER_SORT, so a
    stale or hand-edited address still shows the register."""

    field_class = _SortKeyField

    def __init__(self, **kwargs):
        super().__init__(fields=list(REGISTER_SORTS), **kwargs)

    def applied(self, value: list[str] | None) -> str:
        """The sort key the cleaned `?sort=` value stands for."""
        if value and len(value) == 1 and value[0].removeprefix("-") in REGISTER_SORTS:
            return value[0]
        return DEFAULT_REGISTER_SORT

    def get_ordering_value(self, param: str) -> list:
        columns = REGISTER_SORTS[param.removeprefix("-")]
        return [_reversed(column) for column in columns] if param.startswith("-") else columns

    def filter(self, qs, value):
        return qs.order_by(*self.get_ordering_value(self.applied(value)))


class _ListedChoices(BaseChoiceIterator):
    """The options a model select renders: its empty choice, then the (value, label) pairs
    `listed()` gives, worked out at render time (after the form was validated), not the
    field's whole queryset. The pairs are read as values, not as rows made into models: a
    single-force office's register lists every report of its force on every page."""

    def __init__(self, field: forms.ModelChoiceField, listed: Callable[[], Iterable]):
        self.field, self.listed = field, listed

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        yield from self.listed()


class RegisterFilterForm(forms.Form):
    """The register's filter form: an "As at" day must be one the change history covers."""

    user: User

    def clean_as_at(self):
        day = self.cleaned_data.get("as_at")
        if day is None:
            return None
        if day > timezone.localdate():
            raise forms.ValidationError(
                gettext(
                    "The register cannot be shown as at a day still to come: choose today or "
                    "an earlier day."
                )
            )
        starts_on = register_history_starts_on(self.user)
        if starts_on is None:
            raise forms.ValidationError(
                gettext(
                    "There is no history to show yet: leave “As at” empty to see the register now.",
                )
            )
        if day < starts_on:
            raise forms.ValidationError(
                gettext(
                    "The register's history starts on %(date)s: choose that day or a later one."
                )
                % {"date": date_format(starts_on, "j F Y")}
            )
        return day


# The filter's options as listed when no force narrows them (an office of one force, or a
# force not yet chosen): the same for the same person all day, so built once per person,
# day and language, and read compiled once (oversight.shared.built_querysets).


@built_once_per_person
def _force_options(user: User, *, today: datetime.date | None = None) -> QuerySet:
    return forces_visible_to(user).only("name").order_by("name")


# The report filter's order, newest first, whether its options are read as values or its
# choice is checked.
_REPORT_ORDER = ("-published_on", "title")


@built_once_per_person
def _report_options(user: User, *, today: datetime.date | None = None) -> QuerySet:
    return reports_visible_to(user).order_by(*_REPORT_ORDER).values_list("pk", "title")


@built_once_per_person
def _lead_options(user: User, *, today: datetime.date | None = None) -> QuerySet:
    return delivery_leads_visible_to(user).values_list("pk", *User.NAME_COLUMNS)


# What each model choice is checked against (and narrowed from when a force or report is
# chosen): only the columns the options show (each a model's __str__) and the filters read.


@built_once_per_person
def _report_choices(user: User, *, today: datetime.date | None = None) -> QuerySet:
    return reports_visible_to(user).only("title", "force").order_by(*_REPORT_ORDER)


@built_once_per_person
def _area_choices(user: User, *, today: datetime.date | None = None) -> QuerySet:
    return (
        priority_areas_visible_to(user)
        .select_related("report")
        .only("title", "report__title")
        .order_by("-report__published_on", "report__title", "position")
    )


@built_once_per_person
def _lead_choices(user: User, *, today: datetime.date | None = None) -> QuerySet:
    return delivery_leads_visible_to(user).only("first_name", "last_name", "username")


class _Hint:
    """A field's help text worked out when the field is drawn, after the form is
    validated (as Django's lazy(), without building a class for each)."""

    def __init__(self, hint: Callable[..., str], *args):
        self.hint, self.args = hint, args

    def __str__(self) -> str:
        return self.hint(*self.args)

    def __bool__(self) -> bool:
        return bool(str(self))


def _own_copy(filter_: django_filters.Filter) -> django_filters.Filter:
    """A filter for one filter set: its own attributes and field arguments (django-filter
    sets a model choice's queryset among them), sharing what neither changes."""
    copied = copy.copy(filter_)
    copied.extra = dict(filter_.extra)
    if filter_.method is not None:
        copied.method = filter_.method  # a filter method of the copy's, found on its parent
    return copied


def _hashable(value):
    if isinstance(value, Model):
        return (value._meta.label, value.pk)
    if isinstance(value, list | tuple):
        return tuple(_hashable(item) for item in value)
    return value


class RecommendationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_text",
        label=gettext_lazy("Words, reference or priority area"),
        widget=WrittenTextInput(attrs={"type": "search"}),
    )
    force = django_filters.ModelChoiceFilter(
        field_name="report__force",
        queryset=None,
        label=gettext_lazy(
            "Force",
        ),
        empty_label=gettext_lazy(
            "All forces",
        ),
    )
    report = django_filters.ModelChoiceFilter(
        queryset=None,
        label=gettext_lazy("Report"),
        empty_label=gettext_lazy(
            "All reports",
        ),
    )
    source = django_filters.ChoiceFilter(
        field_name="report__source",
        choices=InspectionReport.Source.choices,
        label=gettext_lazy("Source"),
        empty_label=gettext_lazy("All sources"),
    )
    kind = django_filters.ChoiceFilter(
        choices=[
            (Recommendation.Kind.RECOMMENDATION, gettext_lazy("Recommendations")),
            (Recommendation.Kind.AREA_FOR_IMPROVEMENT, gettext_lazy("Areas for improvement")),
        ],
        label=gettext_lazy("Recommendation or AFI"),
        empty_label=gettext_lazy("Both"),
    )
    priority_area = django_filters.ModelChoiceFilter(
        field_name="priority_areas",
        queryset=None,
        label=gettext_lazy("Priority area"),
        empty_label=gettext_lazy("All priority areas"),
    )
    status = django_filters.ChoiceFilter(
        method="filter_status",
        label=gettext_lazy("Status"),
        choices=[(ANY_OPEN, gettext_lazy("Any open status")), *Recommendation.Status.choices],
        empty_label=gettext_lazy("Any status"),
    )
    rag = django_filters.ChoiceFilter(
        method="filter_rag",
        label=gettext_lazy("RAG"),
        choices=[*((rag.value, rag.label) for rag in RAG_ORDER), (NO_RAG, NO_RAG_LABEL)],
        empty_label=gettext_lazy("Any RAG"),
    )
    inspectorate_status = django_filters.ChoiceFilter(
        choices=Recommendation.InspectorateStatus.choices,
        label=gettext_lazy("HMICFRS status"),
        empty_label=gettext_lazy("Any HMICFRS status"),
    )
    divergence = django_filters.ChoiceFilter(
        method="filter_divergence",
        choices=DIVERGENCE_CHOICES,
        label=gettext_lazy("Force and HMICFRS differ"),
        empty_label=gettext_lazy("Either way or not at all"),
    )
    overdue = django_filters.BooleanFilter(
        method="filter_overdue",
        label=gettext_lazy("Overdue"),
        widget=forms.Select(
            choices=[
                (
                    "",
                    gettext_lazy(
                        "Any",
                    ),
                ),
                (
                    "true",
                    gettext_lazy(
                        "Overdue only",
                    ),
                ),
            ]
        ),
    )
    owner = django_filters.ModelChoiceFilter(
        method="filter_owner",
        queryset=None,
        label=gettext_lazy("Action delivery lead"),
        empty_label=gettext_lazy("Anyone"),
    )
    as_at = django_filters.DateFilter(
        method="filter_as_at",
        label=gettext_lazy("As at"),
        widget=WrittenDateInput(),
        help_text=gettext_lazy("A past day: the register as it stood at the end of it."),
    )
    sort = RegisterOrderingFilter(label=gettext_lazy("Sort by"))

    class Meta:
        model = Recommendation
        form = RegisterFilterForm
        fields = [
            "q",
            "force",
            "report",
            "source",
            "kind",
            "priority_area",
            "status",
            "inspectorate_status",
            "divergence",
            "rag",
            "overdue",
            "owner",
            "as_at",
        ]

    def __init__(self, data, queryset: QuerySet[Recommendation], *, user: User):
        # As django-filter's, but each filter copied with its own field arguments rather
        # than deep-copied (its widget and choices: the field makes its own copy).
        self.is_bound = data is not None
        self.data = data or QueryDict()
        self.queryset = queryset
        self.request = None
        self.form_prefix = None
        self.filters = {name: _own_copy(filter_) for name, filter_ in self.base_filters.items()}
        for filter_ in self.filters.values():
            filter_.model = queryset.model
            filter_.parent = self
        self.user = user
        self.filters["force"].queryset = _force_options(user)
        self.filters["report"].queryset = _report_choices(user)
        self.filters["priority_area"].queryset = _area_choices(user)
        self.filters["owner"].queryset = _lead_choices(user)
        self.form.user = user  # the form is built here, once every queryset is set
        fields = self.form.fields
        fields["force"].widget.choices = _ListedChoices(
            fields["force"], lambda: [(force.pk, str(force)) for force in self.forces]
        )
        fields["report"].widget.choices = _ListedChoices(fields["report"], self._listed_reports)
        fields["priority_area"].widget.choices = _ListedChoices(
            fields["priority_area"], self._listed_areas
        )
        fields["owner"].widget.choices = _ListedChoices(fields["owner"], self._listed_leads)
        written_out(self.form)  # drawn with every page of the register
        # Choosing a report lists its priority areas at once (htmx), without a submit.
        fields["report"].widget.attrs.update(
            {
                "hx-get": reverse_lazy("recommendations:register_area_options"),
                "hx-trigger": "change",
                "hx-target": "#id_priority_area",
                "hx-swap": "innerHTML",
                "aria-controls": "id_priority_area",
            }
        )
        fields["report"].help_text = _Hint(
            self._choose_first_hint, "force", gettext_lazy("Choose a force to list its reports.")
        )
        fields["owner"].help_text = _Hint(
            self._choose_first_hint, "force", gettext_lazy("Choose a force to list its leads.")
        )
        fields["priority_area"].help_text = _Hint(
            self._choose_first_hint,
            "report",
            gettext_lazy("Choose a report to list its priority areas."),
        )

    def priority_area_options(self) -> str:
        """The priority-area <option>s for the report in the data: the empty choice alone
        when no report the user may see is given."""
        self.form.is_valid()
        field = self.form["priority_area"]
        return field.field.widget.render_options(field.html_name, field.value())

    @property
    def qs(self) -> QuerySet[Recommendation]:
        """The recommendations filtered and sorted. Without any parameter django-filter runs
        no filter, the sort included, so its default is applied here."""
        recommendations = super().qs
        if self.is_bound:
            return recommendations
        return self.filters["sort"].filter(recommendations, None)

    @property
    def chosen_key(self) -> tuple:
        """What the filtered, sorted register is built from besides the person and the day:
        each cleaned choice, a row chosen as its model and key (hashable, for
        oversight.shared.built_querysets.built_once_for). Without any parameter, the
        default sort's."""
        if not self.is_bound:
            return ()
        self.form.is_valid()
        return tuple(
            (name, _hashable(value)) for name, value in sorted(self.form.cleaned_data.items())
        )

    @property
    def sort_key(self) -> str:
        """The sort applied, for the column headings and the "Sort by" list."""
        if not self.is_bound:
            return self.filters["sort"].applied(None)
        self.form.is_valid()  # cleaned_data holds the sort asked for once the form is clean
        return self.filters["sort"].applied(self.form.cleaned_data.get("sort"))

    @cached_property
    def forces(self) -> list:
        return rows_of(_force_options(self.user))

    @property
    def chosen_force(self):
        """The force the register is filtered to, if any."""
        return self._chosen("force")

    def _chosen(self, name: str):
        return getattr(self.form, "cleaned_data", {}).get(name)

    def _lists_everything(self) -> bool:
        return len(self.forces) <= 1

    def _listed_reports(self):
        reports, force = self.filters["report"].queryset, self._chosen("force")
        if force:
            return reports.filter(force=force).values_list("pk", "title")
        if self._lists_everything():
            return rows_of(_report_options(self.user))
        chosen = self._chosen("report")
        return [(chosen.pk, str(chosen))] if chosen else []

    def _listed_areas(self):
        areas, report = self.filters["priority_area"].queryset, self._chosen("report")
        if not report:
            chosen = self._chosen("priority_area")
            if not chosen:
                return []
            report = chosen.report_id
        return (
            (pk, f"{title} ({report_title})")
            for pk, title, report_title in areas.filter(report=report).values_list(
                "pk", "title", "report__title"
            )
        )

    def _listed_leads(self):
        leads, force = self.filters["owner"].queryset, self._chosen("force")
        if force:
            leads = leads.filter(Q(force=force) | Q(partner_agency__forces=force)).distinct()
            listed = leads.values_list("pk", *User.NAME_COLUMNS)
        elif not self._lists_everything():
            chosen = self._chosen("owner")
            return [(chosen.pk, str(chosen))] if chosen else []
        else:
            listed = rows_of(_lead_options(self.user))
        return ((pk, User.name_from(*names)) for pk, *names in listed)

    def _choose_first_hint(self, first: str, hint: str) -> str:
        if first == "force" and (self._lists_everything() or self._chosen("force")):
            return ""
        if first == "report" and (self._chosen("report") or self._chosen("priority_area")):
            return ""
        return str(hint)

    def filter_text(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        # EXISTS rather than a join: a recommendation in two matching areas is listed once.
        in_matching_area = Recommendation.priority_areas.through.objects.filter(
            recommendation=OuterRef("pk"), priorityarea__title__icontains=value
        )
        return queryset.filter(
            Q(text__icontains=value) | Q(reference__iexact=value) | Exists(in_matching_area)
        )

    def filter_status(self, queryset, name, value):
        if value == ANY_OPEN:
            return queryset.filter(status__in=Recommendation.OPEN_STATUSES)
        return queryset.filter(status=value)

    def filter_divergence(self, queryset, name, value):
        return queryset.filter(divergence_condition(value))

    def filter_rag(self, queryset, name, value):
        # EXISTS over the actions rather than the per-row `rag` annotation: the whole
        # register is filtered in one pass, not ranked row by row.
        return queryset.filter(rag_condition(value, user=self.user))

    def filter_overdue(self, queryset, name, value):
        overdue = overdue_condition(user=self.user, today=timezone.localdate())
        return queryset.filter(overdue if value else ~overdue)

    @property
    def as_at_day(self) -> datetime.date | None:
        """The past day asked for, when the form accepts it: the register is then rebuilt
        from the change history (recommendations.register_as_at), not filtered here."""
        if not self.is_bound:
            return None
        self.form.is_valid()
        return self.form.cleaned_data.get("as_at")

    @property
    def as_at_refused(self) -> bool:
        """An "As at" day was given and refused (its message is on the field)."""
        return self.is_bound and not self.form.is_valid() and "as_at" in self.form.errors

    def filter_as_at(self, queryset, name, value):
        return queryset

    def filter_owner(self, queryset, name, value):
        led = Action.recommendations.through.objects.filter(
            recommendation=OuterRef("pk"), action__delivery_lead=value
        )
        return queryset.filter(Exists(led))
