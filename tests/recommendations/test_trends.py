"""Trend figures by quarter, from the change history, against a small hand-built register;
and their SVG charts on the dashboard."""

import datetime
import re
import xml.etree.ElementTree as ET

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from oversight.shared.concurrency import version_of
from recommendations import charts, services_actions
from recommendations.models import Recommendation, TrendQuarter
from recommendations.trends import (
    ALL,
    BY_PRIORITY_AREA,
    NO_AREA,
    quarter_totals,
    quarters_to,
    recommendation_trends,
    trend_quarters_forget,
)
from tests import factories

AS_AT = datetime.date(2026, 12, 3)
D = datetime.date
SVG = "{http://www.w3.org/2000/svg}"


def _on(day: datetime.date):
    return time_machine.travel(datetime.datetime(day.year, day.month, day.day, 12, 0), tick=False)


def _age(since: datetime.date, on: datetime.date) -> int:
    return (on - since).days


@pytest.fixture
def history(force_a, plan_owner_a):
    """R1 (HMICFRS) added 1 Feb, due 1 May, no action from 15 Aug; R2 (HMICFRS) added
    15 Feb, in progress, due 1 Sep; R3 (IOPC) added 10 May with an action due 20 June,
    moved to 31 December on 5 July; R4 (IOPC) added 1 November."""
    with _on(D(2026, 1, 10)):
        hmicfrs = factories.InspectionReportFactory(force=force_a, published_on=D(2026, 1, 10))
        iopc = factories.InspectionReportFactory(
            force=force_a, source="iopc", programme="", published_on=D(2026, 1, 10)
        )
        area = factories.PriorityAreaFactory(report=hmicfrs, title="Missing children")
        plan = factories.ActionPlanFactory(report=iopc)
    with _on(D(2026, 2, 1)):
        r1 = factories.RecommendationFactory(report=hmicfrs, due_on=D(2026, 5, 1))
        r1.priority_areas.add(area)
    with _on(D(2026, 2, 15)):
        factories.RecommendationFactory(
            report=hmicfrs, status=Recommendation.Status.IN_PROGRESS, due_on=D(2026, 9, 1)
        )
    with _on(D(2026, 5, 10)):
        r3 = factories.RecommendationFactory(report=iopc, due_on=None)
        action = factories.ActionFactory(
            plan=plan, target_date=D(2026, 6, 20), recommendations=[r3]
        )
    with _on(D(2026, 7, 5)):
        action.revised_target_date = D(2026, 12, 31)
        action.revision_reason = "Waiting for the new system."
        action.save()
    with _on(D(2026, 8, 15)):
        r1.status = Recommendation.Status.NO_ACTION
        r1.status_reason = "Overtaken by the national programme."
        r1.save()
    with _on(D(2026, 11, 1)):
        factories.RecommendationFactory(report=iopc, due_on=D(2027, 6, 1))
    return {"area": area}


def _figures(rows, group=ALL):
    return [
        (
            row.quarter.label,
            row.opening,
            row.added,
            row.closed,
            row.closing,
            row.average_age_days,
            (row.targets_moved, row.actions),
            (row.overdue, row.closing),
        )
        for row in rows
        if row.group == group
    ]


def test_quarters_run_to_the_day_asked_for():
    assert [(q.start, q.end, q.label) for q in quarters_to(AS_AT)] == [
        (D(2026, 1, 1), D(2026, 3, 31), "Jan–Mar 2026"),
        (D(2026, 4, 1), D(2026, 6, 30), "Apr–Jun 2026"),
        (D(2026, 7, 1), D(2026, 9, 30), "Jul–Sep 2026"),
        (D(2026, 10, 1), D(2026, 12, 3), "Oct–Dec 2026 (to 3 Dec)"),
    ]
    assert quarters_to(D(2026, 2, 10), 2)[0].start == D(2025, 10, 1)


