"""Querysets built once per person, day and language (oversight.shared.built_querysets):
each person keeps their own scope, a change to it or to the data shows on the next page,
and nothing read is kept. Each test goes through one process's kept querysets, built by
its first request."""

import datetime
import io
import re

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL
from django.db.models.sql.compiler import SQLCompiler
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from oversight.auth import OversightBackend
from oversight.models import User
from oversight.shared import built_querysets
from oversight.shared.built_querysets import (
    built_once_per_person,
    numbered,
    rows_for_ids,
    rows_where,
)
from recommendations.models import Recommendation
from recommendations.recommendation_page import (
    recommendation_actions_queryset,
    recommendation_detail_queryset,
)
from recommendations.register import _details_of, recommendation_register, register_row_details
from recommendations.selectors import actions_visible_to, recommendations_visible_to
from tests import factories


def _detail(recommendation) -> str:
    return reverse("recommendations:recommendation_detail", args=[recommendation.pk])


def test_an_office_that_stops_overseeing_a_force_is_refused_its_recommendations_at_once(
    client, opcc_staff, office_a, force_b, recommendation_a, recommendation_b
):
    client.force_login(opcc_staff)
    assert client.get(_detail(recommendation_a)).status_code == 200
    assert client.get(_detail(recommendation_b)).status_code == 404

    office_a.forces.set([force_b])

    assert client.get(_detail(recommendation_a)).status_code == 404
    assert client.get(_detail(recommendation_b)).status_code == 200


def test_a_lead_moved_to_another_force_sees_only_their_new_force_at_once(
    client, police_lead_a, force_b, action_a, action_b, recommendation_a, recommendation_b
):
    client.force_login(police_lead_a)
    assert client.get(_detail(recommendation_a)).status_code == 200

    User.objects.filter(pk=police_lead_a.pk).update(force=force_b)

    assert client.get(_detail(recommendation_a)).status_code == 404
    assert client.get(_detail(recommendation_b)).status_code == 200


def test_a_partner_after_opcc_staff_sees_only_their_agencys_actions(
    client, opcc_staff, opcc_staff_b, partner_lead, recommendation_a, action_a, partner_action_a
):
    # One process's kept querysets serve all three in turn.
    client.force_login(opcc_staff)
    response = client.get(_detail(recommendation_a))
    assert [a.reference for a in response.context["actions"]] == ["A1", "A2"]

    client.force_login(opcc_staff_b)
    assert client.get(_detail(recommendation_a)).status_code == 404

    client.force_login(partner_lead)
    response = client.get(_detail(recommendation_a))
    assert [a.reference for a in response.context["actions"]] == ["A2"]
    assert f'id="action-{action_a.pk}"' not in response.content.decode()


def test_a_new_role_elsewhere_refuses_at_once(client, opcc_staff, force_b, recommendation_a):
    client.force_login(opcc_staff)
    assert client.get(_detail(recommendation_a)).status_code == 200

    User.objects.filter(pk=opcc_staff.pk).update(
        role=User.Role.POLICE_LEAD, office=None, force=force_b
    )

    assert client.get(_detail(recommendation_a)).status_code == 404


def test_rows_are_read_afresh_on_every_page(client, opcc_staff, recommendation_a):
    client.force_login(opcc_staff)
    client.get(_detail(recommendation_a))

    Recommendation.objects.filter(pk=recommendation_a.pk).update(text="Reworded by the office.")

    assert "Reworded by the office." in client.get(_detail(recommendation_a)).content.decode()


def test_each_call_is_a_fresh_unread_queryset_and_the_day_is_part_of_it(
    opcc_staff, recommendation_a
):
    due = datetime.date(2027, 3, 31)
    Recommendation.objects.filter(pk=recommendation_a.pk).update(
        due_on=due, status=Recommendation.Status.OPEN
    )
    on_the_day = recommendation_detail_queryset(opcc_staff, today=due)
    assert not on_the_day.get(pk=recommendation_a.pk).is_overdue
    again = recommendation_detail_queryset(opcc_staff, today=due)
    assert again is not on_the_day
    assert again._result_cache is None
    assert not again.get(pk=recommendation_a.pk).is_overdue

    the_day_after = recommendation_detail_queryset(
        opcc_staff, today=due + datetime.timedelta(days=1)
    )
    assert the_day_after.get(pk=recommendation_a.pk).is_overdue


