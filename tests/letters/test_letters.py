"""The letters: snapshot, HTML, PDF, the URL fetcher, issuing and freezing, versions."""

import datetime
import gc
import hashlib
import io
import os
import re
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from letters import rendering, sections
from letters.comparison import letter_compare
from letters.models import Letter
from letters.render_jobs import letter_render_draft
from letters.rendering import (
    LETTER_ORIGIN,
    LETTER_SCHEME,
    LetterAssetRefused,
    letter_render_html,
    letter_render_pdf,
    letter_url_fetcher,
)
from letters.selectors import recommendations_without_disposition
from letters.services import letter_create, letter_issue, letter_request_render, letter_update
from letters.snapshot import letter_build_snapshot
from letters.text import natural_key
from oversight.models import InspectionReport, User
from recommendations.models import Action, ProgressUpdate, Rag, Recommendation
from tests import factories
from tests.letters.letter_pdf import flat, pdf_fonts, pdf_info, pdf_text

ALL_KINDS = [kind.value for kind in Letter.Kind]


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """The personas' passwords are hashed on creation; the real hasher is slow on purpose."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _only_own_sections(monkeypatch):
    """The deep-dive and investment sections are tested in tests/reviews/test_letters.py;
    these tests see none unless they set their own."""
    monkeypatch.setattr(sections, "SECTIONS", ())


def use_section(monkeypatch, kind, builder):
    monkeypatch.setattr(sections, "SECTIONS", (*sections.SECTIONS, (kind, builder)))


@pytest.fixture
def demo(db):
    call_command("seed_demo", quiet_logins=True, stdout=io.StringIO())
    report = InspectionReport.objects.get(title__startswith="National child protection")
    return SimpleNamespace(
        report=report,
        opcc=User.objects.get(username="opcc"),
        acc=User.objects.get(username="acc"),
        lead=User.objects.get(username="lead"),
    )


def _latest_accepted(action: Action) -> ProgressUpdate:
    return (
        action.updates.filter(review_state=ProgressUpdate.Review.ACCEPTED)
        .order_by("-written_on", "-pk")
        .first()
    )


def _give_each_action_its_own_progress(report) -> dict[str, list[str]]:
    """The demo's narratives repeat; make each action's latest accepted one unique so the
    letter can be checked recommendation by recommendation."""
    expected: dict[str, list[str]] = {}
    for action in Action.objects.filter(plan__report=report).prefetch_related("recommendations"):
        narrative = f"Milestone {action.reference} met: evidence {action.pk * 7} seen by the board."
        ProgressUpdate.objects.filter(pk=_latest_accepted(action).pk).update(narrative=narrative)
        for recommendation in action.recommendations.all():
            expected.setdefault(recommendation.reference, []).append(narrative)
    return expected


def _render_draft(letter: Letter, user: User, capture) -> bytes:
    with capture(execute=True):
        letter_request_render(letter=letter, user=user)
    letter.refresh_from_db()
    assert letter.render_state == Letter.RenderState.READY, letter.render_error
    with letter.rendered_pdf.open("rb") as pdf:
        return pdf.read()


def _assert_page_numbers(pdf: bytes, text: str) -> int:
    pages = int(pdf_info(pdf)["Pages"])
    printed = text.split("\f")
    for number in range(1, pages + 1):
        assert f"Page {number} of {pages}" in printed[number - 1]
    assert len(re.findall(r"Page \d+ of \d+", text)) == pages
    return pages


# --- The demo scenario, read back from the PDF -----------------------------------------


@pytest.mark.parametrize("kind", [Letter.Kind.FORMAL_RESPONSE, Letter.Kind.SECTION_55])
def test_demo_letter_pdf_has_every_reference_its_progress_and_the_signatory(
    demo, kind, django_capture_on_commit_callbacks
):
    expected_progress = _give_each_action_its_own_progress(demo.report)
    letter = letter_create(report=demo.report, kind=kind, user=demo.opcc)
    pdf = _render_draft(letter, demo.opcc, django_capture_on_commit_callbacks)
    text = pdf_text(pdf)
    references = list(demo.report.recommendations.values_list("reference", flat=True))
    assert len(references) == 10
    for reference in references:
        assert re.search(rf"\b{reference}\b", text), reference
        for narrative in expected_progress.get(reference, []):
            assert narrative in flat(text), (reference, narrative)
    assert letter.signatory_name in text
    assert _assert_page_numbers(pdf, text) >= 2


def test_demo_formal_response_is_from_the_chief_constable_to_the_pcc(
    demo, django_capture_on_commit_callbacks
):
    letter = letter_create(report=demo.report, kind=Letter.Kind.FORMAL_RESPONSE, user=demo.acc)
    text = flat(pdf_text(_render_draft(letter, demo.acc, django_capture_on_commit_callbacks)))
    assert "Devon & Cornwall Police" in text
    assert "Tony Hogg" in text  # the addressee
    assert "Police and Crime Commissioner for Devon, Cornwall" in text
    assert "Shaun Sawyer Chief Constable, Devon & Cornwall Police" in text
    for area in demo.report.priority_areas.all():
        assert area.title in text


def test_demo_request_letter_lists_every_recommendation_and_the_due_date(
    demo, django_capture_on_commit_callbacks
):
    letter = letter_create(report=demo.report, kind=Letter.Kind.RESPONSE_REQUEST, user=demo.opcc)
    pdf = _render_draft(letter, demo.opcc, django_capture_on_commit_callbacks)
    text = pdf_text(pdf)
    for reference in demo.report.recommendations.values_list("reference", flat=True):
        assert re.search(rf"\b{reference}\b", text), reference
    due = letter.response_due_on
    assert f"{due.day} {due:%B %Y}" in text
    assert "Tony Hogg" in text
    _assert_page_numbers(pdf, text)


def test_progress_comes_only_from_accepted_updates(demo, django_capture_on_commit_callbacks):
    letter = letter_create(report=demo.report, kind=Letter.Kind.FORMAL_RESPONSE, user=demo.opcc)
    text = flat(pdf_text(_render_draft(letter, demo.opcc, django_capture_on_commit_callbacks)))
    # A4's latest updates were returned, then resubmitted and not yet reviewed.
    assert "Training continuing." not in text
    assert "81% of frontline officers" not in text


def test_revised_target_dates_are_flagged_with_the_original(
    demo, django_capture_on_commit_callbacks
):
    letter = letter_create(report=demo.report, kind=Letter.Kind.FORMAL_RESPONSE, user=demo.opcc)
    text = flat(pdf_text(_render_draft(letter, demo.opcc, django_capture_on_commit_callbacks)))
    revised_actions = Action.objects.filter(
        plan__report=demo.report, revised_target_date__isnull=False
    )
    assert revised_actions.count() == 2
    for action in revised_actions:
        revised, original = action.revised_target_date, action.target_date
        assert (
            f"target {revised.day} {revised:%B %Y} (revised; originally "
            f"{original.day} {original:%B %Y})" in text
        )
        assert action.revision_reason[:40] in text


def test_pdf_is_tagged_a4_with_its_fonts_embedded(demo, django_capture_on_commit_callbacks):
    letter = letter_create(report=demo.report, kind=Letter.Kind.FORMAL_RESPONSE, user=demo.opcc)
    pdf = _render_draft(letter, demo.opcc, django_capture_on_commit_callbacks)
    info = pdf_info(pdf)
    assert info["Tagged"] == "yes"
    assert "(A4)" in info["Page size"]
    assert info["Title"].startswith("Formal response to HMIC")
    fonts = pdf_fonts(pdf).splitlines()[2:]
    assert any("Source-Serif-4" in line for line in fonts)
    assert any("Source-Sans-3" in line for line in fonts)
    assert all(line.split()[-5] == "yes" for line in fonts)  # the "emb" column


@pytest.mark.parametrize("collector_on", [True, False])
def test_rendering_leaves_the_garbage_collector_as_it_was(opcc_staff, report_a, collector_on):
    # letter_render_pdf holds the cyclic collector back while WeasyPrint lays out.
    factories.RecommendationFactory(report=report_a, reference="R1")
    letter = factories.LetterFactory(report=report_a)
    snapshot = letter_build_snapshot(letter=letter, user=opcc_staff)
    if not collector_on:
        gc.disable()
    try:
        assert pdf_text(letter_render_pdf(snapshot, is_draft=True))
        assert gc.isenabled() is collector_on
    finally:
        gc.enable()


def test_the_stylesheet_and_its_fonts_are_loaded_once_and_again_when_the_file_changes(
    opcc_staff, report_a
):
    """letter_render_pdf keeps letter.css parsed, its fonts loaded, while the file is
    unchanged; each render still draws in the letter's fonts."""
    factories.RecommendationFactory(report=report_a, reference="R1")
    letter = factories.LetterFactory(report=report_a)
    snapshot = letter_build_snapshot(letter=letter, user=opcc_staff)
    stylesheet = rendering.resolve_letter_asset(rendering.LETTER_STYLESHEET)
    kept = rendering._letter_style()
    for _ in range(2):
        fonts = pdf_fonts(letter_render_pdf(snapshot, is_draft=True))
        assert "Source-Serif-4" in fonts and "Source-Sans-3" in fonts
        assert rendering._letter_style() == kept
    stat = stylesheet.stat()
    try:
        os.utime(stylesheet, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
        font_config, css = rendering._letter_style()
        assert font_config is not kept[0] and css is not kept[1]
        assert "Source-Serif-4" in pdf_fonts(letter_render_pdf(snapshot, is_draft=True))
    finally:
        os.utime(stylesheet, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def test_draft_pdf_is_marked_draft_and_issued_is_not(demo, django_capture_on_commit_callbacks):
    letter = letter_create(report=demo.report, kind=Letter.Kind.FORMAL_RESPONSE, user=demo.opcc)
    draft = pdf_text(_render_draft(letter, demo.opcc, django_capture_on_commit_callbacks))
    # Letter-spaced capitals come back with spaces between the letters.
    assert "DRAFT:NOTISSUED" in draft.replace(" ", "")
    issued = letter_issue(letter=letter, user=demo.opcc)
    with issued.issued_pdf.open("rb") as pdf:
        assert "DRAFT" not in pdf_text(pdf.read()).replace(" ", "")


# --- Safety: user text is text, and nothing outside the static files is fetched -----------


INJECTION = 'Check <img src="file:///etc/passwd"> and <script>alert("x")</script> now.'


def test_user_text_with_html_comes_out_as_literal_text(opcc_staff, report_a):
    factories.RecommendationFactory(report=report_a, reference="R1", text=INJECTION)
    letter = factories.LetterFactory(report=report_a, opening=INJECTION, signatory_name="<b>Jo</b>")
    snapshot = letter_build_snapshot(letter=letter, user=opcc_staff)
    html = letter_render_html(snapshot, is_draft=True)
    assert "<script>" not in html
    assert "&lt;img src=&quot;file:///etc/passwd&quot;&gt;" in html
    text = flat(pdf_text(letter_render_pdf(snapshot, is_draft=True)))
    assert text.count(INJECTION) == 2
    assert "<b>Jo</b>" in text
    assert "root:" not in text


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://127.0.0.1:9/letter.css",
        "https://example.org/font.woff2",
        "data:text/css,body{color:red}",
        "ftp://example.org/x.css",
        f"{LETTER_ORIGIN}/static/../../../../etc/passwd",
        f"{LETTER_ORIGIN}/static/%2e%2e/%2e%2e/%2e%2e/etc/passwd.css",
        f"{LETTER_ORIGIN}/etc/passwd",
        f"{LETTER_ORIGIN}/static//etc/passwd",
        f"{LETTER_ORIGIN}/static/./css/letter.css",
        f"{LETTER_ORIGIN}/static/css%5c..%5c..%5cetc%5cpasswd.css",
        f"{LETTER_SCHEME}://elsewhere/static/css/letter.css",
        f"{LETTER_ORIGIN}/static/css/letter.css?file=/etc/passwd",
        f"{LETTER_ORIGIN}/static/js/app.js",
        f"{LETTER_ORIGIN}/static/css/no-such-file.css",
    ],
)
def test_fetcher_refuses_anything_but_the_apps_static_files(url):
    with pytest.raises(LetterAssetRefused):
        letter_url_fetcher().fetch(url)


