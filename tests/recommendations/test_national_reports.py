"""National and thematic reports: held once, applied to many forces, each force answering
each recommendation addressed to it on its own; addressees; "covered by"; the wording kept
in step; each office seeing only its own forces."""

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from oversight.models import InspectionReport, NationalReport, User
from oversight.selectors import report_deadlines
from oversight.services import report_update
from recommendations.models import NationalRecommendation, Recommendation
from recommendations.national_pages import national_report_page, side_by_side
from recommendations.selectors import national_reports_visible_to, recommendations_visible_to
from recommendations.services import recommendation_transition, recommendation_update
from recommendations.services_national import (
    Addressees,
    national_recommendation_save,
    national_report_apply,
    national_report_create,
    national_report_update,
)
from tests import factories
from tests.conftest import _persona

Status = Recommendation.Status
Forces = NationalRecommendation.Forces
TODAY = datetime.date(2026, 11, 1)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime.datetime(2026, 11, 1, 12, 0), tick=False):
        yield


@pytest.fixture
def force_c(db):
    return factories.ForceFactory(name="Force C Constabulary")


@pytest.fixture
def opcc_staff_c(force_c):
    office = factories.OfficeFactory(name="OPCC C", forces=[force_c])
    return _persona("opcc_c", User.Role.OPCC_STAFF, office=office)


@pytest.fixture
def thematic(opcc_staff):
    return national_report_create(
        by=opcc_staff,
        fields={
            "title": "Violence against women and girls: a national thematic inspection",
            "source": NationalReport.Source.HMICFRS,
            "programme": NationalReport.Programme.THEMATIC,
            "published_on": datetime.date(2026, 9, 15),
            "source_url": "https://hmicfrs.justiceinspectorates.gov.uk/vawg",
        },
    )


def _add(report, by, reference, text, addressees=None, **fields):
    return national_recommendation_save(
        national_report=report,
        by=by,
        fields={"reference": reference, "text": text, **fields},
        addressees=addressees or Addressees(Forces.ALL),
    )


@pytest.fixture
def three_forces(thematic, opcc_staff, opcc_staff_b, opcc_staff_c, force_a, force_b, force_c):
    """R1 to all chief constables, R2 to force B only, R3 to the NPCC and the College;
    applied by each office to its own force."""
    r1 = _add(
        thematic,
        opcc_staff,
        "R1",
        "By March 2027, chief constables should ...",
        publisher_reference="VAWG 2026 R1",
        timescale="6_months",
    )
    r2 = _add(
        thematic,
        opcc_staff,
        "R2",
        "Force B should review its domestic abuse triage.",
        Addressees(Forces.NAMED, named=(force_b,)),
    )
    r3 = _add(
        thematic,
        opcc_staff,
        "R3",
        "The NPCC and the College of Policing should publish guidance.",
        Addressees(Forces.NONE, bodies=("npcc", "college_of_policing")),
    )
    reports = {}
    for by, force in ((opcc_staff, force_a), (opcc_staff_b, force_b), (opcc_staff_c, force_c)):
        (reports[force.name],) = national_report_apply(
            national_report=thematic, forces=[force], by=by
        )
    return {"R1": r1, "R2": r2, "R3": r3, "reports": reports}


def _response(national, force) -> Recommendation:
    return Recommendation.objects.get(national_recommendation=national, report__force=force)


def test_one_report_three_forces_three_independent_responses(
    three_forces, opcc_staff, opcc_staff_b, force_a, force_b, force_c
):
    r1 = three_forces["R1"]
    assert r1.responses.count() == 3
    reports = three_forces["reports"]
    for report in reports.values():
        assert report.national_report_id == r1.national_report_id
        assert report.title.startswith("Violence against women")
        assert report.source == InspectionReport.Source.HMICFRS
    # Each force's response moves on its own.
    recommendation_transition(
        recommendation=_response(r1, force_a), to_status=Status.IN_PROGRESS, by=opcc_staff
    )
    assert _response(r1, force_a).status == Status.IN_PROGRESS
    assert _response(r1, force_b).status == Status.OPEN
    assert _response(r1, force_c).status == Status.OPEN
    # An office moves only its own force's response.
    with pytest.raises(PermissionDenied):
        recommendation_transition(
            recommendation=_response(r1, force_b), to_status=Status.IN_PROGRESS, by=opcc_staff
        )
    # The due date comes from the national timescale and publication date.
    assert _response(r1, force_c).due_on == datetime.date(2027, 3, 15)


def test_each_office_sees_only_its_own_forces_responses(
    three_forces, opcc_staff, opcc_staff_b, police_lead_b, force_a, force_b
):
    r1 = three_forces["R1"]
    rows_a = side_by_side(opcc_staff, r1, today=TODAY)
    assert [row.report.force for row in rows_a] == [force_a]
    rows_b = side_by_side(opcc_staff_b, r1, today=TODAY)
    assert [row.report.force for row in rows_b] == [force_b]
    assert set(
        recommendations_visible_to(opcc_staff).filter(national_recommendation__isnull=False)
    ) == {_response(r1, force_a), _response(three_forces["R3"], force_a)}
    page = national_report_page(opcc_staff_b, r1.national_report)
    assert [report.force for report in page.force_reports] == [force_b]
    assert sum(item.responses for item in page.recommendations) == 3  # R1, R2, R3 for B
    # A force user sees the national report applied to their force, and only their rows.
    assert national_reports_visible_to(police_lead_b).filter(pk=r1.national_report_id).exists()
    assert [row.report.force for row in side_by_side(police_lead_b, r1, today=TODAY)] == [force_b]


