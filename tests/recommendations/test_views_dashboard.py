"""The OPCC dashboard: counts, charts, what is overdue or due soon, statutory deadlines."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from oversight.shared import panels
from recommendations import services_extensions
from recommendations.dashboard import dashboard_for
from recommendations.models import Action, ProgressUpdate, Rag, Recommendation
from recommendations.rag import overdue_condition
from recommendations.selectors import recommendations_visible_to
from recommendations.trends import quarter_totals
from tests import factories

DASHBOARD = reverse("recommendations:dashboard")
TODAY = datetime.date(2026, 11, 1)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime.datetime(2026, 11, 1, 12, 0), tick=False):
        yield


@pytest.fixture
def no_panels(monkeypatch):
    """Leave out panels other apps register: their queries are counted in their own tests."""
    monkeypatch.setitem(panels._registry, "dashboard", [])


# --- Access ---------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["opcc_staff", "read_only"])
def test_dashboard_is_for_opcc_staff_and_read_only(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(DASHBOARD).status_code == 200


@pytest.mark.parametrize("persona", ["plan_owner_a", "police_lead_a", "partner_lead"])
def test_dashboard_is_forbidden_to_force_and_partner_users(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(DASHBOARD).status_code == 403


@pytest.mark.parametrize("persona", ["plan_owner_a", "police_lead_a", "partner_lead"])
def test_dashboard_data_is_refused_before_any_query_for_force_and_partner_users(
    request, persona, django_assert_num_queries
):
    """Its lists' totals are whole forces' (recommendations.tallies), which these users do
    not see: dashboard_for() refuses them rather than counting anything."""
    user = request.getfixturevalue(persona)
    with django_assert_num_queries(0), pytest.raises(ValueError, match="whole forces"):
        dashboard_for(user, today=TODAY)


def test_dashboard_redirects_anonymous_to_login(client, db):
    assert client.get(DASHBOARD)["Location"].startswith(reverse("login"))


def test_dashboard_refuses_post(client, opcc_staff):
    client.force_login(opcc_staff)
    assert client.post(DASHBOARD).status_code == 405


# --- Counts and charts ----------------------------------------------------------------


@pytest.fixture
def area_with_work(report_a, plan_a, police_lead_a):
    """One priority area: R1 open with a red action, R2 in progress with a green one,
    R3 in progress with no actions."""
    area = factories.PriorityAreaFactory(report=report_a, title="Missing children")
    r1 = factories.RecommendationFactory(report=report_a, reference="R1")
    r2 = factories.RecommendationFactory(
        report=report_a, reference="R2", status=Recommendation.Status.IN_PROGRESS
    )
    r3 = factories.RecommendationFactory(
        report=report_a, reference="R3", status=Recommendation.Status.IN_PROGRESS
    )
    for recommendation in (r1, r2, r3):
        recommendation.priority_areas.add(area)
    factories.ActionFactory(
        plan=plan_a, rag=Rag.RED, delivery_lead=police_lead_a, recommendations=[r1]
    )
    factories.ActionFactory(
        plan=plan_a, rag=Rag.GREEN, delivery_lead=police_lead_a, recommendations=[r2]
    )
    return area


def test_counts_by_status_and_rag_per_priority_area(opcc_staff, area_with_work):
    data = dashboard_for(opcc_staff, today=TODAY)
    counts = next(c for c in data.areas if c.area == area_with_work)
    assert dict(counts.by_status) == {"open": 1, "in_progress": 2}
    assert dict(counts.by_rag) == {"red": 1, "green": 1, "none": 1}
    assert data.totals["open"] == 3


def test_counts_leave_out_another_offices_work(opcc_staff, area_with_work, recommendation_b):
    data = dashboard_for(opcc_staff, today=TODAY)
    assert data.totals["all"] == 3
    assert all(
        c.report is None or c.report.force_id != recommendation_b.report.force_id
        for c in data.areas
    )


def test_charts_are_svg_with_counts_and_words_and_no_script(client, opcc_staff, area_with_work):
    client.force_login(opcc_staff)
    content = client.get(DASHBOARD).content.decode()
    assert '<svg class="cbar" role="img"' in content
    assert 'aria-label="Missing children: 1 red, 1 green, 1 no actions yet"' in content
    # Each bar's label leads to its area on the report's page.
    assert f'<a href="{area_with_work.get_absolute_url()}">Missing children</a>' in content
    assert "Complete (blue)" in content  # the legend names every colour
    assert "chart.js" not in content.lower()
    # One breakdown at a time; the others a link away.
    assert "1 open, 2 in progress" not in content
    by_status = client.get(DASHBOARD + "?by=status").content.decode()
    assert 'aria-label="Missing children: 1 open, 2 in progress"' in by_status


def test_chart_bars_write_titles_as_text_not_markup(client, opcc_staff, report_a, force_a):
    """The bars are written in Python, not by a template: every title is still escaped (the
    area's on its bar and in its accessible name, each report's above its areas)."""
    other = factories.InspectionReportFactory(force=force_a, title='Audit "<b>two</b>"')
    report_a.title = "<script>alert('report')</script>"
    report_a.save()
    for report, title in ((report_a, "<img src=x onerror=alert(1)>"), (other, "A & B")):
        area = factories.PriorityAreaFactory(report=report, title=title)
        factories.RecommendationFactory(report=report).priority_areas.add(area)
    client.force_login(opcc_staff)
    content = client.get(DASHBOARD).content.decode()
    assert "<img src=x" not in content and "<script>alert(" not in content
    assert ">&lt;img src=x onerror=alert(1)&gt;</a> <span>· 1</span>" in content
    assert 'aria-label="&lt;img src=x onerror=alert(1)&gt;: 1 no actions yet"' in content
    assert "&lt;script&gt;alert(&#x27;report&#x27;)&lt;/script&gt;</li>" in content
    assert "Audit &quot;&lt;b&gt;two&lt;/b&gt;&quot;</li>" in content
    assert ">A &amp; B</a> <span>· 1</span>" in content


def test_recommendations_in_no_priority_area_are_counted_apart(opcc_staff, report_a):
    factories.RecommendationFactory(report=report_a)
    data = dashboard_for(opcc_staff, today=TODAY)
    assert [(c.area, dict(c.by_status)) for c in data.areas] == [(None, {"open": 1})]


def test_overdue_total_is_the_registers_overdue_filter(
    opcc_staff, report_a, plan_a, recommendation_b
):
    """The totals list late actions once (not EXISTS per row): the same recommendations as
    the register's overdue filter, whether the date is revised, the action finished or the
    recommendation closed or past its own due date."""
    day = datetime.timedelta(days=1)

    def recommendation(reference, **fields):
        return factories.RecommendationFactory(report=report_a, reference=reference, **fields)

    def action(recommendations, **fields):
        return factories.ActionFactory(plan=plan_a, recommendations=recommendations, **fields)

    late = recommendation("late")
    action([late], target_date=TODAY - day)
    revised_later = recommendation("revised-later")
    action(
        [revised_later],
        target_date=TODAY - day,
        revised_target_date=TODAY + day,
        revision_reason="Moved.",
    )
    revised_earlier = recommendation("revised-earlier")
    action(
        [revised_earlier],
        target_date=TODAY + day,
        revised_target_date=TODAY - day,
        revision_reason="Moved.",
    )
    finished = recommendation("finished")
    action(
        [finished],
        target_date=TODAY - day,
        status=Action.Status.NOT_NEEDED,
        status_reason="Not needed.",
    )
    recommendation("due-past", due_on=TODAY - day)
    recommendation("due-today", due_on=TODAY)
    shared = recommendation("shared")
    action([shared, late], target_date=TODAY - 3 * day)
    closed = recommendation("closed", status=Recommendation.Status.NO_ACTION, status_reason="None.")
    action([closed], target_date=TODAY - day)
    action([recommendation_b], target_date=TODAY - day)  # another office's

    expected = (
        recommendations_visible_to(opcc_staff)
        .filter(overdue_condition(user=opcc_staff, today=TODAY))
        .count()
    )
    assert expected == 4  # late, revised-earlier, due-past, shared
    assert dashboard_for(opcc_staff, today=TODAY).totals["overdue"] == expected


def test_closed_reports_are_left_out(opcc_staff, report_a, area_with_work):
    report_a.status = "closed"
    report_a.save()
    assert dashboard_for(opcc_staff, today=TODAY).areas == []


# --- Lists ----------------------------------------------------------------------------


def test_overdue_updates_are_live_actions_past_their_update_date(
    opcc_staff, plan_a, police_lead_a, recommendation_a
):
    late = factories.ActionFactory(
        plan=plan_a, reference="A1", next_update_due=TODAY - datetime.timedelta(days=3)
    )
    factories.ActionFactory(plan=plan_a, reference="A2", next_update_due=TODAY)
    factories.ActionFactory(
        plan=plan_a,
        reference="A3",
        next_update_due=TODAY - datetime.timedelta(days=3),
        status=Action.Status.PAUSED,
        status_reason="On hold.",
    )
    data = dashboard_for(opcc_staff, today=TODAY)
    assert [(row.action.pk, row.days_overdue) for row in data.overdue_updates] == [(late.pk, 3)]
    assert data.overdue_updates_total == 1


def test_due_in_the_next_14_days(opcc_staff, plan_a, report_a):
    factories.ActionFactory(
        plan=plan_a, reference="A1", next_update_due=TODAY + datetime.timedelta(days=14)
    )
    factories.ActionFactory(
        plan=plan_a,
        reference="A2",
        next_update_due=TODAY + datetime.timedelta(days=40),
        target_date=TODAY + datetime.timedelta(days=5),
    )
    factories.ActionFactory(
        plan=plan_a, reference="A3", next_update_due=TODAY + datetime.timedelta(days=15)
    )
    factories.RecommendationFactory(
        report=report_a, reference="R1", due_on=TODAY + datetime.timedelta(days=2)
    )
    data = dashboard_for(opcc_staff, today=TODAY)
    assert [(item.what, item.due_on - TODAY) for item in data.due_soon] == [
        ("Recommendation due", datetime.timedelta(days=2)),
        ("Action target date", datetime.timedelta(days=5)),
        ("Update due", datetime.timedelta(days=14)),
    ]


def test_an_action_is_in_every_list_it_belongs_to_and_no_other(
    opcc_staff, plan_a, report_b, police_lead_a, opcc_staff_b
):
    """The lists of actions are read in one query and split by each list's own condition:
    an action proposed complete and past its update date is in both lists; one proposed
    complete on a closed report waits for sign-off but is no longer chased; one due
    soon and overdue by no date is only due soon; another office's never."""
    both = factories.ActionFactory(
        plan=plan_a,
        reference="B1",
        next_update_due=TODAY - datetime.timedelta(days=2),
        target_date=TODAY + datetime.timedelta(days=3),
        status=Action.Status.PENDING_SIGN_OFF,
        completion_proposed_by=opcc_staff,
        completion_proposed_at=timezone.now() - datetime.timedelta(days=1),
    )
    closed_plan = factories.ActionPlanFactory(
        report=factories.InspectionReportFactory(force=plan_a.force, status="closed"),
        force=plan_a.force,
    )
    closed = factories.ActionFactory(
        plan=closed_plan,
        reference="C1",
        next_update_due=TODAY - datetime.timedelta(days=5),
        status=Action.Status.PENDING_SIGN_OFF,
        completion_proposed_by=opcc_staff,
        completion_proposed_at=timezone.now(),
    )
    soon = factories.ActionFactory(
        plan=plan_a, reference="S1", next_update_due=TODAY + datetime.timedelta(days=1)
    )
    factories.ActionFactory(
        plan=factories.ActionPlanFactory(report=report_b, force=report_b.force),
        reference="X1",
        next_update_due=TODAY - datetime.timedelta(days=9),
        status=Action.Status.PENDING_SIGN_OFF,
        completion_proposed_by=opcc_staff_b,
        completion_proposed_at=timezone.now(),
    )
    data = dashboard_for(opcc_staff, today=TODAY)
    assert [action.pk for action in data.review_queue["completions"]] == [both.pk, closed.pk]
    assert [row.action.pk for row in data.overdue_updates] == [both.pk]
    assert [(item.what, item.url) for item in data.due_soon] == [
        ("Update due", soon.get_absolute_url()),
        ("Action target date", both.get_absolute_url()),
    ]
    assert (data.review_queue["completion_count"], data.overdue_updates_total) == (2, 1)