def test_fetcher_serves_the_letter_stylesheet_and_fonts():
    fetcher = letter_url_fetcher()
    css = fetcher.fetch(f"{LETTER_ORIGIN}/static/css/letter.css")
    assert css.content_type == "text/css"
    assert b"@page" in css.read()
    font = fetcher.fetch(
        f"{LETTER_ORIGIN}/static/vendor/fonts/source-serif-4/source-serif-4-latin-400-normal.woff2"
    )
    assert font.read(4) == b"wOF2"


@pytest.mark.parametrize(
    "markup",
    [
        '<img src="file:///etc/passwd">',
        '<link rel="stylesheet" href="http://127.0.0.1:9/evil.css">',
        '<img src="https://example.org/pixel.png">',
        '<img src="data:image/png;base64,iVBORw0KGgo=">',
    ],
)
def test_a_render_that_asks_for_a_foreign_url_stops(markup):
    from weasyprint import HTML
    from weasyprint.urls import FatalURLFetchingError

    document = HTML(
        string=f"<html><body><p>Letter</p>{markup}</body></html>",
        base_url=f"{LETTER_ORIGIN}/",
        url_fetcher=letter_url_fetcher(),
    )
    with pytest.raises(FatalURLFetchingError):
        document.write_pdf()


# --- Snapshot --------------------------------------------------------------------------


