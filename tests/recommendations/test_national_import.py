"""A national report's recommendations from a spreadsheet: each force answering the report
takes every added and changed row; re-importing the same file does nothing; a changed row
changes only that row; a file with a bad row saves nothing; a force's own copy imports
HMICFRS statuses but not wording."""

import csv
import datetime
import io

import openpyxl
import pytest
import time_machine
from django.core.exceptions import ValidationError

from oversight.models import NationalReport, User
from recommendations.models import NationalRecommendation, Recommendation
from recommendations.national_import import parse_addressees
from recommendations.selectors import national_import_plan, report_import_plan
from recommendations.services_national import (
    national_recommendations_import,
    national_report_apply,
    national_report_create,
)
from recommendations.spreadsheet_import import COLUMNS, NATIONAL_COLUMNS
from tests import factories
from tests.conftest import _persona

TODAY = datetime.date(2026, 11, 1)
HEADER = [column.header for column in NATIONAL_COLUMNS]


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime.datetime(2026, 11, 1, 12, 0), tick=False):
        yield


@pytest.fixture
def national(opcc_staff, opcc_staff_b, force_a, force_b):
    """A thematic report entered by office A, applied to force A and force B."""
    report = national_report_create(
        by=opcc_staff,
        fields={
            "title": "Stalking and harassment: a national thematic inspection",
            "source": NationalReport.Source.HMICFRS,
            "programme": NationalReport.Programme.THEMATIC,
            "published_on": datetime.date(2026, 9, 1),
        },
    )
    national_report_apply(national_report=report, forces=[force_a], by=opcc_staff)
    national_report_apply(national_report=report, forces=[force_b], by=opcc_staff_b)
    return report


def _csv(rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue().encode()


FIRST_FILE = [
    ["SH 2026 R1", "R1", "", "Chief constables should appoint a stalking lead.", "", "", ""],
    [
        "SH 2026 R2",
        "R2",
        "",
        "Force B Police should audit its stalking protection orders.",
        "",
        "Force B",
        "",
    ],
    [
        "SH 2026 R3",
        "R3",
        "",
        "The College of Policing should update its guidance.",
        "",
        "College of Policing; NPCC",
        "",
    ],
]


def _import(national, by, data, name="file.csv"):
    plan = national_import_plan(
        user=by, national_report=national, name=name, data=data, today=TODAY
    )
    assert plan.ok, [str(error) for error in plan.errors]
    return national_recommendations_import(
        national_report=national,
        by=by,
        name=name,
        data=data,
        expected_fingerprint=plan.fingerprint,
    )


def _responses(force):
    return {
        r.reference: r
        for r in Recommendation.objects.filter(
            report__force=force, national_recommendation__isnull=False
        )
    }


def test_import_gives_every_force_its_responses_and_twice_changes_nothing(
    national, opcc_staff, force_a, force_b
):
    plan = _import(national, opcc_staff, _csv(FIRST_FILE))
    assert len(plan.new) == 3
    assert list(national.recommendations.values_list("reference", flat=True)) == ["R1", "R2", "R3"]
    r2 = national.recommendations.get(reference="R2")
    assert r2.addressed_forces == NationalRecommendation.Forces.NAMED
    assert list(r2.named_forces.all()) == [force_b]
    r3 = national.recommendations.get(reference="R3")
    assert r3.national_bodies == ["college_of_policing", "npcc"]
    a, b = _responses(force_a), _responses(force_b)
    assert sorted(a) == ["R1", "R3"] and sorted(b) == ["R1", "R2", "R3"]
    assert a["R3"].status == Recommendation.Status.FOR_INFORMATION
    assert b["R2"].status == Recommendation.Status.OPEN
    counts = (Recommendation.objects.count(), Recommendation.history.count())
    again = national_import_plan(
        user=opcc_staff,
        national_report=national,
        name="file.csv",
        data=_csv(FIRST_FILE),
        today=TODAY,
    )
    assert (again.new, again.changed, len(again.unchanged)) == ([], [], 3)
    assert not again.has_changes
    assert (Recommendation.objects.count(), Recommendation.history.count()) == counts


def test_a_changed_row_changes_only_that_row_in_every_force(national, opcc_staff, force_a, force_b):
    _import(national, opcc_staff, _csv(FIRST_FILE))
    histories = {
        (force, ref): r.history.count()
        for force in (force_a, force_b)
        for ref, r in _responses(force).items()
    }
    changed = [list(row) for row in FIRST_FILE]
    changed[0][3] = "Chief constables should appoint a stalking lead by April 2027."
    del changed[2]  # R3 left out: listed, kept
    plan = _import(national, opcc_staff, _csv(changed))
    assert [row.reference for row in plan.changed] == ["R1"]
    assert [change.field for change in plan.changed[0].changes] == ["text"]
    assert [item.reference for item in plan.missing] == ["R3"]
    for force in (force_a, force_b):
        responses = _responses(force)
        assert responses["R1"].text.endswith("by April 2027.")
        for ref, response in responses.items():
            expected = histories[(force, ref)] + (1 if ref == "R1" else 0)
            assert response.history.count() == expected, (force, ref)
    assert "R3" in _responses(force_a)


def test_readdressing_a_row_adds_the_newly_addressed_force(national, opcc_staff, force_a):
    _import(national, opcc_staff, _csv(FIRST_FILE))
    changed = [list(row) for row in FIRST_FILE]
    changed[1][5] = "Force A Police; Force B Police"
    plan = _import(national, opcc_staff, _csv(changed))
    assert [(row.reference, [c.field for c in row.changes]) for row in plan.changed] == [
        ("R2", ["addressees"])
    ]
    assert plan.changed[0].changes[0].new == "Force A Police; Force B Police"
    assert _responses(force_a)["R2"].status == Recommendation.Status.OPEN


def test_a_file_with_a_bad_row_saves_nothing(national, opcc_staff):
    bad = [list(row) for row in FIRST_FILE]
    bad[1][5] = "Devn Police"
    bad[2][1] = ""
    data = _csv(bad)
    plan = national_import_plan(
        user=opcc_staff, national_report=national, name="f.csv", data=data, today=TODAY
    )
    messages = [str(error) for error in plan.errors]
    assert any(m.startswith("Line 3:") and "Devn Police" in m for m in messages), messages
    assert any(m.startswith("Line 4:") and "reference is empty" in m for m in messages), messages
    with pytest.raises(ValidationError):
        national_recommendations_import(
            national_report=national,
            by=opcc_staff,
            name="f.csv",
            data=data,
            expected_fingerprint=plan.fingerprint,
        )
    assert not national.recommendations.exists()
    assert not Recommendation.objects.filter(national_recommendation__isnull=False).exists()


def test_a_stale_preview_is_refused(national, opcc_staff):
    data = _csv(FIRST_FILE)
    plan = national_import_plan(
        user=opcc_staff, national_report=national, name="f.csv", data=data, today=TODAY
    )
    _import(national, opcc_staff, _csv(FIRST_FILE[:1]))
    with pytest.raises(ValidationError) as refused:
        national_recommendations_import(
            national_report=national,
            by=opcc_staff,
            name="f.csv",
            data=data,
            expected_fingerprint=plan.fingerprint,
        )
    assert refused.value.code == "stale"


def test_only_the_office_that_entered_it_imports(national, opcc_staff_b):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        national_recommendations_import(
            national_report=national,
            by=opcc_staff_b,
            name="f.csv",
            data=_csv(FIRST_FILE),
            expected_fingerprint="x",
        )


def test_xlsx_template_round_trip(national, opcc_staff, client):
    _import(national, opcc_staff, _csv(FIRST_FILE))
    client.force_login(opcc_staff)
    from django.urls import reverse

    response = client.get(reverse("recommendations:national_template", args=[national.pk, "xlsx"]))
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content))["Recommendations"]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADER
    assert rows[2][5] == "Force B Police"
    assert rows[3][5] == "College of Policing; NPCC"
    plan = national_import_plan(
        user=opcc_staff, national_report=national, name="t.xlsx", data=response.content, today=TODAY
    )
    assert plan.ok and not plan.has_changes and len(plan.unchanged) == 3


