"""Importing a report's recommendations from a spreadsheet (CSV and .xlsx): the template's
round trip, matching on the publisher's ID, the re-import rules, bad rows, and the
HMICFRS status log."""

import csv
import datetime
import io

import openpyxl
import pytest
import time_machine
from django.core.exceptions import ValidationError

from recommendations.models import InspectorateStatusChange, Recommendation
from recommendations.selectors import recommendations_for_import, report_import_plan
from recommendations.services import inspectorate_status_record
from recommendations.services_import import ImportedFile, recommendations_import
from recommendations.spreadsheet_import import COLUMNS, MAX_ROWS, parse_rows, read_spreadsheet
from recommendations.spreadsheet_template import template_csv, template_rows, template_xlsx
from tests import factories

TODAY = datetime.date(2026, 11, 1)
HEADER = [column.header for column in COLUMNS]
Status = Recommendation.InspectorateStatus


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime.datetime(2026, 11, 1, 12, 0), tick=False):
        yield


@pytest.fixture
def report_recommendations(report_a):
    """Three recommendations of report A (published 1 September 2026): two with
    HMICFRS's numbers, one without."""
    return [
        factories.RecommendationFactory(
            report=report_a,
            reference="R1",
            publisher_reference="CP 2026 R1",
            text="Immediately, the force should identify every CSE case.",
            timescale="immediately",
        ),
        factories.RecommendationFactory(
            report=report_a,
            reference="R2",
            publisher_reference="CP 2026 R2",
            text="Within three months, the force should track CSE investigations.",
        ),
        factories.RecommendationFactory(
            report=report_a,
            reference="AFI1",
            kind="afi",
            text="The force should improve how it records risk.",
            timescale="none",
        ),
    ]


def _rows(user, report):
    return template_rows(recommendations_for_import(user, report), report=report)


def _xlsx(user, report) -> bytes:
    return template_xlsx(_rows(user, report), report=report)