def test_snapshot_groups_by_priority_area_and_keeps_the_rest_apart(opcc_staff, report_a):
    area = factories.PriorityAreaFactory(report=report_a, title="Missing children")
    in_area = factories.RecommendationFactory(report=report_a, reference="R1")
    in_area.priority_areas.add(area)
    factories.RecommendationFactory(report=report_a, reference="R2")
    letter = factories.LetterFactory(report=report_a)
    snapshot = letter_build_snapshot(letter=letter, user=opcc_staff)
    assert snapshot["areas"] == [
        {"position": area.position, "title": "Missing children", "references": ["R1"]}
    ]
    assert snapshot["other_references"] == ["R2"]
    text = flat(pdf_text(letter_render_pdf(snapshot, is_draft=True)))
    assert "Other recommendations" in text


def test_recommendation_rag_is_the_worst_of_its_open_actions(opcc_staff, plan_a, report_a):
    recommendation = factories.RecommendationFactory(report=report_a, reference="R1")
    for rag in (Rag.GREEN, Rag.RED):
        factories.ActionFactory(plan=plan_a, rag=rag, recommendations=[recommendation])
    factories.ActionFactory(
        plan=plan_a,
        rag=Rag.COMPLETE,
        status=Action.Status.NOT_NEEDED,
        status_reason="Covered elsewhere.",
        recommendations=[recommendation],
    )
    letter = factories.LetterFactory(report=report_a)
    item = letter_build_snapshot(letter=letter, user=opcc_staff)["recommendations"]["R1"]
    assert (item["rag"], item["rag_label"]) == ("red", "Red")
    assert [a["reference"] for a in item["remaining"]] == sorted(
        (a["reference"] for a in item["remaining"]), key=natural_key
    )
    assert len(item["finished"]) == 1


