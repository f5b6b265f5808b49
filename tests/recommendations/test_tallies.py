"""Each force's dashboard tiles kept in a row (recommendations.tallies): the same counts as
counting every recommendation, marked stale by the changes that alter them and no others,
counted afresh on the next dashboard, and never kept when a writer got there first."""

import datetime
import threading

import pytest
from django.db import close_old_connections, connection, transaction
from django.db.models import BooleanField, Count, ExpressionWrapper, ProtectedError, Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from oversight.models import InspectionReport, User
from oversight.selectors import reports_visible_to
from recommendations import services, tallies
from recommendations.bounded_lists import count_of
from recommendations.dashboard import _totals, dashboard_for
from recommendations.filters import (
    CLOSED_NOT_COMPLETE,
    COMPLETE_STILL_OPEN,
    divergence_condition,
)
from recommendations.models import (
    Action,
    DashboardTally,
    ExtensionRequest,
    ProgressUpdate,
    Recommendation,
    ReportChartTally,
)
from recommendations.rag import overdue_for_counting, with_rag_and_overdue
from recommendations.selectors import (
    actions_visible_to,
    extensions_visible_to,
    recommendations_visible_to,
    updates_visible_to,
)
from recommendations.tallies import TILE_COUNTS
from recommendations.trends import quarter_totals
from tests import factories

DASHBOARD = reverse("recommendations:dashboard")


def _counted_totals(user: User, *, today: datetime.date) -> tuple[dict, int]:
    """The tiles' counts over every recommendation the user sees on a monitored report, and
    "overdue now" over all of them (the trends count those of closed reports too), counted
    from the rows now: what the forces' kept counts must equal. The late actions are those
    the user sees (overdue_for_counting): an action serves only recommendations of its own
    plan's report, so none of the user's rows is left out.

    One GROUP BY over status, kind and four yes/no columns (monitored, overdue and the two
    divergences from HMICFRS's status), a few dozen groups summed here, rather than a dozen
    filtered counts each testing its conditions again on every row. The number of
    monitored reports and of requests to move a target date waiting for a decision come
    with it, each counted once."""
    flags = {
        "monitored": ~Q(report__status=InspectionReport.Status.CLOSED),
        "overdue": overdue_for_counting(actions_visible_to(user), today=today),
        "closed_not_complete": divergence_condition(CLOSED_NOT_COMPLETE),
        "complete_still_open": divergence_condition(COMPLETE_STILL_OPEN),
    }
    # The reports the charts' ten are drawn from: every monitored one, with recommendations
    # recorded yet or not.
    monitored_reports = reports_visible_to(user).exclude(status=InspectionReport.Status.CLOSED)
    # Requests to move a target date waiting for the OPCC's decision (the review queue's
    # third list): counted here, once, rather than by a query of their own.
    pending_extensions = extensions_visible_to(user).filter(
        decision=ExtensionRequest.Decision.PENDING
    )
    groups = (
        recommendations_visible_to(user)
        .annotate(
            **{name: ExpressionWrapper(q, output_field=BooleanField()) for name, q in flags.items()}
        )
        .values("status", "kind", *flags)
        .annotate(
            n=Count("pk"),
            reports=count_of(monitored_reports),
            extensions=count_of(pending_extensions),
        )
        .order_by()
    )
    # The kept counts' names (recommendations.tallies), "overdue now" apart.
    totals = dict.fromkeys((name for name in TILE_COUNTS if name != "overdue_elsewhere"), 0)
    overdue_elsewhere = 0
    grouped = False
    for group in groups:
        n, grouped = group["n"], True
        totals["reports"] = group["reports"]
        totals["extensions_waiting"] = group["extensions"]
        if not group["monitored"]:
            overdue_elsewhere += n if group["overdue"] else 0
            continue
        kind = (
            "afis"
            if group["kind"] == Recommendation.Kind.AREA_FOR_IMPROVEMENT
            else "recommendations"
        )
        totals["all"] += n
        totals[kind] += n
        if group["status"] in Recommendation.OPEN_STATUSES:
            totals["open"] += n
            totals[f"open_{kind}"] += n
        if group["status"] == Recommendation.Status.PROPOSED_FOR_CLOSURE:
            totals["awaiting_sign_off"] += n
        for flag in ("overdue", "closed_not_complete", "complete_still_open"):
            totals[flag] += n if group[flag] else 0
    if not grouped:
        # No recommendation to carry the counts: an office whose reports have none
        # recorded yet (two more queries, for that office only).
        totals["reports"] = monitored_reports.count()
        totals["extensions_waiting"] = pending_extensions.count()
    return totals, totals["overdue"] + overdue_elsewhere


