"""Importing a report's recommendations through the API: the plan first (nothing saved),
then the import with the plan's fingerprint; bad rows, a stale plan, a read token and
every persona refused with JSON that says what to fix; driven by httpx as another
program would."""

import csv
import datetime
import io

import httpx
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from oversight.accounts.api_tokens import api_token_create
from oversight.models import NationalReport
from recommendations.models import Recommendation
from recommendations.services_national import national_report_apply, national_report_create
from recommendations.spreadsheet_import import COLUMNS, NATIONAL_COLUMNS
from tests import factories

HEADER = [column.header for column in COLUMNS]
IN_A_MONTH = timezone.localdate() + datetime.timedelta(days=30)


def _token(user, scope="write"):
    return api_token_create(user=user, name="Import tool", scope=scope, expires_on=IN_A_MONTH)[1]


def _csv(*rows: dict) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for row in rows:
        writer.writerow([row.get(header, "") for header in HEADER])
    return out.getvalue().encode("utf-8-sig")


def _post(client, report, token, data: bytes, name="recommendations.csv", **fields):
    return client.post(
        reverse("api:report_import", args=[report.pk]),
        {"file": _upload(name, data), **fields},
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def _upload(name, data):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="text/csv")


ROWS = (
    {"Reference": "R1", "Text": "The force should map CSE."},
    {"Reference": "R2", "Text": "The force should train."},
)


def _texts(report):
    return list(report.recommendations.order_by("position").values_list("reference", "text"))


def test_plan_then_import_with_its_fingerprint(client, opcc_staff, report_a):
    token = _token(opcc_staff)
    before = _texts(report_a)
    plan = _post(client, report_a, token, _csv(*ROWS))
    assert plan.status_code == 200, plan.content
    body = plan.json()
    assert body["applied"] is False
    assert [row["reference"] for row in body["new"]] == ["R1", "R2"]
    assert [row["line"] for row in body["new"]] == [2, 3]
    assert body["errors"] == [] and len(body["fingerprint"]) == 64
    assert _texts(report_a) == before  # the plan saves nothing

    done = _post(client, report_a, token, _csv(*ROWS), fingerprint=body["fingerprint"])
    assert done.status_code == 201, done.content
    assert done.json()["applied"] is True
    assert _texts(report_a) == [*before, ("R1", ROWS[0]["Text"]), ("R2", ROWS[1]["Text"])]

    # The same file again changes nothing: every row matches.
    again = _post(client, report_a, token, _csv(*ROWS)).json()
    assert again["new"] == [] and again["changed"] == [] and again["unchanged"] == 2


def test_a_changed_row_is_shown_field_by_field(client, opcc_staff, report_a):
    factories.RecommendationFactory(report=report_a, reference="R1", text="Old wording.")
    token = _token(opcc_staff)
    body = _post(client, report_a, token, _csv(ROWS[0])).json()
    [changed] = body["changed"]
    assert changed["reference"] == "R1"
    assert {"field": "text", "old": "Old wording.", "new": ROWS[0]["Text"]}.items() <= (
        changed["changes"][0].items()
    )


def test_bad_rows_answer_400_with_each_line_and_save_nothing(client, opcc_staff, report_a):
    token = _token(opcc_staff)
    bad = _csv(ROWS[0], {"Reference": "R2", "Text": ""})
    plan = _post(client, report_a, token, bad)
    assert plan.status_code == 400
    errors = plan.json()["errors"]
    assert errors and errors[0]["line"] == 3 and errors[0]["message"]
    forced = _post(client, report_a, token, bad, fingerprint="0" * 64)
    assert forced.status_code == 400 and forced.json()["errors"]
    assert not report_a.recommendations.exists()


def test_a_plan_gone_stale_is_refused_with_409(client, opcc_staff, report_a):
    token = _token(opcc_staff)
    fingerprint = _post(client, report_a, token, _csv(*ROWS)).json()["fingerprint"]
    factories.RecommendationFactory(report=report_a, reference="R1", text="Meanwhile.")
    stale = _post(client, report_a, token, _csv(*ROWS), fingerprint=fingerprint)
    assert stale.status_code == 409
    assert "changed after the preview" in stale.json()["error"]
    assert _texts(report_a) == [("R1", "Meanwhile.")]


