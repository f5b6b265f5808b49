import datetime

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Max, Q
from django.utils import timezone

from oversight.models import Force, InspectionReport, NationalReport, Office, User
from recommendations.models import Action, ProgressUpdate, Recommendation

SMALL = {"forces": 3, "reports": 12, "recommendations": 120, "actions": 360, "updates": 1500}


def test_seed_scale_loads_exactly_the_numbers_asked_for(db):
    call_command("seed_scale", **SMALL)
    assert Force.objects.count() == 3
    assert Recommendation.objects.count() == 120
    assert Action.objects.count() == 360
    assert ProgressUpdate.objects.count() == 1500


def test_seed_scale_data_is_realistic(db):
    call_command("seed_scale", **SMALL)
    statuses = set(Action.objects.values_list("status", flat=True))
    assert {"closed", "in_progress"} <= statuses
    live = Action.objects.filter(status__in=Action.LIVE_STATUSES)
    overdue = live.filter(next_update_due__lt=timezone.localdate()).count()
    assert 0 < overdue < live.count()
    assert Action.objects.filter(partner_agency__isnull=False).exists()
    assert User.objects.filter(role="police_lead").count() >= 3 * 2
    assert Recommendation.objects.filter(status="superseded", superseded_by__isnull=False).exists()


def test_seed_scale_refuses_a_database_that_has_it_already(db):
    call_command("seed_scale", **SMALL)
    with pytest.raises(CommandError, match="already loaded"):
        call_command("seed_scale", **SMALL)


def test_seed_scale_has_national_reports_applied_to_every_force(db):
    call_command("seed_scale", **SMALL)
    national_report = NationalReport.objects.get()
    copies = InspectionReport.objects.filter(national_report=national_report)
    assert copies.count() == 3
    nationals = list(national_report.recommendations.order_by("position"))
    assert [n.addressed_forces for n in nationals][-1] == "none"
    assert nationals[-1].national_bodies
    responses = Recommendation.objects.filter(national_recommendation__isnull=False)
    assert responses.count() == 3 * len(nationals)
    assert 0.05 <= responses.count() / Recommendation.objects.count() <= 0.3
    for response in responses.select_related("national_recommendation", "report"):
        national = response.national_recommendation
        assert (response.reference, response.publisher_reference, response.text) == (
            national.reference,
            national.publisher_reference,
            national.text,
        )
        assert response.report.national_report_id == national.national_report_id
        assert response.report.title == national_report.title
    assert set(
        responses.filter(national_recommendation=nationals[-1]).values_list("status", flat=True)
    ) == {"for_information"}
    assert not Action.objects.filter(recommendations__status="for_information").exists()


def test_seed_scale_covers_some_national_responses_by_another_of_the_same_force(db):
    call_command("seed_scale", **{**SMALL, "reports": 60, "recommendations": 1200})
    covered = Recommendation.objects.filter(status="covered").select_related(
        "report", "covered_by__report"
    )
    assert covered.exists()
    for response in covered:
        assert response.covered_by.report.force_id == response.report.force_id
        assert response.covered_by.status not in ("covered", "for_information")


def test_seed_scale_has_other_sources_and_areas_for_improvement(db):
    call_command("seed_scale", **{**SMALL, "reports": 120, "recommendations": 1200})
    sources = set(InspectionReport.objects.values_list("source", flat=True))
    assert {"hmicfrs", "iopc", "coroner", "internal_audit"} <= sources
    assert Recommendation.objects.filter(kind="afi").exists()
    assert not InspectionReport.objects.filter(source="coroner", issued_by="").exists()


def test_seed_scale_dates_stand_around_today_with_history(db):
    """Believable data to measure on: most live work on time and a minority overdue, recent
    updates, and a history from which "as it stood on" a day reads (issue 20)."""
    call_command(
        "seed_scale",
        **{**SMALL, "reports": 60, "recommendations": 1200, "actions": 1800, "updates": 6000},
    )
    today = timezone.localdate()
    live = Action.objects.filter(status__in=Action.LIVE_STATUSES)
    late = live.filter(
        Q(revised_target_date__lt=today)
        | Q(revised_target_date__isnull=True, target_date__lt=today)
    )
    assert 0.05 < late.count() / live.count() < 0.35
    recs = Recommendation.objects.all()
    open_recs = recs.filter(status__in=Recommendation.OPEN_STATUSES)
    assert 0.2 < open_recs.count() / recs.count() < 0.45
    overdue = open_recs.filter(due_on__lt=today).count()
    assert 0 < overdue < open_recs.count() / 2
    latest = ProgressUpdate.objects.filter(action__in=live).aggregate(Max("written_on"))
    assert today - datetime.timedelta(days=45) <= latest["written_on__max"] <= today
    # Every recommendation was recorded when logged; the disposed ones changed once since.
    history = Recommendation.history.all()
    assert history.filter(history_type="+").count() == recs.count()
    disposed = recs.exclude(status__in=[*Recommendation.OPEN_STATUSES, "for_information"])
    assert history.filter(history_type="~").count() == disposed.count()
    assert not history.filter(history_date__gt=timezone.now()).exists()
    # So "completed since" a day a quarter ago is a small share, not every closed one.
    quarter_ago = timezone.now() - datetime.timedelta(days=90)
    recently = history.filter(history_type="~", history_date__gte=quarter_ago).count()
    assert 0 < recently < disposed.count() / 4


def test_seed_scale_has_each_offices_deep_dives_most_judged_on_its_forces_areas(db):
    from reviews.models import DeepDiveReview

    call_command("seed_scale", **SMALL)
    today = timezone.localdate()
    for office in Office.objects.all():
        reviews = list(
            DeepDiveReview.objects.filter(office=office).prefetch_related("priority_areas")
        )
        if office.name == "Scale national oversight":
            assert reviews == []
            continue
        assert len(reviews) >= 2
        force = office.forces.get()
        judged = [r for r in reviews if r.performance_assurance and r.plans_assurance]
        assert 0 < len(judged) < len(reviews)
        for review in reviews:
            assert review.force == force
            assert today - datetime.timedelta(days=800) <= review.held_on <= today
            areas = list(review.priority_areas.all())
            assert areas and all(area.report_id == review.report_id for area in areas)
            assert review.report.force_id == force.pk