def _row(force) -> DashboardTally:
    return DashboardTally.objects.get(force=force)


def _fresh(force, today) -> bool:
    row = _row(force)
    return row.counted_generation == row.generation and row.counted_on == today


@pytest.fixture
def region(office_a, force_a, force_b, report_a, report_b, plan_a, police_lead_a, opcc_staff):
    """An office overseeing forces A and B, with work of every kind in both."""
    office_a.forces.add(force_b)
    today = timezone.localdate()
    plan_b = factories.ActionPlanFactory(report=report_b)
    for report, plan in ((report_a, plan_a), (report_b, plan_b)):
        later = today + datetime.timedelta(days=60)
        late = factories.RecommendationFactory(report=report, reference="R1", due_on=later)
        factories.RecommendationFactory(
            report=report,
            reference="R2",
            due_on=later,
            kind=Recommendation.Kind.AREA_FOR_IMPROVEMENT,
            status=Recommendation.Status.IN_PROGRESS,
        )
        factories.RecommendationFactory(
            report=report,
            reference="R3",
            status=Recommendation.Status.CLOSED,
            closure_rationale="Done.",
            signed_off_by=opcc_staff,
            inspectorate_status=Recommendation.InspectorateStatus.BEING_PROGRESSED,
        )
        factories.RecommendationFactory(
            report=report, reference="R4", due_on=today - datetime.timedelta(days=3)
        )
        action = factories.ActionFactory(
            plan=plan,
            recommendations=[late],
            target_date=today - datetime.timedelta(days=1),
            status=Action.Status.IN_PROGRESS,
        )
        factories.ExtensionRequestFactory(action=action)
    return office_a


def _same_as_counting(user, today):
    return _totals(user, today=today)[:2] == _counted_totals(user, today=today)


def test_the_kept_counts_are_the_counts_of_every_recommendation(region, opcc_staff):
    today = timezone.localdate()
    counted, overdue_now = _counted_totals(opcc_staff, today=today)
    assert counted["overdue"] == 4 and counted["extensions_waiting"] == 2  # the world is mixed
    assert counted["closed_not_complete"] == 2 and counted["afis"] == 2

    assert _totals(opcc_staff, today=today)[:2] == (counted, overdue_now)  # counted, kept
    assert all(_fresh(force, today) for force in region.forces.all())
    assert _totals(opcc_staff, today=today)[:2] == (counted, overdue_now)  # read from rows


def test_a_dashboard_with_every_row_fresh_reads_one_query(region, opcc_staff):
    today = timezone.localdate()
    _totals(opcc_staff, today=today)
    with CaptureQueries() as captured:
        _totals(opcc_staff, today=today)
    assert len(captured) == 1


class CaptureQueries:
    def __enter__(self):
        from django.test.utils import CaptureQueriesContext

        self._context = CaptureQueriesContext(connection)
        return self._context.__enter__()

    def __exit__(self, *exc):
        return self._context.__exit__(*exc)


@pytest.mark.parametrize(
    "change",
    [
        "recommendation_status",
        "action_target_moved",
        "action_paused",
        "report_closed",
        "extension_decided",
        "link_removed",
        "recommendation_deleted",
        "report_moved",
        "update_submitted",
    ],
)
def test_every_change_to_what_the_tiles_count_is_counted_on_the_next_dashboard(
    region, opcc_staff, police_lead_a, force_a, force_b, report_a, change
):
    today = timezone.localdate()
    before = _totals(opcc_staff, today=today)
    assert _fresh(force_a, today)
    recommendation = report_a.recommendations.get(reference="R1")
    action = recommendation.actions.get()
    if change == "recommendation_status":
        recommendation.status = Recommendation.Status.PROPOSED_FOR_CLOSURE
        recommendation.save()
    elif change == "action_target_moved":
        action.revised_target_date = today + datetime.timedelta(days=30)
        action.revision_reason = "Agreed at the board."
        action.save()
    elif change == "action_paused":
        action.status = Action.Status.PAUSED
        action.status_reason = "Waiting for the new system."
        action.save()
    elif change == "report_closed":
        report_a.status = report_a.Status.CLOSED
        report_a.save()
    elif change == "extension_decided":
        extension = ExtensionRequest.objects.get(action=action)
        extension.decision = ExtensionRequest.Decision.WITHDRAWN
        extension.decided_at = timezone.now()
        extension.save()
    elif change == "link_removed":
        action.recommendations.remove(recommendation)
    elif change == "recommendation_deleted":
        report_a.recommendations.get(reference="R4").delete()
    elif change == "report_moved":
        force_c = factories.ForceFactory(name="Force C")
        report_a.force = force_c
        report_a.save()
    elif change == "update_submitted":
        factories.ProgressUpdateFactory(
            action=action, author=police_lead_a, review_state=ProgressUpdate.Review.SUBMITTED
        )

    assert not _fresh(force_a, today)
    assert _same_as_counting(opcc_staff, today)
    assert _totals(opcc_staff, today=today) != before