def _csv(rows: list[list]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue().encode()


def _edited_xlsx(data: bytes, edits: dict[str, object], append=()) -> bytes:
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    sheet = workbook["Recommendations"]
    for cell, value in edits.items():
        sheet[cell] = value
    for row in append:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _plan(user, report, name, data):
    return report_import_plan(user=user, report=report, name=name, data=data, today=TODAY)


def _import(user, report, name, data):
    plan = _plan(user, report, name, data)
    return recommendations_import(
        report=report,
        by=user,
        upload=ImportedFile(name, data),
        expected_fingerprint=plan.fingerprint,
    )


def _history_count() -> int:
    return Recommendation.history.count()


# --- The template -------------------------------------------------------------------------


def test_template_xlsx_has_a_styled_frozen_header_and_drop_down_lists(
    opcc_staff, report_a, report_recommendations
):
    workbook = openpyxl.load_workbook(io.BytesIO(_xlsx(opcc_staff, report_a)))
    sheet = workbook["Recommendations"]
    assert [cell.value for cell in sheet[1]] == HEADER
    assert sheet["A1"].font.bold
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["D"].width == 80
    lists = {validation.formula1 for validation in sheet.data_validations.dataValidation}
    assert '"Recommendation,Area for improvement"' in lists
    assert '"Awaiting review,Being progressed,Complete,No further action"' in lists
    assert [cell.value for cell in sheet["B"][1:]] == ["R1", "R2", "AFI1"]
    assert "How to fill this in" in workbook.sheetnames


def test_template_escapes_cells_a_spreadsheet_would_run(opcc_staff, report_a):
    factories.RecommendationFactory(report=report_a, reference="R1", text='=HYPERLINK("x")')
    sheet = openpyxl.load_workbook(io.BytesIO(_xlsx(opcc_staff, report_a)))["Recommendations"]
    assert sheet["D2"].value == '\'=HYPERLINK("x")'
    assert sheet["D2"].data_type == "s"


def test_template_round_trip_xlsx_changes_nothing(opcc_staff, report_a, report_recommendations):
    inspectorate_status_record(
        recommendation=report_recommendations[0],
        by=opcc_staff,
        status=Status.BEING_PROGRESSED,
        changed_on=datetime.date(2026, 10, 5),
        comment="Revisit letter.",
        source_url="https://www.justiceinspectorates.gov.uk/hmicfrs/",
    )
    factories.RecommendationFactory(report=report_a, reference="R3", text="=1+1\n- a bullet")
    data = _xlsx(opcc_staff, report_a)
    plan = _plan(opcc_staff, report_a, "template.xlsx", data)
    assert plan.ok and not plan.has_changes and not plan.missing
    assert plan.unchanged == [2, 3, 4, 5]


def test_template_round_trip_csv_changes_nothing(opcc_staff, report_a, report_recommendations):
    data = template_csv(_rows(opcc_staff, report_a))
    plan = _plan(opcc_staff, report_a, "template.csv", data)
    assert plan.ok and not plan.has_changes
    assert len(plan.unchanged) == 3


# --- Re-import rules ----------------------------------------------------------------------


def test_same_file_twice_creates_nothing_and_writes_no_history(
    opcc_staff, report_a, report_recommendations
):
    data = _edited_xlsx(
        _xlsx(opcc_staff, report_a),
        {},
        append=[
            ["CP 2026 R3", "R3", "", "Within six months, the force should train staff.", ""],
            [
                "CP 2026 R4",
                "R4",
                "",
                "The force should review custody.",
                "",
                "Complete",
                "2026-10-20",
            ],
        ],
    )
    first = _import(opcc_staff, report_a, "r.xlsx", data)
    assert [row.fields["reference"] for row in first.new] == ["R3", "R4"]
    counts = (
        Recommendation.objects.count(),
        _history_count(),
        InspectorateStatusChange.objects.count(),
    )
    second = _import(opcc_staff, report_a, "r.xlsx", data)
    assert not second.has_changes
    assert (
        Recommendation.objects.count(),
        _history_count(),
        InspectorateStatusChange.objects.count(),
    ) == counts


def test_new_rows_take_kind_and_timescale_from_reference_and_wording(opcc_staff, report_a):
    data = _csv(
        [
            ["", "R1", "", "Within six months, the force should train staff.", ""],
            ["", "AFI1", "", "The force should improve its records.", ""],
        ]
    )
    _import(opcc_staff, report_a, "new.csv", data)
    made = {r.reference: (r.kind, r.timescale) for r in Recommendation.objects.all()}
    assert made == {"R1": ("recommendation", "6_months"), "AFI1": ("afi", "none")}


def test_a_changed_row_updates_only_that_row_with_one_history_entry(
    opcc_staff, report_a, report_recommendations
):
    r1, r2, afi = report_recommendations
    data = _edited_xlsx(_xlsx(opcc_staff, report_a), {"D3": "Within three months, track them."})
    before = {r.pk: r.history.count() for r in report_recommendations}
    plan = _import(opcc_staff, report_a, "r.xlsx", data)
    assert [(row.reference, [c.field for c in row.changes]) for row in plan.changed] == [
        ("R2", ["text"])
    ]
    r2.refresh_from_db()
    assert r2.text == "Within three months, track them."
    after = {r.pk: r.history.count() for r in report_recommendations}
    assert after == {**before, r2.pk: before[r2.pk] + 1}
    assert r2.history.first().history_user == opcc_staff


def test_a_changed_timescale_moves_a_due_date_worked_out_from_it(opcc_staff, report_a):
    recommendation = factories.RecommendationFactory(
        report=report_a, reference="R1", timescale="3_months", due_on=datetime.date(2026, 12, 1)
    )
    _import(
        opcc_staff,
        report_a,
        "t.csv",
        _csv([["", "R1", "", recommendation.text, "Within six months"]]),
    )
    recommendation.refresh_from_db()
    assert (recommendation.timescale, recommendation.due_on) == (
        "6_months",
        datetime.date(2027, 3, 1),
    )


def test_a_row_missing_from_the_file_is_listed_not_deleted(
    opcc_staff, report_a, report_recommendations
):
    data = _csv([["CP 2026 R1", "R1", "", report_recommendations[0].text, ""]])
    plan = _import(opcc_staff, report_a, "r.csv", data)
    assert [item.reference for item in plan.missing] == ["R2", "AFI1"]
    assert Recommendation.objects.filter(report=report_a).count() == 3


def test_rows_match_on_the_publisher_id_whatever_the_reference(
    opcc_staff, report_a, report_recommendations
):
    data = _csv([["cp  2026 r2", "R2a", "", report_recommendations[1].text, ""]])
    plan = _import(opcc_staff, report_a, "r.csv", data)
    assert [(row.pk, [c.field for c in row.changes]) for row in plan.changed] == [
        (report_recommendations[1].pk, ["reference"])
    ]
    report_recommendations[1].refresh_from_db()
    assert report_recommendations[1].reference == "R2a"


def test_a_row_without_a_publisher_id_matches_on_reference_and_can_give_one(
    opcc_staff, report_a, report_recommendations
):
    afi = report_recommendations[2]
    data = _csv([["PEEL 2023 AFI1", "AFI1", "", afi.text, ""]])
    plan = _import(opcc_staff, report_a, "r.csv", data)
    assert [c.field for c in plan.changed[0].changes] == ["publisher_reference"]
    afi.refresh_from_db()
    assert afi.publisher_reference == "PEEL 2023 AFI1"


def test_a_reference_held_under_another_publisher_id_is_a_bad_row(
    opcc_staff, report_a, report_recommendations
):
    data = _csv([["CP 2026 R9", "R1", "", "Text.", ""]])
    plan = _plan(opcc_staff, report_a, "r.csv", data)
    assert [str(error) for error in plan.errors] == [
        "Line 2: R1 has the publisher ID CP 2026 R1, not CP 2026 R9: correct the publisher "
        "ID or the reference."
    ]


# --- Bad rows -----------------------------------------------------------------------------


def test_a_file_with_one_bad_row_saves_nothing_and_says_line_and_reason(
    opcc_staff, report_a, report_recommendations
):
    data = _csv(
        [
            ["CP 2026 R1", "R1", "", "Changed wording.", ""],
            ["", "R7", "", "A new one.", ""],
            ["CP 2026 R2", "R2", "", report_recommendations[1].text, "", "done", "2026-10-01"],
        ]
    )
    history = _history_count()
    plan = _plan(opcc_staff, report_a, "r.csv", data)
    assert [str(error) for error in plan.errors] == [
        "Line 4: HMICFRS status “done” is not one of: awaiting review, being progressed, "
        "complete, no further action."
    ]
    with pytest.raises(ValidationError) as refused:
        recommendations_import(
            report=report_a,
            by=opcc_staff,
            upload=ImportedFile("r.csv", data),
            expected_fingerprint=plan.fingerprint,
        )
    assert refused.value.messages == [str(error) for error in plan.errors]
    assert Recommendation.objects.count() == 3
    assert _history_count() == history
    report_recommendations[0].refresh_from_db()
    assert report_recommendations[0].text != "Changed wording."


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            ["", "", "", "Text."],
            "Line 2: the reference is empty: give the reference the report uses, e.g. R1.",
        ),
        (
            ["", "R9", "", ""],
            "Line 2: the text is empty: give the recommendation's wording as published.",
        ),
        (
            ["", "R9", "advice", "Text."],
            "Line 2: kind “advice” is not one of: recommendation, area for improvement.",
        ),
        (
            ["", "R9", "", "Text.", "soon"],
            "Line 2: timescale “soon” is not one of: immediately, within one month, within three "
            "months, within six months, within twelve months, no timescale stated.",
        ),
        (
            ["", "R9", "", "Text.", "", "Complete"],
            "Line 2: the HMICFRS status changes from “awaiting review” to “complete”: give the "
            "date HMICFRS changed it in “HMICFRS status date”.",
        ),
        (
            ["", "R9", "", "Text.", "", "Complete", "31/02/2026"],
            "Line 2: HMICFRS status date “31/02/2026” is not a date: write it as "
            "year-month-day, e.g. 2026-10-01.",
        ),
        (
            ["", "R9", "", "Text.", "", "Complete", "2026-12-01"],
            "Line 2: HMICFRS status date 1 December 2026 is in the future: give the date "
            "HMICFRS made the change.",
        ),
        (
            ["", "R9", "", "Text.", "", "Complete", "2026-01-01"],
            "Line 2: HMICFRS status date 1 January 2026 is before the report was published "
            "(1 September 2026): give a date on or after it.",
        ),
        (
            ["", "R9", "", "Text.", "", "Complete", "2026-10-01", "", "javascript:alert(1)"],
            "Line 2: HMICFRS link “javascript:alert(1)” is not a web address: give one "
            "starting https://, or leave the cell empty.",
        ),
        (
            ["", "R9", "", "Text.", "", "", "2026-10-01"],
            "Line 2: the HMICFRS status is empty but its date, comment or link is not: give "
            "the status, or clear those cells.",
        ),
    ],
)
def test_bad_cells_are_reported_with_line_and_reason(opcc_staff, report_a, row, message):
    plan = _plan(opcc_staff, report_a, "r.csv", _csv([row]))
    assert [str(error) for error in plan.errors] == [message]