def test_updates_waiting_for_review_and_returned_are_listed_apart(
    opcc_staff, action_a, police_lead_a
):
    """Both lists of updates are read in one query: the oldest submitted first, the latest
    returned first, and an update reviewed and accepted in neither."""
    older = factories.ProgressUpdateFactory(
        action=action_a, author=police_lead_a, review_state=ProgressUpdate.Review.SUBMITTED
    )
    newer = factories.ProgressUpdateFactory(
        action=action_a, author=police_lead_a, review_state=ProgressUpdate.Review.SUBMITTED
    )
    returned = [
        factories.ProgressUpdateFactory(
            action=action_a,
            review_state=ProgressUpdate.Review.RETURNED,
            reviewed_by=opcc_staff,
            reviewed_at=timezone.now() - datetime.timedelta(days=days),
            review_comment="More.",
        )
        for days in (3, 1, 40)
    ]
    factories.ProgressUpdateFactory(
        action=action_a,
        review_state=ProgressUpdate.Review.ACCEPTED,
        reviewed_by=opcc_staff,
        reviewed_at=timezone.now(),
    )
    data = dashboard_for(opcc_staff, today=TODAY)
    assert [u.pk for u in data.review_queue["updates"]] == [older.pk, newer.pk]
    # The last 30 days only.
    assert [u.pk for u in data.returned_updates] == [returned[1].pk, returned[0].pk]


