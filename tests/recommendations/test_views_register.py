"""The recommendation register: scoping, filters, sorting, pagination and the CSV export."""

import csv
import datetime
import io
import re

import pytest
import time_machine
from django.urls import reverse

from recommendations import register_csv
from recommendations.models import Action, Rag, Recommendation
from recommendations.register_csv import spreadsheet_safe
from tests import factories

REGISTER = reverse("recommendations:register")
AREA_OPTIONS = reverse("recommendations:register_area_options")
CSV = reverse("recommendations:register_csv")
TODAY = datetime.date(2026, 11, 1)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime.datetime(2026, 11, 1, 12, 0), tick=False):
        yield


def _references(response) -> list[str]:
    return [row.recommendation.reference for row in response.context["rows"]]


def _csv_rows(response) -> list[dict]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(body)))


# --- Access ---------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["opcc_staff", "read_only", "plan_owner_a", "police_lead_a"])
@pytest.mark.parametrize("url", [REGISTER, CSV])
def test_register_shows_force_a_readers_only_force_a(
    client, request, persona, url, recommendation_a, recommendation_b
):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(url)
    assert response.status_code == 200
    if url == CSV:
        assert [row["Report"] for row in _csv_rows(response)] == [recommendation_a.report.title]
    else:
        assert [row.recommendation for row in response.context["rows"]] == [recommendation_a]


@pytest.mark.parametrize("url", [REGISTER, CSV])
def test_register_shows_a_partner_only_what_its_actions_serve(
    client, partner_lead, partner_action_a, url, report_a
):
    factories.RecommendationFactory(report=report_a, reference="R2")
    client.force_login(partner_lead)
    response = client.get(url)
    if url == CSV:
        assert [row["Reference"] for row in _csv_rows(response)] == ["R1"]
    else:
        assert _references(response) == ["R1"]


def test_register_never_names_a_police_only_lead_to_a_partner(
    client, partner_lead, partner_action_a, action_a, police_lead_a
):
    client.force_login(partner_lead)
    row = _csv_rows(client.get(CSV))[0]
    assert str(police_lead_a) not in row["Action delivery leads"]
    assert str(partner_lead) in row["Action delivery leads"]