def test_a_new_office_member_gets_their_own_scope(client, opcc_staff, force_b, recommendation_b):
    client.force_login(opcc_staff)
    assert client.get(_detail(recommendation_b)).status_code == 404
    office_b_member = factories.person_with_role(
        "opcc_b_new", User.Role.OPCC_STAFF, office=factories.OfficeFactory(forces=[force_b])
    )
    client.force_login(office_b_member)
    assert client.get(_detail(recommendation_b)).status_code == 200


def test_the_register_follows_the_forces_loaded_with_the_signed_in_user(
    opcc_staff, office_a, force_b, recommendation_a, recommendation_b
):
    backend = OversightBackend()
    signed_in = backend.get_user(opcc_staff.pk)
    assert list(recommendation_register(signed_in)) == [recommendation_a]

    office_a.forces.set([force_b])
    signed_in = backend.get_user(opcc_staff.pk)

    assert list(recommendation_register(signed_in)) == [recommendation_b]


# --- Reads compiled once and prepared --------------------------------------------------


@pytest.fixture
def deallocated(db):
    """What the test prepares is dropped afterwards."""
    yield
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    vars(connections["default"]).pop("kept_statements", None)


@pytest.fixture
def prepared_reads(deallocated, monkeypatch):
    """Reads prepared, as on a connection kept open between requests (CONN_MAX_AGE; the
    tests' connection is not)."""
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)


def _drawn(recommendation) -> tuple:
    return (
        recommendation.pk,
        recommendation.text,
        recommendation.rag,
        recommendation.is_overdue,
        recommendation.report.title,
        recommendation.report.force.name,
        recommendation.supersedes_any,
        [area.title for area in recommendation.priority_areas.all()],
    )


def test_prepared_reads_give_what_the_queryset_gives(
    prepared_reads, opcc_staff, office_a, force_b, recommendation_a, recommendation_b, action_a
):
    office_a.forces.add(force_b)  # two forces: the scope is a list of parameters
    signed_in = OversightBackend().get_user(opcc_staff.pk)
    area = factories.PriorityAreaFactory(report=recommendation_a.report, title="Custody")
    recommendation_a.priority_areas.add(area)
    factories.ProgressUpdateFactory(action=action_a, narrative="On track.")
    for recommendation in (recommendation_a, recommendation_b, recommendation_a):
        with CaptureQueriesContext(connection) as prepared:
            (row,) = rows_where(recommendation_detail_queryset(signed_in), "pk", recommendation.pk)
        plain = recommendation_detail_queryset.__wrapped__(signed_in).get(pk=recommendation.pk)
        assert _drawn(row) == _drawn(plain)
        assert prepared[0]["sql"].startswith("EXECUTE kept_read_")
        assert len(prepared) == 2  # the row, its priority areas: PREPARE is not a page's query
    actions = rows_where(
        recommendation_actions_queryset(signed_in), "recommendations", recommendation_a.pk
    )
    assert [(a.reference, a.delivery_lead, a.has_files) for a in actions] == [
        ("A1", action_a.delivery_lead, False)
    ]
    assert [u.narrative for u in actions[0].latest_updates] == ["On track."]
    assert rows_where(recommendation_detail_queryset(signed_in), "pk", 2_000_000_000) == []


def test_a_page_read_prepared_runs_as_many_queries_and_draws_the_same(
    prepared_reads, client, opcc_staff, recommendation_a, action_a, partner_action_a
):
    client.force_login(opcc_staff)
    with CaptureQueriesContext(connection) as first:
        unprepared = client.get(_detail(recommendation_a))
    with CaptureQueriesContext(connection) as again:
        prepared = client.get(_detail(recommendation_a))
    assert len(again) == len(first)
    # The signed-in user, the recommendation and its actions.
    assert sum(q["sql"].startswith("EXECUTE kept_read_") for q in again) == 3
    assert [a.reference for a in prepared.context["actions"]] == ["A1", "A2"]
    assert prepared.context["recommendation"].rag == unprepared.context["recommendation"].rag


