"""HMICFRS's verdict as its own dated track: the log, the current status kept in step,
the form on the recommendation page, the register's filters and CSV, the two saved
filters and the dashboard's counts of where the force and HMICFRS differ."""

import csv
import datetime
import io

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from recommendations.dashboard import dashboard_for
from recommendations.models import InspectorateStatusChange, Recommendation
from recommendations.services import inspectorate_status_record
from tests import factories
from tests.html import Page

Status = Recommendation.InspectorateStatus
REGISTER = reverse("recommendations:register")


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime.datetime(2026, 11, 1, 12, 0), tick=False):
        yield


def _record(recommendation, by, status, day, **extra):
    return inspectorate_status_record(
        recommendation=recommendation,
        by=by,
        status=status,
        changed_on=datetime.date(2026, 10, day),
        **extra,
    )


# --- The service ----------------------------------------------------------------------


def test_recording_a_change_logs_it_and_moves_the_current_status(opcc_staff, recommendation_a):
    change = _record(
        recommendation_a,
        opcc_staff,
        Status.BEING_PROGRESSED,
        5,
        comment="Revisit letter.",
        source_url="https://www.justiceinspectorates.gov.uk/hmicfrs/",
    )
    recommendation_a.refresh_from_db()
    assert (recommendation_a.inspectorate_status, recommendation_a.inspectorate_status_on) == (
        Status.BEING_PROGRESSED,
        datetime.date(2026, 10, 5),
    )
    assert (change.comment, change.recorded_by) == ("Revisit letter.", opcc_staff)


def test_history_is_kept_and_the_latest_date_decides(opcc_staff, recommendation_a):
    _record(recommendation_a, opcc_staff, Status.BEING_PROGRESSED, 5)
    _record(recommendation_a, opcc_staff, Status.COMPLETE, 20)
    # Filled in afterwards: an earlier change is logged, the current status stays.
    _record(recommendation_a, opcc_staff, Status.NO_FURTHER_ACTION, 1)
    recommendation_a.refresh_from_db()
    assert recommendation_a.inspectorate_status == Status.COMPLETE
    assert list(
        InspectorateStatusChange.objects.filter(recommendation=recommendation_a)
        .order_by("changed_on")
        .values_list("status", flat=True)
    ) == [Status.NO_FURTHER_ACTION, Status.BEING_PROGRESSED, Status.COMPLETE]


def test_the_same_status_again_is_refused(opcc_staff, recommendation_a):
    _record(recommendation_a, opcc_staff, Status.COMPLETE, 5)
    with pytest.raises(ValidationError, match="already"):
        _record(recommendation_a, opcc_staff, Status.COMPLETE, 6)
    assert InspectorateStatusChange.objects.count() == 1


@pytest.mark.parametrize("day", [datetime.date(2026, 8, 31), datetime.date(2026, 11, 2)])
def test_a_date_before_publication_or_in_the_future_is_refused(opcc_staff, recommendation_a, day):
    with pytest.raises(ValidationError):
        inspectorate_status_record(
            recommendation=recommendation_a, by=opcc_staff, status=Status.COMPLETE, changed_on=day
        )
    assert not InspectorateStatusChange.objects.exists()


@pytest.mark.parametrize("persona", ["read_only", "plan_owner_a", "opcc_staff_b"])
def test_only_opcc_staff_who_see_it_record_a_change(request, recommendation_a, persona):
    with pytest.raises(PermissionDenied):
        _record(recommendation_a, request.getfixturevalue(persona), Status.COMPLETE, 5)
    assert not InspectorateStatusChange.objects.exists()


def test_a_report_from_no_inspectorate_has_no_inspectorate_status(opcc_staff, force_a):
    report = factories.InspectionReportFactory(force=force_a, source="iopc", programme="")
    recommendation = factories.RecommendationFactory(report=report)
    with pytest.raises(ValidationError, match="not an inspectorate"):
        _record(recommendation, opcc_staff, Status.COMPLETE, 5)


# --- The recommendation page ----------------------------------------------------------


