"""The register "as at" a past day, rebuilt from the change history: the same rows, values,
filters and sort as the register showed that day, byte for byte in the CSV."""

import csv
import datetime
import io

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from recommendations import services, services_extensions, services_progress
from recommendations.filters import REGISTER_SORTS
from recommendations.models import Action, Rag, Recommendation
from recommendations.register_as_at import AS_AT_SORTS, register_as_at
from recommendations.register_csv import row_cells
from tests import factories
from tests.html import Page

REGISTER = reverse("recommendations:register")
CSV = reverse("recommendations:register_csv")
DAY_ONE = datetime.date(2026, 3, 3)


def _at(day: datetime.date, hour: int = 12):
    return time_machine.travel(datetime.datetime(day.year, day.month, day.day, hour, 0), tick=False)


@pytest.fixture(autouse=True)
def _day_one():
    with _at(DAY_ONE, 9):
        yield


def _csv(client, query: str = "") -> bytes:
    response = client.get(CSV + query)
    assert response.status_code == 200, response.content
    return b"".join(response.streaming_content)


def _references(body: bytes) -> list[str]:
    return [row["Reference"] for row in csv.DictReader(io.StringIO(body.decode("utf-8-sig")))]


@pytest.fixture
def first_day(force_a, opcc_staff, police_lead_a, police_lead_a2, partner_lead, agency):
    """On day one: R1 open (amber action, target May), R2 in progress and overdue (red
    action past its target), AFI1 closed-looking but open with no actions, and an update
    on R1's action waiting for review."""
    report = factories.InspectionReportFactory(
        force=force_a, title="Child protection", published_on=datetime.date(2026, 1, 15)
    )
    area = factories.PriorityAreaFactory(report=report, title="Missing children", position=1)
    plan = factories.ActionPlanFactory(report=report)
    r1 = factories.RecommendationFactory(
        report=report, reference="R1", position=1, due_on=datetime.date(2026, 6, 1)
    )
    r2 = factories.RecommendationFactory(
        report=report,
        reference="R2",
        position=2,
        status=Recommendation.Status.IN_PROGRESS,
        due_on=datetime.date(2026, 2, 1),
    )
    afi = factories.RecommendationFactory(
        report=report,
        reference="AFI1",
        position=3,
        kind=Recommendation.Kind.AREA_FOR_IMPROVEMENT,
        due_on=None,
    )
    r2.priority_areas.add(area)
    a1 = factories.ActionFactory(
        plan=plan,
        reference="A1",
        rag=Rag.AMBER,
        delivery_lead=police_lead_a,
        target_date=datetime.date(2026, 5, 1),
        recommendations=[r1],
    )
    a2 = factories.ActionFactory(
        plan=plan,
        reference="A2",
        rag=Rag.RED,
        delivery_lead=police_lead_a2,
        target_date=datetime.date(2026, 2, 15),
        recommendations=[r2],
    )
    factories.ActionFactory(
        plan=plan,
        reference="A3",
        rag=Rag.GREEN,
        delivery_lead=partner_lead,
        partner_agency=agency,
        target_date=datetime.date(2026, 9, 1),
        recommendations=[r1],
    )
    update = factories.ProgressUpdateFactory(action=a1, rag=Rag.GREEN, written_on=DAY_ONE)
    return {
        "report": report,
        "r1": r1,
        "r2": r2,
        "afi": afi,
        "a1": a1,
        "a2": a2,
        "area": area,
        "update": update,
    }