def test_snapshot_is_plain_json(opcc_staff, action_a):
    import json

    factories.ProgressUpdateFactory(
        action=action_a,
        review_state=ProgressUpdate.Review.ACCEPTED,
        reviewed_by=opcc_staff,
    )
    letter = factories.LetterFactory(report=action_a.plan.report)
    snapshot = letter_build_snapshot(letter=letter, user=opcc_staff)
    assert json.loads(json.dumps(snapshot)) == snapshot


def _world(report, plan, lead, reviewer, count: int) -> None:
    area = factories.PriorityAreaFactory(report=report)
    for n in range(count):
        recommendation = factories.RecommendationFactory(report=report, reference=f"R{n + 1}")
        recommendation.priority_areas.add(area)
        action = factories.ActionFactory(
            plan=plan, delivery_lead=lead, recommendations=[recommendation]
        )
        factories.ProgressUpdateFactory(
            action=action, review_state=ProgressUpdate.Review.ACCEPTED, reviewed_by=reviewer
        )


@pytest.mark.parametrize("count", [2, 30])
def test_snapshot_runs_a_fixed_number_of_queries(
    opcc_staff, report_a, plan_a, police_lead_a, count, django_assert_num_queries
):
    _world(report_a, plan_a, police_lead_a, opcc_staff, count)
    letter = factories.LetterFactory(report=report_a)
    user = User.objects.select_related("office").get(pk=opcc_staff.pk)
    # report+force, action plan, priority areas, recommendations (+superseded_by), their
    # priority areas, their actions (+lead, partner agency), the actions' accepted updates
    with django_assert_num_queries(7):
        snapshot = letter_build_snapshot(letter=letter, user=user)
    assert len(snapshot["recommendations"]) == count


