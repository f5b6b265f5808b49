"""The register's bulk update: the checkboxes and panel for OPCC staff only, the check
step, the all-or-nothing refusal page that keeps the selection, the stale 409, the
redirect back to the filtered register, and a bounded number of queries."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from recommendations.models import InspectorateStatusChange, Recommendation
from recommendations.services_bulk import selection_value
from tests import factories

REGISTER = reverse("recommendations:register")
BULK = reverse("recommendations:register_bulk")
NOTE = "Confirmed at the November board."
S = Recommendation.Status


def _ticked(*recommendations) -> list[str]:
    return [selection_value(r) for r in recommendations]


def _post(client, recommendations, *, step="confirm", **fields):
    data = {
        "bulk-selected": _ticked(*recommendations),
        "bulk-note": NOTE,
        "bulk-return_query": "status=any_open&sort=rag",
        "step": step,
        **{f"bulk-{name}": value for name, value in fields.items()},
    }
    return client.post(BULK, data)


@pytest.fixture
def rows(report_a):
    return [factories.RecommendationFactory(report=report_a, reference=f"R{i}") for i in (1, 2)]


def test_opcc_staff_see_the_checkboxes_and_the_panel(client, opcc_staff, rows):
    client.force_login(opcc_staff)
    page = client.get(REGISTER).content.decode()
    assert 'form="register-bulk"' in page
    assert f'value="{_ticked(rows[0])[0]}"' in page
    assert "Select all 2 on this page" in page
    assert 'id="register-bulk"' in page and "csrfmiddlewaretoken" in page


def test_the_panels_fields_arrive_when_it_is_opened(client, opcc_staff, rows):
    """The register's every page carries the panel, not its fields: the panel fetches them
    (htmx) when first opened, and they belong to the register's form."""
    client.force_login(opcc_staff)
    page = client.get(REGISTER).content.decode()
    fields_url = reverse("recommendations:register_bulk_fields")
    assert f'hx-get="{fields_url}"' in page and 'hx-trigger="toggle once"' in page
    assert 'name="bulk-change"' not in page and 'name="bulk-note"' not in page
    # Without JavaScript the panel's button asks for the change on the next page.
    assert 'name="step" value="start"' in page

    client.get(fields_url)  # the session and the user are read once the client signs in
    with CaptureQueriesContext(connection) as queries:
        response = client.get(fields_url, headers={"HX-Request": "true"})
    assert response.status_code == 200
    # The same for every register page: the session and the signed-in user, nothing more.
    assert len(queries) == 2, [q["sql"][:80] for q in queries]
    fields = response.content.decode()
    assert fields.count('name="bulk-change"') == 4
    for name in ("bulk-status", "bulk-inspectorate_status", "bulk-changed_on", "bulk-note"):
        assert re.search(rf'name="{name}"[^>]* form="register-bulk"', fields), name
    assert "<html" not in fields  # a fragment for the panel, not a page