@pytest.mark.parametrize("url", [REGISTER, CSV])
def test_register_redirects_anonymous_to_login(client, db, url):
    assert client.get(url)["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("url", [REGISTER, CSV])
def test_register_refuses_post(client, opcc_staff, url):
    client.force_login(opcc_staff)
    assert client.post(url).status_code == 405


# --- RAG and overdue ------------------------------------------------------------------


def test_rag_is_the_worst_of_the_live_actions(client, opcc_staff, recommendation_a, plan_a):
    for rag in (Rag.GREEN, Rag.RED, Rag.AMBER):
        factories.ActionFactory(plan=plan_a, rag=rag, recommendations=[recommendation_a])
    factories.ActionFactory(
        plan=plan_a, rag=Rag.RED, status=Action.Status.PAUSED, status_reason="On hold."
    ).recommendations.add(recommendation_a)
    client.force_login(opcc_staff)
    row = client.get(REGISTER).context["rows"][0]
    assert row.recommendation.rag == Rag.RED


def test_rag_is_complete_once_every_action_is_finished(
    client, opcc_staff, recommendation_a, plan_a
):
    factories.ActionFactory(
        plan=plan_a, rag=Rag.AMBER, status=Action.Status.NOT_NEEDED, status_reason="Done otherwise."
    ).recommendations.add(recommendation_a)
    client.force_login(opcc_staff)
    assert client.get(REGISTER).context["rows"][0].recommendation.rag == Rag.COMPLETE


def test_rag_is_none_without_actions(client, opcc_staff, recommendation_a):
    client.force_login(opcc_staff)
    response = client.get(REGISTER)
    assert response.context["rows"][0].recommendation.rag == "none"
    assert b"No actions" in response.content


def test_overdue_is_an_open_recommendation_past_its_due_date(client, opcc_staff, report_a):
    factories.RecommendationFactory(report=report_a, reference="R1", due_on=TODAY)
    factories.RecommendationFactory(
        report=report_a, reference="R2", due_on=TODAY - datetime.timedelta(days=1)
    )
    factories.RecommendationFactory(
        report=report_a,
        reference="R3",
        due_on=TODAY - datetime.timedelta(days=1),
        status=Recommendation.Status.NO_ACTION,
        status_reason="Not accepted.",
    )
    client.force_login(opcc_staff)
    assert _references(client.get(REGISTER, {"overdue": "true"})) == ["R2"]


def test_overdue_includes_a_live_action_past_its_current_target(
    client, opcc_staff, recommendation_a, plan_a
):
    action = factories.ActionFactory(
        plan=plan_a,
        target_date=TODAY - datetime.timedelta(days=30),
        recommendations=[recommendation_a],
    )
    client.force_login(opcc_staff)
    assert _references(client.get(REGISTER, {"overdue": "true"})) == ["R1"]
    action.revised_target_date = TODAY + datetime.timedelta(days=30)
    action.revision_reason = "Recruitment."
    action.save()
    assert _references(client.get(REGISTER, {"overdue": "true"})) == []


# --- Filters --------------------------------------------------------------------------


@pytest.fixture
def varied(report_a, plan_a, police_lead_a, police_lead_a2):
    """R1 open and green (lead A), R2 in progress and red (lead A2), R3 closed, no actions."""
    area = factories.PriorityAreaFactory(report=report_a, title="Missing children")
    r1 = factories.RecommendationFactory(report=report_a, reference="R1", position=1)
    r2 = factories.RecommendationFactory(
        report=report_a, reference="R2", position=2, status=Recommendation.Status.IN_PROGRESS
    )
    factories.RecommendationFactory(
        report=report_a,
        reference="R3",
        position=3,
        status=Recommendation.Status.NO_ACTION,
        status_reason="Not accepted.",
    )
    r2.priority_areas.add(area)
    factories.ActionFactory(
        plan=plan_a, rag=Rag.GREEN, delivery_lead=police_lead_a, recommendations=[r1]
    )
    factories.ActionFactory(
        plan=plan_a, rag=Rag.RED, delivery_lead=police_lead_a2, recommendations=[r2]
    )
    return {"area": area}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["R1", "R2", "R3"]),
        ({"status": "in_progress"}, ["R2"]),
        ({"status": "any_open"}, ["R1", "R2"]),
        ({"rag": "red"}, ["R2"]),
        ({"rag": "none"}, ["R3"]),
        ({"q": "r3"}, ["R3"]),
        ({"status": "any_open", "rag": "green"}, ["R1"]),
    ],
)
def test_filters(client, opcc_staff, varied, params, expected):
    client.force_login(opcc_staff)
    assert _references(client.get(REGISTER, params)) == expected


def test_filter_by_priority_area(client, opcc_staff, varied):
    client.force_login(opcc_staff)
    response = client.get(REGISTER, {"priority_area": varied["area"].pk})
    assert _references(response) == ["R2"]


def test_search_matches_a_priority_area_title(client, opcc_staff, varied):
    client.force_login(opcc_staff)
    assert _references(client.get(REGISTER, {"q": "missing CHILD"})) == ["R2"]


def test_search_by_priority_area_lists_a_recommendation_once(client, opcc_staff, varied, report_a):
    recommendation = Recommendation.objects.get(reference="R2")
    recommendation.priority_areas.add(
        factories.PriorityAreaFactory(report=report_a, title="Missing children at night")
    )
    client.force_login(opcc_staff)
    assert _references(client.get(REGISTER, {"q": "missing"})) == ["R2"]


def test_filter_by_delivery_lead(client, opcc_staff, varied, police_lead_a2):
    client.force_login(opcc_staff)
    assert _references(client.get(REGISTER, {"owner": police_lead_a2.pk})) == ["R2"]


