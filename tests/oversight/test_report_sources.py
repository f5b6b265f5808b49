"""A source on every report, and the statutory clock each source has (or has not):
section 55 for HMICFRS and HMIC, the 56-day reply for a coroner's report, none for the
IOPC, audit or anything else."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from oversight.models import InspectionReport
from oversight.selectors import report_deadlines
from tests import factories

Source = InspectionReport.Source
PUBLISHED = datetime.date(2026, 9, 1)
TODAY = datetime.date(2026, 9, 20)


def _report(source, **fields):
    if source not in InspectionReport.INSPECTORATE_SOURCES:
        fields.setdefault("programme", "")
    return factories.InspectionReportFactory(source=source, published_on=PUBLISHED, **fields)


def _statutory(report):
    return [(d.what, d.due_on) for d in report_deadlines(report, today=TODAY) if d.is_statutory]


@pytest.mark.parametrize("source", [Source.HMICFRS, Source.HMIC])
def test_inspectorate_report_has_section_55_due_56_days_after_publication(db, source):
    report = _report(source)
    assert _statutory(report) == [("Section 55 comments", datetime.date(2026, 10, 27))]


def test_coroners_report_has_its_56_day_reply_and_no_section_55(db):
    report = _report(Source.CORONER, issued_by="HM Senior Coroner for Plymouth")
    assert report.section_55_due_on is None
    assert _statutory(report) == [("Response to the coroner", datetime.date(2026, 10, 27))]


@pytest.mark.parametrize(
    "source",
    [Source.IOPC, Source.INTERNAL_AUDIT, Source.EXTERNAL_AUDIT, Source.OTHER_INSPECTORATE],
)
def test_other_sources_have_no_statutory_clock(db, source):
    report = _report(source)
    assert _statutory(report) == []
    assert report.section_55_due_on is None and report.coroner_response_due_on is None
    # The force's action plan is still expected.
    assert [d.what for d in report_deadlines(report, today=TODAY)] == ["Force action plan"]


def test_coroners_reply_is_done_once_sent(db):
    report = _report(
        Source.CORONER, issued_by="HM Coroner", coroner_response_sent_on=datetime.date(2026, 9, 10)
    )
    (reply,) = [d for d in report_deadlines(report, today=TODAY) if d.is_statutory]
    assert reply.is_done and reply.done_word == "Sent"


@pytest.mark.parametrize(
    ("fields", "constraint"),
    [
        (
            {"source": Source.IOPC, "programme": "", "section_55_published_on": PUBLISHED},
            "report_section_55_only_for_hmicfrs",
        ),
        (
            {"source": Source.HMICFRS, "coroner_response_sent_on": PUBLISHED},
            "report_coroner_response_only_for_coroner",
        ),
        (
            {"source": Source.INTERNAL_AUDIT, "programme": "peel"},
            "report_programme_only_for_inspections",
        ),
    ],
)
def test_report_database_refuses_a_date_or_programme_its_source_does_not_have(
    force_a, fields, constraint
):
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        InspectionReport.objects.create(
            force=force_a, title="Mismatched", published_on=PUBLISHED, **fields
        )


# --- The report form ------------------------------------------------------------------


def _post(client, **fields):
    data = {
        "title": "A report",
        "published_on": "2026-09-01",
        "status": "logging",
        **fields,
    }
    return client.post(reverse("oversight:report_create"), data)


def test_report_form_logs_a_coroners_report_without_a_programme(client, opcc_staff, force_a):
    client.force_login(opcc_staff)
    response = _post(
        client,
        force=force_a.pk,
        source="coroner",
        programme="",
        issued_by="HM Senior Coroner for Plymouth, Torbay and South Devon",
    )
    assert response.status_code == 302
    report = InspectionReport.objects.get(title="A report")
    assert (report.source, report.programme) == ("coroner", "")
    assert report.coroner_response_due_on == datetime.date(2026, 10, 27)


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"source": "hmicfrs", "programme": ""}, "programme", "Choose the inspection programme."),
        ({"source": "iopc", "programme": "peel"}, "programme", "is not an inspection"),
        ({"source": "coroner", "programme": ""}, "issued_by", "Enter who issued it"),
        (
            {"source": "iopc", "programme": "", "section_55_published_on": "2026-10-01"},
            "section_55_published_on",
            "Section 55 covers HMICFRS and HMIC reports only",
        ),
        (
            {"source": "hmicfrs", "programme": "peel", "coroner_response_sent_on": "2026-10-01"},
            "coroner_response_sent_on",
            "Only a coroner's report",
        ),
        ({"source": "", "programme": ""}, "source", "Choose who published the report."),
    ],
)
def test_report_form_refuses_what_the_source_does_not_fit_with_a_message(
    client, opcc_staff, force_a, fields, field, message
):
    client.force_login(opcc_staff)
    response = _post(client, force=force_a.pk, **fields)
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert not InspectionReport.objects.exists()


def test_report_list_shows_each_reports_own_statutory_clock(client, opcc_staff, force_a):
    _report(Source.HMICFRS, force=force_a, title="PEEL")
    _report(Source.CORONER, force=force_a, title="PFD", issued_by="HM Coroner")
    _report(Source.IOPC, force=force_a, title="IOPC learning")
    client.force_login(opcc_staff)
    response = client.get(reverse("oversight:report_list"))
    rows = {row["report"].title: row["statutory"] for row in response.context["rows"]}
    assert rows["PEEL"].what == "Section 55 comments"
    assert rows["PFD"].what == "Response to the coroner"
    assert rows["IOPC learning"] is None
    assert b"None set by law" in response.content


def test_report_list_filters_by_source(client, opcc_staff, force_a):
    _report(Source.HMICFRS, force=force_a, title="PEEL")
    _report(Source.IOPC, force=force_a, title="IOPC learning")
    client.force_login(opcc_staff)
    response = client.get(reverse("oversight:report_list"), {"source": "iopc"})
    assert [row["report"].title for row in response.context["rows"]] == ["IOPC learning"]