def test_without_javascript_the_next_page_asks_for_the_change(client, opcc_staff, rows):
    """The panel's own button (no fields fetched) posts the ticked rows: the next page keeps
    them and asks what to change, saving nothing."""
    client.force_login(opcc_staff)
    response = client.post(
        BULK, {"bulk-selected": _ticked(*rows), "bulk-return_query": "", "step": "start"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Choose what to change and write a note, then check the change." in page
    assert "Choose what to change." not in page and "Write a note" not in page  # no errors
    assert page.count('name="bulk-change"') == 4 and 'name="bulk-note"' in page
    for row in rows:
        assert f'value="{selection_value(row)}"' in page and "checked" in page
    assert not Recommendation.objects.exclude(status=S.OPEN).exists()


def test_a_selection_carries_a_short_version_that_moves_with_each_save(rows):
    before = selection_value(rows[0])
    pk, _, version = before.partition("@")
    assert pk == str(rows[0].pk) and 0 < len(version) <= 14
    rows[0].text = "Edited."
    rows[0].save()
    assert selection_value(rows[0]) != before


@pytest.mark.parametrize("persona", ["read_only", "plan_owner_a", "police_lead_a"])
def test_others_see_no_checkboxes(client, request, persona, rows):
    client.force_login(request.getfixturevalue(persona))
    page = client.get(REGISTER).content.decode()
    assert "register-bulk" not in page
    assert "bulk-selected" not in page


@pytest.mark.parametrize("persona", ["read_only", "plan_owner_a", "police_lead_a"])
def test_a_post_by_anyone_else_is_403(client, request, persona, rows):
    client.force_login(request.getfixturevalue(persona))
    response = _post(client, rows, change="status", status="in_progress")
    assert response.status_code == 403
    assert not Recommendation.objects.exclude(status=S.OPEN).exists()


def test_a_row_the_user_cannot_see_is_404(client, opcc_staff_b, rows):
    client.force_login(opcc_staff_b)
    response = _post(client, rows, change="status", status="in_progress")
    assert response.status_code == 404
    # Tags and their attributes left out: a random CSRF token or nonce may hold "R1".
    text = re.sub(r"<[^>]*>", " ", response.content.decode())
    assert not re.search(r"\bR1\b", text)


def test_checking_shows_what_changes_and_saves_nothing(client, opcc_staff, rows):
    client.force_login(opcc_staff)
    response = _post(client, rows, step="start", change="status", status="in_progress")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Check the change to 2 recommendations" in page
    assert page.count("Open → in progress") == 2
    assert 'name="step" value="confirm"' in page
    assert not Recommendation.objects.exclude(status=S.OPEN).exists()


def test_confirming_saves_and_returns_to_the_filtered_register(client, opcc_staff, rows):
    client.force_login(opcc_staff)
    response = _post(
        client,
        rows,
        change="inspectorate_status",
        inspectorate_status="being_progressed",
        changed_on="2026-10-01",
    )
    assert response.status_code == 302
    assert response["Location"] == f"{REGISTER}?status=any_open&sort=rag"
    assert InspectorateStatusChange.objects.count() == 2
    shown = client.get(response["Location"]).content.decode()
    assert "2 recommendations updated." in shown


def test_a_refusal_names_each_row_keeps_the_selection_and_saves_nothing(
    client, opcc_staff, rows, report_a
):
    Recommendation.objects.filter(pk=rows[1].pk).update(status=S.NO_ACTION, status_reason="No.")
    rows[1].refresh_from_db()
    client.force_login(opcc_staff)
    response = _post(client, rows, change="status", status="in_progress")
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing was saved: 1 of the 2 selected recommendations" in page
    assert f"R2</a> ({report_a.title}): R2 is no action: it cannot be moved" in page
    assert page.count('data-label="Why not"') == 1  # the refused row's cell, on a phone
    for value in _ticked(*rows):
        assert f'value="{value}" id=' in page and "checked" in page
    assert not Recommendation.objects.filter(status=S.IN_PROGRESS).exists()


def test_a_stale_row_is_409(client, opcc_staff, rows):
    ticked = _ticked(*rows)
    rows[0].text = "Edited by someone else."
    rows[0].save()
    client.force_login(opcc_staff)
    response = client.post(
        BULK,
        {
            "bulk-selected": ticked,
            "bulk-note": NOTE,
            "bulk-change": "status",
            "bulk-status": "in_progress",
            "step": "confirm",
        },
    )
    assert response.status_code == 409
    assert "Someone changed R1 after you opened the register" in response.content.decode()
    assert not Recommendation.objects.filter(status=S.IN_PROGRESS).exists()


def test_select_all_on_the_page_takes_every_row_listed(client, opcc_staff, rows):
    client.force_login(opcc_staff)
    response = client.post(
        BULK,
        {
            "bulk-all_on_page": "on",
            "bulk-on_page": _ticked(*rows),
            "bulk-note": NOTE,
            "bulk-change": "status",
            "bulk-status": "in_progress",
            "step": "confirm",
        },
    )
    assert response.status_code == 302
    assert Recommendation.objects.filter(status=S.IN_PROGRESS).count() == 2


def _on_page(page: str) -> str:
    """The register's one hidden value listing every row on the page."""
    return re.search(r'name="bulk-on_page" value="([^"]*)"', page).group(1)


def test_the_register_lists_its_rows_in_one_hidden_value(client, opcc_staff, rows):
    client.force_login(opcc_staff)
    page = client.get(REGISTER).content.decode()
    assert page.count('name="bulk-on_page"') == 1
    assert sorted(_on_page(page).split()) == sorted(_ticked(*rows))


def test_select_all_with_the_registers_value_takes_every_row(client, opcc_staff, rows):
    client.force_login(opcc_staff)
    on_page = _on_page(client.get(REGISTER).content.decode())
    response = client.post(
        BULK,
        {
            "bulk-all_on_page": "on",
            "bulk-on_page": on_page,
            "bulk-note": NOTE,
            "bulk-change": "status",
            "bulk-status": "in_progress",
            "step": "confirm",
        },
    )
    assert response.status_code == 302
    assert Recommendation.objects.filter(status=S.IN_PROGRESS).count() == 2


def test_select_all_of_a_page_with_a_stale_row_is_409(client, opcc_staff, rows):
    client.force_login(opcc_staff)
    on_page = _on_page(client.get(REGISTER).content.decode())
    rows[1].text = "Edited by someone else."
    rows[1].save()
    response = client.post(
        BULK,
        {
            "bulk-all_on_page": "on",
            "bulk-on_page": on_page,
            "bulk-note": NOTE,
            "bulk-change": "status",
            "bulk-status": "in_progress",
            "step": "confirm",
        },
    )
    assert response.status_code == 409
    assert "Someone changed R2 after you opened the register" in response.content.decode()
    assert not Recommendation.objects.filter(status=S.IN_PROGRESS).exists()


def test_nothing_ticked_is_refused_with_a_message(client, opcc_staff, rows):
    client.force_login(opcc_staff)
    response = _post(client, [], change="status", status="in_progress")
    assert response.status_code == 400
    assert "Select at least one recommendation" in response.content.decode()


def test_the_owner_is_asked_for_on_the_next_page(client, opcc_staff, rows, plan_owner_a):
    client.force_login(opcc_staff)
    response = _post(client, rows, step="start", change="action_owner")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Choose who will own the open actions" in page
    assert f'<option value="{plan_owner_a.pk}"' in page
    assert f"{plan_owner_a} (Force A Police)" in page


def test_a_bulk_post_of_25_rows_runs_a_bounded_number_of_queries(client, opcc_staff, report_a):
    many = [factories.RecommendationFactory(report=report_a, reference=f"R{i}") for i in range(25)]
    area = factories.PriorityAreaFactory(report=report_a)
    for recommendation in many:
        recommendation.priority_areas.add(area)
        recommendation.refresh_from_db()
    client.force_login(opcc_staff)
    with CaptureQueriesContext(connection) as captured:
        response = _post(client, many, change="status", status="in_progress")
    assert response.status_code == 302
    # A fixed 9 (session, user, the rows posted, the choices of owner and area, the
    # savepoint set and released, the rows locked, their unfinished actions, the
    # dashboard's kept counts of their force marked stale), then 4 a row: the update, its
    # history entry, and that entry's copy of the row's priority areas (read, then
    # written).
    assert len(captured) == 9 + 4 * 25
    assert Recommendation.objects.filter(status=S.IN_PROGRESS).count() == 25


def test_an_unreadable_selection_is_refused_with_a_message(client, opcc_staff, rows):
    client.force_login(opcc_staff)
    response = client.post(
        BULK,
        {"bulk-selected": ["R1"], "bulk-note": NOTE, "bulk-change": "status", "step": "start"},
    )
    assert response.status_code == 400
    assert "The selection could not be read" in response.content.decode()


def test_the_next_pages_choices_are_one_query_sqlite_accepts_too(opcc_staff, rows):
    """`make run` serves the app on SQLite, which refuses an ORDER BY inside a UNION: the
    owners and priority areas offered on the next page are read in one that has none."""
    from django.db.backends.sqlite3.base import DatabaseWrapper

    from recommendations.forms_bulk import offered_rows

    query = offered_rows(opcc_staff, {rows[0].report_id}).query
    sqlite = DatabaseWrapper({**connection.settings_dict, "NAME": ":memory:"}, alias="sqlite")
    sql, _ = query.get_compiler(connection=sqlite).as_sql()
    assert " UNION ALL " in sql


def test_the_next_page_labels_a_cell_why_not_only_where_a_row_is_refused(client, opcc_staff, rows):
    """On a phone each cell is shown with its column's name: a row nobody refused has no
    "Why not" followed by nothing."""
    client.force_login(opcc_staff)
    response = client.post(
        BULK, {"bulk-selected": _ticked(*rows), "bulk-return_query": "", "step": "start"}
    )
    assert response.status_code == 200
    assert 'data-label="Why not"' not in response.content.decode()