def test_snapshot_is_scoped_to_the_user(opcc_staff_b, report_a):
    letter = factories.LetterFactory(report=report_a)
    with pytest.raises(InspectionReport.DoesNotExist):
        letter_build_snapshot(letter=letter, user=opcc_staff_b)


# --- Sections from other apps ----------------------------------------------------------


def test_compare_reports_a_changed_section(monkeypatch, opcc_staff, report_a):
    outcome = {"text": "Assured."}
    use_section(
        monkeypatch,
        "deep_dives",
        lambda **kwargs: {"title": "Deep dives", "intro": outcome["text"]},
    )
    first = letter_issue(
        letter=letter_create(report=report_a, kind=Letter.Kind.FORMAL_RESPONSE, user=opcc_staff),
        user=opcc_staff,
    )
    outcome["text"] = "Partly assured."
    second = letter_create(report=report_a, kind=Letter.Kind.FORMAL_RESPONSE, user=opcc_staff)
    changes = letter_compare(older=first, newer=second, user=opcc_staff).letter_changes
    assert [(c.label, c.before, c.after) for c in changes] == [
        ("Section: Deep dives", "Assured.", "Partly assured.")
    ]


def test_section_appears_in_the_letter(monkeypatch, opcc_staff, report_a):
    def deep_dives(*, report, user, letter_kind):
        assert report == report_a and user == opcc_staff
        return {
            "title": "Deep-dive reviews",
            "intro": "The panel held one review.",
            "items": [
                {
                    "heading": "Child protection, 18 June 2015",
                    "details": ["Plans: assured", "Performance: partly assured"],
                    "text": "The panel heard <b>the same issues</b>.",
                }
            ],
        }

    use_section(monkeypatch, "deep_dives", deep_dives)
    letter = factories.LetterFactory(report=report_a, kind=Letter.Kind.SECTION_55)
    snapshot = letter_build_snapshot(letter=letter, user=opcc_staff)
    assert snapshot["sections"][0]["title"] == "Deep-dive reviews"
    text = flat(pdf_text(letter_render_pdf(snapshot, is_draft=True)))
    assert "Deep-dive reviews The panel held one review." in text
    assert "Plans: assured · Performance: partly assured" in text
    assert "The panel heard <b>the same issues</b>." in text


def test_request_for_a_formal_response_carries_no_sections(monkeypatch, opcc_staff, report_a):
    use_section(monkeypatch, "investments", lambda **kwargs: {"title": "Investments"})
    letter = factories.LetterFactory(report=report_a, kind=Letter.Kind.RESPONSE_REQUEST)
    assert letter_build_snapshot(letter=letter, user=opcc_staff)["sections"] == []


@pytest.mark.parametrize("kind", [Letter.Kind.FORMAL_RESPONSE, Letter.Kind.SECTION_55])
def test_formal_response_and_section_55_carry_the_sections(monkeypatch, kind, opcc_staff, report_a):
    use_section(monkeypatch, "investments", lambda **kwargs: {"title": "Investments"})
    letter = factories.LetterFactory(report=report_a, kind=kind)
    [section] = letter_build_snapshot(letter=letter, user=opcc_staff)["sections"]
    assert section["title"] == "Investments"


# --- Creating, editing, rendering ------------------------------------------------------


def test_plan_owner_may_build_the_formal_response_only(plan_owner_a, report_a):
    letter = letter_create(report=report_a, kind=Letter.Kind.FORMAL_RESPONSE, user=plan_owner_a)
    assert letter.version == 1 and letter.status == Letter.Status.DRAFT
    with pytest.raises(PermissionDenied):
        letter_create(report=report_a, kind=Letter.Kind.SECTION_55, user=plan_owner_a)


@pytest.mark.parametrize("persona", ["read_only", "police_lead_a"])
def test_readers_may_not_create_letters(persona, request, report_a):
    user = request.getfixturevalue(persona)
    with pytest.raises(PermissionDenied):
        letter_create(report=report_a, kind=Letter.Kind.FORMAL_RESPONSE, user=user)


def test_new_letter_gets_default_wording(opcc_staff, report_a):
    letter = letter_create(report=report_a, kind=Letter.Kind.SECTION_55, user=opcc_staff)
    assert letter.reference == f"S55/2026/{report_a.pk:04d}"
    assert "section 55 of the police act 1996" in letter.opening.lower()
    assert letter.signatory_name == "Pat Commissioner"