def _url(recommendation):
    return reverse("recommendations:recommendation_inspectorate_status", args=[recommendation.pk])


def test_page_form_records_a_change_and_shows_the_log(client, opcc_staff, recommendation_a):
    client.force_login(opcc_staff)
    response = client.post(
        _url(recommendation_a),
        {"status": "complete", "changed_on": "2026-10-12", "comment": "Closed by HMICFRS."},
    )
    assert response.status_code == 302
    page = client.get(recommendation_a.get_absolute_url())
    assert [c.status for c in page.context["inspectorate_log"]] == ["complete"]
    assert b"Closed by HMICFRS." in page.content


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"changed_on": "2026-10-12"}, "status", "Choose the status the inspectorate gave."),
        ({"status": "complete"}, "changed_on", "Enter the date the inspectorate changed"),
        ({"status": "complete", "changed_on": "12/13/2026"}, "changed_on", "Enter the date as"),
        ({"status": "complete", "changed_on": "2026-08-01"}, "changed_on", "was published on"),
        ({"status": "complete", "changed_on": "2026-12-01"}, "changed_on", "not a future one"),
        (
            {"status": "complete", "changed_on": "2026-10-12", "source_url": "javascript:x"},
            "source_url",
            "Enter a web address",
        ),
        ({"status": "closed", "changed_on": "2026-10-12"}, "status", "Select a valid choice"),
    ],
)
def test_page_form_bad_input_is_refused_with_a_message_and_nothing_saved(
    client, opcc_staff, recommendation_a, data, field, message
):
    client.force_login(opcc_staff)
    response = client.post(_url(recommendation_a), data)
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert not InspectorateStatusChange.objects.exists()
    # Drawn next to the field, which is marked invalid (red, and so read out), with what
    # was entered kept; the other fields are not marked.
    page = Page(response.content)
    widget = page.attrs(f"id_inspectorate_{field}")
    assert "is-invalid" in page.classes(f"id_inspectorate_{field}")
    assert widget["aria-invalid"] == "true"
    assert f"id_inspectorate_{field}_error" in widget["aria-describedby"].split()
    assert message in page.text(f"id_inspectorate_{field}_error")
    for other in {"status", "changed_on", "comment", "source_url"} - {field}:
        assert "is-invalid" not in page.classes(f"id_inspectorate_{other}")
    if data.get("changed_on"):
        assert page.attrs("id_inspectorate_changed_on")["value"] == data["changed_on"]


def test_police_lead_sees_the_log_but_has_no_form(
    client, opcc_staff, police_lead_a, recommendation_a
):
    _record(recommendation_a, opcc_staff, Status.BEING_PROGRESSED, 5)
    client.force_login(police_lead_a)
    page = client.get(recommendation_a.get_absolute_url())
    assert len(page.context["inspectorate_log"]) == 1
    assert page.context["inspectorate_form"] is None


# --- The register, its CSV and the dashboard ------------------------------------------


@pytest.fixture
def differing(report_a, report_b, opcc_staff, opcc_staff_b):
    """On force A: closed by the force but not complete for HMICFRS; complete for HMICFRS
    but open for the force; agreed on both; and one of each on force B (office B's)."""
    signer = factories.UserFactory(role="opcc_staff", office=opcc_staff.office)

    def make(report, reference, status, inspectorate_status):
        fields = {}
        if status == Recommendation.Status.CLOSED:
            fields = {"closure_rationale": "Done.", "signed_off_by": signer}
        return factories.RecommendationFactory(
            report=report,
            reference=reference,
            status=status,
            inspectorate_status=inspectorate_status,
            **fields,
        )

    return {
        "closed_not_complete": make(report_a, "R1", "closed", Status.BEING_PROGRESSED),
        "complete_still_open": make(report_a, "R2", "in_progress", Status.COMPLETE),
        "agreed": make(report_a, "R3", "closed", Status.COMPLETE),
        "b_closed": make(report_b, "R1", "closed", Status.AWAITING_REVIEW),
        "b_open": make(report_b, "R2", "open", Status.COMPLETE),
    }