def test_statutory_deadlines(opcc_staff, force_a):
    report = factories.InspectionReportFactory(
        force=force_a,
        published_on=datetime.date(2026, 9, 20),
        formal_response_requested_on=datetime.date(2026, 10, 1),
        formal_response_due_on=datetime.date(2026, 11, 10),
    )
    factories.InspectionReportFactory(
        force=force_a,
        published_on=datetime.date(2026, 9, 20),
        section_55_published_on=datetime.date(2026, 10, 30),
        action_plan_received_on=datetime.date(2026, 10, 25),
    )
    data = dashboard_for(opcc_staff, today=TODAY)
    assert [(d.report, d.what, d.due_on, d.days_left) for d in data.deadlines] == [
        (report, "Force action plan", datetime.date(2026, 11, 1), 0),
        (report, "Chief constable's formal response", datetime.date(2026, 11, 10), 9),
        (report, "Section 55 comments", datetime.date(2026, 11, 15), 14),
    ]


def test_recently_returned_updates_say_whether_they_were_resubmitted(
    opcc_staff, action_a, police_lead_a
):
    returned = factories.ProgressUpdateFactory(
        action=action_a,
        review_state=ProgressUpdate.Review.RETURNED,
        reviewed_by=opcc_staff,
        reviewed_at=timezone.now(),
        review_comment="Give the numbers.",
    )
    data = dashboard_for(opcc_staff, today=TODAY)
    assert [(u.pk, u.resubmitted) for u in data.returned_updates] == [(returned.pk, False)]
    factories.ProgressUpdateFactory(action=action_a, resubmission_of=returned)
    assert dashboard_for(opcc_staff, today=TODAY).returned_updates[0].resubmitted


