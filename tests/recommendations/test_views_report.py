"""The report page."""

from django.urls import reverse

from recommendations.models import Rag
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