def test_a_force_counted_again_runs_the_statement_written_for_it_and_counts_the_change(
    region, opcc_staff, force_a, report_a, monkeypatch
):
    """The counting statement depends on the forces and the day alone: written once for a
    force, it is run again on the next dashboard after another change, and counts the rows
    as they are then."""
    today = timezone.localdate()
    _totals(opcc_staff, today=today)
    tallies._statement.cache_clear()
    recommendation = report_a.recommendations.get(reference="R1")
    recommendation.status = Recommendation.Status.IN_PROGRESS
    recommendation.save()
    assert _same_as_counting(opcc_staff, today)  # force A counted, its statement written
    recommendation.status = Recommendation.Status.PROPOSED_FOR_CLOSURE
    recommendation.save()

    def written_again(*args, **kwargs):
        raise AssertionError("the statement was written again")

    for builder in ("_counted", "_listed", "_charted", "_moves"):
        monkeypatch.setattr(tallies, builder, written_again)
    before = tallies._statement.cache_info().hits
    assert not _fresh(force_a, today)
    assert _same_as_counting(opcc_staff, today)
    assert _fresh(force_a, today)
    assert tallies._statement.cache_info().hits == before + 1


def test_the_statement_written_for_stand_ins_is_the_one_written_for_the_forces(
    region, force_a, force_b
):
    """The forces a recount is for are put into the statement written once for as many
    stand-in ids: text and parameters as if it had been written for them."""
    today = timezone.localdate()
    for forces in ([force_a.pk], [force_b.pk], sorted([force_a.pk, force_b.pk])):
        sql, params = tallies._statement_for(forces, today)
        assert str(tallies._FIRST_STAND_IN)[:10] not in sql
        assert not set(tallies._stand_ins(len(forces))) & set(params)
        assert (sql, params) == tallies._written(forces, today)


def test_a_change_in_force_a_leaves_force_b_counts_kept(region, opcc_staff, force_a, force_b):
    today = timezone.localdate()
    _totals(opcc_staff, today=today)
    kept_b = _row(force_b)

    recommendation = Recommendation.objects.get(report__force=force_a, reference="R1")
    recommendation.status = Recommendation.Status.IN_PROGRESS
    recommendation.save()

    assert not _fresh(force_a, today)
    assert _fresh(force_b, today)
    assert _row(force_b).generation == kept_b.generation


def test_yesterdays_counts_are_counted_again_today(region, opcc_staff, report_a):
    """Overdue depends on the day: a target date of today is late tomorrow, with no write."""
    today = timezone.localdate()
    factories.ActionFactory(
        plan=report_a.action_plans.get(),
        recommendations=[report_a.recommendations.get(reference="R2")],
        target_date=today,
        status=Action.Status.IN_PROGRESS,
    )
    totals = _totals(opcc_staff, today=today)[0]
    tomorrow = today + datetime.timedelta(days=1)
    later = _totals(opcc_staff, today=tomorrow)[0]
    assert later["overdue"] == totals["overdue"] + 1
    assert _same_as_counting(opcc_staff, tomorrow)


def test_a_force_without_a_row_is_counted_and_given_one(region, opcc_staff, force_b):
    today = timezone.localdate()
    DashboardTally.objects.filter(force=force_b).delete()
    assert _same_as_counting(opcc_staff, today)
    assert not _fresh(force_b, today)  # given a stale row: nobody marked it meanwhile
    assert _same_as_counting(opcc_staff, today)
    assert _fresh(force_b, today)


def test_a_new_force_has_a_row_for_writers_to_mark(db):
    force = factories.ForceFactory(name="Force New")
    assert DashboardTally.objects.filter(force=force).exists()


def _tile(body: str, status: str) -> str:
    """The number on the tile that links to the register filtered by `status`."""
    link = f'?status={status}"><span class="tile-number">'
    return body.split(link, 1)[1].split("<", 1)[0]


