"""The report page."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from recommendations.models import Rag, Recommendation
from tests import factories


def test_report_page_shows_the_rag_in_the_users_language(
    client, opcc_staff, report_a, recommendation_a, plan_a
):
    factories.ActionFactory(plan=plan_a, rag=Rag.COMPLETE, recommendations=[recommendation_a])
    opcc_staff.language = "cy"
    opcc_staff.save(update_fields=["language"])
    client.force_login(opcc_staff)
    html = client.get(reverse("recommendations:report_detail", args=[report_a.pk])).content
    assert '<span class="rag rag-complete">Wedi’i gwblhau (glas)</span>' in html.decode()
    assert b">Complete<" not in html


def test_report_pages_priority_areas_show_the_rag_in_the_users_language(
    client, opcc_staff, report_a, recommendation_a, plan_a
):
    area = factories.PriorityAreaFactory(report=report_a)
    recommendation_a.priority_areas.add(area)
    factories.ActionFactory(plan=plan_a, rag=Rag.GREEN, recommendations=[recommendation_a])
    opcc_staff.language = "cy"
    opcc_staff.save(update_fields=["language"])
    client.force_login(opcc_staff)
    html = client.get(reverse("recommendations:report_detail", args=[report_a.pk])).content
    # Once in the area's card, once in the table.
    assert html.decode().count('<span class="rag rag-green">Gwyrdd</span>') == 2


@pytest.fixture
def two_rows(report_a, recommendation_a):
    """R1: an area for improvement in a priority area, under a cause of concern, with a
    long text, overdue, no actions; R2: in no priority area, no due date."""
    area = factories.PriorityAreaFactory(report=report_a, title="Safeguarding <b>")
    cause = factories.CauseOfConcernFactory(report=report_a, reference="C1")
    recommendation_a.kind = Recommendation.Kind.AREA_FOR_IMPROVEMENT
    recommendation_a.cause_of_concern = cause
    recommendation_a.text = " ".join(f"word{n}" for n in range(60))
    recommendation_a.save()
    recommendation_a.priority_areas.add(area)
    other = factories.RecommendationFactory(
        report=report_a, reference="R2", timescale=Recommendation.Timescale.NONE, due_on=None
    )
    return recommendation_a, other, area


def _report_html(client, user, report) -> str:
    with time_machine.travel(datetime.datetime(2026, 12, 10, 12, 0), tick=False):
        client.force_login(user)
        response = client.get(reverse("recommendations:report_detail", args=[report.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_report_pages_rows_show_each_recommendations_kind_areas_cause_dates_and_rag(
    client, opcc_staff, report_a, two_rows
):
    first, second, area = two_rows
    html = _report_html(client, opcc_staff, report_a)
    detail, edit = (
        reverse(f"recommendations:recommendation_{page}", args=[first.pk])
        for page in ("detail", "edit")
    )
    assert (
        f'<a href="{detail}">R1</a><br><a class="small fw-normal no-print" href="{edit}">'
        'Edit<span class="visually-hidden"> R1</span></a>'
    ) in html
    # The text cut at 45 words, the area's title escaped and linked to its section.
    assert " ".join(f"word{n}" for n in range(45)) + " …</div>" in html
    assert "word45" not in html
    assert (
        f'Area for improvement · Priority area: <a href="#area-{area.pk}">Safeguarding &lt;b&gt;'
        "</a> · cause of concern C1"
    ) in html
    assert (
        'Within three months<br><span class="overdue">due 1 Dec 2026</span>'
        ' <span class="badge text-bg-danger">Overdue</span>'
    ) in html
    assert '<span class="rec-status rec-status-open">Open</span>' in html
    # R2: in no priority area, no date, no actions yet.
    assert '<span class="text-warning-emphasis">Not in a priority area</span>' in html
    assert html.count('<td data-label="RAG"><span class="rag rag-none">No actions</span>') == 2
    assert reverse("recommendations:recommendation_edit", args=[second.pk]) in html


def test_report_pages_rows_offer_no_edit_link_to_a_panel_member(
    client, read_only, report_a, two_rows
):
    first, second, _ = two_rows
    html = _report_html(client, read_only, report_a)
    assert reverse("recommendations:recommendation_detail", args=[first.pk]) in html
    for recommendation in (first, second):
        assert reverse("recommendations:recommendation_edit", args=[recommendation.pk]) not in html


def test_report_pages_rows_are_in_the_users_language(client, opcc_staff, report_a, two_rows):
    opcc_staff.language = "cy"
    opcc_staff.save(update_fields=["language"])
    html = _report_html(client, opcc_staff, report_a)
    assert "Maes blaenoriaeth: <a href=" in html
    assert "achos pryder C1" in html
    assert '<span class="overdue">erbyn 1 Rhag 2026</span>' in html
    assert "Priority area:" not in html
    assert "cause of concern" not in html