def test_filter_by_force_and_report(client, opcc_staff, varied, report_a, force_a):
    other = factories.InspectionReportFactory(force=force_a, title="Another report")
    factories.RecommendationFactory(report=other, reference="R1")
    client.force_login(opcc_staff)
    assert len(_references(client.get(REGISTER, {"force": force_a.pk}))) == 4
    assert _references(client.get(REGISTER, {"report": other.pk})) == ["R1"]


def test_filter_choices_offer_nothing_the_user_cannot_see(
    client, opcc_staff, varied, report_b, police_lead_b, action_b
):
    client.force_login(opcc_staff)
    form = client.get(REGISTER).context["filter"].form
    assert report_b not in form.fields["report"].queryset
    assert police_lead_b not in form.fields["owner"].queryset
    response = client.get(REGISTER, {"report": report_b.pk})
    assert "report" in response.context["filter"].form.errors


# --- Sorting and pagination -----------------------------------------------------------


def test_sort_by_rag_puts_the_worst_first_and_reverses(client, opcc_staff, varied):
    client.force_login(opcc_staff)
    assert _references(client.get(REGISTER, {"sort": "rag"})) == ["R2", "R1", "R3"]
    assert _references(client.get(REGISTER, {"sort": "-rag"})) == ["R3", "R1", "R2"]


def test_sort_by_status_follows_the_lifecycle(client, opcc_staff, varied):
    client.force_login(opcc_staff)
    assert _references(client.get(REGISTER, {"sort": "status"})) == ["R1", "R2", "R3"]


def test_an_unknown_sort_key_falls_back_to_the_default(client, opcc_staff, varied):
    client.force_login(opcc_staff)
    response = client.get(REGISTER, {"sort": "text; DROP TABLE"})
    assert response.status_code == 200
    assert _references(response) == ["R1", "R2", "R3"]


def test_column_headings_say_how_the_table_is_sorted(client, opcc_staff, varied):
    client.force_login(opcc_staff)
    content = client.get(REGISTER, {"sort": "-due"}).content.decode()
    assert 'aria-sort="descending"' in content
    assert "?sort=due" in content


def test_register_shows_25_a_page(client, opcc_staff, report_a):
    factories.RecommendationFactory.create_batch(30, report=report_a)
    client.force_login(opcc_staff)
    assert len(client.get(REGISTER).context["rows"]) == 25
    assert len(client.get(REGISTER, {"page": 2}).context["rows"]) == 5


# --- CSV ------------------------------------------------------------------------------


def test_csv_holds_exactly_the_filtered_rows_in_the_shown_order(client, opcc_staff, varied):
    client.force_login(opcc_staff)
    response = client.get(CSV, {"status": "any_open", "sort": "-rag"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="recommendations-')
    rows = _csv_rows(response)
    assert [(r["Reference"], r["Status"], r["RAG"]) for r in rows] == [
        ("R1", "Open", "Green"),
        ("R2", "In progress", "Red"),
    ]


def test_csv_is_not_paginated(client, opcc_staff, report_a):
    factories.RecommendationFactory.create_batch(30, report=report_a)
    client.force_login(opcc_staff)
    assert len(_csv_rows(client.get(CSV, {"page": 2}))) == 30


def test_csv_escapes_cells_a_spreadsheet_would_run(client, opcc_staff, report_a):
    factories.RecommendationFactory(report=report_a, reference="R1", text='=HYPERLINK("x")')
    factories.RecommendationFactory(report=report_a, reference="R2", text="+1 more")
    factories.RecommendationFactory(report=report_a, reference="R3", text="@SUM(A1)")
    factories.RecommendationFactory(report=report_a, reference="R4", text="-2")
    client.force_login(opcc_staff)
    texts = [row["Recommendation"] for row in _csv_rows(client.get(CSV))]
    assert texts == ['\'=HYPERLINK("x")', "'+1 more", "'@SUM(A1)", "'-2"]


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("plain", "plain"),
        ("a=b", "a=b"),
        (None, ""),
    ],
)
def test_spreadsheet_safe(value, safe):
    assert spreadsheet_safe(value) == safe