@pytest.mark.parametrize("page_cache", [0, 300])
def test_the_writer_sees_their_change_on_the_next_dashboard(
    client, region, opcc_staff, report_a, settings, page_cache
):
    settings.PAGE_CACHE_SECONDS = page_cache
    client.force_login(opcc_staff)
    assert _tile(client.get(DASHBOARD).content.decode(), "proposed_for_closure") == "0"

    services.recommendation_transition(
        recommendation=report_a.recommendations.get(reference="R2"),
        to_status=Recommendation.Status.PROPOSED_FOR_CLOSURE,
        by=opcc_staff,
        reason="Evidence seen at the board.",
    )

    assert _tile(client.get(DASHBOARD).content.decode(), "proposed_for_closure") == "1"


@pytest.mark.django_db(transaction=True)
def test_counts_are_not_kept_over_a_writer_still_at_work(region, opcc_staff, force_a):
    """A writer has marked force A's row and not yet committed: the dashboard neither
    waits for it nor keeps its counts (the writer's change would be missing from them)."""
    today = timezone.localdate()
    marked, release = threading.Event(), threading.Event()

    def writer():
        try:
            with transaction.atomic():
                tallies.mark_stale([force_a.pk])
                marked.set()
                release.wait(10)
        finally:
            close_old_connections()
            connection.close()

    _totals(opcc_staff, today=today)
    tallies.mark_stale([force_a.pk])  # a change committed: the next dashboard counts A
    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert marked.wait(10)
        with connection.cursor() as cursor:
            # Waiting for the writer's lock would fail the dashboard, not hang it.
            cursor.execute("SET lock_timeout = '2s'")
        assert _same_as_counting(opcc_staff, today)
        assert not _fresh(force_a, today)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
        release.set()
        thread.join(10)
    assert _same_as_counting(opcc_staff, today)
    assert _fresh(force_a, today)


def test_counts_read_before_a_change_are_not_kept_after_it(region, opcc_staff, force_a):
    """The generation read with the counts is the one they are kept at: a change since
    (a generation raised) leaves the row stale."""
    today = timezone.localdate()
    recommendations, force_wide = tallies._counted([force_a.pk], today=today)
    generations = {force: generation for force, generation, *_ in force_wide}
    figures = {force_a.pk: dict.fromkeys(tallies.TALLIED, 0)}
    tallies.mark_stale([force_a.pk])

    tallies._keep(figures, generations, today=today)

    assert not _fresh(force_a, today)


def test_a_service_saving_many_rows_marks_their_forces_once(region, opcc_staff, force_a, force_b):
    today = timezone.localdate()
    _totals(opcc_staff, today=today)
    rows = list(Recommendation.objects.filter(reference="R2").order_by("pk"))
    generations = {force.pk: _row(force).generation for force in (force_a, force_b)}

    with CaptureQueries() as captured, tallies.marked_once():
        for recommendation in rows:
            recommendation.status = Recommendation.Status.PROPOSED_FOR_CLOSURE
            recommendation.save()
        assert _fresh(force_a, today) and _fresh(force_b, today)  # gathered, not yet marked

    marks = [q for q in captured if q["sql"].startswith('UPDATE "recommendations_dashboardtally"')]
    assert len(marks) == 1
    assert {f.pk: _row(f).generation for f in (force_a, force_b)} == {
        pk: generation + 1 for pk, generation in generations.items()
    }
    assert _same_as_counting(opcc_staff, today)


def _lists(data) -> tuple:
    queue = data.review_queue
    return (
        data.overdue_updates_total,
        data.due_soon_total,
        queue["update_count"],
        queue["completion_count"],
        [row.action.pk for row in data.overdue_updates],
        sorted((item.due_on, item.url) for item in data.due_soon),
        [update.pk for update in queue["updates"]],
        [action.pk for action in queue["completions"]],
    )


