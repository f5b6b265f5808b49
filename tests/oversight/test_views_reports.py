"""Report pages: the list, create and edit, the report page itself, and the inline forms
for findings, judgements, priority areas and causes of concern."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from oversight.models import CauseOfConcern, Finding, InspectionReport, Judgement, PriorityArea
from oversight.shared.concurrency import version_of
from tests import factories

READERS = ["opcc_staff", "read_only", "plan_owner_a", "police_lead_a"]
NON_STAFF_READERS = ["read_only", "plan_owner_a", "police_lead_a"]


def _report_post(force, **overrides):
    data = {
        "title": "National child protection inspection: Force A",
        "force": force.pk,
        "source": "hmicfrs",
        "programme": "child_protection",
        "published_on": "2026-09-01",
        "status": "logging",
    }
    return data | overrides


# --- Report list ----------------------------------------------------------------------


@pytest.mark.parametrize("persona", READERS)
def test_report_list_shows_reports_the_user_may_see(client, request, persona, report_a, report_b):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse("oversight:report_list"))
    assert response.status_code == 200
    assert report_a.title.encode() in response.content
    assert report_b.title.encode() not in response.content


def test_report_list_shows_a_partner_only_reports_with_its_actions(
    client, partner_lead, partner_action_a, report_b
):
    client.force_login(partner_lead)
    response = client.get(reverse("oversight:report_list"))
    assert partner_action_a.plan.report.title.encode() in response.content
    assert report_b.title.encode() not in response.content


def test_report_list_redirects_anonymous_to_login(client, db):
    response = client.get(reverse("oversight:report_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_report_list_refuses_post(client, opcc_staff):
    client.force_login(opcc_staff)
    assert client.post(reverse("oversight:report_list")).status_code == 405


def test_report_list_filters_by_title_year_and_programme(client, opcc_staff, force_a):
    factories.InspectionReportFactory(
        force=force_a, title="PEEL 2025", programme="peel", published_on=datetime.date(2025, 3, 1)
    )
    factories.InspectionReportFactory(
        force=force_a, title="PEEL 2026", programme="peel", published_on=datetime.date(2026, 3, 1)
    )
    factories.InspectionReportFactory(force=force_a, title="Custody 2026", programme="thematic")
    client.force_login(opcc_staff)
    response = client.get(
        reverse("oversight:report_list"), {"q": "peel", "year": "2026", "programme": "peel"}
    )
    assert [row["report"].title for row in response.context["rows"]] == ["PEEL 2026"]


def test_report_list_shows_the_section_55_clock(client, opcc_staff, force_a):
    factories.InspectionReportFactory(force=force_a, published_on=datetime.date(2026, 9, 1))
    client.force_login(opcc_staff)
    with time_machine.travel(datetime.date(2026, 10, 1)):
        response = client.get(reverse("oversight:report_list"))
    # Published 1 Sep: comments due 27 Oct, 26 days after 1 Oct.
    assert b"26 days left" in response.content


def test_report_list_query_count_does_not_grow_with_reports(
    client, opcc_staff, force_a, django_assert_num_queries
):
    factories.InspectionReportFactory.create_batch(30, force=force_a)
    client.force_login(opcc_staff)
    # 1 session, 2 user (with organisation and unread notifications), 3 force choices, 4
    # count, 5 page of reports (with force).
    with django_assert_num_queries(5):
        client.get(reverse("oversight:report_list"))


# --- Create and edit ------------------------------------------------------------------


def test_report_create_saves_and_goes_to_the_report(client, opcc_staff, force_a):
    client.force_login(opcc_staff)
    response = client.post(reverse("oversight:report_create"), _report_post(force_a))
    report = InspectionReport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == report.get_absolute_url()


def test_report_create_explains_bad_dates_next_to_the_field(client, opcc_staff, force_a):
    client.force_login(opcc_staff)
    response = client.post(
        reverse("oversight:report_create"),
        _report_post(force_a, fieldwork_start="2026-05-20", fieldwork_end="2026-05-10"),
    )
    assert response.status_code == 400
    assert response.context["form"].errors["fieldwork_end"] == [
        "The fieldwork cannot end before it starts."
    ]
    assert not InspectionReport.objects.exists()


def test_report_create_offers_only_forces_the_office_oversees(client, opcc_staff, force_b):
    client.force_login(opcc_staff)
    response = client.post(reverse("oversight:report_create"), _report_post(force_b))
    assert response.status_code == 400
    assert "force" in response.context["form"].errors


@pytest.mark.parametrize("persona", NON_STAFF_READERS + ["partner_lead"])
def test_report_create_is_forbidden_to_everyone_but_opcc_staff(client, request, persona, force_a):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("oversight:report_create")).status_code == 403
    assert client.post(reverse("oversight:report_create"), _report_post(force_a)).status_code == 403
    assert not InspectionReport.objects.exists()


def test_report_create_redirects_anonymous_to_login(client, db):
    response = client.get(reverse("oversight:report_create"))
    assert response["Location"].startswith(reverse("login"))


def test_report_create_refuses_put(client, opcc_staff):
    client.force_login(opcc_staff)
    assert client.put(reverse("oversight:report_create")).status_code == 405


def test_report_edit_saves_changes(client, opcc_staff, report_a):
    client.force_login(opcc_staff)
    response = client.post(
        reverse("oversight:report_edit", args=[report_a.pk]),
        _report_post(
            report_a.force,
            title="Renamed",
            section_55_published_on="2026-10-20",
            version=version_of(report_a),
        ),
    )
    assert response.status_code == 302
    report_a.refresh_from_db()
    assert report_a.title == "Renamed"
    assert report_a.section_55_published_on == datetime.date(2026, 10, 20)


def test_report_edit_with_a_stale_form_is_refused_and_overwrites_nothing(
    client, opcc_staff, report_a
):
    client.force_login(opcc_staff)
    url = reverse("oversight:report_edit", args=[report_a.pk])
    stale = version_of(report_a)
    first = client.post(url, _report_post(report_a.force, title="First", version=stale))
    assert first.status_code == 302
    second = client.post(url, _report_post(report_a.force, title="Second", version=stale))
    assert second.status_code == 409
    assert "Someone else changed this" in second.content.decode()
    report_a.refresh_from_db()
    assert report_a.title == "First"


def test_report_logged_against_the_wrong_force_moves_until_the_force_starts_its_plan(
    client, opcc_staff, office_a, report_a, force_b
):
    office_a.forces.add(force_b)  # an office overseeing two forces
    client.force_login(opcc_staff)
    url = reverse("oversight:report_edit", args=[report_a.pk])
    moved = client.post(url, _report_post(force_b, version=version_of(report_a)))
    assert moved.status_code == 302
    report_a.refresh_from_db()
    assert report_a.force == force_b

    # Once force B has started its plan, the report stays: its plan, and who sees it
    # through the plan's force, would otherwise stay behind with force B.
    factories.ActionPlanFactory(report=report_a)
    force_a = office_a.forces.exclude(pk=force_b.pk).get()
    refused = client.post(url, _report_post(force_a, version=version_of(report_a)))
    assert refused.status_code == 400
    page = refused.content.decode()
    assert f"{force_b} has started its action plan for this report" in page
    assert "log it again for the right one" in page
    report_a.refresh_from_db()
    assert report_a.force == force_b


@pytest.mark.parametrize("persona", NON_STAFF_READERS)
def test_report_edit_is_forbidden_to_readers(client, request, persona, report_a):
    client.force_login(request.getfixturevalue(persona))
    url = reverse("oversight:report_edit", args=[report_a.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, _report_post(report_a.force, title="Hacked")).status_code == 403
    report_a.refresh_from_db()
    assert report_a.title != "Hacked"


@pytest.mark.parametrize("persona", ["opcc_staff_b", "police_lead_b"])
def test_report_edit_of_another_office_is_not_found(client, request, persona, report_a):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("oversight:report_edit", args=[report_a.pk])).status_code == 404


# --- The report page ------------------------------------------------------------------


@pytest.mark.parametrize("persona", READERS)
def test_report_detail_shows_the_report_to_its_readers(client, request, persona, report_a):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse("recommendations:report_detail", args=[report_a.pk]))
    assert response.status_code == 200
    assert report_a.title.encode() in response.content


def test_report_detail_keeps_the_programme_name_as_written(client, opcc_staff, force_a):
    report = factories.InspectionReportFactory(
        force=force_a, programme=InspectionReport.Programme.PEEL
    )
    client.force_login(opcc_staff)
    response = client.get(reverse("recommendations:report_detail", args=[report.pk]))
    assert f"{report.get_source_display()} PEEL ·".encode() in response.content


def test_report_detail_keeps_the_line_breaks_of_findings_causes_and_areas(
    client, opcc_staff, report_a
):
    bullets = "Two gaps:\n- no tracking\n- no training"
    factories.FindingFactory(report=report_a, text=bullets)
    factories.CauseOfConcernFactory(report=report_a, text=bullets)
    factories.PriorityAreaFactory(report=report_a, description=bullets)
    client.force_login(opcc_staff)
    response = client.get(reverse("recommendations:report_detail", args=[report_a.pk]))
    assert response.content.decode().count("Two gaps:<br>- no tracking<br>- no training") == 3


@pytest.mark.parametrize("persona", ["opcc_staff_b", "police_lead_b", "partner_lead"])
def test_report_detail_is_not_found_for_outsiders(client, request, persona, report_a):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse("recommendations:report_detail", args=[report_a.pk]))
    assert response.status_code == 404


def test_report_detail_redirects_anonymous_to_login(client, report_a):
    response = client.get(reverse("recommendations:report_detail", args=[report_a.pk]))
    assert response["Location"].startswith(reverse("login"))


def test_report_detail_refuses_post(client, opcc_staff, report_a):
    client.force_login(opcc_staff)
    url = reverse("recommendations:report_detail", args=[report_a.pk])
    assert client.post(url).status_code == 405


def test_report_detail_shows_edit_links_only_to_opcc_staff(client, opcc_staff, read_only, report_a):
    edit_url = reverse("oversight:report_edit", args=[report_a.pk]).encode()
    client.force_login(opcc_staff)
    assert edit_url in client.get(report_a.get_absolute_url()).content
    client.force_login(read_only)
    assert edit_url not in client.get(report_a.get_absolute_url()).content


def test_report_detail_shows_a_partner_only_the_recommendations_it_serves(
    client, partner_lead, partner_action_a, report_a
):
    other = factories.RecommendationFactory(report=report_a, reference="R9", text="Police only.")
    client.force_login(partner_lead)
    response = client.get(report_a.get_absolute_url())
    assert response.status_code == 200
    assert other.text.encode() not in response.content
    assert [r.reference for r in response.context["page"].recommendations] == ["R1"]


def test_report_detail_shows_the_section_55_clock_and_action_plan_due(client, opcc_staff, force_a):
    report = factories.InspectionReportFactory(
        force=force_a, published_on=datetime.date(2026, 9, 1)
    )
    client.force_login(opcc_staff)
    with time_machine.travel(datetime.date(2026, 11, 1)):
        response = client.get(report.get_absolute_url())
    content = response.content.decode()
    # Comments were due 27 Oct 2026, the action plan 13 Oct 2026.
    assert "Overdue by 5 days" in content
    assert "Overdue by 19 days" in content


def test_report_detail_shows_a_published_section_55_response(client, opcc_staff, force_a):
    report = factories.InspectionReportFactory(
        force=force_a, section_55_published_on=datetime.date(2026, 10, 20)
    )
    client.force_login(opcc_staff)
    assert b"Published 20 Oct 2026" in client.get(report.get_absolute_url()).content


def test_report_detail_links_to_its_post_inspection_review(client, opcc_staff, report_a):
    review = factories.InspectionReportFactory(
        force=report_a.force,
        parent=report_a,
        programme="post_inspection_review",
        title="Post-inspection review of force A",
        published_on=datetime.date(2027, 4, 1),
    )
    client.force_login(opcc_staff)
    response = client.get(report_a.get_absolute_url())
    assert review.get_absolute_url().encode() in response.content


def test_report_detail_groups_recommendations_by_priority_area_with_rag(
    client, opcc_staff, report_a, action_a, recommendation_a
):
    area = factories.PriorityAreaFactory(report=report_a, title="Missing children")
    recommendation_a.priority_areas.add(area)
    action_a.rag = "red"
    action_a.save()
    client.force_login(opcc_staff)
    response = client.get(report_a.get_absolute_url())
    summary = response.context["page"].areas[0]
    assert summary.area == area
    assert summary.recommendations == [recommendation_a]
    assert summary.rag_counts == [("red", "Red", 1)]


def _report_with_recommendations(report, count, *, office):
    """`count` of everything the report page and its panels list: recommendations (each in
    a priority area, with an investment), findings, causes of concern, deep dives judging
    the area, letters; and a post-inspection review of the report."""
    area = factories.PriorityAreaFactory(report=report)
    factories.JudgementFactory(report=report)
    factories.ActionPlanFactory(report=report)
    factories.InspectionReportFactory(force=report.force, parent=report)
    for n in range(count):
        factories.FindingFactory(report=report).priority_areas.add(area)
        factories.CauseOfConcernFactory(report=report, reference=f"C{n}").priority_areas.add(area)
        recommendation = factories.RecommendationFactory(report=report)
        recommendation.priority_areas.add(area)
        investment = factories.InvestmentFactory(office=office, force=report.force)
        investment.recommendations.add(recommendation)
        review = factories.DeepDiveReviewFactory(
            office=office,
            force=report.force,
            report=report,
            held_on=datetime.date(2026, 1, 1) + datetime.timedelta(days=n),
            plans_assurance="assured",
            plans_rationale="Credible plans.",
        )
        review.priority_areas.add(area)
        factories.LetterFactory(report=report, version=n + 1)


@pytest.mark.parametrize("count", [2, 50])
def test_report_detail_runs_the_same_queries_for_2_or_50_recommendations(
    client, opcc_staff, report_a, count, django_assert_num_queries
):
    _report_with_recommendations(report_a, count, office=opcc_staff.office)
    client.force_login(opcc_staff)
    # With the panels other apps register: 1 session, 2 user (with organisation), 3 the
    # report with its parent and follow-up reports (with force), 4 findings, 5 judgements,
    # 6 causes of concern, 7 priority areas (with OPCC lead), 8 the priority-area links of
    # findings, causes and recommendations (one UNION), 9 recommendations (with cause, RAG
    # and overdue annotated), 10 action plans (with force and owner), 11 letters panel: the
    # report's letters (with issuer), 12 reviews panel: deep dives on the report or its
    # areas, 13 reviews panel: investments by priority area (the unread notifications come
    # with the user, 2).
    with django_assert_num_queries(13):
        response = client.get(report_a.get_absolute_url())
    assert len(response.context["page"].recommendations) == count
    assert len(response.context["page"].follow_ups) == 1
    assert response.content.count(b"Credible plans.") == 1  # the latest judgement only
    assert response.content.count(b'href="#area-') >= 3 * count


# --- Inline forms: findings, judgements, priority areas, causes of concern --------------

PARTS = [
    ("oversight:finding_create", {"kind": "concern", "text": "Slow to respond."}, Finding),
    ("oversight:judgement_create", {"topic": "Leadership", "grade": "good"}, Judgement),
    ("oversight:priority_area_create", {"title": "Missing children"}, PriorityArea),
    (
        "oversight:cause_create",
        {"reference": "C1", "text": "Inconsistent response.", "status": "open"},
        CauseOfConcern,
    ),
]


@pytest.mark.parametrize(("url_name", "data", "model"), PARTS)
def test_part_create_saves_and_returns_to_the_report_section(
    client, opcc_staff, report_a, url_name, data, model
):
    client.force_login(opcc_staff)
    response = client.post(reverse(url_name, args=[report_a.pk]), data)
    assert response.status_code == 302
    assert response["Location"].startswith(report_a.get_absolute_url() + "#section-")
    assert model.objects.filter(report=report_a).count() == 1


@pytest.mark.parametrize(("url_name", "data", "model"), PARTS)
@pytest.mark.parametrize("persona", NON_STAFF_READERS)
def test_part_create_is_forbidden_to_readers(
    client, request, persona, report_a, url_name, data, model
):
    client.force_login(request.getfixturevalue(persona))
    url = reverse(url_name, args=[report_a.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, data).status_code == 403
    assert not model.objects.exists()


@pytest.mark.parametrize(("url_name", "data", "model"), PARTS)
def test_part_create_on_another_offices_report_is_not_found(
    client, opcc_staff_b, report_a, url_name, data, model
):
    client.force_login(opcc_staff_b)
    assert client.post(reverse(url_name, args=[report_a.pk]), data).status_code == 404


@pytest.mark.parametrize(("url_name", "data", "model"), PARTS)
def test_part_create_redirects_anonymous_and_refuses_put(
    client, opcc_staff, report_a, url_name, data, model
):
    url = reverse(url_name, args=[report_a.pk])
    assert client.get(url)["Location"].startswith(reverse("login"))
    client.force_login(opcc_staff)
    assert client.put(url).status_code == 405


def test_part_create_with_htmx_returns_the_form_fragment(client, opcc_staff, report_a):
    client.force_login(opcc_staff)
    response = client.get(
        reverse("oversight:finding_create", args=[report_a.pk]), HTTP_HX_REQUEST="true"
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert content.lstrip().startswith('<div id="form-slot-findings"')
    assert "<html" not in content


def test_part_create_invalid_with_htmx_comes_back_into_its_slot(client, opcc_staff, report_a):
    client.force_login(opcc_staff)
    response = client.post(
        reverse("oversight:finding_create", args=[report_a.pk]),
        {"kind": "concern", "text": ""},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 400
    assert response["HX-Retarget"] == "#form-slot-findings"
    assert "Enter the finding, as the report puts it." in response.content.decode()
    assert not Finding.objects.exists()


def test_finding_form_offers_the_reports_priority_areas_as_checkboxes(client, opcc_staff, report_a):
    area = factories.PriorityAreaFactory(report=report_a, title="Missing children")
    factories.PriorityAreaFactory(report=factories.InspectionReportFactory(force=report_a.force))
    client.force_login(opcc_staff)
    response = client.get(reverse("oversight:finding_create", args=[report_a.pk]))
    content = response.content.decode()
    assert f'name="priority_areas" value="{area.pk}"' in content
    assert content.count('name="priority_areas"') == 1


def test_priority_area_create_explains_a_duplicate_title(client, opcc_staff, report_a):
    factories.PriorityAreaFactory(report=report_a, title="Missing children")
    client.force_login(opcc_staff)
    response = client.post(
        reverse("oversight:priority_area_create", args=[report_a.pk]),
        {"title": "missing children"},
    )
    assert response.status_code == 400
    assert "already has a priority area with that title" in response.content.decode()


def test_cause_of_concern_discharged_needs_a_date(client, opcc_staff, report_a):
    client.force_login(opcc_staff)
    response = client.post(
        reverse("oversight:cause_create", args=[report_a.pk]),
        {"reference": "C1", "text": "Something.", "status": "discharged"},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["discharged_on"] == [
        "Enter the date the cause of concern was discharged."
    ]


EDITS = [
    ("oversight:finding_edit", factories.FindingFactory, {"kind": "positive", "text": "Better."}),
    ("oversight:judgement_edit", factories.JudgementFactory, {"topic": "Care", "grade": "good"}),
    ("oversight:priority_area_edit", factories.PriorityAreaFactory, {"title": "Renamed"}),
    (
        "oversight:cause_edit",
        factories.CauseOfConcernFactory,
        {"reference": "C9", "text": "Renamed.", "status": "open"},
    ),
]


@pytest.mark.parametrize(("url_name", "factory", "data"), EDITS)
def test_part_edit_saves(client, opcc_staff, report_a, url_name, factory, data):
    part = factory(report=report_a)
    client.force_login(opcc_staff)
    response = client.post(reverse(url_name, args=[part.pk]), data | {"version": version_of(part)})
    assert response.status_code == 302
    part.refresh_from_db()
    field, value = next(iter(data.items()))
    assert getattr(part, field) == value


@pytest.mark.parametrize(("url_name", "factory", "data"), EDITS)
def test_part_edit_with_a_stale_form_overwrites_nothing(
    client, opcc_staff, report_a, url_name, factory, data
):
    part = factory(report=report_a)
    stale = version_of(part)
    part.save()  # someone else saved after the form was opened
    client.force_login(opcc_staff)
    response = client.post(reverse(url_name, args=[part.pk]), data | {"version": stale})
    assert response.status_code == 409
    assert "Nothing was saved" in response.content.decode()
    before = part.updated_at
    part.refresh_from_db()
    assert part.updated_at == before


@pytest.mark.parametrize(("url_name", "factory", "data"), EDITS)
@pytest.mark.parametrize("persona", ["read_only", "police_lead_a"])
def test_part_edit_is_forbidden_to_readers(
    client, request, persona, report_a, url_name, factory, data
):
    part = factory(report=report_a)
    client.force_login(request.getfixturevalue(persona))
    response = client.post(reverse(url_name, args=[part.pk]), data | {"version": version_of(part)})
    assert response.status_code == 403


@pytest.mark.parametrize(("url_name", "factory", "data"), EDITS)
def test_part_edit_of_another_office_is_not_found(
    client, opcc_staff_b, report_a, url_name, factory, data
):
    part = factory(report=report_a)
    client.force_login(opcc_staff_b)
    assert client.get(reverse(url_name, args=[part.pk])).status_code == 404


@pytest.mark.parametrize(("url_name", "factory", "data"), EDITS)
def test_part_edit_redirects_anonymous_and_refuses_delete(
    client, opcc_staff, report_a, url_name, factory, data
):
    part = factory(report=report_a)
    url = reverse(url_name, args=[part.pk])
    assert client.get(url)["Location"].startswith(reverse("login"))
    client.force_login(opcc_staff)
    assert client.delete(url).status_code == 405


def test_home_sends_opcc_staff_and_read_only_to_the_dashboard(client, opcc_staff, read_only):
    for user in (opcc_staff, read_only):
        client.force_login(user)
        response = client.get(reverse("home"))
        assert response["Location"] == reverse("recommendations:dashboard")


def test_priority_area_form_leaves_the_position_empty_for_a_new_area(client, opcc_staff, report_a):
    factories.PriorityAreaFactory(report=report_a, position=1)
    client.force_login(opcc_staff)
    response = client.get(reverse("oversight:priority_area_create", args=[report_a.pk]))
    assert response.context["form"]["position"].value() is None