# --- Query counts ---------------------------------------------------------------------


def _recommendations_with_actions(report, plan, lead, count):
    area = factories.PriorityAreaFactory(report=report)
    for _ in range(count):
        recommendation = factories.RecommendationFactory(report=report)
        recommendation.priority_areas.add(area)
        factories.ActionFactory(plan=plan, delivery_lead=lead, recommendations=[recommendation])


@pytest.mark.parametrize("count", [2, 50])
def test_register_runs_the_same_queries_for_2_or_50_recommendations(
    client, opcc_staff, report_a, plan_a, police_lead_a, count, django_assert_num_queries
):
    _recommendations_with_actions(report_a, plan_a, police_lead_a, count)
    client.force_login(opcc_staff)
    # 1 session, 2 user (with organisation and unread notifications), 3 force choices, 4
    # report choices (priority areas are listed once a report is chosen), 5 delivery lead
    # choices, 6 count, 7 page of recommendations (with report and force; RAG and overdue
    # annotated), 8 their priority area titles and delivery leads' names (one UNION ALL).
    with django_assert_num_queries(8):
        response = client.get(REGISTER, {"status": "any_open", "sort": "rag"})
    assert len(response.context["rows"]) == min(count, 25)
    # The same page again, from the page cache: session, user (with unread notifications).
    with django_assert_num_queries(2):
        again = client.get(REGISTER, {"status": "any_open", "sort": "rag"})
    assert again.context["body"] == response.context["body"]


def test_csv_is_streamed_a_chunk_at_a_time(
    client, opcc_staff, report_a, plan_a, police_lead_a, monkeypatch
):
    monkeypatch.setattr(register_csv, "CHUNK_SIZE", 2)
    _recommendations_with_actions(report_a, plan_a, police_lead_a, 5)
    client.force_login(opcc_staff)
    response = client.get(CSV)
    assert response.streaming
    pieces = list(response.streaming_content)
    # The header, then one piece per chunk of two rows: never the whole export at once.
    assert [piece.count(b"\n") for piece in pieces] == [1, 2, 2, 1]
    rows = list(csv.DictReader(io.StringIO(b"".join(pieces).decode("utf-8-sig"))))
    assert len(rows) == 5
    assert all(row["Action delivery leads"] == str(police_lead_a) for row in rows)


@pytest.mark.parametrize("count", [2, 50])
def test_csv_runs_the_same_queries_for_2_or_50_recommendations(
    client, opcc_staff, report_a, plan_a, police_lead_a, count, django_assert_num_queries
):
    _recommendations_with_actions(report_a, plan_a, police_lead_a, count)
    client.force_login(opcc_staff)
    # 1 session, 2 user, 3 recommendations (one chunk), 4 their priority area titles and
    # their delivery leads' names (one UNION ALL).
    with django_assert_num_queries(4):
        rows = _csv_rows(client.get(CSV))
    assert len(rows) == count


# --- Filtering a national register ----------------------------------------------------


def _with_actions(report, plan, reference, *actions):
    recommendation = factories.RecommendationFactory(report=report, reference=reference)
    for status, rag in actions:
        factories.ActionFactory(
            plan=plan,
            status=status,
            rag=rag,
            status_reason="Waiting." if status in ("paused", "not_needed") else "",
            recommendations=[recommendation],
        )
    return recommendation