def test_trends_for_every_source_together(opcc_staff, history):
    rows = recommendation_trends(opcc_staff, as_at=AS_AT)
    feb1, feb15, may10, nov1 = D(2026, 2, 1), D(2026, 2, 15), D(2026, 5, 10), D(2026, 11, 1)
    mar31, jun30, sep30 = D(2026, 3, 31), D(2026, 6, 30), D(2026, 9, 30)
    assert _figures(rows) == [
        (
            "Jan–Mar 2026",
            0,
            2,
            0,
            2,
            round((_age(feb1, mar31) + _age(feb15, mar31)) / 2),
            (0, 0),
            (0, 2),
        ),
        (
            "Apr–Jun 2026",
            2,
            1,
            0,
            3,
            round((_age(feb1, jun30) + _age(feb15, jun30) + _age(may10, jun30)) / 3),
            (0, 1),
            (2, 3),  # R1 past its due date, R3's action past its target
        ),
        (
            "Jul–Sep 2026",
            3,
            0,
            1,
            2,
            round((_age(feb15, sep30) + _age(may10, sep30)) / 2),
            (1, 1),
            (1, 2),  # R2 past its due date; R3's action moved to December
        ),
        (
            "Oct–Dec 2026 (to 3 Dec)",
            2,
            1,
            0,
            3,
            round((_age(feb15, AS_AT) + _age(may10, AS_AT) + _age(nov1, AS_AT)) / 3),
            (1, 1),
            (1, 3),
        ),
    ]


def test_trends_by_source(opcc_staff, history):
    rows = recommendation_trends(opcc_staff, as_at=AS_AT)
    hmicfrs = [(r[0], r[1], r[2], r[3], r[4]) for r in _figures(rows, "HMICFRS")]
    iopc = [(r[0], r[1], r[2], r[3], r[4]) for r in _figures(rows, "IOPC learning recommendations")]
    assert hmicfrs == [
        ("Jan–Mar 2026", 0, 2, 0, 2),
        ("Apr–Jun 2026", 2, 0, 0, 2),
        ("Jul–Sep 2026", 2, 0, 1, 1),
        ("Oct–Dec 2026 (to 3 Dec)", 1, 0, 0, 1),
    ]
    # No IOPC recommendation yet in the first quarter: no row for it.
    assert iopc == [
        ("Apr–Jun 2026", 0, 1, 0, 1),
        ("Jul–Sep 2026", 1, 0, 0, 1),
        ("Oct–Dec 2026 (to 3 Dec)", 1, 1, 0, 2),
    ]


def test_trends_by_priority_area_and_filtered(opcc_staff, history):
    rows = recommendation_trends(opcc_staff, as_at=AS_AT, group_by=BY_PRIORITY_AREA)
    # R1 closed in the third quarter: the area has no row after it.
    assert [r[4] for r in _figures(rows, "Missing children")] == [1, 1, 0]
    assert [r[4] for r in _figures(rows, NO_AREA)] == [1, 2, 2, 3]
    only_area = recommendation_trends(
        opcc_staff, as_at=AS_AT, priority_areas=[history["area"]], quarters=2
    )
    assert [(r.group, r.opening, r.closed) for r in only_area] == [
        (ALL, 1, 1),
        ("HMICFRS", 1, 1),
        (ALL, 0, 0),
    ]
    assert recommendation_trends(opcc_staff, as_at=AS_AT, sources=["coroner"])[0].closing == 0


def test_trends_count_only_what_the_user_may_see(police_lead_b, history):
    rows = recommendation_trends(police_lead_b, as_at=AS_AT)
    assert {row.group for row in rows} == {ALL}
    assert all(row.opening == row.added == row.closing == row.actions == 0 for row in rows)


