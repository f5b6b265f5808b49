"""Reminders of statutory dates follow the report's source: section 55 for HMICFRS and
HMIC, the reply to a coroner's report for a coroner's report, nothing set by law for the
IOPC, audit and other sources (their action plan is still chased)."""

import datetime

import pytest

from oversight.models import InspectionReport
from reminders.due_actions import report_due_items

Source = InspectionReport.Source
PUBLISHED = datetime.date(2026, 9, 1)


def _whats(today: datetime.date) -> dict[str, set]:
    found: dict[str, set] = {}
    for item in report_due_items(today=today, horizon=today + datetime.timedelta(days=7)):
        found.setdefault(item.what, set()).add(item.subject_id)
    return found


@pytest.fixture
def reports(force_a, opcc_staff):
    from tests import factories

    def make(source, **fields):
        if source not in InspectionReport.INSPECTORATE_SOURCES:
            fields.setdefault("programme", "")
        return factories.InspectionReportFactory(
            force=force_a, source=source, published_on=PUBLISHED, **fields
        )

    return {
        "hmicfrs": make(Source.HMICFRS),
        "coroner": make(Source.CORONER, issued_by="HM Coroner"),
        "iopc": make(Source.IOPC),
        "audit": make(Source.INTERNAL_AUDIT),
    }


def test_only_hmicfrs_report_is_reminded_of_section_55(reports):
    whats = _whats(datetime.date(2026, 10, 27))
    assert whats["section_55_due"] == {reports["hmicfrs"].pk}


def test_only_coroners_report_is_reminded_of_the_56_day_reply(reports, opcc_staff):
    items = [
        item
        for item in report_due_items(
            today=datetime.date(2026, 10, 27), horizon=datetime.date(2026, 11, 3)
        )
        if item.what == "coroner_response_due"
    ]
    assert [(i.subject_id, i.due_on) for i in items] == [
        (reports["coroner"].pk, datetime.date(2026, 10, 27))
    ]
    assert items[0].recipients == frozenset({opcc_staff.pk})  # the OPCC chases the reply


def test_iopc_and_audit_reports_have_only_their_action_plan_reminded(reports):
    whats = _whats(datetime.date(2026, 10, 27))
    statutory = whats.get("section_55_due", set()) | whats.get("coroner_response_due", set())
    assert reports["iopc"].pk not in statutory and reports["audit"].pk not in statutory
    assert {reports["iopc"].pk, reports["audit"].pk} <= whats["action_plan_due"]


def test_coroners_reply_sent_is_no_longer_reminded(reports):
    reports["coroner"].coroner_response_sent_on = datetime.date(2026, 10, 1)
    reports["coroner"].save()
    assert "coroner_response_due" not in _whats(datetime.date(2026, 10, 27))