def test_rag_filter_agrees_with_the_rag_each_row_shows(client, opcc_staff, report_a, plan_a):
    live, done, paused = Action.Status.IN_PROGRESS, Action.Status.NOT_NEEDED, Action.Status.PAUSED
    _with_actions(report_a, plan_a, "RED", (live, Rag.GREEN), (live, Rag.RED))
    _with_actions(report_a, plan_a, "AMBER", (live, Rag.AMBER), (done, Rag.RED))
    _with_actions(report_a, plan_a, "GREEN", (live, Rag.GREEN), (paused, Rag.RED))
    _with_actions(report_a, plan_a, "DONE", (done, Rag.AMBER), (live, Rag.COMPLETE))
    _with_actions(report_a, plan_a, "NONE", (paused, Rag.RED))
    client.force_login(opcc_staff)
    shown = {
        row.recommendation.reference: row.recommendation.rag
        for row in client.get(REGISTER).context["rows"]
    }
    assert shown == {
        "RED": "red",
        "AMBER": "amber",
        "GREEN": "green",
        "DONE": "complete",
        "NONE": "none",
    }
    for rag in ("red", "amber", "green", "complete", "none"):
        expected = [reference for reference, shown_rag in shown.items() if shown_rag == rag]
        assert sorted(_references(client.get(REGISTER, {"rag": rag}))) == expected


@pytest.fixture
def regional_staff(force_a, force_b, report_a, report_b):
    """OPCC staff of an office overseeing two forces, as a national reader sees 43."""
    office = factories.OfficeFactory(name="Regional OPCC", forces=[force_a, force_b])
    return factories.UserFactory(username="regional", role="opcc_staff", office=office)


def _options(response, name: str) -> list[str]:
    field = response.context["filter"].form[name]
    return [label for value, label in field.field.widget.choices if value != ""]


def test_reports_and_areas_are_listed_for_the_force_and_report_chosen(
    client, regional_staff, force_a, report_a, report_b
):
    factories.PriorityAreaFactory(report=report_a, title="Missing children")
    factories.RecommendationFactory(report=report_b, reference="B7")
    client.force_login(regional_staff)
    unfiltered = client.get(REGISTER)
    assert _options(unfiltered, "report") == []
    assert _options(unfiltered, "priority_area") == []
    assert "Choose a force to list its reports." in unfiltered.content.decode()
    by_force = client.get(REGISTER, {"force": force_a.pk})
    assert _options(by_force, "report") == [report_a.title]
    by_report = client.get(REGISTER, {"report": report_a.pk})
    assert _options(by_report, "report") == [report_a.title]  # the chosen one stays shown
    assert _options(by_report, "priority_area") == [f"Missing children ({report_a.title})"]
    assert _references(client.get(REGISTER, {"report": report_b.pk})) == ["B7"]


def test_a_single_force_office_is_offered_every_report_and_the_areas_of_the_one_chosen(
    client, opcc_staff, report_a, force_a
):
    factories.PriorityAreaFactory(report=report_a, title="Missing children")
    client.force_login(opcc_staff)
    response = client.get(REGISTER)
    assert _options(response, "report") == [report_a.title]
    assert _options(response, "priority_area") == []
    assert "Choose a force" not in response.content.decode()
    assert "Choose a report to list its priority areas." in response.content.decode()
    by_report = client.get(REGISTER, {"report": report_a.pk})
    assert _options(by_report, "priority_area") == [f"Missing children ({report_a.title})"]
    assert "Choose a report" not in by_report.content.decode()


# --- The priority areas of the report chosen (htmx) ------------------------------------


def test_area_options_list_the_areas_of_the_report_chosen(client, opcc_staff, report_a):
    second = factories.PriorityAreaFactory(
        report=report_a, title="Children in detention", position=2
    )
    first = factories.PriorityAreaFactory(report=report_a, title="Missing children", position=1)
    factories.PriorityAreaFactory(title="Another report's area")
    client.force_login(opcc_staff)
    response = client.get(AREA_OPTIONS, {"report": report_a.pk})
    assert response.status_code == 200
    options = response.content.decode()
    assert options.startswith('<option value="" selected>All priority areas</option>')
    assert options.index(f'value="{first.pk}"') < options.index(f'value="{second.pk}"')
    assert "Another report" not in options