def test_repeated_references_are_bad_rows(opcc_staff, report_a):
    plan = _plan(opcc_staff, report_a, "r.csv", _csv([["", "R1", "", "A."], ["", "r1", "", "B."]]))
    assert [str(error) for error in plan.errors] == [
        "Line 3: the reference r1 is also on line 2: give each recommendation its own."
    ]


def test_a_formula_cell_is_a_bad_row(opcc_staff, report_a, report_recommendations):
    data = _edited_xlsx(_xlsx(opcc_staff, report_a), {"D2": "=D3"})
    plan = _plan(opcc_staff, report_a, "r.xlsx", data)
    assert [str(error) for error in plan.errors] == [
        "Line 2: the “Text” cell holds a formula (=D3): type the value itself."
    ]


def test_a_file_without_the_header_row_says_which_columns_it_needs(opcc_staff, report_a):
    plan = _plan(opcc_staff, report_a, "r.csv", b"R1,Some text\nR2,More text\n")
    assert [str(error) for error in plan.errors] == [
        "Line 1 has no “Reference” or “Text” column. The first row must name the columns, "
        "as the template does: Publisher ID, Reference, Kind, Text, Timescale, HMICFRS "
        "status, HMICFRS status date, HMICFRS comment, HMICFRS link."
    ]