@pytest.mark.parametrize("saved", ["closed_not_complete", "complete_still_open"])
def test_register_saved_filter_lists_where_force_and_hmicfrs_differ(
    client, opcc_staff, differing, saved
):
    client.force_login(opcc_staff)
    response = client.get(REGISTER, {"divergence": saved})
    assert [r.pk for r in response.context["page_obj"]] == [differing[saved].pk]


def test_register_links_both_saved_filters(client, opcc_staff, differing):
    client.force_login(opcc_staff)
    content = client.get(REGISTER).content.decode()
    assert "?divergence=closed_not_complete" in content
    assert "?divergence=complete_still_open" in content


def test_saved_filters_leave_out_reports_hmicfrs_keeps_no_status_for(client, opcc_staff, force_a):
    report = factories.InspectionReportFactory(force=force_a, source="internal_audit", programme="")
    factories.RecommendationFactory(
        report=report, status="in_progress", inspectorate_status=Status.COMPLETE
    )
    client.force_login(opcc_staff)
    response = client.get(REGISTER, {"divergence": "complete_still_open"})
    assert response.context["page_obj"].paginator.count == 0


def test_register_filters_by_hmicfrs_status(client, opcc_staff, differing):
    client.force_login(opcc_staff)
    response = client.get(REGISTER, {"inspectorate_status": "complete"})
    assert {r.pk for r in response.context["page_obj"]} == {
        differing["complete_still_open"].pk,
        differing["agreed"].pk,
    }


def test_register_csv_has_the_hmicfrs_status_and_its_date(client, opcc_staff, recommendation_a):
    _record(recommendation_a, opcc_staff, Status.BEING_PROGRESSED, 5)
    client.force_login(opcc_staff)
    response = client.get(reverse("recommendations:register_csv"))
    rows = list(
        csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")))
    )
    assert (rows[0]["Source"], rows[0]["HMICFRS status"], rows[0]["HMICFRS status since"]) == (
        "HMICFRS",
        "Being progressed",
        "2026-10-05",
    )


def test_dashboard_counts_each_difference_for_the_office_only(opcc_staff, opcc_staff_b, differing):
    totals = dashboard_for(opcc_staff).totals
    assert (totals["closed_not_complete"], totals["complete_still_open"]) == (1, 1)
    totals_b = dashboard_for(opcc_staff_b).totals
    assert (totals_b["closed_not_complete"], totals_b["complete_still_open"]) == (1, 1)


def test_dashboard_links_the_differences_to_the_filtered_register(client, opcc_staff, differing):
    client.force_login(opcc_staff)
    content = client.get(reverse("recommendations:dashboard")).content.decode()
    assert f"{REGISTER}?divergence=closed_not_complete" in content
    assert f"{REGISTER}?divergence=complete_still_open" in content


def test_another_office_never_sees_the_log_entries(
    client, opcc_staff, opcc_staff_b, recommendation_a
):
    _record(recommendation_a, opcc_staff, Status.BEING_PROGRESSED, 5, comment="Force A secret")
    client.force_login(opcc_staff_b)
    assert client.get(recommendation_a.get_absolute_url()).status_code == 404
    response = client.get(REGISTER, {"inspectorate_status": "being_progressed"})
    assert response.context["page_obj"].paginator.count == 0
    from recommendations.selectors import inspectorate_changes_visible_to

    assert not inspectorate_changes_visible_to(opcc_staff_b).exists()
    assert inspectorate_changes_visible_to(opcc_staff).count() == 1


def test_a_source_other_than_hmicfrs_shows_no_hmicfrs_status(client, opcc_staff, force_a):
    report = factories.InspectionReportFactory(force=force_a, source="iopc", programme="")
    recommendation = factories.RecommendationFactory(report=report)
    client.force_login(opcc_staff)
    page = client.get(recommendation.get_absolute_url())
    assert page.context["inspectorate_form"] is None
    assert b"HMICFRS&#x27;s status" not in page.content and b"HMICFRS's status" not in page.content