def _change_everything(world, opcc_staff, plan_owner_a):
    """A week later: R1 moves on, an update is accepted, A2's target moves, HMICFRS marks
    R2 complete, and a new recommendation arrives."""
    with _at(DAY_ONE + datetime.timedelta(days=7)):
        services.recommendation_transition(
            recommendation=world["r1"], to_status=Recommendation.Status.IN_PROGRESS, by=opcc_staff
        )
        services_progress.progress_update_accept(update=world["update"], by=opcc_staff)
        a2 = Action.objects.get(pk=world["a2"].pk)
        extension = services_extensions.extension_request(
            action=a2,
            by=plan_owner_a,
            to_date=datetime.date(2026, 7, 31),
            reason="Recruitment took longer.",
        )
        services_extensions.extension_decide(extension=extension, by=opcc_staff, agree=True)
        services.inspectorate_status_record(
            recommendation=world["r2"],
            by=opcc_staff,
            status=Recommendation.InspectorateStatus.COMPLETE,
            changed_on=DAY_ONE + datetime.timedelta(days=6),
        )
        factories.RecommendationFactory(report=world["report"], reference="R9", position=9)


QUERIES = [
    "",
    "?status=any_open",
    "?status=in_progress",
    "?rag=red",
    "?rag=green",
    "?overdue=true",
    "?overdue=false",
    "?kind=afi",
    "?q=missing",
    "?inspectorate_status=awaiting_review",
    "?divergence=complete_still_open",
    *[f"?sort={key}" for key in REGISTER_SORTS],
    *[f"?sort=-{key}" for key in REGISTER_SORTS],
]


def test_the_register_as_at_an_earlier_day_is_the_csv_that_day_byte_for_byte(
    client, opcc_staff, plan_owner_a, first_day
):
    with _at(DAY_ONE, 18):
        client.force_login(opcc_staff)
        that_day = {query: _csv(client, query) for query in QUERIES}
        owner_query = f"?owner={first_day['a2'].delivery_lead_id}"
        area_query = f"?priority_area={first_day['area'].pk}"
        that_day[owner_query] = _csv(client, owner_query)
        that_day[area_query] = _csv(client, area_query)
    _change_everything(first_day, opcc_staff, plan_owner_a)
    with _at(DAY_ONE + datetime.timedelta(days=20)):
        client.force_login(opcc_staff)
        assert _csv(client) != that_day[""]  # the data did change
        for query, body in that_day.items():
            joiner = "&" if query else "?"
            as_at = _csv(client, f"{query}{joiner}as_at={DAY_ONE.isoformat()}")
            assert as_at == body, query


def test_the_register_as_at_a_later_day_shows_the_changes(
    client, opcc_staff, plan_owner_a, first_day
):
    _change_everything(first_day, opcc_staff, plan_owner_a)
    with _at(DAY_ONE + datetime.timedelta(days=20)):
        client.force_login(opcc_staff)
        rows = {
            row["Reference"]: row
            for row in csv.DictReader(
                io.StringIO(_csv(client, "?as_at=2026-03-10").decode("utf-8-sig"))
            )
        }
    assert sorted(rows) == ["AFI1", "R1", "R2", "R9"]
    assert rows["R1"]["Status"] == "In progress"
    assert rows["R1"]["RAG"] == "Green"  # the accepted update's RAG
    assert rows["R2"]["HMICFRS status"] == "Complete"
    assert rows["R2"]["Overdue"] == "Yes"  # still past its own due date


def test_the_page_says_which_day_it_shows(client, opcc_staff, plan_owner_a, first_day):
    _change_everything(first_day, opcc_staff, plan_owner_a)
    with _at(DAY_ONE + datetime.timedelta(days=20)):
        client.force_login(opcc_staff)
        response = client.get(REGISTER + "?as_at=2026-03-03&status=open")
    assert response.status_code == 200
    assert "Register as it stood at the end of 3 March 2026" in response.content.decode()
    assert [row.recommendation.reference for row in response.context["rows"]] == ["R1", "AFI1"]
    assert response.context["page_obj"].paginator.count == 2