def test_proposed_for_closure_waits_for_sign_off(opcc_staff, plan_owner_a, recommendation_a):
    Recommendation.objects.filter(pk=recommendation_a.pk).update(
        status=Recommendation.Status.PROPOSED_FOR_CLOSURE,
        closure_proposed_by=plan_owner_a,
        closure_rationale="Done.",
    )
    data = dashboard_for(opcc_staff, today=TODAY)
    assert [r.pk for r in data.awaiting_sign_off] == [recommendation_a.pk]
    assert data.totals["awaiting_sign_off"] == 1


def test_dashboard_page_shows_the_lists(client, opcc_staff, plan_a, police_lead_a):
    factories.ActionFactory(
        plan=plan_a,
        reference="A7",
        delivery_lead=police_lead_a,
        next_update_due=TODAY - datetime.timedelta(days=6),
    )
    client.force_login(opcc_staff)
    content = client.get(DASHBOARD).content.decode()
    assert "6 days overdue" in content
    assert "Statutory deadlines" in content


def test_dashboard_names_recommendations_for_closure_apart_from_actions_to_sign_off(
    client, opcc_staff, plan_owner_a, recommendation_a, plan_a
):
    Recommendation.objects.filter(pk=recommendation_a.pk).update(
        status=Recommendation.Status.PROPOSED_FOR_CLOSURE, closure_proposed_by=plan_owner_a
    )
    factories.ActionFactory(plan=plan_a, status=Action.Status.PENDING_SIGN_OFF)
    client.force_login(opcc_staff)
    content = client.get(DASHBOARD).content.decode()
    assert '<span class="tile-label">recommendations proposed for closure</span>' in content
    assert ">Recommendations proposed for closure</h2>" in content
    assert "action awaiting sign-off" in content
    assert "proposed completion" not in content


