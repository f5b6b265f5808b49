"""Areas for improvement as their own track: the register filters them, the dashboard
counts and charts them apart from recommendations, and one carried forward into a later
inspection keeps its history and a link both ways."""

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from recommendations.dashboard import dashboard_for
from recommendations.models import Recommendation
from recommendations.services import afi_carry_forward
from tests import factories

AFI = Recommendation.Kind.AREA_FOR_IMPROVEMENT
REGISTER = reverse("recommendations:register")


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime.datetime(2026, 11, 1, 12, 0), tick=False):
        yield


@pytest.fixture
def afi(report_a):
    return factories.RecommendationFactory(
        report=report_a,
        reference="AFI1",
        kind=AFI,
        text="The force should record the child's voice.",
    )


@pytest.fixture
def later_report(force_a, report_a):
    return factories.InspectionReportFactory(
        force=force_a,
        title="PEEL 2026",
        published_on=report_a.published_on + datetime.timedelta(days=40),
    )


def test_register_filters_by_kind(client, opcc_staff, recommendation_a, afi):
    client.force_login(opcc_staff)
    afis = client.get(REGISTER, {"kind": "afi"}).context["page_obj"]
    recommendations = client.get(REGISTER, {"kind": "recommendation"}).context["page_obj"]
    assert [r.pk for r in afis] == [afi.pk]
    assert [r.pk for r in recommendations] == [recommendation_a.pk]


def test_dashboard_counts_recommendations_and_afis_apart(opcc_staff, recommendation_a, afi):
    totals = dashboard_for(opcc_staff).totals
    assert (totals["recommendations"], totals["afis"]) == (1, 1)
    assert (totals["open_recommendations"], totals["open_afis"]) == (1, 1)


def test_dashboard_chart_splits_each_area_by_kind(
    client, opcc_staff, report_a, recommendation_a, afi
):
    area = factories.PriorityAreaFactory(report=report_a)
    recommendation_a.priority_areas.add(area)
    afi.priority_areas.add(area)
    client.force_login(opcc_staff)
    # The chart by priority area shows one breakdown at a time: by kind on ?by=kind.
    response = client.get(reverse("recommendations:dashboard") + "?by=kind")
    (counts,) = [c for c in response.context["data"].areas if c.area == area]
    assert dict(counts.by_kind) == {"recommendation": 1, "afi": 1}
    assert b"Recommendations and areas for improvement by priority area" in response.content


def test_dashboard_afi_tile_links_to_the_open_afis(client, opcc_staff, afi):
    client.force_login(opcc_staff)
    content = client.get(reverse("recommendations:dashboard")).content.decode()
    assert f"{REGISTER}?status=any_open&amp;kind=afi" in content


# --- Carried forward ------------------------------------------------------------------


def test_carrying_forward_creates_a_linked_afi_and_supersedes_the_open_one(
    opcc_staff, afi, later_report
):
    carried = afi_carry_forward(afi=afi, to_report=later_report, by=opcc_staff)
    afi.refresh_from_db()
    assert (carried.report, carried.kind, carried.reference, carried.text) == (
        later_report,
        AFI,
        "AFI1",
        afi.text,
    )
    assert carried.carried_forward_from == afi
    assert (afi.status, afi.superseded_by) == (Recommendation.Status.SUPERSEDED, carried)
    # Its history is kept: the earlier versions are still there.
    assert afi.history.count() >= 2


def test_carrying_forward_twice_into_the_same_report_is_refused(opcc_staff, afi, later_report):
    afi_carry_forward(afi=afi, to_report=later_report, by=opcc_staff)
    with pytest.raises(ValidationError):
        afi_carry_forward(afi=afi, to_report=later_report, by=opcc_staff, reference="AFI9")


def test_only_a_later_report_of_the_same_force_takes_it(opcc_staff, afi, report_a, force_b):
    earlier = factories.InspectionReportFactory(
        force=report_a.force, published_on=report_a.published_on - datetime.timedelta(days=1)
    )
    with pytest.raises(ValidationError):
        afi_carry_forward(afi=afi, to_report=earlier, by=opcc_staff)
    other_force = factories.InspectionReportFactory(
        force=force_b, published_on=report_a.published_on + datetime.timedelta(days=9)
    )
    with pytest.raises((ValidationError, PermissionDenied)):
        afi_carry_forward(afi=afi, to_report=other_force, by=opcc_staff)


def test_a_recommendation_is_not_carried_forward(opcc_staff, recommendation_a, later_report):
    with pytest.raises(PermissionDenied):
        afi_carry_forward(afi=recommendation_a, to_report=later_report, by=opcc_staff)


def test_pages_link_back_and_forward(client, opcc_staff, afi, later_report):
    client.force_login(opcc_staff)
    response = client.post(
        reverse("recommendations:recommendation_carry_forward", args=[afi.pk]),
        {"report": later_report.pk, "reference": "AFI3"},
    )
    carried = Recommendation.objects.get(report=later_report)
    assert response["Location"] == carried.get_absolute_url()
    later_page = client.get(carried.get_absolute_url()).content.decode()
    assert "Carried forward from" in later_page and afi.get_absolute_url() in later_page
    earlier_page = client.get(afi.get_absolute_url()).content.decode()
    assert "Carried forward into" in earlier_page and carried.get_absolute_url() in earlier_page


def test_carry_forward_form_without_a_report_says_so_and_saves_nothing(
    client, opcc_staff, afi, later_report
):
    client.force_login(opcc_staff)
    before = Recommendation.objects.count()
    response = client.post(
        reverse("recommendations:recommendation_carry_forward", args=[afi.pk]), {"report": ""}
    )
    assert response.status_code == 400
    assert "Choose the later report" in response.context["form"].errors["report"][0]
    assert Recommendation.objects.count() == before


def test_carry_forward_form_with_a_taken_reference_says_so(client, opcc_staff, afi, later_report):
    factories.RecommendationFactory(report=later_report, reference="AFI1")
    client.force_login(opcc_staff)
    response = client.post(
        reverse("recommendations:recommendation_carry_forward", args=[afi.pk]),
        {"report": later_report.pk},
    )
    assert response.status_code == 400
    assert "already has a recommendation AFI1" in response.context["form"].errors["reference"][0]


def test_an_afi_is_carried_only_into_a_later_inspection(opcc_staff, afi, force_a, report_a):
    coroners = factories.InspectionReportFactory(
        force=force_a,
        source="coroner",
        programme="",
        issued_by="HM Coroner",
        published_on=report_a.published_on + datetime.timedelta(days=5),
    )
    with pytest.raises(ValidationError):
        afi_carry_forward(afi=afi, to_report=coroners, by=opcc_staff)