def test_addressees_decide_who_answers_and_who_follows_for_information(
    three_forces, force_a, force_b, force_c, opcc_staff
):
    r2, r3 = three_forces["R2"], three_forces["R3"]
    # Addressed to force B only: the other forces have no response to it.
    assert list(r2.responses.values_list("report__force__name", flat=True)) == [force_b.name]
    assert _response(r2, force_b).status == Status.OPEN
    # Addressed to national bodies only: each force follows it for information.
    for force in (force_a, force_b, force_c):
        response = _response(r3, force)
        assert response.status == Status.FOR_INFORMATION
        assert not response.is_open
    assert r3.addressees_label() == "NPCC; College of Policing"
    # Nobody chases it: it is neither open nor overdue, even long after its date.
    late = datetime.date(2030, 1, 1)
    rows = side_by_side(opcc_staff, r3, today=late)
    assert [row.is_overdue for row in rows] == [False]
    # The OPCC may still ask the force to answer it.
    moved = recommendation_transition(
        recommendation=_response(r3, force_a),
        to_status=Status.OPEN,
        by=opcc_staff,
        reason="Our force leads the regional guidance work.",
    )
    assert moved.status == Status.OPEN


def test_wording_held_once_and_kept_in_step_with_one_history_entry_each(
    three_forces, opcc_staff, opcc_staff_b, force_a, force_b
):
    r1 = three_forces["R1"]
    before = {force: _response(r1, force).history.count() for force in (force_a, force_b)}
    national_recommendation_save(
        national_report=r1.national_report,
        by=opcc_staff,
        fields={"text": "By June 2027, chief constables should make sure ..."},
        addressees=Addressees(Forces.ALL),
        national=r1,
    )
    for force in (force_a, force_b):
        response = _response(r1, force)
        assert response.text == "By June 2027, chief constables should make sure ..."
        assert response.history.count() == before[force] + 1
    # A force's copy cannot be reworded on its own: sent as fields, nor with the words
    # already on the instance (as a form puts them there before it calls the service).
    response = _response(r1, force_b)
    for on_the_instance in (False, True):
        if on_the_instance:
            response.text = "Our own words"
        with pytest.raises(ValidationError, match="held once on the national report"):
            recommendation_update(
                recommendation=response,
                by=opcc_staff_b,
                fields={"text": "Our own words"},
                version=response.updated_at.isoformat(),
            )
    response.refresh_from_db()
    assert response.text == "By June 2027, chief constables should make sure ..."
    # Only the office that entered it keeps its text.
    with pytest.raises(PermissionDenied, match="keeps its text"):
        national_recommendation_save(
            national_report=r1.national_report,
            by=opcc_staff_b,
            fields={"text": "Changed by another office"},
            addressees=Addressees(Forces.ALL),
            national=r1,
        )
    # Nor can a recommendation be added to a force's copy directly.
    with pytest.raises(ValidationError, match="add the recommendation to the national report"):
        factories_report = three_forces["reports"][force_b.name]
        from recommendations.services import recommendation_create

        recommendation_create(
            report=factories_report, by=opcc_staff_b, fields={"reference": "L1", "text": "x"}
        )


def test_report_details_change_in_every_copy_and_not_in_one(
    three_forces, thematic, opcc_staff, opcc_staff_b, force_b
):
    national_report_update(
        national_report=thematic,
        by=opcc_staff,
        fields={"title": "VAWG thematic (corrected title)"},
        version=thematic.updated_at.isoformat(),
    )
    assert set(
        InspectionReport.objects.filter(national_report=thematic).values_list("title", flat=True)
    ) == {"VAWG thematic (corrected title)"}
    copy_b = three_forces["reports"][force_b.name]
    copy_b.refresh_from_db()
    # Sent as fields, or with the title already on the instance (as a form puts it there).
    for on_the_instance in (False, True):
        if on_the_instance:
            copy_b.title = "Our own title"
        with pytest.raises(ValidationError, match="held on the national report"):
            report_update(
                report=copy_b,
                by=opcc_staff_b,
                fields={"title": "Our own title"},
                version=copy_b.updated_at.isoformat(),
            )
    copy_b.refresh_from_db()
    assert copy_b.title == "VAWG thematic (corrected title)"