# --- Query counts ---------------------------------------------------------------------


def _world(report, plan, lead, reviewer, count):
    area = factories.PriorityAreaFactory(report=report)
    for index in range(count):
        recommendation = factories.RecommendationFactory(
            report=report,
            due_on=TODAY + datetime.timedelta(days=index % 20),
            status=Recommendation.Status.IN_PROGRESS,
        )
        recommendation.priority_areas.add(area)
        action = factories.ActionFactory(
            plan=plan,
            delivery_lead=lead,
            rag=[Rag.RED, Rag.AMBER, Rag.GREEN][index % 3],
            next_update_due=TODAY + datetime.timedelta(days=index % 30 - 10),
            recommendations=[recommendation],
        )
        factories.ProgressUpdateFactory(
            action=action,
            review_state=ProgressUpdate.Review.RETURNED,
            reviewed_by=reviewer,
            reviewed_at=timezone.now(),
            review_comment="More detail.",
        )


@pytest.mark.parametrize("count", [2, 50])
def test_dashboard_runs_the_same_queries_for_2_or_50_recommendations(
    client,
    opcc_staff,
    report_a,
    plan_a,
    police_lead_a,
    count,
    no_panels,
    django_assert_num_queries,
    settings,
):
    _world(report_a, plan_a, police_lead_a, opcc_staff, count)
    client.force_login(opcc_staff)
    # The first dashboard stores each report's completed quarters (recommendations.trends).
    quarter_totals(opcc_staff)
    # 1 session, 2 user (with organisation and unread notifications), 3 the forces' kept
    # tile and list counts with their lists' first rows and 4 the stale ones' counted
    # afresh and kept, with their charted reports' counts by priority area, status and RAG
    # and their lists' first rows (recommendations.tallies; the first dashboard after a
    # change), 5 the charted reports with those counts, 6 priority areas (with report),
    # 7 reports with an outstanding deadline and 8 the stored completed quarters' sums
    # (the trends; what was added and closed this quarter comes with the kept counts). The
    # lists (proposed completions, overdue updates, actions and recommendations due in 14
    # days, recommendations proposed for closure, updates waiting for review or returned
    # lately) are put together from the forces' kept first rows, without a query.
    with django_assert_num_queries(8):
        response = client.get(DASHBOARD)
    assert response.context["data"].totals["all"] == count
    # Again, rendered afresh with nothing changed: the kept counts read, none counted.
    settings.PAGE_CACHE_SECONDS = 0
    with django_assert_num_queries(7):
        response = client.get(DASHBOARD)
    assert response.context["data"].totals["all"] == count


# --- Long lists: the first ten and the total ------------------------------------------


def test_every_list_shows_its_first_ten_with_the_total(
    opcc_staff, plan_a, report_a, police_lead_a, plan_owner_a
):
    for n in range(12):
        factories.ActionFactory(
            plan=plan_a,
            reference=f"L{n}",
            next_update_due=TODAY - datetime.timedelta(days=n + 1),
        )
        factories.ActionFactory(
            plan=plan_a,
            reference=f"S{n}",
            next_update_due=TODAY + datetime.timedelta(days=n % 14),
        )
        factories.RecommendationFactory(
            report=report_a,
            status=Recommendation.Status.PROPOSED_FOR_CLOSURE,
            closure_proposed_by=plan_owner_a,
            closure_rationale="Done.",
        )
    data = dashboard_for(opcc_staff, today=TODAY)
    assert (len(data.overdue_updates), data.overdue_updates_total) == (10, 12)
    assert data.overdue_updates[0].action.name.startswith("L11 ")  # longest overdue first
    assert (len(data.due_soon), data.due_soon_total) == (10, 12)
    assert [item.due_on for item in data.due_soon] == sorted(item.due_on for item in data.due_soon)
    assert (len(data.awaiting_sign_off), data.totals["awaiting_sign_off"]) == (10, 12)


