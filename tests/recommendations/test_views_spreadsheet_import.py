"""The spreadsheet import's pages: the template download, upload → preview → confirm,
refused files, who may use them, and the preview's query budget."""

import datetime
import io

import openpyxl
import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from oversight.shared.concurrency import version_of
from recommendations.models import InspectorateStatusChange, Recommendation
from recommendations.spreadsheet_import import MAX_FILE_BYTES
from tests import factories


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime.datetime(2026, 11, 1, 12, 0), tick=False):
        yield


@pytest.fixture
def recommendations(report_a):
    return [
        factories.RecommendationFactory(
            report=report_a, reference=f"R{n}", publisher_reference=f"CP 2026 R{n}"
        )
        for n in (1, 2, 3)
    ]


def _template_url(report, extension="xlsx"):
    return reverse("recommendations:recommendation_template", args=[report.pk, extension])


def _import_url(report):
    return reverse("recommendations:recommendation_import", args=[report.pk])


def _template(client, report) -> bytes:
    response = client.get(_template_url(report))
    assert response.status_code == 200
    return response.content


def _edit(data: bytes, edits: dict) -> bytes:
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    sheet = workbook["Recommendations"]
    for cell, value in edits.items():
        sheet[cell] = value
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _preview(client, report, data: bytes, name="recommendations.xlsx"):
    return client.post(
        _import_url(report), {"step": "preview", "file": SimpleUploadedFile(name, data)}
    )


def _confirm(client, report, preview, **extra):
    form = preview.context["confirm_form"]
    return client.post(
        _import_url(report),
        {
            "step": "confirm",
            "sha256": form.initial["sha256"],
            "fingerprint": form.initial["fingerprint"],
            **extra,
        },
    )


# --- The template -------------------------------------------------------------------------


def test_template_downloads_as_an_xlsx_attachment(client, opcc_staff, report_a, recommendations):
    client.force_login(opcc_staff)
    response = client.get(_template_url(report_a))
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert response["X-Content-Type-Options"] == "nosniff"
    sheet = openpyxl.load_workbook(io.BytesIO(response.content))["Recommendations"]
    assert [cell.value for cell in sheet["A"][1:]] == ["CP 2026 R1", "CP 2026 R2", "CP 2026 R3"]