def _counted_lists(user, today) -> tuple:
    """_lists() counted and read straight from the rows, as the dashboard's conditions say
    (every list here shorter than the dashboard's ten)."""
    soon = today + datetime.timedelta(days=tallies.DUE_SOON_DAYS)
    live = (
        actions_visible_to(user)
        .filter(status__in=Action.LIVE_STATUSES)
        .exclude(plan__report__status=InspectionReport.Status.CLOSED)
    )
    overdue = live.filter(next_update_due__lt=today).order_by("next_update_due", "pk")
    updates_due = live.filter(next_update_due__range=(today, soon))
    targets_due = live.annotate(current=Coalesce("revised_target_date", "target_date")).filter(
        current__range=(today, soon)
    )
    recommendations_due = (
        recommendations_visible_to(user)
        .exclude(report__status=InspectionReport.Status.CLOSED)
        .filter(
            status__in=[Recommendation.Status.OPEN, Recommendation.Status.IN_PROGRESS],
            due_on__range=(today, soon),
        )
    )
    submitted = (
        updates_visible_to(user)
        .filter(review_state=ProgressUpdate.Review.SUBMITTED)
        .order_by("created_at", "pk")
    )
    completions = (
        actions_visible_to(user)
        .filter(status=Action.Status.PENDING_SIGN_OFF)
        .order_by("completion_proposed_at", "pk")
    )
    due = [
        *((action.next_update_due, action.get_absolute_url()) for action in updates_due),
        *((action.current, action.get_absolute_url()) for action in targets_due),
        *((r.due_on, r.get_absolute_url()) for r in recommendations_due),
    ]
    return (
        overdue.count(),
        len(due),
        submitted.count(),
        completions.count(),
        [action.pk for action in overdue],
        sorted(due),
        [update.pk for update in submitted],
        [action.pk for action in completions],
    )


def test_the_lists_totals_kept_are_those_counted(region, opcc_staff, police_lead_a, report_a):
    """The overdue updates, what is due soon and what waits for a decision: with their
    totals kept per force, the same rows and totals as counting them."""
    today = timezone.localdate()
    plan = report_a.action_plans.get()
    soon = factories.ActionFactory(
        plan=plan,
        recommendations=[report_a.recommendations.get(reference="R2")],
        target_date=today + datetime.timedelta(days=5),
        next_update_due=today - datetime.timedelta(days=2),
        status=Action.Status.IN_PROGRESS,
    )
    factories.ProgressUpdateFactory(
        action=soon, author=police_lead_a, review_state=ProgressUpdate.Review.SUBMITTED
    )
    factories.ActionFactory(
        plan=plan,
        recommendations=[report_a.recommendations.get(reference="R1")],
        next_update_due=today + datetime.timedelta(days=3),
        status=Action.Status.PENDING_SIGN_OFF,
        completion_proposed_by=opcc_staff,
        completion_proposed_at=timezone.now(),
    )
    kept = _lists(dashboard_for(opcc_staff, today=today))
    assert all(kept[:4])  # the world has some of each
    assert kept == _counted_lists(opcc_staff, today)


def _current_quarter(trends):
    quarter = trends[-1]
    return quarter.opening, quarter.added, quarter.closed, quarter.closing, quarter.overdue


def test_the_trends_current_quarter_kept_is_the_one_read_from_the_versions(
    region, opcc_staff, report_a, report_b, force_a
):
    """What was added and closed this quarter, kept per force: the same as reading the
    versions of the recommendations changed in it, through closing, reopening, a
    recommendation both added and closed in the quarter, one deleted and one changed
    without opening or closing; and counted again after each change."""
    today = timezone.localdate()

    def counted():
        """Read from the versions (moved=None), with "overdue now" counted."""
        overdue_now = _counted_totals(opcc_staff, today=today)[1]
        return _current_quarter(
            quarter_totals(opcc_staff, as_at=today, overdue_now=overdue_now, moved=None)
        )

    first = _current_quarter(dashboard_for(opcc_staff, today=today).trends)
    assert first == counted() and first[1] == 6  # each report's open R1, R2, R4 added

    reopened = report_a.recommendations.get(reference="R2")
    for status in (Recommendation.Status.CLOSED, Recommendation.Status.IN_PROGRESS):
        reopened.status = status
        reopened.closure_rationale, reopened.signed_off_by = "Done.", opcc_staff
        reopened.save()
    brief = factories.RecommendationFactory(report=report_b, reference="R5")
    brief.status = Recommendation.Status.CLOSED
    brief.closure_rationale, brief.signed_off_by = "Done at once.", opcc_staff
    brief.save()
    report_a.recommendations.get(reference="R4").delete()
    still_open = report_b.recommendations.get(reference="R1")  # a change that moves nothing
    still_open.due_on += datetime.timedelta(days=7)
    still_open.save()

    assert not _fresh(force_a, today)
    kept = _current_quarter(dashboard_for(opcc_staff, today=today).trends)
    assert _fresh(force_a, today)
    assert kept == counted()
    # R2 closed and reopened, R5 added and closed; R4 deleted no longer counts.
    assert kept[1:3] == (first[1] + 1 + 1 - 1, first[2] + 1 + 1)
    assert _current_quarter(dashboard_for(opcc_staff, today=today).trends) == kept  # from the rows


