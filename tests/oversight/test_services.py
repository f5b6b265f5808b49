"""Writes for reports, findings, judgements, priority areas and causes of concern."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from oversight import services
from oversight.models import CauseOfConcern, Finding, InspectionReport, PriorityArea
from oversight.shared.concurrency import StaleEditError, version_of
from tests import factories


def _report_fields(force, **overrides):
    fields = {
        "title": "PEEL 2026",
        "force": force,
        "source": InspectionReport.Source.HMICFRS,
        "programme": InspectionReport.Programme.PEEL,
        "published_on": datetime.date(2026, 9, 1),
    }
    return fields | overrides


def test_report_create_saves_and_records_who(opcc_staff, force_a):
    report = services.report_create(by=opcc_staff, fields=_report_fields(force_a))
    assert report.pk and report.force == force_a
    assert report.history.latest().history_user == opcc_staff


def test_report_create_refuses_a_force_the_office_does_not_oversee(opcc_staff, force_b):
    with pytest.raises(PermissionDenied):
        services.report_create(by=opcc_staff, fields=_report_fields(force_b))
    assert not InspectionReport.objects.exists()


@pytest.mark.parametrize("persona", ["read_only", "police_lead_a", "plan_owner_a", "partner_lead"])
def test_report_create_refuses_anyone_but_opcc_staff(request, persona, force_a):
    with pytest.raises(PermissionDenied):
        services.report_create(by=request.getfixturevalue(persona), fields=_report_fields(force_a))


def test_report_update_with_a_stale_version_changes_nothing(opcc_staff, report_a):
    stale = version_of(report_a)
    services.report_update(
        report=report_a,
        by=opcc_staff,
        fields={"title": "First editor's title"},
        version=stale,
    )
    with pytest.raises(StaleEditError):
        services.report_update(
            report=InspectionReport.objects.get(pk=report_a.pk),
            by=opcc_staff,
            fields={"title": "Second editor's title"},
            version=stale,
        )
    report_a.refresh_from_db()
    assert report_a.title == "First editor's title"


def test_priority_area_create_adds_at_the_end(opcc_staff, report_a):
    factories.PriorityAreaFactory(report=report_a, position=4)
    area = services.priority_area_create(
        report=report_a, by=opcc_staff, fields={"title": "Missing children", "position": None}
    )
    assert area.position == 5


def test_priority_area_create_refuses_a_duplicate_position(opcc_staff, report_a):
    factories.PriorityAreaFactory(report=report_a, position=1)
    with pytest.raises(ValidationError):
        services.priority_area_create(
            report=report_a, by=opcc_staff, fields={"title": "Another", "position": 1}
        )
    assert PriorityArea.objects.filter(report=report_a).count() == 1


def test_finding_create_numbers_each_kind_separately(opcc_staff, report_a):
    factories.FindingFactory(report=report_a, kind=Finding.Kind.POSITIVE, position=1)
    finding = services.finding_create(
        report=report_a,
        by=opcc_staff,
        fields={"kind": Finding.Kind.CONCERN, "text": "Slow response.", "priority_areas": []},
    )
    assert finding.position == 1


def test_finding_create_refuses_another_reports_priority_area(opcc_staff, report_a, force_a):
    other = factories.PriorityAreaFactory(report=factories.InspectionReportFactory(force=force_a))
    with pytest.raises(ValidationError) as error:
        services.finding_create(
            report=report_a,
            by=opcc_staff,
            fields={"kind": Finding.Kind.CONCERN, "text": "Slow.", "priority_areas": [other]},
        )
    assert "priority_areas" in error.value.message_dict
    assert not Finding.objects.exists()


def test_cause_of_concern_update_keeps_priority_areas_in_step(opcc_staff, report_a):
    area = factories.PriorityAreaFactory(report=report_a)
    cause = factories.CauseOfConcernFactory(report=report_a, reference="C1")
    services.cause_of_concern_update(
        cause=cause,
        by=opcc_staff,
        fields={
            "reference": "C1",
            "text": "Changed.",
            "status": CauseOfConcern.Status.DISCHARGED,
            "discharged_on": datetime.date(2026, 10, 1),
            "priority_areas": [area],
        },
        version=version_of(cause),
    )
    cause.refresh_from_db()
    assert cause.status == "discharged"
    assert list(cause.priority_areas.all()) == [area]


def test_judgement_create_refuses_read_only(read_only, report_a):
    with pytest.raises(PermissionDenied):
        services.judgement_create(
            report=report_a, by=read_only, fields={"topic": "Leadership", "grade": "good"}
        )