def test_second_draft_of_the_same_kind_is_refused(opcc_staff, report_a):
    letter_create(report=report_a, kind=Letter.Kind.FORMAL_RESPONSE, user=opcc_staff)
    with pytest.raises(ValidationError, match="already a draft"):
        letter_create(report=report_a, kind=Letter.Kind.FORMAL_RESPONSE, user=opcc_staff)


def test_render_is_queued_on_commit_and_stores_the_pdf(
    opcc_staff, report_a, django_capture_on_commit_callbacks
):
    letter = letter_create(report=report_a, kind=Letter.Kind.FORMAL_RESPONSE, user=opcc_staff)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        letter_request_render(letter=letter, user=opcc_staff)
    letter.refresh_from_db()
    assert letter.render_state == Letter.RenderState.QUEUED
    assert len(callbacks) == 1
    callbacks[0]()
    letter.refresh_from_db()
    assert letter.render_state == Letter.RenderState.READY
    assert letter.rendered_pdf.read(5) == b"%PDF-"


def test_editing_while_queued_discards_the_stale_render(
    opcc_staff, report_a, django_capture_on_commit_callbacks
):
    letter = letter_create(report=report_a, kind=Letter.Kind.FORMAL_RESPONSE, user=opcc_staff)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        letter_request_render(letter=letter, user=opcc_staff)
    letter.refresh_from_db()
    letter_update(
        letter=letter,
        user=opcc_staff,
        expected_version=letter.updated_at.isoformat(),
        opening="New words.",
    )
    callbacks[0]()
    letter.refresh_from_db()
    assert letter.render_state == Letter.RenderState.IDLE
    assert not letter.rendered_pdf


def test_a_failed_render_is_recorded_with_its_reason(
    monkeypatch, opcc_staff, report_a, django_capture_on_commit_callbacks
):
    def broken(**kwargs):
        raise RuntimeError("the deep-dive data is unavailable")

    use_section(monkeypatch, "broken", broken)
    letter = letter_create(report=report_a, kind=Letter.Kind.FORMAL_RESPONSE, user=opcc_staff)
    with django_capture_on_commit_callbacks(execute=True):
        letter_request_render(letter=letter, user=opcc_staff)
    letter.refresh_from_db()
    assert letter.render_state == Letter.RenderState.FAILED
    assert "the deep-dive data is unavailable" in letter.render_error
    assert "Try again" in letter.render_error


def test_update_with_a_stale_version_saves_nothing(opcc_staff, report_a):
    from oversight.shared.concurrency import StaleEditError

    letter = letter_create(report=report_a, kind=Letter.Kind.FORMAL_RESPONSE, user=opcc_staff)
    stale = letter.updated_at.isoformat()
    letter_update(letter=letter, user=opcc_staff, expected_version=stale, closing="First.")
    with pytest.raises(StaleEditError):
        letter_update(letter=letter, user=opcc_staff, expected_version=stale, closing="Second.")
    letter.refresh_from_db()
    assert letter.closing == "First."


# --- Issuing and freezing --------------------------------------------------------------


def _read(field_file) -> bytes:
    with field_file.open("rb") as handle:
        return handle.read()


def test_issuing_stores_the_pdf_its_checksum_and_the_snapshot(demo):
    letter = letter_create(report=demo.report, kind=Letter.Kind.FORMAL_RESPONSE, user=demo.opcc)
    issued = letter_issue(letter=letter, user=demo.opcc)
    pdf = _read(issued.issued_pdf)
    assert pdf.startswith(b"%PDF-")
    assert issued.checksum == hashlib.sha256(pdf).hexdigest()
    assert issued.status == Letter.Status.ISSUED
    assert issued.issued_by == demo.opcc and issued.issued_at is not None
    assert set(issued.snapshot["recommendations"]) == set(
        demo.report.recommendations.values_list("reference", flat=True)
    )


def test_issued_letter_does_not_change_when_the_data_changes(demo):
    letter = letter_create(report=demo.report, kind=Letter.Kind.FORMAL_RESPONSE, user=demo.opcc)
    issued = letter_issue(letter=letter, user=demo.opcc)
    pdf, checksum, snapshot = _read(issued.issued_pdf), issued.checksum, issued.snapshot

    action = Action.objects.get(plan__report=demo.report, reference="A2")
    ProgressUpdate.objects.filter(pk=_latest_accepted(action).pk).update(
        narrative="Everything changed after the letter was issued."
    )
    Recommendation.objects.filter(report=demo.report, reference="R2").update(
        status=Recommendation.Status.PROPOSED_FOR_CLOSURE
    )

    issued.refresh_from_db()
    assert _read(issued.issued_pdf) == pdf
    assert issued.checksum == checksum == hashlib.sha256(pdf).hexdigest()
    assert issued.snapshot == snapshot
    assert "Everything changed" not in flat(pdf_text(pdf))