def test_too_many_rows_are_refused_whole(opcc_staff, report_a):
    data = _csv([["", f"R{n}", "", "Text."] for n in range(MAX_ROWS + 1)])
    plan = _plan(opcc_staff, report_a, "r.csv", data)
    assert [str(error) for error in plan.errors] == [
        f"The file has more than {MAX_ROWS} rows of recommendations; import at most "
        f"{MAX_ROWS} at a time."
    ]


def test_hmicfrs_columns_on_a_report_from_another_source_are_bad_rows(opcc_staff, force_a):
    report = factories.InspectionReportFactory(force=force_a, source="iopc", programme="")
    plan = _plan(opcc_staff, report, "r.csv", _csv([["", "R1", "", "Text.", "", "Complete"]]))
    assert [str(error) for error in plan.errors] == [
        "Line 2: this report's source (IOPC learning recommendations) keeps no HMICFRS "
        "status: clear the HMICFRS columns."
    ]


def test_a_semicolon_separated_windows_csv_is_read(opcc_staff, report_a):
    data = ";".join(HEADER).encode() + "\r\n;R1;;Café de la force.;\r\n".encode("cp1252")
    sheet = read_spreadsheet("r.csv", data)
    parsed = parse_rows(
        sheet,
        is_inspection=True,
        source_label="HMICFRS",
        published_on=report_a.published_on,
        today=TODAY,
    )
    assert [(row.reference, row.text) for row in parsed.rows] == [("R1", "Café de la force.")]


# --- The HMICFRS status log ---------------------------------------------------------------