def test_filter_options_escape_the_titles_they_list(client, opcc_staff, report_a):
    """A report's and a priority area's title with markup are listed as text."""
    report_a.title = '<b>"Tom & Jerry\'s"</b> report'
    report_a.save()
    area = factories.PriorityAreaFactory(report=report_a, title="<script>alert(1)</script>")
    client.force_login(opcc_staff)
    page = client.get(REGISTER).content.decode()
    assert (
        f'<option value="{report_a.pk}">&lt;b&gt;&quot;Tom &amp; Jerry&#x27;s&quot;&lt;/b&gt;'
        " report</option>"
    ) in page
    assert '<b>"Tom' not in page
    options = client.get(AREA_OPTIONS, {"report": report_a.pk}).content.decode()
    assert f'<option value="{area.pk}">&lt;script&gt;alert(1)&lt;/script&gt; (' in options
    assert "<script>" not in options


def test_area_options_list_nothing_of_a_report_the_user_may_not_see(
    client, police_lead_b, report_a
):
    factories.PriorityAreaFactory(report=report_a, title="Missing children")
    client.force_login(police_lead_b)
    response = client.get(AREA_OPTIONS, {"report": report_a.pk})
    assert response.status_code == 200
    assert response.content.decode() == '<option value="" selected>All priority areas</option>'


def test_area_options_without_a_report_list_only_the_empty_choice(client, opcc_staff, report_a):
    factories.PriorityAreaFactory(report=report_a)
    client.force_login(opcc_staff)
    for params in [{}, {"report": ""}, {"report": "x"}]:
        response = client.get(AREA_OPTIONS, params)
        assert response.content.decode() == '<option value="" selected>All priority areas</option>'


def test_area_options_redirect_anonymous_to_login(client, db):
    assert client.get(AREA_OPTIONS)["Location"].startswith(reverse("login"))


def test_area_options_refuse_post(client, opcc_staff):
    client.force_login(opcc_staff)
    assert client.post(AREA_OPTIONS).status_code == 405


def test_choosing_a_report_asks_for_its_areas(client, opcc_staff, report_a):
    client.force_login(opcc_staff)
    content = client.get(REGISTER).content.decode()
    assert f'hx-get="{AREA_OPTIONS}"' in content
    assert 'hx-target="#id_priority_area"' in content


def test_rag_shows_in_the_users_language(client, opcc_staff, recommendation_a, plan_a):
    factories.ActionFactory(plan=plan_a, rag=Rag.RED, recommendations=[recommendation_a])
    opcc_staff.language = "cy"
    opcc_staff.save(update_fields=["language"])
    client.force_login(opcc_staff)
    html = client.get(REGISTER).content.decode()
    assert '<span class="rag rag-red">Coch</span>' in html
    assert ">Red<" not in html


# --- What a row says ---------------------------------------------------------------------


def _report_cells(page: str) -> list[str]:
    return re.findall(
        r'<td><a href="/reports/\d+/">[^<]*</a><br><span class="sub">([^<]*)</span>', page
    )


def test_a_row_names_its_force_only_when_the_register_spans_several(
    client, opcc_staff, office_a, force_b, report_a, report_b
):
    factories.RecommendationFactory(report=report_a, reference="R1")
    factories.RecommendationFactory(report=report_b, reference="R1")
    client.force_login(opcc_staff)
    # One force overseen: its name on every row would say nothing.
    cells = _report_cells(client.get(REGISTER).content.decode())
    assert cells and not any("Force A Police" in cell for cell in cells)

    office_a.forces.add(force_b)
    cells = _report_cells(client.get(REGISTER).content.decode())
    assert any(cell.startswith("Force A Police · ") for cell in cells)
    assert any(cell.startswith("Force B Police · ") for cell in cells)
    # Filtered to one force, the rows need not say it again.
    filtered = client.get(REGISTER, {"force": force_b.pk}).content.decode()
    assert _report_cells(filtered) and not any("Force B" in c for c in _report_cells(filtered))