def test_addressees_are_read_by_force_name_with_or_without_its_suffix(force_a, force_b):
    forces = [force_a, force_b]
    assert parse_addressees("All chief constables; Home Office", forces)[:3] == (
        "all",
        [],
        ["home_office"],
    )
    assert parse_addressees("force a; Force B Police", forces)[:2] == (
        "named",
        [force_a.pk, force_b.pk],
    )
    forces_value, named, bodies, errors = parse_addressees("All forces; Force A", forces)
    assert errors and "keep one" in errors[0]


def test_a_forces_own_copy_imports_statuses_not_wording(national, opcc_staff, force_a):
    _import(national, opcc_staff, _csv(FIRST_FILE))
    copy = national.force_reports.get(force=force_a)
    header = [column.header for column in COLUMNS]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerow(["SH 2026 R1", "R1", "", "Our own wording", "", "", "", "", ""])
    plan = report_import_plan(
        user=opcc_staff, report=copy, name="f.csv", data=out.getvalue().encode(), today=TODAY
    )
    assert any("held on the national report" in str(error) for error in plan.errors)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerow(
        [
            "SH 2026 R1",
            "R1",
            "",
            "Chief constables should appoint a stalking lead.",
            "",
            "Being progressed",
            "2026-10-20",
            "",
            "",
        ]
    )
    writer.writerow(["SH 2026 R9", "R9", "", "A new one", "", "", "", "", ""])
    plan = report_import_plan(
        user=opcc_staff, report=copy, name="f.csv", data=out.getvalue().encode(), today=TODAY
    )
    assert [str(error) for error in plan.errors] == [
        "Line 3: R9 is not in the national report: add it there, and every force answering "
        "it gets it."
    ]
    assert plan.changed[0].status_change.status == "being_progressed"


def test_force_users_cannot_see_the_import(national, client, force_a):
    from django.urls import reverse

    owner = _persona("acc_import", User.Role.PLAN_OWNER, force=force_a)
    client.force_login(owner)
    assert (
        client.get(reverse("recommendations:national_import", args=[national.pk])).status_code
        == 403
    )
    other = factories.ForceFactory(name="Force Z Police")
    lead = _persona("lead_z", User.Role.POLICE_LEAD, force=other)
    client.force_login(lead)
    assert (
        client.get(reverse("recommendations:national_import", args=[national.pk])).status_code
        == 404
    )