@built_once_per_person
def _with_an_untyped_parameter(user, *, today=None):
    # A parameter tested for NULL: PostgreSQL cannot tell its type to prepare it.
    return recommendations_visible_to(user).annotate(
        untyped=RawSQL("%s IS NULL", [None], output_field=BooleanField())
    )


def test_a_read_postgresql_cannot_prepare_is_read_unprepared(
    prepared_reads, opcc_staff, recommendation_a
):
    with CaptureQueriesContext(connection) as queries:
        (row,) = rows_where(_with_an_untyped_parameter(opcc_staff), "pk", recommendation_a.pk)
        (again,) = rows_where(_with_an_untyped_parameter(opcc_staff), "pk", recommendation_a.pk)
    assert row.untyped is again.untyped is True
    assert not any(q["sql"].startswith("EXECUTE") for q in queries)
    # The refused PREPARE left the transaction usable.
    assert Recommendation.objects.filter(pk=recommendation_a.pk).exists()


def test_a_connection_holds_at_most_its_share_of_prepared_reads(
    prepared_reads, monkeypatch, opcc_staff, recommendation_a, action_a
):
    monkeypatch.setattr(built_querysets, "PREPARED_PER_CONNECTION", 1)
    for _ in range(3):
        (row,) = rows_where(recommendation_detail_queryset(opcc_staff), "pk", recommendation_a.pk)
        (action,) = rows_where(
            recommendation_actions_queryset(opcc_staff), "recommendations", recommendation_a.pk
        )
        assert (row.pk, action.pk) == (recommendation_a.pk, action_a.pk)
        assert len(connection.kept_statements[1]) == 1


def test_reads_on_a_connection_closed_after_each_request_are_not_prepared(
    opcc_staff, recommendation_a
):
    assert not connection.settings_dict["CONN_MAX_AGE"]
    with CaptureQueriesContext(connection) as queries:
        rows_where(recommendation_detail_queryset(opcc_staff), "pk", recommendation_a.pk)
    assert queries[0]["sql"].startswith("SELECT")


def test_placeholders_are_numbered_for_postgresql_and_percent_signs_kept():
    assert numbered("a = %s AND b LIKE '10%%' AND c IN (%s, %s)") == (
        "a = $1 AND b LIKE '10%' AND c IN ($2, $3)"
    )


def test_the_signed_in_user_arrives_by_a_prepared_read_with_what_every_page_needs(
    prepared_reads, opcc_staff, office_a, force_a, force_b
):
    office_a.forces.add(force_b)
    backend = OversightBackend()
    with CaptureQueriesContext(connection) as queries:
        loaded = [backend.get_user(opcc_staff.pk) for _ in range(2)]
    assert all(q["sql"].startswith("EXECUTE kept_read_") for q in queries)
    for user in loaded:
        assert user.office == office_a
        assert sorted(int(pk) for pk in user.overseen_forces.split(",")) == sorted(
            [force_a.pk, force_b.pk]
        )
        assert user.two_factor_required is False
        assert user.unread_notification_count == 0
    assert backend.get_user(2_000_000_000) is None


def _as_drawn(response) -> str:
    """The page without what changes on every request (the CSRF token, the CSP nonce)."""
    assert response.status_code == 200
    return re.sub(
        r'(csrfmiddlewaretoken" value=|X-CSRFToken": |nonce=)"[^"]*"',
        r"\1…",
        response.content.decode(),
    )