# --- The chart's counts by priority area, kept with the force's row -----------------------


def _charted_counting(user: User, today: datetime.date) -> dict:
    """The chart's counts by priority area (None: in none) over the user's ten newest
    monitored reports, counted from the recommendations now: what the kept counts must
    sum to."""
    charted = (
        reports_visible_to(user)
        .exclude(status=InspectionReport.Status.CLOSED)
        .order_by("-published_on", "-pk")
        .values("pk")[:10]
    )
    counted: dict = {}
    for row in (
        with_rag_and_overdue(
            recommendations_visible_to(user).filter(report__in=charted), user=user, today=today
        )
        .order_by()
        .values("priority_areas", "status", "rag", "kind")
        .annotate(n=Count("pk", distinct=True))
    ):
        by = counted.setdefault(row["priority_areas"], ({}, {}, {}))
        for breakdown, key in zip(by, ("status", "rag", "kind"), strict=True):
            breakdown[row[key]] = breakdown.get(row[key], 0) + row["n"]
    return counted


def _charted(user: User, today: datetime.date) -> dict:
    """The chart's counts by priority area as the dashboard shows them (areas without a
    recommendation left out)."""
    return {
        (counts.area.pk if counts.area else None): (
            dict(counts.by_status),
            dict(counts.by_rag),
            dict(counts.by_kind),
        )
        for counts in dashboard_for(user, today=today).areas
        if counts.total
    }


@pytest.fixture
def areas(region, report_a, report_b):
    """Priority areas on both forces' reports, with recommendations in one, two or none."""
    made = {}
    for report in (report_a, report_b):
        first = factories.PriorityAreaFactory(report=report, title="Missing children")
        second = factories.PriorityAreaFactory(report=report, title="Call handling")
        factories.PriorityAreaFactory(report=report, title="Vetting")  # nothing in it yet
        first.recommendations.add(*report.recommendations.filter(reference__in=["R1", "R2"]))
        second.recommendations.add(*report.recommendations.filter(reference__in=["R2", "R3"]))
        made[report.pk] = (first, second)
    return made


def test_the_kept_chart_counts_are_those_counted(areas, opcc_staff, force_a, force_b):
    today = timezone.localdate()
    counted = _charted_counting(opcc_staff, today)
    assert len(counted) == 5  # two areas a report, and R4 in none (both reports)
    assert counted[None][0] == {Recommendation.Status.OPEN: 2}

    assert _charted(opcc_staff, today) == counted  # counted, kept
    for force in (force_a, force_b):
        kept = ReportChartTally.objects.get(report__force=force)
        assert kept.counted_generation == _row(force).generation
    assert _charted(opcc_staff, today) == counted  # read from the kept rows


def test_the_dashboard_reads_the_kept_chart_counts(areas, opcc_staff, report_a):
    """What is kept at the force's generation is what the chart shows (no count of its
    own); kept at an older one, it is counted afresh instead."""
    today = timezone.localdate()
    counted = _charted_counting(opcc_staff, today)
    _totals(opcc_staff, today=today)
    first, _second = areas[report_a.pk]
    kept = ReportChartTally.objects.get(report=report_a)
    kept.counts = [[first.pk, Recommendation.Status.OPEN, None, "recommendation", 40]]
    kept.save()

    assert _charted(opcc_staff, today)[first.pk][0] == {Recommendation.Status.OPEN: 40}

    kept.counted_generation -= 1
    kept.save()
    assert _charted(opcc_staff, today) == counted


@pytest.mark.parametrize(
    "change", ["recommendation_added", "area_added", "recommendation_removed", "area_deleted"]
)
def test_every_change_to_a_recommendations_priority_areas_is_charted_on_the_next_dashboard(
    areas, opcc_staff, force_a, report_a, change
):
    today = timezone.localdate()
    before = _charted(opcc_staff, today)
    assert _fresh(force_a, today)
    first, second = areas[report_a.pk]
    r4 = report_a.recommendations.get(reference="R4")
    if change == "recommendation_added":
        first.recommendations.add(r4)
    elif change == "area_added":
        r4.priority_areas.add(second)
    elif change == "recommendation_removed":
        first.recommendations.remove(report_a.recommendations.get(reference="R1"))
    elif change == "area_deleted":
        second.delete()

    assert not _fresh(force_a, today)
    assert _charted(opcc_staff, today) == _charted_counting(opcc_staff, today)
    assert _charted(opcc_staff, today) != before