def test_template_downloads_as_csv(client, opcc_staff, report_a, recommendations):
    client.force_login(opcc_staff)
    response = client.get(_template_url(report_a, "csv"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith("\ufeffPublisher ID,Reference,".encode())


def test_template_in_another_format_is_not_found(client, opcc_staff, report_a):
    client.force_login(opcc_staff)
    assert client.get(_template_url(report_a, "xls")).status_code == 404


def test_report_page_offers_the_template_and_the_import_to_staff(client, opcc_staff, report_a):
    client.force_login(opcc_staff)
    page = client.get(report_a.get_absolute_url()).content.decode()
    assert _template_url(report_a) in page
    assert _import_url(report_a) in page


def test_report_page_offers_no_import_to_the_police(client, police_lead_a, report_a):
    client.force_login(police_lead_a)
    page = client.get(report_a.get_absolute_url()).content.decode()
    assert _import_url(report_a) not in page


# --- Who may --------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [_template_url, _import_url])
def test_staff_of_another_office_find_nothing(client, opcc_staff_b, report_a, url):
    client.force_login(opcc_staff_b)
    assert client.get(url(report_a)).status_code == 404


@pytest.mark.parametrize("url", [_template_url, _import_url])
def test_a_police_lead_is_refused(client, police_lead_a, report_a, url):
    client.force_login(police_lead_a)
    assert client.get(url(report_a)).status_code == 403


def test_a_police_lead_cannot_post_an_import(client, police_lead_a, report_a):
    client.force_login(police_lead_a)
    data = b"Reference,Text\nR1,The force should.\n"
    response = _preview(client, report_a, data, name="r.csv")
    assert response.status_code == 403
    assert not Recommendation.objects.exists()


# --- Upload, preview, confirm ----------------------------------------------------------


def test_preview_names_only_the_changed_row_and_confirm_saves_it(
    client, opcc_staff, report_a, recommendations
):
    client.force_login(opcc_staff)
    data = _edit(
        _template(client, report_a),
        {"D3": "The force should track every case.", "F3": "Complete", "G3": "2026-10-20"},
    )
    preview = _preview(client, report_a, data)
    assert preview.status_code == 200
    plan = preview.context["plan"]
    assert [row.reference for row in plan.changed] == ["R2"]
    assert (len(plan.new), len(plan.unchanged), len(plan.missing)) == (0, 2, 0)
    assert not Recommendation.objects.filter(text="The force should track every case.").exists()

    response = _confirm(client, report_a, preview)
    assert response.status_code == 302
    r2 = recommendations[1]
    r2.refresh_from_db()
    assert (r2.text, r2.inspectorate_status, r2.inspectorate_status_on) == (
        "The force should track every case.",
        "complete",
        datetime.date(2026, 10, 20),
    )
    assert InspectorateStatusChange.objects.filter(recommendation=r2).count() == 1


def test_confirm_twice_applies_once(client, opcc_staff, report_a, recommendations):
    client.force_login(opcc_staff)
    preview = _preview(client, report_a, _edit(_template(client, report_a), {"D2": "New."}))
    assert _confirm(client, report_a, preview).status_code == 302
    history = Recommendation.history.count()
    again = _confirm(client, report_a, preview)
    assert again.status_code == 400
    assert "upload it again" in again.content.decode()
    assert Recommendation.history.count() == history


def test_confirm_reads_the_kept_file_not_posted_values(
    client, opcc_staff, report_a, recommendations
):
    client.force_login(opcc_staff)
    preview = _preview(client, report_a, _edit(_template(client, report_a), {"D2": "New."}))
    _confirm(client, report_a, preview, text="Posted wording.", reference="R99")
    assert set(Recommendation.objects.values_list("text", flat=True)) >= {"New."}
    assert not Recommendation.objects.filter(text="Posted wording.").exists()
    assert not Recommendation.objects.filter(reference="R99").exists()


def test_confirm_with_another_files_digest_saves_nothing(
    client, opcc_staff, report_a, recommendations
):
    client.force_login(opcc_staff)
    preview = _preview(client, report_a, _edit(_template(client, report_a), {"D2": "New."}))
    form = preview.context["confirm_form"]
    response = client.post(
        _import_url(report_a),
        {"step": "confirm", "sha256": "0" * 64, "fingerprint": form.initial["fingerprint"]},
    )
    assert response.status_code == 400
    assert not Recommendation.objects.filter(text="New.").exists()


def test_confirm_after_the_report_changed_shows_the_preview_again(
    client, opcc_staff, report_a, recommendations
):
    client.force_login(opcc_staff)
    preview = _preview(client, report_a, _edit(_template(client, report_a), {"D2": "New."}))
    Recommendation.objects.filter(pk=recommendations[0].pk).update(text="Edited meanwhile.")
    response = _confirm(client, report_a, preview)
    assert response.status_code == 409
    assert "changed after the preview" in response.content.decode()
    assert Recommendation.objects.get(pk=recommendations[0].pk).text == "Edited meanwhile."
    # The preview shown again carries the new plan: confirming it now works.
    assert _confirm(client, report_a, response).status_code == 302


def test_a_file_with_a_bad_row_shows_line_and_reason_and_cannot_be_confirmed(
    client, opcc_staff, report_a, recommendations
):
    client.force_login(opcc_staff)
    data = _edit(_template(client, report_a), {"D2": "Changed.", "F3": "done"})
    response = _preview(client, report_a, data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Line 3: HMICFRS status “done” is not one of:" in page
    assert 'value="confirm"' not in page
    # Even a hand-made confirmation finds no file kept to import.
    forged = _confirm(client, report_a, response)
    assert forged.status_code == 400
    assert not Recommendation.objects.filter(text="Changed.").exists()


def test_a_file_that_changes_nothing_says_so(client, opcc_staff, report_a, recommendations):
    client.force_login(opcc_staff)
    response = _preview(client, report_a, _template(client, report_a))
    assert response.status_code == 200
    assert "Nothing to save: the report already matches this file." in response.content.decode()


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("r.csv", factories.tiny_pdf(), "is a PDF, whatever its name says."),
        ("r.xlsm", b"PK\x03\x04", "is a macro-enabled Office file (.xlsm)"),
        ("r.xls", b"\xd0\xcf\x11\xe0", "is in an older Office format (.xls)"),
        ("r.pdf", factories.tiny_pdf(), "is not a type we accept (.pdf). We accept Excel"),
        ("r.csv", b"", "The file is empty: choose the spreadsheet again."),
    ],
)
def test_a_file_that_is_not_a_spreadsheet_is_refused_with_a_reason(
    client, opcc_staff, report_a, name, data, message
):
    client.force_login(opcc_staff)
    response = _preview(client, report_a, data, name=name)
    assert response.status_code == 400
    assert message in response.content.decode().replace("&quot;", '"')


def test_an_oversize_file_is_refused_with_the_limit(client, opcc_staff, report_a):
    client.force_login(opcc_staff)
    data = b"Reference,Text\n" + b"R1,x\n" * (MAX_FILE_BYTES // 5 + 1)
    response = _preview(client, report_a, data, name="r.csv")
    assert response.status_code == 400
    assert "the limit is 1 MB" in response.content.decode()


def test_preview_queries_do_not_grow_with_rows(client, opcc_staff, report_a):
    client.force_login(opcc_staff)

    def preview_queries(count: int) -> int:
        for n in range(count):
            factories.RecommendationFactory(report=report_a, reference=f"X{count}-{n}")
        data = _template(client, report_a)
        with CaptureQueriesContext(connection) as queries:
            assert _preview(client, report_a, data).status_code == 200
        Recommendation.objects.filter(report=report_a).delete()
        return len(queries)

    # 1 session, 2 user, 3 report, 4 recommendations, 5 their HMICFRS logs, then the
    # session saved (the kept file), and the page's notifications count: the same for 3
    # rows or 30.
    assert preview_queries(3) == preview_queries(30)


# --- The publisher's ID on the recommendation -----------------------------------------------


def test_publisher_id_is_shown_on_the_recommendation_page(client, opcc_staff, recommendations):
    client.force_login(opcc_staff)
    page = client.get(recommendations[0].get_absolute_url()).content.decode()
    assert "CP 2026 R1" in page


def test_publisher_id_is_edited_in_the_form_and_kept_unique(
    client, opcc_staff, report_a, recommendations
):
    client.force_login(opcc_staff)
    r1 = recommendations[0]
    url = reverse("recommendations:recommendation_edit", args=[r1.pk])
    values = {
        "reference": "R1",
        "kind": "recommendation",
        "text": r1.text,
        "timescale": r1.timescale,
        "version": version_of(r1),
    }
    taken = client.post(url, {**values, "publisher_reference": "cp 2026 r2"})
    assert taken.status_code == 400
    assert "Another recommendation of this report has the publisher's ID" in (
        taken.content.decode().replace("&#x27;", "'")
    )
    assert client.post(url, {**values, "publisher_reference": " PEEL  2023 R1 "}).status_code == 302
    r1.refresh_from_db()
    assert r1.publisher_reference == "PEEL 2023 R1"
