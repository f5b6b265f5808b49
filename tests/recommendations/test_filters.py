"""The register's sort (RegisterOrderingFilter): the order asked for, or the default one."""

import datetime
from urllib.parse import urlencode

import pytest
from django.http import QueryDict

from recommendations.filters import DEFAULT_REGISTER_SORT, RecommendationFilter
from recommendations.register import recommendation_register
from tests import factories


def _filter(user, parameters: dict | None) -> RecommendationFilter:
    data = QueryDict(urlencode(parameters)) if parameters is not None else None
    return RecommendationFilter(data, queryset=recommendation_register(user), user=user)


def _references(register_filter: RecommendationFilter) -> list[str]:
    return [recommendation.reference for recommendation in register_filter.qs]


@pytest.fixture
def three(report_a):
    """R1 due in March, R2 in January, R3 with no due date."""
    for position, due_on in enumerate([datetime.date(2027, 3, 1), datetime.date(2027, 1, 1), None]):
        factories.RecommendationFactory(
            report=report_a, reference=f"R{position + 1}", position=position + 1, due_on=due_on
        )


def test_sort_orders_by_its_key_and_a_leading_minus_reverses_it(opcc_staff, three):
    assert _references(_filter(opcc_staff, {"sort": "due"})) == ["R2", "R1", "R3"]
    assert _references(_filter(opcc_staff, {"sort": "-due"})) == ["R3", "R1", "R2"]
    assert _filter(opcc_staff, {"sort": "-due"}).sort_key == "-due"


def test_without_parameters_the_default_sort_applies(opcc_staff, three):
    register_filter = _filter(opcc_staff, None)
    assert register_filter.sort_key == DEFAULT_REGISTER_SORT
    assert _references(register_filter) == ["R1", "R2", "R3"]


@pytest.mark.parametrize("sort", ["text; DROP TABLE", "due,rag", "--due", "-", "", "DUE"])
def test_a_sort_the_register_does_not_know_falls_back_to_the_default_without_an_error(
    opcc_staff, three, sort
):
    register_filter = _filter(opcc_staff, {"sort": sort})
    assert register_filter.sort_key == DEFAULT_REGISTER_SORT
    assert "sort" not in register_filter.errors
    assert _references(register_filter) == ["R1", "R2", "R3"]


def test_the_sort_still_applies_when_another_filter_is_refused(opcc_staff, three):
    register_filter = _filter(opcc_staff, {"report": 999999, "sort": "-due"})
    assert "report" in register_filter.errors
    assert register_filter.sort_key == "-due"
    assert _references(register_filter) == ["R3", "R1", "R2"]


def test_each_filter_set_has_filters_of_its_own_and_leaves_the_classs_as_they_were(
    opcc_staff, opcc_staff_b, report_a, report_b
):
    # Filters are copied lightly for each request (not deep-copied as django-filter does):
    # one person's choices must never reach the class's filters, nor another's filter set.
    factories.RecommendationFactory(report=report_a, reference="A1")
    factories.RecommendationFactory(report=report_a, reference="A2", status="in_progress")
    factories.RecommendationFactory(report=report_b, reference="B1")
    asked = {"status": "open", "report": report_a.pk}
    first, second = _filter(opcc_staff, asked), _filter(opcc_staff_b, asked)
    for name, filter_ in RecommendationFilter.base_filters.items():
        assert getattr(filter_, "parent", None) is None, name
        assert filter_.extra.get("queryset") is None, name
    assert first.filters["status"].filter.f.parent is first
    assert second.filters["status"].filter.f.parent is second
    assert list(first.form.fields["report"].queryset) == [report_a]
    assert list(second.form.fields["report"].queryset) == [report_b]
    assert _references(first) == ["A1"]
    # Office B's filter set checks the report against B's own choices: refused, and the
    # rest of the filter still applied to B's register.
    assert "report" in second.form.errors
    assert _references(second) == ["B1"]