def test_a_change_in_force_a_leaves_force_b_chart_counts_kept(areas, opcc_staff, report_b):
    today = timezone.localdate()
    _charted(opcc_staff, today)
    kept_b = ReportChartTally.objects.get(report=report_b)

    first_a = next(area for report, (area, _) in areas.items() if report != report_b.pk)
    first_a.recommendations.clear()
    _charted(opcc_staff, today)

    assert ReportChartTally.objects.get(report=report_b).counted_generation == (
        kept_b.counted_generation
    )
    assert _charted(opcc_staff, today) == _charted_counting(opcc_staff, today)


def test_each_forces_ten_newest_monitored_reports_are_kept(opcc_staff, force_a, report_a):
    """A dashboard charts the ten newest of the user's monitored reports, across its forces:
    each force's own ten are kept, and a closed report's are not."""
    today = timezone.localdate()
    newer = [
        factories.InspectionReportFactory(
            force=force_a,
            title=f"Report {n}",
            published_on=report_a.published_on + datetime.timedelta(days=n + 1),
        )
        for n in range(11)
    ]
    newer[-1].status = InspectionReport.Status.CLOSED
    newer[-1].save()
    _totals(opcc_staff, today=today)
    kept = set(ReportChartTally.objects.values_list("report_id", flat=True))
    assert kept == {report.pk for report in newer[:10]}


def test_chart_counts_read_before_a_change_are_not_read_after_it(
    areas, opcc_staff, force_a, report_a
):
    """Kept at the generation read before they were counted: a change since (a generation
    raised) leaves them stale, and the chart counts that report afresh."""
    today = timezone.localdate()
    charted, counts = tallies._charted([force_a.pk])
    generations = {force_a.pk: _row(force_a).generation}
    first, _second = areas[report_a.pk]
    first.recommendations.clear()  # marks force A's row

    tallies._keep_charts(charted, counts, generations)

    kept = ReportChartTally.objects.get(report=report_a)
    assert kept.counted_generation == generations[force_a.pk] != _row(force_a).generation
    assert _charted(opcc_staff, today) == _charted_counting(opcc_staff, today)


# --- The lists' first rows kept per force ------------------------------------------------


def test_the_lists_first_rows_over_two_forces_are_the_first_rows_over_both(
    office_a, force_b, report_a, report_b, plan_a, police_lead_a, opcc_staff
):
    """Each force keeps its own first rows of every list; a dashboard over both forces
    shows the first rows over both, in each list's order, as counting them all says:
    twelve of each kind in each force, their dates interleaved, so each list's first ten
    take rows from both forces and leave some of each force's kept rows out."""
    office_a.forces.add(force_b)
    today = timezone.localdate()
    plan_b = factories.ActionPlanFactory(report=report_b)
    for n in range(12):
        for plan, report, offset in ((plan_a, report_a, 0), (plan_b, report_b, 1)):
            days = 2 * n + offset
            overdue = factories.ActionFactory(
                plan=plan,
                reference=f"O{n}",
                next_update_due=today - datetime.timedelta(days=30 - days),
                status=Action.Status.IN_PROGRESS,
            )
            factories.ActionFactory(
                plan=plan,
                reference=f"D{n}",
                next_update_due=today + datetime.timedelta(days=days % 14),
                target_date=today + datetime.timedelta(days=60),
                status=Action.Status.IN_PROGRESS,
            )
            factories.ActionFactory(
                plan=plan,
                reference=f"P{n}",
                status=Action.Status.PENDING_SIGN_OFF,
                completion_proposed_by=opcc_staff,
                completion_proposed_at=timezone.now() - datetime.timedelta(hours=30 - days),
            )
            factories.ProgressUpdateFactory(
                action=overdue, author=police_lead_a, review_state=ProgressUpdate.Review.SUBMITTED
            )
            factories.ProgressUpdateFactory(
                action=overdue,
                author=police_lead_a,
                review_state=ProgressUpdate.Review.RETURNED,
                reviewed_by=opcc_staff,
                reviewed_at=timezone.now() - datetime.timedelta(hours=days),
                review_comment="More.",
            )
            factories.RecommendationFactory(
                report=report,
                reference=f"C{n}",
                status=Recommendation.Status.PROPOSED_FOR_CLOSURE,
                closure_proposed_by=opcc_staff,
                closure_proposed_at=timezone.now() - datetime.timedelta(hours=30 - days),
                closure_rationale="Done.",
            )
            factories.RecommendationFactory(
                report=report, reference=f"R{n}", due_on=today + datetime.timedelta(days=days % 14)
            )
    data = dashboard_for(opcc_staff, today=today)

    actions = actions_visible_to(opcc_staff)
    overdue = actions.filter(next_update_due__lt=today).order_by("next_update_due", "pk")
    assert [row.action.pk for row in data.overdue_updates] == [a.pk for a in overdue[:10]]
    pending = actions.filter(status=Action.Status.PENDING_SIGN_OFF)
    assert [a.pk for a in data.review_queue["completions"]] == [
        a.pk for a in pending.order_by("completion_proposed_at", "pk")[:5]
    ]
    updates = updates_visible_to(opcc_staff)
    submitted = updates.filter(review_state=ProgressUpdate.Review.SUBMITTED)
    assert [u.pk for u in data.review_queue["updates"]] == [
        u.pk for u in submitted.order_by("created_at", "pk")[:5]
    ]
    returned = updates.filter(review_state=ProgressUpdate.Review.RETURNED)
    assert [u.pk for u in data.returned_updates] == [
        u.pk for u in returned.order_by("-reviewed_at", "-pk")[:10]
    ]
    recommendations = recommendations_visible_to(opcc_staff)
    proposed = recommendations.filter(status=Recommendation.Status.PROPOSED_FOR_CLOSURE)
    assert [r.pk for r in data.awaiting_sign_off] == [
        r.pk for r in proposed.order_by("closure_proposed_at", "pk")[:10]
    ]
    due = [
        *(
            (a.next_update_due, a.get_absolute_url())
            for a in actions.filter(reference__startswith="D")
        ),
        *(
            (r.due_on, r.get_absolute_url())
            for r in recommendations.filter(reference__startswith="R")
        ),
    ]
    assert [item.due_on for item in data.due_soon] == sorted(day for day, _ in due)[:10]
    assert {(item.due_on, item.url) for item in data.due_soon} <= set(due)
    # Both forces' rows are in each list.
    assert {row.action.name.split(" (")[0] for row in data.overdue_updates} >= {"O0"}
    assert (
        len(
            {row.action.pk for row in data.overdue_updates}
            & set(overdue.filter(plan=plan_b).values_list("pk", flat=True))
        )
        == 5
    )