def test_services_refuse_to_change_an_issued_letter(demo, django_capture_on_commit_callbacks):
    letter = letter_create(report=demo.report, kind=Letter.Kind.FORMAL_RESPONSE, user=demo.opcc)
    issued = letter_issue(letter=letter, user=demo.opcc)
    before = Letter.objects.values().get(pk=issued.pk)
    with pytest.raises(ValidationError, match="cannot change"):
        letter_update(
            letter=issued,
            user=demo.opcc,
            expected_version=issued.updated_at.isoformat(),
            opening="Rewritten.",
        )
    with pytest.raises(ValidationError, match="cannot change"):
        letter_request_render(letter=issued, user=demo.opcc)
    with pytest.raises(ValidationError, match="cannot change"):
        letter_issue(letter=issued, user=demo.opcc)
    Letter.objects.filter(pk=issued.pk).update(render_state=Letter.RenderState.QUEUED)
    letter_render_draft(letter_id=issued.pk, user_id=demo.opcc.pk)
    after = Letter.objects.values().get(pk=issued.pk)
    assert {**after, "render_state": before["render_state"]} == before


def test_only_opcc_staff_issue(demo):
    letter = letter_create(report=demo.report, kind=Letter.Kind.FORMAL_RESPONSE, user=demo.acc)
    with pytest.raises(PermissionDenied):
        letter_issue(letter=letter, user=demo.acc)
    assert letter_issue(letter=letter, user=demo.opcc).status == Letter.Status.ISSUED


def test_reissue_is_a_new_version_copied_from_the_last(demo):
    first = letter_create(report=demo.report, kind=Letter.Kind.FORMAL_RESPONSE, user=demo.opcc)
    letter_update(
        letter=first,
        user=demo.opcc,
        expected_version=first.updated_at.isoformat(),
        closing="Our own closing words.",
    )
    first = letter_issue(letter=first, user=demo.opcc)
    second = letter_create(report=demo.report, kind=Letter.Kind.FORMAL_RESPONSE, user=demo.opcc)
    assert (second.version, second.status) == (2, Letter.Status.DRAFT)
    assert second.closing == "Our own closing words."
    assert second.pk != first.pk
    second = letter_issue(letter=second, user=demo.opcc)
    first.refresh_from_db()
    assert first.version == 1 and first.status == Letter.Status.ISSUED
    assert second.checksum != first.checksum


def test_compare_shows_what_changed_in_the_data(demo):
    first = letter_create(report=demo.report, kind=Letter.Kind.FORMAL_RESPONSE, user=demo.opcc)
    first = letter_issue(letter=first, user=demo.opcc)
    action = Action.objects.get(plan__report=demo.report, reference="A2")
    factories.ProgressUpdateFactory(
        action=action,
        author=demo.lead,
        written_on=datetime.date.today(),
        narrative="Tracker live in all three areas.",
        percent_complete=90,
        review_state=ProgressUpdate.Review.ACCEPTED,
        reviewed_by=demo.opcc,
    )
    Action.objects.filter(pk=action.pk).update(rag=Rag.RED)
    Recommendation.objects.filter(report=demo.report, reference="R9").update(
        status=Recommendation.Status.NO_ACTION, status_reason="Overtaken by legislation."
    )
    second = letter_create(report=demo.report, kind=Letter.Kind.FORMAL_RESPONSE, user=demo.opcc)
    comparison = letter_compare(older=first, newer=second, user=demo.opcc)
    changed = {rec.reference: rec for rec in comparison.recommendations}
    assert set(changed) == {"R2", "R9"}
    r2 = {change.label: change for change in changed["R2"].changes}
    assert r2["RAG"].before == "Amber" and r2["RAG"].after == "Red"
    assert "Tracker live in all three areas." in r2["Progress on A2"].after
    r9 = {change.label: change for change in changed["R9"].changes}
    assert (r9["OPCC status"].before, r9["OPCC status"].after) == ("In progress", "No action")
    assert "R1" in comparison.unchanged
    assert [change.label for change in comparison.letter_changes] == []