def test_charts_show_the_areas_of_the_newest_monitored_reports(client, opcc_staff, force_a):
    for n in range(11):
        report = factories.InspectionReportFactory(
            force=force_a, title=f"Report {n}", published_on=datetime.date(2020 + n % 6, 1, 1 + n)
        )
        area = factories.PriorityAreaFactory(report=report, title=f"Area of report {n}")
        factories.RecommendationFactory(report=report).priority_areas.add(area)
    data = dashboard_for(opcc_staff, today=TODAY)
    oldest = min((r for r in force_a.reports.all()), key=lambda r: (r.published_on, r.pk))
    assert len(data.areas) == 10
    assert oldest.title not in {counts.report.title for counts in data.areas}
    assert data.charts_left_out_reports
    client.force_login(opcc_staff)
    assert "most recently published of the 11 reports" in client.get(DASHBOARD).content.decode()


def test_every_total_is_the_count_of_its_condition(opcc_staff, force_a, plan_a, police_lead_a):
    """The tiles are summed from one GROUP BY: each must equal the count of the recommendations
    its condition picks, on a mix of statuses, kinds, HMICFRS verdicts, dates and reports."""
    from oversight.models import InspectionReport
    from oversight.selectors import reports_visible_to
    from recommendations.filters import (
        CLOSED_NOT_COMPLETE,
        COMPLETE_STILL_OPEN,
        divergence_condition,
    )

    day = datetime.timedelta(days=1)
    hmicfrs = plan_a.report
    InspectionReport.objects.filter(pk=hmicfrs.pk).update(source=InspectionReport.Source.HMICFRS)
    iopc = factories.InspectionReportFactory(
        force=force_a, source=InspectionReport.Source.IOPC, programme=""
    )
    factories.InspectionReportFactory(force=force_a, title="Nothing recorded yet")
    closed_report = factories.InspectionReportFactory(
        force=force_a, status=InspectionReport.Status.CLOSED
    )
    S, K, V = Recommendation.Status, Recommendation.Kind, Recommendation.InspectorateStatus
    rows = [
        (hmicfrs, S.OPEN, K.RECOMMENDATION, V.AWAITING_REVIEW, TODAY - day),
        (hmicfrs, S.IN_PROGRESS, K.AREA_FOR_IMPROVEMENT, V.COMPLETE, None),
        (hmicfrs, S.PROPOSED_FOR_CLOSURE, K.RECOMMENDATION, V.COMPLETE, TODAY + day),
        (hmicfrs, S.CLOSED, K.RECOMMENDATION, V.BEING_PROGRESSED, TODAY - day),
        (hmicfrs, S.CLOSED, K.AREA_FOR_IMPROVEMENT, V.NO_FURTHER_ACTION, None),
        (iopc, S.OPEN, K.RECOMMENDATION, V.COMPLETE, TODAY - day),
        (iopc, S.CLOSED, K.RECOMMENDATION, V.AWAITING_REVIEW, None),
        (closed_report, S.OPEN, K.RECOMMENDATION, V.AWAITING_REVIEW, TODAY - day),
        (closed_report, S.IN_PROGRESS, K.AREA_FOR_IMPROVEMENT, V.AWAITING_REVIEW, None),
    ]
    made = []
    for report, status, kind, verdict, due_on in rows:
        recommendation = factories.RecommendationFactory(report=report, kind=kind, due_on=due_on)
        Recommendation.objects.filter(pk=recommendation.pk).update(
            status=status,
            inspectorate_status=verdict,
            status_reason="Recorded.",
            closure_rationale="Done." if status == S.CLOSED else "",
            signed_off_by=opcc_staff if status == S.CLOSED else None,
        )
        made.append(recommendation)
    # A live action past its target makes the open AFI (due on no date) overdue, and the
    # in-progress one on the closed report.
    closed_plan = factories.ActionPlanFactory(report=closed_report)
    for plan, recommendation in ((plan_a, made[1]), (closed_plan, made[8])):
        factories.ActionFactory(
            plan=plan,
            delivery_lead=police_lead_a,
            target_date=TODAY - day,
            recommendations=[recommendation],
        )

    visible = recommendations_visible_to(opcc_staff)
    monitored = visible.exclude(report__status=InspectionReport.Status.CLOSED)
    open_ = {"status__in": Recommendation.OPEN_STATUSES}
    afi = {"kind": K.AREA_FOR_IMPROVEMENT}
    overdue = overdue_condition(user=opcc_staff, today=TODAY)
    expected = {
        "all": monitored.count(),
        "open": monitored.filter(**open_).count(),
        "recommendations": monitored.exclude(**afi).count(),
        "open_recommendations": monitored.filter(**open_).exclude(**afi).count(),
        "afis": monitored.filter(**afi).count(),
        "open_afis": monitored.filter(**open_, **afi).count(),
        "closed_not_complete": monitored.filter(divergence_condition(CLOSED_NOT_COMPLETE)).count(),
        "complete_still_open": monitored.filter(divergence_condition(COMPLETE_STILL_OPEN)).count(),
        "overdue": monitored.filter(overdue).count(),
        "awaiting_sign_off": monitored.filter(status=S.PROPOSED_FOR_CLOSURE).count(),
        # Every monitored report, one with no recommendation yet too: the charts' ten are
        # drawn from all of them.
        "reports": reports_visible_to(opcc_staff)
        .exclude(status=InspectionReport.Status.CLOSED)
        .count(),
    }
    assert expected == {
        "all": 7,
        "open": 4,
        "recommendations": 5,
        "open_recommendations": 3,
        "afis": 2,
        "open_afis": 1,
        "closed_not_complete": 1,
        "complete_still_open": 2,
        "overdue": 3,
        "awaiting_sign_off": 1,
        "reports": 3,
    }
    data = dashboard_for(opcc_staff, today=TODAY)
    assert {name: data.totals[name] for name in expected} == expected
    # "Overdue now" in the trends counts the closed report's overdue ones too.
    assert data.trends[-1].overdue == visible.filter(overdue).count() == 5