def test_the_register_as_at_shows_only_what_the_user_may_see_now(
    client, police_lead_b, partner_lead, first_day
):
    with _at(DAY_ONE + datetime.timedelta(days=1)):
        client.force_login(police_lead_b)
        # Force B has no recommendations, so no history to show as at any day.
        refused = client.get(CSV + "?as_at=2026-03-03")
        assert refused.status_code == 400
        assert b"R1" not in refused.content
        client.force_login(partner_lead)
        body = _csv(client, "?as_at=2026-03-03")
    assert _references(body) == ["R1"]
    row = next(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert row["Action delivery leads"] == str(partner_lead)
    assert row["RAG"] == "Green"  # the partner's own action only


@pytest.mark.parametrize("url", [REGISTER, CSV])
def test_a_day_still_to_come_is_refused_with_a_message(client, opcc_staff, first_day, url):
    client.force_login(opcc_staff)
    response = client.get(url + "?as_at=2026-03-04")
    assert response.status_code == 400
    assert "cannot be shown as at a day still to come" in response.content.decode()


def test_the_refused_day_is_marked_next_to_its_field_and_kept(client, opcc_staff, first_day):
    client.force_login(opcc_staff)
    response = client.get(REGISTER + "?as_at=2026-03-04&kind=afi")
    assert response.status_code == 400
    page = Page(response.content)
    assert page.classes("id_as_at") == ["form-control", "is-invalid"]
    assert page.attrs("id_as_at")["aria-invalid"] == "true"
    assert page.attrs("id_as_at")["value"] == "2026-03-04"
    assert "day still to come" in page.text("id_as_at_error")
    assert page.classes("id_kind") == ["form-select"]


@pytest.mark.parametrize("url", [REGISTER, CSV])
def test_a_day_before_the_history_starts_is_refused_with_a_message(
    client, opcc_staff, first_day, url
):
    client.force_login(opcc_staff)
    response = client.get(url + "?as_at=2026-03-02")
    assert response.status_code == 400
    assert "history starts on 3 March 2026" in response.content.decode()


@pytest.mark.parametrize("value", ["yesterday", "2026-02-30", "0001-01-01", "9999-12-31"])
def test_a_day_that_is_not_a_date_is_refused(client, opcc_staff, first_day, value):
    client.force_login(opcc_staff)
    response = client.get(REGISTER + f"?as_at={value}")
    assert response.status_code == 400


def test_the_register_as_at_is_callable_from_python(opcc_staff, plan_owner_a, first_day):
    _change_everything(first_day, opcc_staff, plan_owner_a)
    with _at(DAY_ONE + datetime.timedelta(days=20)):
        rows = register_as_at(opcc_staff, as_at=DAY_ONE, filters={"status": "any_open"})
        cells = [row_cells(row) for row in rows]
        with pytest.raises(ValidationError):
            register_as_at(opcc_staff, as_at=DAY_ONE + datetime.timedelta(days=30))
    assert [row[0] for row in cells] == ["R1", "R2", "AFI1"]
    assert cells[0][9] == "Open"


def test_every_register_sort_has_its_as_at_twin():
    assert set(AS_AT_SORTS) == set(REGISTER_SORTS)


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("url", [REGISTER, CSV])
def test_the_register_as_at_runs_the_same_queries_for_few_or_many_rows(
    client, settings, opcc_staff, first_day, police_lead_a, url
):
    settings.PAGE_CACHE_SECONDS = 0
    client.force_login(opcc_staff)
    url += "?as_at=2026-03-03&status=any_open"
    client.get(url)
    few = _queries(client, url)
    plan = factories.ActionPlanFactory(
        report=factories.InspectionReportFactory(force=first_day["report"].force)
    )
    for i in range(15):
        recommendation = factories.RecommendationFactory(report=plan.report)
        recommendation.priority_areas.add(
            factories.PriorityAreaFactory(report=plan.report, position=10 + i)
        )
        factories.ActionFactory(
            plan=plan, delivery_lead=police_lead_a, recommendations=[recommendation]
        )
    assert _queries(client, url) == few