def test_readdressing_adds_responses_and_keeps_started_ones(
    three_forces, opcc_staff, force_a, force_b, force_c
):
    r2 = three_forces["R2"]
    national_recommendation_save(
        national_report=r2.national_report,
        by=opcc_staff,
        fields={},
        addressees=Addressees(Forces.NAMED, named=(force_a, force_c)),
        national=r2,
    )
    assert _response(r2, force_a).status == Status.OPEN
    assert _response(r2, force_c).status == Status.OPEN
    # Force B is no longer addressed and had not started: it follows for information.
    assert _response(r2, force_b).status == Status.FOR_INFORMATION


def test_apply_refuses_forces_not_overseen_and_twice(
    three_forces, thematic, opcc_staff, force_a, force_b
):
    with pytest.raises(PermissionDenied, match="forces your office oversees"):
        national_report_apply(national_report=thematic, forces=[force_b], by=opcc_staff)
    with pytest.raises(ValidationError, match="Already applied to Force A Police"):
        national_report_apply(national_report=thematic, forces=[force_a], by=opcc_staff)
    assert InspectionReport.objects.filter(national_report=thematic).count() == 3


def test_read_only_and_force_users_cannot_enter_or_apply(
    thematic, read_only, plan_owner_a, force_a
):
    for user in (read_only, plan_owner_a):
        with pytest.raises(PermissionDenied):
            national_report_create(by=user, fields={"title": "x"})
        with pytest.raises(PermissionDenied):
            national_report_apply(national_report=thematic, forces=[force_a], by=user)


def test_statutory_clocks_per_source_on_national_copies(opcc_staff, force_a):
    for source, section_55 in (
        (NationalReport.Source.HMICFRS, True),
        (NationalReport.Source.IOPC, False),
    ):
        national = national_report_create(
            by=opcc_staff,
            fields={
                "title": f"National {source}",
                "source": source,
                "programme": "thematic" if source == "hmicfrs" else "",
                "published_on": datetime.date(2026, 10, 1),
            },
        )
        (copy,) = national_report_apply(national_report=national, forces=[force_a], by=opcc_staff)
        whats = [deadline.what for deadline in report_deadlines(copy, today=TODAY)]
        assert any("ection 55" in what for what in whats) is section_55
        assert (copy.section_55_due_on is not None) is section_55


# --- Covered by ----------------------------------------------------------------------


def test_covered_by_one_the_force_already_answers(three_forces, opcc_staff, force_a, report_a):
    own = factories.RecommendationFactory(report=report_a, reference="R7", text="Same ask")
    response = _response(three_forces["R1"], force_a)
    covered = recommendation_transition(
        recommendation=response,
        to_status=Status.COVERED,
        by=opcc_staff,
        reason="Our 2026 inspection asked the same.",
        covered_by=own,
    )
    assert covered.status == Status.COVERED and covered.covered_by == own
    assert not covered.is_open
    assert list(own.covers.all()) == [covered]
    reopened = recommendation_transition(
        recommendation=covered, to_status=Status.OPEN, by=opcc_staff, reason="Different after all."
    )
    assert reopened.covered_by is None


def test_covered_by_refuses_another_force_itself_and_one_not_answered(
    three_forces, opcc_staff, opcc_staff_b, force_a, force_b, report_a
):
    response_a = _response(three_forces["R1"], force_a)
    response_b = _response(three_forces["R1"], force_b)
    for target, message in (
        (response_a, "cannot be covered by itself"),
        (response_b, "report you can see"),
        (_response(three_forces["R3"], force_a), "does not answer it"),
        (None, "Choose the recommendation"),
    ):
        with pytest.raises(ValidationError, match=message):
            recommendation_transition(
                recommendation=response_a,
                to_status=Status.COVERED,
                by=opcc_staff,
                covered_by=target,
            )
    response_a.refresh_from_db()
    assert response_a.status == Status.OPEN
    # A plan owner may not mark one covered: OPCC staff decide.
    owner = _persona("acc_a_cov", User.Role.PLAN_OWNER, force=force_a)
    with pytest.raises(PermissionDenied):
        recommendation_transition(
            recommendation=response_a,
            to_status=Status.COVERED,
            by=owner,
            covered_by=factories.RecommendationFactory(report=report_a, reference="R9"),
        )


def test_edit_page_of_a_response_keeps_the_wording_and_saves_the_rest(
    client, three_forces, opcc_staff, force_a
):
    from django.urls import reverse

    from oversight.shared.concurrency import version_of

    response = _response(three_forces["R1"], force_a)
    client.force_login(opcc_staff)
    url = reverse("recommendations:recommendation_edit", args=[response.pk])
    page = client.get(url).content.decode()
    assert "Held once on the national report" in page
    posted = client.post(
        url,
        {
            "version": version_of(response),
            "reference": "X9",
            "text": "Tampered wording",
            "kind": "recommendation",
            "timescale": "none",
            "force_acceptance": "agreed",
        },
    )
    assert posted.status_code == 302, posted.content.decode()[:2000]
    response.refresh_from_db()
    assert (response.reference, response.force_acceptance) == ("R1", "agreed")
    assert response.text.startswith("By March 2027")
    # The force's copy offers no way to add its own recommendations.
    report_page = client.get(response.report.get_absolute_url()).content.decode()
    assert "Paste several" not in report_page
    assert "The national report's recommendations" in report_page