def test_trends_run_the_same_queries_for_few_or_many(opcc_staff, history, force_a):
    with CaptureQueriesContext(connection) as few:
        recommendation_trends(opcc_staff, as_at=AS_AT)
    report = factories.InspectionReportFactory(force=force_a)
    plan = factories.ActionPlanFactory(report=report)
    for _ in range(10):
        recommendation = factories.RecommendationFactory(report=report)
        factories.ActionFactory(plan=plan, recommendations=[recommendation])
    with CaptureQueriesContext(connection) as many:
        recommendation_trends(opcc_staff, as_at=AS_AT)
    assert len(few) == len(many) == 2


def _svgs(html: str) -> list[ET.Element]:
    return [
        ET.fromstring(svg)
        for svg in re.findall(
            r'<svg xmlns="http://www.w3.org/2000/svg" class="trend-chart".*?</svg>', html, re.S
        )
    ]


def test_trend_charts_are_valid_svg_with_a_bar_per_figure_and_a_point_per_quarter(
    opcc_staff, history
):
    totals = [r for r in recommendation_trends(opcc_staff, as_at=AS_AT) if r.group == ALL]
    bars = charts.trend_bar_chart(id="t", title="Counts", rows=totals)
    share = charts.trend_share_chart(id="s", title="Overdue", rows=totals, share="overdue_share")
    html = charts.trend_chart_html(bars) + charts.trend_chart_html(share)
    bar_svg, share_svg = _svgs(html)
    assert bar_svg.get("role") == share_svg.get("role") == "img"
    assert bar_svg.find(f"{SVG}title").text == "Counts"
    assert (
        "Apr–Jun 2026: 1 added, 0 closed, 3 open at quarter end" in bar_svg.find(f"{SVG}desc").text
    )
    filled = [r for r in bar_svg.iter(f"{SVG}rect") if r.get("fill", "").startswith("url(#cs-")]
    assert len(filled) == 4 * 3
    assert [t.text for t in bar_svg.iter(f"{SVG}text") if t.get("class") == "trend-quarter"] == [
        q.label for q in quarters_to(AS_AT)
    ]
    points = list(share_svg.iter(f"{SVG}circle"))
    assert len(points) == 4
    assert [p.find(f"{SVG}title").text for p in share_svg.iter(f"{SVG}g")] == [
        "Jan–Mar 2026: 0%",
        "Apr–Jun 2026: 67%",
        "Jul–Sep 2026: 50%",
        "Oct–Dec 2026 (to 3 Dec): 33%",
    ]
    assert len(share_svg.find(f"{SVG}polyline").get("points").split()) == 4


def test_a_quarter_with_nothing_open_has_no_point(opcc_staff, db):
    rows = recommendation_trends(opcc_staff, as_at=AS_AT)
    share = charts.trend_share_chart(id="s", title="Overdue", rows=rows, share="overdue_share")
    assert share.points == [] and "none open" in share.description