# --- Section 55 and the request --------------------------------------------------------


def test_section_55_cannot_be_issued_while_a_recommendation_lacks_a_disposition(
    opcc_staff, report_a, action_a
):
    factories.RecommendationFactory(report=report_a, reference="R2")
    factories.RecommendationFactory(report=report_a, reference="R3")
    letter = letter_create(report=report_a, kind=Letter.Kind.SECTION_55, user=opcc_staff)
    with pytest.raises(ValidationError) as error:
        letter_issue(letter=letter, user=opcc_staff)
    assert "R2, R3" in error.value.messages[0]
    assert "R1" not in error.value.messages[0]
    assert recommendations_without_disposition(opcc_staff, report_a) == ["R2", "R3"]
    letter.refresh_from_db()
    assert letter.status == Letter.Status.DRAFT and not letter.issued_pdf

    Recommendation.objects.filter(report=report_a, reference="R2").update(
        status=Recommendation.Status.NO_ACTION, status_reason="The force already does this."
    )
    factories.ActionFactory(
        plan=action_a.plan, recommendations=[Recommendation.objects.get(reference="R3")]
    )
    issued = letter_issue(letter=letter, user=opcc_staff)
    assert issued.status == Letter.Status.ISSUED
    assert "The force already does this." in flat(pdf_text(_read(issued.issued_pdf)))


def test_issuing_the_request_records_the_dates_on_the_report(opcc_staff, report_a):
    letter = letter_create(report=report_a, kind=Letter.Kind.RESPONSE_REQUEST, user=opcc_staff)
    letter_issue(letter=letter, user=opcc_staff)
    report_a.refresh_from_db()
    assert report_a.formal_response_requested_on == letter.letter_date
    assert report_a.formal_response_due_on == letter.response_due_on


def test_request_without_a_due_date_is_not_issued(opcc_staff, report_a):
    letter = letter_create(report=report_a, kind=Letter.Kind.RESPONSE_REQUEST, user=opcc_staff)
    Letter.objects.filter(pk=letter.pk).update(response_due_on=None)
    letter.refresh_from_db()
    with pytest.raises(ValidationError, match="date the formal response is due"):
        letter_issue(letter=letter, user=opcc_staff)
    report_a.refresh_from_db()
    assert report_a.formal_response_requested_on is None


# --- Letters for every source ---------------------------------------------------------


def test_section_55_letter_is_refused_for_a_report_section_55_does_not_cover(opcc_staff, force_a):
    report = factories.InspectionReportFactory(force=force_a, source="iopc", programme="")
    with pytest.raises(ValidationError, match="Section 55 covers HMICFRS and HMIC reports only"):
        letter_create(report=report, kind=Letter.Kind.SECTION_55, user=opcc_staff)


def test_formal_response_to_an_iopc_report_names_the_iopc(opcc_staff, force_a):
    report = factories.InspectionReportFactory(force=force_a, source="iopc", programme="")
    letter = letter_create(report=report, kind=Letter.Kind.RESPONSE_REQUEST, user=opcc_staff)
    assert "the IOPC published its report" in letter.opening
    assert "section 55" not in letter.closing


def test_report_page_offers_no_section_55_letter_for_a_coroners_report(client, opcc_staff, force_a):
    report = factories.InspectionReportFactory(
        force=force_a, source="coroner", programme="", issued_by="HM Coroner"
    )
    client.force_login(opcc_staff)
    content = client.get(report.get_absolute_url()).content.decode()
    assert "Prepare the PCC’s section 55 response" not in content
    assert "Request the formal response from the chief constable" in content


def test_letter_for_an_iopc_report_shows_no_inspectorate_status(opcc_staff, force_a):
    import json

    report = factories.InspectionReportFactory(force=force_a, source="iopc", programme="")
    factories.RecommendationFactory(report=report, reference="L1")
    letter = letter_create(report=report, kind=Letter.Kind.FORMAL_RESPONSE, user=opcc_staff)
    snapshot = json.dumps(letter_build_snapshot(letter=letter, user=opcc_staff))
    assert '"inspectorate_status_label": ""' in snapshot
    assert '"source": "IOPC learning recommendations"' in snapshot