def test_a_name_changed_is_shown_on_the_next_dashboard(opcc_staff, force_a, plan_a, police_lead_a):
    """The kept rows name the people and the force: renaming either marks the rows, so
    the next dashboard shows the new name; a sign-in (the last login saved) marks none,
    and a person they name cannot be deleted."""
    today = timezone.localdate()
    factories.ActionFactory(
        plan=plan_a,
        reference="A9",
        delivery_lead=police_lead_a,
        next_update_due=today - datetime.timedelta(days=2),
        status=Action.Status.IN_PROGRESS,
    )

    def overdue_row():
        row = dashboard_for(opcc_staff, today=today).overdue_updates[0].action
        return row.name, row.delivery_lead

    assert overdue_row()[1] == str(police_lead_a)
    generation = _row(force_a).generation
    police_lead_a.last_login = timezone.now()
    police_lead_a.save(update_fields=["last_login"])
    police_lead_a.save()  # saved with its name unchanged
    assert _row(force_a).generation == generation
    police_lead_a.first_name = "Renamed"
    police_lead_a.save()
    assert overdue_row()[1] == f"Renamed {police_lead_a.last_name}"
    force_a.name = "Renamed Police"
    force_a.save()
    assert overdue_row()[0].endswith(", Renamed Police)")
    # Nor can a person a kept row names be deleted (the rows would name no one).
    with pytest.raises(ProtectedError):
        police_lead_a.delete()


def test_the_lists_kept_rows_break_ties_as_the_lists_do(opcc_staff, action_a, police_lead_a):
    """Rows on the same day or moment are kept in the lists' order of their keys: of twelve
    updates returned at one moment, the ten latest recorded (the last keys)."""
    moment = timezone.now() - datetime.timedelta(hours=1)
    returned = [
        factories.ProgressUpdateFactory(
            action=action_a,
            author=police_lead_a,
            review_state=ProgressUpdate.Review.RETURNED,
            reviewed_by=opcc_staff,
            reviewed_at=moment,
            review_comment="More.",
        ).pk
        for _ in range(12)
    ]
    data = dashboard_for(opcc_staff, today=timezone.localdate())
    assert [u.pk for u in data.returned_updates] == sorted(returned, reverse=True)[:10]
