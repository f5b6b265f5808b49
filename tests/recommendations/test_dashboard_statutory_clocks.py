"""The dashboard's statutory deadlines follow each report's source: section 55 for
HMICFRS and HMIC, the reply to a coroner's report, nothing set by law for the IOPC or
audit (their action plan still shows)."""

import datetime

import pytest
import time_machine

from oversight.models import InspectionReport
from recommendations.dashboard import dashboard_for
from tests import factories

Source = InspectionReport.Source


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime.datetime(2026, 10, 20, 12, 0), tick=False):
        yield


@pytest.fixture
def reports(force_a):
    def make(source, title, **fields):
        if source not in InspectionReport.INSPECTORATE_SOURCES:
            fields.setdefault("programme", "")
        return factories.InspectionReportFactory(
            force=force_a,
            source=source,
            title=title,
            published_on=datetime.date(2026, 9, 1),
            status=InspectionReport.Status.MONITORING,
            **fields,
        )

    make(Source.HMICFRS, "PEEL")
    make(Source.CORONER, "PFD", issued_by="HM Coroner")
    make(Source.IOPC, "IOPC learning")
    make(Source.EXTERNAL_AUDIT, "Audit")


def _deadlines(user):
    return {(d.report.title, d.what) for d in dashboard_for(user).deadlines}


def test_dashboard_deadlines_follow_each_source(opcc_staff, reports):
    deadlines = _deadlines(opcc_staff)
    assert ("PEEL", "Section 55 comments") in deadlines
    assert ("PFD", "Response to the coroner") in deadlines
    assert not {what for title, what in deadlines if title in {"IOPC learning", "Audit"}} - {
        "Force action plan"
    }
    assert ("PFD", "Section 55 comments") not in deadlines


def test_dashboard_drops_a_reply_to_the_coroner_once_sent(opcc_staff, reports):
    InspectionReport.objects.filter(title="PFD").update(
        coroner_response_sent_on=datetime.date(2026, 10, 1),
        action_plan_received_on=datetime.date(2026, 10, 1),
    )
    assert not {what for title, what in _deadlines(opcc_staff) if title == "PFD"}


def test_another_office_sees_none_of_these_deadlines(opcc_staff_b, reports):
    assert _deadlines(opcc_staff_b) == set()