def test_reports_are_counted_before_any_recommendation_is_recorded(opcc_staff, force_a):
    """The count of monitored reports rides on the recommendations' GROUP BY; with none
    recorded yet it is still the number of reports being monitored."""
    from oversight.models import InspectionReport

    for _ in range(2):
        factories.InspectionReportFactory(force=force_a)
    factories.InspectionReportFactory(force=force_a, status=InspectionReport.Status.CLOSED)
    assert not recommendations_visible_to(opcc_staff).exists()

    data = dashboard_for(opcc_staff, today=TODAY)

    assert data.totals["reports"] == 2
    assert data.totals["all"] == 0


def test_requests_to_move_a_target_date_are_counted_with_what_waits_for_a_decision(
    client, settings, opcc_staff, action_a, action_b, police_lead_a, police_lead_b
):
    """The panel of what waits for an OPCC decision counts the requests to move a target
    date too (the review queue lists them), only those of the office's forces, and no
    longer once decided; the dashboard runs no more queries for it."""
    settings.PAGE_CACHE_SECONDS = 0  # each page rendered, its queries counted
    client.force_login(opcc_staff)
    client.get(DASHBOARD)  # warm: the session and what every request caches
    with CaptureQueriesContext(connection) as without_requests:
        client.get(DASHBOARD)
    before = dashboard_for(opcc_staff, today=TODAY).review_queue["extension_count"]
    request_a = services_extensions.extension_request(
        action=action_a,
        by=police_lead_a,
        to_date=TODAY + datetime.timedelta(days=200),
        reason="Training places cancelled.",
    )
    services_extensions.extension_request(
        action=action_b,
        by=police_lead_b,
        to_date=TODAY + datetime.timedelta(days=200),
        reason="Another force's request.",
    )

    data = dashboard_for(opcc_staff, today=TODAY)
    assert (before, data.review_queue["extension_count"]) == (0, 1)
    with CaptureQueriesContext(connection) as with_requests:
        page = client.get(DASHBOARD).content.decode()
    assert len(with_requests) == len(without_requests)
    panel = page[page.index('id="review-queue-heading"') :]
    assert "#queue-extensions-heading" in panel
    assert '<span class="summary-number-inline">1</span> request to move an action' in panel

    services_extensions.extension_decide(extension=request_a, by=opcc_staff, agree=True)
    assert dashboard_for(opcc_staff, today=TODAY).review_queue["extension_count"] == 0


def test_requests_to_move_a_target_date_are_counted_before_any_recommendation(
    opcc_staff, force_a, police_lead_a
):
    """With no recommendation to carry the counts (an action whose recommendations were
    all withdrawn), the waiting request is still counted."""
    report = factories.InspectionReportFactory(force=force_a)
    plan = factories.ActionPlanFactory(report=report)
    action = factories.ActionFactory(plan=plan, delivery_lead=police_lead_a)
    factories.ExtensionRequestFactory(action=action)
    assert not recommendations_visible_to(opcc_staff).exists()

    data = dashboard_for(opcc_staff, today=TODAY)

    assert data.review_queue["extension_count"] == 1
    assert data.totals["reports"] == 1