def test_a_status_change_is_logged_with_its_date_comment_and_link(
    opcc_staff, report_a, report_recommendations
):
    r1 = report_recommendations[0]
    data = _edited_xlsx(
        _xlsx(opcc_staff, report_a),
        {
            "F2": "Complete",
            "G2": datetime.date(2026, 10, 20),
            "H2": "Closed at the revisit.",
            "I2": "https://www.justiceinspectorates.gov.uk/hmicfrs/r1",
        },
    )
    plan = _import(opcc_staff, report_a, "r.xlsx", data)
    assert [(row.reference, row.status_change.status) for row in plan.changed] == [
        ("R1", "complete")
    ]
    change = InspectorateStatusChange.objects.get(recommendation=r1)
    assert (change.status, change.changed_on, change.comment, change.source_url) == (
        "complete",
        datetime.date(2026, 10, 20),
        "Closed at the revisit.",
        "https://www.justiceinspectorates.gov.uk/hmicfrs/r1",
    )
    r1.refresh_from_db()
    assert (r1.inspectorate_status, r1.inspectorate_status_on) == (
        "complete",
        datetime.date(2026, 10, 20),
    )


def test_an_earlier_status_is_logged_as_history_and_the_current_one_stays(
    opcc_staff, report_a, report_recommendations
):
    r1 = report_recommendations[0]
    inspectorate_status_record(
        recommendation=r1, by=opcc_staff, status="complete", changed_on=datetime.date(2026, 10, 20)
    )
    data = _csv([["CP 2026 R1", "R1", "", r1.text, "", "Being progressed", "2026-10-01"]])
    plan = _import(opcc_staff, report_a, "r.csv", data)
    assert plan.changed[0].status_change.becomes_current is False
    r1.refresh_from_db()
    assert r1.inspectorate_status == "complete"
    assert r1.inspectorate_changes.count() == 2
    # Imported again: the log has it, so nothing more is recorded.
    assert not _import(opcc_staff, report_a, "r.csv", data).has_changes
    assert r1.inspectorate_changes.count() == 2


def test_a_later_date_for_the_same_status_is_a_bad_row(
    opcc_staff, report_a, report_recommendations
):
    r1 = report_recommendations[0]
    inspectorate_status_record(
        recommendation=r1, by=opcc_staff, status="complete", changed_on=datetime.date(2026, 10, 1)
    )
    data = _csv([["CP 2026 R1", "R1", "", r1.text, "", "Complete", "2026-10-20"]])
    plan = _plan(opcc_staff, report_a, "r.csv", data)
    assert [str(error) for error in plan.errors] == [
        "Line 2: the HMICFRS status is already “complete” (since 1 October 2026): a later "
        "date for the same status is not a change. Put back 2026-10-01, or give the status "
        "that changed."
    ]


# --- Confirming what was previewed ----------------------------------------------------------


def test_confirming_a_plan_the_report_has_moved_on_from_is_refused(
    opcc_staff, report_a, report_recommendations
):
    data = _csv([["CP 2026 R1", "R1", "", "New wording.", ""]])
    seen = _plan(opcc_staff, report_a, "r.csv", data).fingerprint
    Recommendation.objects.filter(pk=report_recommendations[0].pk).update(text="Edited meanwhile.")
    with pytest.raises(ValidationError) as refused:
        recommendations_import(
            report=report_a,
            by=opcc_staff,
            upload=ImportedFile("r.csv", data),
            expected_fingerprint=seen,
        )
    assert refused.value.code == "stale"
    report_recommendations[0].refresh_from_db()
    assert report_recommendations[0].text == "Edited meanwhile."


def test_template_round_trip_of_a_report_from_another_source_changes_nothing(opcc_staff, force_a):
    report = factories.InspectionReportFactory(force=force_a, source="iopc", programme="")
    factories.RecommendationFactory(report=report, reference="L1", publisher_reference="IOPC 1")
    for data, name in [
        (_xlsx(opcc_staff, report), "t.xlsx"),
        (template_csv(_rows(opcc_staff, report)), "t.csv"),
    ]:
        plan = _plan(opcc_staff, report, name, data)
        assert plan.ok and not plan.has_changes and plan.unchanged == [2]


def test_excels_unicode_text_csv_is_read(opcc_staff, report_a):
    data = ("\t".join(HEADER) + "\r\n\tR1\t\tŁódź police liaison.\t\r\n").encode("utf-16")
    plan = _plan(opcc_staff, report_a, "r.csv", data)
    assert plan.ok
    assert [row.fields["text"] for row in plan.new] == ["Łódź police liaison."]