def test_a_file_that_is_not_a_spreadsheet_says_what_is_accepted(client, opcc_staff, report_a):
    answer = _post(client, report_a, _token(opcc_staff), b"%PDF-1.4 not a sheet", "plan.pdf")
    assert answer.status_code == 400
    assert "plan.pdf" in str(answer.json()) and "CSV" in str(answer.json())
    missing = client.post(
        reverse("api:report_import", args=[report_a.pk]),
        {},
        HTTP_AUTHORIZATION=f"Bearer {_token(opcc_staff)}",
    )
    assert missing.status_code == 400
    assert missing.json()["error"].startswith("file: Send the spreadsheet")


@pytest.mark.parametrize(
    "persona, expected",
    [
        ("opcc_staff", 200),
        ("opcc_staff_b", 404),  # office B never learns report A exists
        ("read_only", 403),
        ("police_lead_a", 403),
        ("plan_owner_a", 403),
        ("partner_lead", 404),
        ("police_lead_b", 404),
    ],
)
def test_only_staff_of_an_overseeing_office_may_import(
    request, everyone, opcc_staff_b, report_a, persona, expected
):
    person = request.getfixturevalue(persona)
    scope = "read" if person.role == "read_only" else "write"
    answer = _post(Client(), report_a, _token(person, scope), _csv(*ROWS))
    assert answer.status_code == expected, (persona, answer.content)
    if expected == 404:
        assert answer.json()["error"] == "Not found, or not yours to see: check the id."
    elif expected == 403:
        assert "OPCC staff" in answer.json()["error"] or "read and write" in answer.json()["error"]
    assert not Recommendation.objects.filter(report=report_a, reference="R1").exists()


def test_a_read_token_may_not_import(client, opcc_staff, report_a):
    answer = _post(client, report_a, _token(opcc_staff, "read"), _csv(*ROWS))
    assert answer.status_code == 403
    assert "read and write" in answer.json()["error"]


@pytest.mark.django_db(transaction=True)
def test_httpx_imports_a_spreadsheet_in_two_steps(live_server, opcc_staff, report_a):
    with httpx.Client(
        base_url=live_server.url, headers={"Authorization": f"Bearer {_token(opcc_staff)}"}
    ) as api:
        path = f"/api/v1/reports/{report_a.pk}/import/"
        files = {"file": ("recs.csv", _csv(*ROWS), "text/csv")}
        plan = api.post(path, files=files)
        assert plan.status_code == 200, plan.text
        done = api.post(path, files=files, data={"fingerprint": plan.json()["fingerprint"]})
        assert done.status_code == 201, done.text
        listed = api.get("/api/v1/recommendations/", params={"report": report_a.pk})
        assert {row["reference"] for row in listed.json()["results"]} >= {"R1", "R2"}


NATIONAL_HEADER = [column.header for column in NATIONAL_COLUMNS]


def _national_csv(*rows: list) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(NATIONAL_HEADER)
    writer.writerows(rows)
    return out.getvalue().encode()


@pytest.fixture
def national(opcc_staff, opcc_staff_b, force_a, force_b):
    """A thematic report entered by office A, answered by force A and force B."""
    report = national_report_create(
        by=opcc_staff,
        fields={
            "title": "Stalking: a national thematic inspection",
            "source": NationalReport.Source.HMICFRS,
            "programme": NationalReport.Programme.THEMATIC,
            "published_on": timezone.localdate() - datetime.timedelta(days=30),
        },
    )
    national_report_apply(national_report=report, forces=[force_a], by=opcc_staff)
    national_report_apply(national_report=report, forces=[force_b], by=opcc_staff_b)
    return report


def _post_national(client, national, token, data):
    return client.post(
        reverse("api:national_report_import", args=[national.pk]),
        {"file": _upload("national.csv", data)},
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def test_a_national_import_reaches_every_force_answering(
    client, national, opcc_staff, opcc_staff_b, force_a, force_b
):
    rows = [["ST R1", "R1", "", "Chief constables should appoint a stalking lead.", "", "", ""]]
    data = _national_csv(*rows)
    # Office B answers the report but did not enter it: it may not change its text.
    refused = _post_national(client, national, _token(opcc_staff_b), data)
    assert refused.status_code == 403 and "keeps its text" in refused.json()["error"]
    token = _token(opcc_staff)
    plan = _post_national(client, national, token, data)
    assert plan.status_code == 200, plan.content
    assert [row["reference"] for row in plan.json()["new"]] == ["R1"]
    done = client.post(
        reverse("api:national_report_import", args=[national.pk]),
        {"file": _upload("national.csv", data), "fingerprint": plan.json()["fingerprint"]},
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert done.status_code == 201, done.content
    responses = Recommendation.objects.filter(national_recommendation__national_report=national)
    assert sorted(responses.values_list("report__force", flat=True)) == [force_a.pk, force_b.pk]