def test_dashboard_shows_the_trends_chart_and_table(client, opcc_staff, history):
    with _on(AS_AT):
        client.force_login(opcc_staff)
        response = client.get(reverse("recommendations:dashboard"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="trends-heading"' in html
    bar_svg, share_svg = _svgs(html)
    assert len(list(share_svg.iter(f"{SVG}circle"))) == 4
    assert "Oct–Dec 2026 (to 3 Dec)" in html


# --- The dashboard's quarter totals: stored completed quarters, the current one live --------


def _all_rows(user, day):
    return [
        (r.quarter.label, r.opening, r.added, r.closed, r.closing, r.overdue)
        for r in recommendation_trends(user, as_at=day)
        if r.group == ALL
    ]


def _totals(user):
    return [
        (r.quarter.label, r.opening, r.added, r.closed, r.closing, r.overdue)
        for r in quarter_totals(user)
    ]


def test_quarter_totals_equal_the_trends_all_rows(opcc_staff, history, force_a):
    with _on(AS_AT):
        expected = _all_rows(opcc_staff, AS_AT)
        assert _totals(opcc_staff) == expected  # worked out and stored
        assert TrendQuarter.objects.count() > 0
        assert _totals(opcc_staff) == expected  # read back
    # Reopened, closed and a new one on the quarter's first and last moments.
    report = factories.InspectionReportFactory(force=force_a, published_on=D(2026, 9, 1))
    with _on(D(2026, 9, 30)):
        late = factories.RecommendationFactory(report=report, due_on=D(2026, 9, 29))
    with _on(D(2026, 10, 1)):
        late.status = Recommendation.Status.NO_ACTION
        late.status_reason = "Overtaken by the national programme."
        late.save()
    with _on(D(2026, 11, 2)):
        late.status = Recommendation.Status.IN_PROGRESS
        late.save()
    with _on(D(2026, 12, 1)):
        factories.RecommendationFactory(report=report, due_on=D(2026, 12, 2))
    with _on(AS_AT):
        assert _totals(opcc_staff) == _all_rows(opcc_staff, AS_AT)


def test_quarter_totals_count_a_late_action_and_a_new_quarter(opcc_staff, history, force_a):
    report = factories.InspectionReportFactory(force=force_a, published_on=D(2026, 9, 1))
    plan = factories.ActionPlanFactory(report=report)
    with _on(D(2026, 9, 2)):
        recommendation = factories.RecommendationFactory(report=report, due_on=None)
        factories.ActionFactory(
            plan=plan, target_date=D(2026, 11, 1), recommendations=[recommendation]
        )
    with _on(AS_AT):
        assert _totals(opcc_staff) == _all_rows(opcc_staff, AS_AT)
    # A quarter later the stored rows of the new first quarters are worked out too.
    later = D(2027, 2, 10)
    with _on(later):
        assert _totals(opcc_staff) == _all_rows(opcc_staff, later)


def test_quarter_totals_forget_a_deleted_recommendation(opcc_staff, history, force_a):
    with _on(AS_AT):
        _totals(opcc_staff)
        gone = Recommendation.objects.filter(report__force=force_a).order_by("pk").first()
        with transaction.atomic():
            trend_quarters_forget(report_ids=[gone.report_id])
            gone.delete()
        assert _totals(opcc_staff) == _all_rows(opcc_staff, AS_AT)


def test_quarter_totals_sum_only_the_reports_the_user_sees(opcc_staff, police_lead_b, history):
    with _on(AS_AT):
        assert _totals(opcc_staff) == _all_rows(opcc_staff, AS_AT)
        assert _totals(police_lead_b) == _all_rows(police_lead_b, AS_AT)
        assert all(row[1:] == (0, 0, 0, 0, 0) for row in _totals(police_lead_b))


def test_an_action_linked_to_other_recommendations_redoes_its_reports_quarters(
    opcc_staff, plan_owner_a, history, force_a
):
    report = factories.InspectionReportFactory(force=force_a, published_on=D(2026, 5, 1))
    plan = factories.ActionPlanFactory(report=report, owner=plan_owner_a)
    with _on(D(2026, 5, 2)):
        first = factories.RecommendationFactory(report=report, due_on=None)
        second = factories.RecommendationFactory(report=report, due_on=None)
        action = factories.ActionFactory(
            plan=plan, target_date=D(2026, 6, 1), recommendations=[first]
        )
    with _on(AS_AT):
        assert _totals(opcc_staff) == _all_rows(opcc_staff, AS_AT)
        assert TrendQuarter.objects.filter(report=report).exists()
        services_actions.action_update(
            action=action,
            by=plan_owner_a,
            expected_version=version_of(action),
            reference=action.reference,
            description=action.description,
            recommendations=[first, second],
            cadence=action.cadence,
        )
        assert not TrendQuarter.objects.filter(report=report).exists()
        # The action past its target since June makes the second overdue in past quarters.
        assert _totals(opcc_staff) == _all_rows(opcc_staff, AS_AT)