@pytest.mark.parametrize("username", ["opcc", "region", "lead", "partner"])
def test_pages_read_prepared_draw_what_they_draw_unprepared(
    deallocated, client, settings, monkeypatch, username
):
    call_command("seed_demo", quiet_logins=True, stdout=io.StringIO())
    settings.PAGE_CACHE_SECONDS = 0
    user = User.objects.get(username=username)
    action = actions_visible_to(user).order_by("pk").first()
    pages = [
        reverse("recommendations:register"),
        reverse("recommendations:recommendation_detail", args=[action.recommendations.first().pk]),
        reverse("recommendations:plan_detail", args=[action.plan_id]),
        reverse("recommendations:report_detail", args=[action.plan.report_id]),
        reverse("recommendations:action_detail", args=[action.pk]),
    ]
    if user.is_opcc:
        pages.append(reverse("recommendations:dashboard"))
    client.force_login(user)
    unprepared = [_as_drawn(client.get(page)) for page in pages]

    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)
    for _ in range(2):  # preparing, then prepared
        with CaptureQueriesContext(connection) as queries:
            assert [_as_drawn(client.get(page)) for page in pages] == unprepared
        assert any(q["sql"].startswith("EXECUTE kept_read_") for q in queries)


def test_the_registers_options_are_each_offices_own_from_one_process(
    client, opcc_staff, opcc_staff_b, report_a, report_b, action_a, action_b
):
    register = reverse("recommendations:register")
    client.force_login(opcc_staff)
    page_a = client.get(register).content.decode()
    client.force_login(opcc_staff_b)
    page_b = client.get(register).content.decode()
    for page, own, other in ((page_a, action_a, action_b), (page_b, action_b, action_a)):
        reports, leads = _options(page, "report"), _options(page, "owner")
        assert str(own.plan.report_id) in reports
        assert str(other.plan.report_id) not in reports
        assert str(own.delivery_lead_id) in leads
        assert str(other.delivery_lead_id) not in leads


def _options(page: str, name: str) -> list[str]:
    """The values a select of the page offers."""
    select = re.search(rf'<select name="{name}".*?</select>', page, re.S).group()
    return re.findall(r'<option value="([^"]*)"', select)


def test_reads_by_a_pages_ids_give_what_the_queryset_gives_for_each_page(
    prepared_reads, opcc_staff, report_a, plan_a, police_lead_a, police_lead_a2
):
    area = factories.PriorityAreaFactory(report=report_a, title="Custody")
    recommendations = [
        factories.RecommendationFactory(report=report_a, reference=f"R{n}") for n in range(4)
    ]
    recommendations[0].priority_areas.add(area)
    factories.ActionFactory(
        plan=plan_a, delivery_lead=police_lead_a2, recommendations=recommendations[1:3]
    )
    pages = [recommendations[:2], recommendations[2:], recommendations[1:3], recommendations[:2]]
    for page in pages:
        ids = [r.pk for r in page]
        with CaptureQueriesContext(connection) as queries:
            read = rows_for_ids(opcc_staff, _details_of, ids)
        assert sorted(read) == sorted(_details_of(opcc_staff, ids))
        assert queries[0]["sql"].startswith("EXECUTE kept_read_")
    rows = {row.recommendation.reference: row for row in register_row_details(opcc_staff, pages[0])}
    assert (rows["R0"].areas, rows["R0"].leads) == (["Custody"], [])
    assert (rows["R1"].areas, rows["R1"].leads) == ([], [str(police_lead_a2)])


def test_the_register_shows_each_filter_sort_and_page_asked_of_one_process(
    client, opcc_staff, office_a, force_b, report_a, report_b
):
    office_a.forces.add(force_b)
    started = Recommendation.Status.IN_PROGRESS
    for n in range(27):
        factories.RecommendationFactory(
            report=report_a, reference=f"A{n:02}", position=n, status="open" if n % 3 else started
        )
    factories.RecommendationFactory(report=report_b, reference="B00", position=0)
    register = reverse("recommendations:register")
    client.force_login(opcc_staff)

    def listed(query: str) -> tuple[int, list[str]]:
        response = client.get(register + query)
        rows = [row.recommendation.reference for row in response.context["rows"]]
        return response.context["page_obj"].paginator.count, rows

    everything = sorted(f"A{n:02}" for n in range(27)) + ["B00"]
    first, second = listed(""), listed("?page=2")
    assert first[0] == second[0] == 28
    assert len(first[1]) == 25
    assert sorted(first[1] + second[1]) == everything
    assert listed("?status=in_progress") == (9, [f"A{n:02}" for n in range(0, 27, 3)])
    assert listed("?status=open")[0] == 19
    assert listed(f"?report={report_b.pk}") == (1, ["B00"])
    assert listed(f"?report={report_a.pk}&status=in_progress&sort=-reference") == (
        9,
        [f"A{n:02}" for n in range(24, -1, -3)],
    )
    assert listed("?q=no-such-words") == (0, [])
    assert listed("?page=9") == second  # past the last page: the last

    # A new row, and one started, show on the same pages asked again.
    factories.RecommendationFactory(report=report_b, reference="B01", position=1, status=started)
    Recommendation.objects.filter(reference="A01").update(status=started)
    assert listed("?status=in_progress") == (
        11,
        [f"A{n:02}" for n in (0, 1, *range(3, 27, 3))] + ["B01"],
    )
    assert listed("")[0] == 29
    assert listed(f"?report={report_b.pk}") == (2, ["B00", "B01"])


def _kept_register_pages() -> set[tuple[int, int]]:
    """The register pages (first row, last row) whose reads are kept compiled."""
    return {
        key[0][1][0][2:]
        for key in list(built_querysets._compiled)
        if isinstance(key[0], tuple) and key[0][1][0][0] == "register page"
    }


def test_paging_through_the_register_keeps_a_read_for_its_first_pages_only(
    client, monkeypatch, opcc_staff, report_a
):
    """Each page number is a SQL text of its own (its OFFSET): kept for every page, a
    reader paging through 1,600 pages would have the process keep and prepare 1,600."""
    from recommendations import register

    monkeypatch.setattr(register, "REGISTER_PER_PAGE", 2)
    for n in range(11):
        factories.RecommendationFactory(report=report_a, reference=f"A{n:02}", position=n)
    built_querysets.forget_all()
    client.force_login(opcc_staff)
    shown = []
    for page in range(1, 7):
        response = client.get(reverse("recommendations:register") + f"?sort=reference&page={page}")
        shown += [row.recommendation.reference for row in response.context["rows"]]
    assert shown == [f"A{n:02}" for n in range(11)]
    assert _kept_register_pages() == {(0, 2), (2, 4), (4, 6)}
    # Asked again, a later page shows the rows as they are now.
    factories.RecommendationFactory(report=report_a, reference="A11", position=11)
    response = client.get(reverse("recommendations:register") + "?sort=reference&page=6")
    assert [row.recommendation.reference for row in response.context["rows"]] == ["A10", "A11"]


def test_a_reads_column_converters_are_worked_out_once_and_convert_every_read(
    prepared_reads, monkeypatch, opcc_staff, office_a, recommendation_a
):
    plain = User.objects.select_related("office").get(pk=opcc_staff.pk)
    asked = []
    work_out = SQLCompiler.get_converters

    def counted(compiler, expressions):
        asked.append(compiler.query.model)
        return work_out(compiler, expressions)

    monkeypatch.setattr(SQLCompiler, "get_converters", counted)
    backend = OversightBackend()
    reads = [backend.get_user(opcc_staff.pk) for _ in range(3)]
    assert asked == [User]  # the first read's, kept for the next two
    for user in reads:
        # Each read's values converted as the ORM converts them: an aware moment, a
        # boolean, the office made from its columns.
        assert user.date_joined == plain.date_joined
        assert user.date_joined.tzinfo is not None
        assert user.is_active is True
        assert user.office == office_a
    # Another read's columns have converters of their own, worked out once too.
    for _ in range(2):
        (row,) = rows_where(recommendation_detail_queryset(opcc_staff), "pk", recommendation_a.pk)
        assert row.due_on == recommendation_a.due_on
    assert asked.count(Recommendation) == 1
